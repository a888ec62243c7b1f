#include "mapview.h"
#include "markerlayer.h"
#include "tilefixtures.h"
#include "tilesource.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickView>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <memory>

Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)

using namespace depot;

namespace {

enum Roles { Latitude = Qt::UserRole + 1, Longitude, State, Label, Heading, CourierId };

const QColor kFree(0x2e, 0x7d, 0x32);
const QColor kBusy(0x1e, 0x88, 0xe5);
const QColor kOffline(0x9e, 0x9e, 0x9e);
const QColor kBackground(0xe8, 0xec, 0xef);
const QColor kGraticule(0xcf, 0xd6, 0xdc);

bool near(const QColor &a, const QColor &b, int tolerance = 6)
{
    return std::abs(a.red() - b.red()) <= tolerance &&
           std::abs(a.green() - b.green()) <= tolerance &&
           std::abs(a.blue() - b.blue()) <= tolerance;
}

QString describe(const QColor &color)
{
    return color.name(QColor::HexArgb);
}

QStandardItem *courier(double lat, double lon, const QString &state, const QString &name)
{
    auto *item = new QStandardItem(name);
    item->setData(lat, Latitude);
    item->setData(lon, Longitude);
    item->setData(state, State);
    item->setData(name, Label);
    item->setData(90.0, Heading);
    return item;
}

QByteArray png(const QColor &color)
{
    QImage image(256, 256, QImage::Format_RGB32);
    image.fill(color);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

bool writeSolidMbTiles(const QString &path, const QColor &color)
{
    // Every tile of zooms 0 to 3 in one colour.
    const QByteArray tile = png(color);
    QList<test::StoredTile> tiles;
    for (int z = 0; z <= 3; ++z) {
        for (int x = 0; x < (1 << z); ++x) {
            for (int y = 0; y < (1 << z); ++y)
                tiles.append({z, x, y, tile});
        }
    }
    return test::writeMbTiles(path, tiles, {{QStringLiteral("maxzoom"), QStringLiteral("3")}});
}

} // namespace

class TestMapView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void pointAtAndCoordinateAtAgree();
    void drawsMarkersWherePointAtSays();
    void drawsAGraticuleWithoutTiles();
    void movedMarkersAreRedrawn();
    void markerAtFindsMarkers();
    void clickOnMarkerIsReported();
    void dragPans();
    void wheelZoomsAroundTheCursor();
    void keyboardPansAndZooms();
    void fitBoundsShowsEveryMarker();
    void glidesBetweenFixes();
    void followKeepsTheSelectedMarkerCentred();
    void filterHidesRows();
    void rowsInsertedAndRemovedKeepSelection();
    void drawsTilesFromMbTiles();
    void darkTilesInvertLightnessAndKeepHue();
    void couriersAreDotsBelowCompactZoom();
    void registeredInQml();
    void twoThousandMarkersMove();
    void aFleetIsDrawnInRowOrderWithTheSelectedOnTop();

private:
    QImage grab();

    std::unique_ptr<QQuickView> m_view;
    MapView *m_map = nullptr;
    MarkerLayer *m_layer = nullptr;
    std::unique_ptr<QStandardItemModel> m_model;
};

