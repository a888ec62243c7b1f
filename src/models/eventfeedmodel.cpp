#include "eventfeedmodel.h"

#include "dispatch/dispatchservice.h"
#include "dispatchmirror.h"

namespace depot {

EventFeedModel::EventFeedModel(DispatchService &dispatch, QObject *parent)
    : EventFeedModel(*new DispatchMirror(dispatch), parent)
{
    m_dispatch.setParent(this);
}

EventFeedModel::EventFeedModel(DispatchMirror &dispatch, QObject *parent)
    : QAbstractListModel(parent)
    , m_dispatch(dispatch)
{
    connect(&m_dispatch, &DispatchMirror::packageChanged, this, &EventFeedModel::onPackageChanged);
    connect(&m_dispatch, &DispatchMirror::courierOnlineChanged, this,
            &EventFeedModel::onOnlineChanged);
}

int EventFeedModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant EventFeedModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &e = m_entries[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        return e.text;
    case TimestampRole:
        return e.timestamp;
    case KindRole:
        return e.kind;
    case EventRole:
        return e.event;
    case PackageIdRole:
        return e.packageId;
    case CourierIdRole:
        return e.courierId;
    case StatusRole:
        return e.status;
    }
    return {};
}

QHash<int, QByteArray> EventFeedModel::roleNames() const
{
    return {
        {TimestampRole, "timestamp"}, {KindRole, "kind"},           {EventRole, "event"},
        {TextRole, "text"},           {PackageIdRole, "packageId"}, {CourierIdRole, "courierId"},
        {StatusRole, "status"},
    };
}

void EventFeedModel::setCapacity(int capacity)
{
    capacity = std::max(1, capacity);
    if (capacity == m_capacity)
        return;
    m_capacity = capacity;
    if (int(m_entries.size()) > m_capacity) {
        beginRemoveRows({}, m_capacity, int(m_entries.size()) - 1);
        m_entries.resize(size_t(m_capacity));
        endRemoveRows();
        Q_EMIT countChanged();
    }
    Q_EMIT capacityChanged();
}

void EventFeedModel::clear()
{
    if (m_entries.empty())
        return;
    beginResetModel();
    m_entries.clear();
    endResetModel();
    Q_EMIT countChanged();
}

QString EventFeedModel::courierName(const QString &id) const
{
    const Courier *c = m_dispatch.findCourier(id);
    return c ? c->name : tr("an unknown courier");
}

void EventFeedModel::onPackageChanged(const Package &package,
                                      const std::vector<PackageEvent> &events,
                                      const QString &previousCourierId)
{
    if (events.empty())
        return;
    // One line per change: the specific event names it; package:update alone is a new package.
    const PackageEvent &first = events.front();
    const QString code = package.trackingCode;
    const QString courier = courierName(package.deliveryPersonId);
    QString text;
    if (first.event == QLatin1String("delivery:assigned")) {
        text = previousCourierId.isEmpty()
                   ? tr("%1 assigned to %2").arg(code, courier)
                   : tr("%1 reassigned from %2 to %3")
                         .arg(code, courierName(previousCourierId), courier);
    } else if (first.event == QLatin1String("delivery:started")) {
        text = tr("%1 started delivering %2").arg(courier, code);
    } else if (first.event == QLatin1String("delivery:completed")) {
        text = tr("%1 delivered %2").arg(courier, code);
    } else if (first.event == QLatin1String("delivery:failed")) {
        text = package.reason.isEmpty()
                   ? tr("%1 could not deliver %2").arg(courier, code)
                   : tr("%1 could not deliver %2: %3").arg(courier, code, package.reason);
    } else if (first.event == QLatin1String("package:cancelled")) {
        text = package.reason.isEmpty() ? tr("%1 cancelled").arg(code)
                                        : tr("%1 cancelled: %2").arg(code, package.reason);
    } else {
        text = tr("New package %1 for %2").arg(code, package.recipientName);
    }
    prepend(Entry{first.timestamp, QStringLiteral("package"), first.event, text, package.id,
                  package.deliveryPersonId, statusName(package.status)});
}

void EventFeedModel::onOnlineChanged(const Courier &courier, const QDateTime &at)
{
    const QString text = courier.online ? tr("%1 came online").arg(courier.name)
                                        : tr("%1 went offline").arg(courier.name);
    prepend(Entry{at, QStringLiteral("courier"), QStringLiteral("courier:update"), text, QString(),
                  courier.id,
                  courier.online ? QStringLiteral("online") : QStringLiteral("offline")});
}

void EventFeedModel::prepend(Entry entry)
{
    // Drop the oldest first, so the model never holds more than its capacity.
    if (int(m_entries.size()) >= m_capacity) {
        const int last = int(m_entries.size()) - 1;
        beginRemoveRows({}, m_capacity - 1, last);
        m_entries.resize(size_t(m_capacity - 1));
        endRemoveRows();
    }
    beginInsertRows({}, 0, 0);
    m_entries.push_front(std::move(entry));
    endInsertRows();
    Q_EMIT countChanged();
}

} // namespace depot
