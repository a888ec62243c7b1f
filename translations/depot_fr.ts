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
    <name>CourierPasswordDialog</name>
    <message>
        <source>New password for %1</source>
        <translation>Nouveau mot de passe pour %1</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Changer le mot de passe</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>%1 is logged out on every device and logs in again with this password.</source>
        <translation>%1 est déconnecté sur tous ses appareils et se reconnecte avec ce mot de passe.</translation>
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
    <message>
        <source>Inactive</source>
        <comment>a courier taken off</comment>
        <translation>Inactif</translation>
    </message>
    <message>
        <source>Password and access of this courier</source>
        <translation>Mot de passe et accès de ce coursier</translation>
    </message>
    <message>
        <source>Account of %1</source>
        <translation>Compte de %1</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>Changer le mot de passe…</translation>
    </message>
    <message>
        <source>Deactivate</source>
        <translation>Désactiver</translation>
    </message>
    <message>
        <source>Reactivate</source>
        <translation>Réactiver</translation>
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
        <translation>Bilan du jour</translation>
    </message>
    <message>
        <source>Export...</source>
        <translation>Exporter...</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Save the day&apos;s deliveries</source>
        <translation>Enregistrer les livraisons du jour</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Fichiers CSV (*.csv)</translation>
    </message>
    <message>
        <source>The day before</source>
        <translation>La veille</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>AAAA-MM-JJ</translation>
    </message>
    <message>
        <source>The day after</source>
        <translation>Le lendemain</translation>
    </message>
    <message>
        <source>Courier</source>
        <translation>Coursier</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Livrés</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Échecs</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>Distance</translation>
    </message>
    <message>
        <source>On the road</source>
        <translation>En route</translation>
    </message>
    <message>
        <source>%1 km</source>
        <translation>%1 km</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>Relecture</translation>
    </message>
    <message>
        <source>Play this courier&apos;s day on the map</source>
        <translation>Rejouer la journée de ce coursier sur la carte</translation>
    </message>
    <message>
        <source>No courier on this day.</source>
        <translation>Aucun coursier ce jour-là.</translation>
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
    <message>
        <source>Day&apos;s records</source>
        <translation>Bilan du jour</translation>
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
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Optional: the customer is told of the delivery</source>
        <translation>Facultatif : le client est informé de la livraison</translation>
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
    <message>
        <source>Delivered to %1</source>
        <translation>Livré à %1</translation>
    </message>
    <message>
        <source>Courier&apos;s note: %1</source>
        <translation>Note du coursier : %1</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>Signature</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
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
    <name>ReplayBar</name>
    <message>
        <source>Replay: %1</source>
        <translation>Relecture : %1</translation>
    </message>
    <message>
        <source>Nothing recorded on this day.</source>
        <translation>Rien d&apos;enregistré ce jour-là.</translation>
    </message>
    <message>
        <source>Back to live</source>
        <translation>Retour au direct</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Lire</translation>
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
    <name>WebhooksDialog</name>
    <message>
        <source>delivered</source>
        <translation>livré</translation>
    </message>
    <message>
        <source>failed, given up</source>
        <translation>échoué, abandonné</translation>
    </message>
    <message>
        <source>waiting to be retried</source>
        <translation>en attente d&apos;un nouvel essai</translation>
    </message>
    <message>
        <source>Webhooks</source>
        <translation>Webhooks</translation>
    </message>
    <message>
        <source>Add a webhook</source>
        <translation>Ajouter un webhook</translation>
    </message>
    <message>
        <source>https://example.com/depot-events</source>
        <translation>https://example.com/depot-events</translation>
    </message>
    <message>
        <source>Secret (empty: one is made)</source>
        <translation>Secret (vide : un secret est créé)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Ajouter</translation>
    </message>
    <message>
        <source>Secret (shown once; receivers check signatures with it): %1</source>
        <translation>Secret (affiché une seule fois ; les destinataires vérifient les signatures avec lui) : %1</translation>
    </message>
    <message>
        <source>No webhooks yet</source>
        <translation>Aucun webhook pour l&apos;instant</translation>
    </message>
    <message>
        <source>Recent deliveries</source>
        <translation>Envois récents</translation>
    </message>
    <message>
        <source>Delete webhook</source>
        <translation>Supprimer le webhook</translation>
    </message>
    <message numerus="yes">
        <source>%1  %2 (package %3): %4, %n attempt(s)</source>
        <translation>
            <numerusform>%1  %2 (colis %3) : %4, %n essai</numerusform>
            <numerusform>%1  %2 (colis %3) : %4, %n essais</numerusform>
        </translation>
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
    <message>
        <source>pending</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>en attente</translation>
    </message>
    <message>
        <source>assigned</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>attribué</translation>
    </message>
    <message>
        <source>in progress</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>en livraison</translation>
    </message>
    <message>
        <source>completed</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>livré</translation>
    </message>
    <message>
        <source>failed</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>en échec</translation>
    </message>
    <message>
        <source>cancelled</source>
        <comment>a package&apos;s status in a sentence</comment>
        <translation>annulé</translation>
    </message>
    <message>
        <source>That courier no longer exists.</source>
        <translation>Ce livreur n&apos;existe plus.</translation>
    </message>
    <message>
        <source>That package no longer exists.</source>
        <translation>Ce colis n&apos;existe plus.</translation>
    </message>
    <message>
        <source>This package is already assigned to this courier.</source>
        <translation>Ce colis est déjà attribué à ce livreur.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be assigned.</source>
        <translation>Ce colis est %1 : il ne peut donc pas être attribué.</translation>
    </message>
    <message>
        <source>This package is %1, so its delivery cannot be started.</source>
        <translation>Ce colis est %1 : sa livraison ne peut donc pas commencer.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be marked delivered.</source>
        <translation>Ce colis est %1 : il ne peut donc pas être marqué comme livré.</translation>
    </message>
    <message>
        <source>This package is %1, so its delivery cannot be marked failed.</source>
        <translation>Ce colis est %1 : sa livraison ne peut donc pas être marquée comme échouée.</translation>
    </message>
    <message>
        <source>This package is %1, so it cannot be cancelled.</source>
        <translation>Ce colis est %1 : il ne peut donc pas être annulé.</translation>
    </message>
    <message>
        <source>A dispatcher may not do this.</source>
        <translation>Un répartiteur n&apos;a pas le droit de faire cela.</translation>
    </message>
    <message>
        <source>The change could not be saved.</source>
        <translation>La modification n&apos;a pas pu être enregistrée.</translation>
    </message>
    <message>
        <source>The destination is not a valid coordinate.</source>
        <translation>La destination n&apos;est pas une coordonnée valide.</translation>
    </message>
    <message>
        <source>Another courier has the device id %1.</source>
        <translation>Un autre livreur a déjà l&apos;identifiant d&apos;appareil %1.</translation>
    </message>
    <message>
        <source>The login %1 is taken.</source>
        <translation>L&apos;identifiant %1 est déjà pris.</translation>
    </message>
    <message>
        <source>The phone number is too long.</source>
        <translation>Le numéro de téléphone est trop long.</translation>
    </message>
    <message>
        <source>The device id is too long.</source>
        <translation>L&apos;identifiant de l&apos;appareil est trop long.</translation>
    </message>
    <message>
        <source>The notes are too long.</source>
        <translation>Les notes sont trop longues.</translation>
    </message>
    <message>
        <source>The e-mail address is not valid.</source>
        <translation>L&apos;adresse e-mail n&apos;est pas valide.</translation>
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
    <name>depot::HubOptions</name>
    <message>
        <source>&apos;%1&apos; is neither self-signed nor off</source>
        <translation>&apos;%1&apos; n&apos;est ni self-signed ni off</translation>
    </message>
    <message>
        <source>--tls-cert and --tls-key go together</source>
        <translation>--tls-cert et --tls-key vont ensemble</translation>
    </message>
    <message>
        <source>self-signed and --tls-cert exclude each other</source>
        <translation>self-signed et --tls-cert s&apos;excluent mutuellement</translation>
    </message>
    <message>
        <source>Address to listen on [0.0.0.0]. Env: DEPOT_HOST.</source>
        <translation>Adresse sur laquelle le hub écoute [0.0.0.0]. Variable d&apos;environnement : DEPOT_HOST.</translation>
    </message>
    <message>
        <source>The HTTP and WebSocket port; 0 picks a free one [3000]. Env: DEPOT_PORT.</source>
        <translation>Le port HTTP et WebSocket ; 0 en choisit un libre [3000]. Variable d&apos;environnement : DEPOT_PORT.</translation>
    </message>
    <message>
        <source>Folder of the database and settings [the platform&apos;s app-data folder]. Env: DEPOT_DATA_DIR.</source>
        <translation>Dossier de la base de données et des réglages [le dossier de données d&apos;application de la plateforme]. Variable d&apos;environnement : DEPOT_DATA_DIR.</translation>
    </message>
    <message>
        <source>Password of the dispatcher account made on first start [random, printed once]. Env: DEPOT_ADMIN_PASSWORD.</source>
        <translation>Mot de passe du compte répartiteur créé au premier démarrage [aléatoire, affiché une fois]. Variable d&apos;environnement : DEPOT_ADMIN_PASSWORD.</translation>
    </message>
    <message>
        <source>Seconds between location updates to package subscribers per courier [30]. Env: DEPOT_LOCATION_INTERVAL.</source>
        <translation>Secondes entre deux mises à jour de position d&apos;un livreur envoyées aux abonnés d&apos;un colis [30]. Variable d&apos;environnement : DEPOT_LOCATION_INTERVAL.</translation>
    </message>
    <message>
        <source>Metres of movement that send a location update before the interval is up [50]. Env: DEPOT_LOCATION_DISTANCE.</source>
        <translation>Mètres de déplacement après lesquels une mise à jour de position part avant la fin de l&apos;intervalle [50]. Variable d&apos;environnement : DEPOT_LOCATION_DISTANCE.</translation>
    </message>
    <message>
        <source>Extra port for GPS apps speaking the OsmAnd protocol; 0 turns it off [5055]. Env: DEPOT_OSMAND_PORT.</source>
        <translation>Port supplémentaire pour les applis GPS qui parlent le protocole OsmAnd ; 0 le désactive [5055]. Variable d&apos;environnement : DEPOT_OSMAND_PORT.</translation>
    </message>
    <message>
        <source>Access-Control-Allow-Origin for web pages on other origins [*]. Env: DEPOT_CORS_ORIGIN.</source>
        <translation>Access-Control-Allow-Origin pour les pages web d&apos;autres origines [*]. Variable d&apos;environnement : DEPOT_CORS_ORIGIN.</translation>
    </message>
    <message>
        <source>Seed demo couriers and packages and drive simulated couriers through the hub. Env: DEPOT_DEMO=1.</source>
        <translation>Crée des livreurs et des colis de démonstration et fait rouler des livreurs simulés via le hub. Variable d&apos;environnement : DEPOT_DEMO=1.</translation>
    </message>
    <message>
        <source>&quot;self-signed&quot;: serve HTTPS and WSS with a certificate made for this machine&apos;s addresses and kept in the data dir; &quot;off&quot;: plain HTTP [off]. Env: DEPOT_TLS.</source>
        <translation>&quot;self-signed&quot; : sert HTTPS et WSS avec un certificat créé pour les adresses de cette machine et conservé dans le dossier de données ; &quot;off&quot; : HTTP non chiffré [off]. Variable d&apos;environnement : DEPOT_TLS.</translation>
    </message>
    <message>
        <source>Serve HTTPS and WSS with this PEM certificate (chain); needs --tls-key. Env: DEPOT_TLS_CERT.</source>
        <translation>Sert HTTPS et WSS avec ce certificat PEM (et sa chaîne) ; nécessite --tls-key. Variable d&apos;environnement : DEPOT_TLS_CERT.</translation>
    </message>
    <message>
        <source>The unencrypted PEM private key of --tls-cert. Env: DEPOT_TLS_KEY.</source>
        <translation>La clé privée PEM non chiffrée de --tls-cert. Variable d&apos;environnement : DEPOT_TLS_KEY.</translation>
    </message>
    <message>
        <source>Map tiles from this MBTiles file (offline), for the console and on /tiles. Env: DEPOT_TILES.</source>
        <translation>Tuiles de carte issues de ce fichier MBTiles (hors ligne), pour la console et sur /tiles. Variable d&apos;environnement : DEPOT_TILES.</translation>
    </message>
    <message>
        <source>Map tiles from this XYZ URL template ({z} {x} {y}, optional {s}); &quot;none&quot; for no download [OpenStreetMap]. Env: DEPOT_TILE_URL.</source>
        <translation>Tuiles de carte issues de ce modèle d&apos;URL XYZ ({z} {x} {y}, {s} facultatif) ; &quot;none&quot; pour ne rien télécharger [OpenStreetMap]. Variable d&apos;environnement : DEPOT_TILE_URL.</translation>
    </message>
    <message>
        <source>Where downloaded tiles are kept [the user&apos;s cache folder]. Env: DEPOT_TILE_CACHE.</source>
        <translation>Où les tuiles téléchargées sont conservées [le dossier de cache de l&apos;utilisateur]. Variable d&apos;environnement : DEPOT_TILE_CACHE.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an IP address</source>
        <translation>&apos;%1&apos; n&apos;est pas une adresse IP</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a whole number from %2 to %3</source>
        <translation>&apos;%1&apos; n&apos;est pas un nombre entier de %2 à %3</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a distance in metres</source>
        <translation>&apos;%1&apos; n&apos;est pas une distance en mètres</translation>
    </message>
    <message>
        <source>no folder given</source>
        <translation>aucun dossier indiqué</translation>
    </message>
    <message>
        <source>no such file: %1</source>
        <translation>fichier introuvable : %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an http(s) URL with {z}, {x} and {y}</source>
        <translation>&apos;%1&apos; n&apos;est pas une URL http(s) avec {z}, {x} et {y}</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>argument inattendu &apos;%1&apos;</translation>
    </message>
    <message>
        <source>Show this help and quit.</source>
        <translation>Affiche cette aide et quitte.</translation>
    </message>
    <message>
        <source>Show the version and quit.</source>
        <translation>Affiche la version et quitte.</translation>
    </message>
    <message>
        <source>How long a login token lives without being used, in seconds or with a unit (90s, 45m, 12h, 30d) [30d]. Env: DEPOT_TOKEN_TTL.</source>
        <translation>Durée de vie d&apos;un jeton de connexion inutilisé, en secondes ou avec une unité (90s, 45m, 12h, 30d) [30d]. Variable d&apos;environnement : DEPOT_TOKEN_TTL.</translation>
    </message>
    <message>
        <source>Open connections on all ports together; more are answered 503; 0: no cap [7/8 of the open-file limit less 64]. Env: DEPOT_MAX_CONNECTIONS.</source>
        <translation>Connexions ouvertes sur tous les ports ensemble ; les suivantes reçoivent 503 ; 0 : sans limite [7/8 de la limite de fichiers ouverts moins 64]. Variable d&apos;environnement : DEPOT_MAX_CONNECTIONS.</translation>
    </message>
    <message>
        <source>Open connections from one client address; more are answered 503; 0: no cap [1/8 of --max-connections]. Env: DEPOT_MAX_CONNECTIONS_PER_ADDRESS.</source>
        <translation>Connexions ouvertes depuis une adresse client ; les suivantes reçoivent 503 ; 0 : sans limite [1/8 de --max-connections]. Variable d&apos;environnement : DEPOT_MAX_CONNECTIONS_PER_ADDRESS.</translation>
    </message>
    <message>
        <source>Socket.IO sessions from one client address that have not connected with a valid token yet; more are refused; 0: no cap [1/8 of --max-connections-per-address]. Env: DEPOT_MAX_UNAUTHENTICATED_PER_ADDRESS.</source>
        <translation>Sessions Socket.IO d&apos;une adresse client qui ne se sont pas encore connectées avec un jeton valide ; les suivantes sont refusées ; 0 : sans limite [1/8 de --max-connections-per-address]. Variable d&apos;environnement : DEPOT_MAX_UNAUTHENTICATED_PER_ADDRESS.</translation>
    </message>
    <message>
        <source>Unknown tracking codes, and unknown GPS device ids, one address may send a minute before it is refused for the rest of the minute [20]. Env: DEPOT_GUESS_LIMIT.</source>
        <translation>Codes de suivi inconnus, et identifiants GPS inconnus, qu&apos;une adresse peut envoyer par minute avant d&apos;être refusée pour le reste de la minute [20]. Variable d&apos;environnement : DEPOT_GUESS_LIMIT.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a duration from 1s to 3650d</source>
        <translation>&apos;%1&apos; n&apos;est pas une durée entre 1s et 3650d</translation>
    </message>
    <message>
        <source>not *, null or an origin such as https://depot.example</source>
        <translation>ni *, ni null, ni une origine comme https://depot.example</translation>
    </message>
    <message>
        <source>Where the data lives: sqlite:PATH, or postgres://user:password@host:port/dbname for a PostgreSQL database several hubs share [sqlite: the data dir&apos;s depot.sqlite]. Env: DEPOT_DATABASE.</source>
        <translation>Où sont les données : sqlite:CHEMIN, ou postgres://user:password@host:port/dbname pour une base PostgreSQL partagée par plusieurs hubs [sqlite : depot.sqlite du dossier de données]. Variable d&apos;environnement : DEPOT_DATABASE.</translation>
    </message>
    <message>
        <source>Share events and dropped sessions with the other hubs on this Redis, redis://[:password@]host[:port][/db], in the format of socket.io&apos;s Redis Streams adapter [none]. Env: DEPOT_REDIS.</source>
        <translation>Partager les événements et les sessions interrompues avec les autres hubs de ce Redis, redis://[:password@]host[:port][/db], au format de l&apos;adaptateur Redis Streams de socket.io [aucun]. Variable d&apos;environnement : DEPOT_REDIS.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is neither sqlite:PATH nor postgres://user:password@host:port/dbname: %2</source>
        <translation>&apos;%1&apos; n&apos;est ni sqlite:CHEMIN ni postgres://user:password@host:port/dbname : %2</translation>
    </message>
    <message>
        <source>not a URL of the form redis://[:password@]host[:port][/db]</source>
        <translation>pas une URL de la forme redis://[:password@]host[:port][/db]</translation>
    </message>
    <message>
        <source>not a URL of the form smtp://[user:password@]host[:port]: %1</source>
        <translation>pas une URL de la forme smtp://[user:password@]host[:port] : %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an e-mail address</source>
        <translation>&apos;%1&apos; n&apos;est pas une adresse e-mail</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not one of en, de, es, fr</source>
        <translation>&apos;%1&apos; n&apos;est pas l&apos;une de en, de, es, fr</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an http(s) URL such as https://depot.example</source>
        <translation>&apos;%1&apos; n&apos;est pas une URL http(s) comme https://depot.example</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a duration from %2 ms to %3 s (such as 500ms, 10s, 1h)</source>
        <translation>&apos;%1&apos; n&apos;est pas une durée de %2 ms à %3 s (comme 500ms, 10s, 1h)</translation>
    </message>
    <message>
        <source>must not be shorter than --outbox-retry-base</source>
        <translation>ne doit pas être plus court que --outbox-retry-base</translation>
    </message>
    <message>
        <source>Proof of delivery: &quot;none&quot; (the courier page does not ask), &quot;optional&quot; (it asks), &quot;required&quot; (no package is COMPLETED without one) [optional]. Env: DEPOT_PROOF.</source>
        <translation>Preuve de livraison : « none » (la page du coursier ne la demande pas), « optional » (elle la demande), « required » (aucun colis n&apos;est COMPLETED sans elle) [optional]. Variable d&apos;environnement : DEPOT_PROOF.</translation>
    </message>
    <message>
        <source>Show the photos of a proof of delivery on the tracking page, without their metadata. Env: DEPOT_PROOF_PHOTOS_FOR_TRACKERS=1.</source>
        <translation>Afficher les photos d&apos;une preuve de livraison sur la page de suivi, sans leurs métadonnées. Variable d&apos;environnement : DEPOT_PROOF_PHOTOS_FOR_TRACKERS=1.</translation>
    </message>
    <message>
        <source>Reverse proxies whose X-Forwarded-For header names the client, comma-separated addresses or CIDR blocks; per-address limits then count that client, and the proxies are not capped per address [none]. Env: DEPOT_TRUSTED_PROXY.</source>
        <translation>Proxys inverses dont l&apos;en-tête X-Forwarded-For nomme le client, adresses ou blocs CIDR séparés par des virgules ; les limites par adresse comptent alors ce client, et les proxys ne sont pas limités par adresse [aucun]. Variable d&apos;environnement : DEPOT_TRUSTED_PROXY.</translation>
    </message>
    <message>
        <source>Wait before a failed webhook or e-mail is tried again; it doubles with every failure [10s]. Env: DEPOT_OUTBOX_RETRY_BASE.</source>
        <translation>Attente avant qu&apos;un webhook ou un e-mail en échec soit réessayé ; elle double à chaque échec [10s]. Variable d&apos;environnement : DEPOT_OUTBOX_RETRY_BASE.</translation>
    </message>
    <message>
        <source>The longest wait between two tries of a webhook or e-mail [1h]. Env: DEPOT_OUTBOX_RETRY_CAP.</source>
        <translation>L&apos;attente la plus longue entre deux essais d&apos;un webhook ou d&apos;un e-mail [1h]. Variable d&apos;environnement : DEPOT_OUTBOX_RETRY_CAP.</translation>
    </message>
    <message>
        <source>How long after a change its webhooks and e-mails are tried before they are marked failed [24h]. Env: DEPOT_OUTBOX_GIVE_UP.</source>
        <translation>Combien de temps après un changement ses webhooks et e-mails sont essayés avant d&apos;être marqués en échec [24h]. Variable d&apos;environnement : DEPOT_OUTBOX_GIVE_UP.</translation>
    </message>
    <message>
        <source>How long a webhook receiver has to answer before the delivery is tried again later [10s]. Env: DEPOT_WEBHOOK_TIMEOUT.</source>
        <translation>Le temps qu&apos;a un destinataire de webhook pour répondre avant que l&apos;envoi soit réessayé plus tard [10s]. Variable d&apos;environnement : DEPOT_WEBHOOK_TIMEOUT.</translation>
    </message>
    <message>
        <source>E-mail customers through this SMTP server, smtp://[user:password@]host[:port] (STARTTLS when offered, port 587) or smtps://... (port 465) [none: no e-mail]. Env: DEPOT_SMTP.</source>
        <translation>Écrire aux clients par ce serveur SMTP, smtp://[user:password@]host[:port] (STARTTLS s&apos;il est proposé, port 587) ou smtps://... (port 465) [aucun : pas d&apos;e-mail]. Variable d&apos;environnement : DEPOT_SMTP.</translation>
    </message>
    <message>
        <source>The sender of customer e-mail [depot@&lt;this machine&apos;s name&gt;]. Env: DEPOT_SMTP_FROM.</source>
        <translation>L&apos;expéditeur des e-mails aux clients [depot@&lt;nom de cette machine&gt;]. Variable d&apos;environnement : DEPOT_SMTP_FROM.</translation>
    </message>
    <message>
        <source>The language of customer e-mail for packages that name none: en, de, es or fr [en]. Env: DEPOT_MAIL_LANGUAGE.</source>
        <translation>La langue des e-mails aux clients pour les colis qui n&apos;en indiquent pas : en, de, es ou fr [en]. Variable d&apos;environnement : DEPOT_MAIL_LANGUAGE.</translation>
    </message>
    <message>
        <source>The address customers reach this hub at, for the tracking link in their e-mail, e.g. https://depot.example [the listening URL]. Env: DEPOT_PUBLIC_URL.</source>
        <translation>L&apos;adresse à laquelle les clients joignent ce hub, pour le lien de suivi de leur e-mail, p. ex. https://depot.example [l&apos;URL d&apos;écoute]. Variable d&apos;environnement : DEPOT_PUBLIC_URL.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not none, optional or required</source>
        <translation>&apos;%1&apos; n&apos;est ni none, ni optional, ni required</translation>
    </message>