void TestMapView::init()
{
    m_model = std::make_unique<QStandardItemModel>();
    m_model->setItemRoleNames({{Latitude, "latitude"},
                               {Longitude, "longitude"},
                               {State, "state"},
                               {Label, "label"},
                               {Heading, "heading"},
                               {CourierId, "courierId"}});
    m_model->appendRow(courier(52.52, 13.40, QStringLiteral("free"), QStringLiteral("Ada")));
    m_model->appendRow(courier(52.50, 13.30, QStringLiteral("busy"), QStringLiteral("Bob")));
    m_model->appendRow(courier(52.55, 13.48, QStringLiteral("offline"), QStringLiteral("Cy")));

    m_view = std::make_unique<QQuickView>();
    m_view->resize(400, 300);
    m_view->setColor(Qt::black);
    m_map = new MapView(m_view->contentItem());
    m_map->setSize(QSizeF(400, 300));
    m_map->setCenter(QGeoCoordinate(52.52, 13.40));
    m_map->setZoom(11);
    m_layer = new MarkerLayer(m_map);
    m_layer->setGlideDuration(0);
    m_layer->setLabelZoom(30); // no labels: the pixels under test are the markers'
    m_layer->setModel(m_model.get());
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestMapView::cleanup()
{
    m_view.reset();
    m_model.reset();
    m_map = nullptr;
    m_layer = nullptr;
}

QImage TestMapView::grab()
{
    // Let pending polish and sync run before reading pixels back.
    QCoreApplication::processEvents();
    return m_view->grabWindow();
}

void TestMapView::pointAtAndCoordinateAtAgree()
{
    QCOMPARE(m_map->pointAt(QGeoCoordinate(52.52, 13.40)), QPointF(200, 150));
    for (const QPointF point : {QPointF(0, 0), QPointF(123.5, 77.25), QPointF(400, 300)}) {
        const QPointF back = m_map->pointAt(m_map->coordinateAt(point));
        QVERIFY(QLineF(back, point).length() < 1e-6);
    }
    // North is up, east is right.
    const QGeoCoordinate topLeft = m_map->coordinateAt(QPointF(0, 0));
    QVERIFY(topLeft.latitude() > 52.52);
    QVERIFY(topLeft.longitude() < 13.40);
}

void TestMapView::drawsMarkersWherePointAtSays()
{
    const QImage image = grab();
    QCOMPARE(image.size(), QSize(400, 300) * m_view->devicePixelRatio());
    const QList<std::pair<QGeoCoordinate, QColor>> expected = {
        {QGeoCoordinate(52.52, 13.40), kFree},
        {QGeoCoordinate(52.50, 13.30), kBusy},
        {QGeoCoordinate(52.55, 13.48), kOffline}};
    for (const auto &[coordinate, color] : expected) {
        const QPointF at = m_map->pointAt(coordinate) * m_view->devicePixelRatio();
        const QColor got = image.pixelColor(at.toPoint());
        QVERIFY2(near(got, color),
                 qPrintable(describe(got) + QStringLiteral(" at ") + QString::number(at.x()) +
                            QLatin1Char(',') + QString::number(at.y())));
    }
}

void TestMapView::drawsAGraticuleWithoutTiles()
{
    const QImage image = grab();
    int background = 0;
    for (int x = 0; x < 400; x += 3) {
        const QColor got = image.pixelColor(x, 280);
        background += near(got, kBackground, 2);
    }
    QVERIFY2(background > 100, qPrintable(QString::number(background)));
    // Vertical lines cross the bottom row: every 150 pixels or so.
    int columns = 0;
    for (int x = 0; x < 400; ++x)
        columns += near(image.pixelColor(x, 280), kGraticule, 2);
    QVERIFY2(columns >= 1, qPrintable(QString::number(columns)));
}

void TestMapView::movedMarkersAreRedrawn()
{
    const QPointF before = m_map->pointAt(QGeoCoordinate(52.50, 13.30));
    m_model->item(1)->setData(52.48, Latitude);
    m_model->item(1)->setData(13.36, Longitude);
    const QPointF after = m_map->pointAt(QGeoCoordinate(52.48, 13.36));
    QVERIFY(QRectF(0, 0, 400, 300).contains(after));
    QTRY_VERIFY(near(grab().pixelColor(after.toPoint()), kBusy));
    const QColor old = grab().pixelColor(before.toPoint());
    QVERIFY2(near(old, kBackground, 2) || near(old, kGraticule, 2), qPrintable(describe(old)));
}

void TestMapView::markerAtFindsMarkers()
{
    QCOMPARE(m_layer->markerAt(m_map->pointAt(QGeoCoordinate(52.50, 13.30))), 1);
    QCOMPARE(m_layer->markerAt(m_map->pointAt(QGeoCoordinate(52.50, 13.30)) + QPointF(5, 3)), 1);
    QCOMPARE(m_layer->markerAt(QPointF(5, 295)), -1);
    QCOMPARE(m_layer->count(), 3);
    QCOMPARE(m_layer->valueAt(2, QStringLiteral("label")).toString(), QStringLiteral("Cy"));
    const QGeoCoordinate c = m_layer->coordinateOf(0);
    QVERIFY(std::abs(c.latitude() - 52.52) < 1e-9 && std::abs(c.longitude() - 13.40) < 1e-9);
}

void TestMapView::clickOnMarkerIsReported()
{
    QSignalSpy clicked(m_layer, &MarkerLayer::markerClicked);
    QSignalSpy mapClicked(m_map, &MapView::clicked);
    const QPoint at = m_map->pointAt(QGeoCoordinate(52.55, 13.48)).toPoint();
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, at);
    QCOMPARE(mapClicked.size(), 1);
    QCOMPARE(clicked.size(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 2);
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, QPoint(10, 290));
    QCOMPARE(clicked.size(), 1);
}

