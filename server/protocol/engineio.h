#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>
#include <utility>

// Engine.IO v4 codecs: pure functions over bytes, no sockets. A text packet has the same wire
// form on both transports ("4hello"), so one encoding serves WebSocket and long-polling alike.
namespace depot::engineio {

/// Engine.IO packet types; the wire carries each as one ASCII digit.
enum class Type : char {
    Open = 0,
    Close = 1,
    Ping = 2,
    Pong = 3,
    Message = 4,
    Upgrade = 5,
    Noop = 6
};

/// The two transports a client may ask for in the query.
enum class Transport { Polling, WebSocket };

/// Separates packets in a long-polling payload.
inline constexpr char RecordSeparator = '\x1e';

/// One Engine.IO packet; a binary packet is always a Message and data holds its raw bytes.
struct Packet
{
    Type type = Type::Message;
    QByteArray data;
    bool binary = false;

    static Packet text(Type type, QByteArray data = {}) { return {type, std::move(data), false}; }
    static Packet binaryMessage(QByteArray data) { return {Type::Message, std::move(data), true}; }
    friend bool operator==(const Packet &, const Packet &) = default;
};

/// A packet already in wire form: a text frame ("42[...]") or raw binary bytes. Encoded once,
/// the same implicitly shared bytes go to every recipient, whichever its transport.
struct Frame
{
    QByteArray bytes;
    bool binary = false;

    friend bool operator==(const Frame &, const Frame &) = default;
};

/// Why an incoming frame or long-polling payload was refused; the session must then close.
enum class DecodeError {
    None,
    EmptyPacket,    // an empty frame, an empty body, or two separators in a row
    UnknownType,    // the first character is not a packet type digit nor 'b'
    InvalidBase64,  // a 'b' packet whose base64 does not decode strictly
    UnexpectedData, // data on a Close, Upgrade or Noop packet, which never carry any
};

/// A decoded packet, or the reason the input was refused.
struct DecodedPacket
{
    Packet packet;
    DecodeError error = DecodeError::None;

    bool ok() const { return error == DecodeError::None; }
};

/// The packets of a long-polling payload, or the reason it was refused (then packets is empty).
struct DecodedPayload
{
    QList<Packet> packets;
    DecodeError error = DecodeError::None;

    bool ok() const { return error == DecodeError::None; }
};

/// Handshake errors with the codes and messages of the engine.io reference server.
enum class ErrorCode {
    UnknownTransport = 0,
    UnknownSid = 1,
    BadHandshakeMethod = 2,
    BadRequest = 3,
    Forbidden = 4,
    UnsupportedProtocolVersion = 5,
};

char typeChar(Type type);
std::optional<Type> typeFromChar(char c);
const char *decodeErrorString(DecodeError error);

// Encoding ---------------------------------------------------------------------------------------

/// A text packet's wire form: the type digit followed by data ("4hello", "2", "3probe").
QByteArray encodeText(Type type, QByteArrayView data = {});
/// A Message packet carrying a higher-level (Socket.IO) text packet: "4" + text.
QByteArray encodeMessage(QByteArrayView text);
/// The packet as one wire frame; a binary packet's bytes are shared, not copied.
Frame encode(const Packet &packet);
/// Appends one frame to a long-polling payload, with the separator when the payload is not empty;
/// binary frames become 'b' + base64.
void appendToPayload(QByteArray &payload, const Frame &frame);
QByteArray encodePayload(const QList<Frame> &frames);
QByteArray encodePayload(const QList<Packet> &packets);

/// The Open packet's JSON: {"sid","upgrades","pingInterval","pingTimeout","maxPayload"}.
/// upgrades is ["websocket"] when the session may still upgrade, else [] (already on WebSocket).
QByteArray openPayload(QStringView sid, int pingIntervalMs, int pingTimeoutMs, qint64 maxPayload,
                       bool canUpgrade = true);

// Decoding ---------------------------------------------------------------------------------------

/// Decodes one WebSocket text frame. Taking the bytes by value lets a moved-in frame lose its
/// type digit without a copy.
DecodedPacket decodeText(QByteArray frame);
/// A WebSocket binary frame is always a binary Message; it cannot be malformed.
Packet decodeBinary(QByteArray frame);
/// Decodes a long-polling POST body strictly: every packet must be well formed or none is used.
/// The caller enforces maxPayload (HTTP 413) before calling, so the work here stays bounded.
DecodedPayload decodePayload(const QByteArray &body);

// Handshake --------------------------------------------------------------------------------------

/// Exactly "polling" or "websocket"; anything else (including "__proto__") is unknown.
std::optional<Transport> transportFromString(QStringView transport);
/// Checks the EIO and transport query values every request must carry: the transport first
/// (UnknownTransport), then EIO, which must be exactly "4" (UnsupportedProtocolVersion).
std::optional<ErrorCode> checkQuery(QStringView eio, QStringView transport);
/// Checks a request that opens a session (no sid) in the reference server's order: transport,
/// method GET (BadHandshakeMethod), WebSocket only through an upgrade (BadRequest), then EIO.
std::optional<ErrorCode> checkHandshake(QStringView eio, QStringView transport,
                                        QByteArrayView method, bool isWebSocketUpgrade);
/// The reference server's message for the code, e.g. "Transport unknown".
QString errorMessage(ErrorCode code);
/// 403 for Forbidden, 400 otherwise, as the reference server answers.
int httpStatus(ErrorCode code);
/// The error body {"code":N,"message":"..."}; message defaults to errorMessage(code).
QByteArray errorBody(ErrorCode code, QStringView message = {});

/// Appends s to out as a JSON string literal (quoted, escaped, UTF-8).
void appendJsonString(QByteArray &out, QStringView s);

} // namespace depot::engineio
