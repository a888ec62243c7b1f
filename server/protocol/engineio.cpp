#include "engineio.h"

#include <algorithm>

namespace depot::engineio {

namespace {

constexpr auto StrictBase64 = QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors;

// Decodes one packet of a long-polling payload; bytes is never shared with the caller's body
// when it came from a slice, so the type digit can be dropped in place.
DecodedPacket decodePollingPacket(QByteArray bytes)
{
    if (bytes.isEmpty())
        return {{}, DecodeError::EmptyPacket};
    if (bytes.front() == 'b') {
        bytes.remove(0, 1);
        // The rvalue overload decodes in place: no second buffer.
        auto decoded = QByteArray::fromBase64Encoding(std::move(bytes), StrictBase64);
        if (!decoded)
            return {{}, DecodeError::InvalidBase64};
        return {Packet::binaryMessage(std::move(decoded.decoded)), DecodeError::None};
    }
    return decodeText(std::move(bytes));
}

} // namespace

char typeChar(Type type)
{
    return char('0' + static_cast<char>(type));
}

std::optional<Type> typeFromChar(char c)
{
    if (c < '0' || c > '6')
        return std::nullopt;
    return static_cast<Type>(c - '0');
}

const char *decodeErrorString(DecodeError error)
{
    switch (error) {
    case DecodeError::None:
        return "no error";
    case DecodeError::EmptyPacket:
        return "empty packet";
    case DecodeError::UnknownType:
        return "unknown packet type";
    case DecodeError::InvalidBase64:
        return "invalid base64 in binary packet";
    case DecodeError::UnexpectedData:
        return "data on a packet type that carries none";
    }
    return "unknown error";
}

QByteArray encodeText(Type type, QByteArrayView data)
{
    QByteArray out;
    out.reserve(1 + data.size());
    out.append(typeChar(type));
    out.append(data);
    return out;
}

QByteArray encodeMessage(QByteArrayView text)
{
    return encodeText(Type::Message, text);
}

Frame encode(const Packet &packet)
{
    if (packet.binary)
        return {packet.data, true};
    return {encodeText(packet.type, packet.data), false};
}

void appendToPayload(QByteArray &payload, const Frame &frame)
{
    if (!payload.isEmpty())
        payload.append(RecordSeparator);
    if (frame.binary) {
        payload.append('b');
        payload.append(frame.bytes.toBase64());
    } else {
        payload.append(frame.bytes);
    }
}

QByteArray encodePayload(const QList<Frame> &frames)
{
    qsizetype size = 0;
    for (const Frame &f : frames)
        size += 1 + (f.binary ? 1 + (f.bytes.size() + 2) / 3 * 4 : f.bytes.size());
    QByteArray payload;
    payload.reserve(size);
    for (const Frame &f : frames)
        appendToPayload(payload, f);
    return payload;
}

QByteArray encodePayload(const QList<Packet> &packets)
{
    QList<Frame> frames;
    frames.reserve(packets.size());
    for (const Packet &p : packets)
        frames.append(encode(p));
    return encodePayload(frames);
}

QByteArray openPayload(QStringView sid, int pingIntervalMs, int pingTimeoutMs, qint64 maxPayload,
                       bool canUpgrade)
{
    // Built by hand to keep the reference server's key order; QJsonObject would sort the keys.
    QByteArray out;
    out.reserve(128 + sid.size());
    out.append("{\"sid\":");
    appendJsonString(out, sid);
    out.append(canUpgrade ? ",\"upgrades\":[\"websocket\"]" : ",\"upgrades\":[]");
    out.append(",\"pingInterval\":").append(QByteArray::number(pingIntervalMs));
    out.append(",\"pingTimeout\":").append(QByteArray::number(pingTimeoutMs));
    out.append(",\"maxPayload\":").append(QByteArray::number(maxPayload));
    out.append('}');
    return out;
}

DecodedPacket decodeText(QByteArray frame)
{
    if (frame.isEmpty())
        return {{}, DecodeError::EmptyPacket};
    const std::optional<Type> type = typeFromChar(frame.front());
    if (!type)
        return {{}, DecodeError::UnknownType};
    if (frame.size() > 1 && (*type == Type::Close || *type == Type::Upgrade || *type == Type::Noop))
        return {{}, DecodeError::UnexpectedData};
    // Removing from the front of an unshared array only moves its begin pointer.
    frame.remove(0, 1);
    return {Packet::text(*type, std::move(frame)), DecodeError::None};
}

Packet decodeBinary(QByteArray frame)
{
    return Packet::binaryMessage(std::move(frame));
}

DecodedPayload decodePayload(const QByteArray &body)
{
    if (body.isEmpty())
        return {{}, DecodeError::EmptyPacket};
    const qsizetype first = body.indexOf(RecordSeparator);
    if (first < 0) {
        DecodedPacket one = decodePollingPacket(body);
        if (!one.ok())
            return {{}, one.error};
        return {{std::move(one.packet)}, DecodeError::None};
    }

    DecodedPayload result;
    result.packets.reserve(body.count(RecordSeparator) + 1);
    qsizetype start = 0;
    qsizetype sep = first;
    while (true) {
        const qsizetype end = sep < 0 ? body.size() : sep;
        DecodedPacket one = decodePollingPacket(body.sliced(start, end - start));
        if (!one.ok())
            return {{}, one.error};
        result.packets.append(std::move(one.packet));
        if (sep < 0)
            break;
        start = sep + 1;
        sep = body.indexOf(RecordSeparator, start);
    }
    return result;
}

std::optional<Transport> transportFromString(QStringView transport)
{
    if (transport == u"polling")
        return Transport::Polling;
    if (transport == u"websocket")
        return Transport::WebSocket;
    return std::nullopt;
}

std::optional<ErrorCode> checkQuery(QStringView eio, QStringView transport)
{
    if (!transportFromString(transport))
        return ErrorCode::UnknownTransport;
    if (eio != u"4")
        return ErrorCode::UnsupportedProtocolVersion;
    return std::nullopt;
}

std::optional<ErrorCode> checkHandshake(QStringView eio, QStringView transport,
                                        QByteArrayView method, bool isWebSocketUpgrade)
{
    const std::optional<Transport> t = transportFromString(transport);
    if (!t)
        return ErrorCode::UnknownTransport;
    if (method != QByteArrayView("GET"))
        return ErrorCode::BadHandshakeMethod;
    if ((*t == Transport::WebSocket) != isWebSocketUpgrade)
        return ErrorCode::BadRequest;
    if (eio != u"4")
        return ErrorCode::UnsupportedProtocolVersion;
    return std::nullopt;
}

QString errorMessage(ErrorCode code)
{
    switch (code) {
    case ErrorCode::UnknownTransport:
        return QStringLiteral("Transport unknown");
    case ErrorCode::UnknownSid:
        return QStringLiteral("Session ID unknown");
    case ErrorCode::BadHandshakeMethod:
        return QStringLiteral("Bad handshake method");
    case ErrorCode::BadRequest:
        return QStringLiteral("Bad request");
    case ErrorCode::Forbidden:
        return QStringLiteral("Forbidden");
    case ErrorCode::UnsupportedProtocolVersion:
        return QStringLiteral("Unsupported protocol version");
    }
    return QStringLiteral("Bad request");
}

int httpStatus(ErrorCode code)
{
    return code == ErrorCode::Forbidden ? 403 : 400;
}

QByteArray errorBody(ErrorCode code, QStringView message)
{
    QByteArray out;
    out.append("{\"code\":").append(QByteArray::number(static_cast<int>(code)));
    out.append(",\"message\":");
    if (message.isEmpty())
        appendJsonString(out, errorMessage(code));
    else
        appendJsonString(out, message);
    out.append('}');
    return out;
}

void appendJsonString(QByteArray &out, QStringView s)
{
    // Ids, timestamps and most names are printable ASCII with nothing to escape: written
    // straight into the output, without a UTF-8 copy or an append per character.
    const bool plain = std::all_of(s.begin(), s.end(), [](QChar c) {
        return c.unicode() >= 0x20 && c.unicode() < 0x7f && c != u'"' && c != u'\\';
    });
    if (plain) {
        const qsizetype at = out.size();
        out.resize(at + s.size() + 2);
        char *p = out.data() + at;
        *p++ = '"';
        for (const QChar c : s)
            *p++ = char(c.unicode());
        *p = '"';
        return;
    }
    static constexpr char Hex[] = "0123456789abcdef";
    const QByteArray utf8 = s.toUtf8();
    out.append('"');
    for (const char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        default:
            if (c < 0x20) {
                const char esc[] = {'\\', 'u', '0', '0', Hex[c >> 4], Hex[c & 0xf]};
                out.append(esc, sizeof esc);
            } else {
                out.append(ch);
            }
        }
    }
    out.append('"');
}

} // namespace depot::engineio
