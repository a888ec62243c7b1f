// Two hubs in this process on one PostgreSQL database (a server of the test's own), over real
// HTTP and Socket.IO: one package assigned from both at once gets one 200 and one 409, a hub
// with a stale view answers from the stored row, a token made on one hub works on the other and
// one ended on one is refused by the other, failed logins count across hubs; and the database
// going away: writes answer 503 and change nothing, the hub reconnects by itself, and every
// write answered before is in the database.
#include "core/store.h"
#include "hub.h"
#include "hubclient.h"
#include "hubconfig.h"
#include "loopbackhub.h"
#include "postgresserver.h"
#include "rawhttp.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

using depot::HubClient;
using Reply = depot::test::RawHttpResponse;

namespace {

constexpr char kAdminPassword[] = "admin-secret";
constexpr char kCourierPassword[] = "courier-secret";

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

QByteArray request(const QByteArray &method, const QString &path, const QByteArray &body,
                   const QString &token)
{
    QByteArray headers = "Connection: close\r\n";
    if (!body.isEmpty())
        headers += "Content-Type: application/json\r\n";
    if (!token.isEmpty())
        headers += "Authorization: Bearer " + token.toLatin1() + "\r\n";
    return depot::test::rawHttpRequest(method, path.toUtf8(), headers, body);
}

QJsonObject packageBody(const QString &recipient)
{
    return {{QStringLiteral("recipientName"), recipient},
            {QStringLiteral("address"), QStringLiteral("1 Harbour St")},
            {QStringLiteral("destination"), QJsonObject{{QStringLiteral("latitude"), 53.55},
                                                        {QStringLiteral("longitude"), 9.99}}}};
}

/// A depot-hub process of the test's own, on 127.0.0.1 with a free port.
class HubProcess
{
public:
    /// The test's environment without DEPOT_ variables.
    static QProcessEnvironment cleanEnvironment()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &name : env.keys()) {
            if (name.startsWith(QLatin1String("DEPOT_")))
                env.remove(name);
        }
        return env;
    }
    explicit HubProcess(const QProcessEnvironment &env = cleanEnvironment())
    {
        m_process.setProcessEnvironment(env);
    }
    ~HubProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    void start(const QString &dataDir, const QStringList &extra)
    {
        m_process.start(QStringLiteral(DEPOT_HUB_PATH),
                        QStringList{QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                                    QStringLiteral("--port"), QStringLiteral("0"),
                                    QStringLiteral("--osmand-port"), QStringLiteral("0"),
                                    QStringLiteral("--tile-url"), QStringLiteral("none"),
                                    QStringLiteral("--admin-password"),
                                    QString::fromLatin1(kAdminPassword),
                                    QStringLiteral("--data-dir"), dataDir} +
                            extra);
    }
    /// The port from the listening line; 0 if the process ended or stayed silent.
    quint16 waitListening()
    {
        static const QRegularExpression listening(
            QStringLiteral("listening on http://[^\\s]+:(\\d+)"));
        QDeadlineTimer deadline(15000);
        while (!deadline.hasExpired()) {
            m_stdout += m_process.readAllStandardOutput();
            const auto match = listening.match(QString::fromUtf8(m_stdout));
            if (match.hasMatch())
                return match.captured(1).toUShort();
            if (m_process.state() == QProcess::NotRunning)
                return 0;
            m_process.waitForReadyRead(100);
        }
        return 0;
    }
    int waitExit()
    {
        if (!m_process.waitForFinished(15000) || m_process.exitStatus() != QProcess::NormalExit)
            return -1;
        return m_process.exitCode();
    }
    QByteArray standardError() { return m_process.readAllStandardError(); }

private:
    QProcess m_process;
    QByteArray m_stdout;
};

} // namespace

class tst_PostgresHubs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void concurrentAssignsGetOne200AndOne409();
    void staleHubAnswersFromTheStoredRow();
    void tokensHoldOnEveryHub();
    void openSocketOnTheOtherHubClosesAtItsNextCheck();
    void namesAndDeviceIdsAreUniqueAcrossHubs();
    void loginLimitsCountAcrossHubs();
    void guessLimitsCountAcrossHubs();
    void databaseDownAnswers503AndReconnects();
    void hubRefusesToStartWithoutItsDatabase();
    void badDatabaseUrls_data();
    void badDatabaseUrls();
    void twoProcessesRaceForEachPackage();