void TestMapView::dragPans()
{
    QSignalSpy interacted(m_map, &MapView::userInteracted);
    const QGeoCoordinate grabbed = m_map->coordinateAt(QPointF(100, 100));
    QTest::mousePress(m_view.get(), Qt::LeftButton, {}, QPoint(100, 100));
    QTest::mouseMove(m_view.get(), QPoint(120, 110));
    QTest::mouseMove(m_view.get(), QPoint(160, 130));
    QTest::mouseRelease(m_view.get(), Qt::LeftButton, {}, QPoint(160, 130));
    // What was under the cursor moved with it.
    const QPointF now = m_map->pointAt(grabbed);
    QVERIFY2(QLineF(now, QPointF(160, 130)).length() < 0.5,
             qPrintable(QStringLiteral("%1,%2").arg(now.x()).arg(now.y())));
    QVERIFY(interacted.size() >= 1);
    // And the markers followed.
    const QPointF marker = m_map->pointAt(QGeoCoordinate(52.52, 13.40));
    QTRY_VERIFY(near(grab().pixelColor(marker.toPoint()), kFree));
}

void TestMapView::wheelZoomsAroundTheCursor()
{
    const QPointF cursor(300, 80);
    const QGeoCoordinate under = m_map->coordinateAt(cursor);
    const double zoom = m_map->zoom();
    QWheelEvent wheel(cursor, m_view->mapToGlobal(cursor), QPoint(), QPoint(0, 240), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QGuiApplication::sendEvent(m_view.get(), &wheel);
    QCOMPARE(m_map->zoom(), zoom + 1);
    QVERIFY(QLineF(m_map->pointAt(under), cursor).length() < 1e-6);
}

void TestMapView::keyboardPansAndZooms()
{
    m_map->forceActiveFocus();
    QVERIFY(m_map->hasActiveFocus());
    const QGeoCoordinate center = m_map->center();
    QTest::keyClick(m_view.get(), Qt::Key_Right);
    QVERIFY(m_map->center().longitude() > center.longitude());
    QTest::keyClick(m_view.get(), Qt::Key_Plus);
    QCOMPARE(m_map->zoom(), 12.0);
    QTest::keyClick(m_view.get(), Qt::Key_Minus);
    QTest::keyClick(m_view.get(), Qt::Key_Minus);
    QCOMPARE(m_map->zoom(), 10.0);
}

void TestMapView::fitBoundsShowsEveryMarker()
{
    m_map->setZoom(3);
    m_map->fitBounds(m_layer->coordinates(), 20);
    QVERIFY(m_map->zoom() > 9);
    const QRectF inner(19.9, 19.9, 360.2, 260.2);
    for (const QVariant &value : m_layer->coordinates())
        QVERIFY(inner.contains(m_map->pointAt(value.value<QGeoCoordinate>())));
    // One point: centred at street level.
    m_map->fitBounds({QVariant::fromValue(QGeoCoordinate(48.2, 16.37))});
    QCOMPARE(m_map->zoom(), 17.0);
    QVERIFY(QLineF(m_map->pointAt(QGeoCoordinate(48.2, 16.37)), QPointF(200, 150)).length() < 1e-6);
    // JavaScript objects work too.
    m_map->fitBounds(
        {QVariantMap{{QStringLiteral("latitude"), 10.0}, {QStringLiteral("longitude"), 20.0}}});
    QVERIFY(std::abs(m_map->center().latitude() - 10.0) < 1e-9);
}

void TestMapView::glidesBetweenFixes()
{
    qint64 clock = 1000;
    m_layer->setClock([&] { return clock; });
    m_layer->setGlideDuration(1000);
    const QGeoCoordinate from = m_layer->coordinateOf(0);
    m_model->item(0)->setData(52.53, Latitude);
    QVERIFY(m_layer->isGliding());
    QVERIFY(std::abs(m_layer->coordinateOf(0).latitude() - from.latitude()) < 1e-9);
    clock += 500;
    const double middle = m_layer->coordinateOf(0).latitude();
    QVERIFY2(middle > 52.52 + 0.004 && middle < 52.53 - 0.004, qPrintable(QString::number(middle)));
    clock += 500;
    QVERIFY(std::abs(m_layer->coordinateOf(0).latitude() - 52.53) < 1e-9);
    QVERIFY(!m_layer->isGliding());
    // Far jumps do not glide across the map.
    m_model->item(0)->setData(10.0, Latitude);
    QVERIFY(std::abs(m_layer->coordinateOf(0).latitude() - 10.0) < 1e-9);
}

void TestMapView::followKeepsTheSelectedMarkerCentred()
{
    m_layer->setSelectedRow(1);
    m_layer->setFollow(true);
    QVERIFY(QLineF(m_map->pointAt(QGeoCoordinate(52.50, 13.30)), QPointF(200, 150)).length() <
            1e-6);
    m_model->item(1)->setData(52.49, Latitude);
    QVERIFY(QLineF(m_map->pointAt(QGeoCoordinate(52.49, 13.30)), QPointF(200, 150)).length() <
            1e-6);
    // The selected courier is drawn with its halo at the middle.
    QTRY_VERIFY(near(grab().pixelColor(200, 150), kBusy));
    // Panning by hand stops following.
    m_map->forceActiveFocus();
    QTest::keyClick(m_view.get(), Qt::Key_Left);
    QVERIFY(!m_layer->follow());
}

void TestMapView::filterHidesRows()
{
    m_model->item(0)->setData(QStringLiteral("c1"), CourierId);
    m_model->item(1)->setData(QStringLiteral("c2"), CourierId);
    m_layer->setFilterRole(QStringLiteral("courierId"));
    m_layer->setFilterValue(QStringLiteral("c2"));
    QCOMPARE(m_layer->coordinates().size(), 1);
    QCOMPARE(m_layer->markerAt(m_map->pointAt(QGeoCoordinate(52.52, 13.40))), -1);
    const QColor hidden = grab().pixelColor(m_map->pointAt(QGeoCoordinate(52.52, 13.40)).toPoint());
    QVERIFY2(!near(hidden, kFree), qPrintable(describe(hidden)));
    m_layer->setFilterValue(QVariant());
    QCOMPARE(m_layer->coordinates().size(), 3);
}

void TestMapView::rowsInsertedAndRemovedKeepSelection()
{
    m_layer->setSelectedRow(1);
    m_model->insertRow(0, courier(52.51, 13.35, QStringLiteral("free"), QStringLiteral("Dee")));
    QCOMPARE(m_layer->count(), 4);
    QCOMPARE(m_layer->selectedRow(), 2);
    QCOMPARE(m_layer->markerAt(m_map->pointAt(QGeoCoordinate(52.51, 13.35))), 0);
    m_model->removeRow(0);
    QCOMPARE(m_layer->selectedRow(), 1);
    m_model->removeRow(1);
    QCOMPARE(m_layer->selectedRow(), -1);
    QCOMPARE(m_layer->count(), 2);
}

void TestMapView::drawsTilesFromMbTiles()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("solid.mbtiles"));
    const QColor tileColor(0xaa, 0x33, 0x66);
    QVERIFY(writeSolidMbTiles(path, tileColor));

    MbTilesSource source(path);
    QVERIFY(source.isValid());
    m_map->setTileSource(&source);
    // Zoom 11 over a source that stops at 3: its tiles are stretched, not missing.
    QTRY_VERIFY(m_map->loadedTileCount() > 0);
    QTRY_VERIFY(near(grab().pixelColor(10, 290), tileColor));
    // Markers stay on top of the tiles.
    QVERIFY(near(grab().pixelColor(m_map->pointAt(QGeoCoordinate(52.52, 13.40)).toPoint()), kFree));
    m_map->setTileSource(nullptr);
}

