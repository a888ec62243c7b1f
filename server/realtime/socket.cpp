#include "socket.h"

#include "namespace.h"
#include "protocol/engineio.h"
#include "socketioserver.h"

#include <QPointer>
#include <QTimer>

namespace depot {

QList<socketio::Argument> argumentsOf(const socketio::Packet &packet)
{
    QList<socketio::Argument> args;
    for (const QJsonValue &v : packet.arguments()) {
        if (const auto index = socketio::placeholderIndex(v))
            args.append(packet.buffers.at(*index));
        else
            args.append(v);
    }
    return args;
}

Socket::Socket(QString id, QString pid, Namespace &nsp, SocketIoClient *client, QObject *parent)
    : QObject(parent)
    , m_id(std::move(id))
    , m_pid(std::move(pid))
    , m_nsp(nsp)
    , m_client(client)
{}

void Socket::join(const QString &room)
{
    if (m_rooms.contains(room))
        return;
    m_rooms.append(room);
    m_nsp.addToRoom(this, room);
}

void Socket::leave(const QString &room)
{
    if (!m_rooms.removeOne(room))
        return;
    m_nsp.removeFromRoom(this, room);
}

void Socket::emitEvent(const QString &event, const QJsonValue &payload)
{
    // Through the namespace, so the event gets an offset and is kept for recovery.
    m_nsp.emitEvent(Audience{{m_id}, {}}, event, payload);
}

void Socket::emitWithAck(const QString &event, const QList<socketio::Argument> &args, int timeoutMs,
                         std::function<void(std::optional<QList<socketio::Argument>>)> callback)
{
    if (!m_client) {
        if (callback)
            callback(std::nullopt);
        return;
    }
    const quint64 id = m_nextAckId++;
    m_pendingAcks.insert(id, std::move(callback));
    sendPacket(socketio::makeEvent(event, args, m_nsp.name(), id));
    QTimer::singleShot(timeoutMs, this, [this, id] {
        const auto callback = m_pendingAcks.take(id);
        if (callback)
            callback(std::nullopt);
    });
}

void Socket::sendPacket(const socketio::Packet &packet)
{
    if (m_client)
        m_client->sendPacket(packet);
}

EncodedAck::EncodedAck(Socket *socket, quint64 id)
    : m_socket(socket)
    , m_id(id)
{}

void EncodedAck::send(QByteArrayView argsJson) const
{
    if (m_id && m_socket && m_socket->m_client)
        m_socket->m_client->sendText(
            socketio::encodeAckJson(*m_id, argsJson, m_socket->m_nsp.name()));
}

void Socket::sendEncoded(const QByteArray &engineIoMessage)
{
    if (m_client)
        m_client->sendMessage(engineIoMessage);
}

void Socket::disconnect(bool closeConnection)
{
    if (!m_client)
        return;
    SocketIoClient *client = m_client;
    client->sendText(socketio::encodeDisconnect(m_nsp.name()));
    onClose(QStringLiteral("server namespace disconnect"));
    if (closeConnection)
        client->close();
}

void Socket::onPacket(const socketio::Packet &packet)
{
    using socketio::Type;
    switch (packet.type) {
    case Type::Event:
    case Type::BinaryEvent: {
        std::function<void(const QList<socketio::Argument> &)> ack;
        if (packet.ackId) {
            // An ack is sent once; a second call does nothing, as in the reference server.
            auto sent = std::make_shared<bool>(false);
            // The answer may come after the socket is gone (a fix is acked once on disk).
            ack = [self = QPointer<Socket>(this), id = *packet.ackId,
                   sent](const QList<socketio::Argument> &args) {
                if (*sent || !self || !self->m_client)
                    return;
                *sent = true;
                self->m_client->sendPacket(socketio::makeAck(id, args, self->m_nsp.name()));
            };
        }
        if (m_nsp.m_eventHandler)
            m_nsp.m_eventHandler(*this, packet, ack);
        break;
    }
    case Type::Ack:
    case Type::BinaryAck: {
        const auto callback = m_pendingAcks.take(*packet.ackId);
        if (!callback)
            return;
        callback(argumentsOf(packet));
        break;
    }
    default:
        break;
    }
}

void Socket::onClose(const QString &reason)
{
    if (!m_client)
        return;
    SocketIoClient *client = m_client;
    m_client = nullptr;
    client->removeSocket(this);
    const auto pending = std::exchange(m_pendingAcks, {});
    for (const auto &callback : pending) {
        if (callback)
            callback(std::nullopt);
    }
    m_nsp.socketClosed(this, reason);
    Q_EMIT disconnected(reason);
    deleteLater();
}

} // namespace depot
