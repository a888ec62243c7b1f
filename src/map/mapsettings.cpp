#include "mapsettings.h"

#include <QPointer>

namespace depot {

namespace {
// One per process: the console has one tile source, chosen once at start-up.
QPointer<TileSource> g_tileSource;
} // namespace

MapSettings::MapSettings(QObject *parent)
    : QObject(parent)
{}

void MapSettings::setTileSource(TileSource *source)
{
    g_tileSource = source;
}

TileSource *MapSettings::tileSource() const
{
    return g_tileSource;
}

} // namespace depot
