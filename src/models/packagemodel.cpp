#include "packagemodel.h"

#include "dispatch/dispatchservice.h"
#include "dispatchmirror.h"

namespace depot {

PackageModel::PackageModel(DispatchService &dispatch, QObject *parent)
    : PackageModel(*new DispatchMirror(dispatch), parent)
{
    m_dispatch.setParent(this);
}

PackageModel::PackageModel(DispatchMirror &dispatch, QObject *parent)
    : QAbstractListModel(parent)
    , m_dispatch(dispatch)
{
    connect(&m_dispatch, &DispatchMirror::packageChanged, this,
            [this](const Package &package, const std::vector<PackageEvent> &, const QString &) {
                onPackageChanged(package);
            });
    connect(&m_dispatch, &DispatchMirror::courierChanged, this, &PackageModel::onCourierChanged);
    reload();
}

PackageModel::~PackageModel() = default;

void PackageModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_rowById.clear();
    for (Package &p : m_dispatch.packages()) {
        const Courier *c = m_dispatch.findCourier(p.deliveryPersonId);
        m_rowById.insert(p.id, int(m_rows.size()));
        m_rows.push_back(Row{std::move(p), c ? c->name : QString()});
    }
    endResetModel();
    Q_EMIT countChanged();
}

int PackageModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant PackageModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const Package &p = row.package;
    switch (role) {
    case Qt::DisplayRole:
    case TrackingCodeRole:
    case LabelRole:
        return p.trackingCode;
    case IdRole:
    case PackageIdRole:
        return p.id;
    case RecipientNameRole:
        return p.recipientName;
    case AddressRole:
        return p.address;
    case LatitudeRole:
        return p.latitude;
    case LongitudeRole:
        return p.longitude;
    case StatusRole:
    case StateRole:
        return statusName(p.status);
    case DeliveryPersonIdRole:
        return p.deliveryPersonId;
    case CourierNameRole:
        return row.courierName;
    case NotesRole:
        return p.notes;
    case ReasonRole:
        return p.reason;
    case CreatedAtRole:
        return p.createdAt;
    case UpdatedAtRole:
        return p.updatedAt;
    }
    return {};
}

QHash<int, QByteArray> PackageModel::roleNames() const
{
    return {
        {IdRole, "id"},
        {PackageIdRole, "packageId"},
        {TrackingCodeRole, "trackingCode"},
        {RecipientNameRole, "recipientName"},
        {AddressRole, "address"},
        {LatitudeRole, "latitude"},
        {LongitudeRole, "longitude"},
        {StatusRole, "status"},
        {StateRole, "state"},
        {LabelRole, "label"},
        {DeliveryPersonIdRole, "deliveryPersonId"},
        {CourierNameRole, "courierName"},
        {NotesRole, "notes"},
        {ReasonRole, "reason"},
        {CreatedAtRole, "createdAt"},
        {UpdatedAtRole, "updatedAt"},
    };
}

int PackageModel::rowOf(const QString &id) const
{
    return m_rowById.value(id, -1);
}

void PackageModel::onPackageChanged(const Package &package)
{
    const Courier *c = m_dispatch.findCourier(package.deliveryPersonId);
    const QString courierName = c ? c->name : QString();
    const int row = rowOf(package.id);
    if (row < 0) {
        // The service only ever adds packages, in creation order: a new one goes last.
        const int at = int(m_rows.size());
        beginInsertRows({}, at, at);
        m_rowById.insert(package.id, at);
        m_rows.push_back(Row{package, courierName});
        endInsertRows();
        Q_EMIT countChanged();
        return;
    }
    Row &r = m_rows[size_t(row)];
    r.package = package;
    r.courierName = courierName;
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(
        i, i,
        {StatusRole, StateRole, DeliveryPersonIdRole, CourierNameRole, ReasonRole, UpdatedAtRole});
}

void PackageModel::onCourierChanged(const Courier &courier)
{
    // A renamed courier: only the rows they carry show the name.
    for (size_t i = 0; i < m_rows.size(); ++i) {
        Row &r = m_rows[i];
        if (r.package.deliveryPersonId != courier.id || r.courierName == courier.name)
            continue;
        r.courierName = courier.name;
        const QModelIndex at = index(int(i));
        Q_EMIT dataChanged(at, at, {CourierNameRole});
    }
}

} // namespace depot
