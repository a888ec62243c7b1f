// The hub's one port as a hostile or careless client meets it, over raw sockets: what a response
// head may carry from a request, the CORS header on every answer (errors and refusals included),
// and a long-polling POST over the limits, which answers 413 and ends its session.
#include "hub.h"
#include "loopbackhub.h"
#include "rawhttp.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <memory>

using namespace depot;

namespace {

constexpr char kAdminPassword[] = "admin-secret";

using RawResponse = test::RawHttpResponse;

QByteArray upgradeRequest(const QByteArray &target, const QByteArray &version = "13")
{
    return "GET " + target +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Version: " +
           version + "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
}

QByteArray post(const QByteArray &target, const QByteArray &body,
                const QByteArray &type = "text/plain;charset=UTF-8")
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + type +
           "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

} // namespace

class tst_HttpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void preflightEchoesNothing_data();
    void preflightEchoesNothing();
    void upgradeEchoesNothing_data();
    void upgradeEchoesNothing();
    void everyAnswerCarriesCors_data();
    void everyAnswerCarriesCors();
    void rateLimitedLoginCarriesCors();
    void pollingPostOverLimitEndsSession_data();
    void pollingPostOverLimitEndsSession();
    void proofUploadsAreBoundedInSizeAndNumber();

private:
    QString openPollingSession();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Hub> m_hub;
    quint16 m_port = 0;
};

void tst_HttpServer::initTestCase()
{
    QLoggingCategory::setFilterRules(
        QStringLiteral("depot.transport.debug=false\ndepot.transport.info=false"));
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_hub = std::make_unique<Hub>(
        test::loopbackHubConfig(m_dir->path(), QString::fromLatin1(kAdminPassword)));
    const auto error = m_hub->start();
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
    m_port = m_hub->port();
}

void tst_HttpServer::cleanupTestCase()
{
    m_hub.reset();
}

QString tst_HttpServer::openPollingSession()
{
    const RawResponse r = test::rawHttpExchange(
        m_port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if (r.status != 200 || !r.body.startsWith('0'))
        return {};
    return QJsonDocument::fromJson(r.body.mid(1)).object().value(QStringLiteral("sid")).toString();
}

void tst_HttpServer::preflightEchoesNothing_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::newRow("Engine.IO") << QByteArray("/socket.io/?EIO=4&transport=polling");
    QTest::newRow("REST") << QByteArray("/api/packages");
}

void tst_HttpServer::preflightEchoesNothing()
{
    QFETCH(QByteArray, target);
    // A bare CR inside a header value: reflected, it would end the line for some clients and
    // proxies, and what follows would be a header of the attacker's choosing.
    const RawResponse r = test::rawHttpExchange(
        m_port, "OPTIONS " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://elsewhere.test\r\n"
                    "Access-Control-Request-Method: POST\r\n"
                    "Access-Control-Request-Headers: a\rSet-Cookie: x\r\n\r\n");
    QCOMPARE(r.status, 204);
    QVERIFY2(!r.head.contains("Set-Cookie") && !r.head.contains("set-cookie"), r.head.constData());
    QCOMPARE(r.head.count('\r'), r.head.count("\r\n"));
    QCOMPARE(r.header("access-control-allow-headers"), QByteArray("Authorization, Content-Type"));
    QCOMPARE(r.header("access-control-allow-origin"), QByteArray("*"));
}

