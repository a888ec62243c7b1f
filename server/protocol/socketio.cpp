#include "socketio.h"

#include "engineio.h"

#include <QJsonDocument>

#include <cmath>

namespace depot::socketio {

namespace {

using engineio::appendJsonString;

// A count with more digits than this is refused before it is read, whatever the limit.
constexpr qsizetype MaxAttachmentDigits = 6;
// 15 digits stay below 2^53, so a JavaScript client reads the same number back.
constexpr qsizetype MaxAckIdDigits = 15;

const QString RootNamespace = QStringLiteral("/");
const QString PlaceholderKey = QStringLiteral("_placeholder");
const QString NumKey = QStringLiteral("num");

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isAsciiLetter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::optional<Type> typeFromChar(char c)
{
    if (c < '0' || c > '6')
        return std::nullopt;
    return static_cast<Type>(c - '0');
}

bool isRoot(QStringView nsp)
{
    return nsp.isEmpty() || nsp == u"/";
}

// The header every packet starts with: type, "N-" for binary types, "nsp," and the ack id.
void appendHeader(QByteArray &out, Type type, qsizetype attachments, QStringView nsp,
                  std::optional<quint64> ackId)
{
    out.append(typeChar(type));
    if (type == Type::BinaryEvent || type == Type::BinaryAck)
        out.append(QByteArray::number(attachments)).append('-');
    if (!isRoot(nsp))
        out.append(nsp.toUtf8()).append(',');
    if (ackId)
        out.append(QByteArray::number(*ackId));
}

// Compact JSON for any value; QJsonDocument only serializes containers, so scalars other than
// strings go through a one-element array.
void appendJson(QByteArray &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Object:
        out.append(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        return;
    case QJsonValue::Array:
        out.append(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        return;
    case QJsonValue::String:
        appendJsonString(out, value.toString());
        return;
    case QJsonValue::Bool:
        out.append(value.toBool() ? "true" : "false");
        return;
    case QJsonValue::Double: {
        const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
        out.append(QByteArrayView(wrapped).sliced(1, wrapped.size() - 2));
        return;
    }
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out.append("null");
        return;
    }
}

// Checks every object carrying "_placeholder": exactly {"_placeholder":true,"num":i} with an
// integer i below attachments. Placeholders in a packet that has no attachments are refused so
// that later code can index buffers without checking.
bool checkPlaceholders(const QJsonValue &value, qsizetype attachments)
{
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (const QJsonValue &v : array) {
            if (!checkPlaceholders(v, attachments))
                return false;
        }
        return true;
    }
    if (!value.isObject())
        return true;
    const QJsonObject object = value.toObject();
    if (object.contains(PlaceholderKey)) {
        if (object.size() != 2 || object.value(PlaceholderKey) != QJsonValue(true))
            return false;
        const QJsonValue num = object.value(NumKey);
        if (!num.isDouble())
            return false;
        const double d = num.toDouble();
        return d >= 0 && d < double(attachments) && std::trunc(d) == d;
    }
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (!checkPlaceholders(it.value(), attachments))
            return false;
    }
    return true;
}

// A key spelled "_placeholder" shows "placeholder" literally unless an escape hides it: a \u
// escape, or any other, since QJsonDocument reads an unknown escape ("\e") as the character.
// A text with neither can skip the tree walk.
bool mayHoldPlaceholder(QByteArrayView json)
{
    return json.contains("placeholder") || json.contains('\\');
}

// Names the error for a header that continues with neither '/', a digit nor a payload.
Error classifyBadHeader(QByteArrayView rest, bool takesAckId)
{
    for (const char c : rest) {
        if (c == ',')
            return Error::InvalidNamespace;
        if (c == '[' || c == '{')
            break;
    }
    return takesAckId && isAsciiLetter(rest.front()) ? Error::InvalidAckId : Error::InvalidPayload;
}

bool isValidNamespace(QByteArrayView nsp)
{
    for (const char ch : nsp) {
        const auto c = static_cast<unsigned char>(ch);
        // '{', '[' and '"' mean a missing comma swallowed the payload into the name.
        if (c < 0x20 || c == 0x7f || c == '{' || c == '[' || c == '"')
            return false;
    }
    return nsp.isValidUtf8();
}

void appendArguments(QJsonArray &data, QList<QByteArray> &buffers, const QList<Argument> &args)
{
    for (const Argument &arg : args) {
        if (const auto *bytes = std::get_if<QByteArray>(&arg))
            data.append(addAttachment(buffers, *bytes));
        else
            data.append(std::get<QJsonValue>(arg));
    }
}

} // namespace

