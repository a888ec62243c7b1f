#pragma once

#include "protocol/engineio.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QMetaObject>
#include <QObject>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <memory>

class QWebSocket;

namespace depot {

class EngineIoServer;
class HttpExchange;
struct HttpRequest;

/// One Engine.IO connection, whichever transport carries it: heartbeat, upgrade, bounded buffers.
class EngineIoSession : public QObject
{
    Q_OBJECT

public:
    ~EngineIoSession() override;

    /// The sid: unguessable, since knowing it is enough to read and write the session.
    QString id() const { return m_id; }
    engineio::Transport transport() const { return m_transport; }
    QHostAddress remoteAddress() const { return m_remoteAddress; }
    /// The query of the request that opened the session.
    const QUrlQuery &handshakeQuery() const { return m_query; }
    /// The headers of the request that opened the session; names in lower case.
    QList<QPair<QByteArray, QByteArray>> handshakeHeaders() const { return m_headers; }
    bool isOpen() const { return m_state == State::Open; }
    /// Bytes queued for the client and not yet written to its connection.
    qint64 bufferedBytes() const { return m_queuedBytes + m_wsPendingBytes; }

    /// Sends one already encoded Message frame; its bytes are shared, not copied.
    void send(const engineio::Frame &frame);
    /// Closes from the server side: the client gets a Close packet, then closed("server close").
    void close();

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

    EngineIoSession(EngineIoServer *server, QString id, engineio::Transport transport,
                    const QHostAddress &remoteAddress, const QUrlQuery &query,
                    QList<QPair<QByteArray, QByteArray>> headers);

    // Called by the server.
    void startHeartbeat();
    void handlePoll(std::shared_ptr<HttpExchange> exchange);
    void handlePost(const HttpRequest &request, const std::shared_ptr<HttpExchange> &exchange);
    void attachWebSocket(std::unique_ptr<QWebSocket> socket);
    void startUpgrade(std::unique_ptr<QWebSocket> socket);
    bool canUpgrade() const;

    void writeFrame(const engineio::Frame &frame);
    void writeToWebSocket(QWebSocket *socket, const engineio::Frame &frame);
    void flushPoll();
    void answerPoll(const QByteArray &payload);
    void dropPoll();
    void onPacket(const engineio::Packet &packet);
    void onWebSocketText(const QString &text);
    void onProbeText(const QString &text);
    void completeUpgrade();
    void schedulePauseNoop();
    void abandonUpgrade();
    void end(const QString &reason, Ending ending);
    void finishDraining();
    void releaseWebSocket(std::unique_ptr<QWebSocket> &socket);

    EngineIoServer *m_server;
    const QString m_id;
    engineio::Transport m_transport;
    State m_state = State::Open;
    Upgrade m_upgrade = Upgrade::None;
    QHostAddress m_remoteAddress;
    QUrlQuery m_query;
    QList<QPair<QByteArray, QByteArray>> m_headers;

    // Long-polling: frames waiting for the next GET, and the GET parked until there are some.
    QList<engineio::Frame> m_queue;
    qint64 m_queuedBytes = 0;
    std::shared_ptr<HttpExchange> m_poll;
    QMetaObject::Connection m_pollGone;

    // WebSocket: the transport in use, or the one being probed while polling still carries data.
    std::unique_ptr<QWebSocket> m_ws;
    std::unique_ptr<QWebSocket> m_probe;
    qint64 m_wsPendingBytes = 0; // handed to QWebSocket and not yet written to the network

    // The heartbeat runs on precise timers: a coarse one may fire 5% early or late, which would
    // drop a client that answered within pingTimeout, or keep a dead one past the advertised
    // pingInterval + pingTimeout.
    QBasicTimer m_pingTimer;      // next ping
    QBasicTimer m_pongTimer;      // pong deadline; while draining, the last poll's deadline
    QBasicTimer m_upgradeTimer;   // the probe must finish in time
    QBasicTimer m_pauseNoopTimer; // a poll parked during the upgrade gets its Noop
};

} // namespace depot
