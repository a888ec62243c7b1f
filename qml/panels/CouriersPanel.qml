import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// The couriers: online or not, what they carry, when they were last heard of. Dropping a
// package on one assigns it to them.
Rectangle {
    id: panel

    // A CourierModel.
    required property var model
    property alias currentIndex: list.currentIndex
    readonly property var current: list.currentItem
    readonly property alias list: list
    // Ticks so that "last seen" ages without a model change.
    property date now: new Date()

    signal addRequested()
    signal packageDropped(string packageId, string courierId)
    signal linkRequested(string username, string name)
    signal passwordChangeRequested(string courierId, string name, string username)
    signal activeChangeRequested(string courierId, bool active)

    color: Theme.panel

    Timer {
        interval: 15000
        running: true
        repeat: true
        onTriggered: panel.now = new Date()
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        PanelHeader {
            Layout.fillWidth: true
            title: qsTr("Couriers")
            summary: panel.model ? qsTr("%1 of %2 online").arg(panel.model.onlineCount).arg(panel.model.count) : ""
            Button {
                objectName: "addCourierButton"
                text: qsTr("Add…")
                onClicked: panel.addRequested()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Add a courier and show the link for their phone")
            }
        }

        ListView {
            id: list
            objectName: "courierList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: panel.model
            currentIndex: -1
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}

            delegate: Rectangle {
                id: row

                required property int index
                required property string courierId
                required property string name
                required property string username
                required property string state
                required property bool online
                required property string currentTrackingCode
                required property int carriedCount
                required property var lastSeen
                required property bool active

                width: ListView.view.width
                height: Theme.rowHeight
                color: drop.containsDrag ? Theme.dropTarget
                     : ListView.isCurrentItem ? Theme.selected
                     : hover.containsMouse ? Theme.hover : Theme.panel

                MouseArea {
                    id: hover
                    anchors.fill: parent
                    hoverEnabled: true
                    onClicked: list.currentIndex = row.index
                }

                DropArea {
                    id: drop
                    anchors.fill: parent
                    keys: ["depot/package"]
                    onDropped: drag => {
                        panel.packageDropped(drag.source.packageId, row.courierId);
                        drag.accept(Qt.MoveAction);
                    }
                }

                RowLayout {
                    anchors.fill: parent
                    anchors.leftMargin: Theme.margin
                    anchors.rightMargin: Theme.spacing
                    spacing: Theme.spacing

                    StateDot {
                        dotColor: Theme.courierStateColors[row.state]
                    }
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        RowLayout {
                            Layout.fillWidth: true
                            Label {
                                Layout.fillWidth: true
                                text: row.name
                                color: Theme.text
                                font.pixelSize: Theme.fontNormal
                                font.bold: true
                                elide: Text.ElideRight
                            }
                            Label {
                                objectName: "courierStateLabel"
                                text: row.active ? Theme.courierStateLabel(row.state)
                                                 : qsTr("Inactive", "a courier taken off")
                                color: row.active ? Theme.textMuted : Theme.danger
                                font.pixelSize: Theme.fontSmall
                            }
                        }
                        Label {
                            Layout.fillWidth: true
                            text: row.currentTrackingCode.length > 0
                                  ? (row.carriedCount > 1
                                     ? qsTr("%1 and %n more", "", row.carriedCount - 1).arg(row.currentTrackingCode)
                                     : row.currentTrackingCode)
                                  : qsTr("No package")
                            color: Theme.textMuted
                            font.pixelSize: Theme.fontSmall
                            elide: Text.ElideRight
                        }
                        Label {
                            Layout.fillWidth: true
                            text: row.online ? qsTr("@%1 · seen %2").arg(row.username).arg(Theme.ago(row.lastSeen, panel.now))
                                             : qsTr("@%1 · last seen %2").arg(row.username).arg(Theme.ago(row.lastSeen, panel.now))
                            color: Theme.textMuted
                            font.pixelSize: Theme.fontSmall
                            elide: Text.ElideRight
                        }
                    }
                    ToolButton {
                        text: qsTr("QR")
                        font.pixelSize: Theme.fontSmall
                        onClicked: panel.linkRequested(row.username, row.name)
                        ToolTip.visible: hovered
                        ToolTip.text: qsTr("Show the link for this courier's phone")
                        Accessible.name: qsTr("Phone link for %1").arg(row.name)
                    }
                    ToolButton {
                        objectName: "courierMenuButton"
                        text: "⋯"
                        font.pixelSize: Theme.fontSmall
                        onClicked: courierMenu.popup()
                        ToolTip.visible: hovered
                        ToolTip.text: qsTr("Password and access of this courier")
                        Accessible.name: qsTr("Account of %1").arg(row.name)

                        Menu {
                            id: courierMenu
                            MenuItem {
                                objectName: "changePasswordItem"
                                text: qsTr("Change password…")
                                onTriggered: panel.passwordChangeRequested(row.courierId, row.name,
                                                                           row.username)
                            }
                            MenuItem {
                                objectName: "toggleActiveItem"
                                text: row.active ? qsTr("Deactivate") : qsTr("Reactivate")
                                onTriggered: panel.activeChangeRequested(row.courierId, !row.active)
                            }
                        }
                    }
                }

                Rectangle {
                    anchors.bottom: parent.bottom
                    width: parent.width
                    height: 1
                    color: Theme.border
                }
            }

            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                color: Theme.textMuted
                text: qsTr("No couriers yet")
            }
        }
    }
}
