// The hub's web pages over real HTTP: each route and asset with its Content-Type and caching,
// the hub's settings filled into the courier page, conditional requests, and JSON errors for
// unknown paths and other methods; HEAD answered with GET's head and no body.
#include "hub.h"
#include "hubconfig.h"
#include "rawhttp.h"
#include "transport/httpserver.h"
#include "web/webpages.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace depot;

class tst_WebPages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void served_data();
    void served();
    void pagesLoadOnlyServedAssets();
    void hubSettingsInPages();
    void notModified();
    void refused_data();
    void refused();
    void headAnswersWithoutBody_data();
    void headAnswersWithoutBody();
    void socketsOnlyToOwnOrigin();
    void notBuiltPagesAre503_data();
    void notBuiltPagesAre503();

private:
    struct Reply
    {
        int status = 0;
        QByteArray body;
        QHash<QByteArray, QByteArray> headers; // names lower case
    };
    Reply send(const QByteArray &method, const QString &path,
               const QList<QPair<QByteArray, QByteArray>> &headers = {});

    QTemporaryDir m_dir;
    std::unique_ptr<Hub> m_hub;
    QNetworkAccessManager m_nam;
    QString m_assets;
};

tst_WebPages::Reply tst_WebPages::send(const QByteArray &method, const QString &path,
                                       const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request(
        QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_hub->port()).arg(path)));
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(request, method));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(10000))
        return {};
    Reply out{
        reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll(), {}};
    for (const auto &h : reply->rawHeaderPairs())
        out.headers.insert(h.first.toLower(), h.second);
    return out;
}

void tst_WebPages::initTestCase()
{
    QVERIFY(m_dir.isValid());
    HubConfig config;
    config.host = QHostAddress::LocalHost;
    config.hostText = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.dataDir = m_dir.path();
    config.adminPassword = QStringLiteral("pw");
    config.osmandPort = 0;
    config.locationIntervalSeconds = 7;
    config.locationDistanceMetres = 35;
    m_hub = std::make_unique<Hub>(config);
    QVERIFY(!m_hub->start());

    // The asset folder is named after the assets' contents; the page says which it is.
    const Reply page = send("GET", QStringLiteral("/courier"));
    QCOMPARE(page.status, 200);
    const auto match = QRegularExpression(QStringLiteral("\"(/web/[0-9a-f]{12})/courier\\.js\""))
                           .match(QString::fromUtf8(page.body));
    QVERIFY2(match.hasMatch(), page.body.constData());
    m_assets = match.captured(1);
}

void tst_WebPages::served_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("immutable");

    const QByteArray html = "text/html; charset=utf-8";
    const QByteArray js = "text/javascript; charset=utf-8";
    QTest::newRow("courier page") << "/courier" << html << false;
    QTest::newRow("courier page, QR link") << "/courier?u=ada" << html << false;
    QTest::newRow("tracking page") << "/track/K3SBGMVN9V" << html << false;
    QTest::newRow("tracking page, unknown code") << "/track/nope" << html << false;
    QTest::newRow("courier script") << "@/courier.js" << js << true;
    QTest::newRow("tracking script") << "@/track.js" << js << true;
    QTest::newRow("shared script") << "@/common.js" << js << true;
    QTest::newRow("style") << "@/depot.css" << QByteArray("text/css; charset=utf-8") << true;
    QTest::newRow("icon") << "@/icon.svg" << QByteArray("image/svg+xml") << true;
    QTest::newRow("socket.io-client") << "@/socket.io.min.js" << js << true;
    QTest::newRow("leaflet") << "@/leaflet/leaflet.js" << js << true;
    QTest::newRow("leaflet style")
        << "@/leaflet/leaflet.css" << QByteArray("text/css; charset=utf-8") << true;
    QTest::newRow("leaflet marker")
        << "@/leaflet/images/marker-icon.png" << QByteArray("image/png") << true;
}

