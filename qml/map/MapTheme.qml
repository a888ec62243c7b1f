pragma Singleton
import QtQuick
import Depot.Console

// The map's colours and sizes in one place; markers take theirs from here too. In the dark
// theme the map goes dark as well (tiles dimmed with their lightness inverted), and markers keep
// a light outline so they stand out on either.
QtObject {
    readonly property bool dark: Theme.dark

    readonly property color background: dark ? "#1e2428" : "#e8ecef"
    readonly property color graticule: dark ? "#343d45" : "#cfd6dc"
    readonly property color outline: dark ? "#f5f7f8" : "#ffffff"
    readonly property color selection: "#ffb300"
    readonly property color trail: dark ? "#64b5f6" : "#1e88e5"
    readonly property color label: dark ? "#eceff1" : "#212121"
    readonly property color labelHalo: dark ? "#101417" : "#ffffff"
    readonly property color depot: dark ? "#78909c" : "#37474f"
    readonly property color overlay: dark ? "#d91b1f23" : "#d9ffffff"
    readonly property color overlayText: dark ? "#dde3e8" : "#37474f"
    readonly property color scaleBar: dark ? "#dde3e8" : "#37474f"

    // Courier states and package statuses as the hub names them.
    readonly property var courierStates: ({
        "free": "#2e7d32",
        "busy": "#1e88e5",
        "offline": "#9e9e9e"
    })
    readonly property var packageStatuses: ({
        "PENDING": "#8e24aa",
        "ASSIGNED": "#fb8c00",
        "IN_PROGRESS": "#1e88e5",
        "COMPLETED": "#43a047",
        "FAILED": "#e53935",
        "CANCELLED": "#757575"
    })

    readonly property real courierSize: 16
    readonly property real pinSize: 16
    readonly property real depotSize: 20
    readonly property int margin: 8
    readonly property int spacing: 4
    readonly property int fontSize: 11
}
