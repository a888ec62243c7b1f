// The Socket.IO half of the contract, spoken by native clients over real WebSockets to a hub
// running in this process: who gets which event, in what order, location acks and the
// throttle, ETAs, presence, and connection state recovery.
#include "core/geo.h"
#include "hub.h"
#include "hubclient.h"
#include "hubconfig.h"
#include "realtime/namespace.h"
#include "realtime/socket.h"
#include "realtime/socketioserver.h"
#include "transport/engineioserver.h"
#include "transport/httpserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>

using depot::HubClient;

namespace {

constexpr char kAdminPassword[] = "admin-secret";
constexpr char kCourierPassword[] = "courier-secret";
constexpr int kWaitMs = 5000;

// Every position in this test is relative to one point; distances are small enough that
// metres convert to degrees linearly.
constexpr double kLat = 52.52;
constexpr double kLon = 13.405;
constexpr double kMetresPerDegreeLat = 111'195;

double latAt(double northMetres)
{
    return kLat + northMetres / kMetresPerDegreeLat;
}

double lonAt(double eastMetres)
{
    return kLon + eastMetres / (kMetresPerDegreeLat * std::cos(kLat * M_PI / 180));
}

/// A courier fix `northMetres` north and `eastMetres` east of the reference point.
QJsonObject fixAt(double northMetres, double eastMetres = 0, const QJsonObject &extra = {})
{
    QJsonObject o = extra;
    o.insert(QStringLiteral("latitude"), latAt(northMetres));
    o.insert(QStringLiteral("longitude"), lonAt(eastMetres));
    return o;
}

QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

QStringList sortedKeys(const QJsonObject &o)
{
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

/// One event as a client received it.
struct Received
{
    QString name;
    QJsonObject payload;
    qsizetype argc = 0;
};

/// One connection of the test and everything it has received.
class Conn
{
public:
    Conn()
    {
        QObject::connect(&client, &HubClient::event, &client,
                         [this](const QString &name, const QJsonArray &args) {
                             events.append(Received{name, args.first().toObject(), args.size()});
                         });
    }

    /// Events about one package, without location updates unless asked for.
    QList<Received> about(const QString &packageId, bool withLocations = false) const
    {
        QList<Received> out;
        for (const Received &r : events) {
            if (str(r.payload, "packageId") != packageId)
                continue;
            if (!withLocations && r.name == QLatin1String("location:update"))
                continue;
            out.append(r);
        }
        return out;
    }
    /// Events of one name about one courier.
    QList<Received> fromCourier(const QString &name, const QString &courierId) const
    {
        QList<Received> out;
        for (const Received &r : events) {
            if (r.name == name && str(r.payload, "deliveryPersonId") == courierId)
                out.append(r);
        }
        return out;
    }

    HubClient client;
    QList<Received> events;
};

QStringList names(const QList<Received> &events)
{
    QStringList out;
    for (const Received &r : events)
        out << r.name;
    return out;
}

/// A courier account and its login.
struct CourierLogin
{
    QString id;
    QString token;
};

} // namespace

class tst_SocketApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void pingsAreAnswered();
    void unauthorized_data();
    void unauthorized();
    void offsetIsNotAnArgument();
    void scopingAcrossManyPackagesAndTrackers();
    void specificEventComesBeforeStatusUpdate();
    void reassignmentMovesEventsToTheNewCourier();
    void courierFixIsAcked();
    void fixFromNonCourierIsRefused();
    void badFixIsRefused_data();
    void badFixIsRefused();
    void dispatchersGetOneUpdatePerAcceptedFix();
    void trackersAreThrottled();
    void etaFromTheFixSpeed();
    void etaUnknownWithoutSpeed();
    void etaFromRecentFixesWithoutSpeed();
    void presenceCountsConnections();
    void trackerRecoversMissedEventsInOrder();
    void cleanLeaveIsNotRecovered();
    void recoveryOnABusyHub();
    void recoveryKeepsToItsPrincipal();
    void recoveryWithAnotherTokenOfTheSameUser();

private:
    // REST
    QJsonDocument request(const QByteArray &method, const QString &path, const QJsonObject &body,
                          const QString &token, int *status = nullptr);
    CourierLogin newCourier(const QString &username);
    QJsonObject newPackage(double northMetres = 0, double eastMetres = 0);
    bool act(const QString &packageId, const QString &action, const QJsonObject &body = {});
    QJsonArray restEvents(const QString &packageId);
    QJsonObject restCourier(const QString &id);

    // Socket.IO
    std::unique_ptr<Conn> open(const QString &token);
    std::optional<QJsonArray> emitWithAck(Conn &conn, const QString &event,
                                          const QJsonValue &payload);
    /// Waits until everything the hub sent to conn before now has arrived: a refused fix is
    /// answered on the same connection, after every event queued for it.
    bool barrier(Conn &conn);
    QJsonObject sendFix(Conn &conn, const QJsonObject &fix);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<depot::Hub> m_hub;
    QNetworkAccessManager m_nam;
    QUrl m_base;
    QString m_dispatcher;
    CourierLogin m_ada;
    CourierLogin m_bob;
};

// --- Helpers ----------------------------------------------------------------------------------

QJsonDocument tst_SocketApi::request(const QByteArray &method, const QString &path,
                                     const QJsonObject &body, const QString &token, int *status)
{
    QNetworkRequest req(m_base.resolved(QUrl(path)));
    QByteArray bytes;
    if (!body.isEmpty()) {
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        bytes = QJsonDocument(body).toJson(QJsonDocument::Compact);
    }
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
    std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(req, method, bytes));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kWaitMs))
        return {};
    const int code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status)
        *status = code;
    const QByteArray answer = reply->readAll();
    if (code / 100 != 2)
        qWarning("%s %s: %d %s", method.constData(), qPrintable(path), code, answer.constData());
    return QJsonDocument::fromJson(answer);
}

CourierLogin tst_SocketApi::newCourier(const QString &username)
{
    const QJsonObject courier =
        request("POST", QStringLiteral("/api/couriers"),
                QJsonObject{{QStringLiteral("name"), username},
                            {QStringLiteral("username"), username},
                            {QStringLiteral("password"), QString::fromLatin1(kCourierPassword)}},
                m_dispatcher)
            .object();
    const QJsonObject login =
        request("POST", QStringLiteral("/api/auth/login"),
                QJsonObject{{QStringLiteral("username"), username},
                            {QStringLiteral("password"), QString::fromLatin1(kCourierPassword)}},
                {})
            .object();
    return CourierLogin{str(courier, "id"), str(login, "token")};
}

