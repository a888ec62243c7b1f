#pragma once

#include "protocol/socketio.h"
#include "realtime/adapter.h"

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QString>

#include <optional>

namespace depot {

/// The entries of @socket.io/redis-streams-adapter 0.3.1 (socket.io-adapter's cluster messages)
/// and its session blobs: pure encoding and decoding, no Redis.
namespace streamentry {

/// socket.io-adapter's ClusterAdapter MessageType.
enum class Type {
    InitialHeartbeat = 1,
    Heartbeat = 2,
    Broadcast = 3,
    SocketsJoin = 4,
    SocketsLeave = 5,
    DisconnectSockets = 6,
    FetchSockets = 7,
    FetchSocketsResponse = 8,
    ServerSideEmit = 9,
    ServerSideEmitResponse = 10,
    BroadcastClientCount = 11,
    BroadcastAck = 12,
    AdapterClose = 13,
};

/// A message's data: JSON, binary blobs replaced by socket.io placeholders into buffers.
struct Data
{
    QJsonValue value;
    QList<QByteArray> buffers;
};

/// The data field: JSON when it starts with "{", else base64 msgpack (binary payloads).
std::optional<Data> decodeData(QByteArrayView field);
/// msgpack to JSON: bin becomes a placeholder into buffers; ext types become null.
std::optional<Data> fromMsgpack(QByteArrayView bytes);
/// JSON to msgpack as @msgpack/msgpack writes it (integers as the smallest int, maps of strings).
QByteArray toMsgpack(const QJsonValue &value);

/// The data field of this hub's BROADCAST of one event:
/// {"packet":{"type":2,"data":[event,payload],"nsp":nsp},"opts":{"rooms":[],"except":[],"flags":{}}}
QByteArray broadcastData(const Audience &audience, QStringView event, QByteArrayView jsonPayload,
                         QStringView nsp);

/// A BROADCAST as another hub published it.
struct Broadcast
{
    Audience audience;
    socketio::Packet packet; // an EVENT (a BINARY_EVENT with buffers); data holds its arguments
    bool keepsOffset = true; // not volatile and no ack: recovery may replay it
};
std::optional<Broadcast> decodeBroadcast(const Data &data, QStringView nsp);
/// The Engine.IO message (or text + binary frames) of a broadcast, offset appended when given.
socketio::Packet withOffset(const socketio::Packet &packet, const std::optional<QString> &offset);

/// SOCKETS_JOIN, SOCKETS_LEAVE: {opts, rooms}; DISCONNECT_SOCKETS: {opts, close}.
std::optional<Audience> decodeOptions(const QJsonValue &opts);

/// The session blob kept under sio:session:<pid>: base64 of msgpack {sid, pid, rooms, data}.
/// Depot keeps the principal in data.principal; a peer's session may have none.
QByteArray encodeSession(const SessionState &state);
std::optional<SessionState> decodeSession(QByteArrayView base64);

/// A stream entry id, "<ms>-<seq>", as restoreSession accepts an offset.
bool isEntryId(QStringView id);
/// The id right after id (exclusive XRANGE ranges need Redis 6.2; the adapter does this).
QString nextEntryId(QStringView id);

} // namespace streamentry
} // namespace depot
