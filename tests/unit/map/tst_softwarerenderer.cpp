// The map under Qt Quick's software renderer (QT_QUICK_BACKEND=software), with the map away from
// the window's origin as in the console: a pin selected after the first frame and a marker
// added later are drawn where the model puts them. The software renderer places nodes added
// to an existing tree by their parent's recorded transform; grouping nodes that recorded none
// drew such markers at the window's origin (one side panel too far left).
#include "mapview.h"
#include "markerlayer.h"
#include "tilefixtures.h"
#include "tilesource.h"

#include <QBuffer>
#include <QTemporaryDir>

#include <QQuickView>
#include <QSGRendererInterface>
#include <QStandardItemModel>
#include <QTest>

#include <memory>

using namespace depot;
using namespace Qt::StringLiterals;

namespace {

enum Roles { Latitude = Qt::UserRole + 1, Longitude, State };

// Colours that appear nowhere else in the scene.
const QColor kSelection(0xff, 0x00, 0xff);
const QColor kPending(0x00, 0x30, 0xc0);
const QColor kNew(0x00, 0xc0, 0x30);

// Where the map sits in the window: right of a 340-pixel side panel, below a toolbar.
const QRectF kMapRect(340, 48, 420, 360);

QStandardItem *row(double lat, double lon, const QString &state)
{
    auto *item = new QStandardItem;
    item->setData(lat, Latitude);
    item->setData(lon, Longitude);
    item->setData(state, State);
    return item;
}

bool near(const QColor &a, const QColor &b, int tolerance = 8)
{
    return std::abs(a.red() - b.red()) <= tolerance &&
           std::abs(a.green() - b.green()) <= tolerance &&
           std::abs(a.blue() - b.blue()) <= tolerance;
}

/// The centre of every pixel of `color` in `image`, in logical pixels; (-1, -1) for none.
QPointF centreOf(const QImage &image, const QColor &color, int *count)
{
    double sx = 0, sy = 0;
    *count = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            if (near(image.pixelColor(x, y), color)) {
                sx += x;
                sy += y;
                ++*count;
            }
        }
    }
    if (*count == 0)
        return {-1, -1};
    return QPointF(sx / *count + 0.5, sy / *count + 0.5) / image.devicePixelRatio();
}

/// A white map at kMapRect in a white 800 × 460 view, as the console places its map.
MapView *placeMap(QQuickView &view)
{
    view.resize(800, 460);
    view.setColor(Qt::white);
    auto *frame = new QQuickItem(view.contentItem());
    frame->setPosition(kMapRect.topLeft());
    frame->setSize(kMapRect.size());
    auto *map = new MapView(frame);
    map->setSize(kMapRect.size());
    map->setBackgroundColor(Qt::white);
    map->setGraticuleColor(Qt::white);
    return map;
}

} // namespace

class tst_SoftwareRenderer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void selectedPinAndNewMarkerAreWhereTheModelSays();
    void tilesLoadedLaterFillTheMapOnly();
};

void tst_SoftwareRenderer::initTestCase()
{
    // Before any window: every window of this test renders in software.
    QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
}

