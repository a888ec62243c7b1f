<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es_ES">
<context>
    <name>AddCourierDialog</name>
    <message>
        <source>Add a courier</source>
        <translation>Añadir repartidor</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Añadir</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>Usuario</translation>
    </message>
    <message>
        <source>No spaces</source>
        <translation>Sin espacios</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Contraseña</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Teléfono</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Opcional</translation>
    </message>
    <message>
        <source>Device id</source>
        <translation>ID del dispositivo</translation>
    </message>
    <message>
        <source>Optional: the id a GPS app such as Traccar Client sends</source>
        <translation>Opcional: el ID que envía una app GPS como Traccar Client</translation>
    </message>
</context>
<context>
    <name>CourierLinkDialog</name>
    <message>
        <source>Phone link for %1</source>
        <translation>Enlace para el móvil de %1</translation>
    </message>
    <message>
        <source>Scan with the courier&apos;s phone on the same network:</source>
        <translation>Escanéalo con el móvil del repartidor en la misma red:</translation>
    </message>
    <message>
        <source>First password: %1</source>
        <translation>Primera contraseña: %1</translation>
    </message>
    <message>
        <source>Phones will warn once about this certificate. Accept it only if the SHA-256 fingerprint the phone shows matches:</source>
        <translation>Los móviles avisarán una vez sobre este certificado. Acéptalo solo si la huella SHA-256 que muestra el móvil coincide con esta:</translation>
    </message>
</context>
<context>
    <name>CourierPasswordDialog</name>
    <message>
        <source>New password for %1</source>
        <translation>Nueva contraseña para %1</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Cambiar contraseña</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>%1 is logged out on every device and logs in again with this password.</source>
        <translation>%1 cierra sesión en todos los dispositivos y vuelve a entrar con esta contraseña.</translation>
    </message>
</context>
<context>
    <name>CouriersPanel</name>
    <message>
        <source>Couriers</source>
        <translation>Repartidores</translation>
    </message>
    <message>
        <source>%1 of %2 online</source>
        <translation>%1 de %2 conectados</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Añadir…</translation>
    </message>
    <message>
        <source>Add a courier and show the link for their phone</source>
        <translation>Añadir un repartidor y mostrar el enlace para su móvil</translation>
    </message>
    <message numerus="yes">
        <source>%1 and %n more</source>
        <translation>
            <numerusform>%1 y %n más</numerusform>
            <numerusform>%1 y %n más</numerusform>
        </translation>
    </message>
    <message>
        <source>No package</source>
        <translation>Sin paquete</translation>
    </message>
    <message>
        <source>@%1 · seen %2</source>
        <translation>@%1 · visto %2</translation>
    </message>
    <message>
        <source>@%1 · last seen %2</source>
        <translation>@%1 · última vez: %2</translation>
    </message>
    <message>
        <source>QR</source>
        <translation>QR</translation>
    </message>
    <message>
        <source>Show the link for this courier&apos;s phone</source>
        <translation>Mostrar el enlace para el móvil de este repartidor</translation>
    </message>
    <message>
        <source>Phone link for %1</source>
        <translation>Enlace para el móvil de %1</translation>
    </message>
    <message>
        <source>No couriers yet</source>
        <translation>Aún no hay repartidores</translation>
    </message>
    <message>
        <source>Inactive</source>
        <comment>a courier taken off</comment>
        <translation>Inactivo</translation>
    </message>
    <message>
        <source>Password and access of this courier</source>
        <translation>Contraseña y acceso de este repartidor</translation>
    </message>
    <message>
        <source>Account of %1</source>
        <translation>Cuenta de %1</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>Cambiar contraseña…</translation>
    </message>
    <message>
        <source>Deactivate</source>
        <translation>Desactivar</translation>
    </message>
    <message>
        <source>Reactivate</source>
        <translation>Reactivar</translation>
    </message>
</context>
<context>
    <name>DayRecordsDialog</name>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>Day&apos;s records</source>
        <translation>Registro del día</translation>
    </message>
    <message>
        <source>Export...</source>
        <translation>Exportar...</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Cerrar</translation>
    </message>
    <message>
        <source>Save the day&apos;s deliveries</source>
        <translation>Guardar las entregas del día</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Archivos CSV (*.csv)</translation>
    </message>
    <message>
        <source>The day before</source>
        <translation>El día anterior</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>AAAA-MM-DD</translation>
    </message>
    <message>
        <source>The day after</source>
        <translation>El día siguiente</translation>
    </message>
    <message>
        <source>Courier</source>
        <translation>Repartidor</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Entregados</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fallidos</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>Distancia</translation>
    </message>
    <message>
        <source>On the road</source>
        <translation>En ruta</translation>
    </message>
    <message>
        <source>%1 km</source>
        <translation>%1 km</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>Reproducir</translation>
    </message>
    <message>
        <source>Play this courier&apos;s day on the map</source>
        <translation>Reproducir el día de este repartidor en el mapa</translation>
    </message>
    <message>
        <source>No courier on this day.</source>
        <translation>Ningún repartidor este día.</translation>
    </message>
