#pragma once

#include "protocol/socketio.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <deque>
#include <functional>
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

/// Who a broadcast goes to: every socket in any of `rooms` (all sockets when empty), minus every
/// socket in any of `except`.
struct Audience
{
    QStringList rooms;
    QStringList except;
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

    /// Emits one event to an audience; encoded once, the same bytes go to every recipient.
    /// Returns how many sockets it was sent to.
    int emitEvent(const Audience &audience, const QString &event, const QJsonValue &payload);
    /// As emitEvent, with the payload already serialized as compact JSON.
    int emitEventJson(const Audience &audience, const QString &event, const QByteArray &json);

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

    /// A packet kept for clients that may come back.
    struct Recorded
    {
        quint64 seq;
        qint64 atMs;
        QStringList rooms;
        QStringList except;
        QByteArray message; // the Engine.IO message, offset included
    };
    /// The state of a socket whose connection dropped, kept until it comes back or expires.
    struct Saved
    {
        QString id;
        QStringList rooms;
        QVariant data;
        qint64 atMs;
        QString principalKey;
    };

    /// Handles a CONNECT from a client; returns the new socket or nullptr when refused.
    Socket *connectClient(SocketIoClient *client, const QJsonObject &handshake);
    void addToRoom(Socket *socket, const QString &room);
    void removeFromRoom(Socket *socket, const QString &room);
    void socketClosed(Socket *socket, const QString &reason);
    QString nextOffsetText(quint64 seq) const;
    void prune();
    bool reaches(const QStringList &rooms, const QStringList &to, const QStringList &except) const;
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
    // Recovery: recent packets and dropped sessions by pid.
    std::deque<Recorded> m_recorded;
    QHash<QString, Saved> m_saved;
    quint64 m_seq = 0;
    QString m_offsetPrefix;
    QElapsedTimer m_clock;
    qint64 m_lastSweepMs = 0;
};

} // namespace depot
