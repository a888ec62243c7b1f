#include "tilemath.h"

#include <QTest>

#include <cmath>

using namespace depot::tilemath;

class TestTileMath : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void knownPoints_data();
    void knownPoints();
    void tileAtKnownPlaces_data();
    void tileAtKnownPlaces();
    void clampsLatitude();
    void wrapsLongitude();
    void metersPerPixel_data();
    void metersPerPixel();
    void scaleBarIsRound_data();
    void scaleBarIsRound();
    void fitBoundsShowsTheBox_data();
    void fitBoundsShowsTheBox();
    void fitBoundsOfOnePointUsesMaximumZoom();
};

void TestTileMath::roundTrip_data()
{
    QTest::addColumn<int>("zoom");
    QTest::addColumn<double>("latitude");
    QTest::addColumn<double>("longitude");
    const QList<std::pair<double, double>> places = {
        {0, 0},         {52.520008, 13.404954}, {-33.868820, 151.209290}, {40.712776, -74.005974},
        {85.0, 179.99}, {-85.0, -179.99},       {64.1466, -21.9426},      {-54.8019, -68.3030}};
    for (int zoom = 0; zoom <= 19; ++zoom) {
        for (const auto &[lat, lon] : places) {
            QTest::addRow("z%d %.3f,%.3f", zoom, lat, lon) << zoom << lat << lon;
        }
    }
}

void TestTileMath::roundTrip()
{
    QFETCH(int, zoom);
    QFETCH(double, latitude);
    QFETCH(double, longitude);
    const QPointF pixel = worldPixel({latitude, longitude}, zoom);
    QVERIFY(pixel.x() >= 0 && pixel.x() <= worldSize(zoom));
    QVERIFY(pixel.y() >= 0 && pixel.y() <= worldSize(zoom));
    const LatLon back = coordinateAt(pixel, zoom);
    QVERIFY2(std::abs(back.latitude - latitude) < 1e-9, qPrintable(QString::number(back.latitude)));
    QVERIFY2(std::abs(back.longitude - longitude) < 1e-9,
             qPrintable(QString::number(back.longitude)));

    // A whole pixel off is at most one pixel's worth of ground away.
    const LatLon nextPixel = coordinateAt(pixel + QPointF(1, 0), zoom);
    QVERIFY(nextPixel.longitude > longitude || longitude > 179);

    // The tile that holds the point holds its pixel.
    const QPoint tile = tileAt({latitude, longitude}, zoom);
    QCOMPARE(tile.x(), std::min(int(pixel.x() / kTileSize), tileCount(zoom) - 1));
    QCOMPARE(tile.y(), std::min(int(pixel.y() / kTileSize), tileCount(zoom) - 1));
}

void TestTileMath::knownPoints_data()
{
    QTest::addColumn<double>("latitude");
    QTest::addColumn<double>("longitude");
    QTest::addColumn<double>("zoom");
    QTest::addColumn<QPointF>("pixel");
    QTest::newRow("null island z0") << 0.0 << 0.0 << 0.0 << QPointF(128, 128);
    QTest::newRow("null island z1") << 0.0 << 0.0 << 1.0 << QPointF(256, 256);
    QTest::newRow("north-west corner") << kMaxLatitude << -180.0 << 3.0 << QPointF(0, 0);
    QTest::newRow("south-east corner") << -kMaxLatitude << 180.0 << 2.0 << QPointF(1024, 1024);
    QTest::newRow("antimeridian on the equator") << 0.0 << 180.0 << 0.0 << QPointF(256, 128);
    QTest::newRow("fractional zoom")
        << 0.0 << 90.0 << 0.5 << QPointF(256 * M_SQRT2 * 0.75, 256 * M_SQRT2 * 0.5);
}

