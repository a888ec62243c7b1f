#include "tileendpoint.h"

#include "mbtilesreader.h"
#include "tilefetcher.h"
#include "tileformat.h"
#include "tilepath.h"

namespace depot {

namespace {

// Browsers may keep tiles of a fixed file a day; downloaded ones as long as the cache does.
constexpr qint64 kMbTilesMaxAgeSeconds = 24 * 3600;
constexpr int kRetryAfterSeconds = 5;

HttpResponse notAvailable(const TileKey &key)
{
    return HttpResponse::error(
        404, QStringLiteral("not_found"),
        QStringLiteral("tile %1/%2/%3 is not available").arg(key.z).arg(key.x).arg(key.y));
}

HttpResponse busy()
{
    return HttpResponse::error(
               503, QStringLiteral("busy"),
               QStringLiteral("too many tiles are being fetched; try again shortly"))
        .withHeader("Retry-After", QByteArray::number(kRetryAfterSeconds));
}

} // namespace

TileEndpoint::TileEndpoint(MbTilesReader *mbtiles, TileFetcher *fetcher, QObject *parent)
    : QObject(parent)
    , m_mbtiles(mbtiles)
    , m_fetcher(fetcher)
{
    if (!m_fetcher)
        return;
    connect(m_fetcher, &TileFetcher::tileFetched, this,
            [this](int z, int x, int y, const QByteArray &bytes, const QDateTime &expires) {
                const TileKey key{z, x, y};
                if (m_waiting.contains(key))
                    answerWaiting(key, tileResponse(bytes, m_fetcher->now().secsTo(expires)));
            });
    connect(m_fetcher, &TileFetcher::tileFailed, this, [this](int z, int x, int y) {
        const TileKey key{z, x, y};
        if (m_waiting.contains(key))
            answerWaiting(key, notAvailable(key));
    });
}

TileEndpoint::~TileEndpoint()
{
    if (m_fetcher)
        m_fetcher->cancelQueued(this);
}

void TileEndpoint::handleHttp(const HttpRequest &request, std::shared_ptr<HttpExchange> exchange)
{
    if (request.method != "GET") {
        exchange->respond(HttpResponse::error(405, QStringLiteral("method_not_allowed"),
                                              QStringLiteral("tiles are read with GET"))
                              .withHeader("Allow", "GET"));
        return;
    }
    const TileKey key = tileKeyFromPath(request.path).value_or(TileKey{-1, 0, 0});
    if (!key.isOnGrid()) {
        exchange->respond(HttpResponse::error(
            400, QStringLiteral("bad_request"),
            QStringLiteral("expected /tiles/{z}/{x}/{y}.png with z from 0 to %1 and x, y from 0 "
                           "to 2^z - 1")
                .arg(TileKey::kMaximumZoom)));
        return;
    }

    if (m_mbtiles) {
        const QByteArray bytes = m_mbtiles->tileData(key);
        exchange->respond(bytes.isEmpty() ? notAvailable(key)
                                          : tileResponse(bytes, kMbTilesMaxAgeSeconds));
        return;
    }
    if (!m_fetcher) {
        exchange->respond(notAvailable(key));
        return;
    }
    if (const auto cached = m_fetcher->cachedTile(key)) {
        exchange->respond(tileResponse(cached->bytes, m_fetcher->now().secsTo(cached->expires)));
        return;
    }
    if (m_waitingCount >= m_maximumWaiting) {
        exchange->respond(busy());
        return;
    }
    switch (m_fetcher->fetch(key, this)) {
    case TileFetcher::Fetch::Queued:
        m_waiting[key].push_back(std::move(exchange));
        ++m_waitingCount;
        break;
    case TileFetcher::Fetch::RecentlyFailed:
        exchange->respond(notAvailable(key));
        break;
    case TileFetcher::Fetch::QueueFull:
        exchange->respond(busy());
        break;
    }
}

void TileEndpoint::answerWaiting(const TileKey &key, const HttpResponse &response)
{
    const auto exchanges = m_waiting.take(key);
    m_waitingCount -= int(exchanges.size());
    for (const auto &exchange : exchanges)
        exchange->respond(response);
}

HttpResponse TileEndpoint::tileResponse(const QByteArray &bytes, qint64 maxAgeSeconds) const
{
    HttpResponse response;
    response.status = 200;
    const QByteArray type = tileMimeType(bytes);
    response.contentType = type.isEmpty() ? QByteArrayLiteral("application/octet-stream") : type;
    response.body = bytes;
    response.withHeader("Cache-Control", "public, max-age=" + QByteArray::number(std::max<qint64>(
                                                                  0, maxAgeSeconds)));
    if (!m_corsOrigin.isEmpty())
        response.withHeader("Access-Control-Allow-Origin", m_corsOrigin);
    return response;
}

} // namespace depot