QString Packet::event() const
{
    if (type != Type::Event && type != Type::BinaryEvent)
        return {};
    const QJsonArray array = data.toArray();
    return array.isEmpty() ? QString() : array.first().toString();
}

QJsonArray Packet::arguments() const
{
    QJsonArray args = data.toArray();
    if ((type == Type::Event || type == Type::BinaryEvent) && !args.isEmpty())
        args.removeFirst();
    return args;
}

const char *errorString(Error error)
{
    switch (error) {
    case Error::None:
        return "no error";
    case Error::Empty:
        return "empty packet";
    case Error::TooLarge:
        return "packet too large";
    case Error::UnknownType:
        return "unknown packet type";
    case Error::InvalidAttachments:
        return "illegal attachments";
    case Error::TooManyAttachments:
        return "too many attachments";
    case Error::InvalidNamespace:
        return "invalid namespace";
    case Error::InvalidAckId:
        return "invalid ack id";
    case Error::InvalidJson:
        return "invalid JSON";
    case Error::InvalidPayload:
        return "invalid payload";
    case Error::InvalidEventName:
        return "invalid event name";
    case Error::ReservedEventName:
        return "reserved event name";
    case Error::UnexpectedPacket:
        return "unexpected packet type";
    case Error::InvalidPlaceholder:
        return "invalid attachment placeholder";
    case Error::UnexpectedBinary:
        return "binary data without a pending packet";
    case Error::UnexpectedText:
        return "text packet while attachments are pending";
    }
    return "unknown error";
}

bool isReservedEventName(QStringView name)
{
    // socket.io-parser's list, plus "error", which crashed servers without a listener for it.
    static constexpr QStringView Reserved[] = {u"connect",       u"connect_error", u"disconnect",
                                               u"disconnecting", u"error",         u"newListener",
                                               u"removeListener"};
    for (const QStringView r : Reserved) {
        if (name == r)
            return true;
    }
    return false;
}

char typeChar(Type type)
{
    return char('0' + static_cast<char>(type));
}

QJsonObject placeholder(int num)
{
    return QJsonObject{{PlaceholderKey, true}, {NumKey, num}};
}

QJsonObject addAttachment(QList<QByteArray> &buffers, QByteArray bytes)
{
    buffers.append(std::move(bytes));
    return placeholder(int(buffers.size() - 1));
}

std::optional<qsizetype> placeholderIndex(const QJsonValue &value)
{
    if (!value.isObject())
        return std::nullopt;
    const QJsonObject object = value.toObject();
    if (object.value(PlaceholderKey) != QJsonValue(true))
        return std::nullopt;
    const QJsonValue num = object.value(NumKey);
    if (!num.isDouble() || num.toDouble() < 0 || std::trunc(num.toDouble()) != num.toDouble())
        return std::nullopt;
    return qsizetype(num.toDouble());
}

QByteArray encode(const Packet &packet)
{
    QByteArray out;
    appendHeader(out, packet.type, packet.buffers.size(), packet.nsp, packet.ackId);
    // Like socket.io-parser, which skips data == null as well as undefined.
    if (!packet.data.isUndefined() && !packet.data.isNull())
        appendJson(out, packet.data);
    return out;
}