void TestTileMath::knownPoints()
{
    QFETCH(double, latitude);
    QFETCH(double, longitude);
    QFETCH(double, zoom);
    QFETCH(QPointF, pixel);
    const QPointF got = worldPixel({latitude, longitude}, zoom);
    QVERIFY2(std::abs(got.x() - pixel.x()) < 1e-6 && std::abs(got.y() - pixel.y()) < 1e-6,
             qPrintable(QStringLiteral("%1,%2").arg(got.x()).arg(got.y())));
}

void TestTileMath::tileAtKnownPlaces_data()
{
    QTest::addColumn<double>("latitude");
    QTest::addColumn<double>("longitude");
    QTest::addColumn<int>("zoom");
    QTest::addColumn<QPoint>("tile");
    // Checked against the OpenStreetMap wiki's slippy-map formulae.
    QTest::newRow("Berlin z10") << 52.520008 << 13.404954 << 10 << QPoint(550, 335);
    QTest::newRow("Berlin z17") << 52.520008 << 13.404954 << 17 << QPoint(70416, 42985);
    QTest::newRow("Sydney z12") << -33.868820 << 151.209290 << 12 << QPoint(3768, 2457);
    QTest::newRow("New York z15") << 40.712776 << -74.005974 << 15 << QPoint(9647, 12320);
    QTest::newRow("z0") << 12.0 << 34.0 << 0 << QPoint(0, 0);
    QTest::newRow("the pole clamps") << 90.0 << 0.0 << 4 << QPoint(8, 0);
    QTest::newRow("the east edge stays in the world") << 0.0 << 180.0 << 3 << QPoint(0, 4);
}

void TestTileMath::tileAtKnownPlaces()
{
    QFETCH(double, latitude);
    QFETCH(double, longitude);
    QFETCH(int, zoom);
    QFETCH(QPoint, tile);
    QCOMPARE(tileAt({latitude, longitude}, zoom), tile);
}

void TestTileMath::clampsLatitude()
{
    QCOMPARE(clampLatitude(90), kMaxLatitude);
    QCOMPARE(clampLatitude(-90), -kMaxLatitude);
    QCOMPARE(clampLatitude(45), 45.0);
    QCOMPARE(project({90, 0}).y(), 0.0);
    QCOMPARE(project({-90, 0}).y(), 1.0);
    QVERIFY(std::abs(unproject(QPointF(0.5, 0)).latitude - kMaxLatitude) < 1e-9);
}

void TestTileMath::wrapsLongitude()
{
    QCOMPARE(wrapLongitude(190), -170.0);
    QCOMPARE(wrapLongitude(-190), 170.0);
    QCOMPARE(wrapLongitude(540), -180.0);
    QCOMPARE(wrapLongitude(12.5), 12.5);
    QVERIFY(std::abs(unproject(QPointF(1.25, 0.5)).longitude - (-90.0)) < 1e-9);
}

void TestTileMath::metersPerPixel_data()
{
    QTest::addColumn<double>("latitude");
    QTest::addColumn<double>("zoom");
    QTest::addColumn<double>("meters");
    // 2 * pi * 6378137 / 256 at the equator, halving per zoom, times cos(latitude).
    QTest::newRow("equator z0") << 0.0 << 0.0 << 156543.03392804097;
    QTest::newRow("equator z10") << 0.0 << 10.0 << 152.8740565703525;
    QTest::newRow("60N z10") << 60.0 << 10.0 << 76.43702828517625;
    QTest::newRow("equator z19") << 0.0 << 19.0 << 0.29858214173896974;
}

void TestTileMath::metersPerPixel()
{
    QFETCH(double, latitude);
    QFETCH(double, zoom);
    QFETCH(double, meters);
    QVERIFY(std::abs(depot::tilemath::metersPerPixel(latitude, zoom) - meters) < 1e-6 * meters);
}

