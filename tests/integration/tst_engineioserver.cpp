// The Engine.IO v4 server over real sockets: raw HTTP/1.1 long-polling and QWebSocket clients
// against an HttpServer on 127.0.0.1, checked against what the engine.io reference server does.
#include "protocol/engineio.h"
#include "rawhttp.h"
#include "transport/engineioserver.h"
#include "transport/httpserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace depot;

namespace {

constexpr int kWait = 5000;

using HttpReply = test::RawHttpResponse;

/// The code of an Engine.IO error body `{"code","message"}`, or -1.
int errorCode(const HttpReply &reply)
{
    return reply.object().value(QStringLiteral("code")).toInt(-1);
}

QString errorMessage(const HttpReply &reply)
{
    return reply.object().value(QStringLiteral("message")).toString();
}

/// One request on its own connection, answered whenever the server chooses (long-polling).
class RawRequest
{
public:
    RawRequest(quint16 port, const QByteArray &method, const QByteArray &target,
               const QByteArray &body = {}, const QByteArray &extraHeaders = {})
        : m_client(port)
    {
        QByteArray headers = extraHeaders;
        if (!body.isEmpty() || method == "POST")
            headers += "Content-Type: text/plain;charset=UTF-8\r\n";
        m_client.send(test::rawHttpRequest(method, target, headers, body));
    }

    bool finished() const { return !m_client.responses().isEmpty(); }
    /// The whole request has left this side.
    bool sent() const { return m_client.sent(); }
    HttpReply reply() const { return m_client.responses().value(0); }
    void abort() { m_client.abort(); }

private:
    test::RawHttpClient m_client;
};

/// A WebSocket client that records what it receives.
struct WsClient
{
    QWebSocket socket;
    QStringList texts;
    QList<QByteArray> binaries;
    bool connected = false;
    bool disconnected = false;

    explicit WsClient(const QUrl &url)
    {
        QObject::connect(&socket, &QWebSocket::connected, &socket, [this] { connected = true; });
        QObject::connect(&socket, &QWebSocket::disconnected, &socket,
                         [this] { disconnected = true; });
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket,
                         [this](const QString &t) { texts.append(t); });
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, &socket,
                         [this](const QByteArray &b) { binaries.append(b); });
        socket.open(url);
    }
};

/// An HttpServer with an echoing EngineIoServer under /engine.io/. Text messages "close" and
/// "flood:N" make the server close the session or send N frames of 1 KB at once.
struct Harness
{
    HttpServer http;
    EngineIoServer eio;
    quint16 port = 0;
    QList<QPointer<EngineIoSession>> sessions;
    QHash<QString, QString> closedReasons; // sid -> reason
    QHash<QString, int> closedCounts;

    explicit Harness(EngineIoServer::Options options)
        : eio(std::move(options))
    {
        http.addEndpoint(QStringLiteral("/engine.io/"), &eio);
        QString error;
        port = http.listenOn(QHostAddress::LocalHost, 0, &error);
        QObject::connect(&eio, &EngineIoServer::connection, &eio, [this](EngineIoSession *s) {
            sessions.append(s);
            const QString sid = s->id();
            QObject::connect(
                s, &EngineIoSession::message, s, [s](const QByteArray &data, bool binary) {
                    if (!binary && data == "close") {
                        s->close();
                    } else if (!binary && data.startsWith("flood:")) {
                        const engineio::Frame frame{engineio::encodeMessage(QByteArray(1024, 'x')),
                                                    false};
                        for (int i = data.mid(6).toInt(); i > 0; --i)
                            s->send(frame);
                    } else {
                        s->send(binary ? engineio::Frame{data, true}
                                       : engineio::Frame{engineio::encodeMessage(data), false});
                    }
                });
            QObject::connect(s, &EngineIoSession::closed, &eio, [this, sid](const QString &reason) {
                closedReasons.insert(sid, reason);
                ++closedCounts[sid];
            });
        });
    }

    QByteArray target(const QByteArray &query) const { return "/engine.io/?" + query; }
    QUrl wsUrl(const QByteArray &query) const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/engine.io/?%2")
                        .arg(port)
                        .arg(QString::fromLatin1(query)));
    }
    QByteArray sidQuery(const QString &sid) const
    {
        return "EIO=4&transport=polling&sid=" + sid.toLatin1();
    }
};

EngineIoServer::Options quickOptions()
{
    EngineIoServer::Options o;
    o.pingIntervalMs = 10000; // heartbeat tests shorten these
    o.pingTimeoutMs = 5000;
    o.maxPayload = 1000;
    o.upgradeTimeoutMs = 500;
    o.maxBufferedBytes = 64 * 1024;
    return o;
}

