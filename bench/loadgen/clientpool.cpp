#include "clientpool.h"

#include "procstats.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace depot::bench {

namespace {

constexpr qint64 kJoinTimeoutNs = 45'000'000'000; // as socket.io-client's connect timeout
constexpr qsizetype kMaxUpgradeAnswer = 16 * 1024;
constexpr int kEventsPerWait = 256;

// One buffer for every read: data lands here and only a partial frame is kept per connection.
std::array<char, 256 * 1024> g_readBuffer;

bool startsWith(QByteArrayView text, char c)
{
    return !text.isEmpty() && text.front() == c;
}

} // namespace

ClientPool::ClientPool(Listener *listener, QObject *parent)
    : QObject(parent)
    , m_listener(listener)
    , m_random(std::random_device{}())
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0)
        qFatal("epoll_create1: %s", std::strerror(errno));
    m_notifier = new QSocketNotifier(qintptr(m_epoll), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &ClientPool::onEpollReady);
    // Join timeouts and missing pings are checked once a second, not with a timer each.
    m_housekeeping.setInterval(1000);
    connect(&m_housekeeping, &QTimer::timeout, this, &ClientPool::expireDeadlines);
    m_housekeeping.start();
}

ClientPool::~ClientPool()
{
    for (Connection &c : m_connections) {
        if (c.fd >= 0)
            ::close(c.fd);
    }
    ::close(m_epoll);
}

int ClientPool::addServer(const QUrl &base, QString *error)
{
    if (base.scheme() != QLatin1String("http") && base.scheme() != QLatin1String("ws")) {
        *error = QStringLiteral("only http:// (plain WebSocket) servers are supported, not %1")
                     .arg(base.scheme());
        return -1;
    }
    const QByteArray host = base.host().toUtf8();
    const int port = base.port(80);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    const int rc =
        getaddrinfo(host.constData(), QByteArray::number(port).constData(), &hints, &found);
    if (rc != 0 || !found) {
        *error = QStringLiteral("cannot resolve %1: %2")
                     .arg(QString::fromUtf8(host), QString::fromUtf8(gai_strerror(rc)));
        return -1;
    }
    Server &server = m_servers.emplace_back();
    std::memcpy(&server.address, found->ai_addr, found->ai_addrlen);
    server.addressLength = found->ai_addrlen;
    freeaddrinfo(found);

    server.hostHeader =
        (host.contains(':') ? '[' + host + ']' : host) + ':' + QByteArray::number(port);
    QByteArray path = base.path().toUtf8();
    while (path.endsWith('/'))
        path.chop(1);
    server.path = path + "/socket.io/?EIO=4&transport=websocket";
    return int(m_servers.size()) - 1;
}

int ClientPool::open(const QByteArray &authJson, int server)
{
    const int index = int(m_connections.size());
    Connection &c = m_connections.emplace_back();
    c.server = server;
    const Server &to = m_servers[size_t(server)];
    c.state = State::Connecting;
    c.deadlineNs = monotonicNs() + kJoinTimeoutNs;
    c.handshake = authJson;

    auto failLater = [this, index] {
        m_failedOpens.push_back(index);
        if (m_failedOpens.size() == 1)
            QMetaObject::invokeMethod(
                this,
                [this] {
                    for (const int i : std::exchange(m_failedOpens, {}))
                        close(i);
                },
                Qt::QueuedConnection);
        return index;
    };
    c.fd = ::socket(to.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0)
        return failLater();
    // Fixes leave at once, as a phone's would: with Nagle's algorithm a fix written while the
    // previous frame is unacknowledged waits for the server's delayed ACK, up to 40 ms.
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The kernel stamps each segment as it arrives: what a packet is timed by, however long it
    // then waits to be read.
    setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<const sockaddr *>(&to.address), to.addressLength) != 0 &&
        errno != EINPROGRESS)
        return failLater();
    // Level-triggered: a connection not read to the end is simply reported again.
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    event.data.u32 = quint32(index);
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &event) != 0)
        return failLater();
    c.wantsWrite = true; // the connect completes with the socket turning writable
    return index;
}

void ClientPool::setWakeOnReady(bool on)
{
    m_notifier->setEnabled(on);
}

bool ClientPool::isConnected(int connection) const
{
    return m_connections[size_t(connection)].state == State::Connected;
}

bool ClientPool::send(int connection, QByteArrayView packet)
{
    if (m_connections[size_t(connection)].state != State::Connected)
        return false;
    // An Engine.IO MESSAGE: "4" in front of the Socket.IO packet.
    m_message.resize(0);
    m_message.append('4');
    m_message.append(packet);
    sendFrame(connection, websocket::Opcode::Text, m_message);
    return true;
}

void ClientPool::sendFrame(int index, websocket::Opcode opcode, QByteArrayView payload)
{
    m_frame.resize(0);
    websocket::appendFrame(m_frame, opcode, payload, quint32(m_random()));
    write(index, m_frame);
}

