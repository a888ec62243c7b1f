<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AddCourierDialog</name>
    <message>
        <source>Add a courier</source>
        <translation>Kurier hinzufügen</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>No spaces</source>
        <translation>Ohne Leerzeichen</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Telefon</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>Device id</source>
        <translation>Geräte-ID</translation>
    </message>
    <message>
        <source>Optional: the id a GPS app such as Traccar Client sends</source>
        <translation>Optional: die ID, die eine GPS-App wie Traccar Client sendet</translation>
    </message>
</context>
<context>
    <name>CourierLinkDialog</name>
    <message>
        <source>Phone link for %1</source>
        <translation>Handy-Link für %1</translation>
    </message>
    <message>
        <source>Scan with the courier&apos;s phone on the same network:</source>
        <translation>Mit dem Handy des Kuriers im selben Netz scannen:</translation>
    </message>
    <message>
        <source>First password: %1</source>
        <translation>Erstes Passwort: %1</translation>
    </message>
    <message>
        <source>Phones will warn once about this certificate. Accept it only if the SHA-256 fingerprint the phone shows matches:</source>
        <translation>Handys warnen einmal vor diesem Zertifikat. Akzeptieren Sie es nur, wenn der SHA-256-Fingerabdruck auf dem Handy hiermit übereinstimmt:</translation>
    </message>
</context>
<context>
    <name>CourierPasswordDialog</name>
    <message>
        <source>New password for %1</source>
        <translation>Neues Passwort für %1</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Passwort ändern</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>%1 is logged out on every device and logs in again with this password.</source>
        <translation>%1 wird auf allen Geräten abgemeldet und meldet sich mit diesem Passwort neu an.</translation>
    </message>
</context>
<context>
    <name>CouriersPanel</name>
    <message>
        <source>Couriers</source>
        <translation>Kuriere</translation>
    </message>
    <message>
        <source>%1 of %2 online</source>
        <translation>%1 von %2 online</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Hinzufügen…</translation>
    </message>
    <message>
        <source>Add a courier and show the link for their phone</source>
        <translation>Kurier hinzufügen und den Link für sein Handy zeigen</translation>
    </message>
    <message numerus="yes">
        <source>%1 and %n more</source>
        <translation>
            <numerusform>%1 und %n weiteres</numerusform>
            <numerusform>%1 und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>No package</source>
        <translation>Kein Paket</translation>
    </message>
    <message>
        <source>@%1 · seen %2</source>
        <translation>@%1 · gesehen %2</translation>
    </message>
    <message>
        <source>@%1 · last seen %2</source>
        <translation>@%1 · zuletzt: %2</translation>
    </message>
    <message>
        <source>QR</source>
        <translation>QR</translation>
    </message>
    <message>
        <source>Show the link for this courier&apos;s phone</source>
        <translation>Link für das Handy dieses Kuriers zeigen</translation>
    </message>
    <message>
        <source>Phone link for %1</source>
        <translation>Handy-Link für %1</translation>
    </message>
    <message>
        <source>No couriers yet</source>
        <translation>Noch keine Kuriere</translation>
    </message>
    <message>
        <source>Inactive</source>
        <comment>a courier taken off</comment>
        <translation>Inaktiv</translation>
    </message>
    <message>
        <source>Password and access of this courier</source>
        <translation>Passwort und Zugang dieses Kuriers</translation>
    </message>
    <message>
        <source>Account of %1</source>
        <translation>Konto von %1</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>Passwort ändern…</translation>
    </message>
    <message>
        <source>Deactivate</source>
        <translation>Deaktivieren</translation>
    </message>
    <message>
        <source>Reactivate</source>
        <translation>Reaktivieren</translation>
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
        <translation>Tagesbericht</translation>
    </message>
    <message>
        <source>Export...</source>
        <translation>Exportieren...</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Save the day&apos;s deliveries</source>
        <translation>Zustellungen des Tages speichern</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>The day before</source>
        <translation>Der Tag davor</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>The day after</source>
        <translation>Der Tag danach</translation>
    </message>
    <message>
        <source>Courier</source>
        <translation>Kurier</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Zugestellt</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>Strecke</translation>
    </message>
    <message>
        <source>On the road</source>
        <translation>Unterwegs</translation>
    </message>
    <message>
        <source>%1 km</source>
        <translation>%1 km</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>Wiedergabe</translation>
    </message>
    <message>
        <source>Play this courier&apos;s day on the map</source>
        <translation>Den Tag dieses Kuriers auf der Karte abspielen</translation>
    </message>
    <message>
        <source>No courier on this day.</source>
        <translation>An diesem Tag war kein Kurier unterwegs.</translation>
    </message>