QJsonObject tst_SocketApi::newPackage(double northMetres, double eastMetres)
{
    return request("POST", QStringLiteral("/api/packages"),
                   QJsonObject{{QStringLiteral("recipientName"), QStringLiteral("Grace Hopper")},
                               {QStringLiteral("address"), QStringLiteral("1 Harbour St")},
                               {QStringLiteral("destination"),
                                QJsonObject{{QStringLiteral("latitude"), latAt(northMetres)},
                                            {QStringLiteral("longitude"), lonAt(eastMetres)}}}},
                   m_dispatcher)
        .object();
}

bool tst_SocketApi::act(const QString &packageId, const QString &action, const QJsonObject &body)
{
    int status = 0;
    request("POST", QStringLiteral("/api/packages/%1/%2").arg(packageId, action), body,
            m_dispatcher, &status);
    return status == 200;
}

QJsonArray tst_SocketApi::restEvents(const QString &packageId)
{
    return request("GET", QStringLiteral("/api/packages/%1/events").arg(packageId), {},
                   m_dispatcher)
        .array();
}

QJsonObject tst_SocketApi::restCourier(const QString &id)
{
    return request("GET", QStringLiteral("/api/couriers/") + id, {}, m_dispatcher).object();
}

std::unique_ptr<Conn> tst_SocketApi::open(const QString &token)
{
    auto conn = std::make_unique<Conn>();
    QSignalSpy connected(&conn->client, &HubClient::connected);
    conn->client.connectToHub(m_base, QJsonObject{{QStringLiteral("token"), token}});
    if (!connected.wait(kWaitMs)) {
        qWarning("no connection");
        return nullptr;
    }
    return conn;
}

std::optional<QJsonArray> tst_SocketApi::emitWithAck(Conn &conn, const QString &event,
                                                     const QJsonValue &payload)
{
    bool answered = false;
    std::optional<QJsonArray> ack;
    conn.client.emitWithAck(event, payload, kWaitMs, [&](std::optional<QJsonArray> args) {
        answered = true;
        ack = std::move(args);
    });
    if (!QTest::qWaitFor([&] { return answered; }, kWaitMs + 1000))
        qWarning("no answer to %s", qPrintable(event));
    return ack;
}

bool tst_SocketApi::barrier(Conn &conn)
{
    const auto ack = emitWithAck(
        conn, QStringLiteral("location:update"),
        QJsonObject{{QStringLiteral("latitude"), 999}, {QStringLiteral("longitude"), 999}});
    return ack && ack->first().toObject().contains(QStringLiteral("error"));
}

QJsonObject tst_SocketApi::sendFix(Conn &conn, const QJsonObject &fix)
{
    const auto ack = emitWithAck(conn, QStringLiteral("location:update"), fix);
    return ack ? ack->first().toObject() : QJsonObject{};
}

#define SEND_FIX_OK(conn, fix)                                                                     \
    QCOMPARE(sendFix((conn), (fix)), (QJsonObject{{QStringLiteral("ok"), true}}))

// --- Fixture ----------------------------------------------------------------------------------

void tst_SocketApi::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    depot::HubConfig config;
    config.host = QHostAddress(QHostAddress::LocalHost);
    config.hostText = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.dataDir = m_dir->path();
    config.adminPassword = QString::fromLatin1(kAdminPassword);
    config.osmandPort = 0;
    config.locationIntervalSeconds = 30;
    config.locationDistanceMetres = 50;
    m_hub = std::make_unique<depot::Hub>(config);
    const auto error = m_hub->start();
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
    m_base = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_hub->port()));

    m_dispatcher =
        str(request("POST", QStringLiteral("/api/auth/login"),
                    QJsonObject{{QStringLiteral("username"), QStringLiteral("dispatcher")},
                                {QStringLiteral("password"), QString::fromLatin1(kAdminPassword)}},
                    {})
                .object(),
            "token");
    QVERIFY(!m_dispatcher.isEmpty());
    m_ada = newCourier(QStringLiteral("ada"));
    m_bob = newCourier(QStringLiteral("bob"));
    QVERIFY(!m_ada.token.isEmpty() && !m_bob.token.isEmpty());
}

void tst_SocketApi::cleanupTestCase()
{
    m_hub.reset();
}

// --- Connecting -------------------------------------------------------------------------------

void tst_SocketApi::pingsAreAnswered()
{
    // A hub of its own that pings every 50 ms and drops a client silent for 150 ms.
    depot::HttpServer http;
    depot::EngineIoServer::Options options;
    options.pingIntervalMs = 50;
    options.pingTimeoutMs = 100;
    depot::EngineIoServer engine(options);
    http.addEndpoint(QStringLiteral("/socket.io/"), &engine);
    depot::SocketIoServer realtime(engine, depot::SocketIoServer::Options{});
    realtime.of(QStringLiteral("/"));
    QString error;
    const quint16 port = http.listenOn(QHostAddress::LocalHost, 0, &error);
    QVERIFY2(port != 0, qPrintable(error));

    HubClient client;
    QSignalSpy connected(&client, &HubClient::connected);
    QSignalSpy disconnected(&client, &HubClient::disconnected);
    client.connectToHub(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    QVERIFY(connected.wait(kWaitMs));
    QVERIFY(client.pid().isEmpty()); // no recovery on this server
    // Ten ping intervals without a drop: every ping got its pong.
    QVERIFY(!disconnected.wait(500));
    QVERIFY(client.isConnected());
}

void tst_SocketApi::unauthorized_data()
{
    QTest::addColumn<QJsonObject>("auth");
    QTest::newRow("unknown token") << QJsonObject{{QStringLiteral("token"), QStringLiteral("x")}};
    QTest::newRow("empty token") << QJsonObject{{QStringLiteral("token"), QString()}};
    QTest::newRow("no token") << QJsonObject{};
    QTest::newRow("token not a string") << QJsonObject{{QStringLiteral("token"), 42}};
}

void tst_SocketApi::unauthorized()
{
    QFETCH(QJsonObject, auth);
    Conn conn;
    QSignalSpy connected(&conn.client, &HubClient::connected);
    QSignalSpy refused(&conn.client, &HubClient::connectError);
    conn.client.connectToHub(m_base, auth);
    QVERIFY(refused.wait(kWaitMs));
    QCOMPARE(refused.first().at(0).toString(), QStringLiteral("unauthorized"));
    QCOMPARE(refused.first().at(1).value<QJsonValue>(),
             QJsonValue(QJsonObject{{QStringLiteral("code"), QStringLiteral("unauthorized")}}));
    QCOMPARE(connected.size(), 0);
    QCOMPARE(conn.client.state(), HubClient::State::Disconnected);
    // Events for everyone still flow, and none of them reaches the refused client.
    newPackage();
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    QVERIFY(barrier(*dispatcher));
    QVERIFY(conn.events.isEmpty());
}

void tst_SocketApi::offsetIsNotAnArgument()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    QVERIFY(!dispatcher->client.pid().isEmpty());
    const QJsonObject p = newPackage();
    QTRY_COMPARE(dispatcher->about(str(p, "id")).size(), 1);
    const Received r = dispatcher->about(str(p, "id")).first();
    QCOMPARE(r.name, QStringLiteral("package:update"));
    QCOMPARE(r.argc, 1);
    QVERIFY(!dispatcher->client.offset().isEmpty());
}

