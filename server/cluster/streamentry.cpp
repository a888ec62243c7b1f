#include "streamentry.h"

#include <cmath>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <msgpack.hpp>

namespace depot::streamentry {

namespace {

constexpr int kMaxDepth = 32;

std::optional<QJsonValue> toJson(const msgpack::object &o, QList<QByteArray> &buffers, int depth)
{
    if (depth > kMaxDepth)
        return std::nullopt;
    switch (o.type) {
    case msgpack::type::NIL:
        return QJsonValue(QJsonValue::Null);
    case msgpack::type::BOOLEAN:
        return QJsonValue(o.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
        return QJsonValue(qint64(o.via.u64));
    case msgpack::type::NEGATIVE_INTEGER:
        return QJsonValue(qint64(o.via.i64));
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
        return QJsonValue(o.via.f64);
    case msgpack::type::STR:
        return QJsonValue(QString::fromUtf8(o.via.str.ptr, qsizetype(o.via.str.size)));
    case msgpack::type::BIN:
        return QJsonValue(
            socketio::addAttachment(buffers, QByteArray(o.via.bin.ptr, qsizetype(o.via.bin.size))));
    case msgpack::type::ARRAY: {
        QJsonArray array;
        for (uint32_t i = 0; i < o.via.array.size; ++i) {
            auto item = toJson(o.via.array.ptr[i], buffers, depth + 1);
            if (!item)
                return std::nullopt;
            array.append(*item);
        }
        return QJsonValue(array);
    }
    case msgpack::type::MAP: {
        QJsonObject object;
        for (uint32_t i = 0; i < o.via.map.size; ++i) {
            const msgpack::object_kv &kv = o.via.map.ptr[i];
            if (kv.key.type != msgpack::type::STR)
                return std::nullopt;
            auto value = toJson(kv.val, buffers, depth + 1);
            if (!value)
                return std::nullopt;
            object.insert(QString::fromUtf8(kv.key.via.str.ptr, qsizetype(kv.key.via.str.size)),
                          *value);
        }
        return QJsonValue(object);
    }
    case msgpack::type::EXT:
        return QJsonValue(QJsonValue::Null);
    }
    return std::nullopt;
}

void packJson(msgpack::packer<msgpack::sbuffer> &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out.pack_nil();
        break;
    case QJsonValue::Bool:
        value.toBool() ? out.pack_true() : out.pack_false();
        break;
    case QJsonValue::Double: {
        const double d = value.toDouble();
        if (d == double(qint64(d)) && std::abs(d) < 9007199254740992.0)
            out.pack(qint64(d));
        else
            out.pack_double(d);
        break;
    }
    case QJsonValue::String: {
        const QByteArray utf8 = value.toString().toUtf8();
        out.pack_str(uint32_t(utf8.size()));
        out.pack_str_body(utf8.constData(), uint32_t(utf8.size()));
        break;
    }
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        out.pack_array(uint32_t(array.size()));
        for (const QJsonValue &item : array)
            packJson(out, QJsonValue(item));
        break;
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        out.pack_map(uint32_t(object.size()));
        for (auto it = object.begin(); it != object.end(); ++it) {
            packJson(out, QJsonValue(it.key()));
            packJson(out, QJsonValue(it.value()));
        }
        break;
    }
    }
}

QStringList stringsOf(const QJsonValue &value, bool *ok)
{
    QStringList out;
    if (!value.isArray()) {
        *ok = value.isUndefined() || value.isNull();
        return out;
    }
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString()) {
            *ok = false;
            return {};
        }
        out.append(item.toString());
    }
    *ok = true;
    return out;
}

QByteArray jsonStrings(const QStringList &list)
{
    QByteArray out = "[";
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (i)
            out += ',';
        out += socketio::toJson(QJsonValue(list[i]));
    }
    return out + ']';
}

} // namespace

