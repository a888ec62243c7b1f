#include "tilesource.h"

#include "hubconfig.h"
#include "tiles/mbtilesreader.h"
#include "tiles/tilefetcher.h"

#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>

Q_LOGGING_CATEGORY(lcTiles, "depot.map.tiles")

namespace depot {

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
    , m_ownFetcher(std::make_unique<TileFetcher>(urlTemplate))
    , m_fetcher(m_ownFetcher.get())
{
    connectFetcher();
}

XyzTileSource::XyzTileSource(TileFetcher &fetcher, QObject *parent)
    : TileSource(parent)
    , m_fetcher(&fetcher)
{
    connectFetcher();
}

XyzTileSource::~XyzTileSource()
{
    if (!m_ownFetcher)
        m_fetcher->cancelQueued(this); // a shared fetcher need not fetch for us any more
}

void XyzTileSource::connectFetcher()
{
    setAttribution(defaultAttribution(m_fetcher->urlTemplate()));
    connect(m_fetcher, &TileFetcher::tileFetched, this,
            [this](int z, int x, int y, const QByteArray &bytes) {
                const TileKey key{z, x, y};
                if (m_wanted.remove(key))
                    answer(key, bytes);
            });
    connect(m_fetcher, &TileFetcher::tileFailed, this, [this](int z, int x, int y) {
        if (m_wanted.remove(TileKey{z, x, y}))
            Q_EMIT tileFailed(z, x, y);
    });
}

QString XyzTileSource::defaultUrlTemplate()
{
    return HubConfig::defaultTileUrl();
}

QByteArray XyzTileSource::userAgent()
{
    return TileFetcher::userAgent();
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
    return TileFetcher::expiryFor(headers, now);
}

QString XyzTileSource::urlTemplate() const
{
    return m_fetcher->urlTemplate();
}

QUrl XyzTileSource::tileUrl(int z, int x, int y) const
{
    return m_fetcher->tileUrl(TileKey{z, x, y});
}

void XyzTileSource::setCacheDirectory(const QString &directory)
{
    m_fetcher->setCacheDirectory(directory);
}

QString XyzTileSource::cacheDirectory() const
{
    return m_fetcher->cacheDirectory();
}

void XyzTileSource::setMaximumConcurrentRequests(int count)
{
    m_fetcher->setMaximumConcurrentRequests(count);
}

void XyzTileSource::setClock(std::function<QDateTime()> clock)
{
    m_fetcher->setClock(std::move(clock));
}

int XyzTileSource::pendingCount() const
{
    return m_fetcher->pendingCount();
}

int XyzTileSource::inFlightCount() const
{
    return m_fetcher->inFlightCount();
}

void XyzTileSource::requestTile(int z, int x, int y)
{
    const TileKey key{z, x, y};
    if (m_wanted.contains(key) || !key.isOnGrid())
        return;
    if (const auto cached = m_fetcher->cachedTile(key)) {
        const QImage image = QImage::fromData(cached->bytes);
        if (!image.isNull()) {
            QMetaObject::invokeMethod(
                this, [this, key, image] { Q_EMIT tileReady(key.z, key.x, key.y, image); },
                Qt::QueuedConnection);
            return;
        }
    }
    switch (m_fetcher->fetch(key, this)) {
    case TileFetcher::Fetch::Queued:
        m_wanted.insert(key);
        break;
    case TileFetcher::Fetch::RecentlyFailed:
        break; // an offline console stays quiet; the map asks again later
    case TileFetcher::Fetch::QueueFull:
        QMetaObject::invokeMethod(
            this, [this, key] { Q_EMIT tileFailed(key.z, key.x, key.y); }, Qt::QueuedConnection);
        break;
    }
}

void XyzTileSource::cancelPending()
{
    m_fetcher->cancelQueued(this);
    // What is still on its way (downloading, or wanted by the hub too) is still answered.
    for (auto it = m_wanted.begin(); it != m_wanted.end();)
        it = m_fetcher->isFetching(*it) ? std::next(it) : m_wanted.erase(it);
}

void XyzTileSource::answer(const TileKey &key, const QByteArray &bytes)
{
    const QImage image = QImage::fromData(bytes);
    if (image.isNull()) {
        qCDebug(lcTiles) << "tile" << key.z << key.x << key.y << "cannot be decoded";
        Q_EMIT tileFailed(key.z, key.x, key.y);
    } else {
        Q_EMIT tileReady(key.z, key.x, key.y, image);
    }
}

// --- MbTilesSource ---

MbTilesSource::MbTilesSource(const QString &path, QObject *parent)
    : TileSource(parent)
    , m_reader(std::make_unique<MbTilesReader>(path))
{
    if (!m_reader->isValid())
        return;
    setZoomRange(m_reader->minimumZoom(), m_reader->maximumZoom());
    setAttribution(m_reader->metadata().value(QStringLiteral("attribution")));
}

MbTilesSource::~MbTilesSource() = default;

bool MbTilesSource::isValid() const
{
    return m_reader->isValid();
}

QString MbTilesSource::errorString() const
{
    return m_reader->errorString();
}

QHash<QString, QString> MbTilesSource::metadata() const
{
    return m_reader->metadata();
}

QImage MbTilesSource::tile(int z, int x, int y) const
{
    return QImage::fromData(m_reader->tileData(TileKey{z, x, y}));
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