private:
    /// Starts hub `index` (0 or 1) on the test's database, in a data dir of its own.
    void startHub(int index, qint64 tokenTtlSeconds = 30 * 24 * 3600);
    quint16 port(int hub) const { return m_hubs[hub]->port(); }
    Reply call(int hub, const QByteArray &method, const QString &path, const QByteArray &body = {},
               const QString &token = {}, const QHostAddress &from = {});
    Reply login(int hub, const QString &username, const QString &password,
                const QHostAddress &from = {});
    QString newCourier(int hub, const QString &username);
    QString newPackage(int hub, const QString &recipient);
    QString sql(const QString &query) { return m_postgres->query(m_database, query); }

    std::unique_ptr<depot::test::PostgresServer> m_postgres;
    QString m_database;
    int m_databases = 0;
    std::unique_ptr<QTemporaryDir> m_dirs[2];
    std::unique_ptr<depot::Hub> m_hubs[2];
    QString m_dispatcher; // a token made on hub 0
    bool m_postgresStopped = false;
};

void tst_PostgresHubs::initTestCase()
{
    const QString why = depot::test::PostgresServer::unavailableReason();
    if (!why.isEmpty())
        QSKIP(qPrintable(why));
    m_postgres = std::make_unique<depot::test::PostgresServer>();
    QString error;
    QVERIFY2(m_postgres->start(&error), qPrintable(error));
}

void tst_PostgresHubs::init()
{
    m_database = QStringLiteral("hubs%1").arg(++m_databases);
    m_postgres->createDatabase(m_database);
    startHub(0);
    startHub(1);
    m_dispatcher =
        str(login(0, QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword)).object(),
            "token");
    QVERIFY(!m_dispatcher.isEmpty());
}

void tst_PostgresHubs::cleanup()
{
    if (m_postgresStopped) // a case that failed halfway leaves the next ones a server
        m_postgresStopped = !m_postgres->startAgain();
    for (auto &hub : m_hubs)
        hub.reset();
    for (auto &dir : m_dirs)
        dir.reset();
}

void tst_PostgresHubs::startHub(int index, qint64 tokenTtlSeconds)
{
    m_dirs[index] = std::make_unique<QTemporaryDir>();
    depot::HubConfig config =
        depot::test::loopbackHubConfig(m_dirs[index]->path(), QString::fromLatin1(kAdminPassword));
    config.database = m_postgres->databaseUrl(m_database);
    config.storeReconnectMaxMs = 200;
    config.tokenTtlSeconds = tokenTtlSeconds;
    m_hubs[index] = std::make_unique<depot::Hub>(config);
    const auto error = m_hubs[index]->start();
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
}

Reply tst_PostgresHubs::call(int hub, const QByteArray &method, const QString &path,
                             const QByteArray &body, const QString &token, const QHostAddress &from)
{
    return depot::test::rawHttpExchange(port(hub), request(method, path, body, token), from, 10000);
}

Reply tst_PostgresHubs::login(int hub, const QString &username, const QString &password,
                              const QHostAddress &from)
{
    return call(
        hub, "POST", QStringLiteral("/api/auth/login"),
        json({{QStringLiteral("username"), username}, {QStringLiteral("password"), password}}), {},
        from);
}

QString tst_PostgresHubs::newCourier(int hub, const QString &username)
{
    const Reply r =
        call(hub, "POST", QStringLiteral("/api/couriers"),
             json({{QStringLiteral("name"), username.toUpper()},
                   {QStringLiteral("username"), username},
                   {QStringLiteral("password"), QString::fromLatin1(kCourierPassword)}}),
             m_dispatcher);
    if (r.status != 201)
        qWarning("courier not created: %d %s", r.status, r.body.constData());
    return str(r.object(), "id");
}

QString tst_PostgresHubs::newPackage(int hub, const QString &recipient)
{
    const Reply r = call(hub, "POST", QStringLiteral("/api/packages"), json(packageBody(recipient)),
                         m_dispatcher);
    if (r.status != 201)
        qWarning("package not created: %d %s", r.status, r.body.constData());
    return str(r.object(), "id");
}

