#include "connectionguard.h"

#include "httpmessage.h"
#include "httpserver.h"
#include "requesthead.h"
#include "transportlog.h"

#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimerEvent>

namespace depot {

namespace {

// Headers and the request line may add this much to the largest body before a request is cut off.
constexpr qint64 kHeaderAllowance = 64 * 1024;
// How often a paused connection is looked at: its socket's signals are blocked meanwhile.
constexpr int kPausePollMs = 20;
// A head is looked for in at most this much of what arrived; Qt's parser bounds the rest.
constexpr qint64 kHeadScanBytes = 16 * 1024;
// QWebSocket handles everything buffered at once; a cap bounds what one read can make it send.
constexpr qint64 kFrameAllowance = 64 * 1024;

qint64 nowMs()
{
    return QDeadlineTimer::current().deadline();
}

} // namespace

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const HttpServer *server,
                                 ConnectionTicket ticket, bool refused)
    : QObject(socket)
    , m_socket(socket)
    , m_server(server)
    , m_limits(server->connectionLimits())
    , m_maxRequestBytes(server->maxBodyBytes() + kHeaderAllowance)
    , m_ticket(std::move(ticket))
    , m_refused(refused)
{
    m_lastActivityMs = nowMs();
    // A connection the epoll transport held first has had part of its time already.
    m_headStartMs = m_ticket.acceptedAtMs() > 0 ? m_ticket.acceptedAtMs() : m_lastActivityMs;
    // Connected before the HTTP server's own slot, so it runs first on every read.
    connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
    rearm();
}

ConnectionGuard::~ConnectionGuard()
{
    releaseLargeBody();
}

void ConnectionGuard::releaseLargeBody()
{
    if (!m_largeBodySlot)
        return;
    ++*m_largeBodySlot;
    m_largeBodySlot.reset();
    m_maxRequestBytes = m_server->maxBodyBytes() + kHeaderAllowance;
}

ConnectionGuard *ConnectionGuard::of(const QTcpSocket *socket)
{
    return socket ? socket->findChild<ConnectionGuard *>(QString(), Qt::FindDirectChildrenOnly)
                  : nullptr;
}

void ConnectionGuard::onReadyRead()
{
    if (m_phase == Phase::WebSocket)
        return;
    if (m_tooLarge) {
        drainRefused();
        return;
    }
    if (m_refused) {
        m_refused = false;
        HttpResponse busy =
            HttpResponse::error(503, QStringLiteral("too_many_connections"),
                                QStringLiteral("too many open connections; try again later"));
        m_socket->write(m_server->withCors(busy)
                            .withHeader("Connection", "close")
                            .withHeader("Retry-After", "1")
                            .serialize());
        m_socket->disconnectFromHost();
        m_socket->readAll(); // nothing of it reaches the parser
        return;
    }
    m_lastActivityMs = nowMs();
    if (m_phase == Phase::Idle) {
        m_phase = Phase::Head;
        m_headStartMs = m_lastActivityMs;
    }
    if (m_phase == Phase::Head) {
        scanHead();
        if (m_tooLarge)
            return;
    }
    m_requestBytes += m_socket->bytesAvailable();
    if (m_requestBytes > m_maxRequestBytes) {
        refuseTooLarge(0);
        return;
    }
    rearm();
}

void ConnectionGuard::scanHead()
{
    // Peeked: the HTTP parser reads these bytes away after this slot.
    m_head += m_socket->peek(
        std::min(m_socket->bytesAvailable(), std::max<qint64>(0, kHeadScanBytes - m_head.size())));
    const qsizetype end = m_head.indexOf("\r\n\r\n");
    if (end < 0 && m_head.size() < kHeadScanBytes)
        return;
    // Complete, or too long to keep: Qt's parser judges the rest, the size is still bounded.
    m_phase = Phase::Body;
    HttpRequest request;
    if (end >= 0 && parseRequestHead(QByteArrayView(m_head).first(end + 2), &request)) {
        request.remoteAddress = m_socket->peerAddress();
        request.secure = qobject_cast<QSslSocket *>(m_socket) != nullptr;
        m_headBytes = end + 4;
        m_request = std::move(request);
    }
    m_head = QByteArray();
    const qint64 limit =
        m_request ? m_server->maxBodyBytesFor(*m_request) : m_server->maxBodyBytes();
    const qint64 announced = m_request ? m_request->header("content-length").toLongLong() : 0;
    if (limit > m_server->maxBodyBytes() && announced <= limit) {
        // An upload route: a larger body, but only so many at once.
        const std::shared_ptr<int> &slots = m_server->largeBodySlots();
        if (*slots <= 0) {
            m_tooLarge = true;
            m_deadline.stop();
            HttpResponse busy =
                HttpResponse::error(503, QStringLiteral("too_many_uploads"),
                                    QStringLiteral("too many uploads at once; try again later"));
            m_socket->write(m_server->withCors(busy)
                                .withHeader("Connection", "close")
                                .withHeader("Retry-After", "1")
                                .serialize());
            // What the client still sends is read and dropped, so that it gets the answer.
            m_drainUntil = std::min(m_headBytes + announced, limit + kHeaderAllowance);
            drainRefused();
            return;
        }
        --*slots;
        m_largeBodySlot = slots;
        m_maxRequestBytes = limit + kHeaderAllowance;
    }
    if (announced > limit) {
        // Refused before any of the body is parsed. What the client is still sending is read
        // and dropped, up to the limit, so that it gets the answer rather than a reset.
        refuseTooLarge(std::min(m_headBytes + announced, m_maxRequestBytes));
    }
}

