<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>AddCourierDialog</name>
    <message>
        <source>Add a courier</source>
        <translation>Ajouter un livreur</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Ajouter</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>Identifiant</translation>
    </message>
    <message>
        <source>No spaces</source>
        <translation>Sans espaces</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Mot de passe</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Téléphone</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Facultatif</translation>
    </message>
    <message>
        <source>Device id</source>
        <translation>Identifiant de l&apos;appareil</translation>
    </message>
    <message>
        <source>Optional: the id a GPS app such as Traccar Client sends</source>
        <translation>Facultatif : l&apos;identifiant qu&apos;envoie une appli GPS comme Traccar Client</translation>
    </message>
</context>
<context>
    <name>CourierLinkDialog</name>
    <message>
        <source>Phone link for %1</source>
        <translation>Lien téléphone pour %1</translation>
    </message>
    <message>
        <source>Scan with the courier&apos;s phone on the same network:</source>
        <translation>À scanner avec le téléphone du livreur sur le même réseau :</translation>
    </message>
    <message>
        <source>First password: %1</source>
        <translation>Premier mot de passe : %1</translation>
    </message>
    <message>
        <source>Phones will warn once about this certificate. Accept it only if the SHA-256 fingerprint the phone shows matches:</source>
        <translation>Les téléphones avertiront une fois au sujet de ce certificat. Acceptez-le seulement si l&apos;empreinte SHA-256 affichée par le téléphone correspond à celle-ci :</translation>
    </message>
</context>
<context>
    <name>CouriersPanel</name>
    <message>
        <source>Couriers</source>
        <translation>Livreurs</translation>
    </message>
    <message>
        <source>%1 of %2 online</source>
        <translation>%1 sur %2 en ligne</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Ajouter…</translation>
    </message>
    <message>
        <source>Add a courier and show the link for their phone</source>
        <translation>Ajouter un livreur et afficher le lien pour son téléphone</translation>
    </message>
    <message numerus="yes">
        <source>%1 and %n more</source>
        <translation>
            <numerusform>%1 et %n autre</numerusform>
            <numerusform>%1 et %n autres</numerusform>
        </translation>
    </message>
    <message>
        <source>No package</source>
        <translation>Aucun colis</translation>
    </message>
    <message>
        <source>@%1 · seen %2</source>
        <translation>@%1 · vu %2</translation>
    </message>
    <message>
        <source>@%1 · last seen %2</source>
        <translation>@%1 · dernière activité : %2</translation>
    </message>
    <message>
        <source>QR</source>
        <translation>QR</translation>
    </message>
    <message>
        <source>Show the link for this courier&apos;s phone</source>
        <translation>Afficher le lien pour le téléphone de ce livreur</translation>
    </message>
    <message>
        <source>Phone link for %1</source>
        <translation>Lien téléphone pour %1</translation>
    </message>
    <message>
        <source>No couriers yet</source>
        <translation>Aucun livreur pour l&apos;instant</translation>
    </message>
</context>
<context>
    <name>EventFeed</name>
    <message>
        <source>Live events</source>
        <translation>Événements en direct</translation>
    </message>
    <message>
        <source>latest %1</source>
        <translation>%1 derniers</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Effacer</translation>
    </message>
    <message>
        <source>Nothing has happened yet</source>
        <translation>Rien ne s&apos;est encore passé</translation>
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
        <translation>Depot – Répartition</translation>
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
        <translation>Mot de passe du répartiteur (affiché une seule fois) : %1</translation>
    </message>
    <message>
        <source>Theme: %1</source>
        <translation>Thème : %1</translation>
    </message>
    <message>
        <source>Follow the system, or always light or dark</source>
        <translation>Suivre le système, ou toujours clair ou sombre</translation>
    </message>
    <message>
        <source>Click the map where the package goes.</source>
        <translation>Cliquez sur la carte à l&apos;endroit où va le colis.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Fermer</translation>
    </message>
</context>
<context>
    <name>MapPane</name>
    <message>
        <source>Depot</source>
        <translation>Dépôt</translation>
    </message>
    <message>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Zoom avant</translation>
    </message>
    <message>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Zoom arrière</translation>
    </message>
    <message>
        <source>⤢</source>
        <translation>⤢</translation>
    </message>
    <message>
        <source>Show all couriers and packages</source>
        <translation>Afficher tous les livreurs et colis</translation>
    </message>
    <message>
        <source>Fit all</source>
        <translation>Tout afficher</translation>
    </message>
    <message>
        <source>◎</source>
        <translation>◎</translation>
    </message>
    <message>
        <source>Follow the selected courier</source>
        <translation>Suivre le livreur sélectionné</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Suivre</translation>
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
        <translation>Nouveau colis</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Créer</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Destinataire</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Street, number, city</source>
        <translation>Numéro, rue, ville</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>Latitude</translation>
    </message>
    <message>
        <source>e.g. 52.520008</source>
        <translation>p. ex. 52.520008</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>Longitude</translation>
    </message>
    <message>
        <source>e.g. 13.404954</source>
        <translation>p. ex. 13.404954</translation>
    </message>
    <message>
        <source>Pick on the map</source>
        <translation>Choisir sur la carte</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Remarques</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Facultatif</translation>
    </message>