void tst_SoftwareRenderer::selectedPinAndNewMarkerAreWhereTheModelSays()
{
    QStandardItemModel model;
    model.setItemRoleNames({{Latitude, "latitude"}, {Longitude, "longitude"}, {State, "state"}});
    model.appendRow(row(52.520, 13.380, u"PENDING"_s));
    model.appendRow(row(52.525, 13.410, u"PENDING"_s));
    model.appendRow(row(52.512, 13.395, u"PENDING"_s));

    QQuickView view;
    MapView *map = placeMap(view);
    map->setCenter(QGeoCoordinate(52.52, 13.40));
    map->setZoom(13);
    auto *pins = new MarkerLayer(map);
    pins->setShape(MarkerLayer::Pin);
    pins->setGlideDuration(0);
    pins->setLabelZoom(30);
    pins->setOutlineColor(Qt::white);
    pins->setSelectionColor(kSelection);
    pins->setStateColors({{u"PENDING"_s, kPending}, {u"NEW"_s, kNew}});
    pins->setModel(&model);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.rendererInterface()->graphicsApi(), QSGRendererInterface::Software);

    // The first frame has three pins and no selection.
    int count = 0;
    QImage image = view.grabWindow();
    centreOf(image, kSelection, &count);
    QCOMPARE(count, 0);

    // Now nodes join a tree that is already drawn: the selection's halo and a new pin.
    pins->setSelectedRow(1);
    model.appendRow(row(52.530, 13.370, u"NEW"_s));
    QCoreApplication::processEvents();
    image = view.grabWindow();

    // The halo is a disc centred on the pin's body, which stands above the marked spot.
    const QPointF spot = map->mapToScene(map->pointAt(QGeoCoordinate(52.525, 13.410)));
    const QPointF haloCentre = spot + QPointF(0, -pins->markerSize() * 0.95);
    const QPointF halo = centreOf(image, kSelection, &count);
    QVERIFY2(count > 50, qPrintable(QString::number(count)));
    QVERIFY2(QLineF(halo, haloCentre).length() < 3,
             qPrintable(u"halo at %1,%2, expected %3,%4"_s.arg(halo.x())
                            .arg(halo.y())
                            .arg(haloCentre.x())
                            .arg(haloCentre.y())));
    // The pin itself is drawn over the halo, at the same place.
    QVERIFY(near(image.pixelColor((haloCentre * image.devicePixelRatio()).toPoint() +
                                  QPoint(0, -int(pins->markerSize() * 0.3))),
                 kPending));

    const QPointF newSpot = map->mapToScene(map->pointAt(QGeoCoordinate(52.530, 13.370)));
    const QPointF added = centreOf(image, kNew, &count);
    QVERIFY2(count > 20, qPrintable(QString::number(count)));
    // The pin's colour fills its body, around the point above the spot.
    QVERIFY2(QLineF(added, newSpot + QPointF(0, -pins->markerSize() * 0.8)).length() < 4,
             qPrintable(u"new pin at %1,%2, spot %3,%4"_s.arg(added.x())
                            .arg(added.y())
                            .arg(newSpot.x())
                            .arg(newSpot.y())));
    // Nothing of either is drawn outside the map.
    QVERIFY(kMapRect.contains(halo) && kMapRect.contains(added));
}

void tst_SoftwareRenderer::tilesLoadedLaterFillTheMapOnly()
{
    // Tiles arrive after the first frame, so their nodes join a drawn tree too.
    const QColor tileColor(0x20, 0xa0, 0x60);
    QImage tile(256, 256, QImage::Format_RGB32);
    tile.fill(tileColor);
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    tile.save(&buffer, "PNG");
    QList<test::StoredTile> tiles;
    for (int z = 0; z <= 2; ++z) {
        for (int x = 0; x < (1 << z); ++x) {
            for (int y = 0; y < (1 << z); ++y)
                tiles.append({z, x, y, png});
        }
    }
    QTemporaryDir dir;
    const QString path = dir.filePath(u"green.mbtiles"_s);
    QVERIFY(test::writeMbTiles(path, tiles, {{u"maxzoom"_s, u"2"_s}}));
    MbTilesSource source(path);
    QVERIFY(source.isValid());

    QQuickView view;
    MapView *map = placeMap(view);
    map->setZoom(2);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.grabWindow();

    map->setTileSource(&source);
    QTRY_VERIFY(map->loadedTileCount() > 0);
    QImage image;
    const QPoint inside = (kMapRect.center() * view.devicePixelRatio()).toPoint();
    QTRY_VERIFY(near((image = view.grabWindow()).pixelColor(inside), tileColor));
    // Nothing of them left of the map, where the window's origin would put them.
    const QPoint leftOfMap =
        QPoint(int(kMapRect.left() / 2), int(kMapRect.center().y())) * view.devicePixelRatio();
    QVERIFY(near(image.pixelColor(leftOfMap), Qt::white));
    QVERIFY(near(image.pixelColor(QPoint(5, 5)), Qt::white));
    map->setTileSource(nullptr);
}

QTEST_MAIN(tst_SoftwareRenderer)
#include "tst_softwarerenderer.moc"