</context>
<context>
    <name>EventFeed</name>
    <message>
        <source>Live events</source>
        <translation>Eventos en directo</translation>
    </message>
    <message>
        <source>latest %1</source>
        <translation>últimos %1</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Vaciar</translation>
    </message>
    <message>
        <source>Nothing has happened yet</source>
        <translation>Todavía no ha pasado nada</translation>
    </message>
</context>
<context>
    <name>FilterChip</name>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Depot dispatch</source>
        <translation>Depot – Despacho</translation>
    </message>
    <message>
        <source>Depot</source>
        <translation>Depot</translation>
    </message>
    <message>
        <source>Hub %1</source>
        <translation>Hub %1</translation>
    </message>
    <message>
        <source>Dispatcher password (shown once): %1</source>
        <translation>Contraseña del despachador (solo se muestra una vez): %1</translation>
    </message>
    <message>
        <source>Theme: %1</source>
        <translation>Tema: %1</translation>
    </message>
    <message>
        <source>Follow the system, or always light or dark</source>
        <translation>Seguir al sistema, o siempre claro u oscuro</translation>
    </message>
    <message>
        <source>Click the map where the package goes.</source>
        <translation>Haz clic en el mapa donde va el paquete.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Volver</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Descartar</translation>
    </message>
    <message>
        <source>Day&apos;s records</source>
        <translation>Registro del día</translation>
    </message>
    <message>
        <source>Webhooks…</source>
        <translation>Webhooks…</translation>
    </message>
</context>
<context>
    <name>MapPane</name>
    <message>
        <source>Depot</source>
        <translation>Almacén</translation>
    </message>
    <message>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Acercar</translation>
    </message>
    <message>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Alejar</translation>
    </message>
    <message>
        <source>⤢</source>
        <translation>⤢</translation>
    </message>
    <message>
        <source>Show all couriers and packages</source>
        <translation>Mostrar todos los repartidores y paquetes</translation>
    </message>
    <message>
        <source>Fit all</source>
        <translation>Ver todo</translation>
    </message>
    <message>
        <source>◎</source>
        <translation>◎</translation>
    </message>
    <message>
        <source>Follow the selected courier</source>
        <translation>Seguir al repartidor seleccionado</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Seguir</translation>
    </message>
    <message>
        <source>%1 km</source>
        <translation>%1 km</translation>
    </message>
    <message>
        <source>%1 m</source>
        <translation>%1 m</translation>
    </message>
</context>
<context>
    <name>NewPackageDialog</name>
    <message>
        <source>New package</source>
        <translation>Nuevo paquete</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Crear</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Destinatario</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Dirección</translation>
    </message>
    <message>
        <source>Street, number, city</source>
        <translation>Calle, número, ciudad</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>Latitud</translation>
    </message>
    <message>
        <source>e.g. 52.520008</source>
        <translation>p. ej. 52.520008</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>Longitud</translation>
    </message>
    <message>
        <source>e.g. 13.404954</source>
        <translation>p. ej. 13.404954</translation>
    </message>
    <message>
        <source>Pick on the map</source>
        <translation>Elegir en el mapa</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notas</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Opcional</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>Correo electrónico</translation>
    </message>
    <message>
        <source>Optional: the customer is told of the delivery</source>
        <translation>Opcional: se informa al cliente de la entrega</translation>
    </message>
</context>
<context>
    <name>PackageDelegate</name>
    <message>
        <source>Reason: %1</source>
        <translation>Motivo: %1</translation>
    </message>
    <message>
        <source>Courier: %1</source>
        <translation>Repartidor: %1</translation>
    </message>
</context>
<context>
    <name>PackageDetails</name>
    <message>
        <source>Select a package to act on it, or drag it onto a courier.</source>
        <translation>Selecciona un paquete para gestionarlo o arrástralo sobre un repartidor.</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>Courier: %1</source>
        <translation>Repartidor: %1</translation>
    </message>
    <message>
        <source>Notes: %1</source>
        <translation>Notas: %1</translation>
    </message>
    <message>
        <source>Choose a courier</source>
        <translation>Elige un repartidor</translation>
    </message>
    <message>
        <source>Courier</source>
        <translation>Repartidor</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>Reasignar</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>Asignar</translation>
    </message>
    <message>
        <source>Nearest free courier: %1</source>
        <translation>Repartidor libre más cercano: %1</translation>
    </message>
    <message>
        <source>No free courier with a known position</source>
        <translation>Ningún repartidor libre con posición conocida</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Iniciar</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>Completar</translation>
    </message>
    <message>
        <source>Fail…</source>
        <translation>Fallida…</translation>
    </message>
    <message>
        <source>Cancel…</source>
        <translation>Cancelar…</translation>
    </message>
    <message>
        <source>This package is closed.</source>
        <translation>Este paquete está cerrado.</translation>
    </message>
    <message>
        <source>Delivered to %1</source>
        <translation>Entregado a %1</translation>
    </message>
    <message>
        <source>Courier&apos;s note: %1</source>
        <translation>Nota del repartidor: %1</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>Firma</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