</context>
<context>
    <name>PackageDelegate</name>
    <message>
        <source>Reason: %1</source>
        <translation>Motif : %1</translation>
    </message>
    <message>
        <source>Courier: %1</source>
        <translation>Livreur : %1</translation>
    </message>
</context>
<context>
    <name>PackageDetails</name>
    <message>
        <source>Select a package to act on it, or drag it onto a courier.</source>
        <translation>Sélectionnez un colis pour agir dessus, ou faites-le glisser sur un livreur.</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>Courier: %1</source>
        <translation>Livreur : %1</translation>
    </message>
    <message>
        <source>Notes: %1</source>
        <translation>Remarques : %1</translation>
    </message>
    <message>
        <source>Choose a courier</source>
        <translation>Choisir un livreur</translation>
    </message>
    <message>
        <source>Courier</source>
        <translation>Livreur</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>Réattribuer</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>Attribuer</translation>
    </message>
    <message>
        <source>Nearest free courier: %1</source>
        <translation>Livreur libre le plus proche : %1</translation>
    </message>
    <message>
        <source>No free courier with a known position</source>
        <translation>Aucun livreur libre à position connue</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Démarrer</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>Terminer</translation>
    </message>
    <message>
        <source>Fail…</source>
        <translation>Échec…</translation>
    </message>
    <message>
        <source>Cancel…</source>
        <translation>Annuler…</translation>
    </message>
    <message>
        <source>This package is closed.</source>
        <translation>Ce colis est clos.</translation>
    </message>
</context>
<context>
    <name>PackagesPanel</name>
    <message>
        <source>Packages</source>
        <translation>Colis</translation>
    </message>
    <message>
        <source>%1 shown</source>
        <translation>%1 affichés</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>Nouveau…</translation>
    </message>
    <message>
        <source>Create a package</source>
        <translation>Créer un colis</translation>
    </message>
    <message>
        <source>Search recipient, address or tracking code</source>
        <translation>Rechercher destinataire, adresse ou numéro de suivi</translation>
    </message>
    <message>
        <source>No package matches</source>
        <translation>Aucun colis ne correspond</translation>
    </message>
    <message>
        <source>No packages</source>
        <translation>Aucun colis</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Delivery of %1 failed</source>
        <translation>Échec de la livraison de %1</translation>
    </message>
    <message>
        <source>Cancel %1</source>
        <translation>Annuler %1</translation>
    </message>
    <message>
        <source>Mark as failed</source>
        <translation>Marquer en échec</translation>
    </message>
    <message>
        <source>Cancel package</source>
        <translation>Annuler le colis</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>Motif (obligatoire)</translation>
    </message>
    <message>
        <source>Reason (optional)</source>
        <translation>Motif (facultatif)</translation>
    </message>
    <message>
        <source>e.g. nobody at home</source>
        <translation>p. ex. destinataire absent</translation>
    </message>
    <message>
        <source>e.g. the customer called</source>
        <translation>p. ex. le client a appelé</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Phones on the LAN: %1</source>
        <translation>Téléphones sur le réseau local : %1</translation>
    </message>
    <message>
        <source>No LAN address</source>
        <translation>Aucune adresse sur le réseau local</translation>
    </message>
    <message>
        <source>Couriers online: %1/%2</source>
        <translation>Livreurs en ligne : %1/%2</translation>
    </message>
    <message>
        <source>Connected clients: %1</source>
        <translation>Clients connectés : %1</translation>
    </message>
    <message>
        <source>Events/min: %1</source>
        <translation>Événements/min : %1</translation>
    </message>
</context>
<context>
    <name>Theme</name>
    <message>
        <source>Light</source>
        <translation>Clair</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Sombre</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Système</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Tous</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>En attente</translation>
    </message>
    <message>
        <source>Assigned</source>
        <translation>Attribué</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>En livraison</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Livré</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Échoué</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Annulé</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>Libre</translation>
    </message>
    <message>
        <source>Delivering</source>
        <translation>En livraison</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Hors ligne</translation>
    </message>
    <message>
        <source>never</source>
        <translation>jamais</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>à l&apos;instant</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>il y a %1 min</translation>
    </message>
    <message>
        <source>%1 h ago</source>
        <translation>il y a %1 h</translation>
    </message>
