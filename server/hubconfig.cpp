#include "hubconfig.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QHostInfo>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTranslator>
#include <QUrl>

#include "mail/mimemessage.h"

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

/// --tls self-signed|off, or --tls-cert with --tls-key; the files are read when the hub starts.
std::optional<Error> readTls(const QCommandLineParser &parser, const QProcessEnvironment &env,
                             const QTranslator *translator, HubConfig &c)
{
    auto text = [translator](const char *source) { return hubOptionsText(source, translator); };
    const QString mode = lookup(parser, env, QStringLiteral("tls")).value_or(QString()).toLower();
    if (mode == QLatin1String("self-signed"))
        c.tlsSelfSigned = true;
    else if (!mode.isEmpty() && mode != QLatin1String("off"))
        return invalid(
            QStringLiteral("tls"),
            text(QT_TRANSLATE_NOOP("depot::HubOptions", "'%1' is neither self-signed nor off"))
                .arg(mode));
    c.tlsCertificateFile = lookup(parser, env, QStringLiteral("tls-cert")).value_or(QString());
    c.tlsKeyFile = lookup(parser, env, QStringLiteral("tls-key")).value_or(QString());
    if (c.tlsCertificateFile.isEmpty() != c.tlsKeyFile.isEmpty())
        return invalid(
            c.tlsKeyFile.isEmpty() ? QStringLiteral("tls-key") : QStringLiteral("tls-cert"),
            text(QT_TRANSLATE_NOOP("depot::HubOptions", "--tls-cert and --tls-key go together")));
    if (c.tlsSelfSigned && !c.tlsCertificateFile.isEmpty())
        return invalid(QStringLiteral("tls"),
                       text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                              "self-signed and --tls-cert exclude each other")));
    return std::nullopt;
}

/// --smtp, --smtp-from, --mail-language and --public-url: the customer's e-mail.
std::optional<Error> readMail(const QCommandLineParser &parser, const QProcessEnvironment &env,
                              const QTranslator *translator, HubConfig &c)
{
    auto text = [translator](const char *source) { return hubOptionsText(source, translator); };
    if (const auto value = lookup(parser, env, QStringLiteral("smtp"))) {
        QString why;
        c.smtp = SmtpUrl::parse(*value, &why);
        // The URL may hold a password: it is not repeated.
        if (!c.smtp)
            return invalid(QStringLiteral("smtp"),
                           text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                                  "not a URL of the form "
                                                  "smtp://[user:password@]host[:port]: %1"))
                               .arg(why));
    }
    if (const auto from = lookup(parser, env, QStringLiteral("smtp-from"))) {
        if (!mime::isPlausibleAddress(from->trimmed()))
            return invalid(
                QStringLiteral("smtp-from"),
                text(QT_TRANSLATE_NOOP("depot::HubOptions", "'%1' is not an e-mail address"))
                    .arg(mime::headerSafe(*from)));
        c.smtpFrom = from->trimmed();
    } else {
        c.smtpFrom = QStringLiteral("depot@") + QHostInfo::localHostName();
    }
    if (const auto language = lookup(parser, env, QStringLiteral("mail-language"))) {
        static const QStringList languages{QStringLiteral("en"), QStringLiteral("de"),
                                           QStringLiteral("es"), QStringLiteral("fr")};
        if (!languages.contains(language->trimmed().toLower()))
            return invalid(
                QStringLiteral("mail-language"),
                text(QT_TRANSLATE_NOOP("depot::HubOptions", "'%1' is not one of en, de, es, fr"))
                    .arg(mime::headerSafe(*language)));
        c.mailLanguage = language->trimmed().toLower();
    }
    if (const auto value = lookup(parser, env, QStringLiteral("public-url"))) {
        const QUrl url(value->trimmed(), QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() || url.hasQuery() || url.hasFragment() ||
            !(url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https")))
            return invalid(
                QStringLiteral("public-url"),
                text(QT_TRANSLATE_NOOP("depot::HubOptions", "'%1' is not an http(s) URL such as "
                                                            "https://depot.example"))
                    .arg(mime::headerSafe(*value)));
        c.publicUrl = value->trimmed();
    }
    return std::nullopt;
}

/// "90", "90s", "45m", "12h" or "30d" in seconds; nullopt for anything else.
std::optional<qint64> parseDurationSeconds(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t.isEmpty())
        return std::nullopt;
    qint64 unit = 1;
    QStringView digits(t);
    switch (t.back().unicode()) {
    case 's':
        digits.chop(1);
        break;
    case 'm':
        unit = 60, digits.chop(1);
        break;
    case 'h':
        unit = 3600, digits.chop(1);
        break;
    case 'd':
        unit = 86400, digits.chop(1);
        break;
    default:
        break;
    }
    bool ok = false;
    const qint64 n = digits.toLongLong(&ok);
    if (!ok || n < 0 || n > 1'000'000'000LL)
        return std::nullopt;
    return n * unit;
}

/// parseDurationSeconds() in milliseconds, which also reads "250ms".
std::optional<qint64> parseDurationMs(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t.endsWith(QLatin1String("ms"))) {
        bool ok = false;
        const qint64 ms = QStringView(t).chopped(2).toLongLong(&ok);
        return ok && ms >= 0 ? std::optional<qint64>(ms) : std::nullopt;
    }
    const auto seconds = parseDurationSeconds(t);
    return seconds ? std::optional<qint64>(*seconds * 1000) : std::nullopt;
}