</context>
<context>
    <name>EventFeed</name>
    <message>
        <source>Live events</source>
        <translation>Live-Ereignisse</translation>
    </message>
    <message>
        <source>latest %1</source>
        <translation>die letzten %1</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>Nothing has happened yet</source>
        <translation>Noch ist nichts passiert</translation>
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
        <translation>Depot – Disposition</translation>
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
        <translation>Disponenten-Passwort (wird nur einmal gezeigt): %1</translation>
    </message>
    <message>
        <source>Theme: %1</source>
        <translation>Design: %1</translation>
    </message>
    <message>
        <source>Follow the system, or always light or dark</source>
        <translation>Dem System folgen oder immer hell oder dunkel</translation>
    </message>
    <message>
        <source>Click the map where the package goes.</source>
        <translation>Klicken Sie auf der Karte, wohin das Paket geht.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Day&apos;s records</source>
        <translation>Tagesbericht</translation>
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
        <translation>Depot</translation>
    </message>
    <message>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Vergrößern</translation>
    </message>
    <message>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Verkleinern</translation>
    </message>
    <message>
        <source>⤢</source>
        <translation>⤢</translation>
    </message>
    <message>
        <source>Show all couriers and packages</source>
        <translation>Alle Kuriere und Pakete zeigen</translation>
    </message>
    <message>
        <source>Fit all</source>
        <translation>Alles zeigen</translation>
    </message>
    <message>
        <source>◎</source>
        <translation>◎</translation>
    </message>
    <message>
        <source>Follow the selected courier</source>
        <translation>Dem ausgewählten Kurier folgen</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Folgen</translation>
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
        <translation>Neues Paket</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Anlegen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Empfänger</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Street, number, city</source>
        <translation>Straße, Hausnummer, Ort</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>Breitengrad</translation>
    </message>
    <message>
        <source>e.g. 52.520008</source>
        <translation>z. B. 52.520008</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>Längengrad</translation>
    </message>
    <message>
        <source>e.g. 13.404954</source>
        <translation>z. B. 13.404954</translation>
    </message>
    <message>
        <source>Pick on the map</source>
        <translation>Auf der Karte wählen</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notizen</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Optional: the customer is told of the delivery</source>
        <translation>Optional: Der Kunde wird über die Zustellung informiert</translation>
    </message>
</context>
<context>
    <name>PackageDelegate</name>
    <message>
        <source>Reason: %1</source>
        <translation>Grund: %1</translation>
    </message>
    <message>
        <source>Courier: %1</source>
        <translation>Kurier: %1</translation>
    </message>
</context>
<context>
    <name>PackageDetails</name>
    <message>
        <source>Select a package to act on it, or drag it onto a courier.</source>
        <translation>Wählen Sie ein Paket, um es zu bearbeiten, oder ziehen Sie es auf einen Kurier.</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>Courier: %1</source>
        <translation>Kurier: %1</translation>
    </message>
    <message>
        <source>Notes: %1</source>
        <translation>Notizen: %1</translation>
    </message>
    <message>
        <source>Choose a courier</source>
        <translation>Kurier wählen</translation>
    </message>
    <message>
        <source>Courier</source>
        <translation>Kurier</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>Neu zuweisen</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>Zuweisen</translation>
    </message>
    <message>
        <source>Nearest free courier: %1</source>
        <translation>Nächster freier Kurier: %1</translation>
    </message>
    <message>
        <source>No free courier with a known position</source>
        <translation>Kein freier Kurier mit bekannter Position</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>Abschließen</translation>
    </message>
    <message>
        <source>Fail…</source>
        <translation>Fehlgeschlagen…</translation>
    </message>
    <message>
        <source>Cancel…</source>
        <translation>Stornieren…</translation>
    </message>
    <message>
        <source>This package is closed.</source>
        <translation>Dieses Paket ist abgeschlossen.</translation>
    </message>
    <message>
        <source>Delivered to %1</source>
        <translation>Zugestellt an %1</translation>
    </message>
    <message>
        <source>Courier&apos;s note: %1</source>
        <translation>Notiz des Kuriers: %1</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>Unterschrift</translation>
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
        <translation>Pakete</translation>
    </message>
    <message>
        <source>%1 shown</source>
        <translation>%1 angezeigt</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>Neu…</translation>
    </message>
    <message>
        <source>Create a package</source>
        <translation>Paket anlegen</translation>
    </message>
    <message>
        <source>Search recipient, address or tracking code</source>
        <translation>Empfänger, Adresse oder Sendungsnummer suchen</translation>
    </message>
    <message>
        <source>No package matches</source>
        <translation>Kein Paket passt</translation>
    </message>
    <message>
        <source>No packages</source>
        <translation>Keine Pakete</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Delivery of %1 failed</source>
        <translation>Zustellung von %1 fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancel %1</source>
        <translation>%1 stornieren</translation>
    </message>
    <message>
        <source>Mark as failed</source>
        <translation>Als fehlgeschlagen markieren</translation>
    </message>
    <message>
        <source>Cancel package</source>
        <translation>Paket stornieren</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>Grund (erforderlich)</translation>
    </message>
    <message>
        <source>Reason (optional)</source>
        <translation>Grund (optional)</translation>
    </message>
    <message>
        <source>e.g. nobody at home</source>
        <translation>z. B. niemand zu Hause</translation>
    </message>
    <message>
        <source>e.g. the customer called</source>
        <translation>z. B. Kunde hat angerufen</translation>
    </message>
