// Map tiles on the hub's port (/tiles/{z}/{x}/{y}.png, no token): from an MBTiles file the test
// writes, and from a tiny XYZ server on 127.0.0.1 through the hub's disk cache.
#include "hub.h"
#include "hubconfig.h"
#include "loopbackhub.h"
#include "tilefixtures.h"
#include "tiles/tileendpoint.h"
#include "tiles/tilefetcher.h"
#include "transport/httpserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

constexpr int kWaitMs = 10000;

// Tiny but real headers: the hub tells the type by the first bytes, not by the URL.
QByteArray pngTile(char marker)
{
    return QByteArray("\x89PNG\r\n\x1a\n", 8) + QByteArray(64, marker);
}
QByteArray jpegTile()
{
    return QByteArray("\xff\xd8\xff\xe0", 4) + QByteArray(32, 'j');
}
QByteArray webpTile()
{
    return QByteArray("RIFF\x20\x00\x00\x00WEBPVP8 ", 16) + QByteArray(24, 'w');
}

struct Reply
{
    int status = 0;
    QByteArray contentType;
    QByteArray cacheControl;
    QByteArray body;

    QString errorCode() const
    {
        return QJsonDocument::fromJson(body)
            .object()
            .value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    }
};

Reply get(QNetworkAccessManager &network, const QUrl &url, const QByteArray &method = "GET")
{
    std::unique_ptr<QNetworkReply> reply(
        network.sendCustomRequest(QNetworkRequest(url), method, QByteArray()));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kWaitMs))
        return {};
    return Reply{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                 reply->rawHeader("Content-Type"), reply->rawHeader("Cache-Control"),
                 reply->readAll()};
}

/// The XYZ upstream: a different PNG tile for every path.
class UpstreamServer : public depot::test::FakeTileServer
{
public:
    UpstreamServer()
        : FakeTileServer(
              [this](const QByteArray &path) { return body.isEmpty() ? tileFor(path) : body; })
    {}
    static QByteArray tileFor(const QByteArray &path) { return pngTile('u') + path; }

    QByteArray body; // when set, the answer to every path (e.g. an error page)
};

/// Writes an MBTiles file with tiles stored the TMS way (rows counted from the south).
void makeMbTiles(const QString &path)
{
    QVERIFY(depot::test::writeMbTiles(
        path, {
                  {0, 0, 0, pngTile('0')},
                  {1, 0, 1, pngTile('N')}, // TMS row 1 at zoom 1 is the north: XYZ y 0
                  {1, 0, 0, pngTile('S')},
                  {2, 3, 0, jpegTile()}, // XYZ (2, 3, 3)
                  {2, 0, 3, webpTile()}, // XYZ (2, 0, 0)
              }));
}

} // namespace

class tst_Tiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void mbtilesServedWithTheRowFlipped_data();
    void mbtilesServedWithTheRowFlipped();
    void badCoordinatesAre400_data();
    void badCoordinatesAre400();
    void onlyGet();
    void upstreamFetchedOnceThenFromTheCache();
    void expiredTilesAreRevalidated();
    void upstreamDownIs404();
    void upstreamGarbageIs404();
    void noSourceIs404();
    void fewUpstreamRequestsAtOnce();
    void waitingClientsAreBounded();

private:
    bool startHub(const QString &tilesFile, const QString &tileUrl);
    QUrl tileUrl(const QString &zxy) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1/tiles/%2.png").arg(m_hub->port()).arg(zxy));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<depot::Hub> m_hub;
    QNetworkAccessManager m_network;
};

void tst_Tiles::cleanup()
{
    m_hub.reset();
    m_dir.reset();
}