</context>
<context>
    <name>PackagesPanel</name>
    <message>
        <source>Packages</source>
        <translation>Paquetes</translation>
    </message>
    <message>
        <source>%1 shown</source>
        <translation>%1 mostrados</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>Nuevo…</translation>
    </message>
    <message>
        <source>Create a package</source>
        <translation>Crear un paquete</translation>
    </message>
    <message>
        <source>Search recipient, address or tracking code</source>
        <translation>Buscar destinatario, dirección o código de seguimiento</translation>
    </message>
    <message>
        <source>No package matches</source>
        <translation>Ningún paquete coincide</translation>
    </message>
    <message>
        <source>No packages</source>
        <translation>No hay paquetes</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Delivery of %1 failed</source>
        <translation>Entrega de %1 fallida</translation>
    </message>
    <message>
        <source>Cancel %1</source>
        <translation>Cancelar %1</translation>
    </message>
    <message>
        <source>Mark as failed</source>
        <translation>Marcar como fallida</translation>
    </message>
    <message>
        <source>Cancel package</source>
        <translation>Cancelar paquete</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Volver</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>Motivo (obligatorio)</translation>
    </message>
    <message>
        <source>Reason (optional)</source>
        <translation>Motivo (opcional)</translation>
    </message>
    <message>
        <source>e.g. nobody at home</source>
        <translation>p. ej. no había nadie en casa</translation>
    </message>
    <message>
        <source>e.g. the customer called</source>
        <translation>p. ej. llamó el cliente</translation>
    </message>
</context>
<context>
    <name>ReplayBar</name>
    <message>
        <source>Replay: %1</source>
        <translation>Reproducción: %1</translation>
    </message>
    <message>
        <source>Nothing recorded on this day.</source>
        <translation>No hay nada registrado este día.</translation>
    </message>
    <message>
        <source>Back to live</source>
        <translation>Volver al directo</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pausa</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Reproducir</translation>
    </message>
    <message>
        <source>%1×</source>
        <translation>%1×</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Phones on the LAN: %1</source>
        <translation>Móviles en la LAN: %1</translation>
    </message>
    <message>
        <source>No LAN address</source>
        <translation>Sin dirección LAN</translation>
    </message>
    <message>
        <source>Couriers online: %1/%2</source>
        <translation>Repartidores conectados: %1/%2</translation>
    </message>
    <message>
        <source>Connected clients: %1</source>
        <translation>Clientes conectados: %1</translation>
    </message>
    <message>
        <source>Events/min: %1</source>
        <translation>Eventos/min: %1</translation>
    </message>
</context>
<context>
    <name>Theme</name>
    <message>
        <source>Light</source>
        <translation>Claro</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Oscuro</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Sistema</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Todos</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Pendiente</translation>
    </message>
    <message>
        <source>Assigned</source>
        <translation>Asignado</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>En reparto</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Entregado</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fallido</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelado</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>Libre</translation>
    </message>
    <message>
        <source>Delivering</source>
        <translation>Repartiendo</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Desconectado</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nunca</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>ahora mismo</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>hace %1 min</translation>
    </message>
    <message>
        <source>%1 h ago</source>
        <translation>hace %1 h</translation>
    </message>
</context>
<context>
    <name>WebhooksDialog</name>
    <message>
        <source>delivered</source>
        <translation>entregado</translation>
    </message>
    <message>
        <source>failed, given up</source>
        <translation>fallido, abandonado</translation>
    </message>
    <message>
        <source>waiting to be retried</source>
        <translation>esperando un nuevo intento</translation>
    </message>
    <message>
        <source>Webhooks</source>
        <translation>Webhooks</translation>
    </message>
    <message>
        <source>Add a webhook</source>
        <translation>Añadir un webhook</translation>
    </message>
    <message>
        <source>https://example.com/depot-events</source>
        <translation>https://example.com/depot-events</translation>
    </message>
    <message>
        <source>Secret (empty: one is made)</source>
        <translation>Secreto (vacío: se genera uno)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Añadir</translation>
    </message>
    <message>
        <source>Secret (shown once; receivers check signatures with it): %1</source>
        <translation>Secreto (se muestra una vez; los receptores verifican las firmas con él): %1</translation>
    </message>
    <message>
        <source>No webhooks yet</source>
        <translation>Aún no hay webhooks</translation>
    </message>
    <message>
        <source>Recent deliveries</source>
        <translation>Entregas recientes</translation>
    </message>
    <message>
        <source>Delete webhook</source>
        <translation>Eliminar webhook</translation>
    </message>
    <message numerus="yes">
        <source>%1  %2 (package %3): %4, %n attempt(s)</source>
        <translation>
            <numerusform>%1  %2 (paquete %3): %4, %n intento</numerusform>
            <numerusform>%1  %2 (paquete %3): %4, %n intentos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>depot</name>
    <message>
        <source>The attribution the tiles&apos; licence asks for.</source>
        <translation>La atribución que exige la licencia de las teselas.</translation>
    </message>
    <message>
        <source>text</source>
        <translation>texto</translation>
    </message>
    <message>
        <source>The console&apos;s language: en, de, es or fr. Default: the system&apos;s language.</source>
        <translation>Idioma de la consola: en, de, es o fr. Por defecto: el del sistema.</translation>
    </message>
    <message>
        <source>code</source>
        <translation>código</translation>
    </message>
    <message>
        <source>Load the whole window offscreen on a throwaway hub (port 0, a temporary data dir) and quit: 0 when it loaded without QML errors.</source>
        <translation>Carga toda la ventana fuera de pantalla sobre un hub desechable (puerto 0, una carpeta de datos temporal) y termina: 0 si cargó sin errores de QML.</translation>
    </message>
    <message>
        <source>self-test: the root object is not a window</source>
        <translation>autoprueba: el objeto raíz no es una ventana</translation>
    </message>
    <message>
        <source>self-test: no frame within 20 s</source>
        <translation>autoprueba: ningún fotograma en 20 s</translation>
    </message>
    <message>
        <source>self-test passed</source>
        <translation>autoprueba superada</translation>
    </message>
    <message>
        <source>--lang: &apos;%1&apos; is not one of the console&apos;s languages (%2)</source>
        <translation>--lang: «%1» no es un idioma de la consola (%2)</translation>
    </message>
    <message>
        <source>Depot: the courier dispatch console, with its hub embedded.</source>
        <translation>Depot: la consola de despacho de repartidores, con su hub integrado.</translation>
    </message>
