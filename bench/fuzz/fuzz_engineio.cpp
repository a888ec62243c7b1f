// Engine.IO v4 packets and long-polling payloads (protocol/engineio.h). Input: one byte choosing
// the decoder (a WebSocket text frame or a polling body), then the bytes. Checks:
// - a refused input gives no packets, an accepted payload at least one;
// - a text frame decodes to a packet that encodes back to exactly the same bytes;
// - a payload's packets, encoded again, decode to the same packets, and that encoding is a fixed
//   point (encoding what it decodes to gives it back byte for byte);
// - a payload without binary packets encodes back to exactly the bytes it came from.
#include "fuzzcheck.h"
#include "protocol/engineio.h"

#include <cstdint>

using namespace depot::engineio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    if (data[0] & 1) {
        const DecodedPacket one = decodeText(bytes);
        if (!one.ok())
            return 0;
        FUZZ_CHECK(!one.packet.binary);
        FUZZ_CHECK(encode(one.packet) == (Frame{bytes, false}));
        FUZZ_CHECK(encodeText(one.packet.type, one.packet.data) == bytes);
        return 0;
    }
    const DecodedPayload payload = decodePayload(bytes);
    if (!payload.ok()) {
        FUZZ_CHECK(payload.packets.isEmpty());
        return 0;
    }
    FUZZ_CHECK(!payload.packets.isEmpty());
    bool anyBinary = false;
    for (const Packet &p : payload.packets) {
        FUZZ_CHECK(!p.binary || p.type == Type::Message);
        FUZZ_CHECK(!p.data.contains(RecordSeparator) || p.binary);
        anyBinary = anyBinary || p.binary;
    }
    const QByteArray encoded = encodePayload(payload.packets);
    if (!anyBinary)
        FUZZ_CHECK(encoded == bytes);
    const DecodedPayload again = decodePayload(encoded);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again.packets == payload.packets);
    FUZZ_CHECK(encodePayload(again.packets) == encoded);
    return 0;
}