void ClientPool::write(int index, QByteArrayView bytes)
{
    Connection &c = m_connections[size_t(index)];
    if (!c.unsent.isEmpty()) { // keep the order: behind what is already waiting
        c.unsent.append(bytes);
        return;
    }
    const ssize_t n = ::send(c.fd, bytes.data(), size_t(bytes.size()), MSG_NOSIGNAL);
    if (n == bytes.size())
        return;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return; // a broken link: epoll reports it as an error or hang-up, and it closes there
    c.unsent =
        QByteArray(bytes.data() + std::max<ssize_t>(n, 0), bytes.size() - std::max<ssize_t>(n, 0));
    watchWrites(index, true);
}

void ClientPool::watchWrites(int index, bool on)
{
    Connection &c = m_connections[size_t(index)];
    if (c.wantsWrite == on)
        return;
    c.wantsWrite = on;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
    event.data.u32 = quint32(index);
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &event);
}

void ClientPool::onEpollReady()
{
    timespec realtime{};
    clock_gettime(CLOCK_REALTIME, &realtime);
    m_realtimeToMonotonicNs =
        qint64(realtime.tv_sec) * 1'000'000'000 + realtime.tv_nsec - monotonicNs();
    epoll_event events[kEventsPerWait];
    int n;
    do {
        n = epoll_wait(m_epoll, events, kEventsPerWait, 0);
        for (int k = 0; k < n; ++k) {
            const int index = int(events[k].data.u32);
            const quint32 what = events[k].events;
            if (m_connections[size_t(index)].state == State::Closed)
                continue; // closed earlier in this batch
            if (what & EPOLLOUT || m_connections[size_t(index)].state == State::Connecting)
                onWritable(index);
            if (what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR) &&
                m_connections[size_t(index)].state != State::Closed)
                onReadable(index);
        }
    } while (n == kEventsPerWait);
}

void ClientPool::onWritable(int index)
{
    Connection &c = m_connections[size_t(index)];
    if (c.state == State::Connecting) {
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
            close(index);
            return;
        }
        // The connect is done: ask for the upgrade, with a key the answer has to prove it read.
        QByteArray nonce(16, Qt::Uninitialized);
        for (char &b : nonce)
            b = char(m_random());
        const QByteArray key = nonce.toBase64();
        const Server &server = m_servers[size_t(c.server)];
        const QByteArray request = "GET " + server.path +
                                   " HTTP/1.1\r\nHost: " + server.hostHeader +
                                   "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: " +
                                   key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        // Until the upgrade is answered, handshake holds the key followed by the auth JSON.
        c.handshake.prepend(key + '\n');
        c.state = State::Upgrading;
        watchWrites(index, false);
        write(index, request);
        return;
    }
    if (c.unsent.isEmpty()) {
        watchWrites(index, false);
        return;
    }
    const ssize_t n = ::send(c.fd, c.unsent.constData(), size_t(c.unsent.size()), MSG_NOSIGNAL);
    if (n < 0)
        return; // EAGAIN: wait for the next turn; an error shows up on the reading side
    if (n == c.unsent.size()) {
        c.unsent = QByteArray(); // release the buffer, not just empty it
        watchWrites(index, false);
    } else {
        c.unsent.remove(0, n);
    }
}

void ClientPool::onReadable(int index)
{
    for (;;) {
        Connection &c = m_connections[size_t(index)];
        iovec buffer{g_readBuffer.data(), g_readBuffer.size()};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
        msghdr header{};
        header.msg_iov = &buffer;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(c.fd, &header, 0);
        if (n == 0) {
            close(index);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                close(index);
            return;
        }
        m_receivedNs = 0;
        for (cmsghdr *cm = CMSG_FIRSTHDR(&header); cm; cm = CMSG_NXTHDR(&header, cm)) {
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
                timespec stamp{};
                std::memcpy(&stamp, CMSG_DATA(cm), sizeof stamp);
                m_receivedNs =
                    qint64(stamp.tv_sec) * 1'000'000'000 + stamp.tv_nsec - m_realtimeToMonotonicNs;
            }
        }
        if (m_receivedNs <= 0)
            m_receivedNs = monotonicNs();
        bool closed = false;
        if (c.pending.isEmpty()) {
            // The common case: whole frames straight from the shared buffer, only a tail kept.
            const qsizetype used = consume(index, QByteArrayView(g_readBuffer.data(), n), &closed);
            if (closed)
                return;
            if (used < n)
                m_connections[size_t(index)].pending =
                    QByteArray(g_readBuffer.data() + used, n - used);
        } else {
            c.pending.append(g_readBuffer.data(), n);
            const QByteArray data = std::exchange(c.pending, {});
            const qsizetype used = consume(index, data, &closed);
            if (closed)
                return;
            if (used < data.size())
                m_connections[size_t(index)].pending = data.sliced(used);
        }
        if (size_t(n) < g_readBuffer.size())
            return; // most likely drained; level triggering reports anything left
    }
}