</context>
<context>
    <name>depot::ConsoleController</name>
    <message>
        <source>The recipient&apos;s name is missing.</source>
        <translation>Falta el nombre del destinatario.</translation>
    </message>
    <message>
        <source>The address is missing.</source>
        <translation>Falta la dirección.</translation>
    </message>
    <message>
        <source>The name or the address is too long.</source>
        <translation>El nombre o la dirección es demasiado largo.</translation>
    </message>
    <message>
        <source>Say why the delivery failed.</source>
        <translation>Indica por qué falló la entrega.</translation>
    </message>
    <message>
        <source>The reason is too long.</source>
        <translation>El motivo es demasiado largo.</translation>
    </message>
    <message>
        <source>A courier needs a name and a login.</source>
        <translation>Un repartidor necesita un nombre y un usuario.</translation>
    </message>
    <message>
        <source>The name or the login is too long.</source>
        <translation>El nombre o el usuario es demasiado largo.</translation>
    </message>
    <message>
        <source>The login must not contain spaces.</source>
        <translation>El usuario no puede contener espacios.</translation>
    </message>
    <message>
        <source>A courier needs a password of at most %1 characters.</source>
        <translation>Un repartidor necesita una contraseña de %1 caracteres como máximo.</translation>
    </message>
    <message>
        <source>pending</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>pendiente</translation>
    </message>
    <message>
        <source>assigned</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>asignado</translation>
    </message>
    <message>
        <source>in progress</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>en reparto</translation>
    </message>
    <message>
        <source>completed</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>entregado</translation>
    </message>
    <message>
        <source>failed</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>marcado como fallido</translation>
    </message>
    <message>
        <source>cancelled</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>cancelado</translation>
    </message>
    <message>
        <source>That courier no longer exists.</source>
        <translation>Ese repartidor ya no existe.</translation>
    </message>
    <message>
        <source>That package no longer exists.</source>
        <translation>Ese paquete ya no existe.</translation>
    </message>
    <message>
        <source>This package is already assigned to this courier.</source>
        <translation>Este paquete ya está asignado a este repartidor.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be assigned.</source>
        <translation>Este paquete está %1, así que no se puede asignar.</translation>
    </message>
    <message>
        <source>This package is %1, so its delivery cannot be started.</source>
        <translation>Este paquete está %1, así que no se puede iniciar su entrega.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be marked delivered.</source>
        <translation>Este paquete está %1, así que no se puede marcar como entregado.</translation>
    </message>
    <message>
        <source>This package is %1, so its delivery cannot be marked failed.</source>
        <translation>Este paquete está %1, así que su entrega no se puede marcar como fallida.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be cancelled.</source>
        <translation>Este paquete está %1, así que no se puede cancelar.</translation>
    </message>
    <message>
        <source>A dispatcher may not do this.</source>
        <translation>Un despachador no puede hacer esto.</translation>
    </message>
    <message>
        <source>The change could not be saved.</source>
        <translation>No se pudo guardar el cambio.</translation>
    </message>
    <message>
        <source>The destination is not a valid coordinate.</source>
        <translation>El destino no es una coordenada válida.</translation>
    </message>
    <message>
        <source>Another courier has the device id %1.</source>
        <translation>Otro repartidor ya tiene el ID de dispositivo %1.</translation>
    </message>
    <message>
        <source>The login %1 is taken.</source>
        <translation>El usuario %1 ya está en uso.</translation>
    </message>
    <message>
        <source>The phone number is too long.</source>
        <translation>El número de teléfono es demasiado largo.</translation>
    </message>
    <message>
        <source>The device id is too long.</source>
        <translation>El identificador del dispositivo es demasiado largo.</translation>
    </message>
    <message>
        <source>The notes are too long.</source>
        <translation>Las notas son demasiado largas.</translation>
    </message>
    <message>
        <source>The e-mail address is not valid.</source>
        <translation>La dirección de correo electrónico no es válida.</translation>
    </message>
