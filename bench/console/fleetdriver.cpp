#include "fleetdriver.h"

#include "hubclient.h"

#include <QDateTime>
#include <QFile>
#include <QJsonObject>

#include <cmath>
#include <numbers>

#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

namespace depot::bench {

namespace {
constexpr int kConnectBatch = 100;          // WebSocket handshakes in flight at once
constexpr double kSpeedMetresPerSecond = 9; // about 30 km/h in town
constexpr double kMetresPerDegree = 111320;
} // namespace

qint64 monotonicNs()
{
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return qint64(t.tv_sec) * 1000000000 + t.tv_nsec;
}

SendLog *SendLog::map(const QString &path, size_t couriers, bool create)
{
    const size_t bytes = sizeof(SendLog) + couriers * sizeof(std::atomic<qint64>);
    const int fd =
        ::open(QFile::encodeName(path).constData(), create ? O_RDWR | O_CREAT : O_RDWR, 0600);
    if (fd < 0)
        return nullptr;
    if (create && ::ftruncate(fd, off_t(bytes)) != 0) {
        ::close(fd);
        return nullptr;
    }
    void *memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (memory == MAP_FAILED)
        return nullptr;
    // A new file reads as zeros: every counter and time starts at 0.
    return static_cast<SendLog *>(memory);
}

FleetDriver::FleetDriver(QUrl hub, std::vector<Courier> couriers, double rate, SendLog *log)
    : m_hub(std::move(hub))
    , m_couriers(std::move(couriers))
    , m_rate(rate)
    , m_log(log)
{}

FleetDriver::~FleetDriver() = default;

void FleetDriver::start()
{
    m_clients.reserve(m_couriers.size());
    connectBatch();
}

void FleetDriver::stop()
{
    if (m_ticker)
        m_ticker->stop();
    for (HubClient *client : m_clients)
        client->abort();
}

void FleetDriver::connectBatch()
{
    const size_t end = std::min(m_couriers.size(), m_nextToConnect + kConnectBatch);
    const size_t batchSize = end - m_nextToConnect;
    auto remaining = std::make_shared<size_t>(batchSize);
    auto settle = [this, remaining](bool ok) {
        (ok ? m_log->connected : m_log->failed)++;
        ++m_settled;
        if (--*remaining > 0)
            return;
        if (m_nextToConnect < m_couriers.size()) {
            connectBatch();
        } else {
            Q_EMIT allConnected();
            m_driveStartNs = monotonicNs();
            m_ticker = new QTimer(this);
            m_ticker->setTimerType(Qt::PreciseTimer);
            m_ticker->setInterval(5);
            connect(m_ticker, &QTimer::timeout, this, &FleetDriver::sendDueFixes);
            m_ticker->start();
        }
    };
    for (; m_nextToConnect < end; ++m_nextToConnect) {
        auto *client = new HubClient(this);
        m_clients.push_back(client);
        auto once = std::make_shared<bool>(false);
        connect(client, &HubClient::connected, this, [settle, once] {
            if (!std::exchange(*once, true))
                settle(true);
        });
        connect(client, &HubClient::connectError, this, [settle, once](const QString &message) {
            qWarning("courier could not connect: %s", qPrintable(message));
            if (!std::exchange(*once, true))
                settle(false);
        });
        client->connectToHub(
            m_hub, QJsonObject{{QStringLiteral("token"), m_couriers[m_nextToConnect].token}});
    }
}

void FleetDriver::sendDueFixes()
{
    // Fixes due by now at `rate` per courier per second, taken round-robin: evenly spread.
    const qint64 now = monotonicNs();
    const double seconds = double(now - m_driveStartNs) / 1e9;
    const auto count = qint64(m_couriers.size());
    const auto due = qint64(seconds * m_rate * double(count));
    if (m_fixesDue < due) {
        const auto dueAt =
            m_driveStartNs + qint64(double(m_fixesDue) / (m_rate * double(count)) * 1e9);
        qint64 worst = m_log->worstLagNs.load(std::memory_order_relaxed);
        while (now - dueAt > worst &&
               !m_log->worstLagNs.compare_exchange_weak(worst, now - dueAt)) {
        }
    }
    const QString timestamp = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    for (; m_fixesDue < due; ++m_fixesDue) {
        const auto index = size_t(m_fixesDue % count);
        HubClient *client = m_clients[index];
        if (!client->isConnected())
            continue;
        const Courier &c = m_couriers[index];
        // Round a circle: the angle grows with the distance driven.
        const double travelled = kSpeedMetresPerSecond * double(m_fixesDue / count) / m_rate;
        const double angle = c.phase + travelled / c.radiusMetres;
        const double north = c.radiusMetres * std::cos(angle);
        const double east = c.radiusMetres * std::sin(angle);
        const double latitude = c.centreLatitude + north / kMetresPerDegree;
        const double longitude =
            c.centreLongitude +
            east / (kMetresPerDegree * std::cos(c.centreLatitude * std::numbers::pi / 180));
        // Clockwise on the map (the angle is a bearing): heading is the tangent.
        const double heading = std::fmod(angle * 180 / std::numbers::pi + 90 + 360, 360);
        m_log->lastSentNs(index).store(monotonicNs(), std::memory_order_relaxed);
        client->emitEvent(QStringLiteral("location:update"),
                          QJsonObject{{QStringLiteral("latitude"), latitude},
                                      {QStringLiteral("longitude"), longitude},
                                      {QStringLiteral("heading"), heading},
                                      {QStringLiteral("speed"), kSpeedMetresPerSecond},
                                      {QStringLiteral("accuracy"), 5},
                                      {QStringLiteral("timestamp"), timestamp}});
        m_log->sent.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace depot::bench