</context>
<context>
    <name>ReplayBar</name>
    <message>
        <source>Replay: %1</source>
        <translation>Wiedergabe: %1</translation>
    </message>
    <message>
        <source>Nothing recorded on this day.</source>
        <translation>An diesem Tag wurde nichts aufgezeichnet.</translation>
    </message>
    <message>
        <source>Back to live</source>
        <translation>Zurück zur Live-Ansicht</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Abspielen</translation>
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
        <translation>Handys im LAN: %1</translation>
    </message>
    <message>
        <source>No LAN address</source>
        <translation>Keine LAN-Adresse</translation>
    </message>
    <message>
        <source>Couriers online: %1/%2</source>
        <translation>Kuriere online: %1/%2</translation>
    </message>
    <message>
        <source>Connected clients: %1</source>
        <translation>Verbundene Clients: %1</translation>
    </message>
    <message>
        <source>Events/min: %1</source>
        <translation>Ereignisse/Min.: %1</translation>
    </message>
</context>
<context>
    <name>Theme</name>
    <message>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Offen</translation>
    </message>
    <message>
        <source>Assigned</source>
        <translation>Zugewiesen</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>In Zustellung</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Zugestellt</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Storniert</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>Frei</translation>
    </message>
    <message>
        <source>Delivering</source>
        <translation>Liefert aus</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>gerade eben</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>vor %1 Min.</translation>
    </message>
    <message>
        <source>%1 h ago</source>
        <translation>vor %1 Std.</translation>
    </message>
</context>
<context>
    <name>WebhooksDialog</name>
    <message>
        <source>delivered</source>
        <translation>zugestellt</translation>
    </message>
    <message>
        <source>failed, given up</source>
        <translation>fehlgeschlagen, aufgegeben</translation>
    </message>
    <message>
        <source>waiting to be retried</source>
        <translation>wartet auf neuen Versuch</translation>
    </message>
    <message>
        <source>Webhooks</source>
        <translation>Webhooks</translation>
    </message>
    <message>
        <source>Add a webhook</source>
        <translation>Webhook hinzufügen</translation>
    </message>
    <message>
        <source>https://example.com/depot-events</source>
        <translation>https://example.com/depot-events</translation>
    </message>
    <message>
        <source>Secret (empty: one is made)</source>
        <translation>Geheimnis (leer: wird erzeugt)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Secret (shown once; receivers check signatures with it): %1</source>
        <translation>Geheimnis (nur einmal angezeigt; Empfänger prüfen damit die Signaturen): %1</translation>
    </message>
    <message>
        <source>No webhooks yet</source>
        <translation>Noch keine Webhooks</translation>
    </message>
    <message>
        <source>Recent deliveries</source>
        <translation>Letzte Zustellungen</translation>
    </message>
    <message>
        <source>Delete webhook</source>
        <translation>Webhook löschen</translation>
    </message>
    <message numerus="yes">
        <source>%1  %2 (package %3): %4, %n attempt(s)</source>
        <translation>
            <numerusform>%1  %2 (Paket %3): %4, %n Versuch</numerusform>
            <numerusform>%1  %2 (Paket %3): %4, %n Versuche</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>depot</name>
    <message>
        <source>The attribution the tiles&apos; licence asks for.</source>
        <translation>Der Quellenhinweis, den die Lizenz der Kacheln verlangt.</translation>
    </message>
    <message>
        <source>text</source>
        <translation>text</translation>
    </message>
    <message>
        <source>The console&apos;s language: en, de, es or fr. Default: the system&apos;s language.</source>
        <translation>Sprache der Konsole: en, de, es oder fr. Standard: die Sprache des Systems.</translation>
    </message>
    <message>
        <source>code</source>
        <translation>code</translation>
    </message>
    <message>
        <source>Load the whole window offscreen on a throwaway hub (port 0, a temporary data dir) and quit: 0 when it loaded without QML errors.</source>
        <translation>Das ganze Fenster unsichtbar auf einem Wegwerf-Hub laden (Port 0, ein temporärer Datenordner) und beenden: 0, wenn es ohne QML-Fehler geladen wurde.</translation>
    </message>
    <message>
        <source>self-test: the root object is not a window</source>
        <translation>Selbsttest: das Wurzelobjekt ist kein Fenster</translation>
    </message>
    <message>
        <source>self-test: no frame within 20 s</source>
        <translation>Selbsttest: kein Bild innerhalb von 20 s</translation>
    </message>
    <message>
        <source>self-test passed</source>
        <translation>Selbsttest bestanden</translation>
    </message>
    <message>
        <source>--lang: &apos;%1&apos; is not one of the console&apos;s languages (%2)</source>
        <translation>--lang: „%1“ ist keine Sprache der Konsole (%2)</translation>
    </message>
    <message>
        <source>Depot: the courier dispatch console, with its hub embedded.</source>
        <translation>Depot: die Dispositionskonsole für Kuriere, mit eingebautem Hub.</translation>
    </message>