</context>
<context>
    <name>depot::EventFeedModel</name>
    <message>
        <source>an unknown courier</source>
        <translation>un repartidor desconocido</translation>
    </message>
    <message>
        <source>%1 assigned to %2</source>
        <translation>%1 asignado a %2</translation>
    </message>
    <message>
        <source>%1 reassigned from %2 to %3</source>
        <translation>%1 reasignado de %2 a %3</translation>
    </message>
    <message>
        <source>%1 started delivering %2</source>
        <translation>%1 empezó a repartir %2</translation>
    </message>
    <message>
        <source>%1 delivered %2</source>
        <translation>%1 entregó %2</translation>
    </message>
    <message>
        <source>%1 could not deliver %2</source>
        <translation>%1 no pudo entregar %2</translation>
    </message>
    <message>
        <source>%1 could not deliver %2: %3</source>
        <translation>%1 no pudo entregar %2: %3</translation>
    </message>
    <message>
        <source>%1 cancelled</source>
        <translation>%1 cancelado</translation>
    </message>
    <message>
        <source>%1 cancelled: %2</source>
        <translation>%1 cancelado: %2</translation>
    </message>
    <message>
        <source>New package %1 for %2</source>
        <translation>Nuevo paquete %1 para %2</translation>
    </message>
    <message>
        <source>%1 came online</source>
        <translation>%1 se conectó</translation>
    </message>
    <message>
        <source>%1 went offline</source>
        <translation>%1 se desconectó</translation>
    </message>
