import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// A new courier: their name, login, first password, phone and the device id a GPS app reports.
Dialog {
    id: dialog

    // Gives a fresh password each time the dialog opens.
    property var passwordSource: null

    signal createRequested(string name, string username, string password, string phone,
                           string deviceId)

    function reset() {
        nameField.text = "";
        usernameField.text = "";
        phoneField.text = "";
        deviceField.text = "";
        passwordField.text = passwordSource ? passwordSource() : "";
    }

    title: qsTr("Add a courier")
    modal: true
    anchors.centerIn: parent
    width: 420
    onAboutToShow: reset()

    footer: DialogButtonBox {
        Button {
            objectName: "createCourierButton"
            text: qsTr("Add")
            enabled: nameField.text.trim().length > 0 && usernameField.text.trim().length > 0
                     && passwordField.text.length > 0
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
        Button {
            text: qsTr("Cancel")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }

    onAccepted: createRequested(nameField.text, usernameField.text, passwordField.text,
                                phoneField.text, deviceField.text)

    GridLayout {
        anchors.fill: parent
        columns: 2
        columnSpacing: Theme.margin
        rowSpacing: Theme.spacing

        Label { text: qsTr("Name") }
        TextField {
            id: nameField
            objectName: "courierNameField"
            Layout.fillWidth: true
            selectByMouse: true
        }
        Label { text: qsTr("Login") }
        TextField {
            id: usernameField
            objectName: "usernameField"
            Layout.fillWidth: true
            placeholderText: qsTr("No spaces")
            validator: RegularExpressionValidator { regularExpression: /\S*/ }
            selectByMouse: true
        }
        Label { text: qsTr("Password") }
        TextField {
            id: passwordField
            Layout.fillWidth: true
            font.family: "monospace"
            selectByMouse: true
        }
        Label { text: qsTr("Phone") }
        TextField {
            id: phoneField
            Layout.fillWidth: true
            placeholderText: qsTr("Optional")
            selectByMouse: true
        }
        Label { text: qsTr("Device id") }
        TextField {
            id: deviceField
            Layout.fillWidth: true
            placeholderText: qsTr("Optional: the id a GPS app such as Traccar Client sends")
            selectByMouse: true
        }
    }
}