</context>
<context>
    <name>depot::MailMessages</name>
    <message>
        <source>Your parcel %1 is on its way</source>
        <translation>Votre colis %1 est en route</translation>
    </message>
    <message>
        <source>Your parcel %1 has been delivered</source>
        <translation>Votre colis %1 a été livré</translation>
    </message>
    <message>
        <source>We could not deliver your parcel %1</source>
        <translation>Nous n&apos;avons pas pu livrer votre colis %1</translation>
    </message>
    <message>
        <source>Hello %1,</source>
        <translation>Bonjour %1,</translation>
    </message>
    <message>
        <source>your parcel %1 is out for delivery and will reach you soon.</source>
        <translation>votre colis %1 est en cours de livraison et vous parviendra bientôt.</translation>
    </message>
    <message>
        <source>your parcel %1 has been delivered.</source>
        <translation>votre colis %1 a été livré.</translation>
    </message>
    <message>
        <source>we could not deliver your parcel %1.</source>
        <translation>nous n&apos;avons pas pu livrer votre colis %1.</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>Motif : %1</translation>
    </message>
    <message>
        <source>Follow your parcel here: %1</source>
        <translation>Suivez votre colis ici : %1</translation>
    </message>
    <message>
        <source>This message was sent automatically; please do not reply to it.</source>
        <translation>Ce message a été envoyé automatiquement ; merci de ne pas y répondre.</translation>
    </message>
