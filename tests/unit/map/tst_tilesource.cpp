#include "tilefixtures.h"
#include "tilesource.h"

#include <QBuffer>
#include <QNetworkDiskCache>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using depot::XyzTileSource;

namespace {

QByteArray png()
{
    QImage image(256, 256, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

/// A tile server whose every tile is the same 256-pixel PNG.
class TileServer : public depot::test::FakeTileServer
{
public:
    TileServer()
        : FakeTileServer([](const QByteArray &) { return png(); })
    {}
};

} // namespace

class TestXyzTileSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fillsTheTemplate();
    void expiry_data();
    void expiry();
    void attributionForOpenStreetMap();
    void identifiesItselfAndLimitsConcurrency();
    void cancelDropsQueuedRequests();
    void freshTilesComeFromTheDiskCache();
    void failedTilesAreNotRetriedAtOnce();
};

void TestXyzTileSource::fillsTheTemplate()
{
    XyzTileSource plain(QStringLiteral("https://tiles.example/{z}/{x}/{y}.png"));
    QCOMPARE(plain.tileUrl(3, 4, 5), QUrl(QStringLiteral("https://tiles.example/3/4/5.png")));
    XyzTileSource sharded(QStringLiteral("https://{s}.tiles.example/{z}/{x}/{y}.png"));
    QCOMPARE(sharded.tileUrl(1, 0, 0).host(), QStringLiteral("a.tiles.example"));
    QCOMPARE(sharded.tileUrl(1, 1, 0).host(), QStringLiteral("b.tiles.example"));
    QCOMPARE(sharded.tileUrl(1, 1, 1).host(), QStringLiteral("c.tiles.example"));
    QCOMPARE(XyzTileSource::userAgent(),
             QByteArray("Depot/" DEPOT_VERSION " (courier dispatch console)"));
}

void TestXyzTileSource::expiry_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("seconds");
    const qint64 week = 7 * 24 * 3600;
    QTest::newRow("no headers: a week") << QByteArray() << QByteArray() << week;
    QTest::newRow("short max-age: still a week")
        << QByteArray("Cache-Control") << QByteArray("public, max-age=3600") << week;
    QTest::newRow("long max-age") << QByteArray("cache-control") << QByteArray("max-age=2592000")
                                  << qint64(2592000);
    QTest::newRow("far Expires") << QByteArray("Expires")
                                 << QByteArray("Sat, 01 Mar 2025 12:00:00 GMT")
                                 << qint64(59 * 24 * 3600);
    QTest::newRow("past Expires: a week")
        << QByteArray("Expires") << QByteArray("Fri, 01 Jan 2021 00:00:00 GMT") << week;
}

void TestXyzTileSource::expiry()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(qint64, seconds);
    const QDateTime now(QDate(2025, 1, 1), QTime(12, 0), Qt::UTC);
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!name.isEmpty())
        headers.append({name, value});
    QCOMPARE(now.secsTo(XyzTileSource::expiryFor(headers, now)), seconds);
}

void TestXyzTileSource::attributionForOpenStreetMap()
{
    XyzTileSource osm;
    QCOMPARE(osm.urlTemplate(), QStringLiteral("https://tile.openstreetmap.org/{z}/{x}/{y}.png"));
    QVERIFY(osm.attribution().contains(QStringLiteral("OpenStreetMap contributors")));
    XyzTileSource other(QStringLiteral("https://tiles.example/{z}/{x}/{y}.png"));
    QVERIFY(other.attribution().isEmpty());
}

void TestXyzTileSource::identifiesItselfAndLimitsConcurrency()
{
    TileServer server;
    server.holdAnswers = true;
    XyzTileSource source(server.urlTemplate());
    source.setMaximumConcurrentRequests(2);
    QSignalSpy ready(&source, &XyzTileSource::tileReady);
    for (int x = 0; x < 6; ++x)
        source.requestTile(3, x, 1);
    QCOMPARE(source.inFlightCount(), 2);
    QCOMPARE(source.pendingCount(), 4);
    QTRY_COMPARE(server.requests.size(), 2);
    QTest::qWait(50);
    QCOMPARE(server.requests.size(), 2); // the rest wait their turn
    QCOMPARE(server.requests.at(0).headers.value("user-agent"), XyzTileSource::userAgent());
    QCOMPARE(server.requests.at(0).path, QByteArray("/3/0/1.png"));
    server.holdAnswers = false;
    server.answerAll();
    QTRY_COMPARE(ready.size(), 6);
    QCOMPARE(server.requests.size(), 6);
    QCOMPARE(ready.at(0).at(3).value<QImage>().size(), QSize(256, 256));
}

