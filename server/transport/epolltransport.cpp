#include "epolltransport.h"

#include "httpendpoint.h"
#include "protocol/websocket.h"
#include "requesthead.h"
#include "transportlog.h"
#include "websocketlink.h"

#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <array>

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace depot {

namespace {

// A request head longer than this is no WebSocket upgrade a client sends; Qt's server judges it.
constexpr qsizetype kMaxHeadBytes = 8192;
// A refused connection is read and dropped this long, so that its 503 is not lost to a reset.
constexpr int kRefusalLingerMs = 1000;
// Past this many lingering refusals a refused connection is closed at once: a flood of them must
// not take the descriptors the caps keep free.
constexpr int kMaxLingering = 256;
// A peer that never completes the closing handshake must not keep its socket.
constexpr int kCloseGraceMs = 5000;
constexpr int kEventsPerWait = 256;
// Busy links are read in slices so that one cannot starve the others.
constexpr int kReadsPerEvent = 4;
constexpr qsizetype kReadChunk = 64 * 1024;
constexpr qsizetype kEagerFlushBytes = 64 * 1024;

qint64 nowMs()
{
    return QDeadlineTimer::current().deadline();
}

// A key is 16 random bytes in base64: 22 characters and "==".
bool isValidKey(const QByteArray &key)
{
    if (key.size() != 24 || !key.endsWith("=="))
        return false;
    return QByteArray::fromBase64Encoding(key, QByteArray::AbortOnBase64DecodingErrors)
               .decoded.size() == 16;
}

} // namespace

/// One adopted descriptor: first a request head being peeked at, then a WebSocket link.
class EpollTransport::Connection final : public WebSocketLink
{
public:
    enum class State : quint8 {
        Head,    // waiting for the request head
        Open,    // a WebSocket link
        Closing, // a Close frame is out (or going); waiting for the peer's, or its grace
        Closed,  // the descriptor is closed; the object waits for its owner or the reaper
        Refused, // answered 503; what the client still sends is read and dropped
    };

    Connection(EpollTransport *transport, int fd)
        : m_transport(transport)
        , m_fd(fd)
    {}

    void setMaxMessageBytes(qint64 bytes) override { m_reader = {Role::Server, bytes}; }
    void sendText(const QByteArray &utf8) override { send(websocket::Opcode::Text, utf8); }
    void sendBinary(const QByteArray &bytes) override { send(websocket::Opcode::Binary, bytes); }
    qint64 pendingBytes() const override { return m_out.size(); }

    void send(websocket::Opcode opcode, QByteArrayView payload)
    {
        if (m_state != State::Open || !m_transport)
            return;
        websocket::appendFrame(m_out, opcode, payload);
        // Written out at once past a threshold: a burst (a backlog of fixes committed together)
        // must not pile up in memory while the kernel's buffer has room for it.
        // A broken connection is noticed by the flush at the end of the pass.
        if (m_out.size() >= kEagerFlushBytes)
            flush();
        m_transport->markDirty(this);
        if (!m_paused && m_out.size() > m_transport->m_limits.maxUnsentBytes)
            updateBackpressure();
    }
    void readable();
    void writable();
    // Stops reading while the client leaves too much output unread; resumes once it drained.
    void updateBackpressure();
    void watchEvents();
    void discardInput();
    // Writes what it can; false when the connection broke.
    bool flush();
    // Sends a Close frame and waits for the peer's (or the grace period).
    void startClosing(quint16 code);
    // The peer sent Close or broke the protocol: a Close frame with `code`, then the end.
    void finishWithPeer(quint16 code);
    // Closes the descriptor now; `notify` tells the listener the link is gone.
    void closeNow(bool notify);

    using Role = websocket::MessageReader::Role;

    EpollTransport *m_transport;
    Connection *m_prev = nullptr;
    Connection *m_next = nullptr;
    int m_fd;
    State m_state = State::Head;
    bool m_dirty = false;
    bool m_wantWrite = false;
    bool m_owned = false;   // a session holds it: only dispose() may delete it
    bool m_retired = false; // in the graveyard
    bool m_shutdownAfterFlush = false;
    bool m_paused = false;   // not read: the client does not read its output
    qint64 m_deadlineMs = 0; // for heads, closing links, stalled links and refusals
    ConnectionTicket m_ticket;
    QByteArray m_in;  // the unread tail of a frame
    QByteArray m_out; // bytes the kernel did not take yet
    websocket::MessageReader m_reader{Role::Server, 1000000};

private:
    void dispose() override;
};

void EpollTransport::Connection::dispose()
{
    m_listener = nullptr;
    m_owned = false;
    if (!m_transport) {
        delete this; // the transport is gone; the descriptor was closed with it
        return;
    }
    if (m_state == State::Open)
        startClosing(websocket::CloseNormal);
    else if (m_state == State::Closed)
        m_transport->retire(this);
}

void EpollTransport::Connection::startClosing(quint16 code)
{
    if (m_state != State::Open)
        return;
    websocket::appendFrame(m_out, websocket::Opcode::Close, websocket::closePayload(code));
    m_state = State::Closing;
    m_transport->markDirty(this);
    m_transport->watchDeadline(this, nowMs() + kCloseGraceMs);
}

void EpollTransport::Connection::finishWithPeer(quint16 code)
{
    if (m_state != State::Open) {
        closeNow(false); // the peer answered our Close, or broke the rules while closing
        return;
    }
    startClosing(code);
    m_shutdownAfterFlush = true;
    if (m_listener)
        m_listener->linkClosed(this);
    m_listener = nullptr;
}

void EpollTransport::Connection::closeNow(bool notify)
{
    if (m_state == State::Closed)
        return;
    const bool wasLink = m_state != State::Head && m_state != State::Refused;
    if (m_state == State::Refused)
        --m_transport->m_lingering;
    m_state = State::Closed;
    EpollTransport *t = m_transport;
    ::epoll_ctl(t->m_epoll, EPOLL_CTL_DEL, m_fd, nullptr);
    ::close(m_fd);
    m_fd = -1;
    m_in.clear();
    m_out.clear();
    m_ticket.reset();
    if (std::exchange(m_paused, false))
        --t->m_pausedCount;
    if (wasLink)
        --t->m_linkCount;
    if (notify && m_listener)
        m_listener->linkClosed(this);
    if (!m_owned)
        t->retire(this);
}

void EpollTransport::Connection::readable()
{
    thread_local std::array<char, kReadChunk> chunk;
    for (int round = 0; round < kReadsPerEvent; ++round) {
        if (m_state != State::Open && m_state != State::Closing)
            return;
        if (m_paused || m_out.size() > m_transport->m_limits.maxUnsentBytes) {
            updateBackpressure();
            return;
        }
        const ssize_t n = ::recv(m_fd, chunk.data(), chunk.size(), 0);
        if (n == 0) {
            closeNow(true);
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR)
                continue;
            closeNow(true);
            return;
        }
        // Frames are parsed straight from the chunk; only an incomplete tail is kept.
        QByteArrayView data;
        if (m_in.isEmpty()) {
            data = QByteArrayView(chunk.data(), n);
        } else {
            m_in.append(chunk.data(), n);
            data = m_in;
        }
        qsizetype offset = 0;
        bool stop = false;
        while (!stop) {
            qsizetype used = 0;
            websocket::Message message;
            const auto result = m_reader.read(data.sliced(offset), &used, &message);
            offset += used;
            switch (result) {
            case websocket::MessageReader::Result::NeedMore:
                stop = true;
                break;
            case websocket::MessageReader::Result::Fragment:
                break;
            case websocket::MessageReader::Result::Error:
                qCDebug(lcTransport) << "websocket closed: protocol error" << m_reader.closeCode();
                finishWithPeer(m_reader.closeCode());
                return;
            case websocket::MessageReader::Result::Message:
                switch (message.opcode) {
                case websocket::Opcode::Text:
                    if (m_state == State::Open && m_listener)
                        m_listener->linkText(this, message.payload);
                    break;
                case websocket::Opcode::Binary:
                    if (m_state == State::Open && m_listener)
                        m_listener->linkBinary(this, message.payload);
                    break;
                case websocket::Opcode::Ping:
                    send(websocket::Opcode::Pong, message.payload);
                    break;
                case websocket::Opcode::Pong:
                    break;
                case websocket::Opcode::Close: {
                    // Answered with the same code, then the connection ends.
                    const auto close = websocket::parseClosePayload(message.payload);
                    finishWithPeer(close.code == 1005 ? quint16(websocket::CloseNormal)
                                                      : close.code);
                    return;
                }
                default:
                    break;
                }
                break;
            }
            // A listener may have closed this link while it handled the message.
            if (m_state != State::Open && m_state != State::Closing)
                return;
        }
        if (offset >= data.size()) {
            m_in.clear();
        } else if (m_in.isEmpty()) {
            m_in = data.sliced(offset).toByteArray();
        } else {
            m_in.remove(0, offset);
        }
        if (n < qsizetype(chunk.size()))
            return;
    }
}

