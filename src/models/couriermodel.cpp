#include "couriermodel.h"

#include "dispatch/dispatchservice.h"
#include "dispatchmirror.h"

namespace depot {

CourierModel::CourierModel(DispatchService &dispatch, QObject *parent)
    : CourierModel(*new DispatchMirror(dispatch), parent)
{
    m_dispatch.setParent(this);
}

CourierModel::CourierModel(DispatchMirror &dispatch, QObject *parent)
    : QAbstractListModel(parent)
    , m_dispatch(dispatch)
{
    connect(&m_dispatch, &DispatchMirror::courierChanged, this, &CourierModel::onCourierChanged);
    connect(&m_dispatch, &DispatchMirror::courierOnlineChanged, this,
            &CourierModel::onOnlineChanged);
    connect(&m_dispatch, &DispatchMirror::courierMoved, this, &CourierModel::onMoved);
    connect(
        &m_dispatch, &DispatchMirror::packageChanged, this,
        [this](const Package &package, const std::vector<PackageEvent> &,
               const QString &previousCourierId) { onPackageChanged(package, previousCourierId); });
    reload();
}

CourierModel::~CourierModel() = default;

void CourierModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_rowById.clear();
    for (const Courier &c : m_dispatch.couriers()) {
        Row row;
        row.id = c.id;
        if (c.lastLocation)
            row.lastSeen = c.lastLocation->timestamp;
        refreshLoad(row);
        m_rowById.insert(c.id, int(m_rows.size()));
        m_rows.push_back(std::move(row));
    }
    endResetModel();
    Q_EMIT countChanged();
    countOnline();
}

int CourierModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant CourierModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const Courier *c = m_dispatch.findCourier(row.id);
    if (!c)
        return {};
    const auto &fix = c->lastLocation;
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
    case LabelRole:
        return c->name;
    case IdRole:
    case CourierIdRole:
        return c->id;
    case UsernameRole:
        return c->username;
    case PhoneRole:
        return c->phone;
    case DeviceIdRole:
        return c->deviceId;
    case OnlineRole:
        return c->online;
    case StateRole:
        if (!c->online)
            return QStringLiteral("offline");
        return row.busy ? QStringLiteral("busy") : QStringLiteral("free");
    // No fix yet: no value, so the map leaves the courier off rather than at 0, 0.
    case LatitudeRole:
        return fix ? QVariant(fix->latitude) : QVariant();
    case LongitudeRole:
        return fix ? QVariant(fix->longitude) : QVariant();
    case HeadingRole:
        return fix && fix->heading ? QVariant(*fix->heading) : QVariant();
    case SpeedRole:
        return fix && fix->speed ? QVariant(*fix->speed) : QVariant();
    case LastSeenRole:
        return row.lastSeen;
    case CurrentPackageIdRole:
        return row.currentPackageId;
    case CurrentTrackingCodeRole:
        return row.currentTrackingCode;
    case CarriedCountRole:
        return row.carried;
    case ActiveRole:
        return c->active;
    }
    return {};
}

QHash<int, QByteArray> CourierModel::roleNames() const
{
    return {
        {IdRole, "id"},
        {CourierIdRole, "courierId"},
        {NameRole, "name"},
        {LabelRole, "label"},
        {UsernameRole, "username"},
        {PhoneRole, "phone"},
        {DeviceIdRole, "deviceId"},
        {OnlineRole, "online"},
        {StateRole, "state"},
        {LatitudeRole, "latitude"},
        {LongitudeRole, "longitude"},
        {HeadingRole, "heading"},
        {SpeedRole, "speed"},
        {LastSeenRole, "lastSeen"},
        {CurrentPackageIdRole, "currentPackageId"},
        {CurrentTrackingCodeRole, "currentTrackingCode"},
        {CarriedCountRole, "carriedCount"},
        {ActiveRole, "active"},
    };
}

int CourierModel::rowOf(const QString &id) const
{
    return m_rowById.value(id, -1);
}

bool CourierModel::refreshLoad(Row &row) const
{
    const auto carried = m_dispatch.carriedBy(row.id);
    Row next = row;
    next.carried = int(carried.size());
    next.currentPackageId = carried.empty() ? QString() : carried.front()->id;
    next.currentTrackingCode = carried.empty() ? QString() : carried.front()->trackingCode;
    next.busy = !carried.empty() && carried.front()->status == PackageStatus::InProgress;
    const bool changed = next.carried != row.carried || next.busy != row.busy ||
                         next.currentPackageId != row.currentPackageId;
    row = std::move(next);
    return changed;
}

void CourierModel::countOnline()
{
    int online = 0;
    for (const Courier &c : m_dispatch.couriers())
        online += c.online ? 1 : 0;
    if (online == m_onlineCount)
        return;
    m_onlineCount = online;
    Q_EMIT onlineCountChanged();
}

void CourierModel::onCourierChanged(const Courier &courier)
{
    const int row = rowOf(courier.id);
    if (row >= 0) {
        const QModelIndex i = index(row);
        Q_EMIT dataChanged(
            i, i, {NameRole, LabelRole, UsernameRole, PhoneRole, DeviceIdRole, ActiveRole});
        return;
    }
    // The service lists couriers by creation time: a new one goes last.
    const int at = int(m_rows.size());
    Row r;
    r.id = courier.id;
    if (courier.lastLocation)
        r.lastSeen = courier.lastLocation->timestamp;
    refreshLoad(r);
    beginInsertRows({}, at, at);
    m_rowById.insert(courier.id, at);
    m_rows.push_back(std::move(r));
    endInsertRows();
    Q_EMIT countChanged();
    if (courier.online)
        countOnline();
}

void CourierModel::onOnlineChanged(const Courier &courier, const QDateTime &at)
{
    const int row = rowOf(courier.id);
    if (row < 0)
        return;
    m_rows[size_t(row)].lastSeen = at;
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i, {OnlineRole, StateRole, LastSeenRole});
    m_onlineCount += courier.online ? 1 : -1;
    Q_EMIT onlineCountChanged();
}

void CourierModel::onMoved(const Courier &courier, const Location &fix)
{
    const int row = rowOf(courier.id);
    if (row < 0)
        return;
    Row &r = m_rows[size_t(row)];
    if (!r.lastSeen.isValid() || fix.timestamp > r.lastSeen)
        r.lastSeen = fix.timestamp;
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i, {LatitudeRole, LongitudeRole, HeadingRole, SpeedRole, LastSeenRole});
}

void CourierModel::onPackageChanged(const Package &package, const QString &previousCourierId)
{
    for (const QString &id : {package.deliveryPersonId, previousCourierId}) {
        const int row = rowOf(id);
        if (row < 0)
            continue;
        if (!refreshLoad(m_rows[size_t(row)]))
            continue;
        const QModelIndex i = index(row);
        Q_EMIT dataChanged(
            i, i, {StateRole, CurrentPackageIdRole, CurrentTrackingCodeRole, CarriedCountRole});
    }
}

} // namespace depot