EngineIoServer::Options heartbeatOptions()
{
    EngineIoServer::Options o = quickOptions();
    o.pingIntervalMs = 300;
    o.pingTimeoutMs = 200;
    return o;
}

bool waitFor(const std::function<bool()> &done, int timeout = kWait)
{
    return QTest::qWaitFor(done, timeout);
}

HttpReply request(const Harness &h, const QByteArray &method, const QByteArray &query,
                  const QByteArray &body = {}, const QByteArray &extraHeaders = {})
{
    RawRequest r(h.port, method, h.target(query), body, extraHeaders);
    if (!waitFor([&] { return r.finished(); }))
        return {};
    return r.reply();
}

/// A GET that the server has parked: a later request on another connection has been answered.
std::unique_ptr<RawRequest> parkPoll(const Harness &h, const QString &sid)
{
    auto poll = std::make_unique<RawRequest>(h.port, "GET", h.target(h.sidQuery(sid)));
    if (!waitFor([&] { return poll->sent(); }))
        return nullptr;
    if (request(h, "POST", h.sidQuery(sid), "6").status != 200) // a Noop, ignored
        return nullptr;
    return poll;
}

QJsonObject openPacket(const QByteArray &payload)
{
    if (!payload.startsWith('0'))
        return {};
    return QJsonDocument::fromJson(payload.mid(1)).object();
}

} // namespace

class TestEngineIoServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void pollingHandshake();
    void handshakeErrors_data();
    void handshakeErrors();
    void webSocketRefused_data();
    void webSocketRefused();
    void preflight();
    void pollingEcho();
    void pollingBinaryEcho();
    void pollingHeartbeat();
    void heartbeatDeadlineBeatsLateTimer_data();
    void heartbeatDeadlineBeatsLateTimer();
    void pollingClientClose();
    void overlappingPolls();
    void postTooLarge();
    void postParseError_data();
    void postParseError();
    void strayPongAndClientPing();
    void vanishingPoll();
    void serverClosePolling();
    void serverCloseWithoutPoll();
    void pollingBufferCap();
    void webSocketSession();
    void webSocketHeartbeat();
    void webSocketBadPacket_data();
    void webSocketBadPacket();
    void webSocketServerClose();
    void webSocketBufferCap();
    void upgrade();
    void upgradeWithoutWaitingForNoop();
    void upgradeTimeout();
    void upgradeBadProbePacket();

private:
    // Opens a polling session and returns its sid.
    QString handshake(Harness &h);
};

QString TestEngineIoServer::handshake(Harness &h)
{
    const HttpReply r = request(h, "GET", "EIO=4&transport=polling");
    return openPacket(r.body).value(QStringLiteral("sid")).toString();
}

void TestEngineIoServer::initTestCase()
{
    // Every session logs its opening and closing; the tests make hundreds.
    QLoggingCategory::setFilterRules(QStringLiteral("depot.transport.debug=false"));
}

