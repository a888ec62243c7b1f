import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// A new password for a courier. Every device they are logged in on is logged out.
Dialog {
    id: dialog

    property string courierId: ""
    property string courierName: ""
    property string username: ""
    // Gives a fresh password each time the dialog opens.
    property var passwordSource: null

    signal passwordChosen(string courierId, string password)

    function ask(id, name, login) {
        courierId = id;
        courierName = name;
        username = login;
        passwordField.text = passwordSource ? passwordSource() : "";
        open();
        passwordField.forceActiveFocus();
    }

    title: qsTr("New password for %1").arg(courierName)
    modal: true
    anchors.centerIn: parent
    width: 420

    footer: DialogButtonBox {
        Button {
            objectName: "confirmPasswordButton"
            text: qsTr("Change password")
            enabled: passwordField.text.length > 0
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
        Button {
            text: qsTr("Cancel")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }

    onAccepted: passwordChosen(courierId, passwordField.text)

    ColumnLayout {
        anchors.fill: parent
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            text: qsTr("%1 is logged out on every device and logs in again with this password.")
                  .arg(dialog.courierName)
        }
        TextField {
            id: passwordField
            objectName: "newPasswordField"
            Layout.fillWidth: true
            font.family: "monospace"
            selectByMouse: true
            onAccepted: if (text.length > 0) dialog.accept()
        }
    }
}