// --- Scoping and order ------------------------------------------------------------------------

void tst_SocketApi::scopingAcrossManyPackagesAndTrackers()
{
    auto dispatcher = open(m_dispatcher);
    auto ada = open(m_ada.token);
    auto bob = open(m_bob.token);
    QVERIFY(dispatcher && ada && bob);

    constexpr int kPackages = 8;
    QList<QJsonObject> packages;
    std::vector<std::unique_ptr<Conn>> trackers;
    for (int i = 0; i < kPackages; ++i) {
        packages << newPackage(i * 100);
        QVERIFY(!str(packages.last(), "trackingToken").isEmpty());
        trackers.push_back(open(str(packages.last(), "trackingToken")));
        QVERIFY(trackers.back());
    }
    auto id = [&](int i) { return str(packages[i], "id"); };
    auto assign = [&](int i, const CourierLogin &c) {
        return act(id(i), QStringLiteral("assign"),
                   QJsonObject{{QStringLiteral("deliveryPersonId"), c.id}});
    };
    // 0-2 for ada, 3-5 for bob, 6 cancelled while pending, 7 left pending.
    for (int i = 0; i < 3; ++i)
        QVERIFY(assign(i, m_ada));
    for (int i = 3; i < 6; ++i)
        QVERIFY(assign(i, m_bob));
    QVERIFY(act(id(0), QStringLiteral("start")));
    QVERIFY(act(id(0), QStringLiteral("complete")));
    QVERIFY(act(id(1), QStringLiteral("fail"),
                QJsonObject{{QStringLiteral("reason"), QStringLiteral("nobody home")}}));
    QVERIFY(act(id(3), QStringLiteral("start")));
    QVERIFY(act(id(4), QStringLiteral("cancel"),
                QJsonObject{{QStringLiteral("reason"), QStringLiteral("recalled")}}));
    QVERIFY(act(id(6), QStringLiteral("cancel")));

    QVERIFY(barrier(*dispatcher));
    QVERIFY(barrier(*ada));
    QVERIFY(barrier(*bob));
    for (auto &t : trackers)
        QVERIFY(barrier(*t));

    for (int i = 0; i < kPackages; ++i) {
        // The history as REST tells it, each entry the event's payload plus its name.
        QList<Received> history;
        for (const QJsonValue &v : restEvents(id(i))) {
            QJsonObject payload = v.toObject();
            history.append(Received{payload.take(QStringLiteral("event")).toString(), payload, 1});
        }
        QVERIFY(history.size() >= 1);
        auto same = [](const QList<Received> &a, const QList<Received> &b) {
            if (a.size() != b.size())
                return false;
            for (qsizetype k = 0; k < a.size(); ++k) {
                if (a[k].name != b[k].name || a[k].payload != b[k].payload || a[k].argc != 1)
                    return false;
            }
            return true;
        };
        QVERIFY2(same(dispatcher->about(id(i)), history),
                 qPrintable(names(dispatcher->about(id(i))).join(u',')));
        // The tracker connected after the package was created: everything since.
        QVERIFY2(same(trackers[i]->about(id(i)), history.mid(1)), qPrintable(QString::number(i)));
        // Couriers see their packages from the assignment on, and nothing of anyone else's.
        const QList<Received> expectedAda = i < 3 ? history.mid(1) : QList<Received>{};
        const QList<Received> expectedBob = i >= 3 && i < 6 ? history.mid(1) : QList<Received>{};
        QVERIFY2(same(ada->about(id(i)), expectedAda), qPrintable(QString::number(i)));
        QVERIFY2(same(bob->about(id(i)), expectedBob), qPrintable(QString::number(i)));
    }
    // A tracker sees its one package and nothing else at all.
    for (int i = 0; i < kPackages; ++i) {
        for (const Received &r : trackers[i]->events)
            QCOMPARE(str(r.payload, "packageId"), id(i));
    }
    for (const Received &r : ada->events)
        QVERIFY2(r.name != QLatin1String("courier:update"), "couriers get no presence events");
}