void tst_PostgresHubs::concurrentAssignsGetOne200AndOne409()
{
    const QString courier = newCourier(0, QStringLiteral("ada"));
    QVERIFY(!courier.isEmpty());
    const QByteArray assign = json({{QStringLiteral("deliveryPersonId"), courier}});
    for (int round = 0; round < 25; ++round) {
        // Made on one hub or the other, so that each is sometimes the one that never saw it.
        const QString package = newPackage(round % 2, QStringLiteral("R%1").arg(round));
        QVERIFY(!package.isEmpty());
        // Both requests are on the wire before either hub answers.
        const QString path = QStringLiteral("/api/packages/%1/assign").arg(package);
        depot::test::RawHttpClient first(port(round % 2));
        depot::test::RawHttpClient second(port(1 - round % 2));
        first.send(request("POST", path, assign, m_dispatcher));
        second.send(request("POST", path, assign, m_dispatcher));
        QVERIFY(first.waitForResponses(1, 10000));
        QVERIFY(second.waitForResponses(1, 10000));
        QList<int> statuses{first.responses()[0].status, second.responses()[0].status};
        std::sort(statuses.begin(), statuses.end());
        QCOMPARE(statuses, (QList<int>{200, 409}));
        const Reply &refused =
            first.responses()[0].status == 409 ? first.responses()[0] : second.responses()[0];
        QCOMPARE(refused.errorCode(), QStringLiteral("invalid_transition"));
        // One transition, stored once.
        QCOMPARE(sql(QStringLiteral("SELECT status || ' ' || version FROM packages WHERE id = '%1'")
                         .arg(package)),
                 QStringLiteral("ASSIGNED 1"));
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM package_events WHERE package_id = '%1' "
                                    "AND event = 'delivery:assigned'")
                         .arg(package)),
                 QStringLiteral("1"));
    }
}

void tst_PostgresHubs::staleHubAnswersFromTheStoredRow()
{
    const QString ada = newCourier(0, QStringLiteral("ada"));
    const QString bob = newCourier(0, QStringLiteral("bob"));
    const QString cancelled = newPackage(0, QStringLiteral("Grace"));
    const QString reassigned = newPackage(0, QStringLiteral("Hopper"));
    // Hub 1 learns both packages as they are now (pending) ...
    m_hubs[1].reset();
    startHub(1);
    QCOMPARE(call(1, "GET", QStringLiteral("/api/packages/%1").arg(cancelled), {}, m_dispatcher)
                 .object()
                 .value(QStringLiteral("status")),
             QJsonValue(QStringLiteral("PENDING")));
    // ... then hub 0 changes them.
    QCOMPARE(call(0, "POST", QStringLiteral("/api/packages/%1/cancel").arg(cancelled),
                  json({{QStringLiteral("reason"), QStringLiteral("gone")}}), m_dispatcher)
                 .status,
             200);
    QCOMPARE(call(0, "POST", QStringLiteral("/api/packages/%1/assign").arg(reassigned),
                  json({{QStringLiteral("deliveryPersonId"), ada}}), m_dispatcher)
                 .status,
             200);
    // Hub 1 still thinks both pending; its answers follow the stored rows.
    const Reply refused = call(1, "POST", QStringLiteral("/api/packages/%1/assign").arg(cancelled),
                               json({{QStringLiteral("deliveryPersonId"), ada}}), m_dispatcher);
    QCOMPARE(refused.status, 409);
    QCOMPARE(refused.errorCode(), QStringLiteral("invalid_transition"));
    QVERIFY2(refused.body.contains("CANCELLED"), refused.body.constData());
    // A reassignment is allowed from ASSIGNED: it is made over the stored row, and the package
    // leaves ada for bob.
    const Reply moved = call(1, "POST", QStringLiteral("/api/packages/%1/assign").arg(reassigned),
                             json({{QStringLiteral("deliveryPersonId"), bob}}), m_dispatcher);
    QCOMPARE(moved.status, 200);
    QCOMPARE(str(moved.object(), "deliveryPersonId"), bob);
    QCOMPARE(sql(QStringLiteral("SELECT delivery_person_id || ' ' || version FROM packages WHERE "
                                "id = '%1'")
                     .arg(reassigned)),
             bob + QStringLiteral(" 2"));
    // Hub 1's view is now the stored one.
    QCOMPARE(call(1, "GET", QStringLiteral("/api/packages/%1").arg(cancelled), {}, m_dispatcher)
                 .object()
                 .value(QStringLiteral("status")),
             QJsonValue(QStringLiteral("CANCELLED")));
}

