// What one client can hold on the hub's ports, over real sockets on 127.0.0.1: output it does not
// read pauses its connection and then closes it (pipelined answers, WebSocket pongs), a request
// head must come in time, an idle keep-alive connection is closed while a parked long-poll is
// not, and the caps on connections and on Engine.IO sessions still connecting answer 503.
// Each runs on the epoll transport and on Qt's (QWebSocket for WebSockets).
#include "hub.h"
#include "loopbackhub.h"
#include "protocol/engineio.h"
#include "protocol/websocket.h"
#include "rawhttp.h"
#include "transport/engineioserver.h"
#include "transport/httpserver.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace depot;

namespace {

constexpr int kWait = 10000;
constexpr qint64 kAssetBytes = 47 * 1024;
constexpr qint64 kMaxUnsent = 256 * 1024;

bool waitFor(const std::function<bool()> &done, int timeout = kWait)
{
    return QTest::qWaitFor(done, timeout);
}

ConnectionLimits shortLimits()
{
    ConnectionLimits limits;
    limits.maxUnsentBytes = kMaxUnsent;
    limits.stallTimeoutMs = 700;
    limits.headTimeoutMs = 300;
    limits.idleTimeoutMs = 500;
    return limits;
}

/// An HttpServer with an Engine.IO endpoint and a page asset, as the hub wires them.
struct Harness
{
    HttpServer http;
    EngineIoServer eio;
    quint16 port = 0;
    int handled = 0;
    QList<QPointer<EngineIoSession>> sessions;
    QStringList closedReasons;

    Harness(bool epoll, ConnectionLimits limits = shortLimits(),
            std::shared_ptr<ConnectionGate> gate = {}, EngineIoServer::Options options = engine())
        : eio(options)
    {
        http.setEpollTransport(epoll);
        http.setConnectionLimits(limits);
        http.setConnectionGate(std::move(gate));
        http.setMaxBodyBytes(100'000);
        http.addEndpoint(QStringLiteral("/engine.io/"), &eio);
        http.setFallbackHandler([this](const HttpRequest &r, const auto &exchange) {
            ++handled;
            HttpResponse response;
            response.contentType = "text/javascript";
            if (r.path == QLatin1String("/asset.js"))
                response.body = QByteArray(kAssetBytes, 'x');
            exchange->respond(response);
        });
        QObject::connect(&eio, &EngineIoServer::connection, &eio, [this](EngineIoSession *s) {
            sessions.append(s);
            QObject::connect(s, &EngineIoSession::closed, &eio,
                             [this](const QString &reason) { closedReasons.append(reason); });
        });
        QString error;
        port = http.listenOn(QHostAddress::LocalHost, 0, &error);
    }

    static EngineIoServer::Options engine()
    {
        EngineIoServer::Options o;
        o.pingIntervalMs = 60000; // the heartbeat stays out of the way
        o.pingTimeoutMs = 60000;
        return o;
    }
};

/// A client on a plain descriptor, so that nothing reads what the hub sends unless asked.
class RawClient
{
public:
    explicit RawClient(quint16 port, const char *from = "127.0.0.1")
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        // A small receive window: the hub's output piles up on its side, not in this kernel.
        const int window = 32 * 1024;
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &window, sizeof window);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(QHostAddress(QString::fromLatin1(from)).toIPv4Address());
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&local), sizeof local);
        sockaddr_in server{};
        server.sin_family = AF_INET;
        server.sin_port = htons(port);
        server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr *>(&server), sizeof server) == 0;
        ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
    }
    ~RawClient() { ::close(m_fd); }

    bool connected() const { return m_connected; }

    /// Sends what the kernel takes now from `bytes` at `offset`; returns the new offset.
    qint64 sendSome(const QByteArray &bytes, qint64 offset)
    {
        while (offset < bytes.size()) {
            const ssize_t n = ::send(m_fd, bytes.constData() + offset,
                                     size_t(bytes.size() - offset), MSG_NOSIGNAL);
            if (n <= 0)
                break;
            offset += n;
        }
        return offset;
    }

    /// Reads what has arrived; sets `ended` when the hub closed or reset the connection.
    QByteArray readSome()
    {
        QByteArray got;
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                got.append(buffer, n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                ended = true;
            break;
        }
        received += got;
        return got;
    }

    /// Reads until the hub closes the connection.
    bool waitForEnd(int timeout = kWait)
    {
        return waitFor(
            [this] {
                readSome();
                return ended;
            },
            timeout);
    }

    QByteArray received;
    bool ended = false;