void TestMapView::darkTilesInvertLightnessAndKeepHue()
{
    // A light land colour turns dark, a light water blue turns dark blue, markers stay as they
    // are; switching back restores the tiles' own colours.
    QTemporaryDir dir;
    for (const auto &[light, darkMaximum] :
         {std::pair{QColor(0xf2, 0xef, 0xe9), 60}, std::pair{QColor(0xaa, 0xd3, 0xdf), 110}}) {
        const QString path = dir.filePath(light.name().mid(1) + QStringLiteral(".mbtiles"));
        QVERIFY(writeSolidMbTiles(path, light));
        MbTilesSource source(path);
        QVERIFY(source.isValid());
        m_map->setTileSource(&source);
        QTRY_VERIFY(near(grab().pixelColor(10, 290), light));

        m_map->setDarkTiles(true);
        QTRY_VERIFY(grab().pixelColor(10, 290).lightness() < darkMaximum);
        const QColor dark = grab().pixelColor(10, 290);
        if (light.hslSaturation() > 40) {
            // Same hue family: blue stays blue.
            QVERIFY2(std::abs(dark.hslHue() - light.hslHue()) < 20,
                     qPrintable(describe(dark) + QStringLiteral(" from ") + describe(light)));
        }
        QVERIFY(
            near(grab().pixelColor(m_map->pointAt(QGeoCoordinate(52.52, 13.40)).toPoint()), kFree));

        m_map->setDarkTiles(false);
        QTRY_VERIFY(near(grab().pixelColor(10, 290), light));
        m_map->setTileSource(nullptr);
    }
}

