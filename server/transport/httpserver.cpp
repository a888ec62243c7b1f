#include "httpserver.h"

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

// Headers and the request line may add this much to the largest body before a request is cut off.
constexpr qint64 kHeaderAllowance = 64 * 1024;
// A head longer than this is not kept: its request is still counted, and judged by Qt's parser.
constexpr qsizetype kMaxKeptHead = 16 * 1024;

HttpResponse genericTooLarge(qint64 limit)
{
    return HttpResponse::error(413, QStringLiteral("payload_too_large"),
                               QStringLiteral("the body is larger than %1 bytes").arg(limit));
}

} // namespace

/// Counts what a connection sends for its current request, before the HTTP parser buffers it,
/// so that an endless header or body is refused instead of filling memory. Connected before the
/// HTTP server's own slot, so it runs first on every read. It keeps the request's head as it
/// arrives, so that a body announced over the limit is refused at once and the refusal comes
/// from the request's endpoint (a long-polling session ends with it).
class RequestGuard : public QObject
{
    // With its meta-object, findChild() tells the guard from the socket's other children.
    Q_OBJECT

public:
    static void install(QTcpSocket *socket, const HttpServer *server)
    {
        auto *guard = new RequestGuard(socket, server);
        connect(socket, &QTcpSocket::readyRead, guard, &RequestGuard::onReadyRead);
    }

    /// The current request was read whole; the next one starts counting afresh.
    static void reset(QTcpSocket *socket)
    {
        if (auto *guard = socket->findChild<RequestGuard *>(QString(), Qt::FindDirectChildrenOnly))
            guard->restart();
    }

private:
    RequestGuard(QTcpSocket *socket, const HttpServer *server)
        : QObject(socket)
        , m_socket(socket)
        , m_server(server)
    {}

    void restart()
    {
        m_seen = 0;
        m_headBytes = 0;
        m_head.clear();
        m_headDone = false;
        m_request.reset();
    }

    void onReadyRead()
    {
        if (m_refused) {
            drain();
            return;
        }
        const qint64 available = m_socket->bytesAvailable();
        const qint64 limit = m_server->maxBodyBytes() + kHeaderAllowance;
        if (!m_headDone && !keepHead(available) && m_request) {
            const qint64 announced = m_request->header("content-length").toLongLong();
            if (announced > m_server->maxBodyBytes()) {
                // Refused before any of the body is parsed. What the client is still sending
                // is read and dropped, up to the limit, so that it gets the answer rather than
                // a reset connection.
                refuse(std::min(m_headBytes + announced, limit));
                return;
            }
        }
        m_seen += available;
        if (m_seen > limit)
            refuse(0);
    }

    // Adds what arrived to the kept head; false once the head is complete (or given up).
    bool keepHead(qint64 available)
    {
        // Peeked: the HTTP parser reads these bytes away after this slot.
        m_head += m_socket->peek(std::min<qint64>(available, kMaxKeptHead - m_head.size()));
        const qsizetype end = m_head.indexOf("\r\n\r\n");
        if (end < 0 && m_head.size() < kMaxKeptHead)
            return true;
        m_headDone = true;
        HttpRequest request;
        // A head that does not parse (or whose start a pipelined request already consumed) is
        // left to Qt's parser; only its size is checked.
        if (end >= 0 && parseRequestHead(QByteArrayView(m_head).first(end + 2), &request)) {
            request.remoteAddress = m_socket->peerAddress();
            request.secure = qobject_cast<QSslSocket *>(m_socket) != nullptr;
            m_request = std::move(request);
            m_headBytes = end + 4;
        }
        m_head = QByteArray();
        return false;
    }

    // Answers 413 and closes once `requestBytes` of the request have been read (at once if 0).
    void refuse(qint64 requestBytes)
    {
        m_refused = true;
        m_drainUntil = requestBytes;
        HttpResponse r =
            m_request ? m_server->tooLarge(*m_request) : genericTooLarge(m_server->maxBodyBytes());
        m_socket->write(m_server->withCors(r).withHeader("Connection", "close").serialize());
        drain();
    }

    void drain()
    {
        m_seen += m_socket->readAll().size(); // nothing of it reaches the parser
        if (m_seen >= m_drainUntil && m_socket->state() == QAbstractSocket::ConnectedState)
            m_socket->disconnectFromHost();
    }

    QTcpSocket *m_socket;
    const HttpServer *m_server;
    qint64 m_seen = 0;
    qint64 m_headBytes = 0;
    qint64 m_drainUntil = 0;
    QByteArray m_head;
    bool m_headDone = false;
    bool m_refused = false;
    std::optional<HttpRequest> m_request;
};

namespace {

class GuardedTcpServer : public QTcpServer
{
public:
    explicit GuardedTcpServer(HttpServer *server)
        : QTcpServer(server)
        , m_server(server)
    {}

    /// New connections go to this transport first; it hands back what is not a WebSocket.
    void setEpollTransport(EpollTransport *transport) { m_epoll = transport; }

    /// Serves a connection the epoll transport handed back, its bytes still unread.
    void takeBack(int fd)
    {
        if (addSocket(fd))
            Q_EMIT newConnection();
    }

protected:
    void incomingConnection(qintptr handle) override
    {
        if (m_epoll)
            m_epoll->adopt(int(handle));
        else
            addSocket(handle);
    }

private:
    bool addSocket(qintptr handle)
    {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(handle)) {
            delete socket;
            return false;
        }
        // Small frames leave at once: with Nagle's algorithm one written while the previous is
        // unacknowledged waits for the client's delayed ACK, up to 40 ms on Linux.
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        RequestGuard::install(socket, m_server);
        addPendingConnection(socket);
        return true;
    }

    HttpServer *m_server;
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
        return;
    }
    HttpResponse withOrigin = response;
    m_socket->write(withOrigin.withHeader("Access-Control-Allow-Origin", m_corsOrigin).serialize());
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
            RequestGuard::install(socket, this);
        });
        server = ssl;
    } else {
        auto *plain = new GuardedTcpServer(this);
        if (m_useEpoll) {
            m_epoll = new EpollTransport(
                {[plain](int fd) { plain->takeBack(fd); },
                 [this](const HttpRequest &request) { return upgradeEndpoint(request); }},
                plain);
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

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    RequestGuard::reset(socket); // the next request starts counting afresh
    const bool secure = qobject_cast<QSslSocket *>(socket) != nullptr;
    HttpRequest r = toHttpRequest(request, secure);
    HttpEndpoint *endpoint = endpointFor(r.path);

    const bool upgrade = request.value("upgrade").compare("websocket", Qt::CaseInsensitive) == 0 &&
                         request.value("connection").toLower().contains("upgrade");
    if (upgrade) {
        // True hands the socket to the WebSocket server; false has missingHandler() refuse it.
        return endpoint && endpoint->acceptWebSocket(r);
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
        endpoint->webSocketConnected(std::make_unique<QtWebSocketLink>(std::move(ws)), request);
    }
}

} // namespace depot

#include "httpserver.moc"
