#include "engineiosession.h"

#include "engineioserver.h"
#include "httpendpoint.h"
#include "transportlog.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTimerEvent>

#include <algorithm>

namespace depot {

namespace {

using engineio::Frame;
using engineio::Packet;
using engineio::Transport;
using engineio::Type;

// Control frames are the same for every session, so they are encoded once and shared.
const Frame &pingFrame()
{
    static const Frame frame{engineio::encodeText(Type::Ping), false};
    return frame;
}

const Frame &closeFrame()
{
    static const Frame frame{engineio::encodeText(Type::Close), false};
    return frame;
}

const QByteArray &noopPayload()
{
    static const QByteArray payload = engineio::encodeText(Type::Noop);
    return payload;
}

// What a frame adds to a long-polling payload: separator, and base64 with its 'b' for binary.
qint64 payloadCost(const Frame &frame)
{
    const qint64 n = frame.bytes.size();
    return 1 + (frame.binary ? 1 + (n + 2) / 3 * 4 : n);
}

} // namespace

EngineIoSession::EngineIoSession(EngineIoServer *server, QString id, Transport transport)
    : QObject(server)
    , m_server(server)
    , m_id(std::move(id))
    , m_transport(transport)
{}

EngineIoSession::~EngineIoSession()
{
    // Nothing may call back into this object while its members are destroyed.
    if (m_pollGone)
        disconnect(m_pollGone);
    releaseWebSocket(m_ws);
    releaseWebSocket(m_probe);
}

void EngineIoSession::send(const Frame &frame)
{
    if (m_state == State::Open)
        writeFrame(frame);
}

void EngineIoSession::close()
{
    end(QStringLiteral("server close"), Ending::Server);
}

void EngineIoSession::markAuthenticated()
{
    if (m_authenticated || m_state != State::Open)
        return;
    m_authenticated = true;
    m_server->sessionAuthenticated(this);
}

void EngineIoSession::startHeartbeat()
{
    const EngineIoServer::Options &o = m_server->options();
    m_heartbeatDeadline.setRemainingTime(qint64(o.pingIntervalMs) + o.pingTimeoutMs,
                                         Qt::PreciseTimer);
    m_pingTimer.start(o.pingIntervalMs, Qt::PreciseTimer, this);
}

bool EngineIoSession::expireIfOverdue()
{
    // Qt delivers socket events before timers in a loop pass, so a request arriving after the
    // deadline could otherwise still find the session alive: the deadline is what counts.
    if (m_state == State::Open && m_heartbeatDeadline.hasExpired())
        end(QStringLiteral("ping timeout"), Ending::Error);
    return m_state != State::Open;
}

bool EngineIoSession::canUpgrade() const
{
    return m_state == State::Open && m_transport == Transport::Polling &&
           m_upgrade == Upgrade::None;
}

void EngineIoSession::timerEvent(QTimerEvent *event)
{
    const int id = event->timerId();
    if (id == m_pingTimer.timerId()) {
        m_pingTimer.stop();
        if (m_state != State::Open)
            return;
        // The deadline counts from when the ping was due, not from this late-or-not timer event.
        m_pongTimer.start(int(std::max<qint64>(0, m_heartbeatDeadline.remainingTime())),
                          Qt::PreciseTimer, this);
        m_awaitingPong = true;
        writeFrame(pingFrame());
    } else if (id == m_pongTimer.timerId()) {
        m_pongTimer.stop();
        if (m_state == State::Open && m_awaitingPong)
            end(QStringLiteral("ping timeout"), Ending::Error);
        else if (m_state == State::Draining)
            finishDraining();
    } else if (id == m_pauseNoopTimer.timerId()) {
        m_pauseNoopTimer.stop();
        if (m_state == State::Open && m_upgrade == Upgrade::Probed && m_poll)
            answerPoll(noopPayload());
    } else if (id == m_upgradeTimer.timerId()) {
        qCDebug(lcTransport) << "engine.io session" << m_id << "did not complete its upgrade";
        abandonUpgrade();
    } else {
        QObject::timerEvent(event);
    }
}

// Outgoing
// -----------------------------------------------------------------------------------------

void EngineIoSession::writeFrame(const Frame &frame)
{
    if (m_transport == Transport::WebSocket) {
        if (m_ws)
            writeToWebSocket(m_ws.get(), frame);
        return;
    }
    m_queue.append(frame);
    m_queuedBytes += payloadCost(frame);
    if (m_queuedBytes > m_server->options().maxBufferedBytes && m_state == State::Open) {
        qCInfo(lcTransport) << "engine.io session" << m_id << "dropped: client does not poll";
        end(QStringLiteral("transport error"), Ending::Error);
        return;
    }
    if (m_poll)
        flushPoll();
}

void EngineIoSession::writeToWebSocket(WebSocketLink *link, const Frame &frame)
{
    if (frame.binary)
        link->sendBinary(frame.bytes);
    else
        link->sendText(frame.bytes);
    if (link != m_ws.get())
        return;
    if (link->pendingBytes() > m_server->options().maxBufferedBytes && m_state == State::Open) {
        qCInfo(lcTransport) << "engine.io session" << m_id << "dropped: client does not read";
        end(QStringLiteral("transport error"), Ending::Error);
    }
}

void EngineIoSession::flushPoll()
{
    const QByteArray payload = engineio::encodePayload(m_queue);
    m_queue.clear();
    m_queuedBytes = 0;
    answerPoll(payload);
}

void EngineIoSession::answerPoll(const QByteArray &payload)
{
    const std::shared_ptr<HttpExchange> poll = std::move(m_poll);
    m_poll.reset();
    disconnect(m_pollGone);
    poll->respond(m_server->payloadResponse(payload));
}

void EngineIoSession::dropPoll()
{
    // The client left while its poll was parked; like the reference server, the session stays
    // until its heartbeat fails or the client polls again.
    disconnect(m_pollGone);
    m_poll.reset();
}

// Incoming
// -----------------------------------------------------------------------------------------

void EngineIoSession::handlePoll(std::shared_ptr<HttpExchange> exchange)
{
    if (m_state == State::Draining) {
        m_poll = std::move(exchange);
        flushPoll(); // the queue ends with the Close packet
        finishDraining();
        return;
    }
    if (m_state != State::Open) {
        exchange->respond(m_server->errorResponse(engineio::ErrorCode::UnknownSid));
        return;
    }
    if (m_poll && !m_poll->connected())
        dropPoll();
    if (m_poll) {
        qCInfo(lcTransport) << "engine.io session" << m_id << "closed: overlapping polls";
        exchange->respond(m_server->corsResponse(400));
        end(QStringLiteral("transport error"), Ending::Error);
        return;
    }
    if (!exchange->connected())
        return;
    m_poll = std::move(exchange);
    m_pollGone =
        connect(m_poll->socket(), &QAbstractSocket::disconnected, this, &EngineIoSession::dropPoll);
    if (!m_queue.isEmpty())
        flushPoll();
    else if (m_upgrade == Upgrade::Probed)
        schedulePauseNoop(); // the client's polling must pause for the upgrade to finish
}

void EngineIoSession::handlePost(const HttpRequest &request,
                                 const std::shared_ptr<HttpExchange> &exchange)
{
    if (m_state != State::Open) {
        exchange->respond(m_server->okResponse()); // a closing session ignores what comes in
        return;
    }
    if (request.body.size() > m_server->options().maxPayload) {
        qCInfo(lcTransport) << "engine.io session" << m_id << "closed: payload too large";
        exchange->respond(m_server->corsResponse(413));
        end(QStringLiteral("transport error"), Ending::Error);
        return;
    }
    // Binary bodies belong to EIO 3; v4 carries binary as base64 inside a text payload.
    if (request.header("content-type") == "application/octet-stream") {
        exchange->respond(m_server->errorResponse(engineio::ErrorCode::BadRequest));
        end(QStringLiteral("transport error"), Ending::Error);
        return;
    }
    const engineio::DecodedPayload decoded = engineio::decodePayload(request.body);
    if (!decoded.ok()) {
        qCInfo(lcTransport) << "engine.io session" << m_id
                            << "closed:" << engineio::decodeErrorString(decoded.error);
        exchange->respond(m_server->errorResponse(engineio::ErrorCode::BadRequest));
        end(QStringLiteral("parse error"), Ending::Error);
        return;
    }
    for (const Packet &packet : decoded.packets) {
        if (m_state != State::Open)
            break;
        onPacket(packet);
    }
    exchange->respond(m_server->okResponse());
}

void EngineIoSession::attachWebSocket(WebSocketLinkPtr link)
{
    m_ws = std::move(link);
    m_ws->setListener(this);
}

void EngineIoSession::linkText(WebSocketLink *link, const QByteArray &utf8)
{
    if (link == m_probe.get())
        onProbeText(utf8);
    else if (link == m_ws.get())
        onWebSocketText(utf8);
}

void EngineIoSession::linkBinary(WebSocketLink *link, const QByteArray &bytes)
{
    if (link == m_probe.get())
        abandonUpgrade();
    else if (link == m_ws.get() && !expireIfOverdue())
        onPacket(engineio::decodeBinary(bytes));
}

void EngineIoSession::linkClosed(WebSocketLink *link)
{
    if (link == m_probe.get())
        abandonUpgrade();
    else if (link == m_ws.get())
        end(QStringLiteral("transport close"), Ending::Vanished);
}

void EngineIoSession::onWebSocketText(const QByteArray &text)
{
    if (expireIfOverdue())
        return;
    const engineio::DecodedPacket decoded = engineio::decodeText(text);
    if (!decoded.ok()) {
        qCInfo(lcTransport) << "engine.io session" << m_id
                            << "closed:" << engineio::decodeErrorString(decoded.error);
        end(QStringLiteral("parse error"), Ending::Error);
        return;
    }
    onPacket(decoded.packet);
}

void EngineIoSession::onPacket(const Packet &packet)
{
    switch (packet.type) {
    case Type::Ping:
        // In EIO 4 only the server pings; the reference server drops a client that does.
        end(QStringLiteral("transport error"), Ending::Error);
        break;
    case Type::Pong:
        if (expireIfOverdue())
            break; // too late: the reference server's timer would have fired first
        // The pong timer is left to fire and be ignored: stopping a timer that is due late
        // searches Qt's timer list from the front, which holds every session's timers.
        m_awaitingPong = false;
        startHeartbeat();
        break;
    case Type::Message:
        if (m_receiver)
            m_receiver->sessionMessage(packet.data, packet.binary);
        Q_EMIT message(packet.data, packet.binary);
        break;
    case Type::Close:
        end(QStringLiteral("transport close"), Ending::Client);
        break;
    case Type::Open:
    case Type::Upgrade:
    case Type::Noop:
        break;
    }
}

// Upgrade
// ------------------------------------------------------------------------------------------

void EngineIoSession::startUpgrade(WebSocketLinkPtr link)
{
    if (!canUpgrade()) {
        releaseWebSocket(link);
        return;
    }
    m_probe = std::move(link);
    m_upgrade = Upgrade::Connected;
    m_probe->setListener(this);
    m_upgradeTimer.start(m_server->options().upgradeTimeoutMs, this);
}

void EngineIoSession::onProbeText(const QByteArray &text)
{
    if (m_state != State::Open || !m_probe)
        return;
    if (text == "2probe") {
        writeToWebSocket(m_probe.get(), {engineio::encodeText(Type::Pong, "probe"), false});
        m_upgrade = Upgrade::Probed;
        if (m_poll)
            schedulePauseNoop();
    } else if (text == "5") {
        completeUpgrade();
    } else {
        abandonUpgrade();
    }
}

void EngineIoSession::completeUpgrade()
{
    m_upgradeTimer.stop();
    m_pauseNoopTimer.stop();
    m_upgrade = Upgrade::None;
    WebSocketLinkPtr ws = std::move(m_probe);
    m_transport = Transport::WebSocket;
    if (m_poll) {
        // Still parked: the client polled after its probe and sent Upgrade without waiting for
        // the Noop, so this poll is one for an upgraded session and is refused as such.
        const std::shared_ptr<HttpExchange> poll = std::move(m_poll);
        dropPoll();
        poll->respond(m_server->errorResponse(engineio::ErrorCode::BadRequest));
    }
    attachWebSocket(std::move(ws));
    qCDebug(lcTransport) << "engine.io session" << m_id << "upgraded to websocket";

    const QList<Frame> queued = std::exchange(m_queue, {});
    m_queuedBytes = 0;
    for (const Frame &frame : queued) {
        if (m_state != State::Open)
            break;
        writeToWebSocket(m_ws.get(), frame);
    }
}

void EngineIoSession::schedulePauseNoop()
{
    // Not answered at once: this poll and the WebSocket's frames can be read in the same pass of
    // the event loop, sockets in descriptor order rather than in the order their data arrived.
    // Waiting one pass lets an Upgrade the client sent before polling complete the upgrade first.
    if (!m_pauseNoopTimer.isActive())
        m_pauseNoopTimer.start(0, this);
}

void EngineIoSession::abandonUpgrade()
{
    m_upgradeTimer.stop();
    m_pauseNoopTimer.stop();
    m_upgrade = Upgrade::None;
    releaseWebSocket(m_probe);
}

// Closing
// ------------------------------------------------------------------------------------------

void EngineIoSession::releaseWebSocket(WebSocketLinkPtr &link)
{
    if (!link)
        return;
    link->setListener(nullptr);
    link.reset();
}

void EngineIoSession::end(const QString &reason, Ending ending)
{
    if (m_state != State::Open)
        return;
    m_state = State::Closed;
    m_pingTimer.stop();
    m_pongTimer.stop();
    abandonUpgrade();

    bool drain = false;
    if (m_transport == Transport::Polling) {
        if (ending == Ending::Server) {
            // What was queued still goes out, followed by the Close packet.
            m_queue.append(closeFrame());
            m_queuedBytes += payloadCost(closeFrame());
            if (m_poll)
                flushPoll();
            else
                drain = true;
        } else if (m_poll) {
            answerPoll(ending == Ending::Client ? noopPayload() : closeFrame().bytes);
        }
        if (!drain) {
            m_queue.clear();
            m_queuedBytes = 0;
            dropPoll();
        }
    } else {
        if (ending == Ending::Server && m_ws)
            writeToWebSocket(m_ws.get(), closeFrame());
        releaseWebSocket(m_ws);
    }

    qCDebug(lcTransport) << "engine.io session" << m_id << "closed:" << reason;
    if (drain) {
        m_state = State::Draining;
        m_pongTimer.start(m_server->options().pingTimeoutMs, this);
    }
    m_server->sessionClosed(this, drain);
    if (m_receiver)
        m_receiver->sessionClosed(reason);
    Q_EMIT closed(reason);
    if (!drain)
        deleteLater();
}

void EngineIoSession::finishDraining()
{
    m_pongTimer.stop();
    m_state = State::Closed;
    m_queue.clear();
    m_queuedBytes = 0;
    dropPoll();
    m_server->forget(this);
    deleteLater();
}

} // namespace depot
