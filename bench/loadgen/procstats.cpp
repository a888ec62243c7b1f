#include "procstats.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QFile>
#include <QList>

#include <algorithm>

#include <time.h>
#include <unistd.h>

namespace depot::bench {

qint64 monotonicNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

ProcStats::ProcStats(std::vector<qint64> pids)
    : m_pids(std::move(pids))
{}

ProcStats::Sample ProcStats::sample() const
{
    Sample sum;
    for (const qint64 pid : m_pids) {
        const Sample one = sampleOne(pid);
        if (one.cpuTicks < 0 || one.rssKiB < 0)
            return Sample{-1, -1,
                          monotonicNs()}; // one of them is gone: no figure beats a wrong one
        sum.cpuTicks = std::max<qint64>(sum.cpuTicks, 0) + one.cpuTicks;
        sum.rssKiB = std::max<qint64>(sum.rssKiB, 0) + one.rssKiB;
    }
    sum.wallNs = monotonicNs();
    return sum;
}

ProcStats::Sample ProcStats::sampleOne(qint64 pid)
{
    Sample s;
    s.wallNs = monotonicNs();
    if (pid <= 0)
        return s;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray line = stat.readAll();
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        const qsizetype close = line.lastIndexOf(')');
        if (close >= 0) {
            const QList<QByteArray> fields = line.mid(close + 2).split(' ');
            // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after ')'.
            if (fields.size() > 12)
                s.cpuTicks = fields[11].toLongLong() + fields[12].toLongLong();
        }
    }
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmRSS:")) {
                s.rssKiB = line.mid(6).trimmed().split(' ').value(0).toLongLong();
                break;
            }
        }
    }
    return s;
}

double ProcStats::cpuPercent(const Sample &from, const Sample &to)
{
    if (from.cpuTicks < 0 || to.cpuTicks < 0 || to.wallNs <= from.wallNs)
        return -1;
    const double seconds = double(to.cpuTicks - from.cpuTicks) / double(sysconf(_SC_CLK_TCK));
    return 100.0 * seconds / (double(to.wallNs - from.wallNs) / 1e9);
}

} // namespace depot::bench