bool EpollTransport::Connection::flush()
{
    while (!m_out.isEmpty()) {
        const ssize_t n = ::send(m_fd, m_out.constData(), size_t(m_out.size()), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return false;
        }
        if (n == m_out.size())
            m_out.clear(); // frees the buffer: an idle link holds no memory for writing
        else
            m_out.remove(0, n);
    }
    const bool wantWrite = !m_out.isEmpty();
    if (wantWrite != m_wantWrite) {
        m_wantWrite = wantWrite;
        watchEvents();
    }
    if (m_paused)
        updateBackpressure();
    if (!wantWrite && m_shutdownAfterFlush)
        closeNow(false);
    return true;
}

void EpollTransport::Connection::watchEvents()
{
    epoll_event ev{};
    // A paused link is not told about input or a half-close it would not read anyway.
    if (!m_paused)
        ev.events |= EPOLLIN | EPOLLRDHUP;
    if (m_wantWrite)
        ev.events |= EPOLLOUT;
    ev.data.ptr = this;
    ::epoll_ctl(m_transport->m_epoll, EPOLL_CTL_MOD, m_fd, &ev);
}

void EpollTransport::Connection::updateBackpressure()
{
    const ConnectionLimits &limits = m_transport->m_limits;
    if (!m_paused && m_out.size() > limits.maxUnsentBytes) {
        m_paused = true;
        ++m_transport->m_pausedCount;
        qCDebug(lcTransport) << "websocket paused:" << m_out.size() << "bytes unread by the client";
        watchEvents();
        if (m_state == State::Open)
            m_transport->watchDeadline(this, nowMs() + limits.stallTimeoutMs);
    } else if (m_paused && m_out.size() <= limits.maxUnsentBytes / 2) {
        m_paused = false;
        --m_transport->m_pausedCount;
        watchEvents();
        if (m_state == State::Open)
            m_transport->unwatchDeadline(this); // level-triggered: waiting input is read next pass
    }
}