</context>
<context>
    <name>depot::RecordsController</name>
    <message>
        <source>%1 is not a day: write it as YYYY-MM-DD.</source>
        <translation>%1 n&apos;est pas un jour : écrivez-le AAAA-MM-JJ.</translation>
    </message>
    <message>
        <source>The records can only be saved to a local file.</source>
        <translation>Le bilan ne peut être enregistré que dans un fichier local.</translation>
    </message>
    <message>
        <source>Cannot save %1: %2</source>
        <translation>Impossible d&apos;enregistrer %1 : %2</translation>
    </message>
</context>
<context>
    <name>depot::ReplayController</name>
    <message>
        <source>%1 assigned</source>
        <translation>%1 attribué</translation>
    </message>
    <message>
        <source>%1 out for delivery</source>
        <translation>%1 en cours de livraison</translation>
    </message>
    <message>
        <source>%1 delivered</source>
        <translation>%1 livré</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>%1 en échec</translation>
    </message>
</context>
<context>
    <name>depot::WebhooksController</name>
    <message>
        <source>The webhook was not added: %1</source>
        <translation>Le webhook n&apos;a pas été ajouté : %1</translation>
    </message>
    <message>
        <source>The webhook was not deleted: %1</source>
        <translation>Le webhook n&apos;a pas été supprimé : %1</translation>
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