</context>
<context>
    <name>depot::ConsoleController</name>
    <message>
        <source>The recipient&apos;s name is missing.</source>
        <translation>Der Name des Empfängers fehlt.</translation>
    </message>
    <message>
        <source>The address is missing.</source>
        <translation>Die Adresse fehlt.</translation>
    </message>
    <message>
        <source>The name or the address is too long.</source>
        <translation>Der Name oder die Adresse ist zu lang.</translation>
    </message>
    <message>
        <source>Say why the delivery failed.</source>
        <translation>Geben Sie an, warum die Zustellung fehlschlug.</translation>
    </message>
    <message>
        <source>The reason is too long.</source>
        <translation>Der Grund ist zu lang.</translation>
    </message>
    <message>
        <source>A courier needs a name and a login.</source>
        <translation>Ein Kurier braucht einen Namen und einen Benutzernamen.</translation>
    </message>
    <message>
        <source>The name or the login is too long.</source>
        <translation>Der Name oder der Benutzername ist zu lang.</translation>
    </message>
    <message>
        <source>The login must not contain spaces.</source>
        <translation>Der Benutzername darf keine Leerzeichen enthalten.</translation>
    </message>
    <message>
        <source>A courier needs a password of at most %1 characters.</source>
        <translation>Ein Kurier braucht ein Passwort mit höchstens %1 Zeichen.</translation>
    </message>
    <message>
        <source>pending</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>offen</translation>
    </message>
    <message>
        <source>assigned</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>zugewiesen</translation>
    </message>
    <message>
        <source>in progress</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>in Zustellung</translation>
    </message>
    <message>
        <source>completed</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>zugestellt</translation>
    </message>
    <message>
        <source>failed</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>cancelled</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>storniert</translation>
    </message>
    <message>
        <source>That courier no longer exists.</source>
        <translation>Diesen Kurier gibt es nicht mehr.</translation>
    </message>
    <message>
        <source>That package no longer exists.</source>
        <translation>Dieses Paket gibt es nicht mehr.</translation>
    </message>
    <message>
        <source>This package is already assigned to this courier.</source>
        <translation>Dieses Paket ist diesem Kurier bereits zugewiesen.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be assigned.</source>
        <translation>Dieses Paket ist %1 und kann daher nicht zugewiesen werden.</translation>
    </message>
    <message>
        <source>This package is %1, so its delivery cannot be started.</source>
        <translation>Dieses Paket ist %1, daher kann seine Zustellung nicht beginnen.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be marked delivered.</source>
        <translation>Dieses Paket ist %1 und kann daher nicht als zugestellt markiert werden.</translation>
    </message>
    <message>
        <source>This package is %1, so its delivery cannot be marked failed.</source>
        <translation>Dieses Paket ist %1, daher kann seine Zustellung nicht als fehlgeschlagen markiert werden.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be cancelled.</source>
        <translation>Dieses Paket ist %1 und kann daher nicht storniert werden.</translation>
    </message>
    <message>
        <source>A dispatcher may not do this.</source>
        <translation>Das darf ein Disponent nicht.</translation>
    </message>
    <message>
        <source>The change could not be saved.</source>
        <translation>Die Änderung konnte nicht gespeichert werden.</translation>
    </message>
    <message>
        <source>The destination is not a valid coordinate.</source>
        <translation>Das Ziel ist keine gültige Koordinate.</translation>
    </message>
    <message>
        <source>Another courier has the device id %1.</source>
        <translation>Ein anderer Kurier hat bereits die Geräte-ID %1.</translation>
    </message>
    <message>
        <source>The login %1 is taken.</source>
        <translation>Der Benutzername %1 ist schon vergeben.</translation>
    </message>
    <message>
        <source>The phone number is too long.</source>
        <translation>Die Telefonnummer ist zu lang.</translation>
    </message>
    <message>
        <source>The device id is too long.</source>
        <translation>Die Geräte-ID ist zu lang.</translation>
    </message>
    <message>
        <source>The notes are too long.</source>
        <translation>Die Notizen sind zu lang.</translation>
    </message>
    <message>
        <source>The e-mail address is not valid.</source>
        <translation>Die E-Mail-Adresse ist ungültig.</translation>
    </message>
</context>
<context>
    <name>depot::EventFeedModel</name>
    <message>
        <source>an unknown courier</source>
        <translation>ein unbekannter Kurier</translation>
    </message>
    <message>
        <source>%1 assigned to %2</source>
        <translation>%1 an %2 zugewiesen</translation>
    </message>
    <message>
        <source>%1 reassigned from %2 to %3</source>
        <translation>%1 von %2 an %3 umverteilt</translation>
    </message>
    <message>
        <source>%1 started delivering %2</source>
        <translation>%1 liefert %2 aus</translation>
    </message>
    <message>
        <source>%1 delivered %2</source>
        <translation>%1 hat %2 zugestellt</translation>
    </message>
    <message>
        <source>%1 could not deliver %2</source>
        <translation>%1 konnte %2 nicht zustellen</translation>
    </message>
    <message>
        <source>%1 could not deliver %2: %3</source>
        <translation>%1 konnte %2 nicht zustellen: %3</translation>
    </message>
    <message>
        <source>%1 cancelled</source>
        <translation>%1 storniert</translation>
    </message>
    <message>
        <source>%1 cancelled: %2</source>
        <translation>%1 storniert: %2</translation>
    </message>
    <message>
        <source>New package %1 for %2</source>
        <translation>Neues Paket %1 für %2</translation>
    </message>
    <message>
        <source>%1 came online</source>
        <translation>%1 ist online</translation>
    </message>
    <message>
        <source>%1 went offline</source>
        <translation>%1 ist offline</translation>
    </message>
