#include "hub.h"

#include "api/authservice.h"
#include "api/osmandapi.h"
#include "api/restapi.h"
#include "api/socketapi.h"
#include "dispatch/clock.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/locationingest.h"
#include "realtime/namespace.h"
#include "realtime/socketioserver.h"
#include "store/sqlitestore.h"
#include "transport/engineioserver.h"
#include "transport/httpserver.h"
#include "web/webpages.h"

#include <QDir>
#include <QFileInfo>
#include <QLockFile>

namespace depot {

Hub::Hub(HubConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_clock(std::make_unique<SystemClock>())
{}

Hub::~Hub()
{
    // Outside in: the port first, then the real-time layers, while the dispatch service they
    // report to still exists; fixes still queued are written last.
    delete m_http;
    delete m_osmandHttp;
    delete m_socketApi;
    delete m_realtime;
    delete m_engine;
    m_locations.reset();
}

QString Hub::listeningUrl() const
{
    QString host = m_config.hostText;
    if (host.contains(QLatin1Char(':')))
        host = QLatin1Char('[') + host + QLatin1Char(']');
    return QStringLiteral("http://%1:%2").arg(host).arg(m_port);
}

std::optional<StartError> Hub::start()
{
    const QString dir = QDir(m_config.dataDir).absolutePath();
    if (!QDir().mkpath(dir) || !QFileInfo(dir).isWritable())
        return StartError{2,
                          QStringLiteral("the data dir %1 cannot be created or written").arg(dir)};
    m_lock = std::make_unique<QLockFile>(dir + QStringLiteral("/depot.lock"));
    m_lock->setStaleLockTime(0);
    if (!m_lock->tryLock(100))
        return StartError{2, QStringLiteral("the data dir %1 is in use by another Depot").arg(dir)};

    m_store = std::make_unique<SqliteStore>(dir + QStringLiteral("/depot.sqlite"));
    QString error;
    if (!m_store->open(&error))
        return StartError{2, QStringLiteral("cannot open the database in %1: %2").arg(dir, error)};

    m_dispatch = std::make_unique<DispatchService>(*m_store, *m_clock);
    m_dispatch->load();
    m_auth = std::make_unique<AuthService>(*m_store, *m_dispatch, *m_clock);
    const auto admin = m_auth->ensureAdminAccount(m_config.adminPassword);
    if (!admin)
        return StartError{2, admin.error().message};
    m_generatedPassword = *admin;

    m_locations = std::make_unique<LocationIngest>(*m_dispatch, *m_store, *m_clock,
                                                   LocationIngest::Options{});
    m_locations->prune();
    m_rest = std::make_unique<RestApi>(*m_dispatch, *m_auth, *m_locations);
    m_rest->setCorsOrigin(m_config.corsOrigin);
    m_http = new HttpServer(this);
    m_http->setFallbackHandler(
        [this](const HttpRequest &r, const std::shared_ptr<HttpExchange> &exchange) {
            m_rest->handle(r, exchange);
        });

    EngineIoServer::Options engineOptions;
    engineOptions.corsOrigin = m_config.corsOrigin;
    m_engine = new EngineIoServer(engineOptions, this);
    m_http->addEndpoint(QStringLiteral("/socket.io/"), m_engine);
    SocketIoServer::Options realtimeOptions;
    realtimeOptions.namespaces.recovery = true;
    m_realtime = new SocketIoServer(*m_engine, realtimeOptions, this);
    m_socketApi = new SocketApi(
        m_realtime->of(QStringLiteral("/")), *m_dispatch, *m_auth, *m_locations,
        SocketApi::Options{m_config.locationIntervalSeconds, m_config.locationDistanceMetres},
        this);

    m_osmand = std::make_unique<OsmAndApi>(*m_dispatch, *m_locations);
    auto osmand = [this](const HttpRequest &r, const std::shared_ptr<HttpExchange> &exchange) {
        m_osmand->handle(r, exchange);
    };
    m_osmandEndpoint = std::make_unique<FunctionEndpoint>(osmand);
    m_http->addEndpoint(QStringLiteral("/osmand"), m_osmandEndpoint.get());

    m_webPages = std::make_unique<WebPages>(WebPages::Options{m_config.locationIntervalSeconds,
                                                              m_config.locationDistanceMetres});
    for (const QString &prefix : WebPages::prefixes())
        m_http->addEndpoint(prefix, m_webPages.get());

    bool inUse = false;
    m_port = m_http->listenOn(m_config.host, m_config.port, &error, &inUse);
    if (m_port == 0)
        return StartError{inUse ? 3 : 2, QStringLiteral("cannot listen on %1:%2: %3")
                                             .arg(m_config.hostText)
                                             .arg(m_config.port)
                                             .arg(error)};

    // GPS apps get their own port too; Depot still runs without it, so a clash only warns.
    if (m_config.osmandPort != 0) {
        m_osmandHttp = new HttpServer(this);
        m_osmandHttp->setFallbackHandler(osmand);
        m_osmandPort = m_osmandHttp->listenOn(m_config.host, m_config.osmandPort, &error);
        if (m_osmandPort == 0)
            qWarning("cannot listen for GPS apps on port %d: %s", int(m_config.osmandPort),
                     qPrintable(error));
    }
    return std::nullopt;
}

} // namespace depot
