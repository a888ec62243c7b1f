#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace depot {

/// The image formats a proof of delivery takes, known by their first bytes alone.
enum class ImageType { Png, Jpeg, WebP };

/// Reading images as bytes, without decoding them: the type from the magic bytes (never the
/// file name or a client's MIME type), and a copy without the metadata that may say where and
/// with what a photo was taken.
namespace imagefile {

/// The type of `bytes` by their signature, or nullopt.
std::optional<ImageType> sniff(QByteArrayView bytes);
QString mimeType(ImageType type);

/// `bytes` without their metadata: a JPEG's APP1 segments (EXIF with its GPS data, XMP) and
/// comments; a PNG's eXIf and text chunks (tEXt, zTXt, iTXt, where XMP lives); a WebP's EXIF and
/// XMP chunks (and their flags in VP8X). Nullopt when the structure is broken, so that what
/// cannot be walked is not kept either.
std::optional<QByteArray> withoutMetadata(QByteArrayView bytes, ImageType type);

} // namespace imagefile

} // namespace depot
