#pragma once

#include "adapter.h"
#include "protocol/socketio.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace depot {

class EncodedAck;
class Socket;
class SocketIoClient;

/// What a namespace's authentication step decided about a CONNECT.
struct ConnectDecision
{
    bool accepted = true;
    QString message; // sent in CONNECT_ERROR when refused
    QJsonValue data = QJsonValue::Undefined;
    /// Who connected, opaque to the namespace: a dropped session is recovered only by a CONNECT
    /// with the same key, so that nobody takes over another's rooms with a stolen pid.
    QString principalKey;

    static ConnectDecision accept(QString principalKey = {})
    {
        return {true, {}, QJsonValue::Undefined, std::move(principalKey)};
    }
    static ConnectDecision refuse(QString message, QJsonValue data = QJsonValue::Undefined)
    {
        return {false, std::move(message), std::move(data), {}};
    }
};

/// A Socket.IO namespace: its sockets, rooms, broadcasts and connection state recovery.
class Namespace : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        bool recovery = false; // connection state recovery
        qint64 maxDisconnectionMs = 120'000;
        qsizetype maxRecoveryPackets = 200'000;
        /// Keeps each handshake's auth object on its socket (Socket::auth()).
        bool keepAuth = true;
    };

    Namespace(QString name, Options options, QObject *parent = nullptr);
    ~Namespace() override;

    const QString &name() const { return m_name; }
    const Options &options() const { return m_options; }

    /// Decides on each CONNECT before the socket exists; runs again on recovery.
    using Authenticator = std::function<ConnectDecision(const QJsonObject &auth, Socket &socket)>;
    void setAuthenticator(Authenticator authenticator)
    {
        m_authenticator = std::move(authenticator);
    }
    /// Receives every event a client emits in this namespace.
    using EventHandler =
        std::function<void(Socket &socket, const socketio::Packet &packet,
                           const std::function<void(const QList<socketio::Argument> &)> &ack)>;
    void setEventHandler(EventHandler handler) { m_eventHandler = std::move(handler); }
    /// Reads one event's arguments from the packet's text before any JSON is parsed: args is
    /// what follows the event name ("]" or ",<arguments>]", unchecked). For events that arrive
    /// thousands of times a second. Returning false hands the packet to the decoder and the
    /// event handler as if there were no raw handler, so it only has to take the plain case.
    using RawEventHandler =
        std::function<bool(Socket &socket, QByteArrayView args, const EncodedAck &ack)>;
    void setRawEventHandler(const QByteArray &event, RawEventHandler handler);

    /// Where broadcasts and dropped sessions go; without one, recovery keeps them in memory.
    void setAdapter(std::unique_ptr<Adapter> adapter);
    Adapter *adapter() const { return m_adapter.get(); }

    /// Emits one event to an audience; encoded once, the same bytes go to every recipient.
    /// Returns how many of this process's sockets it goes to (it may be sent a moment later,
    /// once a cluster adapter gave it its offset).
    int emitEvent(const Audience &audience, const QString &event, const QJsonValue &payload);
    /// As emitEvent, with the payload already serialized as compact JSON.
    int emitEventJson(const Audience &audience, const QString &event, const QByteArray &json);

    /// Sends an Engine.IO message to this process's sockets in the audience: a broadcast that
    /// another hub published. Returns how many sockets it went to.
    int deliver(const Audience &audience, const QByteArray &engineIoMessage);
    /// Sends a packet that may carry binary attachments to this process's sockets in the audience.
    int deliverPacket(const Audience &audience, const socketio::Packet &packet);
    /// Makes this process's sockets in the audience join (or leave) rooms.
    void joinRooms(const Audience &audience, const QStringList &rooms, bool join);
    /// Disconnects this process's sockets in the audience; close also ends their connections.
    void disconnectSockets(const Audience &audience, bool close);

    /// The session of every connected socket, as it would be kept if its connection dropped.
    QList<SessionState> liveSessions() const;

    qsizetype socketCount() const { return m_sockets.size(); }
    qsizetype roomSize(const QString &room) const;
    QList<Socket *> socketsIn(const QString &room) const;
    Socket *socket(const QString &id) const { return m_sockets.value(id); }

Q_SIGNALS:
    void connected(depot::Socket *socket);
    void disconnected(depot::Socket *socket, const QString &reason);

private:
    friend class SocketIoClient;
    friend class Socket;

    /// Handles a CONNECT from a client: calls SocketIoClient::connectDone with the new socket, or
    /// nullptr when refused, now or once the adapter restored the client's session.
    void connectClient(SocketIoClient *client, const QJsonObject &handshake);
    void finishConnect(SocketIoClient *client, QJsonObject auth, const QString &pid,
                       std::optional<RestoredSession> restored);
    void addToRoom(Socket *socket, const QString &room);
    void removeFromRoom(Socket *socket, const QString &room);
    void socketClosed(Socket *socket, const QString &reason);
    SessionState sessionOf(const Socket &socket) const;
    // Every recipient of an audience once, whatever number of its rooms name it.
    std::vector<Socket *> recipientsOf(const Audience &audience) const;

    QString m_name;
    Options m_options;
    Authenticator m_authenticator;
    EventHandler m_eventHandler;
    std::vector<std::pair<QByteArray, RawEventHandler>> m_rawEventHandlers; // a few at most
    const RawEventHandler *rawEventHandler(QByteArrayView event) const;
    QHash<QString, Socket *> m_sockets;
    // Most rooms hold one socket (its own id, a package's tracker), so members are a vector:
    // a set costs over half a KiB even for one member.
    QHash<QString, std::vector<Socket *>> m_rooms;
    std::unique_ptr<Adapter> m_adapter; // set when recovery is on or hubs share broadcasts
};

} // namespace depot
