#pragma once

#include <QByteArrayView>
#include <QDateTime>

#include <optional>

namespace depot {

/// Source of the current time; logic asks it instead of the system so tests can steer time.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime now() const = 0;
    qint64 nowMs() const { return now().toMSecsSinceEpoch(); }
};

/// The real UTC wall clock.
class SystemClock final : public Clock
{
public:
    QDateTime now() const override { return QDateTime::currentDateTimeUtc(); }
};

/// A clock that only moves when told to; for tests.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(QDateTime start = QDateTime::fromMSecsSinceEpoch(1742370325819, Qt::UTC))
        : m_now(std::move(start))
    {}
    QDateTime now() const override { return m_now; }
    void advanceMs(qint64 ms) { m_now = m_now.addMSecs(ms); }
    void set(QDateTime t) { m_now = std::move(t); }

private:
    QDateTime m_now;
};

/// The last millisecond of year 9999, where ISO 8601 timestamps end: a later epoch number in a
/// fix is no time at all.
inline constexpr qint64 kLastEpochMs = 253'402'300'799'999;

/// ISO 8601 in UTC with milliseconds, the one timestamp format on the wire.
QString isoTimestamp(const QDateTime &t);
/// Milliseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (what isoTimestamp and
/// JavaScript's toISOString write), read without QDateTime::fromString; nullopt for any other
/// text, valid ISO 8601 or not, and for dates and times that do not exist.
std::optional<qint64> parseUtcTimestampMs(QByteArrayView text);

} // namespace depot
