#include "hub.h"

#include "api/authservice.h"
#include "api/guesslimiter.h"
#include "api/osmandapi.h"
#include "api/proofapi.h"
#include "api/restapi.h"
#include "api/socketapi.h"
#include "cluster/redisstreamsadapter.h"
#include "core/clock.h"
#include "core/privatefiles.h"
#include "core/prooffiles.h"
#include "dispatch/dayrecords.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/locationingest.h"
#include "dispatch/trackingtokens.h"
#include "mail/mailchannel.h"
#include "mail/mailproducer.h"
#include "outbox/outboxrelay.h"
#include "outbox/webhookchannel.h"
#include "outbox/webhookservice.h"
#include "realtime/namespace.h"
#include "realtime/socketioserver.h"
#include "store/postgresstore.h"
#include "store/sqlitestore.h"
#include "tiles/mbtilesreader.h"
#include "tiles/tileendpoint.h"
#include "tiles/tilefetcher.h"
#include "tls/tlsidentity.h"
#include "transport/engineioserver.h"
#include "transport/httpserver.h"
#include "viewsync.h"
#include "web/webpages.h"

#include <QDir>
#include <QFileInfo>
#include <QHostInfo>
#include <QLockFile>
#include <QSslConfiguration>

namespace depot {

Hub::Hub(HubConfig config, QObject *parent)
    : Hub(std::move(config), std::make_unique<SystemClock>(), parent)
{}

Hub::Hub(HubConfig config, std::unique_ptr<Clock> clock, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_clock(std::move(clock))
{}

Hub::~Hub()
{
    // The outbox first: attempts in flight are dropped unrecorded and go out again later.
    m_outbox.reset();
    m_webhookChannel.reset();
    m_mailChannel.reset();
    // Outside in: the port first, then the real-time layers, while the dispatch service they
    // report to still exists; fixes still queued are written last.
    delete m_http;
    delete m_osmandHttp;
    delete m_tileEndpoint;
    delete m_tileFetcher;
    delete m_socketApi;
    delete m_realtime;
    delete m_viewSync;
    delete m_cluster; // after the namespaces whose adapters use it
    delete m_engine;
    m_locations.reset();
}

QString Hub::listeningUrl() const
{
    QString host = m_config.hostText;
    if (host.contains(QLatin1Char(':')))
        host = QLatin1Char('[') + host + QLatin1Char(']');
    return QStringLiteral("%1://%2:%3")
        .arg(usesTls() ? QStringLiteral("https") : QStringLiteral("http"), host)
        .arg(m_port);
}

QString Hub::tlsFingerprint() const
{
    return m_tls ? m_tls->sha256Fingerprint() : QString();
}

QString Hub::tlsCertificatePath() const
{
    return m_tls ? m_tls->certificatePath : QString();
}

std::optional<StartError> Hub::loadTls(const QString &dataDir)
{
    if (!m_config.usesTls())
        return std::nullopt;
    auto identity = m_config.tlsSelfSigned
                        ? ensureSelfSignedIdentity(dataDir + QStringLiteral("/tls"),
                                                   localCertificateSubjects(), m_clock->now())
                        : loadTlsIdentity(m_config.tlsCertificateFile, m_config.tlsKeyFile);
    if (!identity)
        return StartError{2, identity.error().message};
    m_tls = std::make_unique<TlsIdentity>(std::move(identity).value());
    return std::nullopt;
}

std::optional<StartError> Hub::openTileSources(const QString &dataDir)
{
    if (!m_config.tilesFile.isEmpty()) {
        m_mbtiles = std::make_unique<MbTilesReader>(m_config.tilesFile);
        if (!m_mbtiles->isValid())
            return StartError{2, QStringLiteral("--tiles: %1").arg(m_mbtiles->errorString())};
    } else if (!m_config.tileUrl.isEmpty() && m_config.tileUrl != QLatin1String("none")) {
        m_tileFetcher = new TileFetcher(m_config.tileUrl);
        m_tileFetcher->setCacheDirectory(m_config.tileCache.isEmpty()
                                             ? dataDir + QStringLiteral("/tile-cache")
                                             : m_config.tileCache);
    }
    return std::nullopt;
}

std::optional<StartError> Hub::start()
{
    const QString dir = QDir(m_config.dataDir).absolutePath();
    if (auto e = lockDataDir(dir))
        return e;
    if (auto e = loadTls(dir))
        return e;
    if (auto e = openTileSources(dir))
        return e;
    if (auto e = openStore(dir))
        return e;
    if (auto e = buildDomain(dir))
        return e;
    // Raised to its hard limit by then (raiseOpenFileLimit()), so the caps fit what is there.
    const ConnectionCaps caps = m_config.connectionCaps(openFileLimit());
    m_connections = std::make_shared<ConnectionGate>(caps.total, caps.perAddress);
    m_connections->setUncapped(m_config.trustedProxies);
    buildRest();
    buildRealtime(caps);
    buildOsmAnd();
    buildPagesAndTiles();
    if (auto e = listen())
        return e;
    listenForGpsApps();
    buildMail();
    // Last, when every channel is there: what is pending (a killed hub's too) goes out now.
    m_outbox->start();
    return std::nullopt;
}

OutboxChannel *Hub::mailChannel() const
{
    return m_mailChannel.get();
}

OutboxProducer *Hub::mailProducer() const
{
    return m_mailProducer.get();
}

void Hub::buildMail()
{
    if (!m_config.smtp)
        return;
    MailChannel::Options channel;
    channel.smtp.server = *m_config.smtp;
    if (const QString name = QHostInfo::localHostName(); !name.isEmpty())
        channel.smtp.heloName = name;
    channel.fromAddress = m_config.smtpFrom;
    m_mailChannel = std::make_unique<MailChannel>(channel, *m_clock);
    MailProducer::Options producer;
    producer.defaultLanguage = m_config.mailLanguage;
    producer.publicUrl = m_config.publicUrl;
    if (producer.publicUrl.isEmpty()) {
        // A wildcard address is no link: this machine's name is the best guess.
        const bool wildcard = m_config.host == QHostAddress::AnyIPv4 ||
                              m_config.host == QHostAddress::AnyIPv6 ||
                              m_config.host == QHostAddress::Any;
        producer.publicUrl =
            wildcard ? QStringLiteral("%1://%2:%3")
                           .arg(usesTls() ? QStringLiteral("https") : QStringLiteral("http"),
                                QHostInfo::localHostName())
                           .arg(m_port)
                     : listeningUrl();
    }
    m_mailProducer = std::make_unique<MailProducer>(producer);
    // Messages are outbox entries: stored with the change that caused them, sent with retries.
    m_dispatch->addOutboxProducer(m_mailProducer.get());
    m_outbox->addChannel(m_mailChannel.get());
}

std::optional<StartError> Hub::lockDataDir(const QString &dir)
{
    if (!PrivateFiles::makeDirectory(dir) || !QFileInfo(dir).isWritable())
        return StartError{
            2,
            QStringLiteral("the data dir %1 cannot be created, made private or written").arg(dir)};
    m_lock = std::make_unique<QLockFile>(dir + QStringLiteral("/depot.lock"));
    m_lock->setStaleLockTime(0);
    if (!m_lock->tryLock(100))
        return StartError{2, QStringLiteral("the data dir %1 is in use by another Depot").arg(dir)};
    PrivateFiles::restrictFile(m_lock->fileName());
    return std::nullopt;
}

std::optional<StartError> Hub::openStore(const QString &dir)
{
    DatabaseUrl inDataDir;
    inDataDir.sqlitePath = dir + QStringLiteral("/depot.sqlite");
    const DatabaseUrl database = m_config.database.value_or(inDataDir);
    if (database.kind == DatabaseUrl::Kind::Postgres) {
        PostgresStore::Options options;
        options.reconnectMaxMs = m_config.storeReconnectMaxMs;
        options.reconnectInitialMs =
            std::min<qint64>(options.reconnectInitialMs, m_config.storeReconnectMaxMs);
        m_store = std::make_unique<PostgresStore>(database, options);
        QString error;
        // A hub does not start without its database: the operator learns at once, and a
        // service manager restarts it (docs/storage.md).
        if (!m_store->open(&error))
            return StartError{2, QStringLiteral("cannot open the database: %1").arg(error)};
        return std::nullopt;
    }
    m_store = std::make_unique<SqliteStore>(database.sqlitePath);
    QString error;
    if (!m_store->open(&error))
        return StartError{2, QStringLiteral("cannot open the database in %1: %2").arg(dir, error)};
    return std::nullopt;
}

std::optional<StartError> Hub::buildDomain(const QString &dir)
{
    auto trackingSecret = PrivateFiles::loadOrCreateSecret(dir + QStringLiteral("/tracking.key"),
                                                           TrackingTokens::kSecretSize);
    if (!trackingSecret)
        return StartError{2, trackingSecret.error().message};
    if (m_store->shared()) {
        // Every hub on the database derives the same tracking tokens: the first one's secret.
        const auto shared = m_store->claimSetting(QStringLiteral("tracking_secret"),
                                                  QString::fromLatin1(trackingSecret->toHex()));
        if (!shared)
            return StartError{2,
                              QStringLiteral("cannot read the tracking secret from the database")};
        trackingSecret = QByteArray::fromHex(shared->toLatin1());
    }
    m_dispatch = std::make_unique<DispatchService>(*m_store, *m_clock);
    m_dispatch->setTrackingSecret(*trackingSecret);
    m_dispatch->setProofPolicy(m_config.proofPolicy);
    m_proofFiles = std::make_unique<ProofFiles>(dir + QStringLiteral("/proofs"));
    m_dispatch->load();
    AuthService::Options authOptions;
    authOptions.tokenTtlMs = m_config.tokenTtlSeconds * 1000;
    // Other hubs revoke tokens and count failed logins too: both are read from the database.
    authOptions.sharedStore = m_store->shared();
    m_auth = std::make_unique<AuthService>(*m_store, *m_dispatch, *m_clock, authOptions);
    m_auth->pruneExpiredTokens();
    const auto admin = m_auth->ensureAdminAccount(m_config.adminPassword);
    if (!admin)
        return StartError{2, admin.error().message};
    m_generatedPassword = *admin;

    m_locations = std::make_unique<LocationIngest>(*m_dispatch, *m_store, *m_clock,
                                                   LocationIngest::Options{});
    m_locations->prune();
    buildOutbox();
    return std::nullopt;
}

void Hub::buildOutbox()
{
    m_webhooks = std::make_unique<WebhookService>(*m_store, *m_clock);
    m_dispatch->addOutboxProducer(m_webhooks.get());
    OutboxRelay::Options options;
    options.retryBaseMs = m_config.outboxRetryBaseMs;
    options.retryCapMs = m_config.outboxRetryCapMs;
    options.giveUpAfterMs = m_config.outboxGiveUpMs;
    // A claim outlasts the slowest attempt, so no other hub takes an entry still in flight.
    options.leaseMs = std::max<qint64>(options.leaseMs, 3 * m_config.webhookTimeoutMs);
    m_outbox = std::make_unique<OutboxRelay>(*m_store, *m_clock, options);
    m_webhookChannel = std::make_unique<WebhookChannel>(
        *m_webhooks, *m_clock, WebhookChannel::Options{m_config.webhookTimeoutMs});
    m_outbox->addChannel(m_webhookChannel.get());
    connect(m_dispatch.get(), &DispatchService::packageChanged, m_outbox.get(), &OutboxRelay::wake);
}

void Hub::buildRest()
{
    m_trackingLimiter = std::make_unique<GuessLimiter>(
        GuessLimiter::Options{m_config.trackingMissLimit, m_config.trackingMissWindowMs}, *m_clock);
    m_deviceLimiter = std::make_unique<GuessLimiter>(
        GuessLimiter::Options{m_config.deviceMissLimit, m_config.deviceMissWindowMs}, *m_clock);
    if (m_store->shared()) {
        m_trackingLimiter->shareThrough(m_store.get(), QStringLiteral("tracking"));
        m_deviceLimiter->shareThrough(m_store.get(), QStringLiteral("device"));
    }
    m_rest = std::make_unique<RestApi>(*m_dispatch, *m_auth, *m_locations);
    m_rest->setCorsOrigin(m_config.corsOrigin);
    m_rest->setTrackingLimiter(m_trackingLimiter.get());
    m_rest->setWebhooks(m_webhooks.get());
    m_dayRecords = std::make_unique<DayRecords>(*m_dispatch, *m_store, DayRecords::Options{});
    m_dayRecords->setProofLookup([this](const QString &packageId) {
        return m_store->loadProof(packageId, true).has_value();
    });
    m_rest->setDayRecords(m_dayRecords.get());
    m_proofs = std::make_unique<ProofApi>(
        *m_dispatch, *m_proofFiles,
        ProofApi::Options{m_config.proofMaxFileBytes, m_config.proofPhotosForTrackers});
    m_rest->setProofApi(m_proofs.get());
    m_http = new HttpServer(this);
    m_http->setLargeBodyRoute(&ProofApi::isUpload,
                              ProofApi::maxBodyBytes(m_config.proofMaxFileBytes),
                              m_config.proofUploadsAtOnce);
    m_http->setConnectionLimits(m_config.connectionLimits);
    m_http->setConnectionGate(m_connections);
    m_http->setTrustedProxies(m_config.trustedProxies);
    m_http->setCorsOrigin(m_config.corsOrigin); // errors and refusals included
    m_http->setFallbackHandler([this](const HttpRequest &r,
                                      const std::shared_ptr<HttpExchange> &exchange) {
        // A read answers with what every hub had answered before it was asked.
        if (m_cluster && r.method == "GET" && r.path.startsWith(QLatin1String("/api/")))
            return m_cluster->whenViewCurrent([this, r, exchange] { m_rest->handle(r, exchange); });
        m_rest->handle(r, exchange);
    });
}

void Hub::buildRealtime(const ConnectionCaps &caps)
{
    EngineIoServer::Options engineOptions;
    engineOptions.corsOrigin = m_config.corsOrigin;
    engineOptions.maxUnauthenticatedPerAddress = caps.unauthenticatedPerAddress;
    m_engine = new EngineIoServer(engineOptions, this);
    m_http->addEndpoint(QStringLiteral("/socket.io/"), m_engine);
    SocketIoServer::Options realtimeOptions;
    realtimeOptions.namespaces.recovery = true;
    // The socket API reads the token while connecting only; kept, it costs ~200 B a connection.
    realtimeOptions.namespaces.keepAuth = false;
    m_realtime = new SocketIoServer(*m_engine, realtimeOptions, this);
    if (m_config.redis) {
        // Before the socket API: a change reaches the view stream ahead of its events, so a
        // client that heard of it finds it in every hub's view.
        m_cluster = new RedisStreamsCluster(*m_config.redis, {}, this);
        m_viewSync = new ViewSync(*m_dispatch, *m_cluster, {}, this);
    }
    m_socketApi = new SocketApi(
        m_realtime->of(QStringLiteral("/")), *m_dispatch, *m_auth, *m_locations,
        SocketApi::Options{m_config.locationIntervalSeconds, m_config.locationDistanceMetres},
        this);
    if (m_cluster) {
        Namespace &nsp = *m_realtime->find(QStringLiteral("/"));
        nsp.setAdapter(m_cluster->adapterFor(nsp));
        m_socketApi->setSubscriberGate(
            [cluster = m_cluster](const QString &courierId, qint64 intervalMs, const Location &fix,
                                  double metres, std::function<void(bool)> done) {
                cluster->claimAt(QStringLiteral("fix:") + courierId, intervalMs, fix.latitude,
                                 fix.longitude, metres, std::move(done));
            });
        m_cluster->start();
    }
}

void Hub::buildOsmAnd()
{
    m_osmand = std::make_unique<OsmAndApi>(*m_dispatch, *m_locations);
    m_osmand->setDeviceLimiter(m_deviceLimiter.get());
    m_osmandEndpoint = std::make_unique<FunctionEndpoint>(
        [this](const HttpRequest &r, const std::shared_ptr<HttpExchange> &exchange) {
            m_osmand->handle(r, exchange);
        });
    m_http->addEndpoint(QStringLiteral("/osmand"), m_osmandEndpoint.get());
}

void Hub::buildPagesAndTiles()
{
    WebPages::Options pageOptions;
    pageOptions.locationIntervalSeconds = m_config.locationIntervalSeconds;
    pageOptions.locationDistanceMetres = m_config.locationDistanceMetres;
    pageOptions.proofPolicy = proofPolicyName(m_config.proofPolicy);
    pageOptions.proofPhotosForTrackers = m_config.proofPhotosForTrackers;
    if (m_mbtiles) {
        pageOptions.tileAttribution = m_mbtiles->metadata().value(QStringLiteral("attribution"));
        pageOptions.tileMaximumZoom = m_mbtiles->maximumZoom();
    } else if (m_tileFetcher && m_config.tileUrl.contains(QLatin1String("openstreetmap.org"))) {
        pageOptions.tileAttribution = QStringLiteral("© OpenStreetMap contributors");
    }
    m_webPages = std::make_unique<WebPages>(pageOptions);
    for (const QString &prefix : WebPages::prefixes())
        m_http->addEndpoint(prefix, m_webPages.get());

    m_tileEndpoint = new TileEndpoint(m_mbtiles.get(), m_tileFetcher);
    m_tileEndpoint->setCorsOrigin(m_config.corsOrigin);
    m_http->addEndpoint(QStringLiteral("/tiles/"), m_tileEndpoint);
}

std::optional<StartError> Hub::listen()
{
    if (m_tls)
        m_http->setTlsConfiguration(m_tls->serverConfiguration());
    QString error;
    bool inUse = false;
    m_port = m_http->listenOn(m_config.host, m_config.port, &error, &inUse);
    if (m_port == 0)
        return StartError{inUse ? 3 : 2, QStringLiteral("cannot listen on %1:%2: %3")
                                             .arg(m_config.hostText)
                                             .arg(m_config.port)
                                             .arg(error)};
    return std::nullopt;
}

void Hub::listenForGpsApps()
{
    // GPS apps get their own port too; Depot still runs without it, so a clash only warns.
    if (m_config.osmandPort == 0)
        return;
    m_osmandHttp = new HttpServer(this);
    m_osmandHttp->setConnectionLimits(m_config.connectionLimits);
    m_osmandHttp->setConnectionGate(m_connections);
    m_osmandHttp->setTrustedProxies(m_config.trustedProxies);
    m_osmandHttp->setFallbackHandler(
        [this](const HttpRequest &r, const std::shared_ptr<HttpExchange> &exchange) {
            m_osmand->handle(r, exchange);
        });
    QString error;
    m_osmandPort = m_osmandHttp->listenOn(m_config.host, m_config.osmandPort, &error);
    if (m_osmandPort == 0)
        qWarning("cannot listen for GPS apps on port %d: %s", int(m_config.osmandPort),
                 qPrintable(error));
}

} // namespace depot
