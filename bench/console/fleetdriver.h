#pragma once

#include <QElapsedTimer>
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

/// What the fleet sent, shared with the thread that measures: when each courier's latest fix
/// left, on the process's monotonic clock.
struct SendLog
{
    explicit SendLog(size_t couriers)
        : lastSentNs(couriers)
    {}
    std::vector<std::atomic<qint64>> lastSentNs;
    std::atomic<qint64> sent{0};
    std::atomic<int> connected{0};
    std::atomic<int> failed{0};
};

/// A fleet of couriers as real Socket.IO clients of the hub, each sending `location:update`
/// `rate` times a second, spread evenly over the second, while driving a circle in town.
/// Lives in a thread of its own, so the console's thread measures only the console's work.
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

    FleetDriver(QUrl hub, std::vector<Courier> couriers, double rate, SendLog *log,
                QElapsedTimer clock);
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
    QElapsedTimer m_clock; // shared origin with the measuring thread
    size_t m_nextToConnect = 0;
    int m_settled = 0;
    QTimer *m_ticker = nullptr;
    qint64 m_driveStartNs = -1;
    qint64 m_fixesDue = 0; // fixes sent since driving started, over all couriers
};

} // namespace depot::bench
