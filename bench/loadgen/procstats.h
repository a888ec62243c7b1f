#pragma once

#include <QtGlobal>

namespace depot::bench {

/// CLOCK_MONOTONIC in nanoseconds: the one clock every timestamp of the load generator uses.
qint64 monotonicNs();

/// CPU time and resident memory of one process, read from /proc.
class ProcStats
{
public:
    struct Sample
    {
        qint64 cpuTicks = -1; // utime + stime, in clock ticks
        qint64 rssKiB = -1;
        qint64 wallNs = 0;
    };

    explicit ProcStats(qint64 pid);

    qint64 pid() const { return m_pid; }
    bool valid() const { return m_pid > 0; }
    Sample sample() const;
    /// CPU use between two samples in percent of one core (200 = two cores busy).
    static double cpuPercent(const Sample &from, const Sample &to);

private:
    qint64 m_pid;
};

} // namespace depot::bench
