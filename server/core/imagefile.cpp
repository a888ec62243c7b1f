#include "imagefile.h"

#include <QtEndian>

namespace depot::imagefile {

namespace {

constexpr char kPngSignature[] = "\x89PNG\r\n\x1a\n";

std::optional<QByteArray> jpegWithoutMetadata(QByteArrayView in)
{
    QByteArray out;
    out.reserve(in.size());
    out.append(in.first(2)); // SOI
    qsizetype at = 2;
    while (at + 4 <= in.size()) {
        if (quint8(in[at]) != 0xFF)
            return std::nullopt;
        const quint8 marker = quint8(in[at + 1]);
        if (marker == 0xFF) { // fill byte
            ++at;
            continue;
        }
        if (marker == 0xD9) { // EOI without a scan
            out.append(in.sliced(at));
            return out;
        }
        if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { // no length
            out.append(in.sliced(at, 2));
            at += 2;
            continue;
        }
        const qsizetype length = qFromBigEndian<quint16>(in.data() + at + 2);
        if (length < 2 || at + 2 + length > in.size())
            return std::nullopt;
        if (marker == 0xDA) { // start of scan: the entropy-coded rest is image data
            out.append(in.sliced(at));
            return out;
        }
        // APP1 holds EXIF (with GPS) and XMP; COM is free text.
        if (marker != 0xE1 && marker != 0xFE)
            out.append(in.sliced(at, 2 + length));
        at += 2 + length;
    }
    return std::nullopt;
}

std::optional<QByteArray> pngWithoutMetadata(QByteArrayView in)
{
    QByteArray out;
    out.reserve(in.size());
    out.append(in.first(8));
    qsizetype at = 8;
    bool ended = false;
    while (at < in.size()) {
        if (at + 12 > in.size())
            return std::nullopt;
        const quint32 length = qFromBigEndian<quint32>(in.data() + at);
        if (length > quint32(in.size() - at - 12))
            return std::nullopt;
        const QByteArrayView type = in.sliced(at + 4, 4);
        const qsizetype chunk = 12 + qsizetype(length);
        if (type != "eXIf" && type != "tEXt" && type != "zTXt" && type != "iTXt")
            out.append(in.sliced(at, chunk));
        at += chunk;
        if (type == "IEND") {
            ended = true;
            break;
        }
    }
    if (!ended)
        return std::nullopt;
    return out;
}

std::optional<QByteArray> webpWithoutMetadata(QByteArrayView in)
{
    if (in.size() < 12)
        return std::nullopt;
    const quint32 riffSize = qFromLittleEndian<quint32>(in.data() + 4);
    if (riffSize < 4 || riffSize > quint32(in.size() - 8))
        return std::nullopt;
    const qsizetype end = 8 + qsizetype(riffSize);
    QByteArray out;
    out.reserve(in.size());
    out.append(in.first(12));
    qsizetype at = 12;
    qsizetype vp8xFlags = -1;
    while (at < end) {
        if (at + 8 > end)
            return std::nullopt;
        const QByteArrayView fourcc = in.sliced(at, 4);
        const quint32 size = qFromLittleEndian<quint32>(in.data() + at + 4);
        if (qsizetype(size) > end - at - 8)
            return std::nullopt;
        // Odd sizes are padded to even; a missing last pad byte is forgiven.
        const qsizetype chunk = std::min<qsizetype>(8 + qsizetype(size) + (size & 1), end - at);
        if (fourcc != "EXIF" && fourcc != "XMP ") {
            if (fourcc == "VP8X" && size >= 1)
                vp8xFlags = out.size() + 8;
            out.append(in.sliced(at, chunk));
        }
        at += chunk;
    }
    // VP8X announces EXIF (0x08) and XMP (0x04); neither is there any more.
    if (vp8xFlags >= 0)
        out[vp8xFlags] = char(quint8(out[vp8xFlags]) & ~0x0C);
    const quint32 newSize = quint32(out.size() - 8);
    qToLittleEndian<quint32>(newSize, out.data() + 4);
    return out;
}

} // namespace

std::optional<ImageType> sniff(QByteArrayView bytes)
{
    if (bytes.startsWith(QByteArrayView(kPngSignature, 8)))
        return ImageType::Png;
    if (bytes.size() >= 3 && quint8(bytes[0]) == 0xFF && quint8(bytes[1]) == 0xD8 &&
        quint8(bytes[2]) == 0xFF)
        return ImageType::Jpeg;
    if (bytes.size() >= 12 && bytes.first(4) == "RIFF" && bytes.sliced(8, 4) == "WEBP")
        return ImageType::WebP;
    return std::nullopt;
}

QString mimeType(ImageType type)
{
    switch (type) {
    case ImageType::Png:
        return QStringLiteral("image/png");
    case ImageType::Jpeg:
        return QStringLiteral("image/jpeg");
    case ImageType::WebP:
        return QStringLiteral("image/webp");
    }
    return QStringLiteral("application/octet-stream");
}

std::optional<QByteArray> withoutMetadata(QByteArrayView bytes, ImageType type)
{
    if (sniff(bytes) != type)
        return std::nullopt;
    switch (type) {
    case ImageType::Jpeg:
        return jpegWithoutMetadata(bytes);
    case ImageType::Png:
        return pngWithoutMetadata(bytes);
    case ImageType::WebP:
        return webpWithoutMetadata(bytes);
    }
    return std::nullopt;
}

} // namespace depot::imagefile
