#pragma once

#include "protocol/socketio.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QVariant>

#include <functional>
#include <optional>

namespace depot {

class Namespace;
class Socket;
class SocketIoClient;

/// A packet's arguments with each binary placeholder replaced by its attachment.
QList<socketio::Argument> argumentsOf(const socketio::Packet &packet);

/// Answers a peer's event that asked for an acknowledgement; empty when none was asked.
using AckFunction = std::function<void(const QList<socketio::Argument> &args)>;

/// Answers one event's acknowledgement with arguments already serialized: the ack of an event
/// read by a raw handler (Namespace::setRawEventHandler). Cheap to copy; sends nothing once the
/// socket is gone, or when the event asked for no acknowledgement.
class EncodedAck
{
public:
    EncodedAck() = default;
    EncodedAck(Socket *socket, quint64 id);

    explicit operator bool() const { return m_id.has_value(); }
    /// Sends 3[nsp,]<id><argsJson>; argsJson is the JSON array of the ack's arguments.
    void send(QByteArrayView argsJson) const;

private:
    QPointer<Socket> m_socket;
    std::optional<quint64> m_id;
};

/// One client's connection to one namespace: it joins rooms, receives events, emits to the
/// client and may ask the client for acknowledgements.
class Socket : public QObject
{
    Q_OBJECT

public:
    Socket(QString id, QString pid, Namespace &nsp, SocketIoClient *client, QObject *parent);

    const QString &id() const { return m_id; }
    /// The private id that lets the client recover this session after a reconnect.
    const QString &pid() const { return m_pid; }
    Namespace &nsp() const { return m_nsp; }
    /// The handshake's auth object, without the recovery fields.
    const QJsonObject &auth() const { return m_auth; }
    void setAuth(QJsonObject auth) { m_auth = std::move(auth); }
    /// What the application keeps with the socket (Depot keeps the caller's Principal).
    const QVariant &data() const { return m_data; }
    void setData(QVariant data) { m_data = std::move(data); }
    /// True when this socket took over a session that dropped and came back in time.
    bool recovered() const { return m_recovered; }
    void setRecovered(bool recovered) { m_recovered = recovered; }
    bool connected() const { return m_client != nullptr; }

    const QStringList &rooms() const { return m_rooms; }
    void join(const QString &room);
    void leave(const QString &room);

    /// Emits to this client alone; recorded for recovery like any broadcast.
    void emitEvent(const QString &event, const QJsonValue &payload);
    /// Emits and waits up to timeoutMs for the client's acknowledgement; the callback gets its
    /// arguments, or nothing on timeout or disconnect.
    void emitWithAck(const QString &event, const QList<socketio::Argument> &args, int timeoutMs,
                     std::function<void(std::optional<QList<socketio::Argument>>)> callback);
    /// Sends a packet as it is: not recorded for recovery; binary attachments allowed.
    void sendPacket(const socketio::Packet &packet);
    /// Sends already encoded Socket.IO text (one Engine.IO message), e.g. a shared broadcast.
    void sendEncoded(const QByteArray &engineIoMessage);

    /// Ends this namespace connection from the server side; closeConnection also ends the
    /// underlying connection.
    void disconnect(bool closeConnection = false);

Q_SIGNALS:
    void disconnected(const QString &reason);

private:
    friend class SocketIoClient;
    friend class Namespace;
    friend class EncodedAck;
    void onPacket(const socketio::Packet &packet);
    void onClose(const QString &reason);

    QString m_id;
    QString m_pid;
    Namespace &m_nsp;
    SocketIoClient *m_client;
    QJsonObject m_auth;
    QVariant m_data;
    QString m_principalKey; // ConnectDecision::principalKey, kept for recovery
    QStringList m_rooms;    // a socket is in a few rooms: a list is far smaller than a set
    bool m_recovered = false;
    quint64 m_nextAckId = 0;
    QHash<quint64, std::function<void(std::optional<QList<socketio::Argument>>)>> m_pendingAcks;
};

} // namespace depot
