#pragma once

#include "core/result.h"
#include "transport/httpmessage.h"

#include <QDateTime>

namespace depot {

class DayRecords;

/// The day's records over REST (the caller's role is checked by RestApi): the deliveries as
/// CSV, a courier's track as GPX, each courier's day as JSON. Days are the hub's local days.
namespace reports {

/// The longest range one request may cover.
constexpr int kMaxRangeDays = 366;

/// A span of time a request asks for.
struct TimeRange
{
    QDateTime from; // inclusive
    QDateTime to;   // exclusive
};

/// `from` and `to` as dates YYYY-MM-DD, both days included: from the start of `from` to the
/// end of `to` in the hub's time zone. With `timestampsToo`, either may also be an ISO 8601
/// time (2026-12-03T08:30:00Z), taken as it is.
Result<TimeRange> parseRange(const QString &from, const QString &to, bool timestampsToo);

/// The deliveries of a range as the CSV file (byte order mark included) REST and the console
/// give.
QByteArray deliveriesCsvFile(const DayRecords &records, const TimeRange &range);
/// Its file name: deliveries-DAY.csv, or deliveries-FIRST_LAST.csv for several days.
QString deliveriesCsvFileName(const TimeRange &range);

/// GET /api/reports/deliveries.csv?from&to
HttpResponse deliveriesCsv(const DayRecords &records, const HttpRequest &request);
/// GET /api/couriers/{id}/track.gpx?from&to
HttpResponse courierTrack(const DayRecords &records, const QString &courierId,
                          const QString &courierName, const HttpRequest &request);
/// GET /api/reports/couriers?date
HttpResponse courierDays(const DayRecords &records, const HttpRequest &request);

} // namespace reports

} // namespace depot
