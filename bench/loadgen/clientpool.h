#pragma once

#include "protocol/websocket.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <random>
#include <vector>

#include <sys/socket.h>

class QSocketNotifier;

namespace depot::bench {

/// Thousands of Socket.IO v5 client connections (WebSocket transport only, main namespace) on
/// raw non-blocking sockets and one epoll descriptor, which the Qt event loop watches through a
/// single notifier: the loop polls one descriptor however many connections are open.
///
/// A connection is an index into the pool. The pool speaks just enough of RFC 6455, Engine.IO
/// and Socket.IO to join "/", answer pings and hand over whole Socket.IO packets; what they mean
/// is the listener's business.
class ClientPool : public QObject
{
    Q_OBJECT

public:
    /// What the pool reports, all on the thread of the event loop.
    class Listener
    {
    public:
        virtual ~Listener() = default;
        /// The CONNECT to "/" was answered (ok), or the attempt failed (refused, handshake
        /// failed, connect_error, timed out); called exactly once per open().
        virtual void onOpened(int connection, bool ok) = 0;
        /// One Socket.IO packet's text (an EVENT "2[...]", an ACK "3N[...]", ...), valid during
        /// the call only. receivedNs (monotonicNs()) is when the kernel took in the segment that
        /// completed it, so the time a packet waited for processReady() does not count.
        virtual void onPacket(int connection, QByteArrayView packet, qint64 receivedNs) = 0;
        /// A connection that had joined is gone (closed by the server, a broken link, no ping).
        virtual void onDisconnected(int connection) = 0;
    };

    explicit ClientPool(Listener *listener, QObject *parent = nullptr);
    ~ClientPool() override;

    /// Resolves the server of an http:// base URL once and returns its index for open() (the
    /// first is 0), or -1 with a message when it cannot.
    int addServer(const QUrl &base, QString *error);

    /// Starts a connection to a server of addServer() that joins "/" with auth (a JSON object,
    /// e.g. {"token":"..."}); returns its index. The listener hears onOpened() later, never from
    /// inside this call.
    int open(const QByteArray &authJson, int server = 0);
    /// Sends one Socket.IO packet's text; false when the connection is not joined.
    bool send(int connection, QByteArrayView packet);
    bool isConnected(int connection) const;
    /// Reads and writes whatever is ready now, without waiting.
    void processReady() { onEpollReady(); }
    /// Off: nothing wakes the event loop for the connections; processReady() does their work.
    void setWakeOnReady(bool on);
    int count() const { return int(m_connections.size()); }

private:
    enum class State : quint8 {
        Connecting, // TCP connect in progress
        Upgrading,  // HTTP upgrade sent, waiting for 101
        Opening,    // WebSocket up, waiting for Engine.IO OPEN
        Joining,    // Socket.IO CONNECT sent, waiting for its answer
        Connected,
        Closed,
    };

    /// Where connections go: a cluster's benchmark spreads its clients over several hubs.
    struct Server
    {
        sockaddr_storage address{};
        socklen_t addressLength = 0;
        QByteArray hostHeader;
        QByteArray path;
    };

    struct Connection
    {
        int fd = -1;
        int server = 0;
        State state = State::Closed;
        bool wantsWrite = false;
        qint64 deadlineNs = 0; // joined by then, or (once joined) the next ping by then
        QByteArray pending;    // bytes read that do not make a whole frame yet; empty mostly
        QByteArray unsent;     // bytes send() did not take; empty mostly
        QByteArray handshake;  // the auth JSON until the CONNECT; "key\n" before it until the 101
        websocket::MessageReader reader{websocket::MessageReader::Role::Client, 1 << 20};
    };

    void onEpollReady();
    void onReadable(int index);
    void onWritable(int index);
    /// Consumes the HTTP answer and whole frames at the front of data and returns how many bytes
    /// it used; *closed when the connection ended on the way.
    qsizetype consume(int index, QByteArrayView data, bool *closed);
    /// Checks the 101 answer's Sec-WebSocket-Accept against the key that was sent.
    bool finishUpgrade(int index, QByteArrayView head);
    /// Handles one Engine.IO packet; false when the connection must close.
    bool onEngineIoText(int index, QByteArrayView text);
    void sendFrame(int index, websocket::Opcode opcode, QByteArrayView payload);
    void write(int index, QByteArrayView bytes);
    void watchWrites(int index, bool on);
    void close(int index);
    void expireDeadlines();

    Listener *m_listener;
    int m_epoll = -1;
    QSocketNotifier *m_notifier = nullptr;
    std::vector<Server> m_servers;
    qint64 m_pingWindowNs = 45'000'000'000; // pingInterval + pingTimeout from the OPEN packet
    qint64 m_realtimeToMonotonicNs = 0;     // kernel timestamps are CLOCK_REALTIME
    qint64 m_receivedNs = 0;                // of the data being consumed
    std::vector<Connection> m_connections;
    std::vector<int> m_failedOpens; // reported on the next loop pass, never inside open()
    std::minstd_rand m_random;
    QTimer m_housekeeping;
    QByteArray m_message; // scratch buffer for an outgoing Engine.IO packet
    QByteArray m_frame;   // scratch buffer for an outgoing frame
};

} // namespace depot::bench
