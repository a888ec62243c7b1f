#pragma once

#include "dispatch/types.h"

#include <QHash>
#include <QObject>

#include <vector>

namespace depot {

class Clock;
class DispatchService;

/// The console's copy of the dispatch service's couriers and packages, on the console's thread.
/// It reads the service once, on the service's thread, then follows its signals: queued, in the
/// order the service sent them, each with only what changed. The models read this copy, never the
/// service, so the service may run on a thread of its own. On the service's own thread every
/// change arrives at once, as before.
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
    void follow();
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
    QHash<QString, Courier> m_couriers;
    std::vector<QString> m_courierOrder;
    QHash<QString, Package> m_packages;
    std::vector<QString> m_packageOrder;
    QHash<QString, qsizetype> m_packagePosition;
    QHash<QString, std::vector<QString>> m_carried; // courier id -> carried package ids
};

} // namespace depot
