#include "tilefetcher.h"

#include "tileformat.h"

#include <QLocale>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkDiskCache>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimeZone>

#include <algorithm>

Q_LOGGING_CATEGORY(lcTileFetcher, "depot.tiles.fetch")

namespace depot {

namespace {

// A failed tile is not asked for again this soon, so an offline depot stays quiet.
constexpr int kRetryAfterSeconds = 60;
// OpenStreetMap's tile policy: cache for at least seven days whatever the headers say.
constexpr qint64 kMinimumLifetimeSeconds = 7 * 24 * 3600;
constexpr qint64 kDiskCacheBytes = 256ll * 1024 * 1024;
// An upstream that stops answering must not pin waiting clients for ever.
constexpr int kTransferTimeoutMs = 30000;
// Failures remembered at most; an offline depot browsing around must not grow this for ever.
constexpr int kMaximumRememberedFailures = 4096;

QByteArray headerValue(const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace

TileFetcher::TileFetcher(const QString &urlTemplate, QObject *parent)
    : QObject(parent)
    , m_urlTemplate(urlTemplate)
    , m_network(new QNetworkAccessManager(this))
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    if (m_urlTemplate.contains(QLatin1String("{s}")))
        m_subdomains = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
}

TileFetcher::~TileFetcher()
{
    // Replies outlive nothing: abort them before the manager goes, without signals to us.
    for (QNetworkReply *reply : std::as_const(m_inFlight)) {
        reply->disconnect(this);
        reply->abort();
    }
}

QByteArray TileFetcher::userAgent()
{
    return QByteArrayLiteral("Depot/" DEPOT_VERSION " (courier dispatch console)");
}

QDateTime TileFetcher::expiryFor(const QList<QPair<QByteArray, QByteArray>> &headers,
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

QUrl TileFetcher::tileUrl(const TileKey &key) const
{
    QString url = m_urlTemplate;
    url.replace(QLatin1String("{z}"), QString::number(key.z));
    url.replace(QLatin1String("{x}"), QString::number(key.x));
    url.replace(QLatin1String("{y}"), QString::number(key.y));
    if (!m_subdomains.isEmpty())
        url.replace(QLatin1String("{s}"), m_subdomains.at((key.x + key.y) % m_subdomains.size()));
    return QUrl(url);
}

void TileFetcher::setCacheDirectory(const QString &directory)
{
    if (directory.isEmpty()) {
        m_network->setCache(nullptr); // the manager deletes the old cache
        m_cache = nullptr;
        return;
    }
    // The cache makes its folder when it keeps the first tile, not before.
    auto *cache = new QNetworkDiskCache(m_network);
    cache->setCacheDirectory(directory);
    cache->setMaximumCacheSize(kDiskCacheBytes);
    m_network->setCache(cache);
    m_cache = cache;
}

QString TileFetcher::cacheDirectory() const
{
    return m_cache ? m_cache->cacheDirectory() : QString();
}

void TileFetcher::setMaximumConcurrentRequests(int count)
{
    m_maximumConcurrent = std::clamp(count, 1, 4);
}

void TileFetcher::setClock(std::function<QDateTime()> clock)
{
    m_clock = std::move(clock);
}

std::optional<TileFetcher::CachedTile> TileFetcher::cachedTile(const TileKey &key) const
{
    if (!m_cache)
        return std::nullopt;
    const QUrl url = tileUrl(key);
    const QNetworkCacheMetaData meta = m_cache->metaData(url);
    if (!meta.isValid() || !meta.expirationDate().isValid() || meta.expirationDate() <= m_clock())
        return std::nullopt; // stale: the network revalidates it with its ETag
    std::unique_ptr<QIODevice> device(m_cache->data(url));
    if (!device)
        return std::nullopt;
    CachedTile tile{device->readAll(), meta.expirationDate()};
    if (tileMimeType(tile.bytes).isEmpty())
        return std::nullopt;
    return tile;
}

TileFetcher::Fetch TileFetcher::fetch(const TileKey &key, const void *requester)
{
    if (m_inFlight.contains(key))
        return Fetch::Queued;
    if (const auto queued = m_queued.find(key); queued != m_queued.end()) {
        queued->insert(requester);
        return Fetch::Queued;
    }
    if (const auto failed = m_failedAt.constFind(key); failed != m_failedAt.cend()) {
        if (failed->secsTo(m_clock()) < kRetryAfterSeconds)
            return Fetch::RecentlyFailed;
        m_failedAt.erase(failed);
    }
    if (m_queued.size() >= m_maximumQueued)
        return Fetch::QueueFull;
    m_queue.push_back(key);
    m_queued.insert(key, {requester});
    startRequests();
    return Fetch::Queued;
}

void TileFetcher::cancelQueued(const void *requester)
{
    for (auto it = m_queued.begin(); it != m_queued.end();) {
        it->remove(requester);
        it = it->isEmpty() ? m_queued.erase(it) : std::next(it);
    }
    std::erase_if(m_queue, [this](const TileKey &key) { return !m_queued.contains(key); });
}

void TileFetcher::startRequests()
{
    while (m_inFlight.size() < m_maximumConcurrent && !m_queue.empty()) {
        const TileKey key = m_queue.front();
        m_queue.pop_front();
        m_queued.remove(key);
        const QUrl url = tileUrl(key);
        markStaleForTheNetwork(url);
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::UserAgentHeader, userAgent());
        request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                             QNetworkRequest::PreferNetwork);
        request.setTransferTimeout(kTransferTimeoutMs);
        QNetworkReply *reply = m_network->get(request);
        m_inFlight.insert(key, reply);
        connect(reply, &QNetworkReply::finished, this,
                [this, reply, key] { handleReply(reply, key); });
    }
}

void TileFetcher::markStaleForTheNetwork(const QUrl &url)
{
    // The network stack judges freshness by the wall clock, not ours: a tile our clock calls
    // stale is backdated so that it is revalidated (with its ETag) instead of served as is.
    if (!m_cache)
        return;
    QNetworkCacheMetaData meta = m_cache->metaData(url);
    const QDateTime wallClock = QDateTime::currentDateTimeUtc();
    if (meta.isValid() && meta.expirationDate() <= m_clock() && meta.expirationDate() > wallClock) {
        meta.setExpirationDate(wallClock.addSecs(-1));
        m_cache->updateMetaData(meta);
    }
}

void TileFetcher::handleReply(QNetworkReply *reply, TileKey key)
{
    reply->deleteLater();
    m_inFlight.remove(key);
    const QDateTime now = m_clock();
    QByteArray bytes;
    if (reply->error() == QNetworkReply::NoError)
        bytes = reply->readAll();
    if (tileMimeType(bytes).isEmpty()) {
        qCDebug(lcTileFetcher) << "tile" << reply->url().toString()
                               << "failed:" << reply->errorString();
        if (m_failedAt.size() >= kMaximumRememberedFailures)
            m_failedAt.clear();
        m_failedAt.insert(key, now);
        Q_EMIT tileFailed(key.z, key.x, key.y);
    } else {
        // Also after a revalidation (304): the tile is fresh again from now.
        const QDateTime expires = expiryFor(reply->rawHeaderPairs(), now);
        if (m_cache) {
            QNetworkCacheMetaData meta = m_cache->metaData(reply->url());
            if (meta.isValid()) {
                meta.setExpirationDate(expires);
                m_cache->updateMetaData(meta);
            }
        }
        Q_EMIT tileFetched(key.z, key.x, key.y, bytes, expires);
    }
    startRequests();
}

} // namespace depot
