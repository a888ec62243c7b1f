#pragma once

#include <QSortFilterProxyModel>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

namespace depot {

class PackageModel;

/// The packages a dispatcher is looking at: one status or all, a search over recipient,
/// address and tracking code, newest first; with the count of every status over all packages.
class PackageFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    Q_PROPERTY(
        QString statusFilter READ statusFilter WRITE setStatusFilter NOTIFY statusFilterChanged)
    Q_PROPERTY(QString searchText READ searchText WRITE setSearchText NOTIFY searchTextChanged)
    Q_PROPERTY(QVariantMap counts READ counts NOTIFY countsChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    explicit PackageFilterModel(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *model) override;

    QString statusFilter() const { return m_status; }
    /// A status name ("PENDING", ...) or empty for every status.
    void setStatusFilter(const QString &status);
    QString searchText() const { return m_search; }
    void setSearchText(const QString &text);
    /// Status name -> number of packages, over all packages whatever the filter; "" is the total.
    QVariantMap counts() const { return m_counts; }
    int count() const { return rowCount(); }

    /// A role's value at a row of this model, by role name: for the panels' actions.
    Q_INVOKABLE QVariant valueAt(int row, const QString &role) const;
    /// The row of a package id in this model, or -1 when filtered out.
    Q_INVOKABLE int rowOf(const QString &id) const;

Q_SIGNALS:
    void statusFilterChanged();
    void searchTextChanged();
    void countsChanged();
    void countChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    void recount();

    QString m_status;
    QString m_search;
    QVariantMap m_counts;
    QList<QMetaObject::Connection> m_sourceConnections;
};

} // namespace depot