void tst_PostgresHubs::tokensHoldOnEveryHub()
{
    // The dispatcher logged in on hub 0; hub 1 knows the token.
    QCOMPARE(call(1, "GET", QStringLiteral("/api/me"), {}, m_dispatcher).status, 200);
    const QString ada = newCourier(1, QStringLiteral("ada")); // made on hub 1, by hub 0's token
    QVERIFY(!ada.isEmpty());
    const QString token = str(
        login(0, QStringLiteral("ada"), QString::fromLatin1(kCourierPassword)).object(), "token");
    QCOMPARE(call(1, "GET", QStringLiteral("/api/me"), {}, token).status, 200);
    {
        HubClient client;
        QSignalSpy connected(&client, &HubClient::connected);
        client.connectToHub(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port(1))),
                            {{QStringLiteral("token"), token}});
        QVERIFY(connected.wait(5000));
    }

    // Taken off on hub 0 (which never saw ada made): hub 1 refuses her token on REST and on
    // a Socket.IO CONNECT.
    QCOMPARE(call(0, "PATCH", QStringLiteral("/api/couriers/%1").arg(ada),
                  json({{QStringLiteral("active"), false}}), m_dispatcher)
                 .status,
             200);
    QCOMPARE(call(1, "GET", QStringLiteral("/api/me"), {}, token).status, 401);
    {
        HubClient client;
        QSignalSpy refused(&client, &HubClient::connectError);
        QSignalSpy connected(&client, &HubClient::connected);
        client.connectToHub(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port(1))),
                            {{QStringLiteral("token"), token}});
        QVERIFY(refused.wait(5000));
        QCOMPARE(connected.size(), 0);
    }

    // A logout on hub 1 ends the token on hub 0, which used it last.
    const QString second =
        str(login(1, QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword)).object(),
            "token");
    QCOMPARE(call(0, "GET", QStringLiteral("/api/me"), {}, second).status, 200);
    QCOMPARE(call(1, "POST", QStringLiteral("/api/auth/logout"), {}, second).status, 204);
    QCOMPARE(call(0, "GET", QStringLiteral("/api/me"), {}, second).status, 401);
    QCOMPARE(call(0, "GET", QStringLiteral("/api/me"), {}, m_dispatcher).status, 200);
}

void tst_PostgresHubs::namesAndDeviceIdsAreUniqueAcrossHubs()
{
    const auto create = [this](int hub, const QString &username, const QString &deviceId) {
        return call(hub, "POST", QStringLiteral("/api/couriers"),
                    json({{QStringLiteral("name"), username},
                          {QStringLiteral("username"), username},
                          {QStringLiteral("password"), QString::fromLatin1(kCourierPassword)},
                          {QStringLiteral("deviceId"), deviceId}}),
                    m_dispatcher);
    };
    const Reply made = create(0, QStringLiteral("ada"), QStringLiteral("phone-1"));
    QCOMPARE(made.status, 201);
    const QString ada = str(made.object(), "id");
    const Reply name = create(1, QStringLiteral("ADA"), QStringLiteral("phone-2"));
    QCOMPARE(name.status, 409);
    QCOMPARE(name.errorCode(), QStringLiteral("conflict"));
    const Reply device = create(1, QStringLiteral("bob"), QStringLiteral("phone-1"));
    QCOMPARE(device.status, 409);
    QCOMPARE(device.errorCode(), QStringLiteral("conflict"));
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM couriers")), QStringLiteral("1"));

    // Taken off on hub 0, then given a new phone on hub 1, which had her as active: she stays
    // off, and hub 1 answers with the stored record.
    QCOMPARE(call(1, "GET", QStringLiteral("/api/couriers/%1").arg(ada), {}, m_dispatcher).status,
             200);
    QCOMPARE(call(0, "PATCH", QStringLiteral("/api/couriers/%1").arg(ada),
                  json({{QStringLiteral("active"), false}}), m_dispatcher)
                 .status,
             200);
    const Reply phone =
        call(1, "PATCH", QStringLiteral("/api/couriers/%1").arg(ada),
             json({{QStringLiteral("phone"), QStringLiteral("+49 40 1")}}), m_dispatcher);
    QCOMPARE(phone.status, 200);
    QCOMPARE(phone.object().value(QStringLiteral("active")), QJsonValue(false));
    QCOMPARE(sql(QStringLiteral("SELECT u.active || ' ' || c.phone FROM couriers c JOIN users u "
                                "ON u.id = c.id")),
             QStringLiteral("0 +49 40 1"));
}