private:
    int m_fd = -1;
    bool m_connected = false;
};

QByteArray upgradeHead(const QByteArray &target)
{
    return "GET " + target +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
}

/// One request on a fresh connection from `from`; its whole answer.
test::RawHttpResponse exchangeOnce(quint16 port, const QByteArray &request,
                                   const char *from = "127.0.0.1")
{
    return test::rawHttpExchange(port, request, QHostAddress(QString::fromLatin1(from)), kWait);
}

} // namespace

class TestConnections : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void transports_data()
    {
        QTest::addColumn<bool>("epoll");
        if (HttpServer::epollTransportBuilt()) // not in a build without DEPOT_EPOLL
            QTest::newRow("epoll") << true;
        QTest::newRow("qt") << false;
    }

    // 2,000 pipelined GETs of a 47 KB asset, never read: the hub stops answering once a bound of
    // output waits, and closes the connection when it stays there.
    void pipelinedAnswersPauseReading_data() { transports_data(); }
    void pipelinedAnswersPauseReading()
    {
        QFETCH(bool, epoll);
        Harness h(epoll);
        RawClient c(h.port);
        QVERIFY(c.connected());
        QByteArray requests;
        for (int i = 0; i < 2000; ++i)
            requests += "GET /asset.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        qint64 sent = 0;
        auto unsent = [&] {
            const auto sockets = h.http.findChildren<QTcpSocket *>();
            return sockets.size() == 1 ? sockets[0]->bytesToWrite() : -1;
        };
        // Without backpressure every request is answered into the hub's memory (94 MB).
        QVERIFY(waitFor([&] {
            sent = c.sendSome(requests, sent);
            return h.http.pausedConnectionCount() == 1 || unsent() > 8 * 1024 * 1024;
        }));
        QVERIFY2(unsent() <= kMaxUnsent + kAssetBytes + 1024,
                 qPrintable(QString::number(unsent())));
        QVERIFY(h.handled < 2000);
        const int handledWhenPaused = h.handled;

        // It stays over the bound: closed after the stall time, nothing more answered.
        QElapsedTimer clock;
        clock.start();
        QVERIFY(waitFor([&] {
            sent = c.sendSome(requests, sent);
            return h.http.findChildren<QTcpSocket *>().isEmpty();
        }));
        QVERIFY(clock.elapsed() >= shortLimits().stallTimeoutMs / 2);
        QCOMPARE(h.handled, handledWhenPaused);
    }

    // A client that reads slowly is paused and resumed, and gets every answer in order.
    void slowReaderGetsEverything_data() { transports_data(); }
    void slowReaderGetsEverything()
    {
        QFETCH(bool, epoll);
        ConnectionLimits limits = shortLimits();
        limits.stallTimeoutMs = 5000;
        Harness h(epoll, limits);
        RawClient c(h.port);
        QByteArray requests;
        constexpr int kRequests = 200; // 9.4 MB of answers, more than the kernel's buffers
        for (int i = 0; i < kRequests; ++i)
            requests += "GET /asset.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        c.sendSome(requests, 0);
        QVERIFY(waitFor([&] { return h.http.pausedConnectionCount() == 1; }));
        const qint64 expected = kRequests * kAssetBytes;
        QVERIFY(waitFor([&] {
            return c.readSome().isEmpty() && c.received.size() >= expected &&
                   c.received.count("HTTP/1.1 200") == kRequests;
        }));
        QVERIFY(c.received.endsWith(QByteArray(kAssetBytes, 'x')));
        QCOMPARE(h.handled, kRequests);
        QCOMPARE(h.http.pausedConnectionCount(), 0);
    }

    // The DEPOT_EPOLL build option decides what carries a plain WebSocket: the epoll transport
    // where it is built, Qt's QWebSocketServer where it is not; the client sees the same upgrade.
    void buildOptionPicksTheTransport()
    {
        QCOMPARE(HttpServer::epollTransportBuilt(), DEPOT_EPOLL_OPTION != 0);
        Harness h(true); // the hub's default
        RawClient c(h.port);
        c.sendSome(upgradeHead("/engine.io/?EIO=4&transport=websocket"), 0);
        QVERIFY(waitFor([&] {
            c.readSome();
            return h.sessions.size() == 1 && c.received.contains("0{\"sid\"");
        }));
        QVERIFY(c.received.startsWith("HTTP/1.1 101"));
        QCOMPARE(h.http.epollLinkCount(), DEPOT_EPOLL_OPTION != 0 ? 1 : 0);
    }

    // Pings on a WebSocket whose client never reads: the pongs wait under the bound, then the
    // connection is closed.
    void unreadPongsPauseReading_data() { transports_data(); }
    void unreadPongsPauseReading()
    {
        QFETCH(bool, epoll);
        Harness h(epoll);
        RawClient c(h.port);
        c.sendSome(upgradeHead("/engine.io/?EIO=4&transport=websocket"), 0);
        QVERIFY(waitFor([&] {
            c.readSome();
            return h.sessions.size() == 1 && c.received.contains("0{\"sid\"");
        }));
        QVERIFY(c.received.startsWith("HTTP/1.1 101"));

        QByteArray pings;
        const QByteArray payload(125, 'p');
        for (int i = 0; i < 2000; ++i)
            websocket::appendFrame(pings, websocket::Opcode::Ping, payload, 0x01020304u + i);
        constexpr qint64 kTarget = 48 * 1024 * 1024;
        qint64 sent = 0;
        qint64 offset = 0;
        QVERIFY(waitFor(
            [&] {
                for (;;) {
                    const qint64 now = c.sendSome(pings, offset);
                    sent += now - offset;
                    offset = now == pings.size() ? 0 : now;
                    if (now != pings.size() || sent >= kTarget)
                        break;
                }
                return h.http.pausedConnectionCount() == 1 || sent >= kTarget;
            },
            30000));
        // Without backpressure tens of megabytes of pongs wait in the hub.
        QVERIFY(!h.sessions[0].isNull());
        const qint64 waiting = h.sessions[0]->bufferedBytes();
        QVERIFY2(waiting <= kMaxUnsent + 512 * 1024, qPrintable(QString::number(waiting)));
        QVERIFY2(sent < kTarget, qPrintable(QString::number(sent)));

        QVERIFY(waitFor([&] { return h.closedReasons.size() == 1; }));
        QCOMPARE(h.closedReasons[0], QStringLiteral("transport close"));
        QVERIFY(waitFor([&] { return h.http.epollLinkCount() == 0; }));
    }

    // A connection that sends nothing, and one whose head stops halfway, are closed after the
    // head timeout.
    void slowHeadsClosed_data()
    {
        QTest::addColumn<bool>("epoll");
        QTest::addColumn<QByteArray>("sent");
        for (bool epoll : {true, false}) {
            if (epoll && !HttpServer::epollTransportBuilt())
                continue; // a build without DEPOT_EPOLL has the Qt transport alone
            const char *name = epoll ? "epoll" : "qt";
            QTest::addRow("%s: nothing", name) << epoll << QByteArray();
            QTest::addRow("%s: half a GET head", name)
                << epoll << QByteArray("GET /asset.js HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            QTest::addRow("%s: half a POST head", name)
                << epoll << QByteArray("POST /osmand HTTP/1.1\r\nContent-Le");
            QTest::addRow("%s: half an upgrade", name)
                << epoll << upgradeHead("/engine.io/?EIO=4&transport=websocket").left(60);
        }
    }
    void slowHeadsClosed()
    {
        QFETCH(bool, epoll);
        QFETCH(QByteArray, sent);
        Harness h(epoll);
        RawClient c(h.port);
        QElapsedTimer clock;
        clock.start();
        c.sendSome(sent, 0);
        QVERIFY(c.waitForEnd(5000));
        QVERIFY(clock.elapsed() >= shortLimits().headTimeoutMs - 50);
        QCOMPARE(h.handled, 0);
        QVERIFY(h.sessions.isEmpty());
    }

    // An idle keep-alive connection is closed after the idle time; one that keeps asking is not.
    void idleKeepAliveClosed_data() { transports_data(); }
    void idleKeepAliveClosed()
    {
        QFETCH(bool, epoll);
        Harness h(epoll);
        RawClient c(h.port);
        QElapsedTimer clock;
        clock.start();
        // Requests closer together than the idle time keep the connection.
        for (int i = 0; i < 4; ++i) {
            c.sendSome("GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0);
            QVERIFY(waitFor([&] {
                c.readSome();
                return c.received.count("HTTP/1.1 200") == i + 1;
            }));
            QTest::qWait(shortLimits().idleTimeoutMs / 3);
            QVERIFY(!c.ended);
        }
        clock.restart();
        QVERIFY(c.waitForEnd(5000));
        QVERIFY(clock.elapsed() >= shortLimits().idleTimeoutMs / 2);
        QCOMPARE(h.handled, 4);
    }

    // A parked long-poll is not idle: it waits for its answer past the idle time.
    void parkedLongPollNotIdle()
    {
        EngineIoServer::Options options = Harness::engine();
        options.pingIntervalMs = 1500;
        Harness h(true, shortLimits(), {}, options);
        RawClient c(h.port);
        c.sendSome("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                   0);
        QVERIFY(waitFor([&] {
            c.readSome();
            return c.received.contains("\"sid\"");
        }));
        const QByteArray sid = h.sessions[0]->id().toLatin1();
        c.received.clear();
        c.sendSome("GET /engine.io/?EIO=4&transport=polling&sid=" + sid +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                   0);
        // Answered by the first ping, three idle times later, on the same connection.
        QVERIFY(waitFor([&] {
            c.readSome();
            return c.ended || c.received.endsWith("\r\n\r\n2");
        }));
        QVERIFY(!c.ended);
        QVERIFY(c.received.startsWith("HTTP/1.1 200"));
    }

    // Past the caps on open connections (per address, in total) a new connection is answered
    // 503 with a JSON error and closed; a freed place is taken again.
    void connectionCaps_data() { transports_data(); }
    void connectionCaps()
    {
        QFETCH(bool, epoll);
        ConnectionLimits limits = shortLimits();
        limits.idleTimeoutMs = 60000;
        limits.headTimeoutMs = 60000;
        auto gate = std::make_shared<ConnectionGate>(4, 2);
        Harness h(epoll, limits, gate);
        const QByteArray get = "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

        auto first = std::make_unique<RawClient>(h.port);
        RawClient second(h.port);
        QVERIFY(waitFor([&] { return gate->openCount() == 2; }));
        const test::RawHttpResponse refused = exchangeOnce(h.port, get);
        QVERIFY2(refused.status == 503, refused.head.constData());
        QCOMPARE(refused.errorCode(), QStringLiteral("too_many_connections"));
        QCOMPARE(h.handled, 0);

        // Other addresses still get in, up to the total.
        RawClient third(h.port, "127.0.0.2");
        RawClient fourth(h.port, "127.0.0.3");
        QVERIFY(waitFor([&] { return gate->openCount() == 4; }));
        const test::RawHttpResponse full = exchangeOnce(h.port, get, "127.0.0.4");
        QVERIFY2(full.status == 503, full.head.constData());

        first.reset();
        QVERIFY(waitFor([&] { return gate->openCount() == 3; }));
        QCOMPARE(exchangeOnce(h.port, get).status, 200);
        QCOMPARE(h.handled, 1);
    }

    // Engine.IO sessions that have not completed a Socket.IO CONNECT are capped per address:
    // a polling handshake gets 503, a WebSocket one a refused upgrade.
    void unauthenticatedSessionCap_data() { transports_data(); }
    void unauthenticatedSessionCap()
    {
        QFETCH(bool, epoll);
        EngineIoServer::Options options = Harness::engine();
        options.maxUnauthenticatedPerAddress = 2;
        Harness h(epoll, shortLimits(), {}, options);
        const QByteArray handshake =
            "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        QCOMPARE(exchangeOnce(h.port, handshake).status, 200);
        QCOMPARE(exchangeOnce(h.port, handshake).status, 200);
        QCOMPARE(h.sessions.size(), 2);

        const test::RawHttpResponse refused = exchangeOnce(h.port, handshake);
        QVERIFY2(refused.status == 503, refused.head.constData());
        QCOMPARE(refused.errorCode(), QStringLiteral("too_many_sessions"));
        QVERIFY(refused.head.contains("Access-Control-Allow-Origin: *"));
        const test::RawHttpResponse upgrade =
            exchangeOnce(h.port, upgradeHead("/engine.io/?EIO=4&transport=websocket"));
        QVERIFY2(upgrade.status != 101, upgrade.head.constData());
        QCOMPARE(h.sessions.size(), 2);
        // Another address is not affected.
        QCOMPARE(exchangeOnce(h.port, handshake, "127.0.0.2").status, 200);

        // A session that connected, and one that closed, free their places.
        h.sessions[0]->markAuthenticated();
        QCOMPARE(exchangeOnce(h.port, handshake).status, 200);
        h.sessions[1]->close();
        QCOMPARE(exchangeOnce(h.port, upgradeHead("/engine.io/?EIO=4&transport=websocket")).status,
                 101);
        QCOMPARE(h.eio.unauthenticatedCount(QHostAddress::LocalHost), 2);
    }

    // Behind a trusted proxy, the limits per address count the client the proxy names: the
    // right-most X-Forwarded-For entry, whatever a client wrote to its left or in a header line
    // of its own; the proxy's own connections are capped only in total. Untrusted peers' headers
    // change nothing.
    void trustedProxyNamesTheClient_data() { transports_data(); }
    void trustedProxyNamesTheClient()
    {
        QFETCH(bool, epoll);
        QString error;
        const std::optional<TrustedProxies> proxies =
            TrustedProxies::parse(QStringLiteral("127.0.0.1, 10.9.0.0/16"), &error);
        QVERIFY2(proxies, qPrintable(error));
        ConnectionLimits limits = shortLimits();
        limits.idleTimeoutMs = 60000;
        limits.headTimeoutMs = 60000;
        auto gate = std::make_shared<ConnectionGate>(0, 1);
        gate->setUncapped(*proxies);
        EngineIoServer::Options options = Harness::engine();
        options.maxUnauthenticatedPerAddress = 1;
        Harness h(epoll, limits, gate, options);
        h.http.setTrustedProxies(*proxies);

        // The proxy holds several connections at once; any other address one.
        RawClient proxyA(h.port);
        RawClient proxyB(h.port);
        auto other = std::make_unique<RawClient>(h.port, "127.0.0.2");
        QVERIFY(waitFor([&] { return gate->openCount() == 3; }));
        QCOMPARE(gate->openCount(QHostAddress(QStringLiteral("127.0.0.1"))), 2);
        const QByteArray get = "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        QCOMPARE(exchangeOnce(h.port, get, "127.0.0.2").status, 503);

        auto handshake = [](const QByteArray &forwardedFor) -> QByteArray {
            return "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                   forwardedFor + "\r\n";
        };
        // One session still connecting per client, as the proxy names them.
        QCOMPARE(exchangeOnce(h.port, handshake("X-Forwarded-For: 192.0.2.1\r\n")).status, 200);
        QCOMPARE(h.eio.unauthenticatedCount(QHostAddress(QStringLiteral("192.0.2.1"))), 1);
        QCOMPARE(exchangeOnce(h.port, handshake("X-Forwarded-For: 192.0.2.1\r\n")).status, 503);
        // A client's own entry on the left, or a header line of its own, is not believed.
        QCOMPARE(
            exchangeOnce(h.port, handshake("X-Forwarded-For: 192.0.2.7, 192.0.2.1\r\n")).status,
            503);
        QCOMPARE(exchangeOnce(h.port, handshake("X-Forwarded-For: 192.0.2.7\r\n"
                                                "X-Forwarded-For: 192.0.2.1\r\n"))
                     .status,
                 503);
        // Hops through further trusted proxies are skipped; another client gets in.
        QCOMPARE(exchangeOnce(h.port, handshake("X-Forwarded-For: 192.0.2.2, 10.9.3.4\r\n")).status,
                 200);
        QCOMPARE(h.eio.unauthenticatedCount(QHostAddress(QStringLiteral("192.0.2.2"))), 1);
        // The WebSocket upgrade reads the same header.
        const QByteArray upgrade = upgradeHead("/engine.io/?EIO=4&transport=websocket");
        const QByteArray forwardedUpgrade =
            upgrade.left(upgrade.size() - 2) + "X-Forwarded-For: 192.0.2.1\r\n\r\n";
        QVERIFY(exchangeOnce(h.port, forwardedUpgrade).status != 101);
        QCOMPARE(exchangeOnce(h.port, upgrade.left(upgrade.size() - 2) +
                                          "X-Forwarded-For: 192.0.2.3\r\n\r\n")
                     .status,
                 101);
        // A peer that is not a trusted proxy is its own client, whatever it claims.
        other.reset();
        QVERIFY(waitFor([&] { return gate->openCount() == 2; }));
        QCOMPARE(
            exchangeOnce(h.port, handshake("X-Forwarded-For: 192.0.2.9\r\n"), "127.0.0.2").status,
            200);
        QCOMPARE(h.eio.unauthenticatedCount(QHostAddress(QStringLiteral("127.0.0.2"))), 1);
        QCOMPARE(h.eio.unauthenticatedCount(QHostAddress(QStringLiteral("192.0.2.9"))), 0);
    }

    // The hub's ports share the caps, and the OsmAnd port has the same timeouts.
    void hubPortsShareCaps()
    {
        QTemporaryDir dir;
        HubConfig config = test::loopbackHubConfig(dir.path(), QStringLiteral("secret-pw"));
        {
            QTcpServer probe; // a free port for the OsmAnd listener
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            config.osmandPort = probe.serverPort();
        }
        config.maxConnectionsPerAddress = 2;
        config.connectionLimits.headTimeoutMs = 300;
        Hub hub(config);
        QVERIFY(!hub.start());
        QVERIFY(hub.osmandPort() != 0);

        // A silent connection to the OsmAnd port is closed after the head timeout.
        {
            RawClient silent(hub.osmandPort());
            QVERIFY(silent.waitForEnd(5000));
        }
        QVERIFY(waitFor([&] { return hub.connections().openCount() == 0; }));

        // Two keep-alive connections, one on each port, fill this address's places.
        RawClient a(hub.port());
        a.sendSome("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0);
        RawClient b(hub.osmandPort());
        b.sendSome("GET /?id=x&lat=1&lon=2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0);
        QVERIFY(waitFor([&] {
            a.readSome();
            b.readSome();
            return a.received.contains("\r\n\r\n") && b.received.contains("\r\n\r\n");
        }));
        QCOMPARE(hub.connections().openCount(), 2);
        const test::RawHttpResponse refused = exchangeOnce(
            hub.osmandPort(), "GET /?id=x&lat=1&lon=2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY2(refused.status == 503, refused.head.constData());
        const test::RawHttpResponse refusedMain =
            exchangeOnce(hub.port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY2(refusedMain.status == 503, refusedMain.head.constData());
        QCOMPARE(refusedMain.errorCode(), QStringLiteral("too_many_connections"));
    }

    // A Socket.IO CONNECT with a valid token takes a session off the cap of those still
    // connecting; one without stays on it.
    void acceptedConnectFreesThePlace()
    {
        QTemporaryDir dir;
        HubConfig config = test::loopbackHubConfig(dir.path(), QStringLiteral("secret-pw"));
        config.maxUnauthenticatedPerAddress = 1;
        Hub hub(config);
        QVERIFY(!hub.start());
        const QByteArray login = R"({"username":"dispatcher","password":"secret-pw"})";
        const test::RawHttpResponse answer =
            exchangeOnce(hub.port(), "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Content-Type: application/json\r\nContent-Length: " +
                                         QByteArray::number(login.size()) + "\r\n\r\n" + login);
        const QByteArray token =
            answer.object().value(QStringLiteral("token")).toString().toLatin1();
        QVERIFY(!token.isEmpty());

        const QByteArray handshake =
            "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        auto connectWith = [&](const QByteArray &sid, const QByteArray &auth) {
            const QByteArray body = "40" + auth;
            return exchangeOnce(hub.port(), "POST /socket.io/?EIO=4&transport=polling&sid=" + sid +
                                                " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                "Content-Type: text/plain\r\nContent-Length: " +
                                                QByteArray::number(body.size()) + "\r\n\r\n" +
                                                body);
        };
        auto sidOf = [](const test::RawHttpResponse &response) {
            const qsizetype start = response.body.indexOf("\"sid\":\"") + 7;
            return response.body.mid(start, response.body.indexOf('"', start) - start);
        };

        const test::RawHttpResponse first = exchangeOnce(hub.port(), handshake);
        QCOMPARE(first.status, 200);
        QCOMPARE(exchangeOnce(hub.port(), handshake).status, 503);
        // A refused token leaves the session where it was.
        QCOMPARE(connectWith(sidOf(first), R"({"token":"wrong"})").status, 200);
        QCOMPARE(exchangeOnce(hub.port(), handshake).status, 503);

        const test::RawHttpResponse second = exchangeOnce(hub.port(), handshake);
        QCOMPARE(second.status, 503);
        QCOMPARE(connectWith(sidOf(first), R"({"token":")" + token + R"("})").status, 200);
        QCOMPARE(exchangeOnce(hub.port(), handshake).status, 200);
    }

    void defaultCapsFollowTheOpenFileLimit()
    {
        const ConnectionCaps small = defaultConnectionCaps(1024);
        QCOMPARE(small.total, 832);
        QCOMPARE(small.perAddress, 104);
        QCOMPARE(small.unauthenticatedPerAddress, 13);
        const ConnectionCaps large = defaultConnectionCaps(524288);
        QCOMPARE(large.total, 458688);
        QCOMPARE(large.perAddress, 57336);
        QCOMPARE(large.unauthenticatedPerAddress, 7167);
        QVERIFY(defaultConnectionCaps(64).total >= 32);
    }
};

QTEST_MAIN(TestConnections)
#include "tst_connections.moc"
