#pragma once

#include "tiles/tilekey.h"

#include <QDateTime>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <deque>
#include <functional>
#include <memory>

namespace depot {

class MbTilesReader;
class TileFetcher;

/// Where map tiles come from: requestTile() is answered later by tileReady() or tileFailed().
class TileSource : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Tile sources are made in C++ from the command line")
    Q_PROPERTY(QString attribution READ attribution NOTIFY attributionChanged)
    Q_PROPERTY(int minimumZoom READ minimumZoom NOTIFY zoomRangeChanged)
    Q_PROPERTY(int maximumZoom READ maximumZoom NOTIFY zoomRangeChanged)

public:
    explicit TileSource(QObject *parent = nullptr);

    QString attribution() const { return m_attribution; }
    void setAttribution(const QString &attribution);
    int minimumZoom() const { return m_minimumZoom; }
    int maximumZoom() const { return m_maximumZoom; }
    void setZoomRange(int minimumZoom, int maximumZoom);

    /// Asks for one tile; the answer always comes from the event loop, never from inside.
    virtual void requestTile(int z, int x, int y) = 0;
    /// Forgets requests not started yet: the viewport moved and wants other tiles.
    virtual void cancelPending() {}

Q_SIGNALS:
    void tileReady(int z, int x, int y, const QImage &image);
    void tileFailed(int z, int x, int y);
    void attributionChanged();
    void zoomRangeChanged();

private:
    QString m_attribution;
    int m_minimumZoom = 0;
    int m_maximumZoom = 19;
};

/// Tiles from an XYZ URL template ({z} {x} {y}, optional {s}) through a TileFetcher, which
/// keeps to the tile servers' rules (User-Agent, disk cache, few requests); this only decodes.
class XyzTileSource : public TileSource
{
    Q_OBJECT

public:
    /// With a fetcher of its own.
    explicit XyzTileSource(const QString &urlTemplate = defaultUrlTemplate(),
                           QObject *parent = nullptr);
    /// With the hub's fetcher, so the console and the hub's /tiles share one cache and its limits.
    explicit XyzTileSource(TileFetcher &fetcher, QObject *parent = nullptr);
    ~XyzTileSource() override;

    static QString defaultUrlTemplate();
    static QByteArray userAgent();
    /// The attribution a template needs when nobody gave one: OpenStreetMap's for its tiles.
    static QString defaultAttribution(const QString &urlTemplate);
    /// When a tile fetched at `now` goes stale: the HTTP expiry, but never sooner than a week.
    static QDateTime expiryFor(const QList<QPair<QByteArray, QByteArray>> &headers,
                               const QDateTime &now);

    QString urlTemplate() const;
    QUrl tileUrl(int z, int x, int y) const;

    /// Keeps tiles under `directory`; an empty path turns the disk cache off.
    void setCacheDirectory(const QString &directory);
    QString cacheDirectory() const;
    /// At most 4: tile servers count concurrent connections per client.
    void setMaximumConcurrentRequests(int count);
    /// Replaces the wall clock, for tests of expiry.
    void setClock(std::function<QDateTime()> clock);

    void requestTile(int z, int x, int y) override;
    void cancelPending() override;

    int pendingCount() const;
    int inFlightCount() const;

private:
    void connectFetcher();
    void answer(const TileKey &key, const QByteArray &bytes);

    std::unique_ptr<TileFetcher> m_ownFetcher;
    TileFetcher *m_fetcher = nullptr;
    QSet<TileKey> m_wanted; // asked of the fetcher and not answered yet
};

/// Tiles from an MBTiles file (SQLite), read-only: for depots without a network, and tests.
class MbTilesSource : public TileSource
{
    Q_OBJECT

public:
    explicit MbTilesSource(const QString &path, QObject *parent = nullptr);
    ~MbTilesSource() override;

    bool isValid() const;
    QString errorString() const;
    /// The metadata table's values (name, format, attribution, minzoom, maxzoom, bounds, ...).
    QHash<QString, QString> metadata() const;

    /// Reads one tile now; a null image when the file has none there.
    QImage tile(int z, int x, int y) const;

    void requestTile(int z, int x, int y) override;
    void cancelPending() override;

private:
    void answerQueued();

    std::unique_ptr<MbTilesReader> m_reader;
    std::deque<TileKey> m_queue;
    QSet<TileKey> m_queued;
    bool m_answerScheduled = false;
};

} // namespace depot
