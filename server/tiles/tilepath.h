#pragma once

#include "tilekey.h"

#include <QStringView>

#include <optional>

namespace depot {

/// The tile a path names: "/tiles/{z}/{x}/{y}.png" with 1-2 digits of zoom and 1-8 of column and
/// row (ASCII digits only); nullopt for any other path. The key may still be off the grid.
std::optional<TileKey> tileKeyFromPath(QStringView path);

} // namespace depot
