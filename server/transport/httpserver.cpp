#include "httpserver.h"

#include "connectionguard.h"
#ifdef DEPOT_EPOLL
#include "epolltransport.h"
#endif
#include "qtwebsocketlink.h"
#include "transportlog.h"

#include <QHttpServerRequest>
#include <QLoggingCategory>
#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QWebSocket>

#include <optional>

Q_LOGGING_CATEGORY(lcTransport, "depot.transport")

namespace depot {

namespace {

QString peerKey(const QHostAddress &address, quint16 port)
{
    return address.toString() + QLatin1Char('#') + QString::number(port);
}

class GuardedTcpServer : public QTcpServer
{
public:
    GuardedTcpServer(HttpServer *server, std::shared_ptr<ConnectionGate> gate)
        : QTcpServer(server)
        , m_server(server)
        , m_gate(std::move(gate))
    {}

#ifdef DEPOT_EPOLL
    /// New connections go to this transport first; it hands back what is not a WebSocket.
    void setEpollTransport(EpollTransport *transport)
    {
        m_epoll = transport;
    }
#endif

    /// Serves a connection the epoll transport handed back, its bytes still unread.
    void takeBack(int fd, ConnectionTicket ticket)
    {
        if (addSocket(fd, std::move(ticket), false))
            Q_EMIT newConnection();
    }

protected:
    void incomingConnection(qintptr handle) override
    {
        bool admitted = true;
        ConnectionTicket ticket = admitConnection(m_gate, int(handle), &admitted);
#ifdef DEPOT_EPOLL
        if (m_epoll && admitted)
            m_epoll->adopt(int(handle), std::move(ticket));
        else if (m_epoll)
            m_epoll->refuseBusy(int(handle));
        else
#endif
            addSocket(handle, std::move(ticket), !admitted);
    }

private:
    bool addSocket(qintptr handle, ConnectionTicket ticket, bool refused)
    {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(handle)) {
            delete socket;
            return false;
        }
        // Small frames leave at once: with Nagle's algorithm one written while the previous is
        // unacknowledged waits for the client's delayed ACK, up to 40 ms on Linux.
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        new ConnectionGuard(socket, m_server, std::move(ticket), refused);
        addPendingConnection(socket);
        return true;
    }

    HttpServer *m_server;
    std::shared_ptr<ConnectionGate> m_gate;
#ifdef DEPOT_EPOLL
    EpollTransport *m_epoll = nullptr;
#endif
};

QByteArray methodName(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN";
    }
}

} // namespace

HttpRequest toHttpRequest(const QHttpServerRequest &request, bool secure)
{
    HttpRequest r;
    r.method = methodName(request.method());
    r.path = request.url().path();
    r.query = request.query();
    const auto headers = request.headers();
    r.headers.reserve(headers.size());
    for (const auto &h : headers)
        r.headers.append({h.first.toLower(), h.second});
    r.body = request.body();
    r.remoteAddress = request.remoteAddress();
    r.secure = secure;
    return r;
}

HttpServer::HttpServer(QObject *parent)
    : QAbstractHttpServer(parent)
{
    connect(this, &QAbstractHttpServer::newWebSocketConnection, this, &HttpServer::onNewWebSocket);
}

HttpServer::~HttpServer() = default;

void HttpServer::addEndpoint(const QString &prefix, HttpEndpoint *endpoint)
{
    m_endpoints.append({prefix, endpoint});
}

void HttpServer::setTlsConfiguration(const QSslConfiguration &configuration)
{
    m_tls = std::make_unique<QSslConfiguration>(configuration);
}

