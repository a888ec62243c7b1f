import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ApplicationWindow {
    id: window

    required property string listeningUrl
    required property string generatedPassword

    width: 960
    height: 640
    visible: true
    title: qsTr("Depot")

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 12
            Label {
                text: qsTr("Depot")
                font.bold: true
                font.pixelSize: 18
            }
            Item { Layout.fillWidth: true }
            Label {
                text: qsTr("Hub: %1").arg(window.listeningUrl)
            }
        }
    }

    ColumnLayout {
        anchors.centerIn: parent
        spacing: 12
        Label {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("The hub is running at %1").arg(window.listeningUrl)
            font.pixelSize: 16
        }
        Label {
            Layout.alignment: Qt.AlignHCenter
            visible: window.generatedPassword.length > 0
            text: qsTr("Dispatcher password (shown once): %1").arg(window.generatedPassword)
        }
    }
}
