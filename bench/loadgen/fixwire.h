#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

// The Socket.IO packets the load generator writes and reads at full rate, handled as bytes: a
// JSON tree per fix sent and per event delivered would cost more than all the rest of its work.
namespace depot::bench::fixwire {

/// What a courier reports in one fix.
struct Fix
{
    double latitude = 0;
    double longitude = 0;
    double accuracy = 0;
    double speed = 0;
    double heading = 0;
};

/// Appends an EVENT asking for an ack, as socket.io-parser writes it:
/// 2<ackId>["location:update",{"accuracy":...,"heading":...,"latitude":...,"longitude":...,
/// "speed":...,"timestamp":"..."}].
void appendFixEvent(QByteArray &out, quint64 ackId, const Fix &fix, QByteArrayView timestamp);

/// True for an EVENT or BINARY_EVENT packet of the main namespace.
bool isEvent(QByteArrayView packet);

/// The parts of a dispatcher's location:update that identify the fix it reports.
struct LocationUpdate
{
    QByteArrayView courierId; // into the packet, or into the caller's storage
    double latitude = 0;
    double longitude = 0;
};

/// Reads deliveryPersonId and location of a `2["location:update",{...},...]` packet; nothing for
/// other packets. Compact JSON is read in place; any other spelling goes through a JSON parser
/// and the id is kept in idStorage.
std::optional<LocationUpdate> readLocationUpdate(QByteArrayView packet, QByteArray &idStorage);

/// An ACK packet of the main namespace: its id, and whether its first argument has "ok":true.
struct Ack
{
    quint64 id = 0;
    bool ok = false;
};
std::optional<Ack> readAck(QByteArrayView packet);

} // namespace depot::bench::fixwire
