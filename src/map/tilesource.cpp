#include "tilesource.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkDiskCache>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimeZone>
#include <QTimer>

#include <algorithm>

Q_LOGGING_CATEGORY(lcTiles, "depot.map.tiles")

namespace depot {

namespace {

// A failed tile is not asked for again this soon, so an offline console stays quiet.
constexpr int kRetryAfterSeconds = 60;
// OpenStreetMap's tile policy: cache for at least seven days whatever the headers say.
constexpr qint64 kMinimumLifetimeSeconds = 7 * 24 * 3600;
constexpr qint64 kDiskCacheBytes = 256ll * 1024 * 1024;

QByteArray headerValue(const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace

TileSource::TileSource(QObject *parent)
    : QObject(parent)
{}

void TileSource::setAttribution(const QString &attribution)
{
    if (m_attribution == attribution)
        return;
    m_attribution = attribution;
    Q_EMIT attributionChanged();
}

void TileSource::setZoomRange(int minimumZoom, int maximumZoom)
{
    minimumZoom = std::clamp(minimumZoom, 0, 30);
    maximumZoom = std::clamp(maximumZoom, minimumZoom, 30);
    if (minimumZoom == m_minimumZoom && maximumZoom == m_maximumZoom)
        return;
    m_minimumZoom = minimumZoom;
    m_maximumZoom = maximumZoom;
    Q_EMIT zoomRangeChanged();
}

// --- XyzTileSource ---

XyzTileSource::XyzTileSource(const QString &urlTemplate, QObject *parent)
    : TileSource(parent)
    , m_urlTemplate(urlTemplate)
    , m_network(new QNetworkAccessManager(this))
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    if (m_urlTemplate.contains(QLatin1String("{s}")))
        m_subdomains = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    setAttribution(defaultAttribution(urlTemplate));
}

XyzTileSource::~XyzTileSource()
{
    // Replies outlive nothing: abort them before the manager goes, without signals to us.
    for (QNetworkReply *reply : std::as_const(m_inFlight)) {
        reply->disconnect(this);
        reply->abort();
    }
}

QString XyzTileSource::defaultUrlTemplate()
{
    return QStringLiteral("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
}

QByteArray XyzTileSource::userAgent()
{
    return QByteArrayLiteral("Depot/" DEPOT_VERSION " (courier dispatch console)");
}

QString XyzTileSource::defaultAttribution(const QString &urlTemplate)
{
    if (urlTemplate.contains(QLatin1String("openstreetmap.org"), Qt::CaseInsensitive))
        return tr("© OpenStreetMap contributors");
    return {};
}

QDateTime XyzTileSource::expiryFor(const QList<QPair<QByteArray, QByteArray>> &headers,
                                   const QDateTime &now)
{
    QDateTime expiry;
    const QByteArray cacheControl = headerValue(headers, "Cache-Control");
    for (const QByteArray &directive : cacheControl.split(',')) {
        const QByteArray trimmed = directive.trimmed();
        if (trimmed.startsWith("max-age=")) {
            bool ok = false;
            const qint64 seconds = trimmed.mid(8).toLongLong(&ok);
            if (ok)
                expiry = now.addSecs(seconds);
        }
    }
    if (!expiry.isValid()) {
        const QByteArray expires = headerValue(headers, "Expires");
        if (!expires.isEmpty()) {
            // HTTP dates are RFC 1123 in GMT ("Sun, 06 Nov 1994 08:49:37 GMT").
            QString text = QString::fromLatin1(expires).trimmed();
            if (text.endsWith(QLatin1String(" GMT")))
                text.chop(4);
            expiry = QLocale::c().toDateTime(text, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss"));
            if (expiry.isValid())
                expiry.setTimeZone(QTimeZone::utc());
        }
    }
    const QDateTime minimum = now.addSecs(kMinimumLifetimeSeconds);
    return expiry.isValid() && expiry > minimum ? expiry : minimum;
}

QUrl XyzTileSource::tileUrl(int z, int x, int y) const
{
    QString url = m_urlTemplate;
    url.replace(QLatin1String("{z}"), QString::number(z));
    url.replace(QLatin1String("{x}"), QString::number(x));
    url.replace(QLatin1String("{y}"), QString::number(y));
    if (!m_subdomains.isEmpty())
        url.replace(QLatin1String("{s}"), m_subdomains.at((x + y) % m_subdomains.size()));
    return QUrl(url);
}

void XyzTileSource::setCacheDirectory(const QString &directory)
{
    if (directory.isEmpty()) {
        m_network->setCache(nullptr); // the manager deletes the old cache
        m_cache = nullptr;
        return;
    }
    QDir().mkpath(directory);
    auto *cache = new QNetworkDiskCache(m_network);
    cache->setCacheDirectory(directory);
    cache->setMaximumCacheSize(kDiskCacheBytes);
    m_network->setCache(cache);
    m_cache = cache;
}

QString XyzTileSource::cacheDirectory() const
{
    return m_cache ? m_cache->cacheDirectory() : QString();
}

void XyzTileSource::setMaximumConcurrentRequests(int count)
{
    m_maximumConcurrent = std::clamp(count, 1, 4);
}

void XyzTileSource::setClock(std::function<QDateTime()> clock)
{
    m_clock = std::move(clock);
}

void XyzTileSource::requestTile(int z, int x, int y)
{
    const TileKey key{z, x, y};
    if (m_inFlight.contains(key) || m_queued.contains(key))
        return;
    const QDateTime now = m_clock();
    if (const auto failed = m_failedAt.constFind(key); failed != m_failedAt.cend()) {
        if (failed->secsTo(now) < kRetryAfterSeconds)
            return;
        m_failedAt.erase(failed);
    }
    if (answerFromCache(key, tileUrl(z, x, y)))
        return;
    m_queue.push_back(key);
    m_queued.insert(key);
    startRequests();
}

void XyzTileSource::cancelPending()
{
    m_queue.clear();
    m_queued.clear();
}

bool XyzTileSource::answerFromCache(TileKey key, const QUrl &url)
{
    if (!m_cache)
        return false;
    const QNetworkCacheMetaData meta = m_cache->metaData(url);
    if (!meta.isValid() || !meta.expirationDate().isValid() || meta.expirationDate() <= m_clock())
        return false; // stale: the network revalidates it with its ETag
    std::unique_ptr<QIODevice> device(m_cache->data(url));
    if (!device)
        return false;
    QImage image = QImage::fromData(device->readAll());
    if (image.isNull())
        return false;
    QMetaObject::invokeMethod(
        this, [this, key, image] { Q_EMIT tileReady(key.z, key.x, key.y, image); },
        Qt::QueuedConnection);
    return true;
}

void XyzTileSource::startRequests()
{
    while (m_inFlight.size() < m_maximumConcurrent && !m_queue.empty()) {
        const TileKey key = m_queue.front();
        m_queue.pop_front();
        m_queued.remove(key);
        QNetworkRequest request(tileUrl(key.z, key.x, key.y));
        request.setHeader(QNetworkRequest::UserAgentHeader, userAgent());
        request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                             QNetworkRequest::PreferNetwork);
        QNetworkReply *reply = m_network->get(request);
        m_inFlight.insert(key, reply);
        connect(reply, &QNetworkReply::finished, this,
                [this, reply, key] { handleReply(reply, key); });
    }
}

void XyzTileSource::handleReply(QNetworkReply *reply, TileKey key)
{
    reply->deleteLater();
    m_inFlight.remove(key);
    const QDateTime now = m_clock();
    QImage image;
    if (reply->error() == QNetworkReply::NoError)
        image = QImage::fromData(reply->readAll());
    if (image.isNull()) {
        qCDebug(lcTiles) << "tile" << reply->url().toString() << "failed:" << reply->errorString();
        m_failedAt.insert(key, now);
        Q_EMIT tileFailed(key.z, key.x, key.y);
    } else {
        if (m_cache) {
            QNetworkCacheMetaData meta = m_cache->metaData(reply->url());
            if (meta.isValid()) {
                meta.setExpirationDate(expiryFor(reply->rawHeaderPairs(), now));
                m_cache->updateMetaData(meta);
            }
        }
        Q_EMIT tileReady(key.z, key.x, key.y, image);
    }
    startRequests();
}

// --- MbTilesSource ---

MbTilesSource::MbTilesSource(const QString &path, QObject *parent)
    : TileSource(parent)
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
    setZoomRange(minOk ? minZoom : 0, maxOk ? maxZoom : 19);
    setAttribution(m_metadata.value(QStringLiteral("attribution")));
    const QString format = m_metadata.value(QStringLiteral("format"));
    if (format == QLatin1String("pbf"))
        qCWarning(lcTiles) << path << "holds vector tiles; only raster tiles are drawn";
}

MbTilesSource::~MbTilesSource()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QImage MbTilesSource::tile(int z, int x, int y) const
{
    if (!m_valid || z < 0 || z > 30)
        return {};
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT tile_data FROM tiles WHERE zoom_level = ? AND "
                                 "tile_column = ? AND tile_row = ?"));
    query.addBindValue(z);
    query.addBindValue(x);
    // MBTiles rows count up from the south (TMS); XYZ counts down from the north.
    query.addBindValue((1 << z) - 1 - y);
    if (!query.exec() || !query.next())
        return {};
    return QImage::fromData(query.value(0).toByteArray());
}

void MbTilesSource::requestTile(int z, int x, int y)
{
    const TileKey key{z, x, y};
    if (m_queued.contains(key))
        return;
    m_queue.push_back(key);
    m_queued.insert(key);
    if (!m_answerScheduled) {
        m_answerScheduled = true;
        QMetaObject::invokeMethod(this, &MbTilesSource::answerQueued, Qt::QueuedConnection);
    }
}

void MbTilesSource::cancelPending()
{
    m_queue.clear();
    m_queued.clear();
}

void MbTilesSource::answerQueued()
{
    m_answerScheduled = false;
    // Signals may request more tiles; answer only what was asked before this pass.
    std::deque<TileKey> batch;
    batch.swap(m_queue);
    m_queued.clear();
    for (const TileKey &key : batch) {
        const QImage image = tile(key.z, key.x, key.y);
        if (image.isNull())
            Q_EMIT tileFailed(key.z, key.x, key.y);
        else
            Q_EMIT tileReady(key.z, key.x, key.y, image);
    }
}

} // namespace depot
