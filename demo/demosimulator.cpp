#include "demosimulator.h"

#include "api/authservice.h"
#include "dispatch/dispatchservice.h"
#include "core/geo.h"
#include "hub.h"
#include "hubclient.h"

#include <QGeoCoordinate>
#include <QHttpMultiPart>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QTimerEvent>

#include <cmath>

Q_LOGGING_CATEGORY(lcDemo, "depot.demo")

namespace depot {

namespace {

const char *const kNames[] = {"Ayla Demir",  "Ben Hoffmann", "Clara Nowak",  "Deniz Yilmaz",
                              "Emil Becker", "Frieda Lang",  "Goran Petrov", "Hanna Schulz",
                              "Ivo Jansen",  "Jule Kaya",    "Karim Haddad", "Lea Vogel",
                              "Mats Berg",   "Nora Albers",  "Ole Krüger",   "Pia Santos"};
const char *const kRecipients[] = {"M. Fischer", "S. Wagner", "T. Koch",   "A. Richter",
                                   "K. Wolf",    "L. Braun",  "P. Zimmer", "R. Hartmann",
                                   "J. Krause",  "E. Lehmann"};
const char *const kStreets[] = {"Mönckebergstraße",    "Jungfernstieg",   "Große Elbstraße",
                                "Osterstraße",         "Lange Reihe",     "Schulterblatt",
                                "Grindelallee",        "Eppendorfer Weg", "Mühlenkamp",
                                "Wandsbeker Chaussee", "Reeperbahn",      "Am Sandtorkai"};

constexpr char kDemoPrefix[] = "demo-";

Principal demoDispatcher()
{
    Principal p;
    p.role = Role::Dispatcher;
    p.username = QStringLiteral("demo");
    return p;
}

double bearingDegrees(double lat1, double lon1, double lat2, double lon2)
{
    return QGeoCoordinate(lat1, lon1).azimuthTo(QGeoCoordinate(lat2, lon2));
}

} // namespace

DemoSimulator::DemoSimulator(Hub &hub, Options options, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_options(options)
    , m_random(options.seed ? options.seed : QRandomGenerator::system()->generate())
{
    m_base.setScheme(QStringLiteral("http"));
    m_base.setHost(QStringLiteral("127.0.0.1"));
    m_base.setPort(hub.port());
}

DemoSimulator::~DemoSimulator() = default;

void DemoSimulator::start()
{
    seed();
    for (auto &courier : m_couriers)
        connectCourier(*courier);
    dispatchFreeCouriers();
    m_timer.start(m_options.tickMs, this);
    qCInfo(lcDemo) << "demo running with" << m_couriers.size() << "couriers";
}

DemoSimulator::Point DemoSimulator::randomAddressPoint()
{
    // Somewhere within about three kilometres of the depot, not in the middle of the Elbe.
    for (;;) {
        const double angle = m_random.generateDouble() * 2 * M_PI;
        const double metres = 400 + m_random.generateDouble() * 2800;
        const double lat = kDepotLatitude + metres * std::cos(angle) / 111320.0;
        const double lon = kDepotLongitude + metres * std::sin(angle) /
                                                 (111320.0 * std::cos(kDepotLatitude * M_PI / 180));
        if (lat > 53.538 || lon > 10.02 || lon < 9.93)
            return {lat, lon};
    }
}

QString DemoSimulator::newPackage()
{
    const Point p = randomAddressPoint();
    NewPackage fields;
    fields.recipientName =
        QString::fromUtf8(kRecipients[m_random.bounded(int(std::size(kRecipients)))]);
    fields.address =
        QStringLiteral("%1 %2, Hamburg")
            .arg(QString::fromUtf8(kStreets[m_random.bounded(int(std::size(kStreets)))]))
            .arg(1 + m_random.bounded(140));
    fields.latitude = p.latitude;
    fields.longitude = p.longitude;
    const auto created = m_hub.dispatch().createPackage(fields);
    return created ? created->id : QString();
}

void DemoSimulator::seed()
{
    DispatchService &dispatch = m_hub.dispatch();
    std::vector<Courier> existing;
    for (const Courier &c : dispatch.couriers()) {
        if (c.username.startsWith(QLatin1String(kDemoPrefix)))
            existing.push_back(c);
    }
    for (int i = int(existing.size()); i < m_options.couriers; ++i) {
        NewCourier fields;
        fields.name = QString::fromUtf8(kNames[i % int(std::size(kNames))]);
        fields.username = QStringLiteral("%1%2").arg(QLatin1String(kDemoPrefix)).arg(i + 1);
        // Demo couriers log in through the console process only; nobody knows this password.
        fields.passwordHash = QStringLiteral("!");
        fields.deviceId = QStringLiteral("demo-device-%1").arg(i + 1);
        if (const auto created = dispatch.createCourier(fields))
            existing.push_back(*created);
    }
    int open = 0;
    for (const Package &p : dispatch.packages(demoDispatcher(), {})) {
        if (!isFinal(p.status))
            ++open;
    }
    for (int i = open; i < m_options.packages; ++i)
        newPackage();

    for (const Courier &c : existing) {
        const auto token = m_hub.auth().issueToken(c.id);
        if (!token)
            continue;
        auto sim = std::make_unique<SimCourier>();
        sim->id = c.id;
        sim->token = *token;
        if (c.lastLocation) {
            sim->position = {c.lastLocation->latitude, c.lastLocation->longitude};
        } else {
            // Spread around the yard so every marker can be seen at once.
            sim->position = {kDepotLatitude + (m_random.generateDouble() - 0.5) * 0.004,
                             kDepotLongitude + (m_random.generateDouble() - 0.5) * 0.006};
        }
        sim->speed = 8 + m_random.generateDouble() * 6; // 30 to 50 km/h in town
        m_couriers.push_back(std::move(sim));
    }
}

void DemoSimulator::connectCourier(SimCourier &courier)
{
    courier.client = new HubClient(this);
    SimCourier *c = &courier;
    connect(courier.client, &HubClient::connected, this, [this, c] {
        // A first fix at once, so the map shows everyone within a second of start.
        c->client->emitEvent(QStringLiteral("location:update"),
                             QJsonObject{{QStringLiteral("latitude"), c->position.latitude},
                                         {QStringLiteral("longitude"), c->position.longitude}});
    });
    connect(courier.client, &HubClient::event, this,
            [this, c](const QString &name, const QJsonArray &) {
                if (name == QLatin1String("delivery:assigned") && c->packageId.isEmpty())
                    takeNextPackage(*c);
            });
    courier.client->connectToHub(m_base, QJsonObject{{QStringLiteral("token"), courier.token}});
}

std::vector<DemoSimulator::Point> DemoSimulator::routeTo(const Point &from, const Point &to)
{
    // Streets are not straight lines: go one way first, then the other, with a bend.
    std::vector<Point> route;
    const double t = 0.3 + m_random.generateDouble() * 0.4;
    if (m_random.bounded(2) == 0) {
        route.push_back({from.latitude + (to.latitude - from.latitude) * t, from.longitude});
        route.push_back({from.latitude + (to.latitude - from.latitude) * t, to.longitude});
    } else {
        route.push_back({from.latitude, from.longitude + (to.longitude - from.longitude) * t});
        route.push_back({to.latitude, from.longitude + (to.longitude - from.longitude) * t});
    }
    route.push_back(to);
    return route;
}

void DemoSimulator::drive(SimCourier &courier, double seconds)
{
    double budget = courier.speed * seconds;
    while (budget > 0 && !courier.route.empty()) {
        const Point next = courier.route.front();
        const double d = geo::distanceMetres(courier.position.latitude, courier.position.longitude,
                                             next.latitude, next.longitude);
        if (d > 0.5)
            courier.heading = bearingDegrees(courier.position.latitude, courier.position.longitude,
                                             next.latitude, next.longitude);
        if (d <= budget) {
            courier.position = next;
            courier.route.erase(courier.route.begin());
            budget -= d;
        } else {
            const double f = budget / d;
            courier.position = {
                courier.position.latitude + (next.latitude - courier.position.latitude) * f,
                courier.position.longitude + (next.longitude - courier.position.longitude) * f};
            budget = 0;
        }
    }
}

void DemoSimulator::post(SimCourier &courier, const QString &path, const QJsonObject &body,
                         std::function<void(bool)> done)
{
    QUrl url = m_base;
    url.setPath(path);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Authorization", "Bearer " + courier.token.toLatin1());
    courier.busy = true;
    QNetworkReply *reply =
        m_network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    SimCourier *c = &courier;
    connect(reply, &QNetworkReply::finished, this, [reply, c, done = std::move(done)] {
        reply->deleteLater();
        c->busy = false;
        done(reply->error() == QNetworkReply::NoError);
    });
}

void DemoSimulator::putProof(SimCourier &courier, const QString &packageId,
                             const QString &recipientName, std::function<void(bool)> done)
{
    // A 1 x 1 white PNG: what a depot that requires a signature or photo takes.
    static const QByteArray kSignature =
        QByteArray::fromBase64("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQE"
                               "AG7buVgAAAABJRU5ErkJggg==");
    QUrl url = m_base;
    url.setPath(QStringLiteral("/api/packages/%1/proof").arg(packageId));
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + courier.token.toLatin1());
    auto *form = new QHttpMultiPart(QHttpMultiPart::FormDataType);
    QHttpPart name;
    name.setHeader(QNetworkRequest::ContentDispositionHeader,
                   QByteArrayLiteral("form-data; name=\"recipientName\""));
    name.setBody(recipientName.toUtf8());
    form->append(name);
    QHttpPart signature;
    signature.setHeader(
        QNetworkRequest::ContentDispositionHeader,
        QByteArrayLiteral("form-data; name=\"signature\"; filename=\"signature.png\""));
    signature.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("image/png"));
    signature.setBody(kSignature);
    form->append(signature);
    courier.busy = true;
    QNetworkReply *reply = m_network.put(request, form);
    form->setParent(reply);
    SimCourier *c = &courier;
    connect(reply, &QNetworkReply::finished, this, [reply, c, done = std::move(done)] {
        reply->deleteLater();
        c->busy = false;
        done(reply->error() == QNetworkReply::NoError);
    });
}

