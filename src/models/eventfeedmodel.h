#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QtQml/qqmlregistration.h>

#include <deque>
#include <vector>

namespace depot {

class DispatchMirror;
class DispatchService;
struct Courier;
struct Package;
struct PackageEvent;

/// What just happened, newest first, as sentences for a person: status changes and couriers
/// coming online or going offline. Keeps the latest `capacity` entries only.
class EventFeedModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(int capacity READ capacity WRITE setCapacity NOTIFY capacityChanged)

public:
    enum Role {
        TimestampRole = Qt::UserRole + 1,
        KindRole,  // "package" or "courier"
        EventRole, // the wire event: "delivery:assigned", "courier:update", ...
        TextRole,
        PackageIdRole,
        CourierIdRole,
        StatusRole, // the package's new status, or "online"/"offline"
    };
    Q_ENUM(Role)

    /// With a copy of the service of its own.
    explicit EventFeedModel(DispatchService &dispatch, QObject *parent = nullptr);
    /// On a copy shared with the console's other models.
    explicit EventFeedModel(DispatchMirror &dispatch, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    int count() const { return int(m_entries.size()); }
    int capacity() const { return m_capacity; }
    void setCapacity(int capacity);

    Q_INVOKABLE void clear();

Q_SIGNALS:
    void countChanged();
    void capacityChanged();

private:
    struct Entry
    {
        QDateTime timestamp;
        QString kind;
        QString event;
        QString text;
        QString packageId;
        QString courierId;
        QString status;
    };

    void onPackageChanged(const depot::Package &package,
                          const std::vector<depot::PackageEvent> &events,
                          const QString &previousCourierId);
    void onOnlineChanged(const depot::Courier &courier, const QDateTime &at);
    void prepend(Entry entry);
    QString courierName(const QString &id) const;

    DispatchMirror &m_dispatch;
    std::deque<Entry> m_entries; // newest first
    int m_capacity = 500;
};

} // namespace depot