void TestEngineIoServer::pollingHandshake()
{
    Harness h(quickOptions());
    QSignalSpy connections(&h.eio, &EngineIoServer::connection);
    const HttpReply r = request(h, "GET", "EIO=4&transport=polling", {}, "User-Agent: tester\r\n");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("content-type"), QByteArray("text/plain; charset=UTF-8"));
    QCOMPARE(r.header("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(r.header("set-cookie").isEmpty());
    const QJsonObject open = openPacket(r.body);
    QCOMPARE(open.keys(),
             (QStringList{"maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"}));
    const QString sid = open.value(QStringLiteral("sid")).toString();
    QVERIFY(sid.size() >= 20);
    QVERIFY(QRegularExpression(QStringLiteral("^[A-Za-z0-9_-]+$")).match(sid).hasMatch());
    QCOMPARE(open.value(QStringLiteral("upgrades")).toArray(), QJsonArray{"websocket"});
    QCOMPARE(open.value(QStringLiteral("pingInterval")).toInt(), 10000);
    QCOMPARE(open.value(QStringLiteral("pingTimeout")).toInt(), 5000);
    QCOMPARE(open.value(QStringLiteral("maxPayload")).toInt(), 1000);

    QCOMPARE(connections.size(), 1);
    QCOMPARE(h.eio.sessionCount(), 1);
    EngineIoSession *s = h.sessions.value(0);
    QVERIFY(s);
    QCOMPARE(s->id(), sid);
    QVERIFY(s->isOpen());
    QCOMPARE(s->transport(), engineio::Transport::Polling);

    // Every session gets its own sid.
    QVERIFY(handshake(h) != sid);
    QCOMPARE(h.eio.sessionCount(), 2);
}

void TestEngineIoServer::handshakeErrors_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");

    const QString unknownTransport = QStringLiteral("Transport unknown");
    const QString badVersion = QStringLiteral("Unsupported protocol version");
    QTest::newRow("no transport") << QByteArray("GET") << QByteArray("EIO=4") << 0
                                  << unknownTransport;
    QTest::newRow("bad transport")
        << QByteArray("GET") << QByteArray("EIO=4&transport=abc") << 0 << unknownTransport;
    QTest::newRow("__proto__") << QByteArray("GET") << QByteArray("EIO=4&transport=__proto__") << 0
                               << unknownTransport;
    QTest::newRow("constructor") << QByteArray("GET") << QByteArray("EIO=4&transport=constructor")
                                 << 0 << unknownTransport;
    QTest::newRow("repeated transport")
        << QByteArray("GET") << QByteArray("EIO=4&transport=polling&transport=polling") << 0
        << unknownTransport;
    QTest::newRow("no EIO") << QByteArray("GET") << QByteArray("transport=polling") << 5
                            << badVersion;
    QTest::newRow("EIO=abc") << QByteArray("GET") << QByteArray("EIO=abc&transport=polling") << 5
                             << badVersion;
    QTest::newRow("EIO=3") << QByteArray("GET") << QByteArray("EIO=3&transport=polling") << 5
                           << badVersion;
    QTest::newRow("unknown sid") << QByteArray("GET")
                                 << QByteArray("EIO=4&transport=polling&sid=abcdefghijklmnopqrst")
                                 << 1 << QStringLiteral("Session ID unknown");
    QTest::newRow("unknown sid POST")
        << QByteArray("POST") << QByteArray("EIO=4&transport=polling&sid=__proto__") << 1
        << QStringLiteral("Session ID unknown");
    QTest::newRow("POST handshake") << QByteArray("POST") << QByteArray("EIO=4&transport=polling")
                                    << 2 << QStringLiteral("Bad handshake method");
    QTest::newRow("PUT handshake") << QByteArray("PUT") << QByteArray("EIO=4&transport=polling")
                                   << 2 << QStringLiteral("Bad handshake method");
    QTest::newRow("websocket without upgrade")
        << QByteArray("GET") << QByteArray("EIO=4&transport=websocket") << 3
        << QStringLiteral("Bad request");
}

void TestEngineIoServer::handshakeErrors()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, query);
    QFETCH(int, code);
    QFETCH(QString, message);

    Harness h(quickOptions());
    const HttpReply r = request(h, method, query, method == "GET" ? QByteArray() : "4x");
    QCOMPARE(r.status, 400);
    QCOMPARE(r.header("content-type"), QByteArray("application/json"));
    QCOMPARE(errorCode(r), code);
    QCOMPARE(errorMessage(r), message);
    QCOMPARE(h.eio.sessionCount(), 0);
}

void TestEngineIoServer::webSocketRefused_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::newRow("no transport") << QByteArray("EIO=4");
    QTest::newRow("bad transport") << QByteArray("EIO=4&transport=__proto__");
    QTest::newRow("polling") << QByteArray("EIO=4&transport=polling");
    QTest::newRow("no EIO") << QByteArray("transport=websocket");
    QTest::newRow("EIO=abc") << QByteArray("EIO=abc&transport=websocket");
    QTest::newRow("unknown sid") << QByteArray("EIO=4&transport=websocket&sid=nope");
}

void TestEngineIoServer::webSocketRefused()
{
    QFETCH(QByteArray, query);
    Harness h(quickOptions());
    WsClient ws(h.wsUrl(query));
    QVERIFY(waitFor([&] { return ws.disconnected; }));
    QVERIFY(!ws.connected);
    QCOMPARE(h.eio.sessionCount(), 0);
}