void TestXyzTileSource::cancelDropsQueuedRequests()
{
    TileServer server;
    server.holdAnswers = true;
    XyzTileSource source(server.urlTemplate());
    source.setMaximumConcurrentRequests(1);
    QSignalSpy ready(&source, &XyzTileSource::tileReady);
    source.requestTile(2, 0, 0);
    source.requestTile(2, 1, 0);
    source.requestTile(2, 2, 0);
    source.cancelPending(); // the viewport moved on
    source.requestTile(2, 3, 3);
    QTRY_COMPARE(server.requests.size(), 1);
    server.holdAnswers = false;
    server.answerAll();
    QTRY_COMPARE(ready.size(), 2);
    QCOMPARE(server.requests.size(), 2);
    QCOMPARE(server.requests.at(1).path, QByteArray("/2/3/3.png"));
}

void TestXyzTileSource::freshTilesComeFromTheDiskCache()
{
    QTemporaryDir cache;
    TileServer server;
    QDateTime now = QDateTime::currentDateTimeUtc();
    {
        XyzTileSource source(server.urlTemplate());
        source.setCacheDirectory(cache.path());
        QSignalSpy ready(&source, &XyzTileSource::tileReady);
        source.requestTile(5, 10, 12);
        QVERIFY(ready.wait());
        QCOMPARE(server.requests.size(), 1);
    }
    {
        // A minute of max-age, but the tile policy keeps it a week: no request.
        XyzTileSource source(server.urlTemplate());
        source.setCacheDirectory(cache.path());
        source.setClock([&] { return now.addSecs(3600); });
        QSignalSpy ready(&source, &XyzTileSource::tileReady);
        source.requestTile(5, 10, 12);
        QCOMPARE(ready.size(), 0);
        QVERIFY(ready.wait());
        QCOMPARE(ready.at(0).at(3).value<QImage>().size(), QSize(256, 256));
        QCOMPARE(server.requests.size(), 1);
    }
    {
        // Past its expiry the tile is stale: asked again, with its ETag to revalidate. (The
        // network stack keeps its own clock, so time passes by backdating the entry.)
        QNetworkDiskCache disk;
        disk.setCacheDirectory(cache.path());
        const QUrl url(
            server.urlTemplate().replace(QLatin1String("{z}/{x}/{y}"), QLatin1String("5/10/12")));
        QNetworkCacheMetaData meta = disk.metaData(url);
        QVERIFY(meta.isValid());
        QVERIFY(meta.expirationDate() > now.addDays(6));
        meta.setExpirationDate(now.addSecs(-60));
        disk.updateMetaData(meta);
    }
    {
        XyzTileSource source(server.urlTemplate());
        source.setCacheDirectory(cache.path());
        QSignalSpy ready(&source, &XyzTileSource::tileReady);
        source.requestTile(5, 10, 12);
        QVERIFY(ready.wait());
        QCOMPARE(server.requests.size(), 2);
        QCOMPARE(server.requests.at(1).headers.value("if-none-match"), QByteArray("\"v1\""));
    }
}

void TestXyzTileSource::failedTilesAreNotRetriedAtOnce()
{
    TileServer server;
    server.status = 404;
    XyzTileSource source(server.urlTemplate());
    QSignalSpy failed(&source, &XyzTileSource::tileFailed);
    source.requestTile(1, 1, 1);
    QVERIFY(failed.wait());
    source.requestTile(1, 1, 1);
    QTest::qWait(50);
    QCOMPARE(server.requests.size(), 1);
    QCOMPARE(failed.size(), 1);
}

QTEST_GUILESS_MAIN(TestXyzTileSource)
#include "tst_tilesource.moc"
