#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>
#include <variant>

// Socket.IO v5 codecs: pure functions over bytes, no sockets. The text form matches
// socket.io-parser 4.x byte for byte; the decoder is stricter than it, on purpose.
namespace depot::socketio {

/// Socket.IO packet types; the wire carries each as one ASCII digit.
enum class Type : char {
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
};

/// One Socket.IO packet. Binary arguments stay in data as placeholders
/// {"_placeholder":true,"num":i} that index buffers (see placeholderIndex()).
struct Packet
{
    Type type = Type::Event;
    QString nsp = QStringLiteral("/");
    std::optional<quint64> ackId;
    QJsonValue data = QJsonValue(QJsonValue::Undefined); // Undefined: no payload on the wire
    QList<QByteArray> buffers; // binary attachments; sent as frames after the text header

    bool isBinary() const { return type == Type::BinaryEvent || type == Type::BinaryAck; }
    qsizetype attachmentCount() const { return buffers.size(); }
    /// The event name of an EVENT / BINARY_EVENT (data[0]); empty for other packets.
    QString event() const;
    /// The event's arguments after its name, or an ACK's arguments.
    QJsonArray arguments() const;

    friend bool operator==(const Packet &, const Packet &) = default;
};

/// A value in an event's argument list: JSON, or a binary blob sent as an attachment.
using Argument = std::variant<QJsonValue, QByteArray>;

/// Why a peer's input was refused. Every error means the connection must close.
enum class Error {
    None,
    Empty,              // an empty text packet
    TooLarge,           // text, or text plus attachments, over Decoder::Options::maxPacketSize
    UnknownType,        // first character not 0..6
    InvalidAttachments, // binary count not digits, too many digits, or no '-'
    TooManyAttachments, // count over Decoder::Options::maxAttachments
    InvalidNamespace,   // not starting with '/', control characters or bad UTF-8
    InvalidAckId,       // non-digits, over 15 digits, missing on ACK, present on CONNECT...
    InvalidJson,        // the payload does not parse
    InvalidPayload,     // wrong payload shape for the type (e.g. 42{}, 43"x", 41{})
    InvalidEventName,   // first array element not a non-empty string (number, object, null...)
    ReservedEventName,  // "connect", "disconnect", "error", ... from a peer
    UnexpectedPacket,   // a type this peer may not send (CONNECT_ERROR from a client)
    InvalidPlaceholder, // num not an integer in range, extra keys, or in a non-binary packet
    UnexpectedBinary,   // a binary frame with no header waiting for it
    UnexpectedText,     // a text packet while attachments are pending
};

const char *errorString(Error error);

/// Event names a peer may not send; the Socket.IO server uses them for its own lifecycle.
bool isReservedEventName(QStringView name);

char typeChar(Type type);

// Binary helpers ---------------------------------------------------------------------------------

/// {"_placeholder":true,"num":num}
QJsonObject placeholder(int num);
/// Appends bytes to buffers and returns the placeholder that stands for them in data.
QJsonObject addAttachment(QList<QByteArray> &buffers, QByteArray bytes);
/// The attachment index when value is a placeholder, else nullopt. Decoded packets only hold
/// placeholders the decoder checked, so the index is always < buffers.size() there.
std::optional<qsizetype> placeholderIndex(const QJsonValue &value);

// Encoding ---------------------------------------------------------------------------------------

/// The packet's text form, exactly as socket.io-parser 4.x writes it:
/// type, "N-" for binary types (N = buffers.size()), nsp + "," unless "/", ack id, compact JSON
/// (omitted when data is Undefined or Null). Send packet.buffers as binary frames after it.
QByteArray encode(const Packet &packet);

/// An EVENT built straight into bytes: 2[nsp,][ackId]["event",payload[,"offset"]].
/// payload Undefined sends no argument; offset is the connection-state-recovery offset appended
/// as the last argument. Encode a broadcast once and share the bytes among recipients.
QByteArray encodeEvent(QStringView event, const QJsonValue &payload = QJsonValue::Undefined,
                       QStringView nsp = u"/", const std::optional<QString> &offset = {},
                       std::optional<quint64> ackId = {});
/// Compact JSON for any value, scalars included (QJsonDocument serializes containers only).
QByteArray toJson(const QJsonValue &value);
/// As encodeEvent, with the payload already serialized as JSON (empty: no argument).
QByteArray encodeEventJson(QStringView event, QByteArrayView jsonPayload, QStringView nsp = u"/",
                           const std::optional<QString> &offset = {},
                           std::optional<quint64> ackId = {});
/// As encodeEvent, with any number of arguments.
QByteArray encodeEventArgs(QStringView event, const QJsonArray &args, QStringView nsp = u"/",
                           const std::optional<QString> &offset = {},
                           std::optional<quint64> ackId = {});
/// An event whose arguments may hold binary blobs: a BINARY_EVENT with placeholders when any
/// argument is a QByteArray, else a plain EVENT. Send it with encode() then its buffers.
Packet makeEvent(const QString &event, const QList<Argument> &args,
                 const QString &nsp = QStringLiteral("/"), std::optional<quint64> ackId = {});
/// An ACK (or BINARY_ACK when any argument is a QByteArray) answering ackId.
Packet makeAck(quint64 ackId, const QList<Argument> &args,
               const QString &nsp = QStringLiteral("/"));
/// 3[nsp,]ackId[args...]
QByteArray encodeAck(quint64 ackId, const QJsonArray &args = {}, QStringView nsp = u"/");
/// As encodeAck, with the arguments already serialized as one JSON array.
QByteArray encodeAckJson(quint64 ackId, QByteArrayView argsJson, QStringView nsp = u"/");
/// 0[nsp,]{"sid":...,"pid":...}; pid only when connection state recovery is on.
QByteArray encodeConnect(QStringView nsp, QStringView sid, const std::optional<QString> &pid = {});
/// 4[nsp,]{"message":...,"data":...}; data omitted when Undefined.
QByteArray encodeConnectError(QStringView nsp, QStringView message,
                              const QJsonValue &data = QJsonValue::Undefined);
/// 4[nsp,]{"message":"unauthorized","data":{"code":"unauthorized"}}
QByteArray encodeUnauthorized(QStringView nsp = u"/");
/// 4nsp,{"message":"Invalid namespace"}
QByteArray encodeInvalidNamespace(QStringView nsp);
/// 1[nsp,]
QByteArray encodeDisconnect(QStringView nsp = u"/");

// Decoding ---------------------------------------------------------------------------------------

/// Where a plain EVENT's parts lie in its text, found without parsing any JSON: for a hot event
/// whose handler reads its own arguments. Only the plain form is recognised (type 2, a namespace
/// and an event name of printable ASCII without escapes, an ack id of at most 15 digits);
/// anything else gives nullopt and belongs to the Decoder. rest is not checked at all.
struct EventView
{
    QByteArrayView nsp = "/";
    std::optional<quint64> ackId;
    QByteArrayView name;
    QByteArrayView rest; // after the name: "]" or ",<arguments>]" in a well-formed packet
};
std::optional<EventView> peekEvent(QByteArrayView text);

/// Reassembles a peer's Socket.IO packets from Engine.IO messages, text and binary, and refuses
/// anything malformed. One decoder per connection; not thread-safe.
class Decoder
{
public:
    /// Who sent the bytes: a server decodes a Client's packets, a load generator a Server's.
    enum class Peer { Client, Server };

    struct Options
    {
        Peer from = Peer::Client;
        int maxAttachments = 10;             // as socket.io-parser's default
        qsizetype maxPacketSize = 1'000'000; // text plus attachments, as maxHttpBufferSize
    };

    /// error None and no packet: a binary header is waiting for its attachments.
    struct Result
    {
        Error error = Error::None;
        std::optional<Packet> packet;

        bool ok() const { return error == Error::None; }
    };

    Decoder();
    explicit Decoder(Options options);

    /// Feeds the text of one Engine.IO Message packet (without the "4").
    Result decodeText(QByteArrayView text);
    /// Feeds one binary Engine.IO Message (a WebSocket binary frame, or a 'b' polling packet).
    Result decodeBinary(const QByteArray &frame);

    /// True while a BINARY_EVENT / BINARY_ACK header waits for attachments.
    bool isPending() const { return m_pending.has_value(); }
    /// Drops any partial packet; the decoder also does this itself after every error.
    void reset();

    const Options &options() const { return m_options; }

private:
    Result fail(Error error);

    Options m_options;
    std::optional<Packet> m_pending;
    qsizetype m_expected = 0;
    qsizetype m_pendingBytes = 0;
};

} // namespace depot::socketio
