#pragma once

#include <QtGlobal>

#include <vector>

namespace depot::bench {

/// CLOCK_MONOTONIC in nanoseconds: the one clock every timestamp of the load generator uses.
qint64 monotonicNs();

/// CPU time and resident memory of a process, or the sum over several (a cluster's hubs), read
/// from /proc.
class ProcStats
{
public:
    struct Sample
    {
        qint64 cpuTicks = -1; // utime + stime, in clock ticks
        qint64 rssKiB = -1;
        qint64 wallNs = 0;
    };

    explicit ProcStats(std::vector<qint64> pids);

    bool valid() const { return !m_pids.empty(); }
    Sample sample() const;
    /// CPU use between two samples in percent of one core (200 = two cores busy).
    static double cpuPercent(const Sample &from, const Sample &to);

private:
    static Sample sampleOne(qint64 pid);

    std::vector<qint64> m_pids;
};

} // namespace depot::bench
