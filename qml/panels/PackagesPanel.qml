import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// The packages list: search, a filter per status with its count, and rows that can be
// dragged onto a courier to assign them.
Rectangle {
    id: panel

    // A PackageFilterModel: statusFilter, searchText, counts.
    required property var model
    property alias currentIndex: list.currentIndex
    // The selected row's delegate, whose properties follow the package as it changes.
    readonly property var current: list.currentItem
    readonly property alias list: list

    signal createRequested()

    color: Theme.panel

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        PanelHeader {
            Layout.fillWidth: true
            title: qsTr("Packages")
            summary: qsTr("%1 shown").arg(list.count)
            Button {
                objectName: "newPackageButton"
                text: qsTr("New…")
                onClicked: panel.createRequested()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Create a package")
            }
        }

        TextField {
            id: search
            objectName: "searchField"
            Layout.fillWidth: true
            Layout.margins: Theme.spacing
            placeholderText: qsTr("Search recipient, address or tracking code")
            selectByMouse: true
            text: panel.model ? panel.model.searchText : ""
            onTextEdited: panel.model.searchText = text
        }

        Flow {
            Layout.fillWidth: true
            Layout.leftMargin: Theme.spacing
            Layout.rightMargin: Theme.spacing
            Layout.bottomMargin: Theme.spacing
            spacing: 4
            Repeater {
                model: [""].concat(Theme.statuses)
                delegate: FilterChip {
                    id: chip
                    required property string modelData
                    objectName: "filter_" + (chip.modelData.length > 0 ? chip.modelData : "ALL")
                    status: chip.modelData
                    count: panel.model && panel.model.counts[chip.modelData] !== undefined
                           ? panel.model.counts[chip.modelData] : 0
                    checked: panel.model && panel.model.statusFilter === chip.modelData
                    onClicked: {
                        panel.model.statusFilter = chip.modelData;
                        list.currentIndex = -1;
                    }
                }
            }
        }

        Rectangle {
            Layout.fillWidth: true
            height: 1
            color: Theme.border
        }

        ListView {
            id: list
            objectName: "packageList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: panel.model
            currentIndex: -1
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            delegate: PackageDelegate {
                id: packageRow
                width: ListView.view.width
                selected: ListView.isCurrentItem
                onClicked: list.currentIndex = packageRow.index
            }

            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                color: Theme.textMuted
                text: panel.model && panel.model.searchText.length > 0
                      ? qsTr("No package matches") : qsTr("No packages")
            }
        }
    }
}
