#pragma once

#include "protocol/engineio.h"
#include "websocketlink.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QList>
#include <QMetaObject>
#include <QObject>
#include <QString>

#include <memory>

namespace depot {

class EngineIoServer;
class HttpExchange;
struct HttpRequest;

/// One Engine.IO connection, whichever transport carries it: heartbeat, upgrade, bounded buffers.
class EngineIoSession : public QObject, private WebSocketLink::Listener
{
    Q_OBJECT

public:
    /// The one consumer of a session's messages, called directly: two signal connections per
    /// connection cost more memory than the rest of a session.
    class Receiver
    {
    public:
        virtual void sessionMessage(const QByteArray &data, bool binary) = 0;
        virtual void sessionClosed(const QString &reason) = 0;

    protected:
        ~Receiver() = default;
    };

    ~EngineIoSession() override;

    /// Gets every message and the close before the signals of the same name are emitted.
    void setReceiver(Receiver *receiver) { m_receiver = receiver; }

    /// The sid: unguessable, since knowing it is enough to read and write the session.
    QString id() const { return m_id; }
    engineio::Transport transport() const { return m_transport; }
    bool isOpen() const { return m_state == State::Open; }
    /// Bytes queued for the client and not yet written to its connection.
    qint64 bufferedBytes() const { return m_queuedBytes + (m_ws ? m_ws->pendingBytes() : 0); }

    /// Sends one already encoded Message frame; its bytes are shared, not copied.
    void send(const engineio::Frame &frame);
    /// Closes from the server side: the client gets a Close packet, then closed("server close").
    void close();
    /// The client completed an accepted Socket.IO CONNECT: the session no longer counts toward
    /// the cap of sessions still connecting from its address.
    void markAuthenticated();

Q_SIGNALS:
    /// An incoming Message packet: text without its leading '4', or raw binary bytes.
    void message(const QByteArray &data, bool binary);
    /// Emitted exactly once; the session is deleted later. Not emitted when the server is
    /// destroyed.
    void closed(const QString &reason);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class EngineIoServer;

    enum class State {
        Open,
        Draining, // closed by the server; waits briefly for a poll to deliver the Close packet
        Closed,
    };
    // What the client's transport is told when the session ends.
    enum class Ending {
        Server,   // queued frames and a Close packet
        Client,   // the client sent Close: a parked poll gets a Noop
        Error,    // a parked poll gets a Close packet
        Vanished, // the connection is already gone
    };
    enum class Upgrade { None, Connected, Probed };

    EngineIoSession(EngineIoServer *server, QString id, engineio::Transport transport);

    // Called by the server.
    void startHeartbeat();
    // Ends the session if its heartbeat deadline has passed, whether or not the timer has fired
    // yet; true when the session is (now) closed.
    bool expireIfOverdue();
    void handlePoll(std::shared_ptr<HttpExchange> exchange);
    void handlePost(const HttpRequest &request, const std::shared_ptr<HttpExchange> &exchange);
    void attachWebSocket(WebSocketLinkPtr link);
    void startUpgrade(WebSocketLinkPtr link);
    bool canUpgrade() const;

    void linkText(WebSocketLink *link, const QByteArray &utf8) override;
    void linkBinary(WebSocketLink *link, const QByteArray &bytes) override;
    void linkClosed(WebSocketLink *link) override;

    void writeFrame(const engineio::Frame &frame);
    void writeToWebSocket(WebSocketLink *link, const engineio::Frame &frame);
    void flushPoll();
    void answerPoll(const QByteArray &payload);
    void dropPoll();
    void onPacket(const engineio::Packet &packet);
    void onWebSocketText(const QByteArray &text);
    void onProbeText(const QByteArray &text);
    void completeUpgrade();
    void schedulePauseNoop();
    void abandonUpgrade();
    void end(const QString &reason, Ending ending);
    void finishDraining();
    static void releaseWebSocket(WebSocketLinkPtr &link);

    EngineIoServer *m_server;
    Receiver *m_receiver = nullptr;
    const QString m_id;
    QHostAddress m_address;
    bool m_authenticated = false;
    engineio::Transport m_transport;
    State m_state = State::Open;
    Upgrade m_upgrade = Upgrade::None;

    // Long-polling: frames waiting for the next GET, and the GET parked until there are some.
    QList<engineio::Frame> m_queue;
    qint64 m_queuedBytes = 0;
    std::shared_ptr<HttpExchange> m_poll;
    QMetaObject::Connection m_pollGone;

    // WebSocket: the transport in use, or the one being probed while polling still carries data.
    WebSocketLinkPtr m_ws;
    WebSocketLinkPtr m_probe;

    // The heartbeat runs on precise timers: a coarse one may fire 5% early or late, which would
    // drop a client that answered within pingTimeout, or keep a dead one past the advertised
    // pingInterval + pingTimeout.
    QBasicTimer m_pingTimer; // next ping
    // When the session is dead unless a pong comes first: pingInterval + pingTimeout after the
    // Open packet or the last pong. Absolute, so a late timer cannot move it.
    QDeadlineTimer m_heartbeatDeadline{QDeadlineTimer::Forever, Qt::PreciseTimer};
    QBasicTimer m_pongTimer;      // pong deadline; while draining, the last poll's deadline
    bool m_awaitingPong = false;  // a ping went out and its pong has not come
    QBasicTimer m_upgradeTimer;   // the probe must finish in time
    QBasicTimer m_pauseNoopTimer; // a poll parked during the upgrade gets its Noop
};

} // namespace depot