void TestMapView::couriersAreDotsBelowCompactZoom()
{
    // Ada heads east (90°): her arrow reaches about one marker size east of her spot.
    const QPoint ada = m_map->pointAt(QGeoCoordinate(52.52, 13.40)).toPoint();
    const QPoint arrow = ada + QPoint(int(m_layer->markerSize() * 0.7), 0);
    QVERIFY(!near(grab().pixelColor(arrow), kBackground));

    m_layer->setCompactZoom(12); // the map is at 11
    // The dot may come a frame after the arrow went: both are waited for.
    QTRY_VERIFY(near(grab().pixelColor(arrow), kBackground));
    QTRY_VERIFY(near(grab().pixelColor(ada), kFree));
    // The selected courier keeps the full marker with its arrow.
    m_layer->setSelectedRow(0);
    QTRY_VERIFY(!near(grab().pixelColor(arrow), kBackground));
    m_layer->setSelectedRow(-1);
    // Zoomed in past it, every courier has its arrow again.
    m_map->setZoom(12);
    const QPoint arrowAt12 = m_map->pointAt(QGeoCoordinate(52.52, 13.40)).toPoint() +
                             QPoint(int(m_layer->markerSize() * 0.7), 0);
    QTRY_VERIFY(!near(grab().pixelColor(arrowAt12), kBackground));
}

void TestMapView::registeredInQml()
{
    QQmlEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    QQmlComponent component(&engine);
    component.setData(R"(
        import QtQuick
        import Depot.Map
        MapView {
            width: 200; height: 100; zoom: 4
            property alias markers: layer
            MarkerLayer { id: layer; shape: MarkerLayer.Pin }
            Component.onCompleted: console.log(MapSettings.tileSource)
        }
    )",
                      QUrl());
    std::unique_ptr<QObject> object(component.create());
    QVERIFY2(object, qPrintable(component.errorString()));
    auto *map = qobject_cast<MapView *>(object.get());
    QVERIFY(map);
    QCOMPARE(map->zoom(), 4.0);
    auto *layer = object->property("markers").value<MarkerLayer *>();
    QVERIFY(layer);
    QCOMPARE(layer->map(), map);
    QCOMPARE(layer->shape(), MarkerLayer::Pin);
    QCOMPARE(layer->size(), QSizeF(200, 100));
}