quint16 HttpServer::listenOn(const QHostAddress &address, quint16 port, QString *error,
                             bool *addressInUse)
{
    QTcpServer *server = nullptr;
    if (m_tls) {
        auto *ssl = new QSslServer(this);
        ssl->setSslConfiguration(*m_tls);
        connect(ssl, &QSslServer::startedEncryptionHandshake, ssl, [this](QSslSocket *socket) {
            // As on the plain port: small frames leave at once, not after a delayed ACK.
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            bool admitted = true;
            ConnectionTicket ticket =
                admitConnection(m_gate, int(socket->socketDescriptor()), &admitted);
            new ConnectionGuard(socket, this, std::move(ticket), !admitted);
        });
        server = ssl;
    } else {
        auto *plain = new GuardedTcpServer(this, m_gate);
#ifdef DEPOT_EPOLL
        if (m_useEpoll) {
            m_epoll = new EpollTransport(
                {[plain](int fd, ConnectionTicket ticket) {
                     plain->takeBack(fd, std::move(ticket));
                 },
                 [this](HttpRequest &request) { return upgradeEndpoint(request); }},
                plain);
            m_epoll->setLimits(m_limits);
            m_epoll->setCorsOrigin(m_corsOrigin);
            if (m_epoll->isValid())
                plain->setEpollTransport(m_epoll);
        }
#endif
        server = plain;
    }
    if (!server->listen(address, port)) {
        if (error)
            *error = server->errorString();
        if (addressInUse)
            *addressInUse = server->serverError() == QAbstractSocket::AddressInUseError;
        delete server;
        return 0;
    }
    bind(server);
    return server->serverPort();
}

void HttpServer::setLargeBodyRoute(std::function<bool(const HttpRequest &)> matches, qint64 bytes,
                                   int concurrent)
{
    m_largeBodyMatches = std::move(matches);
    m_largeBodyBytes = bytes;
    *m_largeBodySlots = concurrent;
}

qint64 HttpServer::maxBodyBytesFor(const HttpRequest &head) const
{
    if (m_largeBodyMatches && m_largeBodyBytes > m_maxBodyBytes && m_largeBodyMatches(head))
        return m_largeBodyBytes;
    return m_maxBodyBytes;
}

HttpEndpoint *HttpServer::endpointFor(const QString &path) const
{
    for (const auto &[prefix, endpoint] : m_endpoints) {
        const bool folder = prefix.endsWith(QLatin1Char('/'));
        if (folder ? (path.startsWith(prefix) || path + QLatin1Char('/') == prefix)
                   : path == prefix)
            return endpoint;
    }
    return nullptr;
}

HttpResponse HttpServer::tooLarge(const HttpRequest &request) const
{
    HttpEndpoint *endpoint = endpointFor(request.path);
    const qint64 limit = maxBodyBytesFor(request);
    return endpoint ? endpoint->tooLarge(request, limit) : genericTooLarge(limit);
}

HttpResponse &HttpServer::withCors(HttpResponse &response) const
{
    if (!m_corsOrigin.isEmpty() && !response.hasHeader("Access-Control-Allow-Origin"))
        response.withHeader("Access-Control-Allow-Origin", m_corsOrigin);
    return response;
}

HttpEndpoint *HttpServer::upgradeEndpoint(HttpRequest &request) const
{
    resolveClient(request);
    HttpEndpoint *endpoint = endpointFor(request.path);
    return endpoint && endpoint->acceptWebSocket(request) ? endpoint : nullptr;
}

void HttpServer::resolveClient(HttpRequest &request) const
{
    if (!m_trustedProxies.isEmpty())
        request.remoteAddress = m_trustedProxies.clientOf(request.remoteAddress,
                                                          request.joinedHeader("x-forwarded-for"));
}

bool HttpServer::epollTransportBuilt()
{
#ifdef DEPOT_EPOLL
    return true;
#else
    return false;
#endif
}

int HttpServer::epollLinkCount() const
{
#ifdef DEPOT_EPOLL
    return m_epoll ? m_epoll->linkCount() : 0;
#else
    return 0;
#endif
}

