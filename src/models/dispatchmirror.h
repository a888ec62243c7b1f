#pragma once

#include "core/carriedpackages.h"
#include "core/types.h"

#include <QHash>
#include <QMutex>
#include <QObject>

#include <memory>
#include <variant>
#include <vector>

namespace depot {

class Clock;
class DispatchService;

/// The console's copy of the dispatch service's couriers and packages, on the console's thread.
/// It reads the service once, on the service's thread, then follows its signals in the order the
/// service sent them, each with only what changed. The models read this copy, never the service,
/// so the service may run on a thread of its own: there the changes are queued, and what queued
/// up meanwhile crosses over as one batch (ten thousand fixes a second are then a few events of
/// the console's thread, not ten thousand). On the service's own thread every change arrives at
/// once, as before.
class DispatchMirror : public QObject
{
    Q_OBJECT

public:
    explicit DispatchMirror(DispatchService &dispatch, QObject *parent = nullptr);
    ~DispatchMirror() override;

    DispatchService &service() const { return m_service; }
    const Clock &clock() const;
    /// Whether the service runs on another thread than this copy.
    bool isRemote() const;

    /// Couriers by creation time, as the service lists them.
    std::vector<Courier> couriers() const;
    const Courier *findCourier(const QString &id) const;
    /// Packages in creation order.
    std::vector<Package> packages() const;
    const Package *findPackage(const QString &id) const;
    /// The packages a courier carries now: IN_PROGRESS first, then ASSIGNED.
    std::vector<const Package *> carriedBy(const QString &courierId) const;

    /// Takes every change the service has sent so far; after a command ran on the service's
    /// thread, this copy (and every model on it) shows its outcome.
    void catchUp();

Q_SIGNALS:
    // The service's signals, re-sent once this copy holds the change.
    void packageChanged(const depot::Package &package,
                        const std::vector<depot::PackageEvent> &events,
                        const QString &previousCourierId);
    void courierChanged(const depot::Courier &courier);
    void courierOnlineChanged(const depot::Courier &courier, const QDateTime &at);
    void courierMoved(const depot::Courier &courier, const depot::Location &fix);

private:
    struct PackageChange
    {
        Package package;
        std::vector<PackageEvent> events;
        QString previousCourierId;
    };
    struct CourierChange
    {
        Courier courier;
    };
    struct OnlineChange
    {
        Courier courier;
        QDateTime at;
    };
    struct Move
    {
        Courier courier;
        Location fix;
    };
    using Change = std::variant<PackageChange, CourierChange, OnlineChange, Move>;
    /// The changes made on the service's thread and not yet taken here, shared by both threads.
    struct Queue
    {
        QMutex mutex;
        std::vector<Change> changes;
        DispatchMirror *receiver = nullptr; // null once the copy is gone
    };

    void follow();
    /// On the service's thread: queues a change, and asks for a take when none is pending.
    static void enqueue(const std::shared_ptr<Queue> &queue, Change change);
    /// Applies every queued change, in order.
    void takeQueued();
    void onPackageChanged(const depot::Package &package,
                          const std::vector<depot::PackageEvent> &events,
                          const QString &previousCourierId);
    void onCourierChanged(const depot::Courier &courier);
    void onCourierOnlineChanged(const depot::Courier &courier, const QDateTime &at);
    void onCourierMoved(const depot::Courier &courier, const depot::Location &fix);
    void putCourier(const Courier &courier);
    /// Keeps m_carried in step, as the service does: `before` is null for a new package.
    void indexCarried(const Package *before, const Package &after);

    DispatchService &m_service;
    std::shared_ptr<Queue> m_queue; // with a service on another thread
    QList<QMetaObject::Connection> m_connections;
    QHash<QString, Courier> m_couriers;
    std::vector<QString> m_courierOrder;
    QHash<QString, Package> m_packages;
    std::vector<QString> m_packageOrder;
    QHash<QString, qsizetype> m_packagePosition;
    CarriedPackages m_carried;
};

} // namespace depot
