import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// Asks why a delivery failed or a package is cancelled.
Dialog {
    id: dialog

    // "fail" or "cancel"
    property string action: "fail"
    property string packageId: ""
    property string trackingCode: ""
    readonly property bool reasonRequired: action === "fail"

    signal reasonGiven(string action, string packageId, string reason)

    function ask(newAction, id, code) {
        action = newAction;
        packageId = id;
        trackingCode = code;
        reasonField.text = "";
        open();
        reasonField.forceActiveFocus();
    }

    title: action === "fail" ? qsTr("Delivery of %1 failed").arg(trackingCode)
                             : qsTr("Cancel %1").arg(trackingCode)
    modal: true
    anchors.centerIn: parent
    width: 400

    footer: DialogButtonBox {
        Button {
            objectName: "confirmReasonButton"
            text: dialog.action === "fail" ? qsTr("Mark as failed") : qsTr("Cancel package")
            enabled: !dialog.reasonRequired || reasonField.text.trim().length > 0
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
        Button {
            text: qsTr("Back")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }

    onAccepted: reasonGiven(action, packageId, reasonField.text)

    ColumnLayout {
        anchors.fill: parent
        Label {
            Layout.fillWidth: true
            text: dialog.reasonRequired ? qsTr("Reason (required)") : qsTr("Reason (optional)")
        }
        TextField {
            id: reasonField
            objectName: "reasonField"
            Layout.fillWidth: true
            placeholderText: dialog.action === "fail" ? qsTr("e.g. nobody at home")
                                                      : qsTr("e.g. the customer called")
            selectByMouse: true
            onAccepted: if (!dialog.reasonRequired || text.trim().length > 0) dialog.accept()
        }
    }
}