</context>
<context>
    <name>depot</name>
    <message>
        <source>The attribution the tiles&apos; licence asks for.</source>
        <translation>L&apos;attribution qu&apos;exige la licence des tuiles.</translation>
    </message>
    <message>
        <source>text</source>
        <translation>texte</translation>
    </message>
    <message>
        <source>The console&apos;s language: en, de, es or fr. Default: the system&apos;s language.</source>
        <translation>Langue de la console : en, de, es ou fr. Par défaut : celle du système.</translation>
    </message>
    <message>
        <source>code</source>
        <translation>code</translation>
    </message>
    <message>
        <source>Load the whole window offscreen on a throwaway hub (port 0, a temporary data dir) and quit: 0 when it loaded without QML errors.</source>
        <translation>Charge toute la fenêtre hors écran sur un hub jetable (port 0, un dossier de données temporaire) et quitte : 0 si elle s&apos;est chargée sans erreur QML.</translation>
    </message>
    <message>
        <source>self-test: the root object is not a window</source>
        <translation>autotest : l&apos;objet racine n&apos;est pas une fenêtre</translation>
    </message>
    <message>
        <source>self-test: no frame within 20 s</source>
        <translation>autotest : aucune image en 20 s</translation>
    </message>
    <message>
        <source>self-test passed</source>
        <translation>autotest réussi</translation>
    </message>
    <message>
        <source>--lang: &apos;%1&apos; is not one of the console&apos;s languages (%2)</source>
        <translation>--lang : « %1 » n&apos;est pas une langue de la console (%2)</translation>
    </message>
    <message>
        <source>Depot: the courier dispatch console, with its hub embedded.</source>
        <translation>Depot : la console de répartition des livreurs, avec son hub intégré.</translation>
    </message>
</context>
<context>
    <name>depot::ConsoleController</name>
    <message>
        <source>The recipient&apos;s name is missing.</source>
        <translation>Le nom du destinataire manque.</translation>
    </message>
    <message>
        <source>The address is missing.</source>
        <translation>L&apos;adresse manque.</translation>
    </message>
    <message>
        <source>The name or the address is too long.</source>
        <translation>Le nom ou l&apos;adresse est trop long.</translation>
    </message>
    <message>
        <source>Say why the delivery failed.</source>
        <translation>Indiquez pourquoi la livraison a échoué.</translation>
    </message>
    <message>
        <source>The reason is too long.</source>
        <translation>Le motif est trop long.</translation>
    </message>
    <message>
        <source>A courier needs a name and a login.</source>
        <translation>Un livreur a besoin d&apos;un nom et d&apos;un identifiant.</translation>
    </message>
    <message>
        <source>The name or the login is too long.</source>
        <translation>Le nom ou l&apos;identifiant est trop long.</translation>
    </message>
    <message>
        <source>The login must not contain spaces.</source>
        <translation>L&apos;identifiant ne doit pas contenir d&apos;espaces.</translation>
    </message>
    <message>
        <source>A courier needs a password of at most %1 characters.</source>
        <translation>Un livreur a besoin d&apos;un mot de passe d&apos;au plus %1 caractères.</translation>
    </message>
</context>
<context>
    <name>depot::EventFeedModel</name>
    <message>
        <source>an unknown courier</source>
        <translation>un livreur inconnu</translation>
    </message>
    <message>
        <source>%1 assigned to %2</source>
        <translation>%1 attribué à %2</translation>
    </message>
    <message>
        <source>%1 reassigned from %2 to %3</source>
        <translation>%1 réattribué de %2 à %3</translation>
    </message>
    <message>
        <source>%1 started delivering %2</source>
        <translation>%1 a commencé à livrer %2</translation>
    </message>
    <message>
        <source>%1 delivered %2</source>
        <translation>%1 a livré %2</translation>
    </message>
    <message>
        <source>%1 could not deliver %2</source>
        <translation>%1 n&apos;a pas pu livrer %2</translation>
    </message>
    <message>
        <source>%1 could not deliver %2: %3</source>
        <translation>%1 n&apos;a pas pu livrer %2 : %3</translation>
    </message>
    <message>
        <source>%1 cancelled</source>
        <translation>%1 annulé</translation>
    </message>
    <message>
        <source>%1 cancelled: %2</source>
        <translation>%1 annulé : %2</translation>
    </message>
    <message>
        <source>New package %1 for %2</source>
        <translation>Nouveau colis %1 pour %2</translation>
    </message>
    <message>
        <source>%1 came online</source>
        <translation>%1 est en ligne</translation>
    </message>
    <message>
        <source>%1 went offline</source>
        <translation>%1 est hors ligne</translation>
    </message>
</context>
<context>
    <name>depot::XyzTileSource</name>
    <message>
        <source>© OpenStreetMap contributors</source>
        <translation>© les contributeurs d&apos;OpenStreetMap</translation>
    </message>
</context>
</TS>
