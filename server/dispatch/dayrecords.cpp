#include "dayrecords.h"

#include "core/store.h"
#include "dispatchservice.h"
#include "core/geo.h"

#include <QHash>

#include <algorithm>

namespace depot {

namespace {

const QString kAssigned = QStringLiteral("delivery:assigned");
const QString kStarted = QStringLiteral("delivery:started");
const QString kCompleted = QStringLiteral("delivery:completed");
const QString kFailed = QStringLiteral("delivery:failed");
const QString kCancelled = QStringLiteral("package:cancelled");

bool within(const QDateTime &t, const QDateTime &from, const QDateTime &to)
{
    return t >= from && t < to;
}

/// The packages active in [from, to), in creation order.
std::vector<Package> activePackages(const DispatchService &dispatch, const QDateTime &from,
                                    const QDateTime &to)
{
    Principal everyone;
    everyone.role = Role::Dispatcher;
    std::vector<Package> active;
    for (Package &p : dispatch.packages(everyone, PackageFilter{})) {
        if (activeBetween(p, from, to))
            active.push_back(std::move(p));
    }
    return active;
}

/// The stored events of `packages`, each package's in store order, read in one go.
QHash<QString, std::vector<PackageEvent>> eventsOf(Store &store,
                                                   const std::vector<Package> &packages)
{
    QStringList ids;
    ids.reserve(qsizetype(packages.size()));
    for (const Package &p : packages)
        ids << p.id;
    QHash<QString, std::vector<PackageEvent>> byPackage;
    for (PackageEvent &e : store.loadEventsOf(ids))
        byPackage[e.packageId].push_back(std::move(e));
    return byPackage;
}

} // namespace

TrackTotals trackTotals(const std::vector<Location> &track, qint64 maxGapMs)
{
    TrackTotals totals;
    for (size_t i = 1; i < track.size(); ++i) {
        const Location &a = track[i - 1];
        const Location &b = track[i];
        totals.distanceMetres +=
            geo::distanceMetres(a.latitude, a.longitude, b.latitude, b.longitude);
        const qint64 gap = a.timestamp.msecsTo(b.timestamp);
        if (gap > 0 && gap <= maxGapMs)
            totals.onRoadMs += gap;
    }
    return totals;
}

PackageRecord packageRecord(const Package &package, const std::vector<PackageEvent> &events)
{
    PackageRecord r;
    r.package = package;
    for (const PackageEvent &e : events) {
        if (e.event == kAssigned)
            r.assignedAt = e.timestamp;
        else if (e.event == kStarted)
            r.startedAt = e.timestamp;
        else if (e.event == kCompleted)
            r.deliveredAt = e.timestamp;
        else if (e.event == kFailed)
            r.failedAt = e.timestamp;
        else if (e.event == kCancelled)
            r.cancelledAt = e.timestamp;
    }
    return r;
}

bool activeBetween(const Package &package, const QDateTime &from, const QDateTime &to)
{
    // A final package changes no more: its last change is when it ended.
    return package.createdAt < to && (!isFinal(package.status) || package.updatedAt >= from);
}

DayRecords::DayRecords(const DispatchService &dispatch, Store &store, Options options)
    : m_dispatch(dispatch)
    , m_store(store)
    , m_options(options)
{}

std::vector<PackageRecord> DayRecords::packages(const QDateTime &from, const QDateTime &to) const
{
    std::vector<PackageRecord> records;
    const std::vector<Package> active = activePackages(m_dispatch, from, to);
    const auto events = eventsOf(m_store, active);
    for (const Package &p : active) {
        PackageRecord r = packageRecord(p, events.value(p.id));
        if (const Courier *c = m_dispatch.findCourier(p.deliveryPersonId))
            r.courierName = c->name;
        r.proofPresent = m_proofLookup && m_proofLookup(p.id);
        records.push_back(std::move(r));
    }
    return records;
}

std::vector<CourierDay> DayRecords::couriers(const QDateTime &from, const QDateTime &to) const
{
    std::vector<CourierDay> days;
    QHash<QString, size_t> index;
    std::vector<Courier> couriers = m_dispatch.couriers();
    // By name, as a person looks for them.
    std::sort(couriers.begin(), couriers.end(), [](const Courier &a, const Courier &b) {
        const int byName = a.name.compare(b.name, Qt::CaseInsensitive);
        return byName != 0 ? byName < 0 : a.id < b.id;
    });
    for (const Courier &c : couriers) {
        index.insert(c.id, days.size());
        days.push_back(CourierDay{c.id, c.name});
    }
    const std::vector<Package> active = activePackages(m_dispatch, from, to);
    const auto events = eventsOf(m_store, active);
    for (const Package &p : active) {
        for (const PackageEvent &e : events.value(p.id)) {
            const bool completed = e.event == kCompleted;
            if ((!completed && e.event != kFailed) || !within(e.timestamp, from, to))
                continue;
            const auto found =
                index.constFind(e.payload.value(QStringLiteral("deliveryPersonId")).toString());
            if (found == index.constEnd())
                continue;
            ++(completed ? days[*found].deliveries : days[*found].failures);
        }
    }
    std::vector<CourierDay> answer;
    for (CourierDay &day : days) {
        // The longest track there may be: a day over the cap is summed over its newest part.
        const std::vector<Location> fixes =
            m_store.loadTrack(day.courierId, from, to, m_options.maxTrackPoints);
        const TrackTotals totals = trackTotals(fixes, m_options.maxGapMs);
        day.distanceMetres = totals.distanceMetres;
        day.onRoadMs = totals.onRoadMs;
        day.fixes = int(fixes.size());
        const Courier *c = m_dispatch.findCourier(day.courierId);
        if ((c && c->active) || day.deliveries || day.failures || day.fixes)
            answer.push_back(std::move(day));
    }
    return answer;
}

std::vector<CourierEvent> DayRecords::courierEvents(const QString &courierId, const QDateTime &from,
                                                    const QDateTime &to) const
{
    std::vector<CourierEvent> events;
    const std::vector<Package> active = activePackages(m_dispatch, from, to);
    const auto stored = eventsOf(m_store, active);
    for (const Package &p : active) {
        for (const PackageEvent &e : stored.value(p.id)) {
            if (!e.event.startsWith(QLatin1String("delivery:")) || !within(e.timestamp, from, to) ||
                e.payload.value(QStringLiteral("deliveryPersonId")).toString() != courierId)
                continue;
            events.push_back(CourierEvent{e.timestamp, e.event, p});
        }
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const CourierEvent &a, const CourierEvent &b) { return a.at < b.at; });
    return events;
}

Result<std::vector<Location>> DayRecords::track(const QString &courierId, const QDateTime &from,
                                                const QDateTime &to) const
{
    if (!m_dispatch.findCourier(courierId))
        return makeError(ErrorCode::NotFound, QStringLiteral("no such courier"));
    std::vector<Location> fixes =
        m_store.loadTrack(courierId, from, to, m_options.maxTrackPoints + 1);
    if (fixes.size() > size_t(m_options.maxTrackPoints))
        return makeError(ErrorCode::PayloadTooLarge,
                         QStringLiteral("the track holds more than %1 fixes; ask for a shorter "
                                        "time range")
                             .arg(m_options.maxTrackPoints));
    return fixes;
}

} // namespace depot
