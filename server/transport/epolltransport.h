#pragma once

#include "connectionlimits.h"
#include "httpmessage.h"

#include <QObject>

#include <functional>
#include <memory>
#include <vector>

class QSocketNotifier;
class QTimer;

namespace depot {

class HttpEndpoint;
class WebSocketLink;

/// The hub's own transport for plain (non-TLS) connections, on Linux epoll.
///
/// Qt gives every socket a QTcpSocket (and a QWebSocket after an upgrade): about 20 KiB each,
/// and its event loop polls every descriptor on every pass. Here a fresh connection's request
/// head is peeked at; a WebSocket upgrade is answered and carried by a small link on one epoll
/// descriptor, which Qt's loop watches through a single notifier. Anything else (REST, pages,
/// long-polling) goes back, unread, to Qt's HTTP server.
class EpollTransport : public QObject
{
    Q_OBJECT

public:
    struct Callbacks
    {
        /// Takes a connection that is not a WebSocket upgrade; its bytes are still unread.
        std::function<void(int fd, ConnectionTicket ticket)> handBack;
        /// The endpoint that takes this upgrade request, or null to refuse it with 400.
        /// May replace the request's address (a trusted proxy's client).
        std::function<HttpEndpoint *(HttpRequest &request)> upgradeEndpoint;
    };

    explicit EpollTransport(Callbacks callbacks, QObject *parent = nullptr);
    ~EpollTransport() override;

    /// False when the epoll descriptor could not be made; then adopt() must not be called.
    bool isValid() const { return m_epoll >= 0; }
    /// Bounds on output, head time and stalls; call before adopting connections.
    void setLimits(const ConnectionLimits &limits);
    /// Takes a freshly accepted plain TCP connection and its place among the open connections.
    void adopt(int fd, ConnectionTicket ticket = {});
    /// Answers a freshly accepted connection 503 at once (a cap is reached) and closes it once
    /// the client has closed or a second has passed.
    void refuseBusy(int fd);
    /// Open WebSocket links.
    int linkCount() const { return m_linkCount; }
    /// Links not read because their client leaves too much output unread.
    int pausedCount() const { return m_pausedCount; }
    /// Access-Control-Allow-Origin on refused upgrades, as on every answer of the port.
    void setCorsOrigin(const QByteArray &origin) { m_corsOrigin = origin; }

    class Connection;

private:
    friend class Connection;

    void onReady();
    void readHead(Connection *c);
    void upgrade(Connection *c, HttpRequest request, qsizetype headBytes);
    void refuse(Connection *c, int status, const QByteArray &message);
    void handBack(Connection *c);
    void markDirty(Connection *c);
    void flushDirty();
    void scheduleFlush();
    void retire(Connection *c);
    void reap();
    void checkDeadlines();
    void watchDeadline(Connection *c, qint64 deadlineMs);
    void unwatchDeadline(Connection *c);

    Callbacks m_callbacks;
    ConnectionLimits m_limits;
    QByteArray m_corsOrigin;
    int m_epoll = -1;
    QSocketNotifier *m_notifier = nullptr;
    QTimer *m_deadlineTimer = nullptr;
    bool m_inPass = false;
    bool m_flushPosted = false;
    int m_linkCount = 0;
    int m_pausedCount = 0;
    int m_lingering = 0;               // refused connections still read and dropped
    Connection *m_first = nullptr;     // every connection with an open descriptor, doubly linked
    std::vector<Connection *> m_dirty; // links with bytes to write
    std::vector<Connection *> m_timed; // heads and closing links, with deadlines
    std::vector<Connection *> m_graveyard; // deleted once no event can refer to them
};

} // namespace depot