void TestEngineIoServer::preflight()
{
    Harness h(quickOptions());
    const HttpReply r =
        request(h, "OPTIONS", "EIO=4&transport=polling", {},
                "Origin: http://example.test\r\nAccess-Control-Request-Method: POST\r\n"
                "Access-Control-Request-Headers: content-type\r\n");
    QCOMPARE(r.status, 204);
    QCOMPARE(r.header("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(r.header("access-control-allow-methods").contains("POST"));
    QCOMPARE(r.header("access-control-allow-headers"), QByteArray("Authorization, Content-Type"));
    QCOMPARE(h.eio.sessionCount(), 0);
}

void TestEngineIoServer::pollingEcho()
{
    Harness h(quickOptions());
    const QString sid = handshake(h);
    QVERIFY(!sid.isEmpty());

    // Nothing to send yet: the GET waits.
    const auto poll = parkPoll(h, sid);
    QVERIFY(poll);
    QVERIFY(!poll->finished());
    const HttpReply post = request(h, "POST", h.sidQuery(sid), "4hello");
    QCOMPARE(post.status, 200);
    QCOMPARE(post.body, QByteArray("ok"));
    QCOMPARE(post.header("content-type"), QByteArray("text/html"));
    QCOMPARE(post.header("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(waitFor([&] { return poll->finished(); }));
    QCOMPARE(poll->reply().status, 200);
    QCOMPARE(poll->reply().body, QByteArray("4hello"));
    QCOMPARE(poll->reply().header("access-control-allow-origin"), QByteArray("*"));

    // Several packets in one POST; with no GET waiting they queue and leave together.
    QCOMPARE(request(h, "POST", h.sidQuery(sid),
                     "4a\x1e"
                     "4b\x1e"
                     "4\xc3\xa9t\xc3\xa9")
                 .status,
             200);
    const HttpReply queued = request(h, "GET", h.sidQuery(sid));
    QCOMPARE(queued.status, 200);
    QCOMPARE(queued.body, QByteArray("4a\x1e"
                                     "4b\x1e"
                                     "4\xc3\xa9t\xc3\xa9"));
    QCOMPARE(h.closedReasons.size(), 0);
}

void TestEngineIoServer::pollingBinaryEcho()
{
    Harness h(quickOptions());
    QList<QByteArray> received;
    QObject::connect(&h.eio, &EngineIoServer::connection, &h.eio, [&](EngineIoSession *s) {
        QObject::connect(s, &EngineIoSession::message, s, [&](const QByteArray &d, bool binary) {
            if (binary)
                received.append(d);
        });
    });
    const QString sid = handshake(h);
    QCOMPARE(request(h, "POST", h.sidQuery(sid),
                     "bAQID\x1e"
                     "4text")
                 .status,
             200);
    QCOMPARE(received, QList<QByteArray>{QByteArray("\x01\x02\x03")});
    QCOMPARE(request(h, "GET", h.sidQuery(sid)).body, QByteArray("bAQID\x1e"
                                                                 "4text"));
}

void TestEngineIoServer::pollingHeartbeat()
{
    Harness h(heartbeatOptions());
    const QString sid = handshake(h);
    for (int i = 0; i < 3; ++i) {
        const HttpReply ping = request(h, "GET", h.sidQuery(sid));
        QCOMPARE(ping.status, 200);
        QCOMPARE(ping.body, QByteArray("2"));
        QCOMPARE(request(h, "POST", h.sidQuery(sid), "3").status, 200);
    }
    QVERIFY(h.closedReasons.isEmpty());
    // No pong any more: the session ends and its sid is forgotten.
    QVERIFY(waitFor([&] { return h.closedReasons.contains(sid); }));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("ping timeout"));
    QCOMPARE(h.eio.sessionCount(), 0);
    const HttpReply after = request(h, "GET", h.sidQuery(sid));
    QCOMPARE(after.status, 400);
    QCOMPARE(errorCode(after), 1);
}

void TestEngineIoServer::heartbeatDeadlineBeatsLateTimer_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("poll") << QByteArray("GET") << QByteArray();
    QTest::newRow("late pong") << QByteArray("POST") << QByteArray("3");
}

void TestEngineIoServer::heartbeatDeadlineBeatsLateTimer()
{
    // The public suite's "closes the session upon ping timeout": a request that arrives after
    // pingInterval + pingTimeout finds the session gone, even when the server's loop was too busy
    // to run its timers first (Qt reads sockets before it runs due timers in a pass).
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, body);
    Harness h(heartbeatOptions()); // 300 + 200 ms
    const QString sid = handshake(h);
    QVERIFY(!sid.isEmpty());

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, h.port);
    QVERIFY(client.waitForConnected(kWait));
    QByteArray head = method + ' ' + h.target(h.sidQuery(sid)) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (method == "POST")
        head += "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " +
                QByteArray::number(body.size()) + "\r\n";
    client.write(head + "\r\n" + body);
    QVERIFY(client.waitForBytesWritten(kWait));
    // Stalls this thread, and with it the server's loop, past the deadline: a loaded machine.
    QTest::qSleep(550);

    QVERIFY(waitFor([&] { return client.peek(client.bytesAvailable()).contains("\r\n\r\n"); }));
    const QByteArray answer = client.readAll();
    QVERIFY2(answer.startsWith("HTTP/1.1 400"), answer.constData());
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("ping timeout"));
    QCOMPARE(h.eio.sessionCount(), 0);
}

