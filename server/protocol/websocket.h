#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

// RFC 6455 framing: pure functions over bytes, no sockets. The hub's lean transport and the
// load generator share it; the server side reads masked frames, the client side unmasked ones.
namespace depot::websocket {

enum class Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

/// Close codes the reader reports (RFC 6455 7.4.1).
enum CloseCode : quint16 {
    CloseNormal = 1000,
    CloseGoingAway = 1001,
    CloseProtocolError = 1002,
    CloseInvalidData = 1007,
    CloseTooBig = 1009,
};

/// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key.
QByteArray acceptKey(QByteArrayView secWebSocketKey);

/// Appends one unfragmented frame. A client passes a mask key (every client frame is masked,
/// RFC 6455 5.3); a server passes none.
void appendFrame(QByteArray &out, Opcode opcode, QByteArrayView payload,
                 std::optional<quint32> maskKey = std::nullopt);

/// The bytes of a frame's header for a payload of this size, without a mask.
qsizetype serverHeaderSize(qsizetype payloadSize);

/// Whether bytes are well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool isValidUtf8(QByteArrayView bytes);
/// The length of the longest prefix of whole, valid code points. `invalid` tells whether what
/// follows it is invalid, rather than a sequence that is valid so far but cut short.
qsizetype validUtf8Prefix(QByteArrayView bytes, bool *invalid);

/// A whole message (fragments joined) or a control frame.
struct Message
{
    Opcode opcode = Opcode::Text; // Text, Binary, Close, Ping or Pong
    QByteArray payload;
};

/// Reads frames as they arrive and joins fragments, checking RFC 6455's rules for one side.
class MessageReader
{
public:
    enum class Role {
        Server, // reads a client's frames: they must be masked
        Client, // reads a server's frames: they must not be
    };
    enum class Result {
        NeedMore, // no complete frame at the front of the data
        Fragment, // a frame was consumed; its message is not complete yet
        Message,  // a frame was consumed and completed `message`
        Error,    // the peer broke the protocol: close with closeCode()
    };

    MessageReader(Role role, qint64 maxMessageBytes);

    /// Reads at most one frame from the front of data; `consumed` is how many bytes it took.
    Result read(QByteArrayView data, qsizetype *consumed, Message *message);
    /// After Error: the close code to send.
    quint16 closeCode() const { return m_closeCode; }
    /// Bytes held for a message that is still arriving in fragments.
    qsizetype pendingBytes() const { return m_fragments.size(); }

private:
    Result fail(quint16 code);

    Role m_role;
    qint64 m_maxMessageBytes;
    QByteArray m_fragments;
    qsizetype m_validatedBytes = 0; // of a text message's fragments: whole valid code points
    std::optional<Opcode> m_fragmentOpcode;
    quint16 m_closeCode = 0;
};

/// The status code and reason of a Close frame's payload; 1005 (none given) when it is empty.
struct ClosePayload
{
    quint16 code = 1005;
    QByteArray reason;
    bool valid = true; // false: a one-byte payload, a reserved code or a reason not UTF-8
};
ClosePayload parseClosePayload(QByteArrayView payload);
/// A Close frame's payload for code (and an optional reason).
QByteArray closePayload(quint16 code, QByteArrayView reason = {});

} // namespace depot::websocket
