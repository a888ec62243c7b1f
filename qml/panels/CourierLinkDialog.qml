import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// The link a courier's phone opens, as a QR code to scan and as text.
Dialog {
    id: dialog

    property string name: ""
    property string url: ""
    // Shown only right after the courier was added: it is not stored in clear anywhere.
    property string password: ""
    // The SHA-256 fingerprint of the hub's certificate when it serves HTTPS, else empty.
    property string fingerprint: ""

    function show(courierName, pageUrl, firstPassword) {
        name = courierName;
        url = pageUrl;
        password = firstPassword;
        open();
    }

    title: qsTr("Phone link for %1").arg(name)
    modal: true
    anchors.centerIn: parent
    standardButtons: Dialog.Close

    ColumnLayout {
        spacing: Theme.spacing
        Label {
            Layout.fillWidth: true
            Layout.maximumWidth: Theme.qrSize + 80
            text: qsTr("Scan with the courier's phone on the same network:")
            wrapMode: Text.WordWrap
        }
        Rectangle {
            Layout.alignment: Qt.AlignHCenter
            implicitWidth: Theme.qrSize
            implicitHeight: Theme.qrSize
            color: "#ffffff"
            Image {
                id: qr
                objectName: "qrImage"
                anchors.fill: parent
                source: dialog.url.length > 0 ? "image://qr/" + encodeURIComponent(dialog.url) : ""
                sourceSize: Qt.size(Theme.qrSize, Theme.qrSize)
                fillMode: Image.PreserveAspectFit
                smooth: false
                cache: false
            }
        }
        TextField {
            Layout.fillWidth: true
            readOnly: true
            selectByMouse: true
            text: dialog.url
            font.family: "monospace"
        }
        Label {
            visible: dialog.fingerprint.length > 0
            Layout.fillWidth: true
            Layout.maximumWidth: Theme.qrSize + 80
            text: qsTr("Phones will warn once about this certificate. Accept it only if the SHA-256 fingerprint the phone shows matches:")
            wrapMode: Text.WordWrap
        }
        TextField {
            objectName: "fingerprintField"
            visible: dialog.fingerprint.length > 0
            Layout.fillWidth: true
            readOnly: true
            selectByMouse: true
            text: dialog.fingerprint
            font.family: "monospace"
        }
        Label {
            visible: dialog.password.length > 0
            Layout.fillWidth: true
            text: qsTr("First password: %1").arg(dialog.password)
            font.family: "monospace"
        }
    }
}
