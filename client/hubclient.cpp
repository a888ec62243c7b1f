#include "hubclient.h"

#include "protocol/engineio.h"

#include <QJsonDocument>
#include <QTimerEvent>
#include <QWebSocket>

#include <algorithm>
#include <limits>

namespace depot {

namespace {

const QString kTransportClose = QStringLiteral("transport close");

} // namespace

HubClient::HubClient(QObject *parent)
    : QObject(parent)
    , m_decoder(socketio::Decoder::Options{socketio::Decoder::Peer::Server})
{}

HubClient::~HubClient()
{
    // Pending callbacks are not run: what they capture may already be gone with the owner.
    if (m_socket) {
        QObject::disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
    }
}

void HubClient::connectToHub(const QUrl &base, const QJsonObject &auth)
{
    if (m_state != State::Disconnected)
        finish(QStringLiteral("io client disconnect"), true, QJsonValue::Undefined, true);

    QUrl url = base;
    url.setScheme(base.scheme() == QLatin1String("https") || base.scheme() == QLatin1String("wss")
                      ? QStringLiteral("wss")
                      : QStringLiteral("ws"));
    QString path = base.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    url.setPath(path + QStringLiteral("/socket.io/"));
    url.setQuery(QStringLiteral("EIO=4&transport=websocket"));
    url.setFragment(QString());

    m_auth = auth;
    m_recovered = false;
    m_state = State::Opening;
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &HubClient::onTextMessage);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &HubClient::onBinaryMessage);
    // stateChanged, not error(): it also reports refused connections and failed handshakes,
    // and has the same name in every Qt 6 release.
    connect(m_socket, &QWebSocket::stateChanged, this, &HubClient::onStateChanged);
    m_socket->open(url);
}

void HubClient::disconnectFromHub()
{
    if (m_state == State::Disconnected)
        return;
    if (m_state == State::Connected)
        sendFrame(engineio::encodeMessage(socketio::encodeDisconnect()));
    finish(QStringLiteral("io client disconnect"), false, QJsonValue::Undefined, true);
}

void HubClient::abort()
{
    if (m_state != State::Disconnected)
        finish(kTransportClose, true);
}

void HubClient::forgetSession()
{
    m_pid.clear();
    m_offset.clear();
    m_recovered = false;
}

QString HubClient::encodeEvent(const QString &name, const QJsonValue &payload)
{
    return QString::fromUtf8(engineio::encodeMessage(socketio::encodeEvent(name, payload)));
}

void HubClient::emitEvent(const QString &name, const QJsonValue &payload)
{
    if (m_state == State::Connected)
        sendFrame(engineio::encodeMessage(socketio::encodeEvent(name, payload)));
}

void HubClient::sendEncoded(const QString &frame)
{
    if (m_state == State::Connected)
        m_socket->sendTextMessage(frame);
}

void HubClient::emitWithAck(const QString &name, const QJsonValue &payload, int timeoutMs,
                            AckCallback callback)
{
    if (m_state != State::Connected) {
        if (callback)
            callback(std::nullopt);
        return;
    }
    const quint64 id = m_nextAckId++;
    sendFrame(engineio::encodeMessage(socketio::encodeEvent(name, payload, u"/", {}, id)));
    m_acks.push_back(PendingAck{id, QDeadlineTimer(timeoutMs), std::move(callback)});
    armAckTimer();
}

void HubClient::sendFrame(QByteArrayView engineIoFrame)
{
    m_socket->sendTextMessage(QString::fromUtf8(engineIoFrame));
}

void HubClient::onStateChanged()
{
    if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState)
        finish(m_state == State::Connected ? kTransportClose : QStringLiteral("websocket error"),
               true);
}

void HubClient::onTextMessage(const QString &message)
{
    engineio::DecodedPacket decoded = engineio::decodeText(message.toUtf8());
    if (!decoded.ok()) {
        finish(QStringLiteral("parse error"), true);
        return;
    }
    switch (decoded.packet.type) {
    case engineio::Type::Open:
        if (m_state == State::Opening)
            onOpen(decoded.packet.data);
        return;
    case engineio::Type::Ping:
        // The hub pings on its interval; each ping proves the link alive for one more window.
        m_pingTimer.start(m_pingWindowMs, Qt::CoarseTimer, this);
        sendFrame(QByteArrayView("3"));
        return;
    case engineio::Type::Close:
        finish(kTransportClose, true);
        return;
    case engineio::Type::Message: {
        if (m_state == State::Opening)
            return;
        socketio::Decoder::Result result = m_decoder.decodeText(decoded.packet.data);
        if (!result.ok()) {
            finish(QStringLiteral("parse error"), true);
            return;
        }
        if (result.packet)
            onPacket(std::move(*result.packet));
        return;
    }
    default:
        return;
    }
}

void HubClient::onBinaryMessage(const QByteArray &message)
{
    if (m_state == State::Opening)
        return;
    socketio::Decoder::Result result = m_decoder.decodeBinary(message);
    if (!result.ok()) {
        finish(QStringLiteral("parse error"), true);
        return;
    }
    // Attachments stay as placeholders in the arguments; the hub sends none.
    if (result.packet)
        onPacket(std::move(*result.packet));
}

