pragma Singleton
import QtQuick

// The console's colours and sizes in one place. Light or dark follows the system palette
// unless the dispatcher picks one; status colours are the map's, so lists and pins agree.
QtObject {
    id: theme

    enum Mode { System, Light, Dark }
    property int mode: Theme.Mode.System

    readonly property SystemPalette systemPalette: SystemPalette { colorGroup: SystemPalette.Active }
    readonly property bool systemIsDark: systemPalette.window.hslLightness < 0.5
    readonly property bool dark: mode === Theme.Mode.Dark
                                 || (mode === Theme.Mode.System && systemIsDark)

    // The names the console's settings store the mode by.
    readonly property var modeNames: ["system", "light", "dark"]
    function modeName() {
        return modeNames[mode];
    }
    function setModeName(name) {
        const found = modeNames.indexOf(name);
        if (found >= 0)
            mode = found;
    }

    function cycleMode() {
        mode = mode === Theme.Mode.System ? Theme.Mode.Light
             : mode === Theme.Mode.Light ? Theme.Mode.Dark : Theme.Mode.System;
    }
    function modeLabel() {
        return mode === Theme.Mode.Light ? qsTr("Light")
             : mode === Theme.Mode.Dark ? qsTr("Dark") : qsTr("System");
    }

    // Surfaces and text
    readonly property color window: dark ? "#1b1f23" : "#f3f5f7"
    readonly property color panel: dark ? "#23282d" : "#ffffff"
    readonly property color panelHeader: dark ? "#2b3137" : "#eef1f4"
    readonly property color field: dark ? "#1b1f23" : "#ffffff"
    readonly property color border: dark ? "#3a424a" : "#d5dbe1"
    readonly property color text: dark ? "#e6e9ec" : "#1f2328"
    readonly property color textMuted: dark ? "#9aa4ae" : "#5f6b76"
    readonly property color accent: dark ? "#4ea1f3" : "#1565c0"
    readonly property color accentText: "#ffffff"
    readonly property color hover: dark ? "#2f363d" : "#f0f4f8"
    readonly property color selected: dark ? "#1f3a57" : "#dceafb"
    readonly property color dropTarget: dark ? "#2e4d2f" : "#dff3e0"
    readonly property color danger: dark ? "#ef5350" : "#c62828"
    readonly property color dangerBackground: dark ? "#4a1f1f" : "#fdecea"
    readonly property color info: dark ? "#26384a" : "#e3f2fd"
    readonly property color statusBar: dark ? "#15181b" : "#e4e8ec"

    // Package statuses and courier states, as the hub names them
    readonly property var statusColors: MapTheme.packageStatuses
    readonly property var courierStateColors: MapTheme.courierStates
    readonly property var statuses: ["PENDING", "ASSIGNED", "IN_PROGRESS", "COMPLETED", "FAILED",
                                     "CANCELLED"]

    function statusColor(status) {
        return statusColors[status] !== undefined ? statusColors[status] : textMuted;
    }
    function statusLabel(status) {
        switch (status) {
        case "": return qsTr("All");
        case "PENDING": return qsTr("Pending");
        case "ASSIGNED": return qsTr("Assigned");
        case "IN_PROGRESS": return qsTr("In progress");
        case "COMPLETED": return qsTr("Completed");
        case "FAILED": return qsTr("Failed");
        case "CANCELLED": return qsTr("Cancelled");
        }
        return status;
    }
    function courierStateLabel(state) {
        switch (state) {
        case "free": return qsTr("Free");
        case "busy": return qsTr("Delivering");
        case "offline": return qsTr("Offline");
        }
        return state;
    }
    // "just now", "5 min ago", ...: how long since `then`, seen from `now`.
    function ago(then, now) {
        if (!then || isNaN(then.getTime()))
            return qsTr("never");
        const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
        if (seconds < 60)
            return qsTr("just now");
        if (seconds < 3600)
            return qsTr("%1 min ago").arg(Math.floor(seconds / 60));
        if (seconds < 86400)
            return qsTr("%1 h ago").arg(Math.floor(seconds / 3600));
        return Qt.formatDate(then, Qt.DefaultLocaleShortDate);
    }

    // Sizes
    readonly property int spacing: 6
    readonly property int margin: 10
    readonly property int radius: 4
    readonly property int sidePanelWidth: 340
    readonly property int couriersPanelWidth: 300
    readonly property int feedHeight: 170
    readonly property int rowHeight: 56
    readonly property int dotSize: 10
    readonly property int fontSmall: 11
    readonly property int fontNormal: 13
    readonly property int fontTitle: 15
    readonly property int qrSize: 240
}
