#include "httpserver.h"

#include "connectionguard.h"
#include "epolltransport.h"
#include "qtwebsocketlink.h"

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

HttpResponse genericTooLarge(qint64 limit)
{
    return HttpResponse::error(413, QStringLiteral("payload_too_large"),
                               QStringLiteral("the body is larger than %1 bytes").arg(limit));
}

class GuardedTcpServer : public QTcpServer
{
public:
    GuardedTcpServer(HttpServer *server, std::shared_ptr<ConnectionGate> gate)
        : QTcpServer(server)
        , m_server(server)
        , m_gate(std::move(gate))
    {}

    /// New connections go to this transport first; it hands back what is not a WebSocket.
    void setEpollTransport(EpollTransport *transport) { m_epoll = transport; }

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
        if (m_epoll && admitted)
            m_epoll->adopt(int(handle), std::move(ticket));
        else if (m_epoll)
            m_epoll->refuseBusy(int(handle));
        else
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
    EpollTransport *m_epoll = nullptr;
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

HttpExchange::HttpExchange(QTcpSocket *socket, QByteArray corsOrigin)
    : m_socket(socket)
    , m_corsOrigin(std::move(corsOrigin))
{}

HttpExchange::~HttpExchange()
{
    // Dropped unanswered: the connection waits for nothing any more.
    if (!m_answered && m_socket) {
        if (ConnectionGuard *guard = ConnectionGuard::of(m_socket))
            guard->responseWritten();
    }
}

bool HttpExchange::connected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void HttpExchange::respond(const HttpResponse &response)
{
    if (m_answered)
        return;
    m_answered = true;
    if (!connected())
        return;
    if (m_corsOrigin.isEmpty() || response.hasHeader("Access-Control-Allow-Origin")) {
        m_socket->write(response.serialize());
    } else {
        HttpResponse withOrigin = response;
        m_socket->write(
            withOrigin.withHeader("Access-Control-Allow-Origin", m_corsOrigin).serialize());
    }
    if (ConnectionGuard *guard = ConnectionGuard::of(m_socket))
        guard->responseWritten();
}

HttpResponse HttpEndpoint::tooLarge(const HttpRequest &, qint64 limit)
{
    return genericTooLarge(limit);
}

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
        if (m_useEpoll) {
            m_epoll = new EpollTransport(
                {[plain](int fd, ConnectionTicket ticket) {
                     plain->takeBack(fd, std::move(ticket));
                 },
                 [this](const HttpRequest &request) { return upgradeEndpoint(request); }},
                plain);
            m_epoll->setLimits(m_limits);
            m_epoll->setCorsOrigin(m_corsOrigin);
            if (m_epoll->isValid())
                plain->setEpollTransport(m_epoll);
        }
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
    return endpoint ? endpoint->tooLarge(request, m_maxBodyBytes) : genericTooLarge(m_maxBodyBytes);
}

HttpResponse &HttpServer::withCors(HttpResponse &response) const
{
    if (!m_corsOrigin.isEmpty() && !response.hasHeader("Access-Control-Allow-Origin"))
        response.withHeader("Access-Control-Allow-Origin", m_corsOrigin);
    return response;
}

HttpEndpoint *HttpServer::upgradeEndpoint(const HttpRequest &request) const
{
    HttpEndpoint *endpoint = endpointFor(request.path);
    return endpoint && endpoint->acceptWebSocket(request) ? endpoint : nullptr;
}

int HttpServer::epollLinkCount() const
{
    return m_epoll ? m_epoll->linkCount() : 0;
}

int HttpServer::pausedConnectionCount() const
{
    int paused = m_epoll ? m_epoll->pausedCount() : 0;
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
    HttpEndpoint *endpoint = endpointFor(r.path);

    const bool upgrade = request.value("upgrade").compare("websocket", Qt::CaseInsensitive) == 0 &&
                         request.value("connection").toLower().contains("upgrade");
    if (upgrade) {
        // True hands the socket to the WebSocket server; false has missingHandler() refuse it.
        const bool accepted = endpoint && endpoint->acceptWebSocket(r);
        if (accepted && guard) {
            m_upgrading.removeIf([](const auto &entry) { return entry.value().isNull(); });
            m_upgrading.insert(peerKey(socket->peerAddress(), socket->peerPort()), guard);
        }
        return accepted;
    }

    if (r.body.size() > m_maxBodyBytes) {
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

void HttpServer::missingHandler(const QHttpServerRequest &, QTcpSocket *socket)
{
    // Only reached for refused WebSocket upgrades; the server closes the connection after this.
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
        endpoint->webSocketConnected(std::make_unique<QtWebSocketLink>(std::move(ws), guard),
                                     request);
    }
}

} // namespace depot