void TestMapView::twoThousandMarkersMove()
{
    // A smoke check of the 1 Hz fleet: every fix of 2,000 couriers, then one frame.
    m_layer->setModel(nullptr);
    QStandardItemModel fleet;
    fleet.setItemRoleNames(m_model->roleNames());
    for (int i = 0; i < 2000; ++i)
        fleet.appendRow(courier(52.4 + (i % 50) * 0.005, 13.2 + (i / 50) * 0.01,
                                QStringLiteral("busy"), QStringLiteral("C%1").arg(i)));
    m_layer->setGlideDuration(1000);
    m_layer->setModel(&fleet);
    QCOMPARE(m_layer->count(), 2000);
    grab();
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 2000; ++i) {
        QStandardItem *item = fleet.item(i);
        item->setData(item->data(Latitude).toDouble() + 0.0001, Latitude);
    }
    const qint64 ingest = timer.restart();
    grab();
    const qint64 frame = timer.elapsed();
    qDebug() << "2000 fixes:" << ingest << "ms; a frame of 2000 gliding markers:" << frame << "ms";
    QVERIFY(m_layer->isGliding());
    QVERIFY(ingest < 500);
}

void TestMapView::aFleetIsDrawnInRowOrderWithTheSelectedOnTop()
{
    // Past a few hundred markers the layer paints them into one picture: the picture must show
    // what the nodes showed, later rows over earlier ones and the selected marker over all,
    // and the layer must go back to nodes when the fleet shrinks.
    m_layer->setModel(nullptr);
    QStandardItemModel fleet;
    fleet.setItemRoleNames(m_model->roleNames());
    const QGeoCoordinate centre(52.52, 13.40);
    // Row 0 (free) is the marker under test; the next row (busy) sits on the same spot.
    fleet.appendRow(courier(centre.latitude(), centre.longitude(), QStringLiteral("free"),
                            QStringLiteral("Ada")));
    fleet.appendRow(courier(centre.latitude(), centre.longitude(), QStringLiteral("busy"),
                            QStringLiteral("Bob")));
    // A grid of free couriers south-west of the centre: 600 markers in all.
    for (int i = 0; i < 598; ++i)
        fleet.appendRow(courier(52.49 + (i % 10) * 0.002, 13.33 + (i / 10) * 0.001,
                                QStringLiteral("free"), QStringLiteral("C%1").arg(i)));
    m_layer->setModel(&fleet);
    QCOMPARE(m_layer->count(), 600);
    const QPoint spot = m_map->pointAt(centre).toPoint();
    const QPoint corner =
        m_map->pointAt(QGeoCoordinate(52.504, 13.389)).toPoint(); // the last row's

    // The later row is drawn over the earlier one.
    QTRY_VERIFY(near(grab().pixelColor(spot), kBusy));
    QTRY_VERIFY(near(grab().pixelColor(corner), kFree));
    // Selected, the earlier row comes on top, with its halo around it.
    m_layer->setSelectedRow(0);
    QTRY_VERIFY(near(grab().pixelColor(spot), kFree));
    const QColor selection = m_layer->selectionColor();
    const QPoint halo = spot - QPoint(int(m_layer->markerSize() / 2 + 3), 0); // not the arrow
    QTRY_VERIFY(near(grab().pixelColor(halo), selection, 40));

    // Down to a handful of markers, drawn as nodes again: still right.
    fleet.removeRows(3, fleet.rowCount() - 3);
    QCOMPARE(m_layer->count(), 3);
    QTRY_VERIFY(near(grab().pixelColor(corner), kBackground));
    QTRY_VERIFY(near(grab().pixelColor(spot), kFree));
    m_layer->setSelectedRow(-1);
    QTRY_VERIFY(near(grab().pixelColor(spot), kBusy));
}

QTEST_MAIN(TestMapView)
#include "tst_mapview.moc"