bool tst_Tiles::startHub(const QString &tilesFile, const QString &tileUrl)
{
    if (!m_dir)
        m_dir = std::make_unique<QTemporaryDir>();
    depot::HubConfig config = depot::test::loopbackHubConfig(
        m_dir->filePath(QStringLiteral("data")), QStringLiteral("tiles-admin"));
    config.tilesFile = tilesFile;
    config.tileUrl = tileUrl;
    config.tileCache = m_dir->filePath(QStringLiteral("cache"));
    m_hub = std::make_unique<depot::Hub>(config);
    if (const auto error = m_hub->start()) {
        qWarning() << error->message;
        return false;
    }
    return true;
}

void tst_Tiles::mbtilesServedWithTheRowFlipped_data()
{
    QTest::addColumn<QString>("zxy");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("type");
    QTest::newRow("z0") << "0/0/0" << pngTile('0') << QByteArray("image/png");
    QTest::newRow("z1 north") << "1/0/0" << pngTile('N') << QByteArray("image/png");
    QTest::newRow("z1 south") << "1/0/1" << pngTile('S') << QByteArray("image/png");
    QTest::newRow("jpeg") << "2/3/3" << jpegTile() << QByteArray("image/jpeg");
    QTest::newRow("webp") << "2/0/0" << webpTile() << QByteArray("image/webp");
    QTest::newRow("missing") << "2/1/1" << QByteArray() << QByteArray();
}

void tst_Tiles::mbtilesServedWithTheRowFlipped()
{
    QFETCH(QString, zxy);
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, type);
    m_dir = std::make_unique<QTemporaryDir>();
    const QString file = m_dir->filePath(QStringLiteral("depot.mbtiles"));
    makeMbTiles(file);
    QVERIFY(startHub(file, QStringLiteral("none")));
    const Reply reply = get(m_network, tileUrl(zxy)); // no token: the pages need no login
    if (bytes.isEmpty()) {
        QCOMPARE(reply.status, 404);
        QCOMPARE(reply.contentType, QByteArray("application/json; charset=utf-8"));
        QCOMPARE(reply.errorCode(), QStringLiteral("not_found"));
        return;
    }
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.body, bytes);
    QCOMPARE(reply.contentType, type);
    QCOMPARE(reply.cacheControl, QByteArray("public, max-age=86400"));
}

void tst_Tiles::badCoordinatesAre400_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("x past the grid") << "/tiles/1/2/0.png";
    QTest::newRow("y past the grid") << "/tiles/3/0/8.png";
    QTest::newRow("zoom too deep") << "/tiles/25/0/0.png";
    QTest::newRow("negative") << "/tiles/-1/0/0.png";
    QTest::newRow("not numbers") << "/tiles/a/b/c.png";
    QTest::newRow("missing y") << "/tiles/1/0.png";
    QTest::newRow("other extension") << "/tiles/1/0/0.gif";
    QTest::newRow("huge x") << "/tiles/2/99999999999/0.png";
    // Found by fuzzing: the route's pattern ended in "$", which also matches before a final
    // newline, so this path was served as tile 0/0/0.
    QTest::newRow("newline after .png") << "/tiles/0/0/0.png%0A";
}

void tst_Tiles::badCoordinatesAre400()
{
    QFETCH(QString, path);
    QVERIFY(startHub(QString(), QStringLiteral("none")));
    const Reply reply =
        get(m_network, QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_hub->port()).arg(path)));
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.errorCode(), QStringLiteral("bad_request"));
}

void tst_Tiles::onlyGet()
{
    QVERIFY(startHub(QString(), QStringLiteral("none")));
    const Reply reply = get(m_network, tileUrl(QStringLiteral("0/0/0")), "DELETE");
    QCOMPARE(reply.status, 405);
    QCOMPARE(reply.errorCode(), QStringLiteral("method_not_allowed"));
}