void EpollTransport::Connection::discardInput()
{
    thread_local std::array<char, kReadChunk> chunk;
    for (;;) {
        const ssize_t n = ::recv(m_fd, chunk.data(), chunk.size(), 0);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        closeNow(false); // the client closed, or the connection broke
        return;
    }
}

void EpollTransport::Connection::writable()
{
    if (m_state == State::Open || m_state == State::Closing) {
        if (!flush())
            closeNow(true);
    }
}

// Transport
// -----------------------------------------------------------------------------------------

EpollTransport::EpollTransport(Callbacks callbacks, QObject *parent)
    : QObject(parent)
    , m_callbacks(std::move(callbacks))
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        qCWarning(lcTransport) << "epoll unavailable; WebSockets go through Qt";
        return;
    }
    m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &EpollTransport::onReady);
    m_deadlineTimer = new QTimer(this);
    m_deadlineTimer->setInterval(250);
    connect(m_deadlineTimer, &QTimer::timeout, this, &EpollTransport::checkDeadlines);
}

EpollTransport::~EpollTransport()
{
    // Links a session still owns stay alive, orphaned: their dispose() deletes them.
    for (Connection *c = m_first; c;) {
        Connection *next = c->m_next;
        if (c->m_fd >= 0)
            ::close(c->m_fd);
        c->m_fd = -1;
        c->m_state = Connection::State::Closed;
        c->m_transport = nullptr;
        c->m_prev = c->m_next = nullptr;
        if (!c->m_owned && !c->m_retired)
            delete c;
        c = next;
    }
    for (Connection *c : m_graveyard)
        delete c;
    if (m_epoll >= 0)
        ::close(m_epoll);
}

void EpollTransport::setLimits(const ConnectionLimits &limits)
{
    m_limits = limits;
    // Deadlines are checked four times a second, more often for short timeouts (a test's).
    if (m_deadlineTimer)
        m_deadlineTimer->setInterval(
            std::clamp(std::min(limits.headTimeoutMs, limits.stallTimeoutMs) / 4, 20, 250));
}

void EpollTransport::adopt(int fd, ConnectionTicket ticket)
{
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    // Small frames leave at once: with Nagle's algorithm one written while the previous is
    // unacknowledged waits for the client's delayed ACK, up to 40 ms on Linux.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    auto *c = new Connection(this, fd);
    c->m_ticket = std::move(ticket);
    c->m_next = m_first;
    if (m_first)
        m_first->m_prev = c;
    m_first = c;
    // Edge-triggered while peeking: unread bytes must not wake the loop again and again.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
        handBack(c);
        return;
    }
    watchDeadline(c, nowMs() + m_limits.headTimeoutMs);
    readHead(c); // the request often arrived with the connection
    reap();
}

