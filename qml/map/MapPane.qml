import QtQuick
import QtQuick.Controls
import Depot.Map

// The map with its controls: zoom, fit all, follow, the scale bar and the tiles' attribution.
// Give it models whose roles MarkerLayer documents (latitude, longitude, heading, state, label).
Item {
    id: pane

    property var courierModel: null
    property var packageModel: null
    property real depotLatitude: NaN
    property real depotLongitude: NaN
    property string depotName: qsTr("Depot")
    // With both set, the selected courier shows only their packages: a package row's
    // packageCourierRole value is compared with the courier row's courierKeyRole value.
    property string packageCourierRole: ""
    property string courierKeyRole: "id"

    property alias map: map
    property alias couriers: courierLayer
    property alias packages: packageLayer
    property alias selectedCourier: courierLayer.selectedRow
    property alias following: courierLayer.follow
    property alias courierTrail: courierLayer.trail
    // A courier's day played back (a ReplayController): while it is loaded, the live markers
    // give way to the replayed courier, their trail so far and their packages' events.
    property var replay: null
    readonly property bool replaying: replay !== null && replay.loaded

    signal courierClicked(int row)
    signal packageClicked(int row)

    function fitAll() {
        map.fitBounds(courierLayer.coordinates().concat(packageLayer.coordinates(),
                                                        depotLayer.coordinates()));
    }

    function updateDepot() {
        depotModel.clear();
        if (!isNaN(depotLatitude) && !isNaN(depotLongitude))
            depotModel.append({ latitude: depotLatitude, longitude: depotLongitude,
                                label: depotName });
    }

    onDepotLatitudeChanged: updateDepot()
    onDepotLongitudeChanged: updateDepot()
    onDepotNameChanged: updateDepot()
    Component.onCompleted: updateDepot()

    ListModel { id: depotModel }
    ListModel { id: replayCourierModel }
    ListModel { id: replayEventModel }
    Connections {
        target: pane.replay
        function onPositionChanged() {
            // The courier's row is moved in place: the layer keeps it selected, with its trail.
            const courier = pane.replay.courier;
            if (courier.length === 0)
                replayCourierModel.clear();
            else if (replayCourierModel.count === 0)
                replayCourierModel.append(courier[0]);
            else
                replayCourierModel.set(0, courier[0]);
            const events = pane.replay.events;
            if (events.length < replayEventModel.count)
                replayEventModel.clear();
            for (let i = 0; i < events.length; ++i) {
                if (i < replayEventModel.count)
                    replayEventModel.set(i, events[i]);
                else
                    replayEventModel.append(events[i]);
            }
        }
    }

    MapView {
        id: map
        anchors.fill: parent
        focus: true
        tileSource: MapSettings.tileSource
        backgroundColor: MapTheme.background
        graticuleColor: MapTheme.graticule
        darkTiles: MapTheme.dark

        onClicked: point => {
            if (courierLayer.markerAt(point) < 0 && packageLayer.markerAt(point) < 0)
                courierLayer.selectedRow = -1;
        }

        MarkerLayer {
            id: packageLayer
            visible: !pane.replaying
            shape: MarkerLayer.Pin
            model: pane.packageModel
            markerSize: MapTheme.pinSize
            stateColors: MapTheme.packageStatuses
            outlineColor: MapTheme.outline
            labelColor: MapTheme.label
            labelHaloColor: MapTheme.labelHalo
            selectionColor: MapTheme.selection
            labelZoom: 17
            glideDuration: 0
            filterRole: pane.packageCourierRole
            filterValue: pane.packageCourierRole.length > 0 && courierLayer.selectedRow >= 0
                         ? courierLayer.valueAt(courierLayer.selectedRow, pane.courierKeyRole)
                         : undefined
            onMarkerClicked: row => pane.packageClicked(row)
        }

        MarkerLayer {
            id: depotLayer
            shape: MarkerLayer.Depot
            model: depotModel
            markerSize: MapTheme.depotSize
            defaultColor: MapTheme.depot
            outlineColor: MapTheme.outline
            labelColor: MapTheme.label
            labelHaloColor: MapTheme.labelHalo
            labelZoom: 12
            glideDuration: 0
        }

        MarkerLayer {
            id: courierLayer
            visible: !pane.replaying
            shape: MarkerLayer.Courier
            model: pane.courierModel
            markerSize: MapTheme.courierSize
            stateColors: MapTheme.courierStates
            outlineColor: MapTheme.outline
            selectionColor: MapTheme.selection
            trailColor: MapTheme.trail
            labelColor: MapTheme.label
            labelHaloColor: MapTheme.labelHalo
            labelZoom: 15
            // A city-wide fleet reads better (and draws faster) as dots.
            compactZoom: 12
            onMarkerClicked: row => {
                courierLayer.selectedRow = row;
                pane.courierClicked(row);
            }
        }

        MarkerLayer {
            id: replayEventLayer
            objectName: "replayEventLayer"
            shape: MarkerLayer.Pin
            model: replayEventModel
            markerSize: MapTheme.pinSize
            stateColors: MapTheme.packageStatuses
            outlineColor: MapTheme.outline
            labelColor: MapTheme.label
            labelHaloColor: MapTheme.labelHalo
            labelZoom: 13
            glideDuration: 0
        }

        MarkerLayer {
            id: replayLayer
            objectName: "replayCourierLayer"
            shape: MarkerLayer.Courier
            model: replayCourierModel
            markerSize: MapTheme.courierSize
            stateColors: MapTheme.courierStates
            outlineColor: MapTheme.outline
            selectionColor: MapTheme.selection
            trailColor: MapTheme.trail
            labelColor: MapTheme.label
            labelHaloColor: MapTheme.labelHalo
            labelZoom: 0
            glideDuration: 0
            selectedRow: replayCourierModel.count > 0 ? 0 : -1
            trailLength: 0
            trail: pane.replaying ? pane.replay.trail : []
        }
    }

    Column {
        anchors.top: parent.top
        anchors.right: parent.right
        anchors.margins: MapTheme.margin
        spacing: MapTheme.spacing

        RoundButton {
            text: qsTr("+")
            onClicked: map.zoomIn()
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Zoom in")
            Accessible.name: qsTr("Zoom in")
        }
        RoundButton {
            text: qsTr("−")
            onClicked: map.zoomOut()
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Zoom out")
            Accessible.name: qsTr("Zoom out")
        }
        RoundButton {
            text: qsTr("⤢")
            onClicked: pane.fitAll()
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Show all couriers and packages")
            Accessible.name: qsTr("Fit all")
        }
        RoundButton {
            text: qsTr("◎")
            checkable: true
            checked: courierLayer.follow
            enabled: courierLayer.selectedRow >= 0
            onToggled: courierLayer.follow = checked
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Follow the selected courier")
            Accessible.name: qsTr("Follow")
        }
    }

    // The scale bar: always there, since a graticule alone says nothing about distance.
    Rectangle {
        anchors.left: parent.left
        anchors.bottom: parent.bottom
        anchors.margins: MapTheme.margin
        width: scaleColumn.width + 2 * MapTheme.spacing
        height: scaleColumn.height + 2 * MapTheme.spacing
        radius: 3
        color: MapTheme.overlay

        Column {
            id: scaleColumn
            anchors.centerIn: parent
            spacing: 2
            Text {
                color: MapTheme.overlayText
                font.pixelSize: MapTheme.fontSize
                text: map.scaleBarMeters >= 1000
                      ? qsTr("%1 km").arg(map.scaleBarMeters / 1000)
                      : qsTr("%1 m").arg(map.scaleBarMeters)
            }
            Rectangle {
                width: Math.max(1, map.scaleBarWidth)
                height: 3
                color: MapTheme.scaleBar
            }
        }
    }

    // The tiles' attribution, which their licence asks to be on screen.
    Rectangle {
        visible: map.attribution.length > 0
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        width: attributionText.implicitWidth + 2 * MapTheme.spacing
        height: attributionText.implicitHeight + 2 * MapTheme.spacing
        color: MapTheme.overlay

        Text {
            id: attributionText
            anchors.centerIn: parent
            color: MapTheme.overlayText
            font.pixelSize: MapTheme.fontSize
            text: map.attribution
        }
        MouseArea {
            anchors.fill: parent
            enabled: map.attribution.indexOf("OpenStreetMap") >= 0
            cursorShape: enabled ? Qt.PointingHandCursor : Qt.ArrowCursor
            onClicked: Qt.openUrlExternally("https://www.openstreetmap.org/copyright")
        }
    }
}
