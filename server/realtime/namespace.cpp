#include "namespace.h"

#include <algorithm>

#include "protocol/engineio.h"
#include "realtimelog.h"
#include "socket.h"
#include "socketioserver.h"

#include <QLoggingCategory>
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
    // Offsets carry a per-process prefix, so an offset from an earlier run never matches.
    , m_offsetPrefix(randomId(6) + QLatin1Char('-'))
{
    m_clock.start();
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

Socket *Namespace::connectClient(SocketIoClient *client, const QJsonObject &handshake)
{
    QJsonObject auth = handshake;
    const QString pid = auth.take(QStringLiteral("pid")).toString();
    const QString offset = auth.take(QStringLiteral("offset")).toString();

    // A client that comes back in time with its pid and offset may get its old session back.
    std::optional<Saved> restored;
    if (m_options.recovery && !pid.isEmpty() && !offset.isEmpty()) {
        prune();
        const auto it = m_saved.constFind(pid);
        if (it != m_saved.cend() && it->atMs >= m_clock.elapsed() - m_options.maxDisconnectionMs)
            restored = *it;
    }

    // Missed packets are collected now and sent after CONNECT. Recovery needs every packet
    // after the client's offset still in the buffer; otherwise it is a fresh session, so that
    // the client never believes it recovered while events were lost.
    QList<QByteArray> missed;
    if (restored) {
        bool ok = offset.startsWith(m_offsetPrefix);
        const quint64 last =
            ok ? QStringView(offset).mid(m_offsetPrefix.size()).toULongLong(&ok, 36) : 0;
        const bool complete =
            ok && last <= m_seq &&
            (m_recorded.empty() ? last == m_seq : m_recorded.front().seq <= last + 1);
        if (complete) {
            for (const Recorded &r : m_recorded) {
                if (r.seq > last && reaches(restored->rooms, r.rooms, r.except))
                    missed.append(r.message);
            }
        } else {
            restored.reset();
        }
    }

    auto *socket = new Socket(restored ? restored->id : randomId(15),
                              m_options.recovery ? (restored ? pid : randomId(15)) : QString(),
                              *this, client, this);
    if (m_options.keepAuth)
        socket->setAuth(auth);

    const ConnectDecision decision =
        m_authenticator ? m_authenticator(auth, *socket) : ConnectDecision::accept();
    if (!decision.accepted) {
        client->sendText(socketio::encodeConnectError(m_name, decision.message, decision.data));
        delete socket;
        return nullptr;
    }
    socket->m_principalKey = decision.principalKey;
    // Someone else's pid starts a fresh session; the saved one stays for its owner.
    if (restored && restored->principalKey != decision.principalKey) {
        qCInfo(lcRealtime) << "a reconnect with another principal's pid starts a new session";
        restored.reset();
        missed.clear();
        socket->m_id = randomId(15);
        socket->m_pid = randomId(15);
    }
    const bool recovered = restored.has_value();
    if (recovered) {
        m_saved.remove(pid);
        if (!socket->data().isValid())
            socket->setData(restored->data);
    }
    const QString id = socket->id();
    const QString newPid = socket->pid();
    socket->setRecovered(recovered);

    m_sockets.insert(id, socket);
    socket->join(id);
    if (recovered) {
        for (const QString &room : std::as_const(restored->rooms))
            socket->join(room);
    }
    client->sendText(socketio::encodeConnect(
        m_name, id, m_options.recovery ? std::optional<QString>(newPid) : std::nullopt));
    for (const QByteArray &message : std::as_const(missed))
        client->sendMessage(message);
    qCDebug(lcRealtime) << "socket" << id << "connected to" << m_name
                        << (recovered ? "(recovered)" : "");
    Q_EMIT connected(socket);
    return socket;
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
    if (m_options.recovery && !leftOnPurpose && !socket->pid().isEmpty()) {
        QStringList kept = rooms;
        kept.removeAll(socket->id());
        m_saved.insert(socket->pid(), Saved{socket->id(), kept, socket->data(), m_clock.elapsed(),
                                            socket->m_principalKey});
        prune();
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

QString Namespace::nextOffsetText(quint64 seq) const
{
    return m_offsetPrefix + QString::number(seq, 36);
}

bool Namespace::reaches(const QStringList &rooms, const QStringList &to,
                        const QStringList &except) const
{
    for (const QString &room : except) {
        if (rooms.contains(room))
            return false;
    }
    if (to.isEmpty())
        return true;
    for (const QString &room : to) {
        if (rooms.contains(room))
            return true;
    }
    return false;
}

int Namespace::emitEvent(const Audience &audience, const QString &event, const QJsonValue &payload)
{
    return emitEventJson(audience, event,
                         payload.isUndefined() ? QByteArray() : socketio::toJson(payload));
}

int Namespace::emitEventJson(const Audience &audience, const QString &event, const QByteArray &json)
{
    std::optional<QString> offset;
    quint64 seq = 0;
    if (m_options.recovery) {
        seq = ++m_seq;
        offset = nextOffsetText(seq);
    }
    const QByteArray message =
        engineio::encodeMessage(socketio::encodeEventJson(event, json, m_name, offset));

    // A copy: a recipient whose connection fails while it is written to leaves its rooms.
    const std::vector<Socket *> recipients = recipientsOf(audience);
    for (Socket *s : recipients)
        s->sendEncoded(message);

    if (m_options.recovery) {
        m_recorded.push_back(
            Recorded{seq, m_clock.elapsed(), audience.rooms, audience.except, message});
        prune();
    }
    return int(recipients.size());
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

void Namespace::prune()
{
    const qint64 now = m_clock.elapsed();
    const qint64 horizon = now - m_options.maxDisconnectionMs;
    while (!m_recorded.empty() && (m_recorded.front().atMs < horizon ||
                                   qsizetype(m_recorded.size()) > m_options.maxRecoveryPackets))
        m_recorded.pop_front();
    // Expired sessions are swept at most once a second, not on every packet.
    if (now - m_lastSweepMs < 1000)
        return;
    m_lastSweepMs = now;
    for (auto it = m_saved.begin(); it != m_saved.end();) {
        if (it->atMs < horizon)
            it = m_saved.erase(it);
        else
            ++it;
    }
}

} // namespace depot
