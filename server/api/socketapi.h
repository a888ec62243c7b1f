#pragma once

#include "core/types.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>

namespace depot {

class AuthService;
class DispatchService;
class LocationIngest;
class Namespace;
class Socket;

/// The real-time half of the contract on the main namespace: authenticates each connection by
/// its token, puts it in the rooms of what it may see, takes couriers' fixes and turns every
/// dispatch change into the contract's events for exactly the clients that may see them.
class SocketApi : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int locationIntervalSeconds = 30;
        double locationDistanceMetres = 50;
    };

    SocketApi(Namespace &nsp, DispatchService &dispatch, AuthService &auth,
              LocationIngest &locations, Options options, QObject *parent = nullptr);

    /// Rooms: every dispatcher, one per courier (all their connections), one per package's
    /// trackers.
    static QString dispatchersRoom() { return QStringLiteral("dispatchers"); }
    static QString courierRoom(const QString &courierId)
    {
        return QStringLiteral("courier:") + courierId;
    }
    static QString packageRoom(const QString &packageId)
    {
        return QStringLiteral("package:") + packageId;
    }

    /// Asks whether this hub sends a courier's fix to package subscribers now (hubs sharing
    /// couriers): not when another sent one within `intervalMs` less than `metres` away from
    /// `fix`; `done` answers.
    using SubscriberGate =
        std::function<void(const QString &courierId, qint64 intervalMs, const Location &fix,
                           double metres, std::function<void(bool)> done)>;
    void setSubscriberGate(SubscriberGate gate) { m_subscriberGate = std::move(gate); }

private:
    void onConnected(Socket *socket);
    void onDisconnected(Socket *socket);
    void onPackageChanged(const Package &package, const std::vector<PackageEvent> &events,
                          const QString &previousCourierId);
    void onCourierOnlineChanged(const Courier &courier, const QDateTime &at);
    void onCourierMoved(const Courier &courier, const Location &fix);
    /// False, and the socket is closed, when the token it connected with has ended; a live
    /// token is renewed.
    bool tokenStillLive(Socket &socket, const Principal &caller);
    /// Closes the dispatchers' and couriers' sockets that `which` picks.
    void closeSockets(const std::function<bool(const Principal &)> &which);
    /// Closes every socket whose token expired without being used.
    void sweepExpiredTokens();

    /// Per courier: what the package subscribers were last sent, for the throttle.
    struct Throttle
    {
        qint64 sentAtMs = -1;
        double latitude = 0;
        double longitude = 0;
    };

    Namespace &m_nsp;
    DispatchService &m_dispatch;
    AuthService &m_auth;
    LocationIngest &m_locations;
    Options m_options;
    QHash<QString, int> m_courierConnections;
    QHash<QString, Throttle> m_throttle;
    QTimer m_sweep;
    SubscriberGate m_subscriberGate;
};

} // namespace depot

Q_DECLARE_METATYPE(depot::Principal)
