#pragma once

#include "core/types.h"

#include <QAbstractListModel>
#include <QHash>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace depot {

class DispatchMirror;
class DispatchService;

/// Every package the dispatch service knows, one row each, kept live from its signals.
class PackageModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        PackageIdRole, // the id again: QML delegates cannot name a property `id`
        TrackingCodeRole,
        RecipientNameRole,
        AddressRole,
        LatitudeRole,
        LongitudeRole,
        StatusRole,
        StateRole, // the status again, under the name MarkerLayer colours pins by
        LabelRole,
        DeliveryPersonIdRole,
        CourierNameRole,
        NotesRole,
        ReasonRole,
        CreatedAtRole,
        UpdatedAtRole,
    };
    Q_ENUM(Role)

    /// With a copy of the service of its own.
    explicit PackageModel(DispatchService &dispatch, QObject *parent = nullptr);
    /// On a copy shared with the console's other models.
    explicit PackageModel(DispatchMirror &dispatch, QObject *parent = nullptr);
    ~PackageModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    int count() const { return int(m_rows.size()); }
    /// The row of a package id, or -1.
    Q_INVOKABLE int rowOf(const QString &id) const;

    /// Reads every package again; for a service that was reloaded.
    void reload();

Q_SIGNALS:
    void countChanged();

private:
    void onPackageChanged(const depot::Package &package);
    void onCourierChanged(const depot::Courier &courier);

    struct Row
    {
        Package package;
        QString courierName;
    };

    DispatchMirror &m_dispatch;
    std::vector<Row> m_rows;
    QHash<QString, int> m_rowById;
};

} // namespace depot