void tst_SocketApi::specificEventComesBeforeStatusUpdate()
{
    auto dispatcher = open(m_dispatcher);
    auto ada = open(m_ada.token);
    QVERIFY(dispatcher && ada);
    const QJsonObject a = newPackage();
    const QJsonObject b = newPackage();
    const QJsonObject c = newPackage();
    auto tracker = open(str(a, "trackingToken"));
    QVERIFY(tracker);

    const QJsonObject toAda{{QStringLiteral("deliveryPersonId"), m_ada.id}};
    QVERIFY(act(str(a, "id"), QStringLiteral("assign"), toAda));
    QVERIFY(act(str(a, "id"), QStringLiteral("start")));
    QVERIFY(act(str(a, "id"), QStringLiteral("complete")));
    QVERIFY(act(str(b, "id"), QStringLiteral("assign"), toAda));
    QVERIFY(act(str(b, "id"), QStringLiteral("fail"),
                QJsonObject{{QStringLiteral("reason"), QStringLiteral("address unknown")}}));
    QVERIFY(act(str(c, "id"), QStringLiteral("cancel"),
                QJsonObject{{QStringLiteral("reason"), QStringLiteral("duplicate")}}));
    QVERIFY(barrier(*dispatcher));
    QVERIFY(barrier(*ada));
    QVERIFY(barrier(*tracker));

    const QString u = QStringLiteral("package:update");
    const QStringList aNames{
        u, QStringLiteral("delivery:assigned"),  u, QStringLiteral("delivery:started"),
        u, QStringLiteral("delivery:completed"), u};
    QCOMPARE(names(dispatcher->about(str(a, "id"))), aNames);
    QCOMPARE(names(tracker->about(str(a, "id"))), aNames.mid(1));
    QCOMPARE(names(ada->about(str(a, "id"))), aNames.mid(1));
    QCOMPARE(names(dispatcher->about(str(b, "id"))),
             (QStringList{u, QStringLiteral("delivery:assigned"), u,
                          QStringLiteral("delivery:failed"), u}));
    QCOMPARE(names(dispatcher->about(str(c, "id"))),
             (QStringList{u, QStringLiteral("package:cancelled"), u}));

    // The payload shapes of each event.
    const QStringList delivery{QStringLiteral("deliveryPersonId"), QStringLiteral("packageId"),
                               QStringLiteral("timestamp")};
    const QStringList status{QStringLiteral("deliveryPersonId"), QStringLiteral("packageId"),
                             QStringLiteral("reason"), QStringLiteral("status"),
                             QStringLiteral("timestamp")};
    for (const Received &r : dispatcher->events) {
        if (r.name == u)
            QCOMPARE(sortedKeys(r.payload), status);
        else if (r.name.startsWith(QLatin1String("delivery:")) &&
                 r.name != QLatin1String("delivery:failed"))
            QCOMPARE(sortedKeys(r.payload), delivery);
    }
    const Received failed = dispatcher->about(str(b, "id")).at(3);
    QCOMPARE(failed.payload.value(QStringLiteral("reason")).toString(),
             QStringLiteral("address unknown"));
    QCOMPARE(failed.payload.value(QStringLiteral("deliveryPersonId")).toString(), m_ada.id);
    const Received cancelled = dispatcher->about(str(c, "id")).at(1);
    QCOMPARE(sortedKeys(cancelled.payload),
             (QStringList{QStringLiteral("packageId"), QStringLiteral("reason"),
                          QStringLiteral("timestamp")}));
    const Received cancelledStatus = dispatcher->about(str(c, "id")).at(2);
    QCOMPARE(str(cancelledStatus.payload, "status"), QStringLiteral("CANCELLED"));
    QCOMPARE(str(cancelledStatus.payload, "reason"), QStringLiteral("duplicate"));
    QVERIFY(cancelledStatus.payload.value(QStringLiteral("deliveryPersonId")).isNull());
}

void tst_SocketApi::reassignmentMovesEventsToTheNewCourier()
{
    auto dispatcher = open(m_dispatcher);
    auto ada = open(m_ada.token);
    auto bob = open(m_bob.token);
    QVERIFY(dispatcher && ada && bob);
    const QJsonObject p = newPackage();
    const QString id = str(p, "id");
    auto tracker = open(str(p, "trackingToken"));
    QVERIFY(tracker);

    QVERIFY(act(id, QStringLiteral("assign"), {{QStringLiteral("deliveryPersonId"), m_ada.id}}));
    QVERIFY(act(id, QStringLiteral("assign"), {{QStringLiteral("deliveryPersonId"), m_bob.id}}));
    QVERIFY(act(id, QStringLiteral("start")));
    QVERIFY(barrier(*ada));
    QVERIFY(barrier(*bob));
    QVERIFY(barrier(*tracker));

    const QString u = QStringLiteral("package:update");
    const QString assigned = QStringLiteral("delivery:assigned");
    const QString started = QStringLiteral("delivery:started");
    // Ada learns from the status that the package went to Bob, then hears nothing more of it.
    const QList<Received> adaSaw = ada->about(id);
    QCOMPARE(names(adaSaw), (QStringList{assigned, u, u}));
    QCOMPARE(str(adaSaw.last().payload, "status"), QStringLiteral("ASSIGNED"));
    QCOMPARE(str(adaSaw.last().payload, "deliveryPersonId"), m_bob.id);
    // Bob gets the assignment and everything after it.
    const QList<Received> bobSaw = bob->about(id);
    QCOMPARE(names(bobSaw), (QStringList{assigned, u, started, u}));
    QCOMPARE(str(bobSaw.first().payload, "deliveryPersonId"), m_bob.id);
    QCOMPARE(names(tracker->about(id)), (QStringList{assigned, u, assigned, u, started, u}));

    // Bob's position now reaches the package's tracker; Ada's does not.
    SEND_FIX_OK(*bob, fixAt(0));
    SEND_FIX_OK(*ada, fixAt(0));
    QVERIFY(barrier(*tracker));
    QVERIFY(barrier(*ada));
    const QList<Received> located = tracker->about(id, true).mid(6);
    QCOMPARE(names(located), QStringList{QStringLiteral("location:update")});
    QCOMPARE(str(located.first().payload, "deliveryPersonId"), m_bob.id);
    QCOMPARE(names(ada->about(id, true)), (QStringList{assigned, u, u}));
}

// --- Location acks ----------------------------------------------------------------------------

void tst_SocketApi::courierFixIsAcked()
{
    const CourierLogin courier = newCourier(QStringLiteral("acked"));
    auto conn = open(courier.token);
    QVERIFY(conn);
    const QJsonObject fix = fixAt(0, 0,
                                  {{QStringLiteral("accuracy"), 5},
                                   {QStringLiteral("speed"), 3.5},
                                   {QStringLiteral("heading"), 90}});
    const auto ack = emitWithAck(*conn, QStringLiteral("location:update"), fix);
    QVERIFY(ack);
    QCOMPARE(*ack, (QJsonArray{QJsonObject{{QStringLiteral("ok"), true}}}));
    // Acked means stored: the courier's position is there at once.
    const QJsonObject last =
        restCourier(courier.id).value(QStringLiteral("lastLocation")).toObject();
    QCOMPARE(last.value(QStringLiteral("latitude")).toDouble(), latAt(0));
    QCOMPARE(last.value(QStringLiteral("speed")).toDouble(), 3.5);
    QCOMPARE(last.value(QStringLiteral("heading")).toDouble(), 90.0);
}

void tst_SocketApi::fixFromNonCourierIsRefused()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const QJsonObject p = newPackage();
    auto tracker = open(str(p, "trackingToken"));
    QVERIFY(tracker);
    for (Conn *conn : {dispatcher.get(), tracker.get()}) {
        const auto ack = emitWithAck(*conn, QStringLiteral("location:update"), fixAt(0));
        QVERIFY(ack);
        QCOMPARE(ack->size(), 1);
        const QJsonObject error = ack->first().toObject().value(QStringLiteral("error")).toObject();
        QCOMPARE(sortedKeys(error),
                 (QStringList{QStringLiteral("code"), QStringLiteral("message")}));
        QCOMPARE(str(error, "code"), QStringLiteral("forbidden"));
        QVERIFY(!str(error, "message").isEmpty());
    }
    QVERIFY(barrier(*dispatcher));
    for (const Received &r : dispatcher->events)
        QVERIFY(r.name != QLatin1String("location:update"));
}