/// The outbox's retry waits and the webhook timeout.
std::optional<Error> readOutbox(const QCommandLineParser &parser, const QProcessEnvironment &env,
                                const QTranslator *translator, HubConfig &c)
{
    auto text = [translator](const char *source) { return hubOptionsText(source, translator); };
    const auto duration = [&](const QString &flag, qint64 minMs, qint64 maxMs,
                              qint64 &out) -> std::optional<Error> {
        const auto value = lookup(parser, env, flag);
        if (!value)
            return std::nullopt;
        const auto ms = parseDurationMs(*value);
        if (!ms || *ms < minMs || *ms > maxMs)
            return invalid(flag, text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                                        "'%1' is not a duration from %2 ms to %3 "
                                                        "s (such as 500ms, 10s, 1h)"))
                                     .arg(*value)
                                     .arg(minMs)
                                     .arg(maxMs / 1000));
        out = *ms;
        return std::nullopt;
    };
    constexpr qint64 kWeekMs = 7LL * 24 * 3'600'000;
    if (auto e = duration(QStringLiteral("outbox-retry-base"), 10, kWeekMs, c.outboxRetryBaseMs))
        return e;
    if (auto e = duration(QStringLiteral("outbox-retry-cap"), 10, kWeekMs, c.outboxRetryCapMs))
        return e;
    if (auto e = duration(QStringLiteral("outbox-give-up"), 10, 30 * kWeekMs, c.outboxGiveUpMs))
        return e;
    if (auto e = duration(QStringLiteral("webhook-timeout"), 10, 600'000, c.webhookTimeoutMs))
        return e;
    if (c.outboxRetryCapMs < c.outboxRetryBaseMs)
        return invalid(QStringLiteral("outbox-retry-cap"),
                       text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                              "must not be shorter than --outbox-retry-base")));
    return std::nullopt;
}

} // namespace

ConnectionCaps HubConfig::connectionCaps(qint64 openFileLimit) const
{
    ConnectionCaps caps = defaultConnectionCaps(openFileLimit);
    if (maxConnections >= 0)
        caps.total = maxConnections;
    if (maxConnectionsPerAddress >= 0)
        caps.perAddress = maxConnectionsPerAddress;
    if (maxUnauthenticatedPerAddress >= 0)
        caps.unauthenticatedPerAddress = maxUnauthenticatedPerAddress;
    return caps;
}

