// The hub's epoll transport over real sockets: a raw TCP client speaks RFC 6455 (masked frames
// from the project's codec) to an HttpServer + EngineIoServer on 127.0.0.1, and checks the
// upgrade, refusals, control frames, limits, and that plain HTTP still reaches Qt's server.
#include "protocol/engineio.h"
#include "protocol/websocket.h"
#include "transport/engineioserver.h"
#include "transport/httpserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

using namespace depot;
using websocket::Opcode;

namespace {

constexpr int kWait = 5000;
const QByteArray kKey = "dGhlIHNhbXBsZSBub25jZQ==";

bool waitFor(const std::function<bool()> &done, int timeout = kWait)
{
    return QTest::qWaitFor(done, timeout);
}

struct Harness
{
    HttpServer http;
    EngineIoServer eio;
    quint16 port = 0;
    QList<QPointer<EngineIoSession>> sessions;
    QStringList messages;
    QStringList closedReasons;

    explicit Harness(EngineIoServer::Options options = small())
        : eio(options)
    {
        http.addEndpoint(QStringLiteral("/engine.io/"), &eio);
        QString error;
        port = http.listenOn(QHostAddress::LocalHost, 0, &error);
        QObject::connect(&eio, &EngineIoServer::connection, &eio, [this](EngineIoSession *s) {
            sessions.append(s);
            QObject::connect(s, &EngineIoSession::message, s,
                             [this, s](const QByteArray &data, bool binary) {
                                 messages.append(QString::fromUtf8(data));
                                 if (data == "close")
                                     s->close();
                                 else if (!binary)
                                     s->send({engineio::encodeMessage(data), false});
                             });
            QObject::connect(s, &EngineIoSession::closed, &eio,
                             [this](const QString &reason) { closedReasons.append(reason); });
        });
    }

    static EngineIoServer::Options small()
    {
        EngineIoServer::Options o;
        o.maxPayload = 1000;
        return o;
    }
};

/// A WebSocket client written against RFC 6455 alone, so nothing of Qt's WebSocket is involved.
class RawClient
{
public:
    explicit RawClient(quint16 port)
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [this] { onReadyRead(); });
        QObject::connect(&socket, &QTcpSocket::disconnected, &socket, [this] { ended = true; });
        socket.connectToHost(QHostAddress::LocalHost, port);
        socket.waitForConnected(kWait);
    }

    static QByteArray upgradeHead(const QByteArray &target, const QByteArray &version = "13",
                                  const QByteArray &key = kKey)
    {
        return "GET " + target +
               " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Version: " +
               version + "\r\nSec-WebSocket-Key: " + key + "\r\n\r\n";
    }

    /// Sends an upgrade request and waits for the head of the answer.
    bool upgrade(const QByteArray &target = "/engine.io/?EIO=4&transport=websocket")
    {
        socket.write(upgradeHead(target));
        return waitFor([this] { return !responseHead.isEmpty() || ended; }) &&
               responseHead.startsWith("HTTP/1.1 101");
    }

    void sendFrame(Opcode opcode, const QByteArray &payload, bool fin = true)
    {
        QByteArray out;
        websocket::appendFrame(out, opcode, payload, 0x12345678u);
        if (!fin)
            out[0] = char(out[0] & 0x7F);
        socket.write(out);
    }

    bool waitForMessages(int n)
    {
        return waitFor([&] { return messages.size() >= n; });
    }

    QTcpSocket socket;
    QByteArray responseHead;
    QByteArray afterHead; // the body of a refusal
    QList<websocket::Message> messages;
    bool ended = false;

private:
    void onReadyRead()
    {
        buffer += socket.readAll();
        if (responseHead.isEmpty()) {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            responseHead = buffer.left(end + 4);
            buffer.remove(0, end + 4);
            if (!responseHead.startsWith("HTTP/1.1 101")) {
                afterHead = buffer;
                buffer.clear();
                return;
            }
        }
        if (!responseHead.startsWith("HTTP/1.1 101")) {
            afterHead += std::exchange(buffer, {});
            return;
        }
        for (;;) {
            qsizetype used = 0;
            websocket::Message m;
            const auto r = reader.read(buffer, &used, &m);
            buffer.remove(0, used);
            if (r == websocket::MessageReader::Result::Message)
                messages.append(m);
            else if (r != websocket::MessageReader::Result::Fragment)
                break;
        }
    }

    QByteArray buffer;
    websocket::MessageReader reader{websocket::MessageReader::Role::Client, 1 << 20};
};

QByteArray errorCode(const QByteArray &body)
{
    return QJsonDocument::fromJson(body)
        .object()
        .value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("code"))
        .toString()
        .toLatin1();
}

} // namespace