void tst_PostgresHubs::openSocketOnTheOtherHubClosesAtItsNextCheck()
{
    // Hub 1 checks its sockets' tokens every tenth of a 10 s TTL.
    m_hubs[1].reset();
    startHub(1, 10);
    const QString ada = newCourier(0, QStringLiteral("ada"));
    const QString token = str(
        login(1, QStringLiteral("ada"), QString::fromLatin1(kCourierPassword)).object(), "token");
    HubClient client;
    QSignalSpy connected(&client, &HubClient::connected);
    QSignalSpy disconnected(&client, &HubClient::disconnected);
    client.connectToHub(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port(1))),
                        {{QStringLiteral("token"), token}});
    QVERIFY(connected.wait(5000));
    QCOMPARE(call(0, "PATCH", QStringLiteral("/api/couriers/%1").arg(ada),
                  json({{QStringLiteral("active"), false}}), m_dispatcher)
                 .status,
             200);
    QVERIFY(disconnected.wait(3000));
    QCOMPARE(disconnected[0][0].toString(), QStringLiteral("io server disconnect"));
}

void tst_PostgresHubs::loginLimitsCountAcrossHubs()
{
    // Five failures from one address are its limit: made on both hubs, they add up.
    const QHostAddress from(QStringLiteral("127.0.0.7"));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(login(i % 2, QStringLiteral("dispatcher"), QStringLiteral("wrong"), from).status,
                 401);
    for (int hub : {0, 1}) {
        const Reply refused =
            login(hub, QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword), from);
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.errorCode(), QStringLiteral("rate_limited"));
        QVERIFY(refused.header("Retry-After").toInt() >= 1);
    }
    // Another address is not held back.
    QCOMPARE(login(1, QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword),
                   QHostAddress(QStringLiteral("127.0.0.8")))
                 .status,
             200);
}

void tst_PostgresHubs::guessLimitsCountAcrossHubs()
{
    // --guess-limit unknown tracking codes from one address, made on both hubs, add up.
    const QHostAddress from(QStringLiteral("127.0.0.9"));
    const int limit = m_hubs[0]->config().trackingMissLimit;
    for (int i = 0; i < limit; ++i)
        QCOMPARE(call(i % 2, "GET",
                      QStringLiteral("/api/track/ZZZZ%1").arg(i, 6, 10, QLatin1Char('0')), {}, {},
                      from)
                     .status,
                 404);
    for (int hub : {0, 1}) {
        const Reply refused =
            call(hub, "GET", QStringLiteral("/api/track/YYYY000000"), {}, {}, from);
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.errorCode(), QStringLiteral("rate_limited"));
    }
    QCOMPARE(call(1, "GET", QStringLiteral("/api/track/YYYY000000"), {}, {},
                  QHostAddress(QStringLiteral("127.0.0.10")))
                 .status,
             404);
}

