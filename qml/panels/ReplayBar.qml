import QtQuick
import Depot.Console
import Depot.Models
import QtQuick.Controls
import QtQuick.Layouts

// The controls of a courier's day played back on the map: play or pause, the speed (1x, 10x,
// 60x), the time slider to scrub with, the last event and the way back to the live map.
Rectangle {
    id: bar

    property ReplayController replay: null

    visible: replay !== null && replay.loaded
    height: column.implicitHeight + 2 * Theme.spacing
    radius: Theme.radius
    color: Theme.panel
    border.color: Theme.border

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing

        RowLayout {
            Layout.fillWidth: true
            Label {
                text: bar.replay ? qsTr("Replay: %1").arg(bar.replay.courierName) : ""
                font.bold: true
                color: Theme.text
            }
            Label {
                objectName: "replayTime"
                text: bar.replay && bar.replay.duration > 0
                      ? bar.replay.time.toLocaleString(Qt.locale(), "yyyy-MM-dd HH:mm:ss") : ""
                color: Theme.textMuted
            }
            Label {
                Layout.fillWidth: true
                objectName: "replayLastEvent"
                text: bar.replay ? bar.replay.lastEvent : ""
                elide: Text.ElideRight
                color: Theme.text
            }
            Label {
                visible: bar.replay !== null && bar.replay.duration === 0
                text: qsTr("Nothing recorded on this day.")
                color: Theme.textMuted
            }
            ToolButton {
                objectName: "closeReplayButton"
                text: qsTr("Back to live")
                onClicked: bar.replay.close()
            }
        }
        RowLayout {
            Layout.fillWidth: true
            Button {
                objectName: "playReplayButton"
                text: bar.replay && bar.replay.playing ? qsTr("Pause") : qsTr("Play")
                enabled: bar.replay !== null && bar.replay.duration > 0
                onClicked: bar.replay.playing = !bar.replay.playing
            }
            Repeater {
                model: [1, 10, 60]
                delegate: Button {
                    required property int modelData
                    text: qsTr("%1×").arg(modelData)
                    checkable: true
                    checked: bar.replay !== null && bar.replay.speed === modelData
                    onClicked: bar.replay.speed = modelData
                }
            }
            Slider {
                objectName: "replaySlider"
                Layout.fillWidth: true
                from: 0
                to: bar.replay ? Math.max(1, bar.replay.duration) : 1
                value: bar.replay ? bar.replay.position : 0
                onMoved: bar.replay.position = value
            }
        }
    }
}
