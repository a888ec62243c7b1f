#pragma once

#include "core/types.h"

#include <QBasicTimer>
#include <QNetworkAccessManager>
#include <QObject>
#include <QRandomGenerator>
#include <QUrl>

#include <memory>
#include <vector>

namespace depot {

class Hub;
class HubClient;

/// The demo: a depot in Hamburg with a dozen couriers and some forty packages. Each simulated
/// courier logs in, connects to the hub as a real Socket.IO client over loopback, reports its
/// position every second, starts, delivers and sometimes fails its deliveries over REST, so a
/// web page sees exactly the traffic of a real day. A demo dispatcher assigns new packages to
/// the nearest free courier and new packages keep arriving.
class DemoSimulator : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int couriers = 12;
        int packages = 40;
        int tickMs = 1000;         // one fix per courier per tick
        double secondsPerTick = 1; // simulated driving time per tick; more makes a fast day
        int newPackageEveryTicks = 15;
        double failureRate = 0.1;
        quint32 seed = 0; // 0: a different day every run
    };

    DemoSimulator(Hub &hub, Options options, QObject *parent = nullptr);
    ~DemoSimulator() override;

    /// Seeds what is missing and starts the couriers.
    void start();
    int courierCount() const { return int(m_couriers.size()); }

    /// The depot's position: the couriers' home.
    static constexpr double kDepotLatitude = 53.5413;
    static constexpr double kDepotLongitude = 10.0001;

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    struct Point
    {
        double latitude;
        double longitude;
    };
    /// One simulated courier and where it is heading.
    struct SimCourier
    {
        QString id;
        QString token;
        HubClient *client = nullptr;
        Point position;
        double heading = 0;
        double speed = 0;         // m/s while driving
        std::vector<Point> route; // waypoints still ahead
        QString packageId;        // the delivery under way, if any
        bool busy = false;        // a REST call is in flight
    };

    void seed();
    void connectCourier(SimCourier &courier);
    void tick();
    void drive(SimCourier &courier, double seconds);
    void arrive(SimCourier &courier);
    void dispatchFreeCouriers();
    void takeNextPackage(SimCourier &courier);
    /// PUT /api/packages/{id}/proof as the courier: the recipient's name and a signature.
    void putProof(SimCourier &courier, const QString &packageId, const QString &recipientName,
                  std::function<void(bool)> done);
    void post(SimCourier &courier, const QString &path, const QJsonObject &body,
              std::function<void(bool)> done);
    Point randomAddressPoint();
    std::vector<Point> routeTo(const Point &from, const Point &to);
    QString newPackage();

    Hub &m_hub;
    Options m_options;
    QRandomGenerator m_random;
    QNetworkAccessManager m_network;
    QUrl m_base;
    std::vector<std::unique_ptr<SimCourier>> m_couriers;
    QBasicTimer m_timer;
    int m_ticks = 0;
};

} // namespace depot