void HubClient::onOpen(const QByteArray &json)
{
    const QJsonObject open = QJsonDocument::fromJson(json).object();
    m_pingWindowMs = open.value(QStringLiteral("pingInterval")).toInt(25000) +
                     open.value(QStringLiteral("pingTimeout")).toInt(20000);
    m_pingTimer.start(m_pingWindowMs, Qt::CoarseTimer, this);
    m_state = State::Connecting;

    socketio::Packet connect;
    connect.type = socketio::Type::Connect;
    QJsonObject auth = std::exchange(m_auth, {});
    if (!m_pid.isEmpty()) {
        auth.insert(QStringLiteral("pid"), m_pid);
        auth.insert(QStringLiteral("offset"), m_offset);
    }
    if (!auth.isEmpty())
        connect.data = auth;
    sendFrame(engineio::encodeMessage(socketio::encode(connect)));
}

void HubClient::onPacket(socketio::Packet packet)
{
    if (packet.nsp != QLatin1String("/"))
        return;
    switch (packet.type) {
    case socketio::Type::Connect: {
        if (m_state != State::Connecting)
            return;
        const QJsonObject data = packet.data.toObject();
        const QString pid = data.value(QStringLiteral("pid")).toString();
        m_recovered = !m_pid.isEmpty() && pid == m_pid;
        if (!m_recovered)
            m_offset.clear(); // an offset means nothing to a new session
        m_pid = pid;
        m_sid = data.value(QStringLiteral("sid")).toString();
        m_state = State::Connected;
        Q_EMIT connected(m_sid);
        return;
    }
    case socketio::Type::ConnectError: {
        const QJsonObject data = packet.data.toObject();
        finish(data.value(QStringLiteral("message")).toString(), false,
               data.value(QStringLiteral("data")));
        return;
    }
    case socketio::Type::Disconnect:
        finish(QStringLiteral("io server disconnect"), false);
        return;
    case socketio::Type::Event:
    case socketio::Type::BinaryEvent: {
        if (m_state != State::Connected)
            return;
        QJsonArray args = packet.data.toArray();
        const QString name = args.takeAt(0).toString();
        // With recovery on, the hub appends each event's offset as a last string argument.
        if (!m_pid.isEmpty() && !packet.ackId && !args.isEmpty() && args.last().isString())
            m_offset = args.takeAt(args.size() - 1).toString();
        Q_EMIT event(name, args);
        return;
    }
    case socketio::Type::Ack:
    case socketio::Type::BinaryAck: {
        const auto it = std::find_if(m_acks.begin(), m_acks.end(),
                                     [&](const PendingAck &a) { return a.id == *packet.ackId; });
        if (it == m_acks.end())
            return; // timed out already
        AckCallback callback = std::move(it->callback);
        m_acks.erase(it);
        if (m_acks.empty())
            m_ackTimer.stop();
        if (callback)
            callback(packet.data.toArray());
        return;
    }
    }
}

void HubClient::finish(const QString &reason, bool abortTransport, const QJsonValue &errorData,
                       bool quietIfConnecting)
{
    const State was = std::exchange(m_state, State::Disconnected);
    m_pingTimer.stop();
    m_ackTimer.stop();
    m_decoder.reset();
    m_auth = {};
    releaseSocket(abortTransport);
    // Taken out first: a handler below may reconnect and emit again on this object.
    const std::vector<PendingAck> acks = std::exchange(m_acks, {});
    if (was == State::Connected)
        Q_EMIT disconnected(reason);
    else if (was != State::Disconnected && !quietIfConnecting)
        Q_EMIT connectError(reason, errorData);
    for (const PendingAck &a : acks) {
        if (a.callback)
            a.callback(std::nullopt);
    }
}

void HubClient::releaseSocket(bool abortTransport)
{
    QWebSocket *socket = std::exchange(m_socket, nullptr);
    if (!socket)
        return;
    QObject::disconnect(socket, nullptr, this, nullptr);
    if (abortTransport || socket->state() != QAbstractSocket::ConnectedState) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    // A graceful close flushes what was sent (a DISCONNECT) before the socket goes.
    connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    socket->close();
}

void HubClient::armAckTimer()
{
    if (m_acks.empty()) {
        m_ackTimer.stop();
        return;
    }
    qint64 soonest = std::numeric_limits<qint64>::max();
    for (const PendingAck &a : m_acks)
        soonest = std::min(soonest, a.deadline.remainingTime());
    m_ackTimer.start(int(std::max<qint64>(soonest, 0)), this);
}

void HubClient::expireAcks()
{
    std::vector<PendingAck> expired;
    for (auto it = m_acks.begin(); it != m_acks.end();) {
        if (it->deadline.hasExpired()) {
            expired.push_back(std::move(*it));
            it = m_acks.erase(it);
        } else {
            ++it;
        }
    }
    armAckTimer();
    for (const PendingAck &a : expired) {
        if (a.callback)
            a.callback(std::nullopt);
    }
}

void HubClient::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_pingTimer.timerId())
        finish(QStringLiteral("ping timeout"), true);
    else if (event->timerId() == m_ackTimer.timerId())
        expireAcks();
    else
        QObject::timerEvent(event);
}

} // namespace depot