class TestEpollTransport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void upgradeAndEcho()
    {
        Harness h;
        RawClient c(h.port);
        QVERIFY(c.upgrade());
        QVERIFY(c.responseHead.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        QVERIFY(c.waitForMessages(1));
        QCOMPARE(c.messages[0].opcode, Opcode::Text);
        QVERIFY(c.messages[0].payload.startsWith("0{\"sid\":"));
        QCOMPARE(h.http.epollLinkCount(), 1);

        c.sendFrame(Opcode::Text, "4h\xc3\xa9llo");
        QVERIFY(c.waitForMessages(2));
        QCOMPARE(c.messages[1].payload, QByteArray("4h\xc3\xa9llo"));
        QCOMPARE(h.messages, QStringList{QStringLiteral("h\u00e9llo")});

        // Fragments, split across TCP writes, arrive as one message.
        c.sendFrame(Opcode::Text, "4part", false);
        c.socket.flush();
        QTest::qWait(20);
        c.sendFrame(Opcode::Continuation, "-two");
        QVERIFY(c.waitForMessages(3));
        QCOMPARE(c.messages[2].payload, QByteArray("4part-two"));

        c.socket.disconnectFromHost();
        QVERIFY(waitFor([&] { return h.closedReasons.size() == 1; }));
        QCOMPARE(h.closedReasons[0], QStringLiteral("transport close"));
        QVERIFY(waitFor([&] { return h.http.epollLinkCount() == 0; }));
    }

    void headArrivesInPieces()
    {
        Harness h;
        RawClient c(h.port);
        const QByteArray head = RawClient::upgradeHead("/engine.io/?EIO=4&transport=websocket");
        for (qsizetype i = 0; i < head.size(); i += 17) {
            c.socket.write(head.mid(i, 17));
            c.socket.flush();
            QTest::qWait(5);
        }
        QVERIFY(waitFor([&] { return !c.responseHead.isEmpty(); }));
        QVERIFY(c.responseHead.startsWith("HTTP/1.1 101"));
        QVERIFY(c.waitForMessages(1));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<int>("status");
        QTest::newRow("version 12")
            << RawClient::upgradeHead("/engine.io/?EIO=4&transport=websocket", "12") << 426;
        QTest::newRow("bad key") << RawClient::upgradeHead("/engine.io/?EIO=4&transport=websocket",
                                                           "13", "short")
                                 << 400;
        QTest::newRow("no endpoint") << RawClient::upgradeHead("/elsewhere/?EIO=4") << 400;
        QTest::newRow("polling transport")
            << RawClient::upgradeHead("/engine.io/?EIO=4&transport=polling") << 400;
        QTest::newRow("EIO 3") << RawClient::upgradeHead("/engine.io/?EIO=3&transport=websocket")
                               << 400;
        QTest::newRow("unknown sid")
            << RawClient::upgradeHead("/engine.io/?EIO=4&transport=websocket&sid=nope") << 400;
    }
    void refusals()
    {
        QFETCH(QByteArray, head);
        QFETCH(int, status);
        Harness h;
        RawClient c(h.port);
        c.socket.write(head);
        QVERIFY(waitFor([&] { return c.ended; }));
        const QByteArray statusLine = "HTTP/1.1 " + QByteArray::number(status);
        QVERIFY2(c.responseHead.startsWith(statusLine), c.responseHead.constData());
        QVERIFY(c.responseHead.contains("application/json"));
        QCOMPARE(errorCode(c.afterHead), QByteArray("bad_request"));
        if (status == 426)
            QVERIFY(c.responseHead.contains("Sec-WebSocket-Version: 13"));
        QVERIFY(h.sessions.isEmpty());
        QCOMPARE(h.http.epollLinkCount(), 0);
    }

    void plainHttpStillReachesQt()
    {
        Harness h;
        // Long-polling requests, on one keep-alive connection, go through Qt's server.
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, h.port);
        QVERIFY(s.waitForConnected(kWait));
        s.write("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray got;
        QVERIFY(waitFor([&] {
            got += s.readAll();
            return got.contains("0{\"sid\"");
        }));
        QVERIFY(got.startsWith("HTTP/1.1 200"));
        const QByteArray open = got.mid(got.indexOf("0{") + 1);
        const QByteArray sid = QJsonDocument::fromJson(open.left(open.indexOf('}') + 1))
                                   .object()
                                   .value(QStringLiteral("sid"))
                                   .toString()
                                   .toLatin1();
        QVERIFY(!sid.isEmpty());
        s.write("POST /engine.io/?EIO=4&transport=polling&sid=" + sid +
                " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n4hi");
        QVERIFY(waitFor([&] { return h.messages.contains(QStringLiteral("hi")); }));
        QCOMPARE(h.http.epollLinkCount(), 0);

        // QWebSocket (Qt's own client) on a fresh connection gets the epoll transport.
        QWebSocket ws;
        QStringList texts;
        connect(&ws, &QWebSocket::textMessageReceived, &ws,
                [&](const QString &t) { texts.append(t); });
        ws.open(QUrl(
            QStringLiteral("ws://127.0.0.1:%1/engine.io/?EIO=4&transport=websocket").arg(h.port)));
        QVERIFY(waitFor([&] { return !texts.isEmpty(); }));
        QCOMPARE(h.http.epollLinkCount(), 1);
        ws.sendTextMessage(QStringLiteral("4echo"));
        QVERIFY(waitFor([&] { return texts.size() == 2; }));
        QCOMPARE(texts[1], QStringLiteral("4echo"));
    }

    void pingPongAndClientClose()
    {
        Harness h;
        RawClient c(h.port);
        QVERIFY(c.upgrade());
        QVERIFY(c.waitForMessages(1));
        c.sendFrame(Opcode::Ping, "are you there");
        QVERIFY(c.waitForMessages(2));
        QCOMPARE(c.messages[1].opcode, Opcode::Pong);
        QCOMPARE(c.messages[1].payload, QByteArray("are you there"));

        c.sendFrame(Opcode::Close, websocket::closePayload(1000, "bye"));
        QVERIFY(c.waitForMessages(3));
        QCOMPARE(c.messages[2].opcode, Opcode::Close);
        QCOMPARE(websocket::parseClosePayload(c.messages[2].payload).code, quint16(1000));
        QVERIFY(waitFor([&] { return c.ended; }));
        QCOMPARE(h.closedReasons, QStringList{QStringLiteral("transport close")});
        QCOMPARE(h.http.epollLinkCount(), 0);
    }

    void protocolErrorsClose_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("code");
        QTest::newRow("unmasked frame") << 0 << 1002;
        QTest::newRow("larger than maxPayload") << 1 << 1009;
        QTest::newRow("invalid UTF-8") << 2 << 1007;
    }
    void protocolErrorsClose()
    {
        QFETCH(int, kind);
        QFETCH(int, code);
        Harness h;
        RawClient c(h.port);
        QVERIFY(c.upgrade());
        QVERIFY(c.waitForMessages(1));
        if (kind == 0) {
            QByteArray unmasked;
            websocket::appendFrame(unmasked, Opcode::Text, "4hi");
            c.socket.write(unmasked);
        } else if (kind == 1) {
            c.sendFrame(Opcode::Text, "4" + QByteArray(1200, 'x'));
        } else {
            c.sendFrame(Opcode::Text, "4\xff");
        }
        QVERIFY(waitFor([&] { return c.ended; }));
        QCOMPARE(c.messages.last().opcode, Opcode::Close);
        QCOMPARE(int(websocket::parseClosePayload(c.messages.last().payload).code), code);
        QVERIFY(h.messages.isEmpty());
        QCOMPARE(h.closedReasons, QStringList{QStringLiteral("transport close")});
    }

    void serverClose()
    {
        Harness h;
        RawClient c(h.port);
        QVERIFY(c.upgrade());
        QVERIFY(c.waitForMessages(1));
        c.sendFrame(Opcode::Text, "4close");
        QVERIFY(c.waitForMessages(3));
        QCOMPARE(c.messages[1].payload, QByteArray("1")); // Engine.IO Close packet
        QCOMPARE(c.messages[2].opcode, Opcode::Close);
        // The client answers the Close; the server then ends the connection.
        c.sendFrame(Opcode::Close, websocket::closePayload(1000));
        QVERIFY(waitFor([&] { return c.ended; }));
        QCOMPARE(h.closedReasons, QStringList{QStringLiteral("server close")});
        QVERIFY(waitFor([&] { return h.http.epollLinkCount() == 0; }));
    }

    void manyClientsComeAndGo()
    {
        Harness h;
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 50; ++i) {
            clients.push_back(std::make_unique<RawClient>(h.port));
            QVERIFY(clients.back()->upgrade());
        }
        QVERIFY(waitFor([&] { return h.sessions.size() == 50; }));
        QCOMPARE(h.http.epollLinkCount(), 50);
        for (auto &c : clients)
            c->socket.abort();
        QVERIFY(waitFor([&] { return h.closedReasons.size() == 50; }));
        QCOMPARE(h.http.epollLinkCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestEpollTransport)
#include "tst_epolltransport.moc"
