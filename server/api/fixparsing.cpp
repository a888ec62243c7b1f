#include "fixparsing.h"

#include "core/clock.h"
#include "jsonfields.h"
#include "protocol/jsonscalars.h"

#include <QJsonObject>

namespace depot {

namespace {

// A fix's numeric fields and their ranges, for the general and the plain parser alike.
struct NumberField
{
    QLatin1StringView name;
    double min;
    double max;
};
constexpr NumberField kLatitude{QLatin1StringView("latitude"), -90, 90};
constexpr NumberField kLongitude{QLatin1StringView("longitude"), -180, 180};
constexpr NumberField kAccuracy{QLatin1StringView("accuracy"), 0, 1e7};
constexpr NumberField kSpeed{QLatin1StringView("speed"), 0, 1e4};
constexpr NumberField kHeading{QLatin1StringView("heading"), 0, 360};

// Epoch seconds or milliseconds, as GPS apps send them: below 1e11 it can only be seconds.
// Past year 9999 (where ISO 8601 ends) it is no time at all, and no qint64 either.
std::optional<qint64> epochMs(double n)
{
    const double ms = n < 1e11 ? n * 1000 : n;
    return ms <= kLastEpochMs ? std::optional<qint64>(qint64(ms)) : std::nullopt;
}

// A clock running ahead on the phone must not make later fixes look old.
QDateTime notAfter(const QDateTime &t, const QDateTime &now)
{
    return !t.isValid() || t > now ? now : t;
}

QDateTime parseTimestamp(const QJsonValue &v, bool *ok)
{
    *ok = true;
    if (v.isUndefined() || v.isNull())
        return {};
    if (v.isDouble()) {
        const double n = v.toDouble();
        if (const auto ms = n > 0 ? epochMs(n) : std::nullopt)
            return QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC);
    } else if (v.isString()) {
        const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
        if (t.isValid())
            return t.toUTC();
    }
    *ok = false;
    return {};
}

} // namespace

Result<Location> parseFix(const QJsonObject &body, const QDateTime &now)
{
    json::FieldReader f(body);
    auto required = [&f](const NumberField &n) {
        return f.requiredNumber(QString(n.name), n.min, n.max);
    };
    auto optional = [&f](const NumberField &n) {
        return f.optionalNumber(QString(n.name), n.min, n.max);
    };
    Location fix;
    fix.latitude = required(kLatitude);
    fix.longitude = required(kLongitude);
    fix.accuracy = optional(kAccuracy);
    fix.speed = optional(kSpeed);
    fix.heading = optional(kHeading);
    if (!f.ok())
        return f.error();
    bool ok = true;
    fix.timestamp = parseTimestamp(body.value(QStringLiteral("timestamp")), &ok);
    if (!ok)
        return makeError(ErrorCode::ValidationFailed,
                         QStringLiteral("timestamp must be ISO 8601 or epoch milliseconds"));
    fix.timestamp = notAfter(fix.timestamp, now);
    return fix;
}

std::optional<Location> parsePlainFix(const json::ScalarObject &body, const QDateTime &now)
{
    using Kind = json::Scalar::Kind;
    auto number = [&body](const NumberField &n, bool required, std::optional<double> *out) {
        const json::Scalar *v = body.find(n.name);
        if (!v || v->kind == Kind::Null)
            return !required;
        if (v->kind != Kind::Number || v->number < n.min || v->number > n.max)
            return false;
        *out = v->number;
        return true;
    };
    std::optional<double> latitude, longitude;
    Location fix;
    if (!number(kLatitude, true, &latitude) || !number(kLongitude, true, &longitude) ||
        !number(kAccuracy, false, &fix.accuracy) || !number(kSpeed, false, &fix.speed) ||
        !number(kHeading, false, &fix.heading))
        return std::nullopt;
    fix.latitude = *latitude;
    fix.longitude = *longitude;
    if (const json::Scalar *t = body.find(QLatin1StringView("timestamp"));
        t && t->kind != Kind::Null) {
        std::optional<qint64> ms;
        if (t->kind == Kind::Number && t->number > 0)
            ms = epochMs(t->number);
        else if (t->kind == Kind::String)
            ms = parseUtcTimestampMs(t->string);
        if (!ms)
            return std::nullopt;
        fix.timestamp = QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC);
    }
    fix.timestamp = notAfter(fix.timestamp, now);
    return fix;
}

} // namespace depot
