#include "fixwire.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <charconv>

namespace depot::bench::fixwire {

namespace {

constexpr QByteArrayView kLocationUpdatePrefix = "2[\"location:update\",";

void appendNumber(QByteArray &out, double value)
{
    // The shortest text that reads back as the same double, as JSON.stringify and QJsonDocument
    // write it: the server echoes the coordinates, and matching compares them.
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    out.append(text, result.ptr - text);
}

QByteArrayView skipSpace(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\n' ||
                               text.front() == '\r' || text.front() == '\t'))
        text = text.sliced(1);
    return text;
}

// The text right after `"key":` in text, or nothing when the key is missing.
std::optional<QByteArrayView> valueOf(QByteArrayView text, QByteArrayView quotedKeyColon)
{
    const qsizetype at = text.indexOf(quotedKeyColon);
    if (at < 0)
        return std::nullopt;
    return skipSpace(text.sliced(at + quotedKeyColon.size()));
}

std::optional<double> numberOf(QByteArrayView text, QByteArrayView quotedKeyColon)
{
    const std::optional<QByteArrayView> value = valueOf(text, quotedKeyColon);
    if (!value)
        return std::nullopt;
    double number = 0;
    const auto result = std::from_chars(value->data(), value->data() + value->size(), number);
    if (result.ec != std::errc())
        return std::nullopt;
    return number;
}

std::optional<LocationUpdate> readCompact(QByteArrayView payload)
{
    const std::optional<QByteArrayView> id = valueOf(payload, "\"deliveryPersonId\":");
    if (!id || !id->startsWith('"'))
        return std::nullopt;
    const qsizetype idEnd = id->indexOf('"', 1);
    // An id with escapes would need unescaping: leave it to the parser.
    if (idEnd < 0 || id->first(idEnd).contains('\\'))
        return std::nullopt;
    const std::optional<QByteArrayView> location = valueOf(payload, "\"location\":");
    if (!location || !location->startsWith('{'))
        return std::nullopt;
    const qsizetype locationEnd = location->indexOf('}');
    if (locationEnd < 0)
        return std::nullopt;
    const QByteArrayView coordinates = location->first(locationEnd);
    const std::optional<double> latitude = numberOf(coordinates, "\"latitude\":");
    const std::optional<double> longitude = numberOf(coordinates, "\"longitude\":");
    if (!latitude || !longitude)
        return std::nullopt;
    return LocationUpdate{id->sliced(1, idEnd - 1), *latitude, *longitude};
}

} // namespace

void appendFixEvent(QByteArray &out, quint64 ackId, const Fix &fix, QByteArrayView timestamp)
{
    out.append('2');
    out.append(QByteArray::number(ackId));
    out.append("[\"location:update\",{\"accuracy\":");
    appendNumber(out, fix.accuracy);
    out.append(",\"heading\":");
    appendNumber(out, fix.heading);
    out.append(",\"latitude\":");
    appendNumber(out, fix.latitude);
    out.append(",\"longitude\":");
    appendNumber(out, fix.longitude);
    out.append(",\"speed\":");
    appendNumber(out, fix.speed);
    out.append(",\"timestamp\":\"");
    out.append(timestamp);
    out.append("\"}]");
}

bool isEvent(QByteArrayView packet)
{
    return packet.size() >= 2 && (packet[0] == '2' || packet[0] == '5') && packet[1] != '/';
}

std::optional<LocationUpdate> readLocationUpdate(QByteArrayView packet, QByteArray &idStorage)
{
    if (!packet.startsWith(kLocationUpdatePrefix))
        return std::nullopt;
    if (std::optional<LocationUpdate> fast =
            readCompact(packet.sliced(kLocationUpdatePrefix.size())))
        return fast;
    // Not the compact spelling both servers write: read it as JSON.
    const QJsonArray args = QJsonDocument::fromJson(packet.sliced(1).toByteArray()).array();
    const QJsonObject payload = args.at(1).toObject();
    const QJsonObject location = payload.value(QStringLiteral("location")).toObject();
    idStorage = payload.value(QStringLiteral("deliveryPersonId")).toString().toUtf8();
    if (idStorage.isEmpty() || !location.value(QStringLiteral("latitude")).isDouble() ||
        !location.value(QStringLiteral("longitude")).isDouble())
        return std::nullopt;
    return LocationUpdate{idStorage, location.value(QStringLiteral("latitude")).toDouble(),
                          location.value(QStringLiteral("longitude")).toDouble()};
}

std::optional<Ack> readAck(QByteArrayView packet)
{
    if (packet.size() < 2 || packet[0] != '3' || packet[1] == '/')
        return std::nullopt;
    Ack ack;
    const char *begin = packet.data() + 1;
    const char *end = packet.data() + packet.size();
    const auto result = std::from_chars(begin, end, ack.id);
    if (result.ec != std::errc() || result.ptr == begin)
        return std::nullopt;
    const QByteArrayView args(result.ptr, end - result.ptr);
    if (args.startsWith(QByteArrayView("[{\"ok\":true}")))
        ack.ok = true; // the answer to nearly every fix, read without a parser
    else
        ack.ok = QJsonDocument::fromJson(args.toByteArray())
                     .array()
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("ok"))
                     .toBool();
    return ack;
}

} // namespace depot::bench::fixwire