void TestTileMath::scaleBarIsRound_data()
{
    QTest::addColumn<double>("metersPerPixel");
    QTest::addColumn<double>("maxPixels");
    QTest::addColumn<double>("meters");
    QTest::newRow("1 m/px, 120 px") << 1.0 << 120.0 << 100.0;
    QTest::newRow("3 m/px, 120 px") << 3.0 << 120.0 << 200.0;
    QTest::newRow("10 m/px, 120 px") << 10.0 << 120.0 << 1000.0;
    QTest::newRow("50 m/px, 120 px") << 50.0 << 120.0 << 5000.0;
    QTest::newRow("0.1 m/px, 100 px") << 0.1 << 100.0 << 10.0;
}

void TestTileMath::scaleBarIsRound()
{
    QFETCH(double, metersPerPixel);
    QFETCH(double, maxPixels);
    QFETCH(double, meters);
    const ScaleBar bar = scaleBar(metersPerPixel, maxPixels);
    QCOMPARE(bar.meters, meters);
    QVERIFY(bar.pixels <= maxPixels);
    QVERIFY(bar.pixels > maxPixels / 2.5);
    QCOMPARE(bar.pixels, meters / metersPerPixel);
}

void TestTileMath::fitBoundsShowsTheBox_data()
{
    QTest::addColumn<double>("south");
    QTest::addColumn<double>("west");
    QTest::addColumn<double>("north");
    QTest::addColumn<double>("east");
    QTest::addColumn<QSizeF>("viewport");
    QTest::newRow("Berlin") << 52.45 << 13.25 << 52.58 << 13.55 << QSizeF(800, 600);
    QTest::newRow("a tall box") << 40.0 << 10.0 << 50.0 << 10.5 << QSizeF(400, 300);
    QTest::newRow("across the antimeridian")
        << -20.0 << 170.0 << -10.0 << -170.0 << QSizeF(640, 480);
}

void TestTileMath::fitBoundsShowsTheBox()
{
    QFETCH(double, south);
    QFETCH(double, west);
    QFETCH(double, north);
    QFETCH(double, east);
    QFETCH(QSizeF, viewport);
    const double padding = 20;
    const View view = fitBounds({south, west}, {north, east}, viewport, padding);
    const QPointF center = worldPixel(view.center, view.zoom);
    const double world = worldSize(view.zoom);
    auto onScreen = [&](LatLon c) {
        QPointF p = worldPixel(c, view.zoom) - center;
        p.rx() -= std::round(p.x() / world) * world; // nearest copy of the world
        return p + QPointF(viewport.width() / 2, viewport.height() / 2);
    };
    const QRectF inner(padding - 1e-6, padding - 1e-6, viewport.width() - 2 * padding + 2e-6,
                       viewport.height() - 2 * padding + 2e-6);
    for (const LatLon corner :
         {LatLon{south, west}, LatLon{south, east}, LatLon{north, west}, LatLon{north, east}}) {
        const QPointF p = onScreen(corner);
        QVERIFY2(inner.contains(p), qPrintable(QStringLiteral("%1,%2").arg(p.x()).arg(p.y())));
    }
    // Tight: one side touches the padding.
    const QPointF sw = onScreen({south, west});
    const QPointF ne = onScreen({north, east});
    const double spanX = ne.x() - sw.x();
    const double spanY = sw.y() - ne.y();
    QVERIFY(std::abs(spanX - inner.width()) < 1e-3 || std::abs(spanY - inner.height()) < 1e-3);
}

void TestTileMath::fitBoundsOfOnePointUsesMaximumZoom()
{
    const View view = fitBounds({48.2, 16.37}, {48.2, 16.37}, QSizeF(300, 200), 10, 0, 16);
    QCOMPARE(view.zoom, 16.0);
    QVERIFY(std::abs(view.center.latitude - 48.2) < 1e-9);
    QVERIFY(std::abs(view.center.longitude - 16.37) < 1e-9);
}

QTEST_APPLESS_MAIN(TestTileMath)
#include "tst_tilemath.moc"