void tst_PostgresHubs::databaseDownAnswers503AndReconnects()
{
    const QString ada = newCourier(0, QStringLiteral("ada"));
    QStringList answered;
    for (int i = 0; i < 5; ++i)
        answered << newPackage(i % 2, QStringLiteral("Before %1").arg(i));
    QVERIFY(!answered.contains(QString()));
    const auto listed = [this] {
        return QJsonDocument::fromJson(
                   call(0, "GET", QStringLiteral("/api/packages"), {}, m_dispatcher).body)
            .array()
            .size();
    };
    const qsizetype before = listed();
    const QString courierToken = str(
        login(0, QStringLiteral("ada"), QString::fromLatin1(kCourierPassword)).object(), "token");
    const QString fixPath = QStringLiteral("/api/couriers/%1/location").arg(ada);
    const auto fix = [](double latitude) {
        return json({{QStringLiteral("latitude"), latitude}, {QStringLiteral("longitude"), 9.99}});
    };
    QCOMPARE(call(0, "POST", fixPath, fix(53.5001), courierToken).status, 202);

    QVERIFY(m_postgres->stop());
    m_postgresStopped = true;
    // A fix is a write like any other.
    const Reply fixRefused = call(0, "POST", fixPath, fix(53.5002), courierToken);
    QCOMPARE(fixRefused.status, 503);
    QCOMPARE(fixRefused.errorCode(), QStringLiteral("store_unavailable"));
    const Reply refused = call(0, "POST", QStringLiteral("/api/packages"),
                               json(packageBody(QStringLiteral("During"))), m_dispatcher);
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.errorCode(), QStringLiteral("store_unavailable"));
    QVERIFY(!refused.object()
                 .value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("message"))
                 .toString()
                 .isEmpty());
    QVERIFY(!m_hubs[0]->store().available());
    // A transition is refused the same way, and the hub's view stays as it was.
    const Reply notAssigned =
        call(0, "POST", QStringLiteral("/api/packages/%1/assign").arg(answered[0]),
             json({{QStringLiteral("deliveryPersonId"), ada}}), m_dispatcher);
    QCOMPARE(notAssigned.status, 503);
    QCOMPARE(notAssigned.errorCode(), QStringLiteral("store_unavailable"));
    QCOMPARE(listed(), before);
    // A login would write a token: refused the same way, not taken for a wrong password.
    const Reply noLogin =
        login(0, QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
    QCOMPARE(noLogin.status, 503);
    QCOMPARE(noLogin.errorCode(), QStringLiteral("store_unavailable"));
    QCOMPARE(
        str(call(0, "GET", QStringLiteral("/api/packages/%1").arg(answered[0]), {}, m_dispatcher)
                .object(),
            "status"),
        QStringLiteral("PENDING"));

    // Back: the hub reconnects by itself, and the next write goes through.
    QVERIFY(m_postgres->startAgain());
    m_postgresStopped = false;
    QTRY_VERIFY_WITH_TIMEOUT(m_hubs[0]->store().available(), 10000);
    answered << newPackage(0, QStringLiteral("After"));
    QVERIFY(!answered.last().isEmpty());
    QCOMPARE(call(0, "POST", fixPath, fix(53.5003), courierToken).status, 202);
    QCOMPARE(sql(QStringLiteral("SELECT string_agg(latitude::text, ' ' ORDER BY id) FROM fixes")),
             QStringLiteral("53.5001 53.5003"));
    QCOMPARE(call(0, "POST", QStringLiteral("/api/packages/%1/assign").arg(answered[0]),
                  json({{QStringLiteral("deliveryPersonId"), ada}}), m_dispatcher)
                 .status,
             200);
    // Every package answered 201 is in the database; the refused one is not.
    for (const QString &id : answered)
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM packages WHERE id = '%1'").arg(id)),
                 QStringLiteral("1"));
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM packages WHERE recipient_name = 'During'")),
             QStringLiteral("0"));
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM packages")),
             QString::number(answered.size()));
}

void tst_PostgresHubs::hubRefusesToStartWithoutItsDatabase()
{
    QTemporaryDir dir;
    depot::HubConfig config =
        depot::test::loopbackHubConfig(dir.path(), QString::fromLatin1(kAdminPassword));
    config.database = m_postgres->databaseUrl(QStringLiteral("no_such_database"));
    depot::Hub hub(config);
    const auto error = hub.start();
    QVERIFY(error);
    QCOMPARE(error->exitCode, 2);
    QVERIFY2(error->message.contains(QLatin1String("no_such_database")),
             qPrintable(error->message));
    QVERIFY(!error->message.contains(QLatin1String("unused"))); // no password in the log
    QVERIFY(!error->message.contains(QLatin1Char('\n')));
}

void tst_PostgresHubs::badDatabaseUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("inEnvironment");
    QTest::newRow("other scheme") << QStringLiteral("mysql://u:p@127.0.0.1/depot") << false;
    QTest::newRow("no user") << QStringLiteral("postgres://127.0.0.1:5432/depot") << false;
    QTest::newRow("no database") << QStringLiteral("postgres://u:secret@127.0.0.1:5432/") << false;
    QTest::newRow("port too large") << QStringLiteral("postgres://u:p@127.0.0.1:70000/d") << false;
    QTest::newRow("sqlite without a path") << QStringLiteral("sqlite:") << false;
    QTest::newRow("in DEPOT_DATABASE") << QStringLiteral("postgres://nobody") << true;
}

