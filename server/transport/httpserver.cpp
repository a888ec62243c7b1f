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

Q_LOGGING_CATEGORY(lcTransport, "depot.transport")

namespace depot {

namespace {

// Headers and the request line may add this much to the largest body before a request is cut off.
constexpr qint64 kHeaderAllowance = 64 * 1024;
constexpr char kBytesProperty[] = "depot.requestBytes";

/// Counts what a connection sends for its current request, before the HTTP parser buffers it,
/// so that an endless header or body is refused instead of filling memory. Connected before the
/// HTTP server's own slot, so it runs first on every read.
void installRequestGuard(QTcpSocket *socket, qint64 limit)
{
    socket->setProperty(kBytesProperty, qint64(0));
    QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket, limit] {
        const qint64 seen =
            socket->property(kBytesProperty).toLongLong() + socket->bytesAvailable();
        socket->setProperty(kBytesProperty, seen);
        if (seen <= limit)
            return;
        HttpResponse tooLarge = HttpResponse::error(
            413, QStringLiteral("payload_too_large"),
            QStringLiteral("the request is larger than %1 bytes").arg(limit - kHeaderAllowance));
        socket->write(tooLarge.withHeader("Connection", "close").serialize());
        socket->disconnectFromHost();
        socket->readAll(); // nothing of it reaches the parser
    });
}

class GuardedTcpServer : public QTcpServer
{
public:
    GuardedTcpServer(qint64 limit, QObject *parent)
        : QTcpServer(parent)
        , m_limit(limit)
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
        installRequestGuard(socket, m_limit);
        addPendingConnection(socket);
        return true;
    }

    qint64 m_limit;
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

HttpExchange::HttpExchange(QTcpSocket *socket)
    : m_socket(socket)
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
    m_socket->write(response.serialize());
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
    const qint64 limit = m_maxBodyBytes + kHeaderAllowance;
    QTcpServer *server = nullptr;
    if (m_tls) {
        auto *ssl = new QSslServer(this);
        ssl->setSslConfiguration(*m_tls);
        connect(ssl, &QSslServer::startedEncryptionHandshake, ssl, [limit](QSslSocket *socket) {
            // As on the plain port: small frames leave at once, not after a delayed ACK.
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            installRequestGuard(socket, limit);
        });
        server = ssl;
    } else {
        auto *plain = new GuardedTcpServer(limit, this);
        if (m_useEpoll) {
            m_epoll = new EpollTransport(
                {[plain](int fd) { plain->takeBack(fd); },
                 [this](const HttpRequest &request) { return upgradeEndpoint(request); }},
                plain);
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
    socket->setProperty(kBytesProperty, qint64(0)); // the next request starts counting afresh
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
        std::make_shared<HttpExchange>(socket)->respond(HttpResponse::error(
            413, QStringLiteral("payload_too_large"),
            QStringLiteral("the body is larger than %1 bytes").arg(m_maxBodyBytes)));
        return true;
    }
    if (endpoint) {
        endpoint->handleHttp(r, std::make_shared<HttpExchange>(socket));
        return true;
    }
    auto exchange = std::make_shared<HttpExchange>(socket);
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
    socket->write(HttpResponse::error(400, QStringLiteral("bad_request"),
                                      QStringLiteral("WebSocket upgrade refused"))
                      .withHeader("Connection", "close")
                      .serialize());
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
