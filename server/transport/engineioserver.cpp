#include "engineioserver.h"

#include "transportlog.h"

#include <QLoggingCategory>
#include <QRandomGenerator>

#include <array>

namespace depot {

namespace {

using engineio::ErrorCode;
using engineio::Transport;

// Node's query parser turns a repeated key into an array, which then matches no valid value;
// joining the values keeps that: "a,b" is neither a transport nor a sid.
QString queryValue(const QUrlQuery &query, const QString &key)
{
    return query.allQueryItemValues(key, QUrl::FullyDecoded).join(QLatin1Char(','));
}

} // namespace

EngineIoServer::EngineIoServer(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{}

EngineIoServer::~EngineIoServer()
{
    // Sessions go first, silently: whatever listens to them may already be gone.
    const auto sessions = std::exchange(m_sessions, {});
    qDeleteAll(sessions);
}

EngineIoSession *EngineIoServer::session(const QString &sid) const
{
    EngineIoSession *s = m_sessions.value(sid);
    return s && s->isOpen() ? s : nullptr;
}

QString EngineIoServer::newSessionId() const
{
    // 15 random bytes are exactly 20 base64url characters, as the reference server's ids.
    QString id;
    do {
        std::array<quint32, 4> words{};
        QRandomGenerator::system()->fillRange(words.data(), words.size());
        const QByteArray raw(reinterpret_cast<const char *>(words.data()), 15);
        id = QString::fromLatin1(
            raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    } while (m_sessions.contains(id));
    return id;
}

int EngineIoServer::unauthenticatedCount(const QHostAddress &address) const
{
    return m_unauthenticated.value(clientAddress(address));
}

bool EngineIoServer::admitsNewSession(const QHostAddress &address) const
{
    return m_options.maxUnauthenticatedPerAddress <= 0 ||
           unauthenticatedCount(address) < m_options.maxUnauthenticatedPerAddress;
}

void EngineIoServer::sessionAuthenticated(EngineIoSession *session)
{
    auto it = m_unauthenticated.find(session->m_address);
    if (it != m_unauthenticated.end() && --*it <= 0)
        m_unauthenticated.erase(it);
}

EngineIoSession *EngineIoServer::createSession(Transport transport, const QHostAddress &address)
{
    auto *session = new EngineIoSession(this, newSessionId(), transport);
    session->m_address = clientAddress(address);
    ++m_unauthenticated[session->m_address];
    m_sessions.insert(session->id(), session);
    ++m_openCount;
    qCDebug(lcTransport) << "engine.io session" << session->id() << "opened from" << address
                         << (transport == Transport::Polling ? "over polling" : "over websocket");
    return session;
}

void EngineIoServer::sessionClosed(EngineIoSession *session, bool reachable)
{
    --m_openCount;
    if (!session->m_authenticated) {
        session->m_authenticated = true; // counted once
        sessionAuthenticated(session);
    }
    if (!reachable)
        m_sessions.remove(session->id());
}

void EngineIoServer::forget(EngineIoSession *session)
{
    m_sessions.remove(session->id());
}

HttpResponse EngineIoServer::corsResponse(int status) const
{
    HttpResponse r = HttpResponse::empty(status);
    if (!m_options.corsOrigin.isEmpty())
        r.withHeader("Access-Control-Allow-Origin", m_options.corsOrigin);
    return r;
}

HttpResponse EngineIoServer::payloadResponse(const QByteArray &payload) const
{
    HttpResponse r = corsResponse(200);
    r.contentType = QByteArrayLiteral("text/plain; charset=UTF-8");
    r.body = payload;
    r.withHeader("Cache-Control", "no-store");
    return r;
}

HttpResponse EngineIoServer::okResponse() const
{
    // text/html, as the reference server: text/plain made some browsers offer a download.
    HttpResponse r = corsResponse(200);
    r.contentType = QByteArrayLiteral("text/html");
    r.body = QByteArrayLiteral("ok");
    r.withHeader("Cache-Control", "no-store");
    return r;
}

HttpResponse EngineIoServer::errorResponse(ErrorCode code) const
{
    HttpResponse r = corsResponse(engineio::httpStatus(code));
    r.contentType = QByteArrayLiteral("application/json");
    r.body = engineio::errorBody(code);
    return r;
}

void EngineIoServer::handleHttp(const HttpRequest &request, std::shared_ptr<HttpExchange> exchange)
{
    if (request.method == "OPTIONS") {
        // CORS preflight: browsers ask before a cross-origin POST of a text/plain body.
        HttpResponse r = corsResponse(204);
        if (!m_options.corsOrigin.isEmpty()) {
            r.withHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            // A fixed list: whatever the request asks for is never written back.
            r.withHeader("Access-Control-Allow-Headers", kAllowedHeaders);
            r.withHeader("Access-Control-Max-Age", "86400");
        }
        exchange->respond(r);
        return;
    }

    const QString transport = queryValue(request.query, QStringLiteral("transport"));
    const std::optional<Transport> t = engineio::transportFromString(transport);
    if (!t) {
        exchange->respond(errorResponse(ErrorCode::UnknownTransport));
        return;
    }

    const QString sid = queryValue(request.query, QStringLiteral("sid"));
    if (!sid.isEmpty()) {
        EngineIoSession *s = m_sessions.value(sid);
        // Past its heartbeat deadline a session is gone, even if its timer has not fired yet.
        if (!s || (s->isOpen() && s->expireIfOverdue())) {
            exchange->respond(errorResponse(ErrorCode::UnknownSid));
            return;
        }
        // WebSocket only arrives as an upgrade; plain HTTP for an upgraded session is a mismatch.
        if (*t != Transport::Polling || s->transport() != Transport::Polling) {
            exchange->respond(errorResponse(ErrorCode::BadRequest));
            return;
        }
        if (request.method == "GET")
            s->handlePoll(std::move(exchange));
        else if (request.method == "POST")
            s->handlePost(request, exchange);
        else
            exchange->respond(errorResponse(ErrorCode::BadRequest));
        return;
    }

    if (const auto error = engineio::checkHandshake(
            queryValue(request.query, QStringLiteral("EIO")), transport, request.method, false)) {
        exchange->respond(errorResponse(*error));
        return;
    }
    if (!admitsNewSession(request.remoteAddress)) {
        qCInfo(lcTransport) << "engine.io handshake refused: too many unauthenticated sessions from"
                            << request.remoteAddress;
        HttpResponse busy = HttpResponse::error(
            503, QStringLiteral("too_many_sessions"),
            QStringLiteral("too many sessions from this address are still connecting"));
        busy.withHeader("Retry-After", "1");
        if (!m_options.corsOrigin.isEmpty())
            busy.withHeader("Access-Control-Allow-Origin", m_options.corsOrigin);
        exchange->respond(busy);
        return;
    }

    EngineIoSession *s = createSession(Transport::Polling, request.remoteAddress);
    s->startHeartbeat(); // the deadline counts from before the client can see the Open packet
    exchange->respond(payloadResponse(engineio::encodeText(
        engineio::Type::Open,
        engineio::openPayload(s->id(), m_options.pingIntervalMs, m_options.pingTimeoutMs,
                              m_options.maxPayload, true))));
    Q_EMIT connection(s);
}

HttpResponse EngineIoServer::tooLarge(const HttpRequest &request, qint64)
{
    const QString sid = queryValue(request.query, QStringLiteral("sid"));
    if (request.method == "POST" && !sid.isEmpty()) {
        if (EngineIoSession *s = session(sid)) {
            qCInfo(lcTransport) << "engine.io session" << sid << "closed: payload too large";
            s->end(QStringLiteral("transport error"), EngineIoSession::Ending::Error);
        }
    }
    return corsResponse(413);
}

bool EngineIoServer::acceptWebSocket(const HttpRequest &request)
{
    const QString transport = queryValue(request.query, QStringLiteral("transport"));
    if (engineio::transportFromString(transport) != Transport::WebSocket)
        return false;
    const QString sid = queryValue(request.query, QStringLiteral("sid"));
    if (!sid.isEmpty()) {
        // Only an unknown sid is refused at the HTTP level. A second WebSocket for a session that
        // is already upgrading or upgraded is accepted and then closed, as the reference server
        // does: clients expect an ordinary close there, not a failed handshake.
        return session(sid) != nullptr;
    }
    // Past the cap of sessions still connecting from one address the upgrade is refused.
    return !engineio::checkHandshake(queryValue(request.query, QStringLiteral("EIO")), transport,
                                     "GET", true) &&
           admitsNewSession(request.remoteAddress);
}

void EngineIoServer::webSocketConnected(WebSocketLinkPtr link, const HttpRequest &request)
{
    // The session may have changed during the WebSocket handshake, so everything is checked again.
    // A link refused here is disposed of as `link` goes.
    const QString transport = queryValue(request.query, QStringLiteral("transport"));
    const QString sid = queryValue(request.query, QStringLiteral("sid"));
    if (engineio::transportFromString(transport) != Transport::WebSocket)
        return;
    link->setMaxMessageBytes(m_options.maxPayload);

    if (!sid.isEmpty()) {
        EngineIoSession *s = m_sessions.value(sid);
        if (!s || s->expireIfOverdue() || !s->canUpgrade())
            return;
        s->startUpgrade(std::move(link));
        return;
    }
    if (engineio::checkHandshake(queryValue(request.query, QStringLiteral("EIO")), transport, "GET",
                                 true) ||
        !admitsNewSession(request.remoteAddress))
        return;

    EngineIoSession *s = createSession(Transport::WebSocket, request.remoteAddress);
    s->attachWebSocket(std::move(link));
    s->startHeartbeat();
    s->writeFrame({engineio::encodeText(engineio::Type::Open,
                                        engineio::openPayload(s->id(), m_options.pingIntervalMs,
                                                              m_options.pingTimeoutMs,
                                                              m_options.maxPayload, false)),
                   false});
    Q_EMIT connection(s);
}

} // namespace depot