QString hubOptionsText(const char *sourceText, const QTranslator *translator)
{
    if (translator) {
        const QString text = translator->translate(kHubOptionsContext, sourceText);
        if (!text.isEmpty())
            return text;
    }
    return QCoreApplication::translate(kHubOptionsContext, sourceText);
}

void addHubOptions(QCommandLineParser &parser, const QTranslator *translator)
{
    auto text = [translator](const char *source) { return hubOptionsText(source, translator); };
    parser.addOptions({
        {QStringLiteral("host"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Address to listen on [0.0.0.0]. Env: DEPOT_HOST.")),
         QStringLiteral("addr")},
        {QStringLiteral("port"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions", "The HTTP and WebSocket port; 0 picks a free "
                                                     "one [3000]. Env: DEPOT_PORT.")),
         QStringLiteral("n")},
        {QStringLiteral("data-dir"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Folder of the database and settings [the platform's app-data "
                                "folder]. Env: DEPOT_DATA_DIR.")),
         QStringLiteral("dir")},
        {QStringLiteral("database"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Where the data lives: sqlite:PATH, or "
                                "postgres://user:password@host:port/dbname for a PostgreSQL "
                                "database several hubs share [sqlite: the data dir's "
                                "depot.sqlite]. Env: DEPOT_DATABASE.")),
         QStringLiteral("url")},
        {QStringLiteral("admin-password"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Password of the dispatcher account made on first start [random, "
                                "printed once]. Env: DEPOT_ADMIN_PASSWORD.")),
         QStringLiteral("pw")},
        {QStringLiteral("location-interval"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Seconds between location updates to package subscribers per "
                                "courier [30]. Env: DEPOT_LOCATION_INTERVAL.")),
         QStringLiteral("s")},
        {QStringLiteral("location-distance"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Metres of movement that send a location update before the "
                                "interval is up [50]. Env: DEPOT_LOCATION_DISTANCE.")),
         QStringLiteral("m")},
        {QStringLiteral("osmand-port"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Extra port for GPS apps speaking the OsmAnd protocol; 0 turns it "
                                "off [5055]. Env: DEPOT_OSMAND_PORT.")),
         QStringLiteral("n")},
        {QStringLiteral("cors-origin"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Access-Control-Allow-Origin for web pages on other origins [*]. "
                                "Env: DEPOT_CORS_ORIGIN.")),
         QStringLiteral("origin")},
        {QStringLiteral("token-ttl"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "How long a login token lives without being used, in seconds or "
                                "with a unit (90s, 45m, 12h, 30d) [30d]. Env: DEPOT_TOKEN_TTL.")),
         QStringLiteral("duration")},
        {QStringLiteral("demo"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Seed demo couriers and packages and drive simulated couriers "
                                "through the hub. Env: DEPOT_DEMO=1."))},
        {QStringLiteral("tls"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "\"self-signed\": serve HTTPS and WSS with a certificate made for "
                                "this machine's addresses and kept in the data dir; \"off\": "
                                "plain HTTP [off]. Env: DEPOT_TLS.")),
         QStringLiteral("mode")},
        {QStringLiteral("tls-cert"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Serve HTTPS and WSS with this PEM certificate (chain); needs "
                                "--tls-key. Env: DEPOT_TLS_CERT.")),
         QStringLiteral("file")},
        {QStringLiteral("tls-key"),
         text(QT_TRANSLATE_NOOP(
             "depot::HubOptions",
             "The unencrypted PEM private key of --tls-cert. Env: DEPOT_TLS_KEY.")),
         QStringLiteral("file")},
        {QStringLiteral("max-connections"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Open connections on all ports together; more are answered 503; "
                                "0: no cap [7/8 of the open-file limit less 64]. "
                                "Env: DEPOT_MAX_CONNECTIONS.")),
         QStringLiteral("n")},
        {QStringLiteral("max-connections-per-address"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Open connections from one client address; more are answered 503; "
                                "0: no cap [1/8 of --max-connections]. "
                                "Env: DEPOT_MAX_CONNECTIONS_PER_ADDRESS.")),
         QStringLiteral("n")},
        {QStringLiteral("max-unauthenticated-per-address"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Socket.IO sessions from one client address that have not "
                                "connected with a valid token yet; more are refused; 0: no cap "
                                "[1/8 of --max-connections-per-address]. "
                                "Env: DEPOT_MAX_UNAUTHENTICATED_PER_ADDRESS.")),
         QStringLiteral("n")},
        {QStringLiteral("tiles"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Map tiles from this MBTiles file (offline), for the console and "
                                "on /tiles. Env: DEPOT_TILES.")),
         QStringLiteral("file")},
        {QStringLiteral("tile-url"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Map tiles from this XYZ URL template ({z} {x} {y}, optional {s}); "
                                "\"none\" for no download [OpenStreetMap]. Env: DEPOT_TILE_URL.")),
         QStringLiteral("url")},
        {QStringLiteral("tile-cache"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Where downloaded tiles are kept [the user's cache folder]. "
                                "Env: DEPOT_TILE_CACHE.")),
         QStringLiteral("dir")},
        {QStringLiteral("guess-limit"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Unknown tracking codes, and unknown GPS device ids, one address "
                                "may send a minute before it is refused for the rest of the "
                                "minute [20]. Env: DEPOT_GUESS_LIMIT.")),
         QStringLiteral("n")},
        {QStringLiteral("proof"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Proof of delivery: \"none\" (the courier page does not ask), "
                                "\"optional\" (it asks), \"required\" (no package is COMPLETED "
                                "without one) [optional]. Env: DEPOT_PROOF.")),
         QStringLiteral("policy")},
        {QStringLiteral("proof-photos-for-trackers"),
         text(
             QT_TRANSLATE_NOOP("depot::HubOptions",
                               "Show the photos of a proof of delivery on the tracking page, "
                               "without their metadata. Env: DEPOT_PROOF_PHOTOS_FOR_TRACKERS=1."))},
        {QStringLiteral("redis"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Share events and dropped sessions with the other hubs on this "
                                "Redis, redis://[:password@]host[:port][/db], in the format of "
                                "socket.io's Redis Streams adapter [none]. Env: DEPOT_REDIS.")),
         QStringLiteral("url")},
        {QStringLiteral("trusted-proxy"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Reverse proxies whose X-Forwarded-For header names the client, "
                                "comma-separated addresses or CIDR blocks; per-address limits "
                                "then count that client, and the proxies are not capped per "
                                "address [none]. Env: DEPOT_TRUSTED_PROXY.")),
         QStringLiteral("list")},
        {QStringLiteral("outbox-retry-base"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "Wait before a failed webhook or e-mail is tried again; it doubles "
                                "with every failure [10s]. Env: DEPOT_OUTBOX_RETRY_BASE.")),
         QStringLiteral("duration")},
        {QStringLiteral("outbox-retry-cap"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "The longest wait between two tries of a webhook or e-mail [1h]. "
                                "Env: DEPOT_OUTBOX_RETRY_CAP.")),
         QStringLiteral("duration")},
        {QStringLiteral("outbox-give-up"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "How long after a change its webhooks and e-mails are tried "
                                "before they are marked failed [24h]. Env: DEPOT_OUTBOX_GIVE_UP.")),
         QStringLiteral("duration")},
        {QStringLiteral("webhook-timeout"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "How long a webhook receiver has to answer before the delivery "
                                "is tried again later [10s]. Env: DEPOT_WEBHOOK_TIMEOUT.")),
         QStringLiteral("duration")},
        {QStringLiteral("smtp"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "E-mail customers through this SMTP server, "
                                "smtp://[user:password@]host[:port] (STARTTLS when offered, port "
                                "587) or smtps://... (port 465) [none: no e-mail]. "
                                "Env: DEPOT_SMTP.")),
         QStringLiteral("url")},
        {QStringLiteral("smtp-from"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "The sender of customer e-mail [depot@<this machine's name>]. "
                                "Env: DEPOT_SMTP_FROM.")),
         QStringLiteral("address")},
        {QStringLiteral("mail-language"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "The language of customer e-mail for packages that name none: "
                                "en, de, es or fr [en]. Env: DEPOT_MAIL_LANGUAGE.")),
         QStringLiteral("code")},
        {QStringLiteral("public-url"),
         text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                "The address customers reach this hub at, for the tracking link "
                                "in their e-mail, e.g. https://depot.example [the listening "
                                "URL]. Env: DEPOT_PUBLIC_URL.")),
         QStringLiteral("url")},
    });
}