void DemoSimulator::takeNextPackage(SimCourier &courier)
{
    if (courier.busy || !courier.packageId.isEmpty())
        return;
    const auto carried = m_hub.dispatch().carriedBy(courier.id);
    if (carried.empty())
        return;
    const Package *package = carried.front();
    const QString id = package->id;
    const Point destination{package->latitude, package->longitude};
    courier.packageId = id;
    auto go = [this, &courier, destination](bool) {
        courier.route = routeTo(courier.position, destination);
    };
    if (package->status == PackageStatus::InProgress)
        go(true);
    else
        post(courier, QStringLiteral("/api/packages/%1/start").arg(id), {}, go);
}

void DemoSimulator::arrive(SimCourier &courier)
{
    const QString id = courier.packageId;
    const bool failed = m_random.generateDouble() < m_options.failureRate;
    const QString path = QStringLiteral("/api/packages/%1/%2")
                             .arg(id, failed ? QStringLiteral("fail") : QStringLiteral("complete"));
    const QJsonObject body =
        failed ? QJsonObject{{QStringLiteral("reason"), QStringLiteral("Recipient not at home")}}
               : QJsonObject{};
    auto report = [this, &courier, path, body] {
        post(courier, path, body, [this, &courier](bool) {
            courier.packageId.clear();
            takeNextPackage(courier);
            if (courier.packageId.isEmpty())
                courier.route = routeTo(courier.position, {kDepotLatitude, kDepotLongitude});
        });
    };
    // Where the depot requires a proof of delivery, the simulated courier gives one first.
    const Package *package = m_hub.dispatch().findPackage(id);
    if (failed || !package || m_hub.dispatch().proofPolicy() != ProofPolicy::Required) {
        report();
        return;
    }
    putProof(courier, id, package->recipientName, [report](bool) { report(); });
}