void tst_HttpServer::upgradeEchoesNothing_data()
{
    QTest::addColumn<QByteArray>("before"); // a request first: the upgrade then goes to Qt
    QTest::newRow("epoll transport") << QByteArray();
    QTest::newRow("Qt transport") << QByteArray("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

void tst_HttpServer::upgradeEchoesNothing()
{
    QFETCH(QByteArray, before);
    QByteArray upgrade = upgradeRequest("/socket.io/?EIO=4&transport=websocket");
    upgrade.insert(upgrade.size() - 2, "Sec-WebSocket-Protocol: chat\rSet-Cookie: x\r\n"
                                       "Sec-WebSocket-Extensions: x\rSet-Cookie: y\r\n");
    const QList<RawResponse> answers =
        test::rawHttpResponses(m_port, before + upgrade, before.isEmpty() ? 1 : 2);
    QCOMPARE(answers.size(), before.isEmpty() ? 1 : 2);
    const RawResponse &r = answers.last();
    QCOMPARE(r.status, 101);
    QVERIFY2(!r.head.toLower().contains("set-cookie"), r.head.constData());
    QVERIFY(r.header("sec-websocket-protocol").isEmpty());
    QVERIFY(r.header("sec-websocket-extensions").isEmpty());
    QCOMPARE(r.head.count('\r'), r.head.count("\r\n"));
}

void tst_HttpServer::everyAnswerCarriesCors_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("responses"); // the last one is checked, after all on one connection
    QTest::addColumn<int>("status");

    const QByteArray get = " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    QTest::newRow("REST 401") << "GET /api/me" + get << 1 << 401;
    QTest::newRow("REST 404") << "GET /api/nothing" + get << 1 << 404;
    QTest::newRow("REST 405") << "DELETE /healthz" + get << 1 << 405;
    QTest::newRow("REST 413, read")
        << post("/api/packages", QByteArray(1'000'001, 'x'), "application/json") << 1 << 413;
    QTest::newRow("REST 413, announced")
        << QByteArray("POST /api/packages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{")
        << 1 << 413;
    QTest::newRow("Engine.IO 400 transport")
        << "GET /socket.io/?EIO=4&transport=carrier-pigeon" + get << 1 << 400;
    QTest::newRow("Engine.IO 400 sid")
        << "GET /socket.io/?EIO=4&transport=polling&sid=nope" + get << 1 << 400;
    QTest::newRow("Engine.IO 400 EIO 3")
        << "GET /socket.io/?EIO=3&transport=polling" + get << 1 << 400;
    QTest::newRow("Engine.IO 413, announced")
        << QByteArray("POST /socket.io/?EIO=4&transport=polling&sid=nope HTTP/1.1\r\n"
                      "Host: 127.0.0.1\r\nContent-Length: 50000000\r\n\r\n")
        << 1 << 413;
    QTest::newRow("upgrade refused 400")
        << upgradeRequest("/socket.io/?EIO=3&transport=websocket") << 1 << 400;
    QTest::newRow("upgrade refused 426")
        << upgradeRequest("/socket.io/?EIO=4&transport=websocket", "8") << 1 << 426;
    // An upgrade on a connection that already carried a request is Qt's to refuse.
    QTest::newRow("upgrade refused on keep-alive")
        << "GET /healthz" + get + upgradeRequest("/socket.io/?EIO=3&transport=websocket") << 2
        << 400;
    QTest::newRow("OsmAnd 400") << "GET /osmand?id=nobody&lat=52.5&lon=13.4" + get << 1 << 400;
    QTest::newRow("tiles 400") << "GET /tiles/99/0/0.png" + get << 1 << 400;
    QTest::newRow("tiles 405") << post("/tiles/1/0/0.png", "x") << 1 << 405;
    QTest::newRow("page") << "GET /courier" + get << 1 << 200;
    QTest::newRow("health") << "GET /healthz" + get << 1 << 200;
}

void tst_HttpServer::everyAnswerCarriesCors()
{
    QFETCH(QByteArray, request);
    QFETCH(int, responses);
    QFETCH(int, status);
    const QList<RawResponse> answers = test::rawHttpResponses(m_port, request, responses);
    QCOMPARE(answers.size(), responses);
    const RawResponse &r = answers.last();
    QCOMPARE(r.status, status);
    QCOMPARE(r.headerValues("access-control-allow-origin"), QList<QByteArray>{"*"});
}

void tst_HttpServer::rateLimitedLoginCarriesCors()
{
    // Failed logins until the address is limited; the 429 is an answer like any other.
    const QByteArray wrong = post(
        "/api/auth/login", R"({"username":"dispatcher","password":"wrong"})", "application/json");
    RawResponse r;
    for (int i = 0; i < 20 && r.status != 429; ++i)
        r = test::rawHttpExchange(m_port, wrong, {}, 10000);
    QCOMPARE(r.status, 429);
    QCOMPARE(r.header("access-control-allow-origin"), QByteArray("*"));
}

void tst_HttpServer::pollingPostOverLimitEndsSession_data()
{
    QTest::addColumn<QByteArray>("postHead");
    QTest::addColumn<QByteArray>("postBody");
    // maxPayload is 1000000 bytes, as engine.io's default.
    QTest::newRow("one byte over, sent") << QByteArray() << "4" + QByteArray(1'000'000, 'a');
    QTest::newRow("far over, announced")
        << QByteArray("Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 50000000\r\n")
        << QByteArray("4aaaa");
}

void tst_HttpServer::pollingPostOverLimitEndsSession()
{
    QFETCH(QByteArray, postHead);
    QFETCH(QByteArray, postBody);
    const QString sid = openPollingSession();
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/socket.io/?EIO=4&transport=polling&sid=" + sid.toLatin1();

    const RawResponse refused = test::rawHttpExchange(
        m_port, postHead.isEmpty() ? post(target, postBody)
                                   : "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                         postHead + "\r\n" + postBody);
    QCOMPARE(refused.status, 413);
    QCOMPARE(refused.header("access-control-allow-origin"), QByteArray("*"));

    // As engine.io: the session is over, so it gets no pings or broadcasts; its sid is unknown.
    const RawResponse poll =
        test::rawHttpExchange(m_port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QCOMPARE(poll.status, 400);
    QCOMPARE(QJsonDocument::fromJson(poll.body).object().value(QStringLiteral("code")).toInt(), 1);
    QCOMPARE(poll.header("access-control-allow-origin"), QByteArray("*"));
}

void tst_HttpServer::proofUploadsAreBoundedInSizeAndNumber()
{
    // A hub of its own: one upload at a time, files of at most 300 kB (a body of 1.27 MB).
    QTemporaryDir dir;
    HubConfig config = test::loopbackHubConfig(dir.path(), QString::fromLatin1(kAdminPassword));
    config.proofUploadsAtOnce = 1;
    config.proofMaxFileBytes = 300'000;
    Hub hub(config);
    const auto error = hub.start();
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
    const QByteArray target =
        "/api/packages/" + QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1() + "/proof";
    const QByteArray limitHead = "Content-Type: multipart/form-data; boundary=q\r\n";
    auto head = [&](qint64 length) -> QByteArray {
        return "PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + limitHead +
               "Content-Length: " + QByteArray::number(length) + "\r\n\r\n";
    };

    // Past 1 MB, as the route allows, but under its own limit (4 files and the form).
    const qint64 allowed = 4 * 300'000 + 64 * 1024;
    test::RawHttpClient first(hub.port());
    first.send(head(allowed) + QByteArray(100, 'x'));
    QVERIFY(QTest::qWaitFor([&] { return first.sent(); }, test::kRawHttpWaitMs));

    // Once the hub reads it (the epoll transport hands it over in a later pass), another upload
    // is turned away at once.
    RawResponse second;
    QVERIFY(QTest::qWaitFor(
        [&] {
            second = test::rawHttpExchange(hub.port(), head(10) + QByteArray(10, 'x'));
            return second.status == 503;
        },
        test::kRawHttpWaitMs));
    QCOMPARE(second.errorCode(), QStringLiteral("too_many_uploads"));
    QCOMPARE(second.header("retry-after"), QByteArray("1"));
    QVERIFY(first.responses().isEmpty());

    // The first one whole: answered (no token), and its slot free again.
    first.send(QByteArray(allowed - 100, 'x'));
    QVERIFY(first.waitForResponses());
    QCOMPARE(first.responses()[0].status, 401);
    const RawResponse third = test::rawHttpExchange(hub.port(), head(10) + QByteArray(10, 'x'));
    QCOMPARE(third.status, 401);

    // Over the route's limit, and over 1 MB elsewhere: 413, the limit named.
    const RawResponse over = test::rawHttpExchange(hub.port(), head(allowed + 1));
    QCOMPARE(over.status, 413);
    QVERIFY2(over.body.contains(QByteArray::number(allowed)), over.body.constData());
    const RawResponse elsewhere =
        test::rawHttpExchange(hub.port(), test::rawHttpRequest("POST", "/api/packages",
                                                               "Content-Type: application/json\r\n",
                                                               QByteArray(1'000'001, ' ')));
    QCOMPARE(elsewhere.status, 413);
}

QTEST_GUILESS_MAIN(tst_HttpServer)
#include "tst_httpserver.moc"
