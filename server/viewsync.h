#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace depot {

class DispatchService;
class RedisStreamsCluster;

/// Keeps this hub's view (couriers' positions and presence, packages) in step with the other
/// hubs on one Redis: this hub's own changes go into the cluster's view stream, the others' are
/// applied to the DispatchService without being stored or announced again. Each hub says it is
/// alive every heartbeat; a hub silent for longer than the timeout is taken for gone, with its
/// couriers' presence.
class ViewSync : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int heartbeatMs = 1'000;
        int hubTimeoutMs = 5'000;
    };

    ViewSync(DispatchService &dispatch, RedisStreamsCluster &cluster, Options options,
             QObject *parent = nullptr);

private:
    void publish(const QJsonObject &message);
    void announcePresence(bool askBack);
    void onEntry(const QString &uid, const QByteArray &data);
    void setHubPresence(const QString &uid, const QSet<QString> &couriers);
    void courierPresenceMaybeChanged(const QString &courierId, bool announce);
    void expireSilentHubs();
    /// The hub with the least uid among those alive announces what a gone hub cannot.
    bool announcesForGoneHubs() const;

    DispatchService &m_dispatch;
    RedisStreamsCluster &m_cluster;
    Options m_options;
    QTimer m_heartbeat;
    QElapsedTimer m_clock;
    QHash<QString, qint64> m_lastHeardMs;        // other hubs by uid
    QHash<QString, QSet<QString>> m_onlineOnHub; // other hubs' couriers online
    QHash<QString, int> m_hubsWithCourier;       // courier id -> how many other hubs
};

} // namespace depot