void tst_PostgresHubs::badDatabaseUrls()
{
    QFETCH(QString, url);
    QFETCH(bool, inEnvironment);
    QTemporaryDir dir;
    QProcessEnvironment env = HubProcess::cleanEnvironment();
    QStringList args;
    if (inEnvironment)
        env.insert(QStringLiteral("DEPOT_DATABASE"), url);
    else
        args << QStringLiteral("--database") << url;
    HubProcess hub(env);
    hub.start(dir.path(), args);
    QCOMPARE(hub.waitExit(), 2);
    const QStringList lines =
        QString::fromUtf8(hub.standardError()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY2(lines.size() == 1, qPrintable(lines.join(QLatin1Char('\n'))));
    QVERIFY2(lines[0].startsWith(QLatin1String("depot-hub: --database: ")), qPrintable(lines[0]));
    QVERIFY2(!lines[0].contains(QLatin1String("secret")), qPrintable(lines[0])); // no password
}

void tst_PostgresHubs::twoProcessesRaceForEachPackage()
{
    // Two depot-hub processes, so that both transactions are really in flight at once; user and
    // password percent-encoded in the URL (trust authentication ignores the password).
    const QString url = QStringLiteral("postgresql://postgre%73:p%40ss%2Fw%3Ard@127.0.0.1:") +
                        QString::number(m_postgres->port()) + QLatin1Char('/') + m_database;
    cleanup(); // the in-process hubs are not needed here
    QTemporaryDir dirs[2];
    HubProcess hubs[2];
    quint16 ports[2];
    for (int i : {0, 1}) {
        hubs[i].start(dirs[i].path(), {QStringLiteral("--database"), url});
        ports[i] = hubs[i].waitListening();
        QVERIFY2(ports[i] != 0, hubs[i].standardError().constData());
    }
    auto exchange = [](quint16 port, const QByteArray &bytes) {
        return depot::test::rawHttpExchange(port, bytes, {}, 10000);
    };
    const QString courier =
        str(exchange(ports[0], request("POST", QStringLiteral("/api/couriers"),
                                       json({{QStringLiteral("name"), QStringLiteral("Ada")},
                                             {QStringLiteral("username"), QStringLiteral("ada")},
                                             {QStringLiteral("password"),
                                              QString::fromLatin1(kCourierPassword)}}),
                                       m_dispatcher))
                .object(),
            "id");
    QVERIFY(!courier.isEmpty());
    constexpr int kPackages = 30;
    QStringList packages;
    for (int i = 0; i < kPackages; ++i)
        packages << str(
            exchange(ports[i % 2], request("POST", QStringLiteral("/api/packages"),
                                           json(packageBody(QStringLiteral("P"))), m_dispatcher))
                .object(),
            "id");
    QVERIFY(!packages.contains(QString()));
    // Every assign of every package at once, each package from both hubs.
    const QByteArray assign = json({{QStringLiteral("deliveryPersonId"), courier}});
    std::vector<std::unique_ptr<depot::test::RawHttpClient>> clients;
    for (const QString &id : packages) {
        for (quint16 port : ports) {
            clients.push_back(std::make_unique<depot::test::RawHttpClient>(port));
            clients.back()->send(request("POST", QStringLiteral("/api/packages/%1/assign").arg(id),
                                         assign, m_dispatcher));
        }
    }
    for (int i = 0; i < kPackages; ++i) {
        auto &a = *clients[2 * i];
        auto &b = *clients[2 * i + 1];
        QVERIFY(a.waitForResponses(1, 10000));
        QVERIFY(b.waitForResponses(1, 10000));
        QList<int> statuses{a.responses()[0].status, b.responses()[0].status};
        std::sort(statuses.begin(), statuses.end());
        QCOMPARE(statuses, (QList<int>{200, 409}));
    }
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM package_events WHERE event = "
                                "'delivery:assigned'")),
             QString::number(kPackages));
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM packages WHERE status = 'ASSIGNED' AND "
                                "version = 1")),
             QString::number(kPackages));
}

QTEST_MAIN(tst_PostgresHubs)
#include "tst_postgreshubs.moc"
