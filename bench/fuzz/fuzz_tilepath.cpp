// The tile route's path parser (tiles/tilepath.h), differentially against the regular expression
// it replaced, /tiles/(\d{1,2})/(\d{1,8})/(\d{1,8})\.png, anchored at both ends of the path (the
// old "$" also took a newline after ".png": this target found it). Input: the path, as UTF-8.
// Checks that both take the same paths and read the same numbers, that a key it reads prints back
// to a path that reads to the same key, and that a key on the grid has z, x and y in range.
#include "fuzzcheck.h"
#include "tiles/tilepath.h"

#include <QRegularExpression>
#include <QString>

#include <cstdint>

using namespace depot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString path = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto key = tileKeyFromPath(path);

    static const QRegularExpression reference(QRegularExpression::anchoredPattern(
        QStringLiteral("/tiles/(\\d{1,2})/(\\d{1,8})/(\\d{1,8})\\.png")));
    const auto match = reference.match(path);
    FUZZ_CHECK(key.has_value() == match.hasMatch());
    if (!key)
        return 0;
    FUZZ_CHECK(key->z == match.captured(1).toInt() && key->x == match.captured(2).toInt() &&
               key->y == match.captured(3).toInt());

    const QString canonical =
        QStringLiteral("/tiles/%1/%2/%3.png").arg(key->z).arg(key->x).arg(key->y);
    FUZZ_CHECK(tileKeyFromPath(canonical) == key);
    if (key->isOnGrid()) {
        FUZZ_CHECK(key->z >= 0 && key->z <= TileKey::kMaximumZoom);
        FUZZ_CHECK(key->x >= 0 && key->x < (1 << key->z) && key->y >= 0 && key->y < (1 << key->z));
        FUZZ_CHECK(key->tmsRow() >= 0 && key->tmsRow() < (1 << key->z));
    }
    return 0;
}
