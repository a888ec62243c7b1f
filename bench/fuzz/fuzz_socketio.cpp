// The Socket.IO v5 decoder with binary attachments (protocol/socketio.h). Input: one byte of
// settings (who sends, the attachment and size limits), then Engine.IO messages separated by
// 0x1e: one starting with 'b' is a binary frame (the rest of it), anything else a text packet.
// Checks:
// - an error leaves no packet and nothing pending; a result without a packet leaves a header
//   waiting for attachments;
// - a packet has the shape its type promises: attachments only on binary types, every
//   placeholder pointing at one of them, an event name that is neither empty nor reserved, no
//   CONNECT_ERROR from a client;
// - encode() of a packet, fed with its attachments to a new decoder, gives the same packet;
// - peekEvent(), the fast path for plain events, reads the same namespace, ack id and event name
//   as the decoder wherever both accept the text.
#include "fuzzcheck.h"
#include "protocol/socketio.h"

#include <QJsonArray>
#include <QJsonObject>

#include <cstdint>
#include <limits>

using namespace depot::socketio;

namespace {

void checkPlaceholders(const QJsonValue &value, qsizetype buffers)
{
    if (const auto index = placeholderIndex(value)) {
        FUZZ_CHECK(*index >= 0 && *index < buffers);
        return;
    }
    if (value.isArray()) {
        for (const QJsonValue &v : value.toArray())
            checkPlaceholders(v, buffers);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            checkPlaceholders(it.value(), buffers);
    }
}

void checkPacket(const Packet &packet, const Decoder::Options &options)
{
    FUZZ_CHECK(packet.isBinary() || packet.buffers.isEmpty());
    FUZZ_CHECK(packet.buffers.size() <= options.maxAttachments);
    FUZZ_CHECK(packet.nsp.startsWith(u'/'));
    if (options.from == Decoder::Peer::Client)
        FUZZ_CHECK(packet.type != Type::ConnectError);
    if (packet.type == Type::Event || packet.type == Type::BinaryEvent) {
        FUZZ_CHECK(!packet.event().isEmpty());
        FUZZ_CHECK(!isReservedEventName(packet.event()));
    }
    if (packet.type == Type::Ack || packet.type == Type::BinaryAck)
        FUZZ_CHECK(packet.ackId.has_value());
    checkPlaceholders(packet.data, packet.buffers.size());

    // The packet's own encoding reads back to it (limits lifted: compact JSON may be longer).
    Decoder::Options lifted = options;
    lifted.maxPacketSize = std::numeric_limits<qsizetype>::max();
    Decoder again(lifted);
    Decoder::Result result = again.decodeText(encode(packet));
    for (const QByteArray &buffer : packet.buffers) {
        FUZZ_CHECK(result.ok() && !result.packet);
        result = again.decodeBinary(buffer);
    }
    FUZZ_CHECK(result.ok() && result.packet);
    FUZZ_CHECK(*result.packet == packet);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    Decoder::Options options;
    options.from = data[0] & 1 ? Decoder::Peer::Server : Decoder::Peer::Client;
    options.maxAttachments = (data[0] >> 1) & 7;
    if (const int sizeBits = data[0] >> 4)
        options.maxPacketSize = qsizetype(8) << sizeBits; // 16 bytes to 256 KiB
    Decoder decoder(options);

    const QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    for (const QByteArray &message : input.split('\x1e')) {
        const bool binary = message.startsWith('b');
        const Decoder::Result result =
            binary ? decoder.decodeBinary(message.sliced(1)) : decoder.decodeText(message);
        if (!result.ok()) {
            FUZZ_CHECK(!result.packet && !decoder.isPending());
            continue;
        }
        if (!result.packet) {
            FUZZ_CHECK(decoder.isPending());
            continue;
        }
        FUZZ_CHECK(!decoder.isPending());
        checkPacket(*result.packet, options);
        if (binary)
            continue;
        // The fast path may refuse what the decoder takes, never read it differently.
        const auto view = peekEvent(message);
        if (view && result.packet->type == Type::Event) {
            FUZZ_CHECK(view->name == result.packet->event().toUtf8());
            FUZZ_CHECK(view->nsp == result.packet->nsp.toUtf8());
            FUZZ_CHECK(view->ackId == result.packet->ackId);
        }
    }
    return 0;
}
