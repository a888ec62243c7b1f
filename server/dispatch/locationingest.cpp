#include "locationingest.h"

#include "core/clock.h"
#include "dispatchlog.h"
#include "dispatchservice.h"
#include "core/geo.h"

#include <QLoggingCategory>
#include <QTimerEvent>

namespace depot {

LocationIngest::LocationIngest(DispatchService &dispatch, Store &store, const Clock &clock,
                               Options options, QObject *parent)
    : QObject(parent)
    , m_dispatch(dispatch)
    , m_store(store)
    , m_clock(clock)
    , m_options(options)
{
    m_pruneTimer.start(60 * 60 * 1000, this);
}

LocationIngest::~LocationIngest()
{
    flush();
}

bool LocationIngest::plausible(const Location &from, const Location &to) const
{
    if (geo::withinMetres(from.latitude, from.longitude, to.latitude, to.longitude,
                          m_options.jumpSlackMetres))
        return true;
    const double metres =
        geo::distanceMetres(from.latitude, from.longitude, to.latitude, to.longitude);
    const double seconds = std::abs(from.timestamp.msecsTo(to.timestamp)) / 1000.0;
    return seconds > 0 && (metres - m_options.jumpSlackMetres) / seconds <= m_options.maxSpeedMps;
}

LocationIngest::Outcome LocationIngest::classify(Track &track, const Location &fix) const
{
    if (track.last && fix.timestamp < track.last->timestamp)
        return Outcome::History;
    if (!track.last || plausible(*track.last, fix)) {
        track.rejected.reset();
        track.rejectedStreak = 0;
        return Outcome::Current;
    }
    // Fixes that agree with each other but not with the past mean the past was the jump.
    if (track.rejected && plausible(*track.rejected, fix) && track.rejectedStreak >= 2) {
        track.rejected.reset();
        track.rejectedStreak = 0;
        return Outcome::Current;
    }
    track.rejectedStreak =
        track.rejected && plausible(*track.rejected, fix) ? track.rejectedStreak + 1 : 1;
    track.rejected = fix;
    return Outcome::Dropped;
}

void LocationIngest::submit(const Principal &caller, const QString &courierId, const Location &fix,
                            Done done)
{
    if (caller.isTracker()) {
        done(makeError(ErrorCode::Forbidden, QStringLiteral("trackers cannot send locations")));
        return;
    }
    const Courier *courier = m_dispatch.findCourier(courierId);
    if (!courier || (caller.isCourier() && caller.userId != courierId)) {
        done(makeError(ErrorCode::NotFound, QStringLiteral("no such courier")));
        return;
    }
    if (!courier->active) {
        done(makeError(ErrorCode::Conflict, QStringLiteral("the courier is inactive")));
        return;
    }
    if (!std::isfinite(fix.latitude) || !std::isfinite(fix.longitude) || fix.latitude < -90 ||
        fix.latitude > 90 || fix.longitude < -180 || fix.longitude > 180) {
        done(makeError(
            ErrorCode::ValidationFailed,
            QStringLiteral("latitude must be in [-90, 90] and longitude in [-180, 180]")));
        return;
    }
    Location stamped = fix;
    const QDateTime now = m_clock.now();
    if (!stamped.timestamp.isValid() || stamped.timestamp > now)
        stamped.timestamp = now;

    Track &track = m_tracks[courierId];
    // Newer when another hub moved the courier (the view follows other hubs' fixes).
    if (courier->lastLocation &&
        (!track.last || track.last->timestamp < courier->lastLocation->timestamp))
        track.last = courier->lastLocation;
    const Outcome outcome = classify(track, stamped);
    if (outcome == Outcome::Dropped) {
        qCDebug(lcDispatch) << "dropped a GPS jump from courier" << courierId;
        done(Outcome::Dropped);
        return;
    }
    if (outcome == Outcome::Current)
        track.last = stamped;
    m_queue.push_back(Pending{StoredFix{courierId, stamped, now, outcome == Outcome::Current},
                              outcome, std::move(done)});
    if (int(m_queue.size()) >= m_options.maxBatch)
        flush();
    else if (!m_flushTimer.isActive())
        m_flushTimer.start(0, this); // after the event loop has read what else has arrived
}

void LocationIngest::flush()
{
    m_flushTimer.stop();
    collect(true);
    startWrite();
    collect(true);
}

void LocationIngest::startWrite(bool collectNow)
{
    if (m_writing || m_queue.empty())
        return;
    std::vector<Pending> batch = std::exchange(m_queue, {});
    std::vector<StoredFix> fixes;
    fixes.reserve(batch.size());
    for (const Pending &p : batch)
        fixes.push_back(p.fix);
    // Runs on the writer's thread once the batch is written, just before the future is ready,
    // so before this object can be gone (its destructor waits for the future). Waiting for the
    // future in the posted call is then a matter of microseconds.
    const quint64 number = ++m_batchNumber;
    auto committed = [this, number] {
        QMetaObject::invokeMethod(
            this,
            [this, number] {
                if (m_writing && m_writing->number == number)
                    collect(true);
                startWrite();
            },
            Qt::QueuedConnection);
    };
    m_writing = Writing{std::move(batch), {}, number};
    m_writing->written = m_store.appendFixesInBackground(std::move(fixes), committed);
    if (collectNow)
        collect(false); // a store that writes here and now has already answered
}

void LocationIngest::collect(bool wait)
{
    if (!m_writing)
        return;
    if (!wait && m_writing->written.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return;
    const bool ok = m_writing->written.get();
    const std::vector<Pending> batch = std::move(m_writing->batch);
    m_writing.reset();
    // The next batch goes to the writer before this one is announced: committing one while
    // broadcasting the other keeps both the writer and the event loop busy.
    if (ok)
        startWrite(false);
    if (!ok) {
        // Nothing was written: forget what the filter learnt from these fixes and say so.
        m_tracks.clear();
        const ErrorCode code =
            m_store.available() ? ErrorCode::Internal : ErrorCode::StoreUnavailable;
        for (const Pending &p : batch)
            p.done(makeError(code, QStringLiteral("the fix could not be stored")));
        return;
    }
    for (const Pending &p : batch) {
        if (p.outcome == Outcome::Current)
            m_dispatch.applyFix(p.fix.courierId, p.fix.location);
        p.done(p.outcome);
    }
}

void LocationIngest::prune()
{
    flush();
    m_store.pruneFixes(m_clock.now().addDays(-m_options.keepDays), m_options.keepPerCourier);
}

void LocationIngest::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_flushTimer.timerId()) {
        m_flushTimer.stop();
        startWrite();
    } else if (event->timerId() == m_pruneTimer.timerId())
        prune();
    else
        QObject::timerEvent(event);
}

} // namespace depot
