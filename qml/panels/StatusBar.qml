import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// The facts at the bottom: where phones reach the hub, who is connected, how busy it is.
Rectangle {
    id: bar

    property var addresses: []
    property int clients: 0
    property int eventsPerMinute: 0
    property int onlineCouriers: 0
    property int couriers: 0

    implicitHeight: 28
    color: Theme.statusBar

    Rectangle {
        width: parent.width
        height: 1
        color: Theme.border
    }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.margin
        anchors.rightMargin: Theme.margin
        spacing: Theme.margin * 2

        Label {
            objectName: "addressesLabel"
            Layout.fillWidth: true
            text: bar.addresses.length > 0
                  ? qsTr("Phones on the LAN: %1").arg(bar.addresses.join("  ·  "))
                  : qsTr("No LAN address")
            color: Theme.text
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideRight
        }
        Label {
            text: qsTr("Couriers online: %1/%2").arg(bar.onlineCouriers).arg(bar.couriers)
            color: Theme.text
            font.pixelSize: Theme.fontSmall
        }
        Label {
            objectName: "clientsLabel"
            text: qsTr("Connected clients: %1").arg(bar.clients)
            color: Theme.text
            font.pixelSize: Theme.fontSmall
        }
        Label {
            objectName: "rateLabel"
            text: qsTr("Events/min: %1").arg(bar.eventsPerMinute)
            color: Theme.text
            font.pixelSize: Theme.fontSmall
        }
    }
}
