// The RFC 6455 frame reader (protocol/websocket.h). Input: one byte of settings (the reader's role,
// its message limit, how the bytes arrive), then the bytes a peer sends. Checks:
// - read() consumes nothing when it needs more, something for a Fragment or a Message, and
//   never more than it was given;
// - bytes that arrive in pieces read exactly as the same bytes read at once;
// - a text message is valid UTF-8, a control payload at most 125 bytes, nothing past the limit;
// - a Close frame the reader accepts has a valid payload, and it survives closePayload();
// - every message, framed again with appendFrame(), reads back to itself.
#include "fuzzcheck.h"
#include "protocol/websocket.h"

#include <QList>

#include <cstdint>

using namespace depot::websocket;

namespace {

struct Event
{
    MessageReader::Result result;
    Message message;
    quint16 closeCode = 0;
};

// Reads whatever frames the bytes hold, `piece` bytes arriving at a time (0: all at once).
QList<Event> readAll(MessageReader::Role role, qint64 limit, QByteArrayView bytes, qsizetype piece)
{
    MessageReader reader(role, limit);
    QList<Event> events;
    QByteArray buffered;
    qsizetype arrived = 0;
    while (true) {
        const qsizetype more = piece ? std::min(piece, bytes.size() - arrived) : bytes.size();
        buffered.append(bytes.sliced(arrived, more));
        arrived += more;
        while (true) {
            Message message;
            qsizetype consumed = -1;
            const auto result = reader.read(buffered, &consumed, &message);
            FUZZ_CHECK(consumed >= 0 && consumed <= buffered.size());
            // An Error may have taken the frame it refused; the connection closes anyway.
            if (result == MessageReader::Result::NeedMore)
                FUZZ_CHECK(consumed == 0);
            else if (result != MessageReader::Result::Error)
                FUZZ_CHECK(consumed > 0);
            FUZZ_CHECK(reader.pendingBytes() <= limit);
            if (result == MessageReader::Result::NeedMore)
                break;
            if (result == MessageReader::Result::Error) {
                FUZZ_CHECK(reader.closeCode() != 0);
                events.append({result, {}, reader.closeCode()});
                return events;
            }
            buffered.remove(0, consumed);
            if (result == MessageReader::Result::Message)
                events.append({result, message, 0});
        }
        if (arrived == bytes.size())
            return events;
    }
}

void checkMessage(const Message &m, MessageReader::Role role, qint64 limit)
{
    switch (m.opcode) {
    case Opcode::Text:
        FUZZ_CHECK(isValidUtf8(m.payload));
        [[fallthrough]];
    case Opcode::Binary:
        FUZZ_CHECK(m.payload.size() <= limit);
        break;
    case Opcode::Close: {
        FUZZ_CHECK(m.payload.size() <= 125);
        const ClosePayload close = parseClosePayload(m.payload);
        FUZZ_CHECK(close.valid);
        if (!m.payload.isEmpty())
            FUZZ_CHECK(closePayload(close.code, close.reason) == m.payload);
        break;
    }
    case Opcode::Ping:
    case Opcode::Pong:
        FUZZ_CHECK(m.payload.size() <= 125);
        break;
    case Opcode::Continuation:
        FUZZ_CHECK(!"a continuation reported as a message");
    }
    // Framed again as the peer would send it, the message reads back to itself.
    QByteArray again;
    appendFrame(again, m.opcode, m.payload,
                role == MessageReader::Role::Server ? std::optional<quint32>(0x1234abcd)
                                                    : std::nullopt);
    MessageReader reader(role, limit);
    Message back;
    qsizetype consumed = 0;
    FUZZ_CHECK(reader.read(again, &consumed, &back) == MessageReader::Result::Message);
    FUZZ_CHECK(consumed == again.size());
    FUZZ_CHECK(back.opcode == m.opcode && back.payload == m.payload);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t settings = data[0];
    const auto role = settings & 1 ? MessageReader::Role::Client : MessageReader::Role::Server;
    const qint64 limit = qint64(1) << ((settings >> 1) & 15); // 1 byte to 32 KiB
    const qsizetype piece = 1 + (settings >> 5);              // 1 to 8 bytes per arrival
    const QByteArrayView bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    const QList<Event> atOnce = readAll(role, limit, bytes, 0);
    const QList<Event> inPieces = readAll(role, limit, bytes, piece);
    FUZZ_CHECK(atOnce.size() == inPieces.size());
    for (qsizetype i = 0; i < atOnce.size(); ++i) {
        FUZZ_CHECK(atOnce[i].result == inPieces[i].result);
        FUZZ_CHECK(atOnce[i].closeCode == inPieces[i].closeCode);
        FUZZ_CHECK(atOnce[i].message.opcode == inPieces[i].message.opcode);
        FUZZ_CHECK(atOnce[i].message.payload == inPieces[i].message.payload);
        if (atOnce[i].result == MessageReader::Result::Message)
            checkMessage(atOnce[i].message, role, limit);
    }
    return 0;
}