void TestEngineIoServer::pollingClientClose()
{
    // As the reference: the parked GET gets a Noop, the session ends "transport close".
    Harness h(quickOptions());
    const QString sid = handshake(h);
    const auto poll = parkPoll(h, sid);
    QVERIFY(poll);
    QCOMPARE(request(h, "POST", h.sidQuery(sid), "1").status, 200);
    QVERIFY(waitFor([&] { return poll->finished(); }));
    QCOMPARE(poll->reply().body, QByteArray("6"));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("transport close"));
    QCOMPARE(request(h, "GET", h.sidQuery(sid)).status, 400);
}

void TestEngineIoServer::overlappingPolls()
{
    Harness h(quickOptions());
    const QString sid = handshake(h);
    const auto first = parkPoll(h, sid);
    QVERIFY(first);
    QVERIFY(!first->finished());

    const HttpReply second = request(h, "GET", h.sidQuery(sid));
    QCOMPARE(second.status, 400);
    QVERIFY(waitFor([&] { return first->finished(); }));
    QCOMPARE(first->reply().status, 200);
    QCOMPARE(first->reply().body, QByteArray("1"));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("transport error"));
    QCOMPARE(h.closedCounts.value(sid), 1);
    QCOMPARE(h.eio.sessionCount(), 0);
}

void TestEngineIoServer::postTooLarge()
{
    Harness h(quickOptions()); // maxPayload 1000
    const QString sid = handshake(h);
    QCOMPARE(request(h, "POST", h.sidQuery(sid), "4" + QByteArray(999, 'a')).status, 200);
    const HttpReply r = request(h, "POST", h.sidQuery(sid), "4" + QByteArray(1000, 'a'));
    QCOMPARE(r.status, 413);
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("transport error"));
    QCOMPARE(request(h, "GET", h.sidQuery(sid)).status, 400);
}

void TestEngineIoServer::postParseError_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("unknown type") << QByteArray("9abc");
    QTest::newRow("letter") << QByteArray("x");
    QTest::newRow("empty packet") << QByteArray("4a\x1e\x1e"
                                                "4b");
    QTest::newRow("bad base64") << QByteArray("b!!!");
    QTest::newRow("data on noop") << QByteArray("6junk");
    QTest::newRow("bad after good") << QByteArray("4a\x1e"
                                                  "z");
}

void TestEngineIoServer::postParseError()
{
    QFETCH(QByteArray, body);
    Harness h(quickOptions());
    int messages = 0;
    QObject::connect(&h.eio, &EngineIoServer::connection, &h.eio, [&](EngineIoSession *s) {
        QObject::connect(s, &EngineIoSession::message, s, [&] { ++messages; });
    });
    const QString sid = handshake(h);
    const HttpReply r = request(h, "POST", h.sidQuery(sid), body);
    QCOMPARE(r.status, 400);
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("parse error"));
    QCOMPARE(messages, 0); // strict: a bad payload delivers none of its packets
    QCOMPARE(h.eio.sessionCount(), 0);
}

void TestEngineIoServer::strayPongAndClientPing()
{
    Harness h(quickOptions());
    const QString sid = handshake(h);
    QCOMPARE(request(h, "POST", h.sidQuery(sid),
                     "3\x1e"
                     "3")
                 .status,
             200);
    QVERIFY(h.eio.session(sid));
    // EIO 4 clients never ping; the reference server drops one that does.
    QCOMPARE(request(h, "POST", h.sidQuery(sid), "2").status, 200);
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("transport error"));
}

void TestEngineIoServer::vanishingPoll()
{
    Harness h(heartbeatOptions());
    const QString sid = handshake(h);
    {
        const auto poll = parkPoll(h, sid);
        QVERIFY(poll);
        poll->abort();
    }
    QCOMPARE(h.eio.sessionCount(), 1);
    // The ping finds no one to deliver to; the missing pong ends the session.
    QVERIFY(waitFor([&] { return h.closedReasons.contains(sid); }));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("ping timeout"));
    QCOMPARE(h.eio.sessionCount(), 0);
}

void TestEngineIoServer::serverClosePolling()
{
    Harness h(quickOptions());
    const QString sid = handshake(h);
    const auto poll = parkPoll(h, sid);
    QVERIFY(poll);
    h.sessions.value(0)->close();
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("server close"));
    QVERIFY(waitFor([&] { return poll->finished(); }));
    QCOMPARE(poll->reply().body, QByteArray("1"));
    QCOMPARE(request(h, "GET", h.sidQuery(sid)).status, 400);
    QVERIFY(waitFor([&] { return h.sessions.value(0).isNull(); })); // deleted later
}

