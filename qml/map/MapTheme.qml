pragma Singleton
import QtQuick

// The map's colours and sizes in one place; markers take theirs from here too.
QtObject {
    readonly property color background: "#e8ecef"
    readonly property color graticule: "#cfd6dc"
    readonly property color outline: "#ffffff"
    readonly property color selection: "#ffb300"
    readonly property color trail: "#1e88e5"
    readonly property color label: "#212121"
    readonly property color labelHalo: "#ffffff"
    readonly property color depot: "#37474f"
    readonly property color overlay: "#d9ffffff"
    readonly property color overlayText: "#37474f"
    readonly property color scaleBar: "#37474f"

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
