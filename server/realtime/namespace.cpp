#include "namespace.h"

#include <algorithm>

#include "protocol/engineio.h"
#include "realtimelog.h"
#include "socket.h"
#include "socketioserver.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcRealtime, "depot.realtime")

namespace depot {

namespace {

QString randomId(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    auto *rng = QRandomGenerator::system();
    for (int i = 0; i < bytes; ++i)
        raw[i] = char(rng->bounded(256));
    return QString::fromLatin1(
        raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

} // namespace

Namespace::Namespace(QString name, Options options, QObject *parent)
    : QObject(parent)
    , m_name(std::move(name))
    , m_options(options)
{
    if (m_options.recovery)
        m_adapter = std::make_unique<InMemoryAdapter>(
            InMemoryAdapter::Options{m_options.maxDisconnectionMs, m_options.maxRecoveryPackets});
}

void Namespace::setAdapter(std::unique_ptr<Adapter> adapter)
{
    m_adapter = std::move(adapter);
}

Namespace::~Namespace() = default;

qsizetype Namespace::roomSize(const QString &room) const
{
    return m_rooms.value(room).size();
}

QList<Socket *> Namespace::socketsIn(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    if (it == m_rooms.cend())
        return {};
    return QList<Socket *>(it->begin(), it->end());
}

void Namespace::addToRoom(Socket *socket, const QString &room)
{
    m_rooms[room].push_back(socket); // Socket::join() lets a socket in once
}

void Namespace::removeFromRoom(Socket *socket, const QString &room)
{
    auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    std::vector<Socket *> &members = *it;
    const auto found = std::find(members.begin(), members.end(), socket);
    if (found != members.end()) {
        *found = members.back();
        members.pop_back();
    }
    if (members.empty())
        m_rooms.erase(it);
}

void Namespace::connectClient(SocketIoClient *client, const QJsonObject &handshake)
{
    QJsonObject auth = handshake;
    const QString pid = auth.take(QStringLiteral("pid")).toString();
    const QString offset = auth.take(QStringLiteral("offset")).toString();

    // A client that comes back in time with its pid and offset may get its old session back,
    // with the packets it missed (sent after CONNECT).
    if (!m_options.recovery || !m_adapter || pid.isEmpty() || offset.isEmpty())
        return finishConnect(client, std::move(auth), pid, std::nullopt);
    m_adapter->restoreSession(pid, offset,
                              [this, client = QPointer<SocketIoClient>(client),
                               auth = std::move(auth),
                               pid](std::optional<RestoredSession> restored) mutable {
                                  if (!client || client->m_closed) {
                                      // The client left while its session was looked up: it may
                                      // come back for it.
                                      if (restored && m_adapter)
                                          m_adapter->returnSession(*restored);
                                      return;
                                  }
                                  finishConnect(client, std::move(auth), pid, std::move(restored));
                              });
}

void Namespace::finishConnect(SocketIoClient *client, QJsonObject auth, const QString &pid,
                              std::optional<RestoredSession> restored)
{
    auto *socket = new Socket(restored ? restored->state.sid : randomId(15),
                              m_options.recovery ? (restored ? pid : randomId(15)) : QString(),
                              *this, client, this);
    if (m_options.keepAuth)
        socket->setAuth(auth);

    const ConnectDecision decision =
        m_authenticator ? m_authenticator(auth, *socket) : ConnectDecision::accept();
    if (!decision.accepted) {
        if (restored && m_adapter)
            m_adapter->returnSession(*restored);
        client->sendText(socketio::encodeConnectError(m_name, decision.message, decision.data));
        delete socket;
        return client->connectDone(m_name, nullptr);
    }
    socket->m_principalKey = decision.principalKey;
    // Someone else's pid starts a fresh session; the saved one stays for its owner. A session
    // kept by a peer that records no principal is recovered on its pid alone, as socket.io does.
    if (restored && !restored->state.principalKey.isEmpty() &&
        restored->state.principalKey != decision.principalKey) {
        qCInfo(lcRealtime) << "a reconnect with another principal's pid starts a new session";
        if (m_adapter)
            m_adapter->returnSession(*restored);
        restored.reset();
        socket->m_id = randomId(15);
        socket->m_pid = randomId(15);
    }
    const bool recovered = restored.has_value();
    if (recovered && !socket->data().isValid())
        socket->setData(restored->state.data);
    const QString id = socket->id();
    const QString newPid = socket->pid();
    socket->setRecovered(recovered);

    // The same session still connected here (its drop not noticed yet): the new one takes over.
    if (Socket *previous = m_sockets.value(id))
        previous->disconnect(true);
    m_sockets.insert(id, socket);
    socket->join(id);
    if (recovered) {
        for (const QString &room : std::as_const(restored->state.rooms))
            socket->join(room);
    }
    client->sendText(socketio::encodeConnect(
        m_name, id, m_options.recovery ? std::optional<QString>(newPid) : std::nullopt));
    if (recovered) {
        for (const QByteArray &message : std::as_const(restored->missed))
            client->sendMessage(message);
    }
    qCDebug(lcRealtime) << "socket" << id << "connected to" << m_name
                        << (recovered ? "(recovered)" : "");
    client->connectDone(m_name, socket);
    const QPointer<Socket> alive(socket);
    Q_EMIT connected(socket);
    if (alive && alive->connected() && m_adapter && m_options.recovery)
        m_adapter->sessionOpened(sessionOf(*alive));
}

SessionState Namespace::sessionOf(const Socket &socket) const
{
    QStringList rooms = socket.rooms();
    rooms.removeAll(socket.id());
    return SessionState{socket.id(), socket.pid(), rooms, socket.m_principalKey, socket.data()};
}

QList<SessionState> Namespace::liveSessions() const
{
    QList<SessionState> sessions;
    if (!m_options.recovery)
        return sessions;
    sessions.reserve(m_sockets.size());
    for (const Socket *socket : std::as_const(m_sockets)) {
        if (!socket->pid().isEmpty())
            sessions.append(sessionOf(*socket));
    }
    return sessions;
}

void Namespace::socketClosed(Socket *socket, const QString &reason)
{
    const QStringList rooms = socket->rooms();
    for (const QString &room : rooms)
        removeFromRoom(socket, room);
    m_sockets.remove(socket->id());
    // Sessions that drop (not those that leave on purpose) may come back and recover.
    const bool leftOnPurpose = reason == QLatin1String("client namespace disconnect") ||
                               reason == QLatin1String("server namespace disconnect") ||
                               reason == QLatin1String("server shutting down");
    if (m_options.recovery && m_adapter && !socket->pid().isEmpty()) {
        QStringList kept = rooms;
        kept.removeAll(socket->id());
        if (leftOnPurpose)
            m_adapter->sessionEnded(socket->pid());
        else
            m_adapter->persistSession(SessionState{socket->id(), socket->pid(), kept,
                                                   socket->m_principalKey, socket->data()});
    }
    Q_EMIT disconnected(socket, reason);
}

void Namespace::setRawEventHandler(const QByteArray &event, RawEventHandler handler)
{
    std::erase_if(m_rawEventHandlers, [&](const auto &entry) { return entry.first == event; });
    if (handler)
        m_rawEventHandlers.emplace_back(event, std::move(handler));
}

const Namespace::RawEventHandler *Namespace::rawEventHandler(QByteArrayView event) const
{
    for (const auto &[name, handler] : m_rawEventHandlers) {
        if (name == event)
            return &handler;
    }
    return nullptr;
}

int Namespace::emitEvent(const Audience &audience, const QString &event, const QJsonValue &payload)
{
    return emitEventJson(audience, event,
                         payload.isUndefined() ? QByteArray() : socketio::toJson(payload));
}

int Namespace::emitEventJson(const Audience &audience, const QString &event, const QByteArray &json)
{
    auto encode = [this, event, json](const std::optional<QString> &offset) {
        return engineio::encodeMessage(socketio::encodeEventJson(
            event, json, m_name, m_options.recovery ? offset : std::nullopt));
    };
    if (!m_adapter)
        return deliver(audience, encode(std::nullopt));
    auto count = std::make_shared<int>(-1); // known when delivered now
    // The audience is copied: a cluster adapter may deliver after this returns.
    m_adapter->broadcast(audience, event, json,
                         [this, audience, encode, count](const std::optional<QString> &offset) {
                             const QByteArray message = encode(offset);
                             *count = deliver(audience, message);
                             return message;
                         });
    return *count >= 0 ? *count : int(recipientsOf(audience).size());
}

int Namespace::deliver(const Audience &audience, const QByteArray &engineIoMessage)
{
    // A copy: a recipient whose connection fails while it is written to leaves its rooms.
    const std::vector<Socket *> recipients = recipientsOf(audience);
    for (Socket *s : recipients)
        s->sendEncoded(engineIoMessage);
    return int(recipients.size());
}

int Namespace::deliverPacket(const Audience &audience, const socketio::Packet &packet)
{
    const std::vector<Socket *> recipients = recipientsOf(audience);
    for (Socket *s : recipients)
        s->sendPacket(packet);
    return int(recipients.size());
}

void Namespace::joinRooms(const Audience &audience, const QStringList &rooms, bool join)
{
    for (Socket *s : recipientsOf(audience)) {
        for (const QString &room : rooms) {
            if (join)
                s->join(room);
            else
                s->leave(room);
        }
    }
}

void Namespace::disconnectSockets(const Audience &audience, bool close)
{
    QList<QPointer<Socket>> sockets;
    for (Socket *s : recipientsOf(audience))
        sockets.append(s);
    for (const QPointer<Socket> &s : std::as_const(sockets)) {
        if (s)
            s->disconnect(close);
    }
}

std::vector<Socket *> Namespace::recipientsOf(const Audience &audience) const
{
    std::vector<Socket *> recipients;
    if (audience.rooms.isEmpty()) {
        recipients.reserve(size_t(m_sockets.size()));
        for (Socket *s : std::as_const(m_sockets))
            recipients.push_back(s);
    } else {
        for (const QString &room : audience.rooms) {
            const auto it = m_rooms.constFind(room);
            if (it != m_rooms.cend())
                recipients.insert(recipients.end(), it->begin(), it->end());
        }
        if (audience.rooms.size() > 1) {
            std::sort(recipients.begin(), recipients.end());
            recipients.erase(std::unique(recipients.begin(), recipients.end()), recipients.end());
        }
    }
    if (!audience.except.isEmpty() && !recipients.empty()) {
        std::vector<Socket *> excluded;
        for (const QString &room : audience.except) {
            const auto it = m_rooms.constFind(room);
            if (it != m_rooms.cend())
                excluded.insert(excluded.end(), it->begin(), it->end());
        }
        std::sort(excluded.begin(), excluded.end());
        std::erase_if(recipients, [&](Socket *s) {
            return std::binary_search(excluded.begin(), excluded.end(), s);
        });
    }
    return recipients;
}

} // namespace depot
