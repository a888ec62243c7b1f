import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// One package in the list. While it may be assigned, it can be dragged onto a courier.
Item {
    id: row

    required property int index
    required property string packageId
    required property string trackingCode
    required property string recipientName
    required property string address
    required property string status
    required property string deliveryPersonId
    required property string courierName
    required property string reason
    required property string notes
    required property double latitude
    required property double longitude
    property bool selected: false
    readonly property bool assignable: status === "PENDING" || status === "ASSIGNED"

    signal clicked()

    implicitHeight: Theme.rowHeight

    MouseArea {
        id: dragArea
        // Where the press was: the drop lands under the pointer, not under a corner of the card.
        property point pressedAt: Qt.point(0, 0)
        anchors.fill: parent
        hoverEnabled: true
        drag.target: row.assignable ? card : null
        drag.threshold: 8
        onPressed: mouse => pressedAt = Qt.point(mouse.x, mouse.y)
        onClicked: row.clicked()
        onReleased: {
            if (card.Drag.active)
                card.Drag.drop();
        }
    }

    Rectangle {
        id: card
        // What a courier's drop area reads.
        readonly property string packageId: row.packageId
        readonly property string trackingCode: row.trackingCode

        // Anchored while at rest, so that it snaps back into the list after a drag.
        anchors.left: row.left
        anchors.top: row.top
        width: row.width
        height: row.height
        color: dragArea.drag.active ? Theme.selected
             : row.selected ? Theme.selected : dragArea.containsMouse ? Theme.hover : Theme.panel
        border.color: dragArea.drag.active ? Theme.accent : "transparent"
        radius: dragArea.drag.active ? Theme.radius : 0
        opacity: dragArea.drag.active ? 0.9 : 1

        Drag.active: dragArea.drag.active
        Drag.keys: ["depot/package"]
        Drag.source: card
        Drag.hotSpot.x: dragArea.pressedAt.x
        Drag.hotSpot.y: dragArea.pressedAt.y

        states: State {
            when: dragArea.drag.active
            ParentChange { target: card; parent: row.Overlay.overlay }
            AnchorChanges { target: card; anchors.left: undefined; anchors.top: undefined }
        }

        Rectangle {
            width: 3
            height: parent.height
            color: Theme.statusColor(row.status)
        }

        ColumnLayout {
            anchors.fill: parent
            anchors.leftMargin: Theme.margin
            anchors.rightMargin: Theme.margin
            anchors.topMargin: 4
            anchors.bottomMargin: 4
            spacing: 2

            RowLayout {
                Layout.fillWidth: true
                spacing: Theme.spacing
                Label {
                    text: row.trackingCode
                    color: Theme.text
                    font.family: "monospace"
                    font.pixelSize: Theme.fontNormal
                    font.bold: true
                }
                Label {
                    Layout.fillWidth: true
                    text: row.recipientName
                    color: Theme.text
                    font.pixelSize: Theme.fontNormal
                    elide: Text.ElideRight
                }
                StatusChip {
                    status: row.status
                }
            }
            Label {
                Layout.fillWidth: true
                text: row.address
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideRight
            }
            Label {
                Layout.fillWidth: true
                visible: text.length > 0
                text: row.reason.length > 0 && (row.status === "FAILED" || row.status === "CANCELLED")
                      ? qsTr("Reason: %1").arg(row.reason)
                      : row.courierName.length > 0 ? qsTr("Courier: %1").arg(row.courierName) : ""
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideRight
            }
        }

        Rectangle {
            anchors.bottom: parent.bottom
            width: parent.width
            height: 1
            color: Theme.border
            visible: !dragArea.drag.active
        }
    }
}