QByteArray toJson(const QJsonValue &value)
{
    QByteArray out;
    appendJson(out, value);
    return out;
}

QByteArray encodeEvent(QStringView event, const QJsonValue &payload, QStringView nsp,
                       const std::optional<QString> &offset, std::optional<quint64> ackId)
{
    QByteArray json;
    if (!payload.isUndefined())
        appendJson(json, payload);
    return encodeEventJson(event, json, nsp, offset, ackId);
}

QByteArray encodeEventJson(QStringView event, QByteArrayView jsonPayload, QStringView nsp,
                           const std::optional<QString> &offset, std::optional<quint64> ackId)
{
    // Sized once: the payload is already serialized.
    QByteArray out;
    out.reserve(32 + nsp.size() * 3 + event.size() * 3 + jsonPayload.size() +
                (offset ? offset->size() * 3 : 0));
    appendHeader(out, Type::Event, 0, nsp, ackId);
    out.append('[');
    appendJsonString(out, event);
    if (!jsonPayload.isEmpty())
        out.append(',').append(jsonPayload);
    if (offset)
        appendJsonString(out.append(','), *offset);
    out.append(']');
    return out;
}

QByteArray encodeEventArgs(QStringView event, const QJsonArray &args, QStringView nsp,
                           const std::optional<QString> &offset, std::optional<quint64> ackId)
{
    QByteArray out;
    appendHeader(out, Type::Event, 0, nsp, ackId);
    out.append('[');
    appendJsonString(out, event);
    if (!args.isEmpty()) {
        const QByteArray json = QJsonDocument(args).toJson(QJsonDocument::Compact);
        out.append(',').append(QByteArrayView(json).sliced(1, json.size() - 2));
    }
    if (offset)
        appendJsonString(out.append(','), *offset);
    out.append(']');
    return out;
}

Packet makeEvent(const QString &event, const QList<Argument> &args, const QString &nsp,
                 std::optional<quint64> ackId)
{
    Packet packet;
    packet.nsp = nsp;
    packet.ackId = ackId;
    QJsonArray data{event};
    appendArguments(data, packet.buffers, args);
    packet.type = packet.buffers.isEmpty() ? Type::Event : Type::BinaryEvent;
    packet.data = data;
    return packet;
}

Packet makeAck(quint64 ackId, const QList<Argument> &args, const QString &nsp)
{
    Packet packet;
    packet.nsp = nsp;
    packet.ackId = ackId;
    QJsonArray data;
    appendArguments(data, packet.buffers, args);
    packet.type = packet.buffers.isEmpty() ? Type::Ack : Type::BinaryAck;
    packet.data = data;
    return packet;
}

QByteArray encodeAck(quint64 ackId, const QJsonArray &args, QStringView nsp)
{
    QByteArray out;
    appendHeader(out, Type::Ack, 0, nsp, ackId);
    out.append(QJsonDocument(args).toJson(QJsonDocument::Compact));
    return out;
}

QByteArray encodeAckJson(quint64 ackId, QByteArrayView argsJson, QStringView nsp)
{
    QByteArray out;
    out.reserve(24 + nsp.size() * 3 + argsJson.size());
    appendHeader(out, Type::Ack, 0, nsp, ackId);
    out.append(argsJson);
    return out;
}

QByteArray encodeConnect(QStringView nsp, QStringView sid, const std::optional<QString> &pid)
{
    QByteArray out;
    appendHeader(out, Type::Connect, 0, nsp, std::nullopt);
    out.append("{\"sid\":");
    appendJsonString(out, sid);
    if (pid)
        appendJsonString(out.append(",\"pid\":"), *pid);
    out.append('}');
    return out;
}