</context>
<context>
    <name>depot::HubOptions</name>
    <message>
        <source>&apos;%1&apos; is neither self-signed nor off</source>
        <translation>&apos;%1&apos; ist weder self-signed noch off</translation>
    </message>
    <message>
        <source>--tls-cert and --tls-key go together</source>
        <translation>--tls-cert und --tls-key gehören zusammen</translation>
    </message>
    <message>
        <source>self-signed and --tls-cert exclude each other</source>
        <translation>self-signed und --tls-cert schließen einander aus</translation>
    </message>
    <message>
        <source>Address to listen on [0.0.0.0]. Env: DEPOT_HOST.</source>
        <translation>Adresse, auf der der Hub lauscht [0.0.0.0]. Umgebungsvariable: DEPOT_HOST.</translation>
    </message>
    <message>
        <source>The HTTP and WebSocket port; 0 picks a free one [3000]. Env: DEPOT_PORT.</source>
        <translation>Der Port für HTTP und WebSocket; 0 wählt einen freien [3000]. Umgebungsvariable: DEPOT_PORT.</translation>
    </message>
    <message>
        <source>Folder of the database and settings [the platform&apos;s app-data folder]. Env: DEPOT_DATA_DIR.</source>
        <translation>Ordner der Datenbank und der Einstellungen [der Anwendungsdatenordner der Plattform]. Umgebungsvariable: DEPOT_DATA_DIR.</translation>
    </message>
    <message>
        <source>Password of the dispatcher account made on first start [random, printed once]. Env: DEPOT_ADMIN_PASSWORD.</source>
        <translation>Passwort des beim ersten Start angelegten Disponentenkontos [zufällig, wird einmal ausgegeben]. Umgebungsvariable: DEPOT_ADMIN_PASSWORD.</translation>
    </message>
    <message>
        <source>Seconds between location updates to package subscribers per courier [30]. Env: DEPOT_LOCATION_INTERVAL.</source>
        <translation>Sekunden zwischen zwei Standortmeldungen eines Kuriers an die Abonnenten eines Pakets [30]. Umgebungsvariable: DEPOT_LOCATION_INTERVAL.</translation>
    </message>
    <message>
        <source>Metres of movement that send a location update before the interval is up [50]. Env: DEPOT_LOCATION_DISTANCE.</source>
        <translation>Meter Bewegung, nach denen eine Standortmeldung schon vor Ablauf des Intervalls gesendet wird [50]. Umgebungsvariable: DEPOT_LOCATION_DISTANCE.</translation>
    </message>
    <message>
        <source>Extra port for GPS apps speaking the OsmAnd protocol; 0 turns it off [5055]. Env: DEPOT_OSMAND_PORT.</source>
        <translation>Zusätzlicher Port für GPS-Apps, die das OsmAnd-Protokoll sprechen; 0 schaltet ihn ab [5055]. Umgebungsvariable: DEPOT_OSMAND_PORT.</translation>
    </message>
    <message>
        <source>Access-Control-Allow-Origin for web pages on other origins [*]. Env: DEPOT_CORS_ORIGIN.</source>
        <translation>Access-Control-Allow-Origin für Webseiten anderer Herkunft [*]. Umgebungsvariable: DEPOT_CORS_ORIGIN.</translation>
    </message>
    <message>
        <source>Seed demo couriers and packages and drive simulated couriers through the hub. Env: DEPOT_DEMO=1.</source>
        <translation>Legt Demo-Kuriere und -Pakete an und lässt simulierte Kuriere über den Hub fahren. Umgebungsvariable: DEPOT_DEMO=1.</translation>
    </message>
    <message>
        <source>&quot;self-signed&quot;: serve HTTPS and WSS with a certificate made for this machine&apos;s addresses and kept in the data dir; &quot;off&quot;: plain HTTP [off]. Env: DEPOT_TLS.</source>
        <translation>&quot;self-signed&quot;: HTTPS und WSS mit einem Zertifikat, das für die Adressen dieses Rechners erstellt und im Datenordner aufbewahrt wird; &quot;off&quot;: unverschlüsseltes HTTP [off]. Umgebungsvariable: DEPOT_TLS.</translation>
    </message>
    <message>
        <source>Serve HTTPS and WSS with this PEM certificate (chain); needs --tls-key. Env: DEPOT_TLS_CERT.</source>
        <translation>HTTPS und WSS mit diesem PEM-Zertifikat (samt Kette); braucht --tls-key. Umgebungsvariable: DEPOT_TLS_CERT.</translation>
    </message>
    <message>
        <source>The unencrypted PEM private key of --tls-cert. Env: DEPOT_TLS_KEY.</source>
        <translation>Der unverschlüsselte private PEM-Schlüssel zu --tls-cert. Umgebungsvariable: DEPOT_TLS_KEY.</translation>
    </message>
    <message>
        <source>Map tiles from this MBTiles file (offline), for the console and on /tiles. Env: DEPOT_TILES.</source>
        <translation>Kartenkacheln aus dieser MBTiles-Datei (offline), für die Konsole und unter /tiles. Umgebungsvariable: DEPOT_TILES.</translation>
    </message>
    <message>
        <source>Map tiles from this XYZ URL template ({z} {x} {y}, optional {s}); &quot;none&quot; for no download [OpenStreetMap]. Env: DEPOT_TILE_URL.</source>
        <translation>Kartenkacheln von dieser XYZ-URL-Vorlage ({z} {x} {y}, optional {s}); &quot;none&quot; lädt nichts herunter [OpenStreetMap]. Umgebungsvariable: DEPOT_TILE_URL.</translation>
    </message>
    <message>
        <source>Where downloaded tiles are kept [the user&apos;s cache folder]. Env: DEPOT_TILE_CACHE.</source>
        <translation>Wo heruntergeladene Kacheln aufbewahrt werden [der Cache-Ordner des Benutzers]. Umgebungsvariable: DEPOT_TILE_CACHE.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an IP address</source>
        <translation>&apos;%1&apos; ist keine IP-Adresse</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a whole number from %2 to %3</source>
        <translation>&apos;%1&apos; ist keine ganze Zahl von %2 bis %3</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a distance in metres</source>
        <translation>&apos;%1&apos; ist keine Entfernung in Metern</translation>
    </message>
    <message>
        <source>no folder given</source>
        <translation>kein Ordner angegeben</translation>
    </message>
    <message>
        <source>no such file: %1</source>
        <translation>Datei nicht gefunden: %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an http(s) URL with {z}, {x} and {y}</source>
        <translation>&apos;%1&apos; ist keine http(s)-URL mit {z}, {x} und {y}</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>unerwartetes Argument &apos;%1&apos;</translation>
    </message>
    <message>
        <source>Show this help and quit.</source>
        <translation>Diese Hilfe zeigen und beenden.</translation>
    </message>
    <message>
        <source>Show the version and quit.</source>
        <translation>Die Version zeigen und beenden.</translation>
    </message>
    <message>
        <source>How long a login token lives without being used, in seconds or with a unit (90s, 45m, 12h, 30d) [30d]. Env: DEPOT_TOKEN_TTL.</source>
        <translation>Wie lange ein Anmelde-Token ohne Benutzung gültig bleibt, in Sekunden oder mit Einheit (90s, 45m, 12h, 30d) [30d]. Umgebungsvariable: DEPOT_TOKEN_TTL.</translation>
    </message>
    <message>
        <source>Open connections on all ports together; more are answered 503; 0: no cap [7/8 of the open-file limit less 64]. Env: DEPOT_MAX_CONNECTIONS.</source>
        <translation>Offene Verbindungen auf allen Ports zusammen; weitere erhalten 503; 0: keine Grenze [7/8 der Grenze offener Dateien minus 64]. Umgebungsvariable: DEPOT_MAX_CONNECTIONS.</translation>
    </message>
    <message>
        <source>Open connections from one client address; more are answered 503; 0: no cap [1/8 of --max-connections]. Env: DEPOT_MAX_CONNECTIONS_PER_ADDRESS.</source>
        <translation>Offene Verbindungen von einer Client-Adresse; weitere erhalten 503; 0: keine Grenze [1/8 von --max-connections]. Umgebungsvariable: DEPOT_MAX_CONNECTIONS_PER_ADDRESS.</translation>
    </message>
    <message>
        <source>Socket.IO sessions from one client address that have not connected with a valid token yet; more are refused; 0: no cap [1/8 of --max-connections-per-address]. Env: DEPOT_MAX_UNAUTHENTICATED_PER_ADDRESS.</source>
        <translation>Socket.IO-Sitzungen einer Client-Adresse, die sich noch nicht mit einem gültigen Token verbunden haben; weitere werden abgewiesen; 0: keine Grenze [1/8 von --max-connections-per-address]. Umgebungsvariable: DEPOT_MAX_UNAUTHENTICATED_PER_ADDRESS.</translation>
    </message>
    <message>
        <source>Unknown tracking codes, and unknown GPS device ids, one address may send a minute before it is refused for the rest of the minute [20]. Env: DEPOT_GUESS_LIMIT.</source>
        <translation>Unbekannte Sendungscodes und unbekannte GPS-Gerätekennungen, die eine Adresse pro Minute senden darf, bevor sie für den Rest der Minute abgewiesen wird [20]. Umgebungsvariable: DEPOT_GUESS_LIMIT.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a duration from 1s to 3650d</source>
        <translation>&apos;%1&apos; ist keine Dauer zwischen 1s und 3650d</translation>
    </message>
    <message>
        <source>not *, null or an origin such as https://depot.example</source>
        <translation>weder *, null noch eine Herkunft wie https://depot.example</translation>
    </message>
    <message>
        <source>Where the data lives: sqlite:PATH, or postgres://user:password@host:port/dbname for a PostgreSQL database several hubs share [sqlite: the data dir&apos;s depot.sqlite]. Env: DEPOT_DATABASE.</source>
        <translation>Wo die Daten liegen: sqlite:PFAD, oder postgres://user:password@host:port/dbname für eine PostgreSQL-Datenbank, die sich mehrere Hubs teilen [sqlite: depot.sqlite im Datenordner]. Umgebungsvariable: DEPOT_DATABASE.</translation>
    </message>
    <message>
        <source>Share events and dropped sessions with the other hubs on this Redis, redis://[:password@]host[:port][/db], in the format of socket.io&apos;s Redis Streams adapter [none]. Env: DEPOT_REDIS.</source>
        <translation>Ereignisse und abgebrochene Sitzungen mit den anderen Hubs an diesem Redis teilen, redis://[:password@]host[:port][/db], im Format des Redis-Streams-Adapters von socket.io [keiner]. Umgebungsvariable: DEPOT_REDIS.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is neither sqlite:PATH nor postgres://user:password@host:port/dbname: %2</source>
        <translation>&apos;%1&apos; ist weder sqlite:PFAD noch postgres://user:password@host:port/dbname: %2</translation>
    </message>
    <message>
        <source>not a URL of the form redis://[:password@]host[:port][/db]</source>
        <translation>keine URL der Form redis://[:password@]host[:port][/db]</translation>
    </message>
    <message>
        <source>not a URL of the form smtp://[user:password@]host[:port]: %1</source>
        <translation>keine URL der Form smtp://[user:password@]host[:port]: %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an e-mail address</source>
        <translation>&apos;%1&apos; ist keine E-Mail-Adresse</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not one of en, de, es, fr</source>
        <translation>&apos;%1&apos; ist keine von en, de, es, fr</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an http(s) URL such as https://depot.example</source>
        <translation>&apos;%1&apos; ist keine http(s)-URL wie https://depot.example</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a duration from %2 ms to %3 s (such as 500ms, 10s, 1h)</source>
        <translation>&apos;%1&apos; ist keine Dauer von %2 ms bis %3 s (etwa 500ms, 10s, 1h)</translation>
    </message>
    <message>
        <source>must not be shorter than --outbox-retry-base</source>
        <translation>darf nicht kürzer als --outbox-retry-base sein</translation>
    </message>
    <message>
        <source>Proof of delivery: &quot;none&quot; (the courier page does not ask), &quot;optional&quot; (it asks), &quot;required&quot; (no package is COMPLETED without one) [optional]. Env: DEPOT_PROOF.</source>
        <translation>Zustellnachweis: „none“ (die Kurierseite fragt nicht), „optional“ (sie fragt), „required“ (kein Paket wird ohne Nachweis COMPLETED) [optional]. Umgebungsvariable: DEPOT_PROOF.</translation>
    </message>
    <message>
        <source>Show the photos of a proof of delivery on the tracking page, without their metadata. Env: DEPOT_PROOF_PHOTOS_FOR_TRACKERS=1.</source>
        <translation>Die Fotos eines Zustellnachweises auf der Sendungsverfolgungsseite zeigen, ohne ihre Metadaten. Umgebungsvariable: DEPOT_PROOF_PHOTOS_FOR_TRACKERS=1.</translation>
    </message>
    <message>
        <source>Reverse proxies whose X-Forwarded-For header names the client, comma-separated addresses or CIDR blocks; per-address limits then count that client, and the proxies are not capped per address [none]. Env: DEPOT_TRUSTED_PROXY.</source>
        <translation>Reverse-Proxys, deren X-Forwarded-For-Header den Client nennt, kommagetrennte Adressen oder CIDR-Blöcke; Grenzen pro Adresse zählen dann diesen Client, und die Proxys werden nicht pro Adresse begrenzt [keine]. Umgebungsvariable: DEPOT_TRUSTED_PROXY.</translation>
    </message>
    <message>
        <source>Wait before a failed webhook or e-mail is tried again; it doubles with every failure [10s]. Env: DEPOT_OUTBOX_RETRY_BASE.</source>
        <translation>Wartezeit, bevor ein fehlgeschlagener Webhook oder eine E-Mail erneut versucht wird; sie verdoppelt sich mit jedem Fehlschlag [10s]. Umgebungsvariable: DEPOT_OUTBOX_RETRY_BASE.</translation>
    </message>
    <message>
        <source>The longest wait between two tries of a webhook or e-mail [1h]. Env: DEPOT_OUTBOX_RETRY_CAP.</source>
        <translation>Die längste Wartezeit zwischen zwei Versuchen eines Webhooks oder einer E-Mail [1h]. Umgebungsvariable: DEPOT_OUTBOX_RETRY_CAP.</translation>
    </message>
    <message>
        <source>How long after a change its webhooks and e-mails are tried before they are marked failed [24h]. Env: DEPOT_OUTBOX_GIVE_UP.</source>
        <translation>Wie lange nach einer Änderung ihre Webhooks und E-Mails versucht werden, bevor sie als fehlgeschlagen gelten [24h]. Umgebungsvariable: DEPOT_OUTBOX_GIVE_UP.</translation>
    </message>
    <message>
        <source>How long a webhook receiver has to answer before the delivery is tried again later [10s]. Env: DEPOT_WEBHOOK_TIMEOUT.</source>
        <translation>Wie lange ein Webhook-Empfänger für die Antwort hat, bevor die Zustellung später erneut versucht wird [10s]. Umgebungsvariable: DEPOT_WEBHOOK_TIMEOUT.</translation>
    </message>
    <message>
        <source>E-mail customers through this SMTP server, smtp://[user:password@]host[:port] (STARTTLS when offered, port 587) or smtps://... (port 465) [none: no e-mail]. Env: DEPOT_SMTP.</source>
        <translation>Kunden über diesen SMTP-Server per E-Mail benachrichtigen, smtp://[user:password@]host[:port] (STARTTLS wenn angeboten, Port 587) oder smtps://... (Port 465) [keiner: keine E-Mail]. Umgebungsvariable: DEPOT_SMTP.</translation>
    </message>
    <message>
        <source>The sender of customer e-mail [depot@&lt;this machine&apos;s name&gt;]. Env: DEPOT_SMTP_FROM.</source>
        <translation>Der Absender der Kunden-E-Mails [depot@&lt;Name dieses Rechners&gt;]. Umgebungsvariable: DEPOT_SMTP_FROM.</translation>
    </message>
    <message>
        <source>The language of customer e-mail for packages that name none: en, de, es or fr [en]. Env: DEPOT_MAIL_LANGUAGE.</source>
        <translation>Die Sprache der Kunden-E-Mails für Pakete ohne eigene Angabe: en, de, es oder fr [en]. Umgebungsvariable: DEPOT_MAIL_LANGUAGE.</translation>
    </message>
    <message>
        <source>The address customers reach this hub at, for the tracking link in their e-mail, e.g. https://depot.example [the listening URL]. Env: DEPOT_PUBLIC_URL.</source>
        <translation>Die Adresse, unter der Kunden diesen Hub erreichen, für den Verfolgungslink in ihrer E-Mail, z. B. https://depot.example [die Empfangs-URL]. Umgebungsvariable: DEPOT_PUBLIC_URL.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not none, optional or required</source>
        <translation>&apos;%1&apos; ist weder none, optional noch required</translation>
    </message>
