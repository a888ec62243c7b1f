#pragma once

#include <QByteArray>

namespace depot {

/// The MIME type of a raster tile told by its first bytes: image/png, image/jpeg, image/webp, or
/// empty for anything else (an error page, a vector tile).
QByteArray tileMimeType(const QByteArray &bytes);

} // namespace depot