std::optional<Data> fromMsgpack(QByteArrayView bytes)
{
    try {
        // Limits: a peer's entry is no reason to allocate without bound.
        const msgpack::unpack_limit limits(1u << 20, 1u << 20, 64u << 20, 64u << 20, 1u << 16,
                                           kMaxDepth);
        const msgpack::object_handle handle =
            msgpack::unpack(bytes.data(), size_t(bytes.size()), nullptr, nullptr, limits);
        Data data;
        auto value = toJson(handle.get(), data.buffers, 0);
        if (!value)
            return std::nullopt;
        data.value = *value;
        return data;
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

QByteArray toMsgpack(const QJsonValue &value)
{
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> out(buffer);
    packJson(out, QJsonValue(value));
    return QByteArray(buffer.data(), qsizetype(buffer.size()));
}

std::optional<Data> decodeData(QByteArrayView field)
{
    if (field.startsWith('{')) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(field.toByteArray(), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return std::nullopt;
        return Data{doc.object(), {}};
    }
    const auto decoded = QByteArray::fromBase64Encoding(field.toByteArray(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return fromMsgpack(*decoded);
}

QByteArray broadcastData(const Audience &audience, QStringView event, QByteArrayView jsonPayload,
                         QStringView nsp)
{
    QByteArray out;
    out.reserve(jsonPayload.size() + 128);
    out += R"({"packet":{"type":2,"data":[)";
    out += socketio::toJson(QJsonValue(event.toString()));
    if (!jsonPayload.isEmpty()) {
        out += ',';
        out += jsonPayload;
    }
    out += R"(],"nsp":)";
    out += socketio::toJson(QJsonValue(nsp.toString()));
    out += R"(},"opts":{"rooms":)";
    out += jsonStrings(audience.rooms);
    out += R"(,"except":)";
    out += jsonStrings(audience.except);
    out += R"(,"flags":{}}})";
    return out;
}

std::optional<Audience> decodeOptions(const QJsonValue &opts)
{
    if (!opts.isObject())
        return std::nullopt;
    const QJsonObject o = opts.toObject();
    bool roomsOk = false, exceptOk = false;
    Audience audience{stringsOf(o.value(QLatin1String("rooms")), &roomsOk),
                      stringsOf(o.value(QLatin1String("except")), &exceptOk)};
    if (!roomsOk || !exceptOk)
        return std::nullopt;
    return audience;
}

std::optional<Broadcast> decodeBroadcast(const Data &data, QStringView nsp)
{
    const QJsonObject body = data.value.toObject();
    const QJsonObject packet = body.value(QLatin1String("packet")).toObject();
    const auto audience = decodeOptions(body.value(QLatin1String("opts")));
    const QJsonValue args = packet.value(QLatin1String("data"));
    // Events only (type 2; 5 when a peer already marked it binary), with a name first.
    const int type = packet.value(QLatin1String("type")).toInt(-1);
    if (!audience || (type != 2 && type != 5) || !args.isArray() || args.toArray().isEmpty() ||
        !args.toArray().first().isString())
        return std::nullopt;
    Broadcast out;
    out.audience = *audience;
    out.packet.type = data.buffers.isEmpty() ? socketio::Type::Event : socketio::Type::BinaryEvent;
    out.packet.nsp = nsp.toString();
    out.packet.data = args;
    out.packet.buffers = data.buffers;
    const QJsonObject flags =
        body.value(QLatin1String("opts")).toObject().value(QLatin1String("flags")).toObject();
    out.keepsOffset = !flags.contains(QLatin1String("volatile")) &&
                      !packet.contains(QLatin1String("id")) &&
                      !body.contains(QLatin1String("requestId"));
    return out;
}

socketio::Packet withOffset(const socketio::Packet &packet, const std::optional<QString> &offset)
{
    if (!offset)
        return packet;
    socketio::Packet out = packet;
    QJsonArray args = out.data.toArray();
    args.append(*offset);
    out.data = args;
    return out;
}

QByteArray encodeSession(const SessionState &state)
{
    QJsonObject data;
    if (!state.principalKey.isEmpty())
        data.insert(QStringLiteral("principal"), state.principalKey);
    // The order socket.io's persistSession writes: sid, pid, rooms, data.
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> out(buffer);
    out.pack_map(4);
    packJson(out, QJsonValue(QStringLiteral("sid")));
    packJson(out, QJsonValue(state.sid));
    packJson(out, QJsonValue(QStringLiteral("pid")));
    packJson(out, QJsonValue(state.pid));
    packJson(out, QJsonValue(QStringLiteral("rooms")));
    packJson(out, QJsonValue(QJsonArray::fromStringList(state.rooms)));
    packJson(out, QJsonValue(QStringLiteral("data")));
    packJson(out, QJsonValue(data));
    return QByteArray(buffer.data(), qsizetype(buffer.size())).toBase64();
}

std::optional<SessionState> decodeSession(QByteArrayView base64)
{
    const auto raw = QByteArray::fromBase64Encoding(base64.toByteArray(),
                                                    QByteArray::AbortOnBase64DecodingErrors);
    if (!raw)
        return std::nullopt;
    const auto data = fromMsgpack(*raw);
    if (!data || !data->value.isObject())
        return std::nullopt;
    const QJsonObject o = data->value.toObject();
    bool roomsOk = false;
    SessionState state{
        o.value(QLatin1String("sid")).toString(), o.value(QLatin1String("pid")).toString(),
        stringsOf(o.value(QLatin1String("rooms")), &roomsOk),
        o.value(QLatin1String("data")).toObject().value(QLatin1String("principal")).toString()};
    if (state.sid.isEmpty() || state.pid.isEmpty() || !roomsOk)
        return std::nullopt;
    return state;
}

bool isEntryId(QStringView id)
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9]+-[0-9]+$"));
    return pattern.match(id.toString()).hasMatch();
}

QString nextEntryId(QStringView id)
{
    const qsizetype dash = id.indexOf(QLatin1Char('-'));
    return id.left(dash).toString() + QLatin1Char('-') +
           QString::number(id.mid(dash + 1).toULongLong() + 1);
}

} // namespace depot::streamentry