</context>
<context>
    <name>depot::HubOptions</name>
    <message>
        <source>&apos;%1&apos; is neither self-signed nor off</source>
        <translation>&apos;%1&apos; no es self-signed ni off</translation>
    </message>
    <message>
        <source>--tls-cert and --tls-key go together</source>
        <translation>--tls-cert y --tls-key van juntos</translation>
    </message>
    <message>
        <source>self-signed and --tls-cert exclude each other</source>
        <translation>self-signed y --tls-cert se excluyen mutuamente</translation>
    </message>
    <message>
        <source>Address to listen on [0.0.0.0]. Env: DEPOT_HOST.</source>
        <translation>Dirección en la que escucha el hub [0.0.0.0]. Variable de entorno: DEPOT_HOST.</translation>
    </message>
    <message>
        <source>The HTTP and WebSocket port; 0 picks a free one [3000]. Env: DEPOT_PORT.</source>
        <translation>El puerto de HTTP y WebSocket; 0 elige uno libre [3000]. Variable de entorno: DEPOT_PORT.</translation>
    </message>
    <message>
        <source>Folder of the database and settings [the platform&apos;s app-data folder]. Env: DEPOT_DATA_DIR.</source>
        <translation>Carpeta de la base de datos y la configuración [la carpeta de datos de aplicaciones de la plataforma]. Variable de entorno: DEPOT_DATA_DIR.</translation>
    </message>
    <message>
        <source>Password of the dispatcher account made on first start [random, printed once]. Env: DEPOT_ADMIN_PASSWORD.</source>
        <translation>Contraseña de la cuenta de despachador creada en el primer arranque [aleatoria, se muestra una vez]. Variable de entorno: DEPOT_ADMIN_PASSWORD.</translation>
    </message>
    <message>
        <source>Seconds between location updates to package subscribers per courier [30]. Env: DEPOT_LOCATION_INTERVAL.</source>
        <translation>Segundos entre dos actualizaciones de ubicación de un repartidor para los suscriptores de un paquete [30]. Variable de entorno: DEPOT_LOCATION_INTERVAL.</translation>
    </message>
    <message>
        <source>Metres of movement that send a location update before the interval is up [50]. Env: DEPOT_LOCATION_DISTANCE.</source>
        <translation>Metros de movimiento tras los que se envía una actualización de ubicación antes de que acabe el intervalo [50]. Variable de entorno: DEPOT_LOCATION_DISTANCE.</translation>
    </message>
    <message>
        <source>Extra port for GPS apps speaking the OsmAnd protocol; 0 turns it off [5055]. Env: DEPOT_OSMAND_PORT.</source>
        <translation>Puerto adicional para apps de GPS que hablan el protocolo OsmAnd; 0 lo desactiva [5055]. Variable de entorno: DEPOT_OSMAND_PORT.</translation>
    </message>
    <message>
        <source>Access-Control-Allow-Origin for web pages on other origins [*]. Env: DEPOT_CORS_ORIGIN.</source>
        <translation>Access-Control-Allow-Origin para páginas web de otros orígenes [*]. Variable de entorno: DEPOT_CORS_ORIGIN.</translation>
    </message>
    <message>
        <source>Seed demo couriers and packages and drive simulated couriers through the hub. Env: DEPOT_DEMO=1.</source>
        <translation>Crea repartidores y paquetes de demostración y mueve repartidores simulados a través del hub. Variable de entorno: DEPOT_DEMO=1.</translation>
    </message>
    <message>
        <source>&quot;self-signed&quot;: serve HTTPS and WSS with a certificate made for this machine&apos;s addresses and kept in the data dir; &quot;off&quot;: plain HTTP [off]. Env: DEPOT_TLS.</source>
        <translation>&quot;self-signed&quot;: sirve HTTPS y WSS con un certificado creado para las direcciones de este equipo y guardado en la carpeta de datos; &quot;off&quot;: HTTP sin cifrar [off]. Variable de entorno: DEPOT_TLS.</translation>
    </message>
    <message>
        <source>Serve HTTPS and WSS with this PEM certificate (chain); needs --tls-key. Env: DEPOT_TLS_CERT.</source>
        <translation>Sirve HTTPS y WSS con este certificado PEM (con su cadena); requiere --tls-key. Variable de entorno: DEPOT_TLS_CERT.</translation>
    </message>
    <message>
        <source>The unencrypted PEM private key of --tls-cert. Env: DEPOT_TLS_KEY.</source>
        <translation>La clave privada PEM sin cifrar de --tls-cert. Variable de entorno: DEPOT_TLS_KEY.</translation>
    </message>
    <message>
        <source>Map tiles from this MBTiles file (offline), for the console and on /tiles. Env: DEPOT_TILES.</source>
        <translation>Teselas del mapa de este archivo MBTiles (sin conexión), para la consola y en /tiles. Variable de entorno: DEPOT_TILES.</translation>
    </message>
    <message>
        <source>Map tiles from this XYZ URL template ({z} {x} {y}, optional {s}); &quot;none&quot; for no download [OpenStreetMap]. Env: DEPOT_TILE_URL.</source>
        <translation>Teselas del mapa de esta plantilla de URL XYZ ({z} {x} {y}, {s} opcional); &quot;none&quot; para no descargar nada [OpenStreetMap]. Variable de entorno: DEPOT_TILE_URL.</translation>
    </message>
    <message>
        <source>Where downloaded tiles are kept [the user&apos;s cache folder]. Env: DEPOT_TILE_CACHE.</source>
        <translation>Dónde se guardan las teselas descargadas [la carpeta de caché del usuario]. Variable de entorno: DEPOT_TILE_CACHE.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an IP address</source>
        <translation>&apos;%1&apos; no es una dirección IP</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a whole number from %2 to %3</source>
        <translation>&apos;%1&apos; no es un número entero de %2 a %3</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a distance in metres</source>
        <translation>&apos;%1&apos; no es una distancia en metros</translation>
    </message>
    <message>
        <source>no folder given</source>
        <translation>no se indicó ninguna carpeta</translation>
    </message>
    <message>
        <source>no such file: %1</source>
        <translation>no existe el archivo: %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an http(s) URL with {z}, {x} and {y}</source>
        <translation>&apos;%1&apos; no es una URL http(s) con {z}, {x} y {y}</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>argumento inesperado &apos;%1&apos;</translation>
    </message>
    <message>
        <source>Show this help and quit.</source>
        <translation>Muestra esta ayuda y termina.</translation>
    </message>
    <message>
        <source>Show the version and quit.</source>
        <translation>Muestra la versión y termina.</translation>
    </message>
    <message>
        <source>How long a login token lives without being used, in seconds or with a unit (90s, 45m, 12h, 30d) [30d]. Env: DEPOT_TOKEN_TTL.</source>
        <translation>Cuánto dura un token de inicio de sesión sin usarse, en segundos o con unidad (90s, 45m, 12h, 30d) [30d]. Variable de entorno: DEPOT_TOKEN_TTL.</translation>
    </message>
    <message>
        <source>Open connections on all ports together; more are answered 503; 0: no cap [7/8 of the open-file limit less 64]. Env: DEPOT_MAX_CONNECTIONS.</source>
        <translation>Conexiones abiertas en todos los puertos juntos; las demás reciben 503; 0: sin límite [7/8 del límite de archivos abiertos menos 64]. Variable de entorno: DEPOT_MAX_CONNECTIONS.</translation>
    </message>
    <message>
        <source>Open connections from one client address; more are answered 503; 0: no cap [1/8 of --max-connections]. Env: DEPOT_MAX_CONNECTIONS_PER_ADDRESS.</source>
        <translation>Conexiones abiertas desde una dirección de cliente; las demás reciben 503; 0: sin límite [1/8 de --max-connections]. Variable de entorno: DEPOT_MAX_CONNECTIONS_PER_ADDRESS.</translation>
    </message>
    <message>
        <source>Socket.IO sessions from one client address that have not connected with a valid token yet; more are refused; 0: no cap [1/8 of --max-connections-per-address]. Env: DEPOT_MAX_UNAUTHENTICATED_PER_ADDRESS.</source>
        <translation>Sesiones Socket.IO de una dirección de cliente que aún no se han conectado con un token válido; las demás se rechazan; 0: sin límite [1/8 de --max-connections-per-address]. Variable de entorno: DEPOT_MAX_UNAUTHENTICATED_PER_ADDRESS.</translation>
    </message>
    <message>
        <source>Unknown tracking codes, and unknown GPS device ids, one address may send a minute before it is refused for the rest of the minute [20]. Env: DEPOT_GUESS_LIMIT.</source>
        <translation>Códigos de seguimiento desconocidos, e identificadores de GPS desconocidos, que una dirección puede enviar por minuto antes de ser rechazada el resto del minuto [20]. Variable de entorno: DEPOT_GUESS_LIMIT.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a duration from 1s to 3650d</source>
        <translation>&apos;%1&apos; no es una duración entre 1s y 3650d</translation>
    </message>
    <message>
        <source>not *, null or an origin such as https://depot.example</source>
        <translation>no es *, null ni un origen como https://depot.example</translation>
    </message>
    <message>
        <source>Where the data lives: sqlite:PATH, or postgres://user:password@host:port/dbname for a PostgreSQL database several hubs share [sqlite: the data dir&apos;s depot.sqlite]. Env: DEPOT_DATABASE.</source>
        <translation>Dónde están los datos: sqlite:RUTA, o postgres://user:password@host:port/dbname para una base de datos PostgreSQL que comparten varios hubs [sqlite: depot.sqlite de la carpeta de datos]. Variable de entorno: DEPOT_DATABASE.</translation>
    </message>
    <message>
        <source>Share events and dropped sessions with the other hubs on this Redis, redis://[:password@]host[:port][/db], in the format of socket.io&apos;s Redis Streams adapter [none]. Env: DEPOT_REDIS.</source>
        <translation>Compartir eventos y sesiones interrumpidas con los demás hubs de este Redis, redis://[:password@]host[:port][/db], en el formato del adaptador Redis Streams de socket.io [ninguno]. Variable de entorno: DEPOT_REDIS.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is neither sqlite:PATH nor postgres://user:password@host:port/dbname: %2</source>
        <translation>&apos;%1&apos; no es ni sqlite:RUTA ni postgres://user:password@host:port/dbname: %2</translation>
    </message>
    <message>
        <source>not a URL of the form redis://[:password@]host[:port][/db]</source>
        <translation>no es una URL de la forma redis://[:password@]host[:port][/db]</translation>
    </message>
    <message>
        <source>not a URL of the form smtp://[user:password@]host[:port]: %1</source>
        <translation>no es una URL de la forma smtp://[user:password@]host[:port]: %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an e-mail address</source>
        <translation>&apos;%1&apos; no es una dirección de correo electrónico</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not one of en, de, es, fr</source>
        <translation>&apos;%1&apos; no es ninguno de en, de, es, fr</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an http(s) URL such as https://depot.example</source>
        <translation>&apos;%1&apos; no es una URL http(s) como https://depot.example</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a duration from %2 ms to %3 s (such as 500ms, 10s, 1h)</source>
        <translation>&apos;%1&apos; no es una duración de %2 ms a %3 s (como 500ms, 10s, 1h)</translation>
    </message>
    <message>
        <source>must not be shorter than --outbox-retry-base</source>
        <translation>no puede ser más corto que --outbox-retry-base</translation>
    </message>
    <message>
        <source>Proof of delivery: &quot;none&quot; (the courier page does not ask), &quot;optional&quot; (it asks), &quot;required&quot; (no package is COMPLETED without one) [optional]. Env: DEPOT_PROOF.</source>
        <translation>Prueba de entrega: &quot;none&quot; (la página del repartidor no la pide), &quot;optional&quot; (la pide), &quot;required&quot; (ningún paquete queda COMPLETED sin ella) [optional]. Variable de entorno: DEPOT_PROOF.</translation>
    </message>
    <message>
        <source>Show the photos of a proof of delivery on the tracking page, without their metadata. Env: DEPOT_PROOF_PHOTOS_FOR_TRACKERS=1.</source>
        <translation>Mostrar las fotos de una prueba de entrega en la página de seguimiento, sin sus metadatos. Variable de entorno: DEPOT_PROOF_PHOTOS_FOR_TRACKERS=1.</translation>
    </message>
    <message>
        <source>Reverse proxies whose X-Forwarded-For header names the client, comma-separated addresses or CIDR blocks; per-address limits then count that client, and the proxies are not capped per address [none]. Env: DEPOT_TRUSTED_PROXY.</source>
        <translation>Proxies inversos cuya cabecera X-Forwarded-For nombra al cliente, direcciones o bloques CIDR separados por comas; los límites por dirección cuentan entonces ese cliente, y los proxies no se limitan por dirección [ninguno]. Variable de entorno: DEPOT_TRUSTED_PROXY.</translation>
    </message>
    <message>
        <source>Wait before a failed webhook or e-mail is tried again; it doubles with every failure [10s]. Env: DEPOT_OUTBOX_RETRY_BASE.</source>
        <translation>Espera antes de reintentar un webhook o un correo fallido; se duplica con cada fallo [10s]. Variable de entorno: DEPOT_OUTBOX_RETRY_BASE.</translation>
    </message>
    <message>
        <source>The longest wait between two tries of a webhook or e-mail [1h]. Env: DEPOT_OUTBOX_RETRY_CAP.</source>
        <translation>La espera más larga entre dos intentos de un webhook o correo [1h]. Variable de entorno: DEPOT_OUTBOX_RETRY_CAP.</translation>
    </message>
    <message>
        <source>How long after a change its webhooks and e-mails are tried before they are marked failed [24h]. Env: DEPOT_OUTBOX_GIVE_UP.</source>
        <translation>Cuánto tiempo después de un cambio se intentan sus webhooks y correos antes de marcarlos como fallidos [24h]. Variable de entorno: DEPOT_OUTBOX_GIVE_UP.</translation>
    </message>
    <message>
        <source>How long a webhook receiver has to answer before the delivery is tried again later [10s]. Env: DEPOT_WEBHOOK_TIMEOUT.</source>
        <translation>Cuánto tiempo tiene un receptor de webhook para responder antes de reintentar el envío más tarde [10s]. Variable de entorno: DEPOT_WEBHOOK_TIMEOUT.</translation>
    </message>
    <message>
        <source>E-mail customers through this SMTP server, smtp://[user:password@]host[:port] (STARTTLS when offered, port 587) or smtps://... (port 465) [none: no e-mail]. Env: DEPOT_SMTP.</source>
        <translation>Enviar correos a los clientes por este servidor SMTP, smtp://[user:password@]host[:port] (STARTTLS si se ofrece, puerto 587) o smtps://... (puerto 465) [ninguno: sin correo]. Variable de entorno: DEPOT_SMTP.</translation>
    </message>
    <message>
        <source>The sender of customer e-mail [depot@&lt;this machine&apos;s name&gt;]. Env: DEPOT_SMTP_FROM.</source>
        <translation>El remitente de los correos a clientes [depot@&lt;nombre de esta máquina&gt;]. Variable de entorno: DEPOT_SMTP_FROM.</translation>
    </message>
    <message>
        <source>The language of customer e-mail for packages that name none: en, de, es or fr [en]. Env: DEPOT_MAIL_LANGUAGE.</source>
        <translation>El idioma de los correos a clientes para paquetes que no indican ninguno: en, de, es o fr [en]. Variable de entorno: DEPOT_MAIL_LANGUAGE.</translation>
    </message>
    <message>
        <source>The address customers reach this hub at, for the tracking link in their e-mail, e.g. https://depot.example [the listening URL]. Env: DEPOT_PUBLIC_URL.</source>
        <translation>La dirección a la que los clientes llegan a este hub, para el enlace de seguimiento de su correo, p. ej. https://depot.example [la URL de escucha]. Variable de entorno: DEPOT_PUBLIC_URL.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not none, optional or required</source>
        <translation>&apos;%1&apos; no es none, optional ni required</translation>
    </message>
