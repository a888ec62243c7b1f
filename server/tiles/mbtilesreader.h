#pragma once

#include "tilekey.h"

#include <QCoreApplication>
#include <QHash>
#include <QString>

namespace depot {

/// Tiles from an MBTiles file (SQLite), read-only: for depots without a network, and tests.
/// Used from the thread that made it.
class MbTilesReader
{
    Q_DECLARE_TR_FUNCTIONS(MbTilesReader)

public:
    explicit MbTilesReader(const QString &path);
    ~MbTilesReader();
    MbTilesReader(const MbTilesReader &) = delete;
    MbTilesReader &operator=(const MbTilesReader &) = delete;

    bool isValid() const { return m_valid; }
    QString errorString() const { return m_error; }
    QString path() const { return m_path; }
    /// The metadata table's values (name, format, attribution, minzoom, maxzoom, bounds, ...).
    QHash<QString, QString> metadata() const { return m_metadata; }
    int minimumZoom() const { return m_minimumZoom; }
    int maximumZoom() const { return m_maximumZoom; }

    /// The stored bytes of one tile, or empty when the file has none there.
    QByteArray tileData(const TileKey &key) const;

private:
    QString m_path;
    QString m_connectionName;
    QString m_error;
    QHash<QString, QString> m_metadata;
    int m_minimumZoom = 0;
    int m_maximumZoom = 19;
    bool m_valid = false;
};

} // namespace depot