void tst_SocketApi::badFixIsRefused_data()
{
    QTest::addColumn<QJsonValue>("payload");
    QTest::addColumn<QStringList>("codes");
    const QStringList validation{QStringLiteral("validation_failed")};
    const QStringList shape{QStringLiteral("bad_request"), QStringLiteral("validation_failed")};
    auto fix = [](const QJsonValue &lat, const QJsonValue &lon) {
        return QJsonValue(
            QJsonObject{{QStringLiteral("latitude"), lat}, {QStringLiteral("longitude"), lon}});
    };
    QTest::newRow("latitude 90.5") << fix(90.5, kLon) << validation;
    QTest::newRow("latitude -91") << fix(-91, kLon) << validation;
    QTest::newRow("longitude 180.5") << fix(kLat, 180.5) << validation;
    QTest::newRow("longitude -181") << fix(kLat, -181) << validation;
    QTest::newRow("latitude a string") << fix(QStringLiteral("52.5"), kLon) << shape;
    QTest::newRow("no longitude") << QJsonValue(QJsonObject{{QStringLiteral("latitude"), kLat}})
                                  << shape;
    QTest::newRow("not an object") << QJsonValue(QStringLiteral("52.5,13.4")) << shape;
    QTest::newRow("no payload") << QJsonValue(QJsonValue::Undefined) << shape;
}

void tst_SocketApi::badFixIsRefused()
{
    QFETCH(QJsonValue, payload);
    QFETCH(QStringList, codes);
    auto dispatcher = open(m_dispatcher);
    auto ada = open(m_ada.token);
    QVERIFY(dispatcher && ada);
    const QJsonValue before = restCourier(m_ada.id).value(QStringLiteral("lastLocation"));
    const auto ack = emitWithAck(*ada, QStringLiteral("location:update"), payload);
    QVERIFY(ack);
    const QJsonObject error = ack->first().toObject().value(QStringLiteral("error")).toObject();
    QVERIFY2(codes.contains(str(error, "code")), qPrintable(str(error, "code")));
    QVERIFY(!str(error, "message").isEmpty());
    // Nothing changed and nobody heard of it.
    QCOMPARE(restCourier(m_ada.id).value(QStringLiteral("lastLocation")), before);
    QVERIFY(barrier(*dispatcher));
    QCOMPARE(dispatcher->fromCourier(QStringLiteral("location:update"), m_ada.id).size(), 0);
}

// --- Location updates -------------------------------------------------------------------------

void tst_SocketApi::dispatchersGetOneUpdatePerAcceptedFix()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const CourierLogin courier = newCourier(QStringLiteral("carol"));
    auto conn = open(courier.token);
    QVERIFY(conn);
    const QJsonObject first = newPackage(1000);
    const QJsonObject second = newPackage(2000);
    const QJsonObject toCarol{{QStringLiteral("deliveryPersonId"), courier.id}};

    SEND_FIX_OK(*conn, fixAt(0)); // carries nothing
    QVERIFY(act(str(first, "id"), QStringLiteral("assign"), toCarol));
    SEND_FIX_OK(*conn, fixAt(10)); // carries an ASSIGNED package
    QVERIFY(act(str(second, "id"), QStringLiteral("assign"), toCarol));
    QVERIFY(act(str(second, "id"), QStringLiteral("start")));
    SEND_FIX_OK(*conn, fixAt(20)); // the IN_PROGRESS one wins over the earlier ASSIGNED one
    // A GPS jump (50 km in a moment) is not a position the courier was at.
    QVERIFY(!sendFix(*conn, fixAt(50'000)).isEmpty());
    SEND_FIX_OK(*conn, fixAt(30));
    QVERIFY(act(str(second, "id"), QStringLiteral("complete")));
    SEND_FIX_OK(*conn, fixAt(40)); // back to the ASSIGNED one
    QVERIFY(barrier(*dispatcher));

    const QList<Received> updates =
        dispatcher->fromCourier(QStringLiteral("location:update"), courier.id);
    QCOMPARE(updates.size(), 5);
    const QJsonValue expected[] = {QJsonValue::Null, str(first, "id"), str(second, "id"),
                                   str(second, "id"), str(first, "id")};
    const double north[] = {0, 10, 20, 30, 40};
    for (int i = 0; i < 5; ++i) {
        const QJsonObject &p = updates[i].payload;
        QCOMPARE(sortedKeys(p),
                 (QStringList{QStringLiteral("deliveryPersonId"), QStringLiteral("etaSeconds"),
                              QStringLiteral("heading"), QStringLiteral("location"),
                              QStringLiteral("packageId"), QStringLiteral("speed"),
                              QStringLiteral("timestamp")}));
        QCOMPARE(p.value(QStringLiteral("packageId")), expected[i]);
        const QJsonObject location = p.value(QStringLiteral("location")).toObject();
        QCOMPARE(sortedKeys(location),
                 (QStringList{QStringLiteral("latitude"), QStringLiteral("longitude")}));
        QCOMPARE(location.value(QStringLiteral("latitude")).toDouble(), latAt(north[i]));
        QVERIFY(p.value(QStringLiteral("heading")).isNull());
        QVERIFY(p.value(QStringLiteral("speed")).isNull());
    }
    // Package subscribers are trackers and dispatchers; the courier is not sent its own fixes.
    QVERIFY(barrier(*conn));
    for (const Received &r : conn->events)
        QVERIFY(r.name != QLatin1String("location:update"));
}

void tst_SocketApi::trackersAreThrottled()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const CourierLogin courier = newCourier(QStringLiteral("dave"));
    auto conn = open(courier.token);
    QVERIFY(conn);
    const QJsonObject mine = newPackage(3000);
    const QJsonObject alsoMine = newPackage(-3000);
    const QJsonObject notMine = newPackage(0);
    const QJsonObject toDave{{QStringLiteral("deliveryPersonId"), courier.id}};
    QVERIFY(act(str(mine, "id"), QStringLiteral("assign"), toDave));
    QVERIFY(act(str(alsoMine, "id"), QStringLiteral("assign"), toDave));
    QVERIFY(act(str(notMine, "id"), QStringLiteral("assign"),
                {{QStringLiteral("deliveryPersonId"), m_bob.id}}));
    auto tracker = open(str(mine, "trackingToken"));
    auto tracker2 = open(str(alsoMine, "trackingToken"));
    auto stranger = open(str(notMine, "trackingToken"));
    QVERIFY(tracker && tracker2 && stranger);

    SEND_FIX_OK(*conn, fixAt(0));  // the first fix always goes out
    SEND_FIX_OK(*conn, fixAt(10)); // 10 m within the interval: held back
    SEND_FIX_OK(*conn, fixAt(60)); // 60 m from the last one sent: goes out
    SEND_FIX_OK(*conn, fixAt(70)); // 10 m from that one: held back again
    for (Conn *c : {dispatcher.get(), tracker.get(), tracker2.get(), stranger.get()})
        QVERIFY(barrier(*c));

    auto latitudes = [](const QList<Received> &events) {
        QList<double> out;
        for (const Received &r : events) {
            if (r.name == QLatin1String("location:update"))
                out << r.payload.value(QStringLiteral("location"))
                           .toObject()
                           .value(QStringLiteral("latitude"))
                           .toDouble();
        }
        return out;
    };
    const QList<double> sent{latAt(0), latAt(60)};
    QCOMPARE(latitudes(tracker->about(str(mine, "id"), true)), sent);
    QCOMPARE(latitudes(tracker2->about(str(alsoMine, "id"), true)), sent);
    QCOMPARE(latitudes(tracker->events), sent); // nothing under the other package's id
    QCOMPARE(latitudes(stranger->events), QList<double>{});
    // Dispatchers are not throttled.
    QCOMPARE(latitudes(dispatcher->fromCourier(QStringLiteral("location:update"), courier.id)),
             (QList<double>{latAt(0), latAt(10), latAt(60), latAt(70)}));
}

void tst_SocketApi::etaFromTheFixSpeed()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const CourierLogin courier = newCourier(QStringLiteral("erin"));
    auto conn = open(courier.token);
    QVERIFY(conn);
    const QJsonObject p = newPackage(0);
    QVERIFY(act(str(p, "id"), QStringLiteral("assign"),
                {{QStringLiteral("deliveryPersonId"), courier.id}}));
    QVERIFY(act(str(p, "id"), QStringLiteral("start")));
    auto tracker = open(str(p, "trackingToken"));
    QVERIFY(tracker);

    SEND_FIX_OK(*conn, fixAt(-1200, 0, {{QStringLiteral("speed"), 8}}));
    QVERIFY(barrier(*dispatcher));
    QVERIFY(barrier(*tracker));
    const double metres = depot::geo::distanceMetres(latAt(-1200), lonAt(0), latAt(0), lonAt(0));
    const double expected = metres / 8; // about 150 s
    const QList<Received> seen =
        dispatcher->fromCourier(QStringLiteral("location:update"), courier.id);
    QCOMPARE(seen.size(), 1);
    const QJsonValue eta = seen.first().payload.value(QStringLiteral("etaSeconds"));
    QVERIFY2(eta.isDouble(), qPrintable(QJsonDocument(seen.first().payload).toJson()));
    QVERIFY2(std::abs(eta.toDouble() - expected) <= 2,
             qPrintable(QStringLiteral("eta %1, expected %2").arg(eta.toDouble()).arg(expected)));
    QCOMPARE(seen.first().payload.value(QStringLiteral("speed")).toDouble(), 8.0);
    // The tracker sees the same estimate for its package.
    const QList<Received> tracked = tracker->about(str(p, "id"), true);
    QCOMPARE(tracked.size(), 1);
    QCOMPARE(tracked.first().payload.value(QStringLiteral("etaSeconds")), eta);
}

