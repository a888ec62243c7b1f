#pragma once

#include "hubconfig.h"

#include <QObject>

#include <memory>

class QLockFile;

namespace depot {

class AuthService;
class ConnectionGate;
struct ConnectionCaps;
class EngineIoServer;
class RedisStreamsCluster;
class ViewSync;
class SocketApi;
class SocketIoServer;
class Clock;
class DayRecords;
class DispatchService;
class HttpServer;
class FunctionEndpoint;
class GuessLimiter;
class MbTilesReader;
class TileEndpoint;
class TileFetcher;
struct TlsIdentity;
class LocationIngest;
class MailChannel;
class MailProducer;
class OutboxChannel;
class OutboxProducer;
class OsmAndApi;
class OutboxRelay;
class WebhookChannel;
class WebhookService;
class ProofApi;
class ProofFiles;
class RestApi;
class Store;
class WebPages;

/// Why the hub could not start, with the process exit code the contract gives it.
struct StartError
{
    int exitCode = 1;
    QString message;
};

/// The hub: builds every part from its config and wires them; the one place that knows them all.
class Hub : public QObject
{
    Q_OBJECT

public:
    explicit Hub(HubConfig config, QObject *parent = nullptr);
    /// With a clock of the caller's (tests steer time with a ManualClock).
    Hub(HubConfig config, std::unique_ptr<Clock> clock, QObject *parent = nullptr);
    ~Hub() override;

    /// Opens the data dir and database, makes the dispatcher account and starts listening.
    std::optional<StartError> start();

    const HubConfig &config() const { return m_config; }
    quint16 port() const { return m_port; }
    /// The OsmAnd port actually listened on, or 0.
    quint16 osmandPort() const { return m_osmandPort; }
    /// The dispatcher password made on this start, or empty.
    QString generatedAdminPassword() const { return m_generatedPassword; }
    /// The URL to print: http://HOST:PORT, or https://HOST:PORT with TLS.
    QString listeningUrl() const;
    /// Whether the port speaks HTTPS and WSS.
    bool usesTls() const { return m_tls != nullptr; }
    /// SHA-256 fingerprint of the port's certificate ("AB:CD:..."), or empty without TLS.
    QString tlsFingerprint() const;
    /// The certificate file the port presents, or empty without TLS.
    QString tlsCertificatePath() const;
    /// The tile sources: the MBTiles file, else the XYZ downloader; both null without tiles.
    MbTilesReader *mbtiles() const { return m_mbtiles.get(); }
    TileFetcher *tileFetcher() const { return m_tileFetcher; }

    DispatchService &dispatch() { return *m_dispatch; }
    Store &store() { return *m_store; }
    AuthService &auth() { return *m_auth; }
    /// The day's records; read them on the hub's thread.
    const DayRecords &dayRecords() const { return *m_dayRecords; }
    HttpServer &http() { return *m_http; }
    /// Open connections on all ports, counted against the caps.
    const ConnectionGate &connections() const { return *m_connections; }
    SocketIoServer &realtime() { return *m_realtime; }
    LocationIngest &locations() { return *m_locations; }
    /// The outbox's delivery (channels are added before start() ends) and the webhooks.
    OutboxRelay &outbox() { return *m_outbox; }
    WebhookService &webhooks() { return *m_webhooks; }
    /// With --smtp, the outbox's "email" channel and the producer of its entries; else null.
    OutboxChannel *mailChannel() const;
    OutboxProducer *mailProducer() const;

private:
    // The steps of start(), in order.
    /// Makes the data dir (private) and takes its lock, so that one Depot uses it at a time.
    std::optional<StartError> lockDataDir(const QString &dataDir);
    // Read before anything else starts, so that a bad file is the only thing reported.
    std::optional<StartError> loadTls(const QString &dataDir);
    std::optional<StartError> openTileSources(const QString &dataDir);
    std::optional<StartError> openStore(const QString &dataDir);
    /// The dispatch service, accounts (and the dispatcher's) and the path of fixes.
    std::optional<StartError> buildDomain(const QString &dataDir);
    /// The HTTP server of the port, with REST behind every path no endpoint takes.
    void buildRest();
    /// Engine.IO on /socket.io/, Socket.IO over it and the socket API on its namespace.
    void buildRealtime(const ConnectionCaps &caps);
    /// GPS apps on /osmand (and on their own port, see listenForGpsApps()).
    void buildOsmAnd();
    /// The outbox's relay and the webhooks' producer and channel.
    void buildOutbox();
    void buildPagesAndTiles();
    std::optional<StartError> listen();
    void listenForGpsApps();
    /// With --smtp: customer e-mail, once the port (for the tracking link) is known.
    void buildMail();

    HubConfig m_config;
    std::unique_ptr<Clock> m_clock;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<DispatchService> m_dispatch;
    std::unique_ptr<AuthService> m_auth;
    std::unique_ptr<LocationIngest> m_locations;
    std::unique_ptr<WebhookService> m_webhooks;
    std::unique_ptr<OutboxRelay> m_outbox;
    std::unique_ptr<WebhookChannel> m_webhookChannel;
    std::unique_ptr<GuessLimiter> m_trackingLimiter; // outlive the APIs that use them
    std::unique_ptr<GuessLimiter> m_deviceLimiter;
    std::unique_ptr<DayRecords> m_dayRecords; // outlives m_rest, which reads it
    std::unique_ptr<ProofFiles> m_proofFiles; // outlives the API that uses it
    std::unique_ptr<ProofApi> m_proofs;
    std::unique_ptr<RestApi> m_rest;
    std::shared_ptr<ConnectionGate> m_connections;
    HttpServer *m_http = nullptr;
    EngineIoServer *m_engine = nullptr;
    SocketIoServer *m_realtime = nullptr;
    SocketApi *m_socketApi = nullptr;
    RedisStreamsCluster *m_cluster = nullptr; // with --redis: broadcasts shared between hubs
    ViewSync *m_viewSync = nullptr;           // with --redis: the other hubs' changes applied here
    std::unique_ptr<OsmAndApi> m_osmand;
    std::unique_ptr<FunctionEndpoint> m_osmandEndpoint;
    std::unique_ptr<WebPages> m_webPages;
    HttpServer *m_osmandHttp = nullptr;
    quint16 m_osmandPort = 0;
    std::unique_ptr<MbTilesReader> m_mbtiles;
    TileFetcher *m_tileFetcher = nullptr;
    TileEndpoint *m_tileEndpoint = nullptr;
    std::unique_ptr<TlsIdentity> m_tls;
    std::unique_ptr<MailChannel> m_mailChannel;
    std::unique_ptr<MailProducer> m_mailProducer;
    quint16 m_port = 0;
    QString m_generatedPassword;
};

} // namespace depot