QByteArray encodeConnectError(QStringView nsp, QStringView message, const QJsonValue &data)
{
    // Built by hand to keep "message" first, as the reference server writes it.
    QByteArray out;
    appendHeader(out, Type::ConnectError, 0, nsp, std::nullopt);
    out.append("{\"message\":");
    appendJsonString(out, message);
    if (!data.isUndefined())
        appendJson(out.append(",\"data\":"), data);
    out.append('}');
    return out;
}

QByteArray encodeUnauthorized(QStringView nsp)
{
    return encodeConnectError(
        nsp, u"unauthorized",
        QJsonObject{{QStringLiteral("code"), QStringLiteral("unauthorized")}});
}

QByteArray encodeInvalidNamespace(QStringView nsp)
{
    return encodeConnectError(nsp, u"Invalid namespace");
}

QByteArray encodeDisconnect(QStringView nsp)
{
    QByteArray out;
    appendHeader(out, Type::Disconnect, 0, nsp, std::nullopt);
    return out;
}

Decoder::Decoder() = default;

Decoder::Decoder(Options options)
    : m_options(options)
{}

void Decoder::reset()
{
    m_pending.reset();
    m_expected = 0;
    m_pendingBytes = 0;
}

Decoder::Result Decoder::fail(Error error)
{
    reset();
    return {error, std::nullopt};
}

std::optional<EventView> peekEvent(QByteArrayView text)
{
    const qsizetype n = text.size();
    if (n < 4 || text[0] != typeChar(Type::Event))
        return std::nullopt;
    auto printable = [](char c) { return c >= 0x20 && c <= 0x7e; };
    EventView view;
    qsizetype i = 1;
    if (text[i] == '/') {
        const qsizetype start = i;
        while (i < n && text[i] != ',') {
            if (!printable(text[i]))
                return std::nullopt;
            ++i;
        }
        if (i == n)
            return std::nullopt;
        view.nsp = text.sliced(start, i - start);
        ++i;
    }
    if (i < n && isDigit(text[i])) {
        const qsizetype start = i;
        while (i < n && isDigit(text[i]))
            ++i;
        if (i - start > MaxAckIdDigits)
            return std::nullopt;
        view.ackId = text.sliced(start, i - start).toULongLong();
    }
    if (i + 1 >= n || text[i] != '[' || text[i + 1] != '"')
        return std::nullopt;
    const qsizetype start = i += 2;
    while (i < n && text[i] != '"') {
        if (text[i] == '\\' || !printable(text[i]))
            return std::nullopt;
        ++i;
    }
    if (i == n || i == start)
        return std::nullopt;
    view.name = text.sliced(start, i - start);
    view.rest = text.sliced(i + 1);
    return view;
}

