#pragma once

#include "core/result.h"
#include "core/types.h"

#include <QDateTime>

#include <functional>
#include <vector>

namespace depot {

class DispatchService;
class Store;

/// One package's history in one line: when each step happened, as its stored events say.
struct PackageRecord
{
    Package package;
    QDateTime assignedAt; // the last assignment: the one to the courier who has it now
    QDateTime startedAt;  // out for delivery
    QDateTime deliveredAt;
    QDateTime failedAt;
    QDateTime cancelledAt;
    QString courierName; // of package.deliveryPersonId; empty when none
    bool proofPresent = false;
};

/// One of a courier's package events (delivery:assigned ... delivery:failed), with its package.
struct CourierEvent
{
    QDateTime at;
    QString event;
    Package package;
};

/// A courier's day: what they delivered and how far and long they drove.
struct CourierDay
{
    QString courierId;
    QString courierName;
    int deliveries = 0;
    int failures = 0;
    double distanceMetres = 0;
    qint64 onRoadMs = 0;
    int fixes = 0;
};

/// Distance and time on the road of a track: the great-circle distance between consecutive fixes
/// (the jumps LocationIngest dropped were never stored), and the gaps between them shorter than
/// `maxGapMs` (a longer gap is a stop or a phone that was off).
struct TrackTotals
{
    double distanceMetres = 0;
    qint64 onRoadMs = 0;
};
TrackTotals trackTotals(const std::vector<Location> &track, qint64 maxGapMs);

/// The record of a package from its stored events (oldest first).
PackageRecord packageRecord(const Package &package, const std::vector<PackageEvent> &events);

/// Whether a package's life (from creation to its final status) overlaps [from, to).
bool activeBetween(const Package &package, const QDateTime &from, const QDateTime &to);

/// The day's records, read from the dispatch service's view and the store: the deliveries
/// report, each courier's day and their tracks.
class DayRecords
{
public:
    struct Options
    {
        int maxTrackPoints = 100'000; // a longer track is refused, not cut
        qint64 maxGapMs = 5 * 60'000; // gaps between fixes up to this count as time on the road
    };

    DayRecords(const DispatchService &dispatch, Store &store, Options options);

    /// Whether a package has a proof of delivery; without one set, none has.
    void setProofLookup(std::function<bool(const QString &packageId)> lookup)
    {
        m_proofLookup = std::move(lookup);
    }
    const Options &options() const { return m_options; }

    /// Every package active in [from, to), in creation order.
    std::vector<PackageRecord> packages(const QDateTime &from, const QDateTime &to) const;
    /// Every courier, by name, with their deliveries, failures and driving in [from, to); couriers
    /// taken off appear only when they did something then.
    std::vector<CourierDay> couriers(const QDateTime &from, const QDateTime &to) const;
    /// The delivery events in [from, to) of the courier's packages, oldest first.
    std::vector<CourierEvent> courierEvents(const QString &courierId, const QDateTime &from,
                                            const QDateTime &to) const;
    /// The courier's fixes in [from, to); NotFound for an unknown courier, PayloadTooLarge past
    /// maxTrackPoints.
    Result<std::vector<Location>> track(const QString &courierId, const QDateTime &from,
                                        const QDateTime &to) const;

private:
    const DispatchService &m_dispatch;
    Store &m_store;
    Options m_options;
    std::function<bool(const QString &)> m_proofLookup;
};

} // namespace depot