void TestEngineIoServer::serverCloseWithoutPoll()
{
    // No GET is waiting: the queued message and the Close packet go to the next one.
    Harness h(quickOptions());
    const QString sid = handshake(h);
    QCOMPARE(request(h, "POST", h.sidQuery(sid),
                     "4bye\x1e"
                     "4close")
                 .status,
             200);
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("server close"));
    QCOMPARE(h.eio.sessionCount(), 0);
    const HttpReply last = request(h, "GET", h.sidQuery(sid));
    QCOMPARE(last.status, 200);
    QCOMPARE(last.body, QByteArray("4bye\x1e"
                                   "1"));
    QCOMPARE(request(h, "GET", h.sidQuery(sid)).status, 400);
    QCOMPARE(h.closedCounts.value(sid), 1);
}

void TestEngineIoServer::pollingBufferCap()
{
    EngineIoServer::Options o = quickOptions();
    o.maxBufferedBytes = 8 * 1024;
    Harness h(o);
    const QString sid = handshake(h);
    QCOMPARE(request(h, "POST", h.sidQuery(sid), "4flood:4").status, 200);
    QVERIFY(h.eio.session(sid));
    QCOMPARE(h.sessions.value(0)->bufferedBytes(), 4 * 1026);
    QCOMPARE(request(h, "POST", h.sidQuery(sid), "4flood:8").status, 200);
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("transport error"));
    QVERIFY(waitFor([&] { return h.sessions.value(0).isNull(); }));
}

void TestEngineIoServer::webSocketSession()
{
    Harness h(quickOptions());
    QSignalSpy connections(&h.eio, &EngineIoServer::connection);
    WsClient ws(h.wsUrl("EIO=4&transport=websocket&token=abc"));
    QVERIFY(waitFor([&] { return !ws.texts.isEmpty(); }));
    const QJsonObject open = openPacket(ws.texts.first().toUtf8());
    QCOMPARE(open.value(QStringLiteral("upgrades")).toArray(), QJsonArray());
    QCOMPARE(open.value(QStringLiteral("pingInterval")).toInt(), 10000);
    QCOMPARE(open.value(QStringLiteral("maxPayload")).toInt(), 1000);
    const QString sid = open.value(QStringLiteral("sid")).toString();
    QVERIFY(sid.size() >= 20);
    QCOMPARE(connections.size(), 1);
    EngineIoSession *s = h.sessions.value(0);
    QCOMPARE(s->id(), sid);
    QCOMPARE(s->transport(), engineio::Transport::WebSocket);

    ws.socket.sendTextMessage(QStringLiteral("4h\u00e9llo"));
    QVERIFY(waitFor([&] { return ws.texts.size() == 2; }));
    QCOMPARE(ws.texts.at(1), QStringLiteral("4h\u00e9llo"));
    ws.socket.sendBinaryMessage(QByteArray("\x00\xff\x10", 3));
    QVERIFY(waitFor([&] { return ws.binaries.size() == 1; }));
    QCOMPARE(ws.binaries.first(), QByteArray("\x00\xff\x10", 3));

    // Plain HTTP for a WebSocket session is a transport mismatch.
    const HttpReply mismatch = request(h, "GET", h.sidQuery(sid));
    QCOMPARE(mismatch.status, 400);
    QCOMPARE(errorCode(mismatch), 3);

    // A message over maxPayload breaks the connection.
    ws.socket.sendTextMessage(QStringLiteral("4") + QString(1200, QLatin1Char('a')));
    QVERIFY(waitFor([&] { return ws.disconnected; }));
    QVERIFY(waitFor([&] { return h.closedReasons.contains(sid); }));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("transport close"));
    QCOMPARE(h.eio.sessionCount(), 0);
}

void TestEngineIoServer::webSocketHeartbeat()
{
    Harness h(heartbeatOptions());
    WsClient ws(h.wsUrl("EIO=4&transport=websocket"));
    QVERIFY(waitFor([&] { return !ws.texts.isEmpty(); }));
    const QString sid =
        openPacket(ws.texts.first().toUtf8()).value(QStringLiteral("sid")).toString();
    for (int i = 1; i <= 3; ++i) {
        QVERIFY(waitFor([&] { return ws.texts.size() == i + 1; }));
        QCOMPARE(ws.texts.last(), QStringLiteral("2"));
        ws.socket.sendTextMessage(QStringLiteral("3"));
    }
    QVERIFY(waitFor([&] { return ws.disconnected; }));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("ping timeout"));
}