</context>
<context>
    <name>depot::MailMessages</name>
    <message>
        <source>Your parcel %1 is on its way</source>
        <translation>Ihr Paket %1 ist unterwegs</translation>
    </message>
    <message>
        <source>Your parcel %1 has been delivered</source>
        <translation>Ihr Paket %1 wurde zugestellt</translation>
    </message>
    <message>
        <source>We could not deliver your parcel %1</source>
        <translation>Wir konnten Ihr Paket %1 nicht zustellen</translation>
    </message>
    <message>
        <source>Hello %1,</source>
        <translation>Hallo %1,</translation>
    </message>
    <message>
        <source>your parcel %1 is out for delivery and will reach you soon.</source>
        <translation>Ihr Paket %1 ist in der Zustellung und erreicht Sie bald.</translation>
    </message>
    <message>
        <source>your parcel %1 has been delivered.</source>
        <translation>Ihr Paket %1 wurde zugestellt.</translation>
    </message>
    <message>
        <source>we could not deliver your parcel %1.</source>
        <translation>wir konnten Ihr Paket %1 nicht zustellen.</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>Grund: %1</translation>
    </message>
    <message>
        <source>Follow your parcel here: %1</source>
        <translation>Verfolgen Sie Ihr Paket hier: %1</translation>
    </message>
    <message>
        <source>This message was sent automatically; please do not reply to it.</source>
        <translation>Diese Nachricht wurde automatisch versandt; bitte antworten Sie nicht darauf.</translation>
    </message>
