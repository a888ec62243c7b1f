import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// A new package: recipient, address, notes, the customer's e-mail and the destination, typed or
// picked on the map.
Dialog {
    id: dialog

    property real latitude: NaN
    property real longitude: NaN
    // Optional: with --smtp the customer is told of the delivery by e-mail.
    readonly property alias recipientEmail: emailField.text
    readonly property bool hasDestination: !isNaN(latitude) && !isNaN(longitude)
                                           && latitude >= -90 && latitude <= 90
                                           && longitude >= -180 && longitude <= 180

    // The dispatcher wants to click the destination on the map; reopen with setDestination().
    signal pickRequested()
    signal createRequested(string recipientName, string address, real latitude, real longitude,
                           string notes)

    function setDestination(lat, lon) {
        latitude = lat;
        longitude = lon;
        latField.text = lat.toFixed(6);
        lonField.text = lon.toFixed(6);
    }
    function reset() {
        recipientField.text = "";
        addressField.text = "";
        notesField.text = "";
        emailField.text = "";
        latField.text = "";
        lonField.text = "";
        latitude = NaN;
        longitude = NaN;
    }

    title: qsTr("New package")
    modal: true
    anchors.centerIn: parent
    width: 420

    footer: DialogButtonBox {
        Button {
            objectName: "createPackageButton"
            text: qsTr("Create")
            enabled: recipientField.text.trim().length > 0 && addressField.text.trim().length > 0
                     && dialog.hasDestination
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
        Button {
            text: qsTr("Cancel")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }

    onAccepted: createRequested(recipientField.text, addressField.text, latitude, longitude,
                                notesField.text)

    GridLayout {
        anchors.fill: parent
        columns: 2
        columnSpacing: Theme.margin
        rowSpacing: Theme.spacing

        Label { text: qsTr("Recipient") }
        TextField {
            id: recipientField
            objectName: "recipientField"
            Layout.fillWidth: true
            placeholderText: qsTr("Name")
            selectByMouse: true
        }
        Label { text: qsTr("Address") }
        TextField {
            id: addressField
            objectName: "addressField"
            Layout.fillWidth: true
            placeholderText: qsTr("Street, number, city")
            selectByMouse: true
        }
        Label { text: qsTr("E-mail") }
        TextField {
            id: emailField
            objectName: "recipientEmailField"
            Layout.fillWidth: true
            placeholderText: qsTr("Optional: the customer is told of the delivery")
            inputMethodHints: Qt.ImhEmailCharactersOnly
            selectByMouse: true
        }
        Label { text: qsTr("Latitude") }
        TextField {
            id: latField
            objectName: "latitudeField"
            Layout.fillWidth: true
            placeholderText: qsTr("e.g. 52.520008")
            validator: DoubleValidator { bottom: -90; top: 90; notation: DoubleValidator.StandardNotation }
            inputMethodHints: Qt.ImhFormattedNumbersOnly
            onTextEdited: dialog.latitude = text.length > 0 ? Number.fromLocaleString(Qt.locale(), text) : NaN
        }
        Label { text: qsTr("Longitude") }
        TextField {
            id: lonField
            objectName: "longitudeField"
            Layout.fillWidth: true
            placeholderText: qsTr("e.g. 13.404954")
            validator: DoubleValidator { bottom: -180; top: 180; notation: DoubleValidator.StandardNotation }
            inputMethodHints: Qt.ImhFormattedNumbersOnly
            onTextEdited: dialog.longitude = text.length > 0 ? Number.fromLocaleString(Qt.locale(), text) : NaN
        }
        Item { width: 1 }
        Button {
            text: qsTr("Pick on the map")
            onClicked: dialog.pickRequested()
        }
        Label { text: qsTr("Notes") }
        TextField {
            id: notesField
            Layout.fillWidth: true
            placeholderText: qsTr("Optional")
            selectByMouse: true
        }
    }
}
