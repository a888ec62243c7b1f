#include "reportsapi.h"

#include "core/clock.h"
#include "csvwriter.h"
#include "dispatch/dayrecords.h"
#include "errorbody.h"
#include "gpxwriter.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>

#include <cmath>

namespace depot::reports {

namespace {

std::optional<QDate> parseDate(const QString &text)
{
    static const QRegularExpression form(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
    if (!form.match(text).hasMatch())
        return std::nullopt;
    const QDate date = QDate::fromString(text, Qt::ISODate);
    return date.isValid() ? std::optional(date) : std::nullopt;
}

/// A date's start (or, for the end of a range, the next day's), or a time as it is given.
std::optional<QDateTime> parseBound(const QString &text, bool end, bool timestampsToo)
{
    if (const auto date = parseDate(text))
        return (end ? date->addDays(1) : *date).startOfDay();
    if (!timestampsToo || text.size() < 11 || text[10] != QLatin1Char('T'))
        return std::nullopt;
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid())
        return std::nullopt;
    return time.toUTC();
}

/// A query parameter with every escape decoded: %2B is the + of a time zone offset.
QString queryValue(const HttpRequest &request, const char *key)
{
    return request.query.queryItemValue(QLatin1String(key), QUrl::FullyDecoded);
}

HttpResponse invalid(const QString &message)
{
    return errorResponse(makeError(ErrorCode::ValidationFailed, message));
}

QString timeCell(const QDateTime &t)
{
    return t.isValid() ? isoTimestamp(t) : QString();
}

/// The range's first and last day as a file name's part.
QString rangeName(const TimeRange &range)
{
    const QString first = range.from.toLocalTime().date().toString(Qt::ISODate);
    const QString last = range.to.addMSecs(-1).toLocalTime().date().toString(Qt::ISODate);
    return first == last ? first : first + QLatin1Char('_') + last;
}

HttpResponse attachment(QByteArray body, QByteArray contentType, const QString &fileName)
{
    HttpResponse response;
    response.status = 200;
    response.contentType = std::move(contentType);
    response.body = std::move(body);
    // The name holds digits, dashes, underscores and a UUID only: nothing to escape.
    response.withHeader("Content-Disposition",
                        "attachment; filename=\"" + fileName.toLatin1() + '"');
    response.withHeader("Cache-Control", "no-store");
    return response;
}

} // namespace

Result<TimeRange> parseRange(const QString &from, const QString &to, bool timestampsToo)
{
    const QString form = timestampsToo ? QStringLiteral("a date YYYY-MM-DD or an ISO 8601 time")
                                       : QStringLiteral("a date YYYY-MM-DD");
    if (from.isEmpty() || to.isEmpty())
        return makeError(ErrorCode::ValidationFailed,
                         QStringLiteral("from and to are required, each %1").arg(form));
    const auto start = parseBound(from, false, timestampsToo);
    if (!start)
        return makeError(ErrorCode::ValidationFailed, QStringLiteral("from must be %1").arg(form));
    const auto end = parseBound(to, true, timestampsToo);
    if (!end)
        return makeError(ErrorCode::ValidationFailed, QStringLiteral("to must be %1").arg(form));
    if (*end <= *start)
        return makeError(ErrorCode::ValidationFailed, QStringLiteral("to must not be before from"));
    // A day may be 25 hours long where clocks change: the limit counts calendar days.
    if (start->toLocalTime().date().daysTo(end->addMSecs(-1).toLocalTime().date()) >= kMaxRangeDays)
        return makeError(ErrorCode::ValidationFailed,
                         QStringLiteral("a range covers at most %1 days").arg(kMaxRangeDays));
    return TimeRange{*start, *end};
}

QByteArray deliveriesCsvFile(const DayRecords &records, const TimeRange &range)
{
    CsvWriter csv;
    csv.addRow({QStringLiteral("packageId"), QStringLiteral("trackingCode"),
                QStringLiteral("recipientName"), QStringLiteral("address"),
                QStringLiteral("outcome"), QStringLiteral("createdAt"),
                QStringLiteral("assignedAt"), QStringLiteral("startedAt"),
                QStringLiteral("deliveredAt"), QStringLiteral("failedAt"),
                QStringLiteral("cancelledAt"), QStringLiteral("courierId"),
                QStringLiteral("courierName"), QStringLiteral("reason"), QStringLiteral("proof")});
    for (const PackageRecord &r : records.packages(range.from, range.to)) {
        const Package &p = r.package;
        csv.addRow({p.id, p.trackingCode, p.recipientName, p.address, statusName(p.status),
                    timeCell(p.createdAt), timeCell(r.assignedAt), timeCell(r.startedAt),
                    timeCell(r.deliveredAt), timeCell(r.failedAt), timeCell(r.cancelledAt),
                    p.deliveryPersonId, r.courierName, p.reason,
                    r.proofPresent ? QStringLiteral("yes") : QStringLiteral("no")});
    }
    return csv.bytes();
}

QString deliveriesCsvFileName(const TimeRange &range)
{
    return QStringLiteral("deliveries-%1.csv").arg(rangeName(range));
}

HttpResponse deliveriesCsv(const DayRecords &records, const HttpRequest &request)
{
    const auto range = parseRange(queryValue(request, "from"), queryValue(request, "to"), false);
    if (!range)
        return errorResponse(range.error());
    return attachment(deliveriesCsvFile(records, *range), "text/csv; charset=utf-8",
                      deliveriesCsvFileName(*range));
}

HttpResponse courierTrack(const DayRecords &records, const QString &courierId,
                          const QString &courierName, const HttpRequest &request)
{
    const auto range = parseRange(queryValue(request, "from"), queryValue(request, "to"), true);
    if (!range)
        return errorResponse(range.error());
    const auto track = records.track(courierId, range->from, range->to);
    if (!track)
        return errorResponse(track.error());
    const QString name = QStringLiteral("%1, %2 to %3")
                             .arg(courierName, isoTimestamp(range->from), isoTimestamp(range->to));
    return attachment(gpxTrack(name, *track, records.options().maxGapMs), "application/gpx+xml",
                      QStringLiteral("track-%1-%2.gpx").arg(courierId, rangeName(*range)));
}

HttpResponse courierDays(const DayRecords &records, const HttpRequest &request)
{
    const QString date = queryValue(request, "date");
    const auto range = parseRange(date, date, false);
    if (!range)
        return invalid(QStringLiteral("date must be a date YYYY-MM-DD"));
    QJsonArray couriers;
    for (const CourierDay &day : records.couriers(range->from, range->to)) {
        couriers.append(
            QJsonObject{{QStringLiteral("deliveryPersonId"), day.courierId},
                        {QStringLiteral("name"), day.courierName},
                        {QStringLiteral("deliveries"), day.deliveries},
                        {QStringLiteral("failures"), day.failures},
                        {QStringLiteral("distanceMetres"), std::round(day.distanceMetres)},
                        {QStringLiteral("onRoadSeconds"), qint64(day.onRoadMs / 1000)},
                        {QStringLiteral("fixes"), day.fixes}});
    }
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("date"), date},
                                               {QStringLiteral("from"), isoTimestamp(range->from)},
                                               {QStringLiteral("to"), isoTimestamp(range->to)},
                                               {QStringLiteral("couriers"), couriers}});
}

} // namespace depot::reports
