import QtQuick
import Depot.Console
import QtQuick.Controls

// A package's status as a small coloured pill.
Rectangle {
    id: chip

    property string status: ""

    implicitWidth: label.implicitWidth + 2 * Theme.spacing + 4
    implicitHeight: label.implicitHeight + 4
    radius: height / 2
    color: Theme.statusColor(status)

    Label {
        id: label
        anchors.centerIn: parent
        text: Theme.statusLabel(chip.status)
        color: "#ffffff"
        font.pixelSize: Theme.fontSmall
        font.bold: true
    }
}