void tst_WebPages::served()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, contentType);
    QFETCH(bool, immutable);
    path.replace(QLatin1Char('@'), m_assets);

    const Reply reply = send("GET", path);
    QCOMPARE(reply.status, 200);
    QVERIFY(!reply.body.isEmpty());
    QCOMPARE(reply.headers.value("content-type"), contentType);
    QCOMPARE(reply.headers.value("x-content-type-options"), QByteArray("nosniff"));
    if (immutable) {
        QCOMPARE(reply.headers.value("cache-control"),
                 QByteArray("public, max-age=31536000, immutable"));
    } else {
        QCOMPARE(reply.headers.value("cache-control"), QByteArray("no-cache"));
        QVERIFY(!reply.headers.value("etag").isEmpty());
        QVERIFY(reply.headers.value("content-security-policy").contains("default-src 'self'"));
        QVERIFY2(!reply.body.contains("{{"), "every placeholder is filled in");
    }
    if (contentType == "image/png")
        QVERIFY(reply.body.startsWith("\x89PNG"));
}

void tst_WebPages::pagesLoadOnlyServedAssets()
{
    // Every script and style a page names is there, so a typo in a page fails here.
    const QRegularExpression reference(QStringLiteral("(?:src|href)=\"([^\"]+)\""));
    for (const QString &page : {QStringLiteral("/courier"), QStringLiteral("/track/K3SBGMVN9V")}) {
        const Reply reply = send("GET", page);
        int checked = 0;
        for (const auto &m : reference.globalMatch(QString::fromUtf8(reply.body))) {
            const QString url = m.captured(1);
            QVERIFY2(url.startsWith(m_assets + QLatin1Char('/')), qPrintable(url));
            QCOMPARE(send("GET", url).status, 200);
            ++checked;
        }
        QVERIFY(checked >= 3);
    }
}

void tst_WebPages::hubSettingsInPages()
{
    const QByteArray body = send("GET", QStringLiteral("/courier")).body;
    QVERIFY(body.contains(R"(<meta name="depot-location-interval" content="7">)"));
    QVERIFY(body.contains(R"(<meta name="depot-location-distance" content="35">)"));
    // The default tile source is OpenStreetMap's: the tracking page's map credits it.
    const QByteArray track = send("GET", QStringLiteral("/track/K3SBGMVN9V")).body;
    QVERIFY(track.contains(
        R"(<meta name="depot-tile-attribution" content="© OpenStreetMap contributors">)"));
    QVERIFY(track.contains(R"(<meta name="depot-tile-max-zoom" content="19">)"));
}

void tst_WebPages::notModified()
{
    const Reply first = send("GET", QStringLiteral("/courier"));
    const QByteArray etag = first.headers.value("etag");
    QVERIFY(!etag.isEmpty());
    const Reply again = send("GET", QStringLiteral("/courier"), {{"If-None-Match", etag}});
    QCOMPARE(again.status, 304);
    QVERIFY(again.body.isEmpty());
    QCOMPARE(send("GET", QStringLiteral("/courier"), {{"If-None-Match", "\"other\""}}).status, 200);
}

void tst_WebPages::refused_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    QTest::newRow("unknown asset") << QByteArray("GET") << "@/missing.js" << 404 << "not_found";
    QTest::newRow("asset of another build")
        << QByteArray("GET") << "/web/000000000000/courier.js" << 404 << "not_found";
    QTest::newRow("no version") << QByteArray("GET") << "/web/courier.js" << 404 << "not_found";
    QTest::newRow("tracking without code") << QByteArray("GET") << "/track/" << 404 << "not_found";
    QTest::newRow("tracking, deeper path")
        << QByteArray("GET") << "/track/K3SB/x" << 404 << "not_found";
    QTest::newRow("page source by name")
        << QByteArray("GET") << "@/courier.html" << 404 << "not_found";
    QTest::newRow("POST to a page")
        << QByteArray("POST") << "/courier" << 405 << "method_not_allowed";
    QTest::newRow("DELETE an asset")
        << QByteArray("DELETE") << "@/courier.js" << 405 << "method_not_allowed";
}

void tst_WebPages::refused()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(QString, code);
    path.replace(QLatin1Char('@'), m_assets);

    const Reply reply = send(method, path);
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.headers.value("content-type"), QByteArray("application/json; charset=utf-8"));
    const QJsonObject error =
        QJsonDocument::fromJson(reply.body).object().value("error").toObject();
    QCOMPARE(error.value("code").toString(), code);
    QVERIFY(!error.value("message").toString().isEmpty());
    if (status == 405)
        QCOMPARE(reply.headers.value("allow"), QByteArray("GET, HEAD"));
}