void EpollTransport::refuseBusy(int fd)
{
    const QByteArray bytes = HttpResponse::error(503, QStringLiteral("too_many_connections"),
                                                 QStringLiteral("too many open connections; "
                                                                "try again later"))
                                 .withHeader("Connection", "close")
                                 .withHeader("Retry-After", "1")
                                 .serialize();
    // A fresh socket's send buffer takes a short answer whole.
    ::send(fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    if (m_lingering >= kMaxLingering) {
        ::close(fd);
        return;
    }
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    auto *c = new Connection(this, fd);
    c->m_state = Connection::State::Refused;
    ++m_lingering;
    c->m_next = m_first;
    if (m_first)
        m_first->m_prev = c;
    m_first = c;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = c;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
        c->closeNow(false);
        reap();
        return;
    }
    watchDeadline(c, nowMs() + kRefusalLingerMs);
    c->discardInput();
    reap();
}

void EpollTransport::onReady()
{
    std::array<epoll_event, kEventsPerWait> events;
    m_inPass = true;
    const int n = ::epoll_wait(m_epoll, events.data(), kEventsPerWait, 0);
    for (int i = 0; i < n; ++i) {
        auto *c = static_cast<Connection *>(events[i].data.ptr);
        if (c->m_retired || c->m_state == Connection::State::Closed)
            continue;
        const uint32_t e = events[i].events;
        if (c->m_state == Connection::State::Head) {
            readHead(c);
            continue;
        }
        if (c->m_state == Connection::State::Refused) {
            c->discardInput();
            continue;
        }
        if (e & EPOLLOUT)
            c->writable();
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            c->readable();
    }
    // Everything written during the pass leaves in one send per link.
    flushDirty();
    m_inPass = false;
    reap();
}

void EpollTransport::readHead(Connection *c)
{
    std::array<char, kMaxHeadBytes> head;
    const ssize_t n = ::recv(c->m_fd, head.data(), head.size(), MSG_PEEK);
    if (n == 0) {
        c->closeNow(false);
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            c->closeNow(false);
        return;
    }
    RequestHeadPeek peek = peekRequestHead(QByteArrayView(head.data(), n), kMaxHeadBytes);
    if (peek.verdict == RequestHeadPeek::Verdict::HandBack)
        handBack(c);
    else if (peek.verdict == RequestHeadPeek::Verdict::Upgrade)
        upgrade(c, std::move(peek.request), peek.headBytes);
    // NeedMore: the rest of the head is on its way
}

void EpollTransport::upgrade(Connection *c, HttpRequest request, qsizetype headBytes)
{
    // The head is consumed now; it is answered here, whatever the answer.
    std::array<char, kMaxHeadBytes> sink;
    if (::recv(c->m_fd, sink.data(), size_t(headBytes), 0) != headBytes) {
        c->closeNow(false);
        return;
    }
    if (request.header("sec-websocket-version") != "13") {
        refuse(c, 426, "unsupported WebSocket version; 13 is supported");
        return;
    }
    const QByteArray key = request.header("sec-websocket-key");
    if (!isValidKey(key)) {
        refuse(c, 400, "missing or invalid Sec-WebSocket-Key");
        return;
    }
    sockaddr_storage peer{};
    socklen_t peerLength = sizeof peer;
    if (::getpeername(c->m_fd, reinterpret_cast<sockaddr *>(&peer), &peerLength) == 0)
        request.remoteAddress.setAddress(reinterpret_cast<const sockaddr *>(&peer));
    HttpEndpoint *endpoint = m_callbacks.upgradeEndpoint(request);
    if (!endpoint) {
        refuse(c, 400, "WebSocket upgrade refused");
        return;
    }

    m_timed.erase(std::remove(m_timed.begin(), m_timed.end(), c), m_timed.end());
    c->m_state = Connection::State::Open;
    c->m_owned = true;
    ++m_linkCount;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = c;
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c->m_fd, &ev);
    c->m_out = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
               websocket::acceptKey(key) + "\r\n\r\n";
    markDirty(c);
    endpoint->webSocketConnected(WebSocketLinkPtr(c), request);
}