void tst_Tiles::upstreamFetchedOnceThenFromTheCache()
{
    UpstreamServer upstream;
    QVERIFY(upstream.isListening());
    QVERIFY(startHub(QString(), upstream.urlTemplate()));
    const Reply first = get(m_network, tileUrl(QStringLiteral("3/4/5")));
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, UpstreamServer::tileFor("/3/4/5.png"));
    QCOMPARE(first.contentType, QByteArray("image/png"));
    QCOMPARE(upstream.requests.size(), 1);
    QCOMPARE(upstream.requests.at(0).path, QByteArray("/3/4/5.png"));
    QCOMPARE(upstream.requests.at(0).headers.value("user-agent"), depot::TileFetcher::userAgent());
    // A minute of max-age upstream, but the hub keeps tiles at least a week (the tile policy).
    const qint64 maxAge = first.cacheControl.mid(first.cacheControl.indexOf('=') + 1).toLongLong();
    QVERIFY2(maxAge > 6 * 24 * 3600 && maxAge <= 7 * 24 * 3600, first.cacheControl.constData());

    const Reply second = get(m_network, tileUrl(QStringLiteral("3/4/5")));
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, first.body);
    QCOMPARE(upstream.requests.size(), 1); // from the cache

    // The cache is on disk: a restarted hub still has the tile.
    m_hub.reset();
    QVERIFY(startHub(QString(), upstream.urlTemplate()));
    QCOMPARE(get(m_network, tileUrl(QStringLiteral("3/4/5"))).body, first.body);
    QCOMPARE(upstream.requests.size(), 1);
}

void tst_Tiles::expiredTilesAreRevalidated()
{
    UpstreamServer upstream;
    QVERIFY(startHub(QString(), upstream.urlTemplate()));
    QCOMPARE(get(m_network, tileUrl(QStringLiteral("4/1/2"))).status, 200);
    QCOMPARE(upstream.requests.size(), 1);

    // Six days on the tile is still fresh; eight days on it is stale and asked for again, with
    // its ETag, and the upstream's 304 keeps the cached bytes.
    const QDateTime start = QDateTime::currentDateTimeUtc();
    m_hub->tileFetcher()->setClock([start] { return start.addDays(6); });
    QCOMPARE(get(m_network, tileUrl(QStringLiteral("4/1/2"))).status, 200);
    QCOMPARE(upstream.requests.size(), 1);
    m_hub->tileFetcher()->setClock([start] { return start.addDays(8); });
    const Reply revalidated = get(m_network, tileUrl(QStringLiteral("4/1/2")));
    QCOMPARE(revalidated.status, 200);
    QCOMPARE(revalidated.body, UpstreamServer::tileFor("/4/1/2.png"));
    QCOMPARE(upstream.requests.size(), 2);
    QCOMPARE(upstream.requests.at(1).headers.value("if-none-match"), QByteArray("\"v1\""));
    // Fresh again for a week from the revalidation.
    QCOMPARE(get(m_network, tileUrl(QStringLiteral("4/1/2"))).status, 200);
    QCOMPARE(upstream.requests.size(), 2);
}

void tst_Tiles::upstreamDownIs404()
{
    quint16 closedPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        closedPort = probe.serverPort();
    }
    QVERIFY(
        startHub(QString(), QStringLiteral("http://127.0.0.1:%1/{z}/{x}/{y}.png").arg(closedPort)));
    const Reply reply = get(m_network, tileUrl(QStringLiteral("5/6/7")));
    QCOMPARE(reply.status, 404);
    QCOMPARE(reply.errorCode(), QStringLiteral("not_found"));
    // Asked again at once: still 404 (without another attempt for a minute).
    QCOMPARE(get(m_network, tileUrl(QStringLiteral("5/6/7"))).status, 404);
}

void tst_Tiles::upstreamGarbageIs404()
{
    UpstreamServer upstream;
    upstream.body = "<html>rate limited</html>";
    QVERIFY(startHub(QString(), upstream.urlTemplate()));
    const Reply reply = get(m_network, tileUrl(QStringLiteral("2/1/1")));
    QCOMPARE(reply.status, 404);
    QCOMPARE(reply.errorCode(), QStringLiteral("not_found"));
    QCOMPARE(upstream.requests.size(), 1);
    QCOMPARE(get(m_network, tileUrl(QStringLiteral("2/1/1"))).status, 404);
    QCOMPARE(upstream.requests.size(), 1); // not retried at once
}

