import QtQuick
import Depot.Console
import QtQuick.Controls

// A status filter: its name, how many packages have it, and whether it is the one shown.
AbstractButton {
    id: chip

    property string status: ""
    property int count: 0

    checkable: true
    implicitWidth: row.implicitWidth + 2 * Theme.spacing + 4
    implicitHeight: row.implicitHeight + 8
    Accessible.name: text
    text: qsTr("%1 (%2)").arg(Theme.statusLabel(status)).arg(count)

    background: Rectangle {
        radius: height / 2
        color: chip.checked ? (chip.status.length > 0 ? Theme.statusColor(chip.status) : Theme.accent)
                            : (chip.hovered ? Theme.hover : Theme.panel)
        border.color: chip.checked ? "transparent" : Theme.border
    }
    contentItem: Row {
        id: row
        spacing: 4
        leftPadding: Theme.spacing
        Rectangle {
            visible: chip.status.length > 0 && !chip.checked
            anchors.verticalCenter: parent.verticalCenter
            width: Theme.dotSize - 2
            height: width
            radius: width / 2
            color: Theme.statusColor(chip.status)
        }
        Label {
            anchors.verticalCenter: parent.verticalCenter
            text: Theme.statusLabel(chip.status)
            color: chip.checked ? Theme.accentText : Theme.text
            font.pixelSize: Theme.fontSmall
        }
        Label {
            anchors.verticalCenter: parent.verticalCenter
            text: chip.count
            color: chip.checked ? Theme.accentText : Theme.textMuted
            font.pixelSize: Theme.fontSmall
            font.bold: true
        }
    }
}