int HttpServer::pausedConnectionCount() const
{
#ifdef DEPOT_EPOLL
    int paused = m_epoll ? m_epoll->pausedCount() : 0;
#else
    int paused = 0;
#endif
    const auto guards = findChildren<ConnectionGuard *>();
    for (const ConnectionGuard *guard : guards)
        paused += guard->isPaused() ? 1 : 0;
    return paused;
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    ConnectionGuard *guard = ConnectionGuard::of(socket);
    if (guard)
        guard->requestStarted();
    const bool secure = qobject_cast<QSslSocket *>(socket) != nullptr;
    HttpRequest r = toHttpRequest(request, secure);
    resolveClient(r);
    HttpEndpoint *endpoint = endpointFor(r.path);

    const bool upgrade = request.value("upgrade").compare("websocket", Qt::CaseInsensitive) == 0 &&
                         request.value("connection").toLower().contains("upgrade");
    if (upgrade) {
        // True hands the socket to the WebSocket server; false has missingHandler() refuse it.
        const bool accepted = request.value("sec-websocket-version") == "13" && endpoint &&
                              endpoint->acceptWebSocket(r);
        if (accepted && guard) {
            m_upgrading.removeIf([](const auto &entry) { return entry.value().isNull(); });
            m_upgrading.insert(peerKey(socket->peerAddress(), socket->peerPort()), guard);
        }
        return accepted;
    }

    if (r.body.size() > maxBodyBytesFor(r)) {
        std::make_shared<HttpExchange>(socket, m_corsOrigin)->respond(tooLarge(r));
        return true;
    }
    if (endpoint) {
        endpoint->handleHttp(r, std::make_shared<HttpExchange>(socket, m_corsOrigin));
        return true;
    }
    auto exchange = std::make_shared<HttpExchange>(socket, m_corsOrigin);
    if (m_fallback)
        m_fallback(r, exchange);
    else
        exchange->respond(
            HttpResponse::error(404, QStringLiteral("not_found"), QStringLiteral("no such route")));
    return true;
}

void HttpServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Only reached for refused WebSocket upgrades; the server closes the connection after this.
    // A version other than 13 gets the 426 the epoll transport answers, naming the one it speaks.
    if (request.value("sec-websocket-version") != "13") {
        HttpResponse refused =
            HttpResponse::error(426, QStringLiteral("bad_request"),
                                QStringLiteral("unsupported WebSocket version; 13 is supported"));
        refused.withHeader("Sec-WebSocket-Version", "13");
        socket->write(withCors(refused).withHeader("Connection", "close").serialize());
        return;
    }
    HttpResponse refused = HttpResponse::error(400, QStringLiteral("bad_request"),
                                               QStringLiteral("WebSocket upgrade refused"));
    socket->write(withCors(refused).withHeader("Connection", "close").serialize());
}

void HttpServer::onNewWebSocket()
{
    while (hasPendingWebSocketConnections()) {
        std::unique_ptr<QWebSocket> ws = nextPendingWebSocketConnection();
        if (!ws)
            continue;
        // Its connection's guard goes on bounding what the client leaves unread.
        auto *guard = qobject_cast<ConnectionGuard *>(
            m_upgrading.take(peerKey(ws->peerAddress(), ws->peerPort())).data());
        if (guard)
            guard->becomeWebSocket(m_maxBodyBytes);
        HttpEndpoint *endpoint = endpointFor(ws->requestUrl().path());
        if (!endpoint) {
            ws->close(QWebSocketProtocol::CloseCodePolicyViolated);
            continue;
        }
        if (ws->state() != QAbstractSocket::ConnectedState) {
            ws->abort();
            continue;
        }
        HttpRequest request;
        request.method = "GET";
        request.path = ws->requestUrl().path();
        request.query = QUrlQuery(ws->requestUrl());
        const QNetworkRequest handshake = ws->request();
        for (const QByteArray &name : handshake.rawHeaderList())
            request.headers.append({name.toLower(), handshake.rawHeader(name)});
        request.remoteAddress = ws->peerAddress();
        request.secure = m_tls != nullptr;
        resolveClient(request);
        endpoint->webSocketConnected(WebSocketLinkPtr(new QtWebSocketLink(std::move(ws), guard)),
                                     request);
    }
}

} // namespace depot
