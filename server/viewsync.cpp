#include "viewsync.h"

#include "cluster/redisstreamsadapter.h"
#include "dispatch/dispatchservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace depot {

namespace {

QJsonValue optionalNumber(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}

std::optional<double> numberOf(const QJsonValue &v)
{
    return v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
}

} // namespace

ViewSync::ViewSync(DispatchService &dispatch, RedisStreamsCluster &cluster, Options options,
                   QObject *parent)
    : QObject(parent)
    , m_dispatch(dispatch)
    , m_cluster(cluster)
    , m_options(options)
{
    m_clock.start();
    connect(&m_dispatch, &DispatchService::courierMoved, this,
            [this](const Courier &courier, const Location &fix) {
                if (m_dispatch.applyingRemote())
                    return;
                publish(QJsonObject{{QStringLiteral("k"), QStringLiteral("fix")},
                                    {QStringLiteral("c"), courier.id},
                                    {QStringLiteral("la"), fix.latitude},
                                    {QStringLiteral("lo"), fix.longitude},
                                    {QStringLiteral("a"), optionalNumber(fix.accuracy)},
                                    {QStringLiteral("s"), optionalNumber(fix.speed)},
                                    {QStringLiteral("h"), optionalNumber(fix.heading)},
                                    {QStringLiteral("t"), fix.timestamp.toMSecsSinceEpoch()}});
            });
    connect(&m_dispatch, &DispatchService::packageChanged, this, [this](const Package &package) {
        if (!m_dispatch.applyingRemote())
            publish(QJsonObject{{QStringLiteral("k"), QStringLiteral("package")},
                                {QStringLiteral("id"), package.id}});
    });
    connect(&m_dispatch, &DispatchService::courierChanged, this, [this](const Courier &courier) {
        if (!m_dispatch.applyingRemote())
            publish(QJsonObject{{QStringLiteral("k"), QStringLiteral("courier")},
                                {QStringLiteral("id"), courier.id}});
    });
    connect(&m_dispatch, &DispatchService::courierOnlineHereChanged, this,
            [this](const QString &courierId, bool online) {
                publish(QJsonObject{{QStringLiteral("k"), QStringLiteral("online")},
                                    {QStringLiteral("c"), courierId},
                                    {QStringLiteral("v"), online}});
            });
    connect(&m_cluster, &RedisStreamsCluster::viewEntry, this, &ViewSync::onEntry);
    connect(&m_cluster, &RedisStreamsCluster::connectedChanged, this, [this](bool connected) {
        if (!connected)
            return;
        for (qint64 &heard : m_lastHeardMs)
            heard = m_clock.elapsed(); // silent while this hub could not hear them
        // What changed while this hub did not hear the others is in the database; presence is
        // asked for again.
        m_dispatch.resync();
        announcePresence(true);
    });
    m_heartbeat.setInterval(m_options.heartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        publish(QJsonObject{{QStringLiteral("k"), QStringLiteral("alive")}});
        expireSilentHubs();
    });
    m_heartbeat.start();
}

void ViewSync::publish(const QJsonObject &message)
{
    m_cluster.publishView(QJsonDocument(message).toJson(QJsonDocument::Compact));
}

void ViewSync::announcePresence(bool askBack)
{
    publish(QJsonObject{
        {QStringLiteral("k"), QStringLiteral("presence")},
        {QStringLiteral("c"), QJsonArray::fromStringList(m_dispatch.couriersOnlineHere())},
        {QStringLiteral("ask"), askBack}});
}

void ViewSync::onEntry(const QString &uid, const QByteArray &data)
{
    const QJsonObject m = QJsonDocument::fromJson(data).object();
    const QString kind = m.value(QStringLiteral("k")).toString();
    const bool known = m_lastHeardMs.contains(uid);
    m_lastHeardMs.insert(uid, m_clock.elapsed());
    if (kind == QLatin1String("fix")) {
        Location fix;
        fix.latitude = m.value(QStringLiteral("la")).toDouble();
        fix.longitude = m.value(QStringLiteral("lo")).toDouble();
        fix.accuracy = numberOf(m.value(QStringLiteral("a")));
        fix.speed = numberOf(m.value(QStringLiteral("s")));
        fix.heading = numberOf(m.value(QStringLiteral("h")));
        fix.timestamp = QDateTime::fromMSecsSinceEpoch(
            qint64(m.value(QStringLiteral("t")).toDouble()), Qt::UTC);
        m_dispatch.applyRemoteFix(m.value(QStringLiteral("c")).toString(), fix);
    } else if (kind == QLatin1String("package")) {
        m_dispatch.applyRemotePackage(m.value(QStringLiteral("id")).toString());
    } else if (kind == QLatin1String("courier")) {
        m_dispatch.applyRemoteCouriers();
    } else if (kind == QLatin1String("online")) {
        QSet<QString> couriers = m_onlineOnHub.value(uid);
        const QString id = m.value(QStringLiteral("c")).toString();
        if (m.value(QStringLiteral("v")).toBool())
            couriers.insert(id);
        else
            couriers.remove(id);
        setHubPresence(uid, couriers);
    } else if (kind == QLatin1String("presence")) {
        QSet<QString> couriers;
        for (const QJsonValue &v : m.value(QStringLiteral("c")).toArray())
            couriers.insert(v.toString());
        setHubPresence(uid, couriers);
        if (m.value(QStringLiteral("ask")).toBool())
            announcePresence(false);
        return;
    }
    // A hub heard of for the first time (started, or back after being taken for gone) is told
    // who is online here, and asked for its own.
    if (!known)
        announcePresence(true);
}

void ViewSync::setHubPresence(const QString &uid, const QSet<QString> &couriers)
{
    const QSet<QString> before = m_onlineOnHub.value(uid);
    if (couriers.isEmpty())
        m_onlineOnHub.remove(uid);
    else
        m_onlineOnHub.insert(uid, couriers);
    for (const QString &id : couriers) {
        if (!before.contains(id) && m_hubsWithCourier[id]++ == 0)
            m_dispatch.setCourierOnlineElsewhere(id, true, false);
    }
    for (const QString &id : before) {
        if (!couriers.contains(id) && --m_hubsWithCourier[id] <= 0) {
            m_hubsWithCourier.remove(id);
            m_dispatch.setCourierOnlineElsewhere(id, false, false);
        }
    }
}

bool ViewSync::announcesForGoneHubs() const
{
    for (auto it = m_lastHeardMs.cbegin(); it != m_lastHeardMs.cend(); ++it)
        if (it.key() < m_cluster.uid())
            return false;
    return true;
}

void ViewSync::expireSilentHubs()
{
    if (!m_cluster.isConnected())
        return; // silence is Redis's, not the hubs'
    const qint64 now = m_clock.elapsed();
    QStringList gone;
    for (auto it = m_lastHeardMs.cbegin(); it != m_lastHeardMs.cend(); ++it)
        if (now - it.value() > m_options.hubTimeoutMs)
            gone.append(it.key());
    for (const QString &uid : gone)
        m_lastHeardMs.remove(uid);
    const bool announce = announcesForGoneHubs();
    for (const QString &uid : gone) {
        const QSet<QString> couriers = m_onlineOnHub.take(uid);
        for (const QString &id : couriers) {
            if (--m_hubsWithCourier[id] <= 0) {
                m_hubsWithCourier.remove(id);
                m_dispatch.setCourierOnlineElsewhere(id, false, announce);
            }
        }
    }
}

} // namespace depot