void tst_SocketApi::etaUnknownWithoutSpeed()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const CourierLogin courier = newCourier(QStringLiteral("frank"));
    auto conn = open(courier.token);
    QVERIFY(conn);
    const QJsonObject p = newPackage(0);
    QVERIFY(act(str(p, "id"), QStringLiteral("assign"),
                {{QStringLiteral("deliveryPersonId"), courier.id}}));

    SEND_FIX_OK(*conn, fixAt(-1000));                                    // no speed, no past
    SEND_FIX_OK(*conn, fixAt(-1000, 0, {{QStringLiteral("speed"), 0}})); // standing still
    QVERIFY(barrier(*dispatcher));
    const QList<Received> seen =
        dispatcher->fromCourier(QStringLiteral("location:update"), courier.id);
    QCOMPARE(seen.size(), 2);
    for (const Received &r : seen) {
        QCOMPARE(str(r.payload, "packageId"), str(p, "id"));
        QVERIFY2(r.payload.value(QStringLiteral("etaSeconds")).isNull(),
                 qPrintable(QJsonDocument(r.payload).toJson()));
    }
    QVERIFY(seen[0].payload.value(QStringLiteral("speed")).isNull());
    QCOMPARE(seen[1].payload.value(QStringLiteral("speed")).toDouble(), 0.0);
}

void tst_SocketApi::etaFromRecentFixesWithoutSpeed()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const CourierLogin courier = newCourier(QStringLiteral("gina"));
    auto conn = open(courier.token);
    QVERIFY(conn);
    const QJsonObject p = newPackage(0);
    QVERIFY(act(str(p, "id"), QStringLiteral("assign"),
                {{QStringLiteral("deliveryPersonId"), courier.id}}));

    // 100 m in 10 s, as the phone's own timestamps say: 10 m/s, though no fix carries a speed.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto stamped = [](const QDateTime &t) {
        return QJsonObject{{QStringLiteral("timestamp"), t.toString(Qt::ISODateWithMs)}};
    };
    SEND_FIX_OK(*conn, fixAt(-1100, 0, stamped(now.addSecs(-20))));
    SEND_FIX_OK(*conn, fixAt(-1000, 0, stamped(now.addSecs(-10))));
    QVERIFY(barrier(*dispatcher));
    const QList<Received> seen =
        dispatcher->fromCourier(QStringLiteral("location:update"), courier.id);
    QCOMPARE(seen.size(), 2);
    const double metres = depot::geo::distanceMetres(latAt(-1000), lonAt(0), latAt(0), lonAt(0));
    const QJsonValue eta = seen.last().payload.value(QStringLiteral("etaSeconds"));
    QVERIFY2(eta.isDouble(), qPrintable(QJsonDocument(seen.last().payload).toJson()));
    QVERIFY2(
        std::abs(eta.toDouble() - metres / 10) <= 3,
        qPrintable(QStringLiteral("eta %1, expected %2").arg(eta.toDouble()).arg(metres / 10)));
}

// --- Presence ---------------------------------------------------------------------------------

