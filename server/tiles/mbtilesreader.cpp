#include "mbtilesreader.h"

#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcMbTiles, "depot.tiles.mbtiles")

namespace depot {

MbTilesReader::MbTilesReader(const QString &path)
    : m_path(path)
    , m_connectionName(QStringLiteral("depot-mbtiles-%1").arg(quintptr(this), 0, 16))
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
    if (!QFileInfo::exists(path)) {
        m_error = tr("no such file: %1").arg(path);
        return;
    }
    if (!db.open()) {
        m_error = db.lastError().text();
        return;
    }
    if (!db.tables().contains(QStringLiteral("tiles"))) {
        m_error = tr("%1 is not an MBTiles file: it has no tiles table").arg(path);
        return;
    }
    m_valid = true;
    if (db.tables().contains(QStringLiteral("metadata"))) {
        QSqlQuery query(db);
        if (query.exec(QStringLiteral("SELECT name, value FROM metadata"))) {
            while (query.next())
                m_metadata.insert(query.value(0).toString(), query.value(1).toString());
        }
    }
    bool minOk = false;
    bool maxOk = false;
    const int minZoom = m_metadata.value(QStringLiteral("minzoom")).toInt(&minOk);
    const int maxZoom = m_metadata.value(QStringLiteral("maxzoom")).toInt(&maxOk);
    m_minimumZoom = std::clamp(minOk ? minZoom : 0, 0, TileKey::kMaximumZoom);
    m_maximumZoom = std::clamp(maxOk ? maxZoom : 19, m_minimumZoom, TileKey::kMaximumZoom);
    if (m_metadata.value(QStringLiteral("format")) == QLatin1String("pbf"))
        qCWarning(lcMbTiles) << path << "holds vector tiles; only raster tiles are drawn";
}

MbTilesReader::~MbTilesReader()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QByteArray MbTilesReader::tileData(const TileKey &key) const
{
    if (!m_valid || !key.isOnGrid())
        return {};
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT tile_data FROM tiles WHERE zoom_level = ? AND "
                                 "tile_column = ? AND tile_row = ?"));
    query.addBindValue(key.z);
    query.addBindValue(key.x);
    // MBTiles rows count up from the south (TMS); XYZ counts down from the north.
    query.addBindValue(key.tmsRow());
    if (!query.exec() || !query.next())
        return {};
    return query.value(0).toByteArray();
}

} // namespace depot
