#pragma once

#include "cluster/redisurl.h"
#include "core/proof.h"
#include "core/result.h"
#include "mail/smtpurl.h"
#include "store/databaseurl.h"
#include "transport/connectionlimits.h"
#include "transport/trustedproxies.h"

#include <QHostAddress>
#include <QString>

#include <optional>

class QCommandLineParser;
class QProcessEnvironment;
class QTranslator;

namespace depot {

/// Everything the hub is started with; each field is a flag and a DEPOT_* variable.
struct HubConfig
{
    QHostAddress host = QHostAddress::AnyIPv4;
    QString hostText = QStringLiteral("0.0.0.0");
    quint16 port = 3000;
    QString dataDir;
    // Where the data lives; none: depot.sqlite in the data dir.
    std::optional<DatabaseUrl> database;
    // A PostgreSQL store that lost its server tries again after waits that double up to this;
    // no flag, tests shorten it.
    qint64 storeReconnectMaxMs = 5000;
    QString adminPassword;
    int locationIntervalSeconds = 30;
    double locationDistanceMetres = 50;
    quint16 osmandPort = 5055;
    bool demo = false;
    QByteArray corsOrigin = "*";
    // A login token ends when it has not been used for this long.
    qint64 tokenTtlSeconds = 30LL * 24 * 3600;
    // HTTPS and WSS on the port: a certificate and key given, or one made for this machine.
    bool tlsSelfSigned = false;
    QString tlsCertificateFile;
    QString tlsKeyFile;
    // Map tiles served on /tiles: an MBTiles file, else an XYZ upstream ("none": no upstream)
    // through a disk cache (empty: a folder in the data dir).
    QString tilesFile;
    QString tileUrl = defaultTileUrl();
    QString tileCache;
    // Caps on connections (see ConnectionCaps); -1 derives one from the open-file limit at start.
    int maxConnections = -1;
    int maxConnectionsPerAddress = -1;
    int maxUnauthenticatedPerAddress = -1;
    // What a delivery needs before COMPLETED, and whether trackers see its photos.
    ProofPolicy proofPolicy = ProofPolicy::Optional;
    bool proofPhotosForTrackers = false;
    // Each file of a proof may have this many bytes; uploads read at once. No flags, tests
    // lower them.
    qint64 proofMaxFileBytes = 5 * 1024 * 1024;
    int proofUploadsAtOnce = 4;
    // Other hubs to share broadcasts and dropped sessions with; none: this hub alone.
    std::optional<RedisUrl> redis;
    // Reverse proxies whose X-Forwarded-For names the client (HAProxy before a cluster).
    TrustedProxies trustedProxies;
    // Customer e-mail: the SMTP server (none: no e-mail), the sender, the language of packages
    // that name none, and the address customers reach the hub at (for the tracking link).
    std::optional<SmtpUrl> smtp;
    QString smtpFrom;
    QString mailLanguage = QStringLiteral("en");
    QString publicUrl;
    // Output bound and timeouts of every connection; no flags, tests shorten them.
    ConnectionLimits connectionLimits;

    /// The caps to apply under `openFileLimit`: the flags' where given, else the defaults.
    ConnectionCaps connectionCaps(qint64 openFileLimit) const;
    // Guessing: unknown tracking codes and unknown OsmAnd device ids an address may send per
    // window before it is answered 429 until the window ends.
    int trackingMissLimit = 20;
    qint64 trackingMissWindowMs = 60'000;
    int deviceMissLimit = 20;
    qint64 deviceMissWindowMs = 60'000;

    // The outbox (webhooks, e-mail): a failed delivery is tried again after a wait that starts
    // at the base and doubles up to the cap; it is given up this long after the change.
    qint64 outboxRetryBaseMs = 10'000;
    qint64 outboxRetryCapMs = 3'600'000;
    qint64 outboxGiveUpMs = 24LL * 3'600'000;
    // A webhook receiver that has not answered within this long is tried again later.
    qint64 webhookTimeoutMs = 10'000;

    bool usesTls() const { return tlsSelfSigned || !tlsCertificateFile.isEmpty(); }
    static QString defaultTileUrl()
    {
        return QStringLiteral("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
    }
};

/// The translation context of the flags' help and error texts (marked with QT_TRANSLATE_NOOP).
inline constexpr char kHubOptionsContext[] = "depot::HubOptions";

/// `sourceText` of kHubOptionsContext in the language of `translator`; without one (or without
/// a translation there) in the application's language, which is English in depot-hub. The
/// console passes its translator because it parses its flags before the application exists.
QString hubOptionsText(const char *sourceText, const QTranslator *translator = nullptr);

/// Adds the hub's flags to a parser shared by depot and depot-hub; `translator` as above.
void addHubOptions(QCommandLineParser &parser, const QTranslator *translator = nullptr);

/// Reads the flags, falling back to DEPOT_<NAME> variables; a flag beats its variable.
/// A bad value's message is in the language of `translator` (see hubOptionsText()).
Result<HubConfig> hubConfigFrom(const QCommandLineParser &parser, const QProcessEnvironment &env,
                                const QTranslator *translator = nullptr);

} // namespace depot
