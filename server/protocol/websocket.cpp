#include "websocket.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <algorithm>
#include <cstring>

namespace depot::websocket {

namespace {

bool isControl(quint8 opcode)
{
    return opcode & 0x8;
}

bool isKnownOpcode(quint8 opcode)
{
    return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
}

// XORs data with the mask key, as it repeats from the first payload byte.
void applyMask(char *data, qsizetype size, const uchar key[4])
{
    qsizetype i = 0;
    // Eight bytes at a time: masking is the hottest loop of a busy connection.
    quint64 wide;
    uchar pattern[8];
    for (int k = 0; k < 8; ++k)
        pattern[k] = key[k % 4];
    std::memcpy(&wide, pattern, 8);
    for (; i + 8 <= size; i += 8) {
        quint64 chunk;
        std::memcpy(&chunk, data + i, 8);
        chunk ^= wide;
        std::memcpy(data + i, &chunk, 8);
    }
    for (; i < size; ++i)
        data[i] = char(uchar(data[i]) ^ key[i % 4]);
}

bool isReservedCloseCode(quint16 code)
{
    // Codes a peer may send: 1000-1003, 1007-1011 and the registered/private ranges 3000-4999.
    if (code >= 3000 && code <= 4999)
        return false;
    return !(code >= 1000 && code <= 1011 && code != 1004 && code != 1005 && code != 1006);
}

} // namespace

QByteArray acceptKey(QByteArrayView secWebSocketKey)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(secWebSocketKey);
    sha1.addData(QByteArrayView("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
    return sha1.result().toBase64();
}

qsizetype serverHeaderSize(qsizetype payloadSize)
{
    return payloadSize < 126 ? 2 : payloadSize < 65536 ? 4 : 10;
}

void appendFrame(QByteArray &out, Opcode opcode, QByteArrayView payload,
                 std::optional<quint32> maskKey)
{
    const qsizetype n = payload.size();
    uchar header[14];
    qsizetype h = 0;
    header[h++] = uchar(0x80 | quint8(opcode));
    const uchar maskBit = maskKey ? 0x80 : 0x00;
    if (n < 126) {
        header[h++] = uchar(maskBit | n);
    } else if (n < 65536) {
        header[h++] = uchar(maskBit | 126);
        qToBigEndian(quint16(n), header + h);
        h += 2;
    } else {
        header[h++] = uchar(maskBit | 127);
        qToBigEndian(quint64(n), header + h);
        h += 8;
    }
    uchar key[4];
    if (maskKey) {
        qToBigEndian(*maskKey, key);
        std::memcpy(header + h, key, 4);
        h += 4;
    }
    const qsizetype start = out.size();
    // Grown geometrically: frames are appended one after another to a link's send buffer, and
    // an exact reserve for each would reallocate (and copy) the whole buffer every time.
    if (const qsizetype needed = start + h + n; needed > out.capacity())
        out.reserve(std::max(needed, 2 * out.capacity()));
    out.append(reinterpret_cast<const char *>(header), h);
    out.append(payload.data(), n);
    if (maskKey)
        applyMask(out.data() + start + h, n, key);
}

namespace {

// The bytes a lead byte announces, and the range its second byte must lie in; these ranges
// exclude overlong forms, surrogates and code points past U+10FFFF (RFC 3629 section 4).
bool leadByte(uchar c, int *extra, uchar *low, uchar *high)
{
    *low = 0x80;
    *high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        *extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        *extra = 2;
        if (c == 0xE0)
            *low = 0xA0;
        else if (c == 0xED)
            *high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        *extra = 3;
        if (c == 0xF0)
            *low = 0x90;
        else if (c == 0xF4)
            *high = 0x8F;
    } else {
        return false;
    }
    return true;
}

} // namespace

qsizetype validUtf8Prefix(QByteArrayView bytes, bool *invalid)
{
    *invalid = false;
    const auto *begin = reinterpret_cast<const uchar *>(bytes.data());
    const uchar *p = begin;
    const uchar *end = p + bytes.size();
    while (p < end) {
        // ASCII runs are the common case: skip eight bytes at a time.
        while (end - p >= 8) {
            quint64 chunk;
            std::memcpy(&chunk, p, 8);
            if (chunk & 0x8080808080808080ULL)
                break;
            p += 8;
        }
        if (p >= end)
            break;
        if (*p < 0x80) {
            ++p;
            continue;
        }
        int extra = 0;
        uchar low = 0, high = 0;
        if (!leadByte(*p, &extra, &low, &high)) {
            *invalid = true;
            return p - begin;
        }
        for (int k = 1; k <= extra; ++k) {
            if (p + k >= end)
                return p - begin; // a sequence cut short, valid so far
            const uchar c = p[k];
            if (k == 1 ? (c < low || c > high) : (c & 0xC0) != 0x80) {
                *invalid = true;
                return p - begin;
            }
        }
        p += extra + 1;
    }
    return p - begin;
}

bool isValidUtf8(QByteArrayView bytes)
{
    bool invalid = false;
    return validUtf8Prefix(bytes, &invalid) == bytes.size() && !invalid;
}

MessageReader::MessageReader(Role role, qint64 maxMessageBytes)
    : m_role(role)
    , m_maxMessageBytes(maxMessageBytes)
{}

MessageReader::Result MessageReader::fail(quint16 code)
{
    m_closeCode = code;
    return Result::Error;
}

MessageReader::Result MessageReader::read(QByteArrayView data, qsizetype *consumed,
                                          Message *message)
{
    *consumed = 0;
    if (m_closeCode)
        return Result::Error;
    const auto *p = reinterpret_cast<const uchar *>(data.data());
    const qsizetype size = data.size();
    if (size < 2)
        return Result::NeedMore;

    const bool fin = p[0] & 0x80;
    if (p[0] & 0x70)
        return fail(CloseProtocolError); // no extension was negotiated, so no RSV bit may be set
    const quint8 opcode = p[0] & 0x0F;
    if (!isKnownOpcode(opcode))
        return fail(CloseProtocolError);
    const bool masked = p[1] & 0x80;
    if (masked != (m_role == Role::Server))
        return fail(CloseProtocolError);

    qsizetype h = 2;
    quint64 length = p[1] & 0x7F;
    if (length == 126) {
        if (size < 4)
            return Result::NeedMore;
        length = qFromBigEndian<quint16>(p + 2);
        h = 4;
        if (length < 126)
            return fail(CloseProtocolError); // not the shortest form
    } else if (length == 127) {
        if (size < 10)
            return Result::NeedMore;
        length = qFromBigEndian<quint64>(p + 2);
        h = 10;
        if (length < 65536 || (length >> 63))
            return fail(CloseProtocolError);
    }
    if (isControl(opcode) && (!fin || length > 125))
        return fail(CloseProtocolError);
    // Checked before the payload arrives, so an announced giant is refused without buffering it.
    if (!isControl(opcode) && quint64(m_fragments.size()) + length > quint64(m_maxMessageBytes))
        return fail(CloseTooBig);
    uchar key[4] = {0, 0, 0, 0};
    if (masked) {
        if (size < h + 4)
            return Result::NeedMore;
        std::memcpy(key, p + h, 4);
        h += 4;
    }
    if (quint64(size - h) < length)
        return Result::NeedMore;

    const qsizetype n = qsizetype(length);
    const char *payload = data.data() + h;
    *consumed = h + n;

    if (isControl(opcode)) {
        message->opcode = Opcode(opcode);
        message->payload = QByteArray(payload, n);
        if (masked)
            applyMask(message->payload.data(), n, key);
        if (opcode == quint8(Opcode::Close) && !parseClosePayload(message->payload).valid)
            return fail(CloseProtocolError);
        return Result::Message;
    }

    if (opcode == quint8(Opcode::Continuation)) {
        if (!m_fragmentOpcode)
            return fail(CloseProtocolError); // a continuation with nothing to continue
    } else if (m_fragmentOpcode) {
        return fail(CloseProtocolError); // a new message before the last one finished
    }

    QByteArray bytes(payload, n);
    if (masked)
        applyMask(bytes.data(), n, key);

    if (!fin) {
        if (!m_fragmentOpcode)
            m_fragmentOpcode = Opcode(opcode);
        m_fragments.append(bytes);
        if (*m_fragmentOpcode == Opcode::Text) {
            // Fails fast: invalid text is refused with the fragment that makes it so. Only the
            // new bytes are checked, from the last complete code point on.
            bool invalid = false;
            m_validatedBytes +=
                validUtf8Prefix(QByteArrayView(m_fragments).sliced(m_validatedBytes), &invalid);
            if (invalid)
                return fail(CloseInvalidData);
        }
        return Result::Fragment;
    }
    Opcode messageOpcode = Opcode(opcode);
    qsizetype validated = 0;
    if (m_fragmentOpcode) {
        messageOpcode = *m_fragmentOpcode;
        m_fragments.append(bytes);
        bytes = std::exchange(m_fragments, {});
        m_fragmentOpcode.reset();
        validated = std::exchange(m_validatedBytes, 0);
    }
    if (messageOpcode == Opcode::Text && !isValidUtf8(QByteArrayView(bytes).sliced(validated)))
        return fail(CloseInvalidData);
    message->opcode = messageOpcode;
    message->payload = std::move(bytes);
    return Result::Message;
}

ClosePayload parseClosePayload(QByteArrayView payload)
{
    ClosePayload result;
    if (payload.isEmpty())
        return result;
    if (payload.size() == 1) {
        result.valid = false;
        return result;
    }
    result.code = qFromBigEndian<quint16>(payload.data());
    result.reason = payload.sliced(2).toByteArray();
    result.valid = !isReservedCloseCode(result.code) && isValidUtf8(result.reason);
    return result;
}

QByteArray closePayload(quint16 code, QByteArrayView reason)
{
    QByteArray out(2, Qt::Uninitialized);
    qToBigEndian(code, out.data());
    out.append(reason.data(), reason.size());
    return out;
}

} // namespace depot::websocket