</context>
<context>
    <name>depot::MailMessages</name>
    <message>
        <source>Your parcel %1 is on its way</source>
        <translation>Su paquete %1 está en camino</translation>
    </message>
    <message>
        <source>Your parcel %1 has been delivered</source>
        <translation>Su paquete %1 ha sido entregado</translation>
    </message>
    <message>
        <source>We could not deliver your parcel %1</source>
        <translation>No hemos podido entregar su paquete %1</translation>
    </message>
    <message>
        <source>Hello %1,</source>
        <translation>Hola %1:</translation>
    </message>
    <message>
        <source>your parcel %1 is out for delivery and will reach you soon.</source>
        <translation>su paquete %1 está en reparto y le llegará pronto.</translation>
    </message>
    <message>
        <source>your parcel %1 has been delivered.</source>
        <translation>su paquete %1 ha sido entregado.</translation>
    </message>
    <message>
        <source>we could not deliver your parcel %1.</source>
        <translation>no hemos podido entregar su paquete %1.</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>Motivo: %1</translation>
    </message>
    <message>
        <source>Follow your parcel here: %1</source>
        <translation>Siga su paquete aquí: %1</translation>
    </message>
    <message>
        <source>This message was sent automatically; please do not reply to it.</source>
        <translation>Este mensaje se ha enviado automáticamente; por favor, no responda.</translation>
    </message>
