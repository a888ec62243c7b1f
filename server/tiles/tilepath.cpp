#include "tilepath.h"

namespace depot {

namespace {

// Reads 1 to maxDigits ASCII digits at path[*i] followed by terminator, and moves past both.
std::optional<int> readNumber(QStringView path, qsizetype *i, int maxDigits, QStringView terminator)
{
    int value = 0;
    int digits = 0;
    while (*i < path.size() && path[*i] >= u'0' && path[*i] <= u'9') {
        if (++digits > maxDigits)
            return std::nullopt;
        value = value * 10 + (path[*i].unicode() - u'0');
        ++*i;
    }
    if (digits == 0 || !path.sliced(*i).startsWith(terminator))
        return std::nullopt;
    *i += terminator.size();
    return value;
}

} // namespace

std::optional<TileKey> tileKeyFromPath(QStringView path)
{
    constexpr QStringView prefix = u"/tiles/";
    if (!path.startsWith(prefix))
        return std::nullopt;
    qsizetype i = prefix.size();
    const auto z = readNumber(path, &i, 2, u"/");
    const auto x = z ? readNumber(path, &i, 8, u"/") : std::nullopt;
    const auto y = x ? readNumber(path, &i, 8, u".png") : std::nullopt;
    if (!y || i != path.size())
        return std::nullopt;
    return TileKey{*z, *x, *y};
}

} // namespace depot
