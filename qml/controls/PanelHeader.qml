import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// A panel's title bar: its title, a short summary and room for buttons on the right.
Rectangle {
    id: header

    property string title: ""
    property string summary: ""
    default property alias actions: actionRow.data

    implicitHeight: 40
    color: Theme.panelHeader

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.margin
        anchors.rightMargin: Theme.spacing
        spacing: Theme.spacing
        Label {
            text: header.title
            color: Theme.text
            font.pixelSize: Theme.fontTitle
            font.bold: true
        }
        Label {
            Layout.fillWidth: true
            text: header.summary
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideRight
        }
        Row {
            id: actionRow
            spacing: Theme.spacing
        }
    }
    Rectangle {
        anchors.bottom: parent.bottom
        width: parent.width
        height: 1
        color: Theme.border
    }
}