void TestEngineIoServer::webSocketBadPacket_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");
    QTest::newRow("unknown type") << QStringLiteral("x") << QStringLiteral("parse error");
    QTest::newRow("digit 9") << QStringLiteral("9") << QStringLiteral("parse error");
    QTest::newRow("empty") << QString() << QStringLiteral("parse error");
    QTest::newRow("close with data") << QStringLiteral("1x") << QStringLiteral("parse error");
    QTest::newRow("client ping") << QStringLiteral("2") << QStringLiteral("transport error");
    QTest::newRow("client close") << QStringLiteral("1") << QStringLiteral("transport close");
}

void TestEngineIoServer::webSocketBadPacket()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);
    Harness h(quickOptions());
    WsClient ws(h.wsUrl("EIO=4&transport=websocket"));
    QVERIFY(waitFor([&] { return !ws.texts.isEmpty(); }));
    const QString sid =
        openPacket(ws.texts.first().toUtf8()).value(QStringLiteral("sid")).toString();
    ws.socket.sendTextMessage(QStringLiteral("3")); // a stray pong is harmless
    ws.socket.sendTextMessage(text);
    QVERIFY(waitFor([&] { return ws.disconnected; }));
    QCOMPARE(h.closedReasons.value(sid), reason);
    QCOMPARE(h.closedCounts.value(sid), 1);
}

void TestEngineIoServer::webSocketServerClose()
{
    Harness h(quickOptions());
    WsClient ws(h.wsUrl("EIO=4&transport=websocket"));
    QVERIFY(waitFor([&] { return !ws.texts.isEmpty(); }));
    const QString sid =
        openPacket(ws.texts.first().toUtf8()).value(QStringLiteral("sid")).toString();
    ws.socket.sendTextMessage(QStringLiteral("4close"));
    QVERIFY(waitFor([&] { return ws.disconnected; }));
    QCOMPARE(ws.texts.last(), QStringLiteral("1"));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("server close"));
    QCOMPARE(h.closedCounts.value(sid), 1);
}

void TestEngineIoServer::webSocketBufferCap()
{
    EngineIoServer::Options o = quickOptions();
    o.maxBufferedBytes = 8 * 1024;
    Harness h(o);
    WsClient ws(h.wsUrl("EIO=4&transport=websocket"));
    QVERIFY(waitFor([&] { return !ws.texts.isEmpty(); }));
    const QString sid =
        openPacket(ws.texts.first().toUtf8()).value(QStringLiteral("sid")).toString();
    // Written out between events, a few frames never pile up...
    ws.socket.sendTextMessage(QStringLiteral("4flood:4"));
    QVERIFY(waitFor([&] { return ws.texts.size() == 5; }));
    QVERIFY(waitFor([&] { return h.sessions.value(0)->bufferedBytes() == 0; }));
    // ...but more than the cap at once is a client that cannot keep up.
    ws.socket.sendTextMessage(QStringLiteral("4flood:20"));
    QVERIFY(waitFor([&] { return h.closedReasons.contains(sid); }));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("transport error"));
    QVERIFY(waitFor([&] { return ws.disconnected; }));
}

void TestEngineIoServer::upgrade()
{
    Harness h(quickOptions());
    const QString sid = handshake(h);
    const auto poll = parkPoll(h, sid);
    QVERIFY(poll);

    WsClient ws(h.wsUrl("EIO=4&transport=websocket&sid=" + sid.toLatin1()));
    QVERIFY(waitFor([&] { return ws.connected; }));
    QVERIFY(ws.texts.isEmpty()); // no Open packet on an upgrade
    ws.socket.sendTextMessage(QStringLiteral("2probe"));
    QVERIFY(waitFor([&] { return ws.texts.size() == 1; }));
    QCOMPARE(ws.texts.first(), QStringLiteral("3probe"));
    QVERIFY(waitFor([&] { return poll->finished(); }));
    QCOMPARE(poll->reply().body, QByteArray("6"));
    // While upgrading, a poll gets a Noop at once.
    QCOMPARE(request(h, "GET", h.sidQuery(sid)).body, QByteArray("6"));
    // A second upgrade attempt is turned away.
    WsClient other(h.wsUrl("EIO=4&transport=websocket&sid=" + sid.toLatin1()));
    QVERIFY(waitFor([&] { return other.disconnected; }));

    // Sent while upgrading: queued for polling, then flushed over the WebSocket.
    h.sessions.value(0)->send({engineio::encodeMessage("queued"), false});
    ws.socket.sendTextMessage(QStringLiteral("5"));
    QVERIFY(waitFor([&] { return ws.texts.size() == 2; }));
    QCOMPARE(ws.texts.at(1), QStringLiteral("4queued"));
    QCOMPARE(h.sessions.value(0)->transport(), engineio::Transport::WebSocket);

    ws.socket.sendTextMessage(QStringLiteral("4over ws"));
    QVERIFY(waitFor([&] { return ws.texts.size() == 3; }));
    QCOMPARE(ws.texts.at(2), QStringLiteral("4over ws"));

    const HttpReply after = request(h, "GET", h.sidQuery(sid));
    QCOMPARE(after.status, 400);
    QCOMPARE(errorCode(after), 3);
    // Another WebSocket for the upgraded session is let in, then closed without disturbing it.
    WsClient late(h.wsUrl("EIO=4&transport=websocket&sid=" + sid.toLatin1()));
    QVERIFY(waitFor([&] { return late.disconnected; }));
    QVERIFY(late.connected);
    QVERIFY(late.texts.isEmpty());
    QVERIFY(h.closedReasons.isEmpty());

    ws.socket.close();
    QVERIFY(waitFor([&] { return h.closedReasons.contains(sid); }));
    QCOMPARE(h.closedReasons.value(sid), QStringLiteral("transport close"));
}

