#pragma once

#include "tilekey.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QUrl>

#include <deque>
#include <functional>
#include <optional>

class QNetworkAccessManager;
class QNetworkDiskCache;
class QNetworkReply;

namespace depot {

/// Downloads tiles from an XYZ URL template ({z} {x} {y}, optional {s}), politely as tile servers
/// ask (OpenStreetMap's tile policy): an identifying User-Agent, a disk cache kept at least a
/// week, a few requests at a time, only tiles somebody is looking at. The hub's /tiles endpoint
/// and the console's map share one fetcher, so they share its cache and its limits.
class TileFetcher : public QObject
{
    Q_OBJECT

public:
    /// What fetch() did with a request.
    enum class Fetch {
        Queued,         // tileFetched() or tileFailed() follows
        RecentlyFailed, // asked again too soon after a failure: nothing follows
        QueueFull,      // too many tiles wait already: nothing follows
    };

    /// A tile from the disk cache and when it goes stale.
    struct CachedTile
    {
        QByteArray bytes;
        QDateTime expires;
    };

    explicit TileFetcher(const QString &urlTemplate, QObject *parent = nullptr);
    ~TileFetcher() override;

    static QByteArray userAgent();
    /// When a tile fetched at `now` goes stale: the HTTP expiry, but never sooner than a week.
    static QDateTime expiryFor(const QList<QPair<QByteArray, QByteArray>> &headers,
                               const QDateTime &now);

    QString urlTemplate() const { return m_urlTemplate; }
    QUrl tileUrl(const TileKey &key) const;

    /// Keeps tiles under `directory`; an empty path turns the disk cache off.
    void setCacheDirectory(const QString &directory);
    QString cacheDirectory() const;
    /// At most 4: tile servers count concurrent connections per client.
    void setMaximumConcurrentRequests(int count);
    /// How many tiles may wait for a free connection; more are refused.
    void setMaximumQueuedRequests(int count) { m_maximumQueued = std::max(1, count); }
    /// Replaces the wall clock, for tests of expiry.
    void setClock(std::function<QDateTime()> clock);
    QDateTime now() const { return m_clock(); }

    /// The tile from the disk cache while it is fresh.
    std::optional<CachedTile> cachedTile(const TileKey &key) const;
    /// Downloads a tile for `requester` (any pointer naming who asked), unless it is on its way.
    Fetch fetch(const TileKey &key, const void *requester);
    /// Forgets the tiles only `requester` waits for and that have not started downloading.
    void cancelQueued(const void *requester);

    /// Whether the tile is queued or downloading.
    bool isFetching(const TileKey &key) const
    {
        return m_queued.contains(key) || m_inFlight.contains(key);
    }
    int pendingCount() const { return int(m_queued.size()); }
    int inFlightCount() const { return int(m_inFlight.size()); }

Q_SIGNALS:
    void tileFetched(int z, int x, int y, const QByteArray &bytes, const QDateTime &expires);
    void tileFailed(int z, int x, int y);

private:
    void startRequests();
    void markStaleForTheNetwork(const QUrl &url);
    void handleReply(QNetworkReply *reply, TileKey key);

    QString m_urlTemplate;
    QStringList m_subdomains;
    QNetworkAccessManager *m_network = nullptr;
    QNetworkDiskCache *m_cache = nullptr;
    std::function<QDateTime()> m_clock;
    std::deque<TileKey> m_queue;
    QHash<TileKey, QSet<const void *>> m_queued; // who waits for each queued tile
    QHash<TileKey, QNetworkReply *> m_inFlight;
    QHash<TileKey, QDateTime> m_failedAt;
    int m_maximumConcurrent = 2;
    int m_maximumQueued = 256;
};

} // namespace depot
