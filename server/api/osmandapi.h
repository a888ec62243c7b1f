#pragma once

#include "dispatch/locationingest.h"
#include "transport/httpmessage.h"

#include <memory>

namespace depot {

class DispatchService;
class GuessLimiter;
class HttpExchange;

/// Positions from GPS apps speaking the OsmAnd protocol (Traccar Client): the device id picks
/// the courier, and the fix takes the same ingest path as a courier's own location:update.
class OsmAndApi
{
public:
    OsmAndApi(DispatchService &dispatch, LocationIngest &locations);

    /// Counts unknown device ids per address and refuses an address past its limit.
    void setDeviceLimiter(GuessLimiter *limiter) { m_deviceLimiter = limiter; }

    /// Answers 200 with an empty body once the fix is stored, 400 for a bad coordinate or a
    /// device id no active courier has (one answer, whatever the id), 429 past the limit.
    void handle(const HttpRequest &request, const std::shared_ptr<HttpExchange> &exchange);

    /// The fields of one report, from the query, a form body or the JSON body of newer apps.
    struct Report
    {
        QString deviceId;
        Location fix;
    };
    static Result<Report> parse(const HttpRequest &request, const QDateTime &now);

private:
    DispatchService &m_dispatch;
    LocationIngest &m_locations;
    GuessLimiter *m_deviceLimiter = nullptr;
};

} // namespace depot