qsizetype ClientPool::consume(int index, QByteArrayView data, bool *closed)
{
    qsizetype pos = 0;
    if (m_connections[size_t(index)].state == State::Upgrading) {
        const qsizetype end = data.indexOf(QByteArrayView("\r\n\r\n"));
        if (end < 0) {
            if (data.size() > kMaxUpgradeAnswer) {
                close(index);
                *closed = true;
            }
            return 0;
        }
        if (!finishUpgrade(index, data.first(end))) {
            close(index);
            *closed = true;
            return 0;
        }
        pos = end + 4;
    }
    websocket::Message message;
    while (pos < data.size()) {
        Connection &c = m_connections[size_t(index)];
        qsizetype used = 0;
        const auto result = c.reader.read(data.sliced(pos), &used, &message);
        if (result == websocket::MessageReader::Result::NeedMore)
            break;
        if (result == websocket::MessageReader::Result::Error) {
            close(index);
            *closed = true;
            return pos;
        }
        pos += used;
        if (result == websocket::MessageReader::Result::Fragment)
            continue;
        bool keep = true;
        switch (message.opcode) {
        case websocket::Opcode::Text:
            keep = onEngineIoText(index, message.payload);
            break;
        case websocket::Opcode::Ping:
            sendFrame(index, websocket::Opcode::Pong, message.payload);
            break;
        case websocket::Opcode::Close:
            keep = false;
            break;
        default: // binary attachments and pongs: the contract's server sends none we need
            break;
        }
        if (!keep) {
            close(index);
            *closed = true;
            return pos;
        }
    }
    return pos;
}

bool ClientPool::finishUpgrade(int index, QByteArrayView head)
{
    Connection &c = m_connections[size_t(index)];
    if (!head.startsWith(QByteArrayView("HTTP/1.1 101")))
        return false;
    const qsizetype keyEnd = c.handshake.indexOf('\n');
    const QByteArray expected = websocket::acceptKey(QByteArrayView(c.handshake).first(keyEnd));
    bool accepted = false;
    for (const QByteArray &line : head.toByteArray().split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.first(colon).trimmed().toLower() == "sec-websocket-accept")
            accepted = line.sliced(colon + 1).trimmed() == expected;
    }
    if (!accepted)
        return false;
    c.handshake.remove(0, keyEnd + 1); // the auth JSON stays for the CONNECT
    c.state = State::Opening;
    return true;
}

bool ClientPool::onEngineIoText(int index, QByteArrayView text)
{
    Connection &c = m_connections[size_t(index)];
    if (startsWith(text, '4')) {
        const QByteArrayView packet = text.sliced(1);
        if (c.state == State::Connected) {
            if (startsWith(packet, '1') && (packet.size() == 1 || packet[1] != '/'))
                return false; // the server's DISCONNECT of "/"
            m_listener->onPacket(index, packet, m_receivedNs);
            return true;
        }
        if (c.state != State::Joining)
            return true;
        if (startsWith(packet, '0') && (packet.size() == 1 || packet[1] != '/')) {
            c.state = State::Connected;
            c.deadlineNs = monotonicNs() + m_pingWindowNs;
            m_listener->onOpened(index, true);
            return true;
        }
        // A connect_error ("44{...}") ends the attempt; anything else waits for the answer.
        return !(startsWith(packet, '4') && (packet.size() == 1 || packet[1] != '/'));
    }
    if (startsWith(text, '2')) {
        // The server pings on its interval; each ping proves the link alive for one more window.
        c.deadlineNs = monotonicNs() + m_pingWindowNs;
        m_message.resize(0);
        m_message.append('3');
        m_message.append(text.sliced(1));
        sendFrame(index, websocket::Opcode::Text, m_message);
        return true;
    }
    if (startsWith(text, '0') && c.state == State::Opening) {
        const QJsonObject open = QJsonDocument::fromJson(text.sliced(1).toByteArray()).object();
        m_pingWindowNs = (qint64(open.value(QStringLiteral("pingInterval")).toInt(25000)) +
                          open.value(QStringLiteral("pingTimeout")).toInt(20000)) *
                         1'000'000;
        m_message = "40" + std::exchange(c.handshake, {});
        sendFrame(index, websocket::Opcode::Text, m_message);
        c.state = State::Joining;
        return true;
    }
    return !startsWith(text, '1'); // Engine.IO CLOSE ends the session; NOOP and others wait
}

void ClientPool::close(int index)
{
    Connection &c = m_connections[size_t(index)];
    const State was = std::exchange(c.state, State::Closed);
    if (was == State::Closed)
        return;
    if (c.fd >= 0)
        ::close(c.fd); // also takes it out of the epoll set
    c.fd = -1;
    c.pending = QByteArray();
    c.unsent = QByteArray();
    c.handshake = QByteArray();
    c.reader = websocket::MessageReader(websocket::MessageReader::Role::Client, 1 << 20);
    if (was == State::Connected)
        m_listener->onDisconnected(index);
    else
        m_listener->onOpened(index, false);
}

void ClientPool::expireDeadlines()
{
    const qint64 now = monotonicNs();
    for (int i = 0; i < int(m_connections.size()); ++i) {
        const Connection &c = m_connections[size_t(i)];
        if (c.state != State::Closed && c.deadlineNs < now)
            close(i);
    }
}

} // namespace depot::bench
