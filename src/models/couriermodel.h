#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QHash>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace depot {

class DispatchMirror;
class DispatchService;
struct Courier;
struct Location;
struct Package;
struct PackageEvent;

/// Every courier with where they are and what they carry, kept live from the dispatch
/// service's signals. A move changes one row's position roles, never the whole model.
class CourierModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(int onlineCount READ onlineCount NOTIFY onlineCountChanged)

public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        CourierIdRole, // the id again: QML delegates cannot name a property `id`
        NameRole,
        LabelRole, // the name again, under the name MarkerLayer draws
        UsernameRole,
        PhoneRole,
        DeviceIdRole,
        OnlineRole,
        StateRole, // "free", "busy" (has an IN_PROGRESS package) or "offline"
        LatitudeRole,
        LongitudeRole,
        HeadingRole,
        SpeedRole,
        LastSeenRole,
        CurrentPackageIdRole,
        CurrentTrackingCodeRole,
        CarriedCountRole,
        ActiveRole, // false: taken off by a dispatcher
    };
    Q_ENUM(Role)

    /// With a copy of the service of its own.
    explicit CourierModel(DispatchService &dispatch, QObject *parent = nullptr);
    /// On a copy shared with the console's other models.
    explicit CourierModel(DispatchMirror &dispatch, QObject *parent = nullptr);
    ~CourierModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    int count() const { return int(m_rows.size()); }
    int onlineCount() const { return m_onlineCount; }
    /// The row of a courier id, or -1.
    Q_INVOKABLE int rowOf(const QString &id) const;

    /// Reads every courier again; for a service that was reloaded.
    void reload();

Q_SIGNALS:
    void countChanged();
    void onlineCountChanged();

private:
    struct Row
    {
        QString id;
        QDateTime lastSeen; // the latest fix or online change
        QString currentPackageId;
        QString currentTrackingCode;
        bool busy = false;
        int carried = 0;
    };

    void onCourierChanged(const depot::Courier &courier);
    void onOnlineChanged(const depot::Courier &courier, const QDateTime &at);
    void onMoved(const depot::Courier &courier, const depot::Location &fix);
    void onPackageChanged(const depot::Package &package, const QString &previousCourierId);
    /// Reads what the courier carries from the service; true when something shown changed.
    bool refreshLoad(Row &row) const;
    void countOnline();

    DispatchMirror &m_dispatch;
    std::vector<Row> m_rows;
    QHash<QString, int> m_rowById;
    int m_onlineCount = 0;
};

} // namespace depot
