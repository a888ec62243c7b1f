import QtQuick
import Depot.Console
import Depot.Models
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

// The day's records: each courier's deliveries, failures, distance and time on the road on one
// day, and the day's deliveries saved as a CSV file for a spreadsheet.
Dialog {
    id: dialog

    property RecordsController records: null

    signal failed(string message)
    signal replayRequested(string courierId, string name)

    function show() {
        if (records)
            records.refresh();
        open();
    }
    function hoursAndMinutes(seconds) {
        const minutes = Math.floor(seconds / 60);
        return qsTr("%1 h %2 min").arg(Math.floor(minutes / 60)).arg(minutes % 60);
    }

    title: qsTr("Day's records")
    modal: true
    anchors.centerIn: parent
    width: 640
    height: 480

    footer: DialogButtonBox {
        Button {
            objectName: "exportRecordsButton"
            text: qsTr("Export...")
            enabled: dialog.records !== null
            onClicked: {
                saveDialog.currentFolder = dialog.records.exportFolder;
                saveDialog.selectedFile = dialog.records.suggestedFile();
                saveDialog.open();
            }
        }
        Button {
            text: qsTr("Close")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }

    FileDialog {
        id: saveDialog
        objectName: "saveRecordsDialog"
        title: qsTr("Save the day's deliveries")
        fileMode: FileDialog.SaveFile
        defaultSuffix: "csv"
        nameFilters: [qsTr("CSV files (*.csv)")]
        onAccepted: dialog.records.exportCsv(selectedFile)
    }

    Connections {
        target: dialog.records
        function onExportFailed(message) { dialog.failed(message); }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing

        RowLayout {
            Layout.fillWidth: true
            ToolButton {
                text: "<"
                onClicked: dialog.records.stepDay(-1)
                ToolTip.visible: hovered
                ToolTip.text: qsTr("The day before")
            }
            TextField {
                id: dateField
                objectName: "recordsDateField"
                text: dialog.records ? dialog.records.date : ""
                placeholderText: qsTr("YYYY-MM-DD")
                selectByMouse: true
                onAccepted: dialog.records.date = text
            }
            ToolButton {
                text: ">"
                onClicked: dialog.records.stepDay(1)
                ToolTip.visible: hovered
                ToolTip.text: qsTr("The day after")
            }
            Item { Layout.fillWidth: true }
            BusyIndicator {
                running: dialog.records !== null && dialog.records.loading
                Layout.preferredHeight: 24
                Layout.preferredWidth: 24
            }
        }

        // The table: a header row, then one row per courier.
        GridLayout {
            Layout.fillWidth: true
            columns: 6
            columnSpacing: Theme.margin
            Label { Layout.fillWidth: true; text: qsTr("Courier"); font.bold: true }
            Label { Layout.preferredWidth: 80; horizontalAlignment: Text.AlignRight; text: qsTr("Delivered"); font.bold: true }
            Label { Layout.preferredWidth: 80; horizontalAlignment: Text.AlignRight; text: qsTr("Failed"); font.bold: true }
            Label { Layout.preferredWidth: 80; horizontalAlignment: Text.AlignRight; text: qsTr("Distance"); font.bold: true }
            Label { Layout.preferredWidth: 100; horizontalAlignment: Text.AlignRight; text: qsTr("On the road"); font.bold: true }
            Item { Layout.preferredWidth: 80 }
        }
        ListView {
            id: table
            objectName: "recordsTable"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: dialog.records ? dialog.records.couriers : []
            delegate: GridLayout {
                required property var modelData
                width: table.width
                columns: 6
                columnSpacing: Theme.margin
                Label { Layout.fillWidth: true; text: modelData.name; elide: Text.ElideRight }
                Label { Layout.preferredWidth: 80; horizontalAlignment: Text.AlignRight; text: modelData.deliveries }
                Label { Layout.preferredWidth: 80; horizontalAlignment: Text.AlignRight; text: modelData.failures }
                Label { Layout.preferredWidth: 80; horizontalAlignment: Text.AlignRight; text: qsTr("%1 km").arg((modelData.distanceMetres / 1000).toFixed(1)) }
                Label { Layout.preferredWidth: 100; horizontalAlignment: Text.AlignRight; text: dialog.hoursAndMinutes(modelData.onRoadSeconds) }
                ToolButton {
                    objectName: "replayButton"
                    Layout.preferredWidth: 80
                    text: qsTr("Replay")
                    onClicked: dialog.replayRequested(modelData.courierId, modelData.name)
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("Play this courier's day on the map")
                }
            }
        }
        Label {
            Layout.alignment: Qt.AlignHCenter
            visible: table.count === 0
            text: qsTr("No courier on this day.")
            color: Theme.textMuted
        }
    }
}
