#include "packagefiltermodel.h"

#include "packagemodel.h"

#include "core/types.h"

namespace depot {

PackageFilterModel::PackageFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(true);
    sort(0, Qt::DescendingOrder);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(this, signal, this, &PackageFilterModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &PackageFilterModel::countChanged);
    connect(this, &QAbstractItemModel::layoutChanged, this, &PackageFilterModel::countChanged);
    recount();
}

void PackageFilterModel::setSourceModel(QAbstractItemModel *model)
{
    for (const auto &c : std::as_const(m_sourceConnections))
        disconnect(c);
    m_sourceConnections.clear();
    QSortFilterProxyModel::setSourceModel(model);
    if (model) {
        auto recount = [this] { this->recount(); };
        m_sourceConnections << connect(model, &QAbstractItemModel::rowsInserted, this, recount)
                            << connect(model, &QAbstractItemModel::rowsRemoved, this, recount)
                            << connect(model, &QAbstractItemModel::modelReset, this, recount)
                            << connect(model, &QAbstractItemModel::dataChanged, this,
                                       [this](const QModelIndex &, const QModelIndex &,
                                              const QList<int> &roles) {
                                           if (roles.isEmpty() ||
                                               roles.contains(PackageModel::StatusRole))
                                               this->recount();
                                       });
    }
    recount();
    Q_EMIT countChanged();
}

void PackageFilterModel::setStatusFilter(const QString &status)
{
    if (m_status == status)
        return;
    m_status = status;
    invalidateRowsFilter();
    Q_EMIT statusFilterChanged();
    Q_EMIT countChanged();
}

void PackageFilterModel::setSearchText(const QString &text)
{
    if (m_search == text)
        return;
    m_search = text;
    invalidateRowsFilter();
    Q_EMIT searchTextChanged();
    Q_EMIT countChanged();
}

QVariant PackageFilterModel::valueAt(int row, const QString &role) const
{
    const int roleId = roleNames().key(role.toUtf8(), -1);
    if (row < 0 || row >= rowCount() || roleId < 0)
        return {};
    return index(row, 0).data(roleId);
}

int PackageFilterModel::rowOf(const QString &id) const
{
    const auto *packages = qobject_cast<const PackageModel *>(sourceModel());
    if (!packages)
        return -1;
    const int sourceRow = packages->rowOf(id);
    return sourceRow < 0 ? -1 : mapFromSource(packages->index(sourceRow, 0)).row();
}

bool PackageFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_status.isEmpty() && i.data(PackageModel::StatusRole).toString() != m_status)
        return false;
    const QString needle = m_search.trimmed();
    if (needle.isEmpty())
        return true;
    for (int role : {PackageModel::RecipientNameRole, PackageModel::AddressRole,
                     PackageModel::TrackingCodeRole}) {
        if (i.data(role).toString().contains(needle, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

bool PackageFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    // Creation time, then source row: a stable order that does not jump as statuses change.
    const QDateTime a = left.data(PackageModel::CreatedAtRole).toDateTime();
    const QDateTime b = right.data(PackageModel::CreatedAtRole).toDateTime();
    if (a != b)
        return a < b;
    return left.row() < right.row();
}

void PackageFilterModel::recount()
{
    QVariantMap counts;
    for (auto s : {PackageStatus::Pending, PackageStatus::Assigned, PackageStatus::InProgress,
                   PackageStatus::Completed, PackageStatus::Failed, PackageStatus::Cancelled})
        counts.insert(statusName(s), 0);
    int total = 0;
    if (const QAbstractItemModel *source = sourceModel()) {
        const int rows = source->rowCount();
        for (int r = 0; r < rows; ++r) {
            const QString status = source->index(r, 0).data(PackageModel::StatusRole).toString();
            counts[status] = counts.value(status).toInt() + 1;
        }
        total = rows;
    }
    counts.insert(QString(), total);
    if (counts == m_counts)
        return;
    m_counts = std::move(counts);
    Q_EMIT countsChanged();
}

} // namespace depot
