#include "hubconfig.h"

#include <QCommandLineParser>
#include <QProcessEnvironment>
#include <QStandardPaths>

namespace depot {

namespace {

QString envName(const QString &flag)
{
    return QStringLiteral("DEPOT_") +
           QString(flag).replace(QLatin1Char('-'), QLatin1Char('_')).toUpper();
}

/// The flag's value, else its variable's, else nothing.
std::optional<QString> lookup(const QCommandLineParser &parser, const QProcessEnvironment &env,
                              const QString &flag)
{
    if (parser.isSet(flag))
        return parser.value(flag);
    const QString name = envName(flag);
    if (env.contains(name))
        return env.value(name);
    return std::nullopt;
}

Error invalid(const QString &flag, const QString &why)
{
    return makeError(ErrorCode::ValidationFailed, QStringLiteral("--%1: %2").arg(flag, why));
}

} // namespace

void addHubOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("host"), QStringLiteral("Address to listen on [0.0.0.0]. Env: DEPOT_HOST."),
         QStringLiteral("addr")},
        {QStringLiteral("port"),
         QStringLiteral("The HTTP and WebSocket port; 0 picks a free one [3000]. Env: DEPOT_PORT."),
         QStringLiteral("n")},
        {QStringLiteral("data-dir"),
         QStringLiteral("Folder of the database and settings [the platform's app-data folder]. "
                        "Env: DEPOT_DATA_DIR."),
         QStringLiteral("dir")},
        {QStringLiteral("admin-password"),
         QStringLiteral("Password of the dispatcher account made on first start [random, printed "
                        "once]. Env: DEPOT_ADMIN_PASSWORD."),
         QStringLiteral("pw")},
        {QStringLiteral("location-interval"),
         QStringLiteral("Seconds between location updates to package subscribers per courier "
                        "[30]. Env: DEPOT_LOCATION_INTERVAL."),
         QStringLiteral("s")},
        {QStringLiteral("location-distance"),
         QStringLiteral("Metres of movement that send a location update before the interval is "
                        "up [50]. Env: DEPOT_LOCATION_DISTANCE."),
         QStringLiteral("m")},
        {QStringLiteral("osmand-port"),
         QStringLiteral("Extra port for GPS apps speaking the OsmAnd protocol; 0 turns it off "
                        "[5055]. Env: DEPOT_OSMAND_PORT."),
         QStringLiteral("n")},
        {QStringLiteral("cors-origin"),
         QStringLiteral("Access-Control-Allow-Origin for web pages on other origins [*]. "
                        "Env: DEPOT_CORS_ORIGIN."),
         QStringLiteral("origin")},
        {QStringLiteral("demo"),
         QStringLiteral("Seed demo couriers and packages and drive simulated couriers through "
                        "the hub. Env: DEPOT_DEMO=1.")},
    });
}

Result<HubConfig> hubConfigFrom(const QCommandLineParser &parser, const QProcessEnvironment &env)
{
    HubConfig c;
    if (const auto host = lookup(parser, env, QStringLiteral("host"))) {
        if (*host == QLatin1String("localhost")) {
            c.host = QHostAddress::LocalHost;
        } else if (!c.host.setAddress(*host)) {
            return invalid(QStringLiteral("host"),
                           QStringLiteral("'%1' is not an IP address").arg(*host));
        }
        c.hostText = *host;
    }
    auto integer = [&](const QString &flag, int min, int max, auto &out) -> std::optional<Error> {
        const auto text = lookup(parser, env, flag);
        if (!text)
            return std::nullopt;
        bool ok = false;
        const int v = text->toInt(&ok);
        if (!ok || v < min || v > max)
            return invalid(flag, QStringLiteral("'%1' is not a whole number from %2 to %3")
                                     .arg(*text)
                                     .arg(min)
                                     .arg(max));
        out = static_cast<std::remove_reference_t<decltype(out)>>(v);
        return std::nullopt;
    };
    if (auto e = integer(QStringLiteral("port"), 0, 65535, c.port))
        return *e;
    if (auto e = integer(QStringLiteral("osmand-port"), 0, 65535, c.osmandPort))
        return *e;
    if (auto e = integer(QStringLiteral("location-interval"), 0, 86400, c.locationIntervalSeconds))
        return *e;
    if (const auto text = lookup(parser, env, QStringLiteral("location-distance"))) {
        bool ok = false;
        c.locationDistanceMetres = text->toDouble(&ok);
        if (!ok || c.locationDistanceMetres < 0 || c.locationDistanceMetres > 1e6)
            return invalid(QStringLiteral("location-distance"),
                           QStringLiteral("'%1' is not a distance in metres").arg(*text));
    }
    c.dataDir = lookup(parser, env, QStringLiteral("data-dir"))
                    .value_or(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
    if (c.dataDir.isEmpty())
        return invalid(QStringLiteral("data-dir"), QStringLiteral("no folder given"));
    c.adminPassword = lookup(parser, env, QStringLiteral("admin-password")).value_or(QString());
    if (const auto origin = lookup(parser, env, QStringLiteral("cors-origin")))
        c.corsOrigin = origin->toUtf8();
    if (parser.isSet(QStringLiteral("demo"))) {
        c.demo = true;
    } else {
        const QString demo = env.value(QStringLiteral("DEPOT_DEMO")).toLower();
        c.demo = demo == QLatin1String("1") || demo == QLatin1String("true") ||
                 demo == QLatin1String("yes");
    }
    return c;
}

} // namespace depot