</context>
<context>
    <name>depot::RecordsController</name>
    <message>
        <source>%1 is not a day: write it as YYYY-MM-DD.</source>
        <translation>%1 no es un día: escríbalo como AAAA-MM-DD.</translation>
    </message>
    <message>
        <source>The records can only be saved to a local file.</source>
        <translation>El registro solo se puede guardar en un archivo local.</translation>
    </message>
    <message>
        <source>Cannot save %1: %2</source>
        <translation>No se puede guardar %1: %2</translation>
    </message>
</context>
<context>
    <name>depot::ReplayController</name>
    <message>
        <source>%1 assigned</source>
        <translation>%1 asignado</translation>
    </message>
    <message>
        <source>%1 out for delivery</source>
        <translation>%1 en reparto</translation>
    </message>
    <message>
        <source>%1 delivered</source>
        <translation>%1 entregado</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>%1 fallido</translation>
    </message>
</context>
<context>
    <name>depot::WebhooksController</name>
    <message>
        <source>The webhook was not added: %1</source>
        <translation>El webhook no se ha añadido: %1</translation>
    </message>
    <message>
        <source>The webhook was not deleted: %1</source>
        <translation>El webhook no se ha eliminado: %1</translation>
    </message>
</context>
<context>
    <name>depot::XyzTileSource</name>
    <message>
        <source>© OpenStreetMap contributors</source>
        <translation>© colaboradores de OpenStreetMap</translation>
    </message>
</context>
</TS>