void EpollTransport::refuse(Connection *c, int status, const QByteArray &message)
{
    HttpResponse r =
        HttpResponse::error(status, QStringLiteral("bad_request"), QString::fromUtf8(message));
    if (status == 426)
        r.withHeader("Sec-WebSocket-Version", "13");
    if (!m_corsOrigin.isEmpty())
        r.withHeader("Access-Control-Allow-Origin", m_corsOrigin);
    const QByteArray bytes = r.withHeader("Connection", "close").serialize();
    // A fresh socket's send buffer takes a short answer whole; if not, the client gets less.
    ::send(c->m_fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL);
    ::shutdown(c->m_fd, SHUT_WR);
    c->closeNow(false);
}

void EpollTransport::handBack(Connection *c)
{
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c->m_fd, nullptr);
    const int fd = std::exchange(c->m_fd, -1);
    c->m_state = Connection::State::Closed;
    ConnectionTicket ticket = std::move(c->m_ticket);
    retire(c);
    m_callbacks.handBack(fd, std::move(ticket));
}

void EpollTransport::markDirty(Connection *c)
{
    if (c->m_dirty)
        return;
    c->m_dirty = true;
    m_dirty.push_back(c);
    if (!m_inPass)
        scheduleFlush();
}

void EpollTransport::scheduleFlush()
{
    // Writes from outside a pass (timers, the store's commits) leave together, once the code
    // that made them returns to the event loop.
    if (m_flushPosted)
        return;
    m_flushPosted = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_flushPosted = false;
            flushDirty();
            reap();
        },
        Qt::QueuedConnection);
}

void EpollTransport::flushDirty()
{
    // Index loop: a link that breaks may make its session write to others, which appends.
    for (size_t i = 0; i < m_dirty.size(); ++i) {
        Connection *c = m_dirty[i];
        c->m_dirty = false;
        if (c->m_state != Connection::State::Open && c->m_state != Connection::State::Closing)
            continue;
        if (!c->flush())
            c->closeNow(true);
    }
    m_dirty.clear();
}

void EpollTransport::retire(Connection *c)
{
    if (c->m_retired)
        return;
    c->m_retired = true;
    if (c->m_prev)
        c->m_prev->m_next = c->m_next;
    else if (m_first == c)
        m_first = c->m_next;
    if (c->m_next)
        c->m_next->m_prev = c->m_prev;
    c->m_prev = c->m_next = nullptr;
    m_timed.erase(std::remove(m_timed.begin(), m_timed.end(), c), m_timed.end());
    m_graveyard.push_back(c);
    if (!m_inPass)
        scheduleFlush(); // the reaper runs with the next flush
}

void EpollTransport::reap()
{
    if (m_inPass)
        return;
    for (Connection *c : m_graveyard) {
        m_dirty.erase(std::remove(m_dirty.begin(), m_dirty.end(), c), m_dirty.end());
        delete c;
    }
    m_graveyard.clear();
}

void EpollTransport::watchDeadline(Connection *c, qint64 deadlineMs)
{
    c->m_deadlineMs = deadlineMs;
    if (std::find(m_timed.begin(), m_timed.end(), c) == m_timed.end())
        m_timed.push_back(c);
    if (!m_deadlineTimer->isActive())
        m_deadlineTimer->start();
}

void EpollTransport::unwatchDeadline(Connection *c)
{
    m_timed.erase(std::remove(m_timed.begin(), m_timed.end(), c), m_timed.end());
}

void EpollTransport::checkDeadlines()
{
    const qint64 now = nowMs();
    const std::vector<Connection *> due = [&] {
        std::vector<Connection *> out;
        for (Connection *c : m_timed) {
            if (c->m_deadlineMs <= now)
                out.push_back(c);
        }
        return out;
    }();
    for (Connection *c : due) {
        m_timed.erase(std::remove(m_timed.begin(), m_timed.end(), c), m_timed.end());
        if (c->m_state == Connection::State::Head) {
            qCDebug(lcTransport) << "connection closed: no request head in time";
            c->discardInput(); // the peeked bytes, read so that the close is a FIN, not a reset
            c->closeNow(false);
        } else if (c->m_state == Connection::State::Closing) {
            c->closeNow(true);
        } else if (c->m_state == Connection::State::Refused) {
            c->closeNow(false);
        } else if (c->m_state == Connection::State::Open && c->m_paused) {
            // It cannot even receive a Close frame: its output is not read.
            qCInfo(lcTransport) << "websocket closed: output unread for" << m_limits.stallTimeoutMs
                                << "ms";
            c->closeNow(true);
        }
    }
    if (m_timed.empty())
        m_deadlineTimer->stop();
    reap();
}

} // namespace depot
