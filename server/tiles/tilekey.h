#pragma once

#include <QHashFunctions>

namespace depot {

/// One XYZ tile address; y counts down from the north like the XYZ URL scheme.
struct TileKey
{
    /// The deepest zoom the hub serves; 2^z still fits an int.
    static constexpr int kMaximumZoom = 24;

    int z = 0;
    int x = 0;
    int y = 0;

    /// Whether the tile exists on the Web-Mercator grid: 0 <= x, y < 2^z.
    bool isOnGrid() const
    {
        return z >= 0 && z <= kMaximumZoom && x >= 0 && y >= 0 && x < (1 << z) && y < (1 << z);
    }
    /// The row as MBTiles stores it (TMS): counted up from the south.
    int tmsRow() const { return (1 << z) - 1 - y; }

    friend bool operator==(const TileKey &, const TileKey &) = default;
    friend size_t qHash(const TileKey &key, size_t seed = 0) noexcept
    {
        return qHashMulti(seed, key.z, key.x, key.y);
    }
};

} // namespace depot
