#include "socketioserver.h"

#include "protocol/engineio.h"
#include "realtimelog.h"
#include "socket.h"
#include "transport/engineioserver.h"

#include <QLoggingCategory>
#include <QTimerEvent>

namespace depot {

// --- SocketIoClient --------------------------------------------------------------------------

SocketIoClient::SocketIoClient(EngineIoSession *session, SocketIoServer &server)
    : QObject(session)
    , m_session(session)
    , m_server(server)
    , m_decoder(server.options().decoder)
{
    session->setReceiver(this);
    // A client must join a namespace in time, or it only holds a connection open.
    m_connectTimer.start(server.options().connectTimeoutMs, this);
    m_server.m_clients.insert(this);
}

SocketIoClient::~SocketIoClient()
{
    if (!m_closed)
        m_server.m_clients.remove(this);
}

void SocketIoClient::detach()
{
    m_session->setReceiver(nullptr);
    m_closed = true;
    m_connectTimer.stop();
    m_sockets.clear();
}

void SocketIoClient::sendText(const QByteArray &socketIoText)
{
    sendMessage(engineio::encodeMessage(socketIoText));
}

void SocketIoClient::sendMessage(const QByteArray &engineIoMessage)
{
    if (!m_closed)
        m_session->send(engineio::Frame{engineIoMessage, false});
}

void SocketIoClient::sendPacket(const socketio::Packet &packet)
{
    sendText(socketio::encode(packet));
    for (const QByteArray &buffer : packet.buffers) {
        if (!m_closed)
            m_session->send(engineio::Frame{buffer, true});
    }
}

void SocketIoClient::close()
{
    if (!m_closed)
        m_session->close();
}

Socket *SocketIoClient::socketIn(QAnyStringView nsp) const
{
    for (const auto &[name, socket] : m_sockets) {
        if (QAnyStringView(name) == nsp)
            return socket;
    }
    return nullptr;
}

void SocketIoClient::removeSocket(Socket *socket)
{
    for (qsizetype i = 0; i < m_sockets.size(); ++i) {
        if (m_sockets[i].second == socket) {
            m_sockets.remove(i);
            return;
        }
    }
}

void SocketIoClient::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_connectTimer.timerId())
        return QObject::timerEvent(event);
    m_connectTimer.stop();
    if (m_sockets.isEmpty()) {
        qCDebug(lcRealtime) << "no CONNECT in time; closing";
        close();
    }
}

void SocketIoClient::sessionMessage(const QByteArray &data, bool binary)
{
    if (!binary && takeRawEvent(data))
        return;
    const auto result = binary ? m_decoder.decodeBinary(data) : m_decoder.decodeText(data);
    if (!result.ok()) {
        qCDebug(lcRealtime) << "closing on bad packet:" << socketio::errorString(result.error);
        close();
        return;
    }
    if (result.packet)
        onPacket(*result.packet);
}

bool SocketIoClient::takeRawEvent(QByteArrayView text)
{
    if (m_decoder.isPending() || text.size() > m_decoder.options().maxPacketSize)
        return false; // the decoder's to refuse
    const std::optional<socketio::EventView> event = socketio::peekEvent(text);
    if (!event)
        return false;
    Socket *socket = socketIn(event->nsp); // printable ASCII: as UTF-8, the same text
    if (!socket)
        return false;
    const Namespace::RawEventHandler *handler = socket->nsp().rawEventHandler(event->name);
    if (!handler)
        return false;
    return (*handler)(*socket, event->rest,
                      event->ackId ? EncodedAck(socket, *event->ackId) : EncodedAck());
}

void SocketIoClient::onPacket(const socketio::Packet &packet)
{
    using socketio::Type;
    if (packet.type == Type::Connect) {
        if (socketIn(packet.nsp) || m_connecting.contains(packet.nsp))
            return; // already connected there; the reference server ignores it too
        Namespace *nsp = m_server.find(packet.nsp);
        if (!nsp ||
            m_sockets.size() + m_connecting.size() >= m_server.options().maxNamespacesPerClient) {
            sendText(socketio::encodeInvalidNamespace(packet.nsp));
            return;
        }
        m_connecting.append(packet.nsp);
        nsp->connectClient(this, packet.data.toObject());
        return;
    }
    Socket *socket = socketIn(packet.nsp);
    if (!socket)
        return; // events for a namespace the client is not in are dropped
    if (packet.type == Type::Disconnect) {
        socket->onClose(QStringLiteral("client namespace disconnect"));
        return;
    }
    socket->onPacket(packet);
}

void SocketIoClient::connectDone(const QString &nsp, Socket *socket)
{
    m_connecting.removeOne(nsp);
    if (!socket)
        return;
    m_sockets.append({nsp, socket});
    m_connectTimer.stop();
    m_session->markAuthenticated();
}

void SocketIoClient::sessionClosed(const QString &reason)
{
    if (m_closed)
        return;
    m_closed = true;
    m_server.m_clients.remove(this);
    m_connectTimer.stop();
    QList<Socket *> sockets;
    for (const auto &entry : std::as_const(m_sockets))
        sockets.append(entry.second);
    for (Socket *socket : std::as_const(sockets))
        socket->onClose(reason);
    m_sockets.clear();
}

// --- SocketIoServer --------------------------------------------------------------------------

SocketIoServer::SocketIoServer(EngineIoServer &engine, Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    connect(&engine, &EngineIoServer::connection, this, &SocketIoServer::onConnection);
}

SocketIoServer::~SocketIoServer()
{
    const auto clients = std::exchange(m_clients, {});
    for (SocketIoClient *client : clients)
        client->detach();
}

Namespace &SocketIoServer::of(const QString &name)
{
    Namespace *&nsp = m_namespaces[name];
    if (!nsp)
        nsp = new Namespace(name, m_options.namespaces, this);
    return *nsp;
}

void SocketIoServer::onConnection(EngineIoSession *session)
{
    new SocketIoClient(session, *this); // owned by the session
}

} // namespace depot