void DemoSimulator::dispatchFreeCouriers()
{
    DispatchService &dispatch = m_hub.dispatch();
    std::vector<SimCourier *> free;
    for (auto &c : m_couriers) {
        if (c->client && c->client->isConnected() && dispatch.carriedBy(c->id).empty())
            free.push_back(c.get());
    }
    if (free.empty())
        return;
    const auto pending =
        dispatch.packages(demoDispatcher(), PackageFilter{PackageStatus::Pending, {}});
    for (const Package &p : pending) {
        if (free.empty())
            break;
        auto nearest =
            std::min_element(free.begin(), free.end(), [&p](SimCourier *a, SimCourier *b) {
                return geo::distanceMetres(a->position.latitude, a->position.longitude, p.latitude,
                                           p.longitude) <
                       geo::distanceMetres(b->position.latitude, b->position.longitude, p.latitude,
                                           p.longitude);
            });
        dispatch.assign(demoDispatcher(), p.id, (*nearest)->id);
        free.erase(nearest);
    }
}

void DemoSimulator::tick()
{
    ++m_ticks;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (auto &c : m_couriers) {
        if (!c->client || !c->client->isConnected())
            continue;
        const bool moving = !c->route.empty();
        if (moving) {
            drive(*c, m_options.secondsPerTick);
            c->client->emitEvent(
                QStringLiteral("location:update"),
                QJsonObject{{QStringLiteral("latitude"), c->position.latitude},
                            {QStringLiteral("longitude"), c->position.longitude},
                            {QStringLiteral("speed"), c->route.empty() ? 0.0 : c->speed},
                            {QStringLiteral("heading"), std::fmod(c->heading + 360, 360)},
                            {QStringLiteral("accuracy"), 5},
                            {QStringLiteral("timestamp"), now.toString(Qt::ISODateWithMs)}});
        }
        if (c->route.empty() && !c->busy) {
            if (!c->packageId.isEmpty())
                arrive(*c);
            else
                takeNextPackage(*c);
        }
    }
    if (m_ticks % 2 == 0)
        dispatchFreeCouriers();
    if (m_ticks % m_options.newPackageEveryTicks == 0)
        newPackage();
}

void DemoSimulator::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_timer.timerId())
        tick();
    else
        QObject::timerEvent(event);
}

} // namespace depot
