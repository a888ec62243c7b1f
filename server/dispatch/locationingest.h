#pragma once

#include "core/result.h"
#include "core/store.h"
#include "core/types.h"

#include <QBasicTimer>
#include <QHash>
#include <QObject>

#include <functional>
#include <future>
#include <optional>
#include <vector>

namespace depot {

class Clock;
class DispatchService;

/// The one path every courier fix takes, from a courier's socket, REST or a GPS app: checks who
/// sends it, drops GPS jumps, keeps late fixes as history only, and writes fixes in batches
/// (one transaction for all fixes that arrive together) before anyone is told they were taken.
class LocationIngest : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        double maxSpeedMps = 70;      // faster than any courier: the fix is a GPS jump
        double jumpSlackMetres = 100; // movement within this is never called a jump (GPS noise)
        int maxBatch = 2000;          // fixes written in one transaction at most
        int keepDays = 7;             // fix history older than this is deleted
        int keepPerCourier = 20000;   // and at most this many fixes per courier
    };

    /// How a fix was taken: moved the courier, kept as history only, or dropped as a jump.
    enum class Outcome { Current, History, Dropped };
    using Done = std::function<void(const Result<Outcome> &)>;

    LocationIngest(DispatchService &dispatch, Store &store, const Clock &clock, Options options,
                   QObject *parent = nullptr);
    ~LocationIngest() override;

    /// Takes one fix. `done` runs once the fix is on disk (or refused), never before.
    void submit(const Principal &caller, const QString &courierId, const Location &fix, Done done);
    /// Writes everything queued now and answers it before returning. Without it, queued fixes
    /// go to the store's writer once the event loop is idle, the next batch collecting whatever
    /// arrived while the previous one was being committed (group commit).
    void flush();
    /// Deletes fix history beyond the limits.
    void prune();

    /// Fixes taken and not yet answered: queued, or being written.
    qsizetype queued() const
    {
        return qsizetype(m_queue.size() + (m_writing ? m_writing->batch.size() : 0));
    }

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    struct Pending
    {
        StoredFix fix;
        Outcome outcome;
        Done done;
    };
    /// What the filter remembers of a courier between fixes.
    struct Track
    {
        std::optional<Location> last;     // last accepted current fix
        std::optional<Location> rejected; // last fix dropped as a jump
        int rejectedStreak = 0;
    };

    /// A batch handed to the store's writer.
    struct Writing
    {
        std::vector<Pending> batch;
        std::shared_future<bool> written;
        quint64 number = 0; // tells a late notice of an earlier batch from this one's
    };

    /// Hands the queue to the store as one batch, unless a batch is still being written.
    /// collectNow answers it at once if the store has already written it.
    void startWrite(bool collectNow = true);
    /// Answers the batch being written once it is on disk; `wait` blocks until it is.
    void collect(bool wait);
    Outcome classify(Track &track, const Location &fix) const;
    bool plausible(const Location &from, const Location &to) const;

    DispatchService &m_dispatch;
    Store &m_store;
    const Clock &m_clock;
    Options m_options;
    std::vector<Pending> m_queue;
    std::optional<Writing> m_writing;
    quint64 m_batchNumber = 0;
    QHash<QString, Track> m_tracks;
    QBasicTimer m_flushTimer;
    QBasicTimer m_pruneTimer;
};

} // namespace depot
