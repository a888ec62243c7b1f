#pragma once

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <atomic>
#include <memory>
#include <vector>

namespace depot {
class HubClient;
}

namespace depot::bench {

/// Nanoseconds on the machine's monotonic clock, the same in every process.
qint64 monotonicNs();

/// What the fleet sent, shared between the fleet's process and the one that measures (a file
/// both map): when each courier's latest fix left, on the monotonic clock.
struct SendLog
{
    std::atomic<qint64> sent{0};
    std::atomic<int> connected{0};
    std::atomic<int> failed{0};
    /// How far behind its schedule the fleet has been at worst since the measuring side last
    /// took this (exchanged with 0): a fleet short of CPU sends late, and its fixes look slow.
    std::atomic<qint64> worstLagNs{0};
    std::atomic<qint64> &lastSentNs(size_t courier)
    {
        return reinterpret_cast<std::atomic<qint64> *>(this + 1)[courier];
    }

    /// Maps the log of `couriers` couriers in `path`, made (zeroed) when `create`; null on error.
    static SendLog *map(const QString &path, size_t couriers, bool create);
};

/// A fleet of couriers as real Socket.IO clients of the hub, each sending `location:update`
/// `rate` times a second, spread evenly over the second, while driving a circle in town.
/// Runs in a process of its own (depot-console-bench --fleet), so that neither its CPU nor its
/// sockets are the console's: ten thousand couriers are twenty thousand descriptors in one
/// process.
class FleetDriver : public QObject
{
    Q_OBJECT

public:
    struct Courier
    {
        QString id;
        QString token;
        double centreLatitude;
        double centreLongitude;
        double radiusMetres;
        double phase; // where on its circle it starts, in radians
    };

    FleetDriver(QUrl hub, std::vector<Courier> couriers, double rate, SendLog *log);
    ~FleetDriver() override;

public Q_SLOTS:
    /// Connects every courier (a batch at a time), then drives.
    void start();
    void stop();

Q_SIGNALS:
    /// Every courier has connected or failed to.
    void allConnected();

private:
    void connectBatch();
    void sendDueFixes();

    QUrl m_hub;
    std::vector<Courier> m_couriers;
    std::vector<HubClient *> m_clients;
    double m_rate;
    SendLog *m_log;
    size_t m_nextToConnect = 0;
    int m_settled = 0;
    QTimer *m_ticker = nullptr;
    qint64 m_driveStartNs = -1;
    qint64 m_fixesDue = 0; // fixes sent since driving started, over all couriers
};

} // namespace depot::bench
