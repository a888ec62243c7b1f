#pragma once

#include "tilekey.h"
#include "transport/httpendpoint.h"

#include <QHash>

#include <memory>
#include <vector>

namespace depot {

class MbTilesReader;
class TileFetcher;

/// GET /tiles/{z}/{x}/{y}.png, public: map tiles for the courier and tracking pages, from the
/// MBTiles file or else through the hub's tile cache, so the pages work without internet at the
/// depot. A tile that is not available is 404; a tile off the grid is 400.
class TileEndpoint final : public QObject, public HttpEndpoint
{
    Q_OBJECT

public:
    /// Either source may be null; with neither, every tile is 404.
    TileEndpoint(MbTilesReader *mbtiles, TileFetcher *fetcher, QObject *parent = nullptr);
    ~TileEndpoint() override;

    /// Requests that may wait for a download at once; more are answered 503.
    void setMaximumWaitingRequests(int count) { m_maximumWaiting = count; }
    int waitingCount() const { return m_waitingCount; }
    void setCorsOrigin(const QByteArray &origin) { m_corsOrigin = origin; }

    void handleHttp(const HttpRequest &request, std::shared_ptr<HttpExchange> exchange) override;

private:
    void answerWaiting(const TileKey &key, const HttpResponse &response);
    HttpResponse tileResponse(const QByteArray &bytes, qint64 maxAgeSeconds) const;

    MbTilesReader *m_mbtiles = nullptr;
    TileFetcher *m_fetcher = nullptr;
    QHash<TileKey, std::vector<std::shared_ptr<HttpExchange>>> m_waiting;
    QByteArray m_corsOrigin = "*";
    int m_waitingCount = 0;
    int m_maximumWaiting = 512;
};

} // namespace depot