void tst_SocketApi::presenceCountsConnections()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    depot::Namespace *nsp = m_hub->realtime().find(QStringLiteral("/"));
    QVERIFY(nsp);
    const CourierLogin courier = newCourier(QStringLiteral("hank"));
    QCOMPARE(restCourier(courier.id).value(QStringLiteral("online")), QJsonValue(false));
    const QString update = QStringLiteral("courier:update");

    auto phone = open(courier.token);
    QVERIFY(phone);
    QTRY_COMPARE(dispatcher->fromCourier(update, courier.id).size(), 1);
    const QJsonObject online = dispatcher->fromCourier(update, courier.id).first().payload;
    QCOMPARE(sortedKeys(online),
             (QStringList{QStringLiteral("deliveryPersonId"), QStringLiteral("online"),
                          QStringLiteral("timestamp")}));
    QCOMPARE(online.value(QStringLiteral("online")), QJsonValue(true));
    QCOMPARE(restCourier(courier.id).value(QStringLiteral("online")), QJsonValue(true));

    auto tablet = open(courier.token);
    QVERIFY(tablet);
    const QString phoneSid = phone->client.sid();
    phone->client.disconnectFromHub();
    QTRY_VERIFY(nsp->socket(phoneSid) == nullptr);
    QVERIFY(barrier(*dispatcher));
    QCOMPARE(dispatcher->fromCourier(update, courier.id).size(), 1);
    QCOMPARE(restCourier(courier.id).value(QStringLiteral("online")), QJsonValue(true));

    // The last connection drops without a goodbye, as a phone losing its network does.
    tablet->client.abort();
    QTRY_COMPARE(dispatcher->fromCourier(update, courier.id).size(), 2);
    QCOMPARE(
        dispatcher->fromCourier(update, courier.id).last().payload.value(QStringLiteral("online")),
        QJsonValue(false));
    QCOMPARE(restCourier(courier.id).value(QStringLiteral("online")), QJsonValue(false));
}

// --- Recovery ---------------------------------------------------------------------------------

void tst_SocketApi::trackerRecoversMissedEventsInOrder()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const CourierLogin courier = newCourier(QStringLiteral("iris"));
    auto phone = open(courier.token);
    QVERIFY(phone);
    const QJsonObject p = newPackage(0);
    const QString id = str(p, "id");
    auto tracker = open(str(p, "trackingToken"));
    QVERIFY(tracker);
    const QString sid = tracker->client.sid();
    const QString pid = tracker->client.pid();
    QVERIFY(!pid.isEmpty());

    QVERIFY(act(id, QStringLiteral("assign"), {{QStringLiteral("deliveryPersonId"), courier.id}}));
    QTRY_COMPARE(tracker->about(id).size(), 2);
    const QString offset = tracker->client.offset();
    QVERIFY(!offset.isEmpty());

    // The network drops; the hub notices and keeps the session.
    depot::Namespace *nsp = m_hub->realtime().find(QStringLiteral("/"));
    QSignalSpy trackerDisconnected(&tracker->client, &HubClient::disconnected);
    tracker->client.abort();
    QCOMPARE(trackerDisconnected.size(), 1);
    QCOMPARE(trackerDisconnected.first().at(0).toString(), QStringLiteral("transport close"));
    QTRY_VERIFY(nsp->socket(sid) == nullptr);

    // What happens meanwhile: status changes, a position, other packages' news.
    const qsizetype before = tracker->events.size();
    QVERIFY(act(id, QStringLiteral("start")));
    SEND_FIX_OK(*phone, fixAt(-500, 0, {{QStringLiteral("speed"), 5}}));
    newPackage(); // someone else's
    QVERIFY(act(id, QStringLiteral("complete")));
    QVERIFY(barrier(*dispatcher));
    const QList<Received> missed = dispatcher->about(id, true).mid(3);
    QCOMPARE(names(missed),
             (QStringList{QStringLiteral("delivery:started"), QStringLiteral("package:update"),
                          QStringLiteral("location:update"), QStringLiteral("delivery:completed"),
                          QStringLiteral("package:update")}));

    QSignalSpy reconnected(&tracker->client, &HubClient::connected);
    tracker->client.connectToHub(m_base, {{QStringLiteral("token"), str(p, "trackingToken")}});
    QVERIFY(reconnected.wait(kWaitMs));
    QVERIFY(tracker->client.recovered());
    QCOMPARE(tracker->client.sid(), sid);
    QCOMPARE(tracker->client.pid(), pid);
    QVERIFY(barrier(*tracker));
    const QList<Received> replayed = tracker->events.mid(before);
    QCOMPARE(names(replayed), names(missed));
    for (qsizetype i = 0; i < missed.size(); ++i) {
        QCOMPARE(replayed[i].payload, missed[i].payload);
        QCOMPARE(replayed[i].argc, 1);
    }
    QVERIFY(tracker->client.offset() != offset);

    // The recovered session is live: later events arrive as usual, and in its rooms only.
    const QJsonObject other = newPackage();
    QVERIFY(act(str(other, "id"), QStringLiteral("cancel")));
    QVERIFY(barrier(*tracker));
    QCOMPARE(tracker->events.size(), before + missed.size());
}

void tst_SocketApi::cleanLeaveIsNotRecovered()
{
    const QJsonObject p = newPackage(0);
    auto tracker = open(str(p, "trackingToken"));
    QVERIFY(tracker);
    QVERIFY(act(str(p, "id"), QStringLiteral("cancel")));
    QTRY_COMPARE(tracker->events.size(), 2);
    const QString pid = tracker->client.pid();
    QSignalSpy disconnected(&tracker->client, &HubClient::disconnected);
    tracker->client.disconnectFromHub();
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.first().at(0).toString(), QStringLiteral("io client disconnect"));

    // A client that said goodbye starts over, with a new session and no replay.
    QSignalSpy connected(&tracker->client, &HubClient::connected);
    tracker->client.connectToHub(m_base, {{QStringLiteral("token"), str(p, "trackingToken")}});
    QVERIFY(connected.wait(kWaitMs));
    QVERIFY(!tracker->client.recovered());
    QVERIFY(tracker->client.pid() != pid);
    QVERIFY(barrier(*tracker));
    QCOMPARE(tracker->events.size(), 2);

    // So does one that forgets its session on purpose.
    tracker->client.abort();
    tracker->client.forgetSession();
    tracker->client.connectToHub(m_base, {{QStringLiteral("token"), str(p, "trackingToken")}});
    QVERIFY(connected.wait(kWaitMs));
    QVERIFY(!tracker->client.recovered());
}

