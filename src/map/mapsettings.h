#pragma once

#include "tilesource.h"

#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace depot {

/// The map settings the command line chose, for QML: MapSettings.tileSource.
class MapSettings : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(depot::TileSource *tileSource READ tileSource CONSTANT)

public:
    explicit MapSettings(QObject *parent = nullptr);

    /// Set before QML loads; the caller keeps ownership. Null means no tiles (a graticule).
    static void setTileSource(TileSource *source);
    TileSource *tileSource() const;
};

} // namespace depot