</context>
<context>
    <name>depot::RecordsController</name>
    <message>
        <source>%1 is not a day: write it as YYYY-MM-DD.</source>
        <translation>%1 ist kein Tag: Schreiben Sie ihn als JJJJ-MM-TT.</translation>
    </message>
    <message>
        <source>The records can only be saved to a local file.</source>
        <translation>Der Bericht kann nur in eine lokale Datei gespeichert werden.</translation>
    </message>
    <message>
        <source>Cannot save %1: %2</source>
        <translation>%1 kann nicht gespeichert werden: %2</translation>
    </message>
</context>
<context>
    <name>depot::ReplayController</name>
    <message>
        <source>%1 assigned</source>
        <translation>%1 zugewiesen</translation>
    </message>
    <message>
        <source>%1 out for delivery</source>
        <translation>%1 in Zustellung</translation>
    </message>
    <message>
        <source>%1 delivered</source>
        <translation>%1 zugestellt</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>%1 fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>depot::WebhooksController</name>
    <message>
        <source>The webhook was not added: %1</source>
        <translation>Der Webhook wurde nicht hinzugefügt: %1</translation>
    </message>
    <message>
        <source>The webhook was not deleted: %1</source>
        <translation>Der Webhook wurde nicht gelöscht: %1</translation>
    </message>
</context>
<context>
    <name>depot::XyzTileSource</name>
    <message>
        <source>© OpenStreetMap contributors</source>
        <translation>© OpenStreetMap-Mitwirkende</translation>
    </message>
</context>
</TS>