void tst_SocketApi::recoveryOnABusyHub()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const QJsonObject p = newPackage(0);
    const QString id = str(p, "id");
    auto tracker = open(str(p, "trackingToken"));
    QVERIFY(tracker);
    QVERIFY(act(id, QStringLiteral("assign"), {{QStringLiteral("deliveryPersonId"), m_bob.id}}));
    QTRY_COMPARE(tracker->about(id).size(), 2);
    const QString pid = tracker->client.pid();

    // A busy hub: more traffic to other clients than the recovery buffer holds, well within
    // the 120 s window. Sent straight into the namespace so the test stays fast.
    depot::Namespace *nsp = m_hub->realtime().find(QStringLiteral("/"));
    const depot::Audience elsewhere{{QStringLiteral("package:elsewhere")}, {}};
    for (qsizetype i = 0; i < nsp->options().maxRecoveryPackets; ++i)
        nsp->emitEvent(elsewhere, QStringLiteral("filler"), QJsonValue(int(i)));

    const QString sid = tracker->client.sid();
    tracker->client.abort();
    QTRY_VERIFY(nsp->socket(sid) == nullptr);
    const qsizetype before = tracker->events.size();
    QVERIFY(act(id, QStringLiteral("start")));

    QSignalSpy connected(&tracker->client, &HubClient::connected);
    tracker->client.connectToHub(m_base, {{QStringLiteral("token"), str(p, "trackingToken")}});
    QVERIFY(connected.wait(kWaitMs));
    QVERIFY(barrier(*tracker));
    const QStringList replayed = names(tracker->events.mid(before));
    // The offset has left the recovery buffer, so the events in between are gone: the client
    // must be told its session is new (a new pid) and reload, never that it recovered.
    QVERIFY(!tracker->client.recovered());
    QVERIFY(tracker->client.pid() != pid);
    Q_UNUSED(replayed);
}

void tst_SocketApi::recoveryKeepsToItsPrincipal()
{
    const QJsonObject before = newPackage(0);
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    QVERIFY(act(str(before, "id"), QStringLiteral("cancel")));
    QTRY_VERIFY(!dispatcher->client.offset().isEmpty());
    const QString sid = dispatcher->client.sid();
    const QString pid = dispatcher->client.pid();
    depot::Namespace *nsp = m_hub->realtime().find(QStringLiteral("/"));
    dispatcher->client.abort();
    QTRY_VERIFY(nsp->socket(sid) == nullptr);

    // While the dispatcher is away, news only dispatchers may see.
    const QJsonObject missed = newPackage(0);
    const QJsonObject tracked = newPackage(0);
    const qsizetype seen = dispatcher->events.size();

    // A tracker token with the dispatcher's pid and offset: a fresh tracker session.
    QSignalSpy connected(&dispatcher->client, &HubClient::connected);
    dispatcher->client.connectToHub(m_base,
                                    {{QStringLiteral("token"), str(tracked, "trackingToken")}});
    QVERIFY(connected.wait(kWaitMs));
    QVERIFY(!dispatcher->client.recovered());
    QVERIFY(dispatcher->client.sid() != sid);
    QVERIFY(dispatcher->client.pid() != pid);
    depot::Socket *hijacker = nsp->socket(dispatcher->client.sid());
    QVERIFY(hijacker);
    QVERIFY(!hijacker->rooms().contains(QStringLiteral("dispatchers")));

    // It gets no replay and no dispatcher-only events from now on.
    const CourierLogin courier = newCourier(QStringLiteral("mallory"));
    auto phone = open(courier.token);
    QVERIFY(phone);
    QVERIFY(act(str(tracked, "id"), QStringLiteral("cancel")));
    QVERIFY(barrier(*dispatcher));
    QCOMPARE(names(dispatcher->events.mid(seen)),
             (QStringList{QStringLiteral("package:cancelled"), QStringLiteral("package:update")}));
    QVERIFY(dispatcher->about(str(missed, "id")).isEmpty());

    // Nor does one courier take over another's session.
    QVERIFY(act(str(missed, "id"), QStringLiteral("assign"),
                {{QStringLiteral("deliveryPersonId"), courier.id}}));
    QTRY_VERIFY(!phone->client.offset().isEmpty());
    const QString courierSid = phone->client.sid();
    phone->client.abort();
    QTRY_VERIFY(nsp->socket(courierSid) == nullptr);
    QSignalSpy phoneConnected(&phone->client, &HubClient::connected);
    phone->client.connectToHub(m_base, {{QStringLiteral("token"), m_bob.token}});
    QVERIFY(phoneConnected.wait(kWaitMs));
    QVERIFY(!phone->client.recovered());
    QVERIFY(!nsp->socket(phone->client.sid())
                 ->rooms()
                 .contains(QStringLiteral("courier:") + courier.id));
}

void tst_SocketApi::recoveryWithAnotherTokenOfTheSameUser()
{
    auto dispatcher = open(m_dispatcher);
    QVERIFY(dispatcher);
    const QJsonObject p = newPackage(0);
    QTRY_VERIFY(!dispatcher->client.offset().isEmpty());
    const QString sid = dispatcher->client.sid();
    depot::Namespace *nsp = m_hub->realtime().find(QStringLiteral("/"));
    dispatcher->client.abort();
    QTRY_VERIFY(nsp->socket(sid) == nullptr);
    QVERIFY(act(str(p, "id"), QStringLiteral("cancel")));

    // The same account logged in afresh is the same principal: it gets its session back.
    const QString secondToken =
        str(request("POST", QStringLiteral("/api/auth/login"),
                    QJsonObject{{QStringLiteral("username"), QStringLiteral("dispatcher")},
                                {QStringLiteral("password"), QString::fromLatin1(kAdminPassword)}},
                    {})
                .object(),
            "token");
    QVERIFY(!secondToken.isEmpty());
    QVERIFY(secondToken != m_dispatcher);
    const qsizetype seen = dispatcher->events.size();
    QSignalSpy connected(&dispatcher->client, &HubClient::connected);
    dispatcher->client.connectToHub(m_base, {{QStringLiteral("token"), secondToken}});
    QVERIFY(connected.wait(kWaitMs));
    QVERIFY(dispatcher->client.recovered());
    QCOMPARE(dispatcher->client.sid(), sid);
    QVERIFY(barrier(*dispatcher));
    QCOMPARE(names(dispatcher->about(str(p, "id")).mid(1)),
             (QStringList{QStringLiteral("package:cancelled"), QStringLiteral("package:update")}));
    QVERIFY(dispatcher->events.size() > seen);
}

QTEST_GUILESS_MAIN(tst_SocketApi)
#include "tst_socketapi.moc"
