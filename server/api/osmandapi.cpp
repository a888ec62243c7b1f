#include "osmandapi.h"

#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "guesslimiter.h"
#include "transport/httpendpoint.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace depot {

namespace {

constexpr double kMetresPerSecondPerKnot = 0.514444;

HttpResponse badRequest(const QString &message)
{
    return HttpResponse::error(400, QStringLiteral("validation_failed"), message);
}

std::optional<double> number(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double v = text.toDouble(&ok);
    return ok && std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

/// Epoch seconds, epoch milliseconds or ISO 8601, as the apps send them.
QDateTime timestampFrom(const QString &text)
{
    if (text.isEmpty())
        return {};
    bool ok = false;
    const double n = text.toDouble(&ok);
    if (ok && std::isfinite(n) && n > 0) {
        // Seconds below 1e11, else milliseconds; past year 9999 no time at all (the hub's then).
        const double ms = n < 1e11 ? n * 1000 : n;
        return ms <= kLastEpochMs ? QDateTime::fromMSecsSinceEpoch(qint64(ms), Qt::UTC)
                                  : QDateTime();
    }
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

std::optional<double> jsonNumber(const QJsonObject &o, const QString &key)
{
    const QJsonValue v = o.value(key);
    return v.isDouble() && std::isfinite(v.toDouble()) ? std::optional<double>(v.toDouble())
                                                       : std::nullopt;
}

} // namespace

OsmAndApi::OsmAndApi(DispatchService &dispatch, LocationIngest &locations)
    : m_dispatch(dispatch)
    , m_locations(locations)
{}

Result<OsmAndApi::Report> OsmAndApi::parse(const HttpRequest &request, const QDateTime &now)
{
    Report report;
    Location &fix = report.fix;
    const QByteArray type = request.header("content-type").toLower();
    const bool json = type.contains("json") || request.body.trimmed().startsWith('{');
    if (json && request.method == "POST") {
        // Newer apps: {"device_id", "location": {"timestamp", "coords": {...}}}.
        const QJsonObject root = QJsonDocument::fromJson(request.body).object();
        const QJsonObject location = root.value(QStringLiteral("location")).toObject();
        const QJsonObject coords = location.value(QStringLiteral("coords")).toObject();
        report.deviceId = root.value(QStringLiteral("device_id")).toVariant().toString();
        const auto lat = jsonNumber(coords, QStringLiteral("latitude"));
        const auto lon = jsonNumber(coords, QStringLiteral("longitude"));
        if (!lat || !lon)
            return makeError(ErrorCode::ValidationFailed,
                             QStringLiteral("location.coords needs latitude and longitude"));
        fix.latitude = *lat;
        fix.longitude = *lon;
        fix.accuracy = jsonNumber(coords, QStringLiteral("accuracy"));
        fix.speed = jsonNumber(coords, QStringLiteral("speed")); // already m/s here
        fix.heading = jsonNumber(coords, QStringLiteral("heading"));
        fix.timestamp =
            timestampFrom(location.value(QStringLiteral("timestamp")).toVariant().toString());
    } else {
        // Query parameters, or a form body when the query is empty.
        QUrlQuery params = request.query;
        if (params.isEmpty() && !request.body.isEmpty())
            params = QUrlQuery(
                QString::fromUtf8(request.body).replace(QLatin1Char('+'), QLatin1Char(' ')));
        auto value = [&params](const char *key) {
            return params.queryItemValue(QLatin1String(key), QUrl::FullyDecoded).trimmed();
        };
        report.deviceId = value("id");
        if (report.deviceId.isEmpty())
            report.deviceId = value("deviceid");
        std::optional<double> lat = number(value("lat"));
        std::optional<double> lon = number(value("lon"));
        if ((!lat || !lon) && !value("location").isEmpty()) {
            const QStringList parts = value("location").split(QLatin1Char(','));
            if (parts.size() == 2) {
                lat = number(parts[0]);
                lon = number(parts[1]);
            }
        }
        if (!lat || !lon)
            return makeError(ErrorCode::ValidationFailed,
                             QStringLiteral("lat and lon are required"));
        fix.latitude = *lat;
        fix.longitude = *lon;
        if (const auto knots = number(value("speed")))
            fix.speed = *knots * kMetresPerSecondPerKnot;
        fix.heading = number(value("bearing"));
        if (!fix.heading)
            fix.heading = number(value("heading"));
        fix.accuracy = number(value("accuracy"));
        fix.timestamp = timestampFrom(value("timestamp"));
    }
    if (report.deviceId.isEmpty())
        return makeError(ErrorCode::ValidationFailed, QStringLiteral("the device id is required"));
    if (fix.latitude < -90 || fix.latitude > 90 || fix.longitude < -180 || fix.longitude > 180)
        return makeError(
            ErrorCode::ValidationFailed,
            QStringLiteral("latitude must be in [-90, 90] and longitude in [-180, 180]"));
    // Out-of-range extras are dropped rather than refusing the position.
    if (fix.speed && *fix.speed < 0)
        fix.speed.reset();
    if (fix.heading && (*fix.heading < 0 || *fix.heading > 360))
        fix.heading.reset();
    if (fix.accuracy && *fix.accuracy < 0)
        fix.accuracy.reset();
    if (!fix.timestamp.isValid() || fix.timestamp > now)
        fix.timestamp = now;
    return report;
}

void OsmAndApi::handle(const HttpRequest &request, const std::shared_ptr<HttpExchange> &exchange)
{
    if (request.method != "GET" && request.method != "POST") {
        exchange->respond(HttpResponse::error(405, QStringLiteral("method_not_allowed"),
                                              QStringLiteral("use GET or POST"))
                              .withHeader("Allow", "GET, POST"));
        return;
    }
    // An address past its limit learns nothing more, known ids included.
    if (m_deviceLimiter) {
        if (const auto seconds = m_deviceLimiter->retryAfterSeconds(request.remoteAddress)) {
            exchange->respond(GuessLimiter::refusal(*seconds));
            return;
        }
    }
    // The fields are checked before the id is looked up, so what a malformed report hears
    // never depends on the id.
    const auto report = parse(request, m_dispatch.clock().now());
    if (!report) {
        exchange->respond(badRequest(report.error().message));
        return;
    }
    const Courier *courier = m_dispatch.findCourierByDevice(report->deviceId);
    if (!courier) {
        // One answer for every id no active courier has: it neither echoes the id nor tells
        // an unknown device from a deactivated one.
        if (m_deviceLimiter)
            m_deviceLimiter->recordMiss(request.remoteAddress);
        exchange->respond(badRequest(QStringLiteral("unknown device")));
        return;
    }
    // The device id stands in for the courier's login.
    Principal device;
    device.role = Role::Courier;
    device.userId = courier->id;
    m_locations.submit(device, courier->id, report->fix,
                       [exchange](const Result<LocationIngest::Outcome> &result) {
                           exchange->respond(
                               result ? HttpResponse::empty(200)
                                      : HttpResponse::error(500, QStringLiteral("internal_error"),
                                                            result.error().message));
                       });
}

} // namespace depot
