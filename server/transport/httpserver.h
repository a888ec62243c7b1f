#pragma once

#include "connectionlimits.h"
#include "httpendpoint.h"
#include "httpmessage.h"

#include <QAbstractHttpServer>
#include <QPointer>

#include <functional>
#include <memory>

class QTcpSocket;
class QSslConfiguration;

namespace depot {

class EpollTransport;

/// The hub's one HTTP port: REST, pages and the real-time endpoint, with WebSocket upgrades on
/// the same port. It bounds what one request may buffer and answers every request it reads.
class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    /// Answers a request now or later through its exchange.
    using Handler = std::function<void(const HttpRequest &, const std::shared_ptr<HttpExchange> &)>;

    explicit HttpServer(QObject *parent = nullptr);
    ~HttpServer() override;

    /// The largest body the hub reads; a larger request is answered 413 and closed.
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }
    /// Requests whose head `matches` (an upload route) may have bodies up to `bytes`; at most
    /// `concurrent` of them are read at once, more are answered 503, so that what the hub
    /// buffers stays bounded. Call before listen().
    void setLargeBodyRoute(std::function<bool(const HttpRequest &head)> matches, qint64 bytes,
                           int concurrent);
    /// The body limit of a request with this head.
    qint64 maxBodyBytesFor(const HttpRequest &head) const;
    /// The free large-body slots, shared with the connections that take and give them back
    /// (they may outlive the server while it is destroyed).
    const std::shared_ptr<int> &largeBodySlots() const { return m_largeBodySlots; }
    /// Requests not claimed by an endpoint.
    void setFallbackHandler(Handler handler) { m_fallback = std::move(handler); }
    /// Access-Control-Allow-Origin on every answer of this server that has none, its own
    /// refusals included; empty sends none. Call before listen().
    void setCorsOrigin(const QByteArray &origin) { m_corsOrigin = origin; }
    const QByteArray &corsOrigin() const { return m_corsOrigin; }
    /// Requests under `prefix` go to `endpoint`: a prefix ending in '/' takes the whole folder
    /// (e.g. "/socket.io/"), any other exactly that path (e.g. "/osmand").
    void addEndpoint(const QString &prefix, HttpEndpoint *endpoint);
    /// Output bound, head, idle and stall times of every connection; call before listen().
    void setConnectionLimits(const ConnectionLimits &limits) { m_limits = limits; }
    const ConnectionLimits &connectionLimits() const { return m_limits; }
    /// Caps on open connections, shared with the hub's other ports; call before listen().
    void setConnectionGate(std::shared_ptr<ConnectionGate> gate) { m_gate = std::move(gate); }
    /// Requests from these proxies carry their client's address in X-Forwarded-For.
    void setTrustedProxies(TrustedProxies proxies) { m_trustedProxies = std::move(proxies); }
    /// Serves HTTPS and WSS instead of plain HTTP; call before listen().
    void setTlsConfiguration(const QSslConfiguration &configuration);

    /// Plain WebSocket connections on the hub's own epoll transport (the default where it is
    /// built, DEPOT_EPOLL) or, when off, on QWebSocket like TLS ones. Call before listen().
    void setEpollTransport(bool enabled) { m_useEpoll = enabled; }
    /// Whether this build has the epoll transport (the DEPOT_EPOLL option, Linux only).
    static bool epollTransportBuilt();
    /// Open WebSocket links on the epoll transport; 0 without it.
    int epollLinkCount() const;
    /// Connections not read for now because their client leaves too much output unread.
    int pausedConnectionCount() const;

    /// Listens on address:port (0 picks a free port). Returns the port, or 0 with `error` set.
    quint16 listenOn(const QHostAddress &address, quint16 port, QString *error,
                     bool *addressInUse = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    friend class ConnectionGuard; // answers 413 and 503 before a request reaches handleRequest()

    HttpEndpoint *endpointFor(const QString &path) const;
    // The 413 for a request over the limit, from its endpoint when there is one.
    HttpResponse tooLarge(const HttpRequest &request) const;
    // Adds Access-Control-Allow-Origin unless the answer has one.
    HttpResponse &withCors(HttpResponse &response) const;
    HttpEndpoint *upgradeEndpoint(HttpRequest &request) const;
    /// Replaces a trusted proxy's address in the request with its client's.
    void resolveClient(HttpRequest &request) const;
    void onNewWebSocket();

    Handler m_fallback;
    QByteArray m_corsOrigin;
    QList<QPair<QString, HttpEndpoint *>> m_endpoints;
    std::unique_ptr<QSslConfiguration> m_tls;
    qint64 m_maxBodyBytes = 1'000'000;
    std::function<bool(const HttpRequest &)> m_largeBodyMatches;
    qint64 m_largeBodyBytes = 0;
    std::shared_ptr<int> m_largeBodySlots = std::make_shared<int>(0);
    ConnectionLimits m_limits;
    std::shared_ptr<ConnectionGate> m_gate;
    // Upgrades Qt's WebSocket server is answering, by peer, so that their guards follow them.
    QHash<QString, QPointer<QObject>> m_upgrading;
    bool m_useEpoll = true;
    TrustedProxies m_trustedProxies;
    [[maybe_unused]] EpollTransport *m_epoll = nullptr; // null where epoll is not built
};

/// Converts a parsed request into the hub's own request type.
HttpRequest toHttpRequest(const QHttpServerRequest &request, bool secure);

} // namespace depot
