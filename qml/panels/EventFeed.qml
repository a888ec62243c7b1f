import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// The live event feed, newest on top.
Rectangle {
    id: feed

    // An EventFeedModel.
    required property var model
    readonly property alias list: list

    signal packageActivated(string packageId)

    color: Theme.panel

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        PanelHeader {
            Layout.fillWidth: true
            implicitHeight: 32
            title: qsTr("Live events")
            summary: feed.model ? qsTr("latest %1").arg(feed.model.count) : ""
            ToolButton {
                text: qsTr("Clear")
                font.pixelSize: Theme.fontSmall
                enabled: list.count > 0
                onClicked: feed.model.clear()
            }
        }

        ListView {
            id: list
            objectName: "eventList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: feed.model
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}

            delegate: Rectangle {
                id: entry

                required property var timestamp
                required property string kind
                required property string text
                required property string status
                required property string packageId

                width: ListView.view.width
                height: 24
                color: hover.containsMouse && entry.packageId.length > 0 ? Theme.hover : "transparent"

                MouseArea {
                    id: hover
                    anchors.fill: parent
                    hoverEnabled: true
                    cursorShape: entry.packageId.length > 0 ? Qt.PointingHandCursor : Qt.ArrowCursor
                    onClicked: if (entry.packageId.length > 0) feed.packageActivated(entry.packageId)
                }

                RowLayout {
                    anchors.fill: parent
                    anchors.leftMargin: Theme.margin
                    anchors.rightMargin: Theme.margin
                    spacing: Theme.spacing
                    Label {
                        text: Qt.formatTime(entry.timestamp, "hh:mm:ss")
                        color: Theme.textMuted
                        font.family: "monospace"
                        font.pixelSize: Theme.fontSmall
                    }
                    StateDot {
                        dotColor: entry.kind === "courier"
                                  ? Theme.courierStateColors[entry.status === "online" ? "free" : "offline"]
                                  : Theme.statusColor(entry.status)
                    }
                    Label {
                        Layout.fillWidth: true
                        text: entry.text
                        color: Theme.text
                        font.pixelSize: Theme.fontSmall
                        elide: Text.ElideRight
                    }
                }
            }

            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                color: Theme.textMuted
                text: qsTr("Nothing has happened yet")
            }
        }
    }
}