Result<HubConfig> hubConfigFrom(const QCommandLineParser &parser, const QProcessEnvironment &env,
                                const QTranslator *translator)
{
    auto text = [translator](const char *source) { return hubOptionsText(source, translator); };
    HubConfig c;
    if (const auto host = lookup(parser, env, QStringLiteral("host"))) {
        if (*host == QLatin1String("localhost")) {
            c.host = QHostAddress::LocalHost;
        } else if (!c.host.setAddress(*host)) {
            return invalid(QStringLiteral("host"),
                           text(QT_TRANSLATE_NOOP("depot::HubOptions", "'%1' is not an IP address"))
                               .arg(*host));
        }
        c.hostText = *host;
    }
    auto integer = [&](const QString &flag, int min, int max, auto &out) -> std::optional<Error> {
        const auto value = lookup(parser, env, flag);
        if (!value)
            return std::nullopt;
        bool ok = false;
        const int v = value->toInt(&ok);
        if (!ok || v < min || v > max)
            return invalid(flag, text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                                        "'%1' is not a whole number from %2 to %3"))
                                     .arg(*value)
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
    if (auto e = integer(QStringLiteral("max-connections"), 0, 10'000'000, c.maxConnections))
        return *e;
    if (auto e = integer(QStringLiteral("max-connections-per-address"), 0, 10'000'000,
                         c.maxConnectionsPerAddress))
        return *e;
    if (auto e = integer(QStringLiteral("max-unauthenticated-per-address"), 0, 10'000'000,
                         c.maxUnauthenticatedPerAddress))
        return *e;
    if (auto e = integer(QStringLiteral("guess-limit"), 1, 100000, c.trackingMissLimit))
        return *e;
    c.deviceMissLimit = c.trackingMissLimit;
    if (const auto value = lookup(parser, env, QStringLiteral("location-distance"))) {
        bool ok = false;
        c.locationDistanceMetres = value->toDouble(&ok);
        if (!ok || c.locationDistanceMetres < 0 || c.locationDistanceMetres > 1e6)
            return invalid(
                QStringLiteral("location-distance"),
                text(QT_TRANSLATE_NOOP("depot::HubOptions", "'%1' is not a distance in metres"))
                    .arg(*value));
    }
    if (const auto value = lookup(parser, env, QStringLiteral("token-ttl"))) {
        const auto seconds = parseDurationSeconds(*value);
        // At least a second, at most ten years.
        if (!seconds || *seconds < 1 || *seconds > 10LL * 365 * 86400)
            return invalid(QStringLiteral("token-ttl"),
                           text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                                  "'%1' is not a duration from 1s to 3650d"))
                               .arg(*value));
        c.tokenTtlSeconds = *seconds;
    }
    c.dataDir = lookup(parser, env, QStringLiteral("data-dir"))
                    .value_or(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
    if (c.dataDir.isEmpty())
        return invalid(QStringLiteral("data-dir"),
                       text(QT_TRANSLATE_NOOP("depot::HubOptions", "no folder given")));
    c.adminPassword = lookup(parser, env, QStringLiteral("admin-password")).value_or(QString());
    if (const auto database = lookup(parser, env, QStringLiteral("database"))) {
        QString why;
        c.database = DatabaseUrl::parse(*database, &why);
        if (!c.database)
            return invalid(QStringLiteral("database"),
                           text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                                  "'%1' is neither sqlite:PATH nor "
                                                  "postgres://user:password@host:port/dbname: %2"))
                               .arg(DatabaseUrl::withoutPassword(*database), why));
    }
    if (const auto origin = lookup(parser, env, QStringLiteral("cors-origin"))) {
        // It goes into every response head: "*", "null" or one origin, nothing that could
        // split a header line.
        static const QRegularExpression originPattern(
            QStringLiteral("^(\\*|null|[a-z][a-z0-9+.-]*://[!-.0-~]+)?$"));
        if (!originPattern.match(*origin).hasMatch())
            return invalid(
                QStringLiteral("cors-origin"),
                text(QT_TRANSLATE_NOOP("depot::HubOptions", "not *, null or an origin such as "
                                                            "https://depot.example")));
        c.corsOrigin = origin->toUtf8();
    }
    if (const auto value = lookup(parser, env, QStringLiteral("redis"))) {
        c.redis = RedisUrl::parse(*value);
        // The URL may hold a password: it is not repeated.
        if (!c.redis)
            return invalid(QStringLiteral("redis"),
                           text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                                  "not a URL of the form "
                                                  "redis://[:password@]host[:port][/db]")));
    }
    if (const auto value = lookup(parser, env, QStringLiteral("trusted-proxy"))) {
        QString why;
        const std::optional<TrustedProxies> proxies = TrustedProxies::parse(*value, &why);
        if (!proxies)
            return invalid(QStringLiteral("trusted-proxy"), why);
        c.trustedProxies = *proxies;
    }
    if (auto e = readTls(parser, env, translator, c))
        return *e;
    if (auto e = readOutbox(parser, env, translator, c))
        return *e;
    if (auto e = readMail(parser, env, translator, c))
        return *e;
    c.tilesFile = lookup(parser, env, QStringLiteral("tiles")).value_or(QString());
    if (!c.tilesFile.isEmpty() && !QFileInfo(c.tilesFile).isFile())
        return invalid(
            QStringLiteral("tiles"),
            text(QT_TRANSLATE_NOOP("depot::HubOptions", "no such file: %1")).arg(c.tilesFile));
    c.tileUrl = lookup(parser, env, QStringLiteral("tile-url")).value_or(c.tileUrl);
    if (c.tileUrl.isEmpty())
        c.tileUrl = QStringLiteral("none");
    if (c.tileUrl != QLatin1String("none")) {
        const QUrl url(c.tileUrl);
        if (!url.isValid() ||
            !(url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https")) ||
            !c.tileUrl.contains(QLatin1String("{z}")) ||
            !c.tileUrl.contains(QLatin1String("{x}")) || !c.tileUrl.contains(QLatin1String("{y}")))
            return invalid(
                QStringLiteral("tile-url"),
                text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                       "'%1' is not an http(s) URL with {z}, {x} and {y}"))
                    .arg(c.tileUrl));
    }
    c.tileCache = lookup(parser, env, QStringLiteral("tile-cache"))
                      .value_or(QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                                QStringLiteral("/tiles"));
    if (const auto value = lookup(parser, env, QStringLiteral("proof"))) {
        const auto policy = proofPolicyFromName(*value);
        if (!policy)
            return invalid(QStringLiteral("proof"),
                           text(QT_TRANSLATE_NOOP("depot::HubOptions",
                                                  "'%1' is not none, optional or required"))
                               .arg(*value));
        c.proofPolicy = *policy;
    }
    if (parser.isSet(QStringLiteral("proof-photos-for-trackers"))) {
        c.proofPhotosForTrackers = true;
    } else {
        const QString photos =
            env.value(QStringLiteral("DEPOT_PROOF_PHOTOS_FOR_TRACKERS")).toLower();
        c.proofPhotosForTrackers = photos == QLatin1String("1") ||
                                   photos == QLatin1String("true") ||
                                   photos == QLatin1String("yes");
    }
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