void TestEngineIoServer::upgradeWithoutWaitingForNoop()
{
    Harness h(quickOptions());
    const QString sid = handshake(h);
    WsClient ws(h.wsUrl("EIO=4&transport=websocket&sid=" + sid.toLatin1()));
    QVERIFY(waitFor([&] { return ws.connected; }));
    const auto poll = parkPoll(h, sid);
    QVERIFY(poll);
    // Probe and Upgrade back to back: the poll is answered only once the upgrade is done, and
    // then as one for an upgraded session.
    ws.socket.sendTextMessage(QStringLiteral("2probe"));
    ws.socket.sendTextMessage(QStringLiteral("5"));
    QVERIFY(waitFor([&] { return poll->finished(); }));
    QCOMPARE(poll->reply().status, 400);
    QCOMPARE(h.sessions.value(0)->transport(), engineio::Transport::WebSocket);
    ws.socket.sendTextMessage(QStringLiteral("4still here"));
    QVERIFY(waitFor([&] { return ws.texts.size() == 2; }));
    QCOMPARE(ws.texts.at(1), QStringLiteral("4still here"));
    QVERIFY(h.closedReasons.isEmpty());
}

void TestEngineIoServer::upgradeTimeout()
{
    Harness h(quickOptions()); // upgradeTimeoutMs 500
    const QString sid = handshake(h);
    WsClient ws(h.wsUrl("EIO=4&transport=websocket&sid=" + sid.toLatin1()));
    QVERIFY(waitFor([&] { return ws.connected; }));
    ws.socket.sendTextMessage(QStringLiteral("2probe"));
    QVERIFY(waitFor([&] { return ws.texts.size() == 1; }));
    QVERIFY(waitFor([&] { return ws.disconnected; }));
    // The session carries on over polling and may try again.
    QCOMPARE(request(h, "POST", h.sidQuery(sid), "4still here").status, 200);
    QCOMPARE(request(h, "GET", h.sidQuery(sid)).body, QByteArray("4still here"));
    QCOMPARE(h.sessions.value(0)->transport(), engineio::Transport::Polling);
    WsClient again(h.wsUrl("EIO=4&transport=websocket&sid=" + sid.toLatin1()));
    QVERIFY(waitFor([&] { return again.connected; }));
    QVERIFY(h.closedReasons.isEmpty());
}

void TestEngineIoServer::upgradeBadProbePacket()
{
    Harness h(quickOptions());
    const QString sid = handshake(h);
    WsClient ws(h.wsUrl("EIO=4&transport=websocket&sid=" + sid.toLatin1()));
    QVERIFY(waitFor([&] { return ws.connected; }));
    ws.socket.sendTextMessage(QStringLiteral("2probe"));
    QVERIFY(waitFor([&] { return ws.texts.size() == 1; }));
    ws.socket.sendTextMessage(QStringLiteral("4too early"));
    QVERIFY(waitFor([&] { return ws.disconnected; }));
    QCOMPARE(h.sessions.value(0)->transport(), engineio::Transport::Polling);
    QVERIFY(h.eio.session(sid));
    // The upgrade was abandoned: polls carry messages again.
    QCOMPARE(request(h, "POST", h.sidQuery(sid), "4x").status, 200);
    QCOMPARE(request(h, "GET", h.sidQuery(sid)).body, QByteArray("4x"));
    QVERIFY(h.closedReasons.isEmpty());
}

QTEST_GUILESS_MAIN(TestEngineIoServer)
#include "tst_engineioserver.moc"