Decoder::Result Decoder::decodeText(QByteArrayView text)
{
    if (m_pending)
        return fail(Error::UnexpectedText);
    if (text.isEmpty())
        return fail(Error::Empty);
    if (text.size() > m_options.maxPacketSize)
        return fail(Error::TooLarge);

    const qsizetype n = text.size();
    qsizetype i = 0;
    const std::optional<Type> type = typeFromChar(text[i++]);
    if (!type)
        return fail(Error::UnknownType);
    if (*type == Type::ConnectError && m_options.from == Peer::Client)
        return fail(Error::UnexpectedPacket);

    Packet packet;
    packet.type = *type;
    const bool binary = packet.isBinary();

    // "N-": a bounded run of digits, read only once its length is known to be sane.
    qsizetype attachments = 0;
    if (binary) {
        const qsizetype start = i;
        while (i < n && isDigit(text[i]) && i - start <= MaxAttachmentDigits)
            ++i;
        const qsizetype digits = i - start;
        if (digits == 0 || digits > MaxAttachmentDigits || i >= n || text[i] != '-')
            return fail(Error::InvalidAttachments);
        attachments = text.sliced(start, digits).toLongLong();
        if (attachments > m_options.maxAttachments)
            return fail(Error::TooManyAttachments);
        ++i;
    }

    if (i < n && text[i] == '/') {
        const qsizetype start = i;
        while (i < n && text[i] != ',')
            ++i;
        const QByteArrayView nsp = text.sliced(start, i - start);
        if (!isValidNamespace(nsp))
            return fail(Error::InvalidNamespace);
        packet.nsp = nsp == "/" ? RootNamespace : QString::fromUtf8(nsp);
        if (i < n)
            ++i; // the ','
    }

    const bool takesAckId = packet.type == Type::Event || packet.type == Type::Ack || binary;
    if (i < n && isDigit(text[i])) {
        const qsizetype start = i;
        while (i < n && isDigit(text[i]) && i - start <= MaxAckIdDigits)
            ++i;
        if (!takesAckId || i - start > MaxAckIdDigits)
            return fail(Error::InvalidAckId);
        packet.ackId = text.sliced(start, i - start).toULongLong();
        if (i < n && text[i] != '[' && text[i] != '{')
            return fail(Error::InvalidAckId);
    } else if (packet.type == Type::Ack || packet.type == Type::BinaryAck) {
        if (i < n && text[i] != '[')
            return fail(classifyBadHeader(text.sliced(i), takesAckId));
        return fail(Error::InvalidAckId);
    }

    const QByteArrayView json = text.sliced(i);
    if (!json.isEmpty() && json.front() != '[' && json.front() != '{')
        return fail(classifyBadHeader(json, takesAckId));

    char opener = 0; // what the payload must start with; 0: no payload allowed
    bool required = true;
    switch (packet.type) {
    case Type::Connect:
        opener = '{';
        required = false; // the auth object is optional
        break;
    case Type::Disconnect:
        required = false;
        break;
    case Type::ConnectError:
        opener = '{'; // v5 servers always send an object
        break;
    case Type::Event:
    case Type::Ack:
    case Type::BinaryEvent:
    case Type::BinaryAck:
        opener = '[';
        break;
    }
    if (json.isEmpty()) {
        if (required)
            return fail(Error::InvalidPayload);
    } else {
        if (json.front() != opener)
            return fail(Error::InvalidPayload);
        QJsonParseError parseError;
        // Parsed straight from the caller's buffer: the document copies what it keeps.
        const QJsonDocument doc =
            QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), json.size()), &parseError);
        if (parseError.error != QJsonParseError::NoError)
            return fail(Error::InvalidJson);
        if (opener == '[') {
            if (!doc.isArray())
                return fail(Error::InvalidPayload);
            packet.data = doc.array();
        } else {
            if (!doc.isObject())
                return fail(Error::InvalidPayload);
            packet.data = doc.object();
        }
    }

    if (packet.type == Type::Event || packet.type == Type::BinaryEvent) {
        const QJsonArray array = packet.data.toArray();
        if (array.isEmpty() || !array.first().isString() || array.first().toString().isEmpty())
            return fail(Error::InvalidEventName);
        if (isReservedEventName(array.first().toString()))
            return fail(Error::ReservedEventName);
    }

    if ((binary || mayHoldPlaceholder(json)) &&
        !checkPlaceholders(packet.data, binary ? attachments : 0))
        return fail(Error::InvalidPlaceholder);

    if (attachments == 0)
        return {Error::None, std::move(packet)};
    packet.buffers.reserve(attachments);
    m_pending = std::move(packet);
    m_expected = attachments;
    m_pendingBytes = n;
    return {};
}

Decoder::Result Decoder::decodeBinary(const QByteArray &frame)
{
    if (!m_pending)
        return fail(Error::UnexpectedBinary);
    m_pendingBytes += frame.size();
    if (m_pendingBytes > m_options.maxPacketSize)
        return fail(Error::TooLarge);
    m_pending->buffers.append(frame);
    if (m_pending->buffers.size() < m_expected)
        return {};
    Result result{Error::None, std::move(m_pending)};
    reset();
    return result;
}

} // namespace depot::socketio
