#include "dispatchmirror.h"

#include "dispatch/dispatchservice.h"

#include <QThread>

#include <algorithm>

namespace depot {

DispatchMirror::DispatchMirror(DispatchService &dispatch, QObject *parent)
    : QObject(parent)
    , m_service(dispatch)
{
    // Subscribing and reading happen in one step on the service's thread: no change falls
    // between the copy and the first signal.
    if (isRemote())
        QMetaObject::invokeMethod(
            &m_service, [this] { follow(); }, Qt::BlockingQueuedConnection);
    else
        follow();
}

DispatchMirror::~DispatchMirror()
{
    for (const auto &c : std::as_const(m_connections))
        QObject::disconnect(c);
    if (m_queue) {
        const QMutexLocker lock(&m_queue->mutex);
        m_queue->receiver = nullptr;
    }
}

void DispatchMirror::enqueue(const std::shared_ptr<Queue> &queue, Change change)
{
    const QMutexLocker lock(&queue->mutex);
    if (!queue->receiver)
        return;
    queue->changes.push_back(std::move(change));
    if (queue->changes.size() == 1) // the first since the last take: ask for one
        QMetaObject::invokeMethod(queue->receiver, &DispatchMirror::takeQueued,
                                  Qt::QueuedConnection);
}

void DispatchMirror::takeQueued()
{
    std::vector<Change> changes;
    {
        const QMutexLocker lock(&m_queue->mutex);
        changes.swap(m_queue->changes);
    }
    for (Change &change : changes) {
        if (auto *m = std::get_if<Move>(&change))
            onCourierMoved(m->courier, m->fix);
        else if (auto *p = std::get_if<PackageChange>(&change))
            onPackageChanged(p->package, p->events, p->previousCourierId);
        else if (auto *c = std::get_if<CourierChange>(&change))
            onCourierChanged(c->courier);
        else if (auto *o = std::get_if<OnlineChange>(&change))
            onCourierOnlineChanged(o->courier, o->at);
    }
}

const Clock &DispatchMirror::clock() const
{
    return m_service.clock();
}

bool DispatchMirror::isRemote() const
{
    return m_service.thread() != thread();
}

void DispatchMirror::follow()
{
    if (!isRemote()) {
        connect(&m_service, &DispatchService::packageChanged, this,
                &DispatchMirror::onPackageChanged);
        connect(&m_service, &DispatchService::courierChanged, this,
                &DispatchMirror::onCourierChanged);
        connect(&m_service, &DispatchService::courierOnlineChanged, this,
                &DispatchMirror::onCourierOnlineChanged);
        connect(&m_service, &DispatchService::courierMoved, this, &DispatchMirror::onCourierMoved);
    } else {
        // Runs on the service's thread (see the constructor): the service is the context, so
        // each change is queued where it is made, in the order it is made.
        m_queue = std::make_shared<Queue>();
        m_queue->receiver = this;
        auto queue = m_queue;
        m_connections
            << connect(&m_service, &DispatchService::packageChanged, &m_service,
                       [queue](const Package &package, const std::vector<PackageEvent> &events,
                               const QString &previousCourierId) {
                           enqueue(queue, PackageChange{package, events, previousCourierId});
                       })
            << connect(&m_service, &DispatchService::courierChanged, &m_service,
                       [queue](const Courier &courier) { enqueue(queue, CourierChange{courier}); })
            << connect(&m_service, &DispatchService::courierOnlineChanged, &m_service,
                       [queue](const Courier &courier, const QDateTime &at) {
                           enqueue(queue, OnlineChange{courier, at});
                       })
            << connect(&m_service, &DispatchService::courierMoved, &m_service,
                       [queue](const Courier &courier, const Location &fix) {
                           enqueue(queue, Move{courier, fix});
                       });
    }
    for (const Courier &c : m_service.couriers()) {
        m_courierOrder.push_back(c.id);
        m_couriers.insert(c.id, c);
    }
    const Principal reader{Role::Dispatcher, QString(), QString(), QString(), QString(), {}};
    for (Package &p : m_service.packages(reader, PackageFilter{})) {
        m_packagePosition.insert(p.id, qsizetype(m_packageOrder.size()));
        m_packageOrder.push_back(p.id);
        indexCarried(nullptr, p);
        m_packages.insert(p.id, std::move(p));
    }
}

void DispatchMirror::catchUp()
{
    if (m_queue)
        takeQueued();
}

std::vector<Courier> DispatchMirror::couriers() const
{
    std::vector<Courier> out;
    out.reserve(m_courierOrder.size());
    for (const QString &id : m_courierOrder)
        out.push_back(*m_couriers.constFind(id));
    return out;
}

const Courier *DispatchMirror::findCourier(const QString &id) const
{
    const auto it = m_couriers.constFind(id);
    return it == m_couriers.cend() ? nullptr : &*it;
}

std::vector<Package> DispatchMirror::packages() const
{
    std::vector<Package> out;
    out.reserve(m_packageOrder.size());
    for (const QString &id : m_packageOrder)
        out.push_back(*m_packages.constFind(id));
    return out;
}

const Package *DispatchMirror::findPackage(const QString &id) const
{
    const auto it = m_packages.constFind(id);
    return it == m_packages.cend() ? nullptr : &*it;
}

std::vector<const Package *> DispatchMirror::carriedBy(const QString &courierId) const
{
    return m_carried.of(courierId, [this](const QString &id) { return findPackage(id); });
}

void DispatchMirror::indexCarried(const Package *before, const Package &after)
{
    m_carried.update(before, after,
                     [this](const QString &id) { return m_packagePosition.value(id); });
}

void DispatchMirror::onPackageChanged(const Package &package,
                                      const std::vector<PackageEvent> &events,
                                      const QString &previousCourierId)
{
    auto it = m_packages.find(package.id);
    if (it == m_packages.end()) {
        m_packagePosition.insert(package.id, qsizetype(m_packageOrder.size()));
        m_packageOrder.push_back(package.id);
        indexCarried(nullptr, package);
        m_packages.insert(package.id, package);
    } else {
        const Package before = *it;
        *it = package;
        indexCarried(&before, package);
    }
    Q_EMIT packageChanged(package, events, previousCourierId);
}

void DispatchMirror::putCourier(const Courier &courier)
{
    auto it = m_couriers.find(courier.id);
    if (it != m_couriers.end()) {
        *it = courier;
        return;
    }
    // The service lists couriers by creation time: a new one goes last.
    m_courierOrder.push_back(courier.id);
    m_couriers.insert(courier.id, courier);
}

void DispatchMirror::onCourierChanged(const Courier &courier)
{
    putCourier(courier);
    Q_EMIT courierChanged(courier);
}

void DispatchMirror::onCourierOnlineChanged(const Courier &courier, const QDateTime &at)
{
    putCourier(courier);
    Q_EMIT courierOnlineChanged(courier, at);
}

void DispatchMirror::onCourierMoved(const Courier &courier, const Location &fix)
{
    putCourier(courier);
    Q_EMIT courierMoved(courier, fix);
}

} // namespace depot