void ConnectionGuard::refuseTooLarge(qint64 requestBytes)
{
    m_tooLarge = true;
    m_drainUntil = requestBytes;
    m_deadline.stop();
    // Without a well-formed head no endpoint is known: the server's own 413.
    HttpResponse tooLarge = m_server->tooLarge(m_request.value_or(HttpRequest{}));
    m_socket->write(m_server->withCors(tooLarge).withHeader("Connection", "close").serialize());
    drainRefused();
}

void ConnectionGuard::drainRefused()
{
    m_requestBytes += m_socket->readAll().size(); // nothing of it reaches the parser
    if (m_requestBytes >= m_drainUntil && m_socket->state() == QAbstractSocket::ConnectedState)
        m_socket->disconnectFromHost();
}

void ConnectionGuard::requestStarted()
{
    releaseLargeBody(); // the whole request is read: the next one starts at the usual limit
    ++m_outstanding;
    m_requestBytes = 0; // the next request starts counting afresh
    m_head.clear();
    m_request.reset();
    m_headBytes = 0;
    if (m_phase != Phase::WebSocket)
        m_phase = Phase::Idle;
    rearm();
}

void ConnectionGuard::responseWritten()
{
    if (m_outstanding > 0)
        --m_outstanding;
    m_lastActivityMs = nowMs();
    checkOutput();
    rearm();
}

void ConnectionGuard::checkOutput()
{
    if (!m_paused && m_socket->bytesToWrite() > m_limits.maxUnsentBytes)
        pause();
}

void ConnectionGuard::becomeWebSocket(qint64 maxFrameBytes)
{
    m_phase = Phase::WebSocket;
    m_outstanding = 0;
    m_deadline.stop();
    // Qt's HTTP server dropped every connection of the socket when it handed it over; this one
    // comes after QWebSocket's, so it sees what answering a read (pongs) queued.
    connect(m_socket, &QTcpSocket::readyRead, this, &ConnectionGuard::checkOutput,
            Qt::UniqueConnection);
    m_socket->setReadBufferSize(maxFrameBytes + kFrameAllowance);
    checkOutput();
}

void ConnectionGuard::rearm()
{
    if (m_phase == Phase::WebSocket || m_outstanding > 0) {
        // A request being answered, a parked long-poll, or a WebSocket is not idle.
        m_deadline.stop();
        return;
    }
    const qint64 deadline = m_phase == Phase::Head ? m_headStartMs + m_limits.headTimeoutMs
                                                   : m_lastActivityMs + m_limits.idleTimeoutMs;
    m_deadline.start(int(std::max<qint64>(0, deadline - nowMs())), Qt::CoarseTimer, this);
}

void ConnectionGuard::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_pausePoll.timerId()) {
        pollPaused();
        return;
    }
    if (event->timerId() != m_deadline.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_deadline.stop();
    if (m_phase == Phase::WebSocket || m_outstanding > 0)
        return;
    const qint64 now = nowMs();
    if (m_phase == Phase::Head && now >= m_headStartMs + m_limits.headTimeoutMs)
        closeNow("no request head in time");
    else if (m_phase != Phase::Head && now >= m_lastActivityMs + m_limits.idleTimeoutMs)
        closeNow("idle");
    else
        rearm();
}

void ConnectionGuard::pause()
{
    m_paused = true;
    m_pausedAtMs = nowMs();
    qCDebug(lcTransport) << "connection paused:" << m_socket->bytesToWrite()
                         << "bytes unread by the client";
    // Blocked signals keep the HTTP server's and QWebSocket's readers from what is buffered
    // (and drop the server's queued re-read of a pipelined request, which resume() repeats);
    // a full read buffer keeps Qt from reading the kernel's.
    m_readBufferSize = m_socket->readBufferSize();
    m_socket->setReadBufferSize(1);
    m_socket->blockSignals(true);
    m_pausePoll.start(kPausePollMs, this);
}

void ConnectionGuard::resume()
{
    m_paused = false;
    m_pausePoll.stop();
    m_socket->blockSignals(false);
    m_socket->setReadBufferSize(m_readBufferSize);
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(m_socket, &QAbstractSocket::readyRead, Qt::QueuedConnection);
}

void ConnectionGuard::pollPaused()
{
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        // It closed or broke while its signals were blocked: its owners learn it now.
        resume();
        Q_EMIT m_socket->stateChanged(m_socket->state());
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            Q_EMIT m_socket->disconnected();
        return;
    }
    if (m_socket->bytesToWrite() <= m_limits.maxUnsentBytes / 2) {
        resume();
        return;
    }
    if (nowMs() - m_pausedAtMs >= m_limits.stallTimeoutMs) {
        resume();
        qCInfo(lcTransport) << "connection closed: output unread for" << m_limits.stallTimeoutMs
                            << "ms";
        m_socket->abort(); // the client reads nothing, a graceful close would wait forever
    }
}

void ConnectionGuard::closeNow(const char *why)
{
    qCDebug(lcTransport) << "connection closed:" << why;
    if (m_socket->bytesToWrite() == 0)
        m_socket->disconnectFromHost();
    else
        m_socket->abort();
}

} // namespace depot
