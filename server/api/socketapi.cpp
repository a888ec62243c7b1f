#include "socketapi.h"

#include <QPointer>

#include "authservice.h"
#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "core/geo.h"
#include "dispatch/locationingest.h"
#include "errorbody.h"
#include "fixparsing.h"
#include "protocol/jsonscalars.h"
#include "protocol/jsonwriter.h"
#include "realtime/namespace.h"
#include "realtime/socket.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>

#include <cmath>

Q_LOGGING_CATEGORY(lcEvents, "depot.events")

namespace depot {

using namespace Qt::Literals::StringLiterals;

namespace {

QJsonObject errorBody(ErrorCode code, const QString &message)
{
    return errorJson(makeError(code, message));
}

Principal principalOf(const Socket &socket)
{
    return socket.data().value<Principal>();
}

} // namespace

SocketApi::SocketApi(Namespace &nsp, DispatchService &dispatch, AuthService &auth,
                     LocationIngest &locations, Options options, QObject *parent)
    : QObject(parent)
    , m_nsp(nsp)
    , m_dispatch(dispatch)
    , m_auth(auth)
    , m_locations(locations)
    , m_options(options)
{
    m_nsp.setAuthenticator([this](const QJsonObject &handshake, Socket &socket) {
        const auto principal =
            m_auth.authenticate(handshake.value(QStringLiteral("token")).toString());
        if (!principal)
            return ConnectDecision::refuse(
                QStringLiteral("unauthorized"),
                QJsonObject{{QStringLiteral("code"), QStringLiteral("unauthorized")}});
        socket.setData(QVariant::fromValue(*principal));
        // A dropped session is recovered only by the same user in the same role (a tracker:
        // of the same package), whichever of its tokens it comes back with.
        return ConnectDecision::accept(
            roleName(principal->role) + QLatin1Char(':') +
            (principal->isTracker() ? principal->packageId : principal->userId));
    });
    m_nsp.setEventHandler([this](
                              Socket &socket, const socketio::Packet &packet,
                              const std::function<void(const QList<socketio::Argument> &)> &ack) {
        auto reply = [&ack](const QJsonObject &body) {
            if (ack)
                ack({QJsonValue(body)});
        };
        const Principal caller = principalOf(socket);
        if (!tokenStillLive(socket, caller)) {
            reply(errorBody(ErrorCode::Unauthorized, QStringLiteral("the token has ended")));
            return;
        }
        if (packet.event() != QLatin1String("location:update")) {
            reply(errorBody(ErrorCode::NotFound,
                            QStringLiteral("the hub does not take %1 events").arg(packet.event())));
            return;
        }
        if (!caller.isCourier()) {
            reply(errorBody(ErrorCode::Forbidden,
                            QStringLiteral("only couriers send their location")));
            return;
        }
        const QJsonArray args = packet.arguments();
        const auto fix = args.isEmpty() || !args.first().isObject()
                             ? Result<Location>(makeError(ErrorCode::ValidationFailed,
                                                          QStringLiteral("a location object is "
                                                                         "required")))
                             : parseFix(args.first().toObject(), m_dispatch.clock().now());
        if (!fix) {
            reply(errorJson(fix.error()));
            return;
        }
        // The ack goes out once the fix is on disk.
        m_locations.submit(caller, caller.userId, *fix,
                           [ack](const Result<LocationIngest::Outcome> &result) {
                               if (!ack)
                                   return;
                               ack({QJsonValue(result ? QJsonObject{{QStringLiteral("ok"), true}}
                                                      : errorJson(result.error()))});
                           });
    });

    // The plain location:update (one object of scalars, as courier apps send it) is read in
    // place: parsing it into a QJsonObject cost more than storing it. Anything else, errors
    // included, takes the event handler above.
    m_nsp.setRawEventHandler(
        "location:update", [this](Socket &socket, QByteArrayView args, const EncodedAck &ack) {
            const Principal caller = principalOf(socket);
            if (!caller.isCourier() || !args.startsWith(",{") || !args.endsWith("}]") ||
                !m_auth.useToken(caller.tokenHash))
                return false; // the event handler answers, an ended token included
            json::ScalarObject body;
            if (body.read(args.sliced(1)) != args.size() - 2)
                return false;
            const auto fix = parsePlainFix(body, m_dispatch.clock().now());
            if (!fix)
                return false;
            m_locations.submit(
                caller, caller.userId, *fix, [ack](const Result<LocationIngest::Outcome> &result) {
                    if (!ack)
                        return;
                    if (result)
                        ack.send(R"([{"ok":true}])");
                    else
                        ack.send(socketio::toJson(QJsonArray{errorJson(result.error())}));
                });
            return true;
        });

    connect(&m_nsp, &Namespace::connected, this, &SocketApi::onConnected);
    connect(&m_nsp, &Namespace::disconnected, this,
            [this](Socket *socket, const QString &) { onDisconnected(socket); });
    connect(&m_dispatch, &DispatchService::packageChanged, this, &SocketApi::onPackageChanged);
    connect(&m_dispatch, &DispatchService::courierOnlineChanged, this,
            &SocketApi::onCourierOnlineChanged);
    connect(&m_dispatch, &DispatchService::courierMoved, this, &SocketApi::onCourierMoved);

    // An ended token closes the connections made with it; a courier taken off or given a new
    // password loses all of theirs.
    connect(&m_auth, &AuthService::tokenEnded, this,
            [this](const QByteArray &hash, const QString &) {
                closeSockets([&hash](const Principal &p) { return p.tokenHash == hash; });
            });
    connect(&m_dispatch, &DispatchService::courierAccessEnded, this, [this](const QString &id) {
        closeSockets([&id](const Principal &p) { return p.isCourier() && p.userId == id; });
    });
    m_sweep.setInterval(m_auth.sweepIntervalMs());
    connect(&m_sweep, &QTimer::timeout, this, &SocketApi::sweepExpiredTokens);
    m_sweep.start();
}

bool SocketApi::tokenStillLive(Socket &socket, const Principal &caller)
{
    if (caller.isTracker() || m_auth.useToken(caller.tokenHash))
        return true;
    // Closed once the handler has returned: the socket is still in use here.
    QMetaObject::invokeMethod(
        &socket, [s = &socket] { s->disconnect(true); }, Qt::QueuedConnection);
    return false;
}

void SocketApi::closeSockets(const std::function<bool(const Principal &)> &which)
{
    QList<Socket *> sockets = m_nsp.socketsIn(dispatchersRoom());
    for (auto it = m_courierConnections.cbegin(); it != m_courierConnections.cend(); ++it)
        sockets += m_nsp.socketsIn(courierRoom(it.key()));
    for (Socket *s : std::as_const(sockets)) {
        // Closed from the event loop: this may run inside one of these sockets' own handlers.
        if (which(principalOf(*s)))
            QMetaObject::invokeMethod(
                s, [s] { s->disconnect(true); }, Qt::QueuedConnection);
    }
}

void SocketApi::sweepExpiredTokens()
{
    closeSockets([this](const Principal &p) { return !m_auth.tokenAlive(p.tokenHash); });
}

void SocketApi::onConnected(Socket *socket)
{
    const Principal p = principalOf(*socket);
    switch (p.role) {
    case Role::Dispatcher:
        socket->join(dispatchersRoom());
        break;
    case Role::Courier:
        socket->join(courierRoom(p.userId));
        if (m_courierConnections[p.userId]++ == 0)
            m_dispatch.setCourierOnline(p.userId, true);
        break;
    case Role::Tracker:
        socket->join(packageRoom(p.packageId));
        break;
    }
}

void SocketApi::onDisconnected(Socket *socket)
{
    const Principal p = principalOf(*socket);
    if (!p.isCourier())
        return;
    auto it = m_courierConnections.find(p.userId);
    if (it == m_courierConnections.end())
        return;
    if (--*it <= 0) {
        m_courierConnections.erase(it);
        m_dispatch.setCourierOnline(p.userId, false);
    }
}

void SocketApi::onPackageChanged(const Package &package, const std::vector<PackageEvent> &events,
                                 const QString &previousCourierId)
{
    if (m_dispatch.applyingRemote())
        return; // the hub that made it sent its events to every hub's sockets
    QStringList everyone{dispatchersRoom(), packageRoom(package.id)};
    if (!package.deliveryPersonId.isEmpty())
        everyone.append(courierRoom(package.deliveryPersonId));
    for (const PackageEvent &e : events) {
        Audience audience{everyone, {}};
        // The courier a package was taken from learns of it from the status, not the assignment.
        if (!previousCourierId.isEmpty() && e.event == QLatin1String("package:update"))
            audience.rooms.append(courierRoom(previousCourierId));
        if (e.event == QLatin1String("package:update"))
            qCInfo(lcEvents).noquote().nospace()
                << "Emitting package update for " << package.id << ": { status: '"
                << e.payload.value(QStringLiteral("status")).toString()
                << "', timestamp: " << e.payload.value(QStringLiteral("timestamp")).toString()
                << " }";
        m_nsp.emitEvent(audience, e.event, e.payload);
    }
}

void SocketApi::onCourierOnlineChanged(const Courier &courier, const QDateTime &at)
{
    if (m_dispatch.applyingRemote())
        return;
    m_nsp.emitEvent(Audience{{dispatchersRoom()}, {}}, QStringLiteral("courier:update"),
                    QJsonObject{{QStringLiteral("deliveryPersonId"), courier.id},
                                {QStringLiteral("online"), courier.online},
                                {QStringLiteral("timestamp"), isoTimestamp(at)}});
}

void SocketApi::onCourierMoved(const Courier &courier, const Location &fix)
{
    if (m_dispatch.applyingRemote())
        return;
    const auto carried = m_dispatch.carriedBy(courier.id);
    const QString timestamp = isoTimestamp(fix.timestamp);
    // Written straight to JSON: this runs for every fix, and the QJsonObject route cost more
    // than the rest of the fix's way through the hub.
    auto payloadFor = [&](const Package *package) {
        std::optional<double> eta;
        if (package) {
            const double metres = geo::distanceMetres(fix.latitude, fix.longitude,
                                                      package->latitude, package->longitude);
            if (const auto s = geo::etaSeconds(metres, courier.recentSpeed))
                eta = *s;
        }
        json::Writer w;
        w.beginObject().key("deliveryPersonId"_L1).string(courier.id).key("packageId"_L1);
        if (package)
            w.string(package->id);
        else
            w.null();
        w.key("location"_L1)
            .beginObject()
            .key("latitude"_L1)
            .number(fix.latitude)
            .key("longitude"_L1)
            .number(fix.longitude)
            .endObject();
        w.key("timestamp"_L1).string(timestamp);
        w.key("heading"_L1).numberOrNull(fix.heading).key("speed"_L1).numberOrNull(fix.speed);
        w.key("etaSeconds"_L1).numberOrNull(eta).endObject();
        return w.take();
    };
    static const Audience dispatchers{{dispatchersRoom()}, {}}; // built once: one per fix
    m_nsp.emitEventJson(dispatchers, QStringLiteral("location:update"),
                        payloadFor(carried.empty() ? nullptr : carried.front()));

    if (carried.empty())
        return;
    // Package subscribers get a fix at most once an interval, unless the courier moved far.
    Throttle &t = m_throttle[courier.id];
    const qint64 nowMs = m_dispatch.clock().nowMs();
    const bool due = t.sentAtMs < 0 ||
                     nowMs - t.sentAtMs >= qint64(m_options.locationIntervalSeconds) * 1000 ||
                     // Moved at least the distance: not within anything shorter.
                     !geo::withinMetres(t.latitude, t.longitude, fix.latitude, fix.longitude,
                                        std::nextafter(m_options.locationDistanceMetres, 0.0));
    if (!due)
        return;
    const Throttle sent{nowMs, fix.latitude, fix.longitude};
    std::vector<std::pair<QString, QByteArray>> updates;
    for (const Package *package : carried)
        updates.emplace_back(package->id, payloadFor(package));
    auto send = [this, updates = std::move(updates)] {
        for (const auto &[packageId, payload] : updates)
            m_nsp.emitEventJson(Audience{{packageRoom(packageId)}, {}},
                                QStringLiteral("location:update"), payload);
    };
    if (!m_subscriberGate) {
        t = sent;
        return send();
    }
    // Hubs sharing couriers ask one another: only one of them sends within an interval.
    m_subscriberGate(courier.id, qint64(m_options.locationIntervalSeconds) * 1000, fix,
                     m_options.locationDistanceMetres,
                     [self = QPointer<SocketApi>(this), id = courier.id, sent,
                      send = std::move(send)](bool granted) {
                         if (!self || !granted)
                             return;
                         self->m_throttle[id] = sent;
                         send();
                     });
}

} // namespace depot