void tst_WebPages::headAnswersWithoutBody_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("health") << "/healthz";
    QTest::newRow("courier page") << "/courier";
    QTest::newRow("tracking page") << "/track/K3SBGMVN9V";
    QTest::newRow("asset") << "@/courier.js";
    QTest::newRow("leaflet marker") << "@/leaflet/images/marker-icon.png";
}

void tst_WebPages::headAnswersWithoutBody()
{
    QFETCH(QString, path);
    path.replace(QLatin1Char('@'), m_assets);
    const Reply get = send("GET", path);
    QCOMPARE(get.status, 200);

    // Raw bytes: a HEAD answer ends at its head, whatever Content-Length says, so the answer
    // to the next request on the connection follows it at once.
    test::RawHttpClient client(m_hub->port());
    client.send("HEAD " + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", true);
    QVERIFY(client.waitForResponses(1));
    const test::RawHttpResponse head = client.responses().at(0);
    QVERIFY2(head.head.startsWith("HTTP/1.1 200 "), head.head.constData());
    client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QVERIFY(client.waitForResponses(2));
    const test::RawHttpResponse next = client.responses().at(1);
    QVERIFY2(next.head.startsWith("HTTP/1.1 200 "), next.head.constData());
    QCOMPARE(next.body, QByteArray("{\"status\":\"ok\"}"));
    QVERIFY2(client.pending().isEmpty(), client.pending().constData());

    QCOMPARE(head.header("content-length"), QByteArray::number(get.body.size()));
    for (const QByteArray &name :
         {QByteArray("content-type"), QByteArray("cache-control"), QByteArray("etag"),
          QByteArray("content-security-policy"), QByteArray("x-content-type-options")})
        QCOMPARE(head.header(name), get.headers.value(name));
}

void tst_WebPages::socketsOnlyToOwnOrigin()
{
    // 'self' alone: the page's socket may reach its own hub, over ws: or wss:, and no other host.
    const Reply page = send("GET", QStringLiteral("/courier"));
    const QByteArray policy = page.headers.value("content-security-policy");
    QVERIFY2(policy.contains("connect-src 'self';"), policy.constData());
    QVERIFY2(!policy.contains("ws:") && !policy.contains("wss:"), policy.constData());
}

void tst_WebPages::notBuiltPagesAre503_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("courier page") << QByteArray("GET") << QByteArray("/courier") << 503
                                  << "web_pages_not_built";
    QTest::newRow("tracking page")
        << QByteArray("GET") << QByteArray("/track/K3SBGMVN9V") << 503 << "web_pages_not_built";
    QTest::newRow("asset") << QByteArray("GET") << QByteArray("/web/000000000000/courier.js") << 503
                           << "web_pages_not_built";
    QTest::newRow("HEAD") << QByteArray("HEAD") << QByteArray("/courier") << 503 << QString();
    QTest::newRow("POST") << QByteArray("POST") << QByteArray("/courier") << 405
                          << "method_not_allowed";
}

// A hub built with DEPOT_BUILD_WEB=OFF has no pages in its resources: WebPages without them
// answers every page and file with a JSON error rather than an empty page.
void tst_WebPages::notBuiltPagesAre503()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    QFETCH(QString, code);
    WebPages::Options options;
    options.resourceRoot.clear();
    WebPages pages(options);
    QVERIFY(!pages.isBuilt());
    HttpServer http;
    for (const QString &prefix : WebPages::prefixes())
        http.addEndpoint(prefix, &pages);
    QString error;
    const quint16 port = http.listenOn(QHostAddress::LocalHost, 0, &error);
    QVERIFY2(port != 0, qPrintable(error));

    test::RawHttpClient client(port);
    client.send(test::rawHttpRequest(method, path), method == "HEAD");
    QVERIFY(client.waitForResponses(1));
    const test::RawHttpResponse reply = client.responses().at(0);
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.header("content-type"), QByteArray("application/json; charset=utf-8"));
    QCOMPARE(reply.errorCode(), code);
    if (method == "HEAD")
        QVERIFY(reply.body.isEmpty());
    else
        QVERIFY(!reply.object().value("error").toObject().value("message").toString().isEmpty());
}

QTEST_GUILESS_MAIN(tst_WebPages)
#include "tst_webpages.moc"
