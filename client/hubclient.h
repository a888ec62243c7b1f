#pragma once

#include "protocol/socketio.h"

#include <QBasicTimer>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>
#include <vector>

class QWebSocket;

namespace depot {

/// A native Socket.IO v5 client of the hub's main namespace over one WebSocket (no polling), with
/// acknowledgements and connection state recovery.
///
/// One object is one connection and holds no timer objects of its own, so a load generator can
/// keep thousands of them. Calling connectToHub() again after a drop resumes the session: the
/// pid and the last event offset go in the CONNECT payload, and recovered() tells whether the
/// hub took the session back (and replayed what was missed) or started a new one.
class HubClient : public QObject
{
    Q_OBJECT

public:
    enum class State { Disconnected, Opening, Connecting, Connected };
    /// The ack's arguments, or nothing when it timed out or the connection ended first.
    using AckCallback = std::function<void(std::optional<QJsonArray>)>;

    explicit HubClient(QObject *parent = nullptr);
    ~HubClient() override;

    /// Opens ws://host:port/socket.io/?EIO=4&transport=websocket under base (http or https) and
    /// joins "/" with `auth` (e.g. {"token": ...}), plus pid and offset of an earlier session.
    void connectToHub(const QUrl &base, const QJsonObject &auth = {});
    /// Leaves the namespace and closes the connection; the hub does not keep the session.
    void disconnectFromHub();
    /// Drops the connection without a goodbye, as a lost network would; the hub keeps the
    /// session for recovery.
    void abort();
    /// Forgets pid and offset so the next connectToHub() starts a new session.
    void forgetSession();

    /// Emits an event; dropped when not connected (the hub is the source of truth, not a queue).
    void emitEvent(const QString &name, const QJsonValue &payload = QJsonValue::Undefined);
    /// Emits an event asking for an ack; the callback runs exactly once, synchronously with
    /// nothing when not connected.
    void emitWithAck(const QString &name, const QJsonValue &payload, int timeoutMs,
                     AckCallback callback);
    /// An event already in wire form, so many clients sending the same event share its bytes.
    static QString encodeEvent(const QString &name,
                               const QJsonValue &payload = QJsonValue::Undefined);
    /// Sends a frame made by encodeEvent(); dropped when not connected.
    void sendEncoded(const QString &frame);

    State state() const { return m_state; }
    bool isConnected() const { return m_state == State::Connected; }
    /// The Socket.IO id of the current (or last) namespace connection.
    const QString &sid() const { return m_sid; }
    /// The private session id for recovery; empty when the hub does not offer recovery.
    const QString &pid() const { return m_pid; }
    /// The offset of the last event received in this session.
    const QString &offset() const { return m_offset; }
    /// True when the last connect took back the earlier session.
    bool recovered() const { return m_recovered; }
    qsizetype pendingAcks() const { return qsizetype(m_acks.size()); }

Q_SIGNALS:
    void connected(const QString &sid);
    /// The hub refused the CONNECT (message "unauthorized", ...) or the transport failed first
    /// ("websocket error"); the connection is closed.
    void connectError(const QString &message, const QJsonValue &data);
    /// An event from the hub, without the recovery offset.
    void event(const QString &name, const QJsonArray &args);
    /// Reason as socket.io-client names it: "io server disconnect", "io client disconnect",
    /// "transport close", "ping timeout", "parse error".
    void disconnected(const QString &reason);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    struct PendingAck
    {
        quint64 id;
        QDeadlineTimer deadline;
        AckCallback callback;
    };

    void onStateChanged();
    void onTextMessage(const QString &message);
    void onBinaryMessage(const QByteArray &message);
    void onOpen(const QByteArray &json);
    void onPacket(socketio::Packet packet);
    void sendFrame(QByteArrayView engineIoFrame);
    /// Ends the connection; `reason` goes to disconnected(), or to connectError() with
    /// `errorData` when the namespace was never joined (unless `quietIfConnecting`).
    void finish(const QString &reason, bool abortTransport,
                const QJsonValue &errorData = QJsonValue::Undefined,
                bool quietIfConnecting = false);
    void releaseSocket(bool abortTransport);
    void armAckTimer();
    void expireAcks();

    QWebSocket *m_socket = nullptr;
    socketio::Decoder m_decoder;
    QJsonObject m_auth; // until the CONNECT is sent
    QString m_sid;
    QString m_pid;
    QString m_offset;
    State m_state = State::Disconnected;
    bool m_recovered = false;
    int m_pingWindowMs = 0; // pingInterval + pingTimeout: silence longer than this is a dead link
    quint64 m_nextAckId = 0;
    std::vector<PendingAck> m_acks;
    QBasicTimer m_pingTimer;
    QBasicTimer m_ackTimer;
};

} // namespace depot
