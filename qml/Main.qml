import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Depot.Models

// The dispatcher's console: packages on the left, the map and the live feed in the middle,
// couriers on the right, the hub's facts at the bottom.
ApplicationWindow {
    id: window

    required property string listeningUrl
    required property string generatedPassword
    required property ConsoleController controller
    // Where the chosen theme is kept across restarts; without it the theme follows the system.
    property ConsoleSettings settings: null
    // The day's records; without them the console has no "Day's records" button.
    property RecordsController records: null
    // The webhooks page's controller; without one (tests) the page is not offered.
    property WebhooksController webhooks: null
    // Plays a courier's day on the map; without it the records offer no replay.
    property ReplayController replay: null

    // While true, a click on the map sets the new package's destination.
    property bool pickingDestination: false

    function showError(message) {
        errorBanner.message = message;
        errorBanner.visible = true;
        errorTimer.restart();
    }
    function selectPackage(packageId) {
        let row = controller.packageFilter.rowOf(packageId);
        if (row < 0) {
            // Filtered out: show every package, so the one asked for is there.
            controller.packageFilter.statusFilter = "";
            controller.packageFilter.searchText = "";
            row = controller.packageFilter.rowOf(packageId);
        }
        packagesPanel.currentIndex = row;
        packagesPanel.list.positionViewAtIndex(row, ListView.Contain);
    }

    width: 1440
    height: 900
    minimumWidth: 1000
    minimumHeight: 600
    visible: true
    title: qsTr("Depot dispatch")
    color: Theme.window

    palette.window: Theme.window
    palette.windowText: Theme.text
    palette.base: Theme.field
    palette.alternateBase: Theme.panelHeader
    palette.text: Theme.text
    palette.button: Theme.panelHeader
    palette.buttonText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.accentText
    palette.placeholderText: Theme.textMuted
    palette.mid: Theme.border
    palette.light: Theme.panel
    palette.dark: Theme.border
    palette.toolTipBase: Theme.panel
    palette.toolTipText: Theme.text

    Component.onCompleted: {
        if (window.settings)
            Theme.setModeName(window.settings.theme);
    }

    Connections {
        target: window.controller
        function onErrorOccurred(message) { window.showError(message); }
    }

    header: ToolBar {
        background: Rectangle {
            color: Theme.panelHeader
            Rectangle {
                anchors.bottom: parent.bottom
                width: parent.width
                height: 1
                color: Theme.border
            }
        }
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: Theme.margin
            anchors.rightMargin: Theme.margin
            spacing: Theme.margin
            Label {
                text: qsTr("Depot")
                color: Theme.text
                font.bold: true
                font.pixelSize: 18
            }
            Label {
                text: qsTr("Hub %1").arg(window.listeningUrl)
                color: Theme.textMuted
            }
            Label {
                Layout.fillWidth: true
                visible: window.generatedPassword.length > 0
                text: qsTr("Dispatcher password (shown once): %1").arg(window.generatedPassword)
                color: Theme.text
                elide: Text.ElideRight
            }
            Item { Layout.fillWidth: !window.generatedPassword.length }
            ToolButton {
                objectName: "dayRecordsButton"
                visible: window.records !== null
                text: qsTr("Day's records")
                onClicked: dayRecordsDialog.show()
            }
            ToolButton {
                objectName: "webhooksButton"
                visible: window.webhooks !== null
                text: qsTr("Webhooks…")
                onClicked: webhooksDialog.show()
            }
            ToolButton {
                objectName: "themeButton"
                text: qsTr("Theme: %1").arg(Theme.modeLabel())
                onClicked: {
                    Theme.cycleMode();
                    if (window.settings)
                        window.settings.theme = Theme.modeName();
                }
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Follow the system, or always light or dark")
            }
        }
    }

    footer: StatusBar {
        addresses: window.controller.lanAddresses
        clients: window.controller.connectedClients
        eventsPerMinute: window.controller.eventsPerMinute
        onlineCouriers: window.controller.couriers.onlineCount
        couriers: window.controller.couriers.count
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        ColumnLayout {
            // A layout fills by default; this column keeps its width and leaves the map the rest.
            Layout.fillWidth: false
            Layout.preferredWidth: Theme.sidePanelWidth
            Layout.fillHeight: true
            spacing: 0
            PackagesPanel {
                id: packagesPanel
                objectName: "packagesPanel"
                Layout.fillWidth: true
                Layout.fillHeight: true
                model: window.controller.packageFilter
                onCreateRequested: {
                    newPackageDialog.reset();
                    newPackageDialog.open();
                }
            }
            PackageDetails {
                Layout.fillWidth: true
                pkg: packagesPanel.current
                controller: window.controller
                courierModel: window.controller.couriers
                onFailRequested: (id, code) => reasonDialog.ask("fail", id, code)
                onCancelRequested: (id, code) => reasonDialog.ask("cancel", id, code)
            }
        }

        Rectangle { Layout.fillHeight: true; width: 1; color: Theme.border }

        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            Item {
                Layout.fillWidth: true
                Layout.fillHeight: true
                // Markers near the edge would otherwise spill over the panels.
                clip: true

                MapPane {
                    id: mapPane
                    objectName: "mapPane"
                    anchors.fill: parent
                    courierModel: window.controller.couriers
                    packageModel: window.controller.packageFilter
                    packageCourierRole: "deliveryPersonId"
                    replay: window.replay
                    onCourierClicked: row => couriersPanel.currentIndex = row
                    onPackageClicked: row => packagesPanel.currentIndex = row
                }
                Binding {
                    target: mapPane.packages
                    property: "selectedRow"
                    value: packagesPanel.currentIndex
                }
                Binding {
                    target: mapPane
                    property: "selectedCourier"
                    value: couriersPanel.currentIndex
                }
                Connections {
                    target: mapPane.map
                    function onClicked(point) {
                        if (!window.pickingDestination)
                            return;
                        const at = mapPane.map.coordinateAt(point);
                        window.pickingDestination = false;
                        newPackageDialog.setDestination(at.latitude, at.longitude);
                        newPackageDialog.open();
                    }
                }

                // Banners over the map: picking a destination, and the last refused action.
                Column {
                    anchors.top: parent.top
                    anchors.horizontalCenter: parent.horizontalCenter
                    anchors.topMargin: Theme.margin
                    spacing: Theme.spacing
                    width: Math.min(parent.width - 120, 560)

                    Rectangle {
                        visible: window.pickingDestination
                        width: parent.width
                        height: pickRow.implicitHeight + 2 * Theme.spacing
                        radius: Theme.radius
                        color: Theme.info
                        border.color: Theme.accent
                        RowLayout {
                            id: pickRow
                            anchors.fill: parent
                            anchors.margins: Theme.spacing
                            Label {
                                Layout.fillWidth: true
                                text: qsTr("Click the map where the package goes.")
                                color: Theme.text
                                wrapMode: Text.WordWrap
                            }
                            Button {
                                text: qsTr("Back")
                                onClicked: {
                                    window.pickingDestination = false;
                                    newPackageDialog.open();
                                }
                            }
                        }
                    }

                    Rectangle {
                        id: errorBanner
                        objectName: "errorBanner"
                        property string message: ""
                        visible: false
                        width: parent.width
                        height: errorRow.implicitHeight + 2 * Theme.spacing
                        radius: Theme.radius
                        color: Theme.dangerBackground
                        border.color: Theme.danger
                        RowLayout {
                            id: errorRow
                            anchors.fill: parent
                            anchors.margins: Theme.spacing
                            Label {
                                Layout.fillWidth: true
                                text: errorBanner.message
                                color: Theme.danger
                                wrapMode: Text.WordWrap
                            }
                            ToolButton {
                                text: qsTr("Dismiss")
                                onClicked: errorBanner.visible = false
                            }
                        }
                        Timer {
                            id: errorTimer
                            interval: 8000
                            onTriggered: errorBanner.visible = false
                        }
                    }
                }
            }

            ReplayBar {
                objectName: "replayBar"
                Layout.fillWidth: true
                replay: window.replay
            }

            Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

            EventFeed {
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.feedHeight
                model: window.controller.events
                onPackageActivated: id => window.selectPackage(id)
            }
        }

        Rectangle { Layout.fillHeight: true; width: 1; color: Theme.border }

        CouriersPanel {
            id: couriersPanel
            objectName: "couriersPanel"
            Layout.preferredWidth: Theme.couriersPanelWidth
            Layout.fillHeight: true
            model: window.controller.couriers
            onAddRequested: addCourierDialog.open()
            onPackageDropped: (packageId, courierId) => window.controller.assign(packageId, courierId)
            onLinkRequested: (username, name) => linkDialog.show(name, window.controller.courierPageUrl(username), "")
            onPasswordChangeRequested: (courierId, name, username) => passwordDialog.ask(courierId, name, username)
            onActiveChangeRequested: (courierId, active) => window.controller.setCourierActive(courierId, active)
        }
    }

    NewPackageDialog {
        id: newPackageDialog
        objectName: "newPackageDialog"
        onPickRequested: {
            close();
            window.pickingDestination = true;
        }
        onCreateRequested: (recipient, address, lat, lon, notes) => {
            const id = window.controller.createPackage(recipient, address, lat, lon, notes,
                                                       newPackageDialog.recipientEmail);
            if (id.length > 0)
                window.selectPackage(id);
        }
    }

    ReasonDialog {
        id: reasonDialog
        onReasonGiven: (action, packageId, reason) => {
            if (action === "fail")
                window.controller.fail(packageId, reason);
            else
                window.controller.cancel(packageId, reason);
        }
    }

    AddCourierDialog {
        id: addCourierDialog
        objectName: "addCourierDialog"
        passwordSource: () => window.controller.generatePassword()
        onCreateRequested: (name, username, password, phone, deviceId) => {
            // The link dialog shows the new courier's login once they are in place.
            const created = window.controller.courierCreated;
            const refused = window.controller.errorOccurred;
            const stopWaiting = () => {
                created.disconnect(onCreated);
                refused.disconnect(stopWaiting);
            };
            const onCreated = (courierId, login) => {
                stopWaiting();
                linkDialog.show(name, window.controller.courierPageUrl(login), password);
            };
            if (window.controller.createCourier(name, username, password, phone, deviceId)) {
                created.connect(onCreated);
                refused.connect(stopWaiting);
            }
        }
    }

    CourierPasswordDialog {
        id: passwordDialog
        objectName: "courierPasswordDialog"
        passwordSource: () => window.controller.generatePassword()
        onPasswordChosen: (courierId, password) => {
            // The link dialog shows the new password once it is in place.
            const name = courierName;
            const login = username;
            const shown = window.controller.courierPasswordChanged;
            const onChanged = changedId => {
                shown.disconnect(onChanged);
                if (changedId === courierId)
                    linkDialog.show(name, window.controller.courierPageUrl(login), password);
            };
            if (window.controller.changeCourierPassword(courierId, password))
                shown.connect(onChanged);
        }
    }

    DayRecordsDialog {
        id: dayRecordsDialog
        objectName: "dayRecordsDialog"
        records: window.records
        onFailed: message => window.showError(message)
        onReplayRequested: (courierId, name) => {
            if (!window.replay)
                return;
            close();
            window.replay.load(courierId, name, window.records.date);
        }
    }

    Connections {
        target: window.replay
        function onLoadedChanged() {
            const points = window.replay.loaded ? window.replay.allCoordinates() : [];
            if (points.length > 0)
                mapPane.map.fitBounds(points);
        }
    }

    WebhooksDialog {
        id: webhooksDialog
        objectName: "webhooksDialog"
        webhooks: window.webhooks
    }

    CourierLinkDialog {
        id: linkDialog
        objectName: "linkDialog"
        fingerprint: window.controller.tlsFingerprint
    }

    Shortcut {
        sequence: StandardKey.Cancel
        enabled: window.pickingDestination
        onActivated: {
            window.pickingDestination = false;
            newPackageDialog.open();
        }
    }
}