void tst_Tiles::noSourceIs404()
{
    QVERIFY(startHub(QString(), QStringLiteral("none")));
    QVERIFY(!m_hub->tileFetcher());
    const Reply reply = get(m_network, tileUrl(QStringLiteral("0/0/0")));
    QCOMPARE(reply.status, 404);
    QCOMPARE(reply.errorCode(), QStringLiteral("not_found"));
}

void tst_Tiles::fewUpstreamRequestsAtOnce()
{
    UpstreamServer upstream;
    upstream.holdAnswers = true;
    QVERIFY(startHub(QString(), upstream.urlTemplate()));
    // Six browsers ask for five tiles; two ask for the same one.
    std::vector<std::unique_ptr<QNetworkReply>> replies;
    for (const QString &zxy :
         {QStringLiteral("6/1/1"), QStringLiteral("6/2/1"), QStringLiteral("6/3/1"),
          QStringLiteral("6/4/1"), QStringLiteral("6/5/1"), QStringLiteral("6/1/1")})
        replies.emplace_back(m_network.get(QNetworkRequest(tileUrl(zxy))));
    QTRY_COMPARE_WITH_TIMEOUT(upstream.requests.size(), 2, kWaitMs);
    QTest::qWait(100);
    QCOMPARE(upstream.requests.size(), 2); // the others wait their turn
    upstream.holdAnswers = false;
    upstream.answerAll();
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(replies.cbegin(), replies.cend(),
                                         [](const auto &r) { return r->isFinished(); }),
                             kWaitMs);
    QCOMPARE(upstream.requests.size(), 5); // the shared tile was fetched once
    for (const auto &reply : replies) {
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->readAll(), UpstreamServer::tileFor(reply->url().path().mid(6).toLatin1()));
    }
}

void tst_Tiles::waitingClientsAreBounded()
{
    // The endpoint on its own port, so its limit can be small.
    UpstreamServer upstream;
    upstream.holdAnswers = true;
    depot::TileFetcher fetcher(upstream.urlTemplate());
    depot::TileEndpoint endpoint(nullptr, &fetcher);
    endpoint.setMaximumWaitingRequests(2);
    depot::HttpServer http;
    http.addEndpoint(QStringLiteral("/tiles/"), &endpoint);
    QString error;
    const quint16 port = http.listenOn(QHostAddress::LocalHost, 0, &error);
    QVERIFY2(port != 0, qPrintable(error));
    auto url = [port](const char *zxy) {
        return QUrl(QStringLiteral("http://127.0.0.1:%1/tiles/%2.png").arg(port).arg(zxy));
    };
    std::unique_ptr<QNetworkReply> first(m_network.get(QNetworkRequest(url("7/1/1"))));
    std::unique_ptr<QNetworkReply> second(m_network.get(QNetworkRequest(url("7/2/1"))));
    QTRY_COMPARE_WITH_TIMEOUT(endpoint.waitingCount(), 2, kWaitMs);
    const Reply third = get(m_network, url("7/3/1"));
    QCOMPARE(third.status, 503);
    QCOMPARE(third.errorCode(), QStringLiteral("busy"));
    upstream.holdAnswers = false;
    upstream.answerAll();
    QTRY_VERIFY_WITH_TIMEOUT(first->isFinished() && second->isFinished(), kWaitMs);
    QCOMPARE(endpoint.waitingCount(), 0);
    QCOMPARE(get(m_network, url("7/3/1")).status, 200); // room again
}

QTEST_GUILESS_MAIN(tst_Tiles)
#include "tst_tiles.moc"
