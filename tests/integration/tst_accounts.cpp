// Accounts and tokens over real sockets: login limits per address and account with
// Retry-After, the cost of an unknown username, Argon2id and the upgrade of older hashes, token
// expiry and renewal, logout, password changes and deactivation (REST, Socket.IO and OsmAnd),
// and usernames without regard to case. Each test runs its own hub.
#include "api/authservice.h"
#include "core/clock.h"
#include "hub.h"
#include "hubclient.h"
#include "hubconfig.h"
#include "loopbackhub.h"
#include "rawhttp.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

using depot::HubClient;

namespace {

constexpr char kAdminPassword[] = "admin-secret";
constexpr char kCourierPassword[] = "courier-secret";
constexpr qint64 kDayMs = 24LL * 3600 * 1000;

using Reply = depot::test::RawHttpResponse;

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

} // namespace

class tst_Accounts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void successClearsOnlyItsOwnAccountsFailures();
    void failuresPerAccountAcrossAddresses();
    void unknownUserCostsAsMuchAsKnownUser();
    void passwordsAreArgon2id();
    void pbkdf2HashIsRehashedOnLogin();
    void logoutEndsTheCallersToken();
    void tokensExpireUnlessUsed();
    void expiredTokenClosesItsSocket();
    void passwordChangeEndsTheCouriersTokens();
    void deactivationTakesACourierOff();
    void usernamesIgnoreCase();
    void tokenTtlFlag();

private:
    void startHub(qint64 tokenTtlSeconds = 30 * 24 * 3600);
    /// One request on a connection of its own, from `from` (any 127.0.0.0/8 address).
    Reply request(const QByteArray &method, const QString &path, const QByteArray &body = {},
                  const QString &token = {}, const QHostAddress &from = {}, quint16 port = 0);
    Reply login(const QString &username, const QString &password, const QHostAddress &from = {});
    QString tokenOf(const QString &username, const QString &password);
    QJsonObject newCourier(const QString &username, const QString &deviceId = {});
    QString passwordHashOf(const QString &username);
    Reply postFix(const QString &courierId, const QString &token);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<depot::Hub> m_hub;
    depot::ManualClock *m_clock = nullptr; // owned by the hub
    QString m_dispatcher;
};

void tst_Accounts::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_Accounts::cleanup()
{
    m_hub.reset();
    m_clock = nullptr;
}

void tst_Accounts::startHub(qint64 tokenTtlSeconds)
{
    depot::HubConfig config =
        depot::test::loopbackHubConfig(m_dir->path(), QString::fromLatin1(kAdminPassword));
    config.tokenTtlSeconds = tokenTtlSeconds;
    auto clock = std::make_unique<depot::ManualClock>(QDateTime::currentDateTimeUtc());
    m_clock = clock.get();
    m_hub = std::make_unique<depot::Hub>(config, std::move(clock));
    const auto error = m_hub->start();
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
    m_dispatcher = tokenOf(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
    QVERIFY(!m_dispatcher.isEmpty());
}

Reply tst_Accounts::request(const QByteArray &method, const QString &path, const QByteArray &body,
                            const QString &token, const QHostAddress &from, quint16 port)
{
    QByteArray headers = "Connection: close\r\n";
    if (!body.isEmpty())
        headers += "Content-Type: application/json\r\n";
    if (!token.isEmpty())
        headers += "Authorization: Bearer " + token.toLatin1() + "\r\n";
    return depot::test::rawHttpExchange(
        port ? port : m_hub->port(),
        depot::test::rawHttpRequest(method, path.toUtf8(), headers, body), from, 10000);
}

Reply tst_Accounts::login(const QString &username, const QString &password,
                          const QHostAddress &from)
{
    return request(
        "POST", QStringLiteral("/api/auth/login"),
        json({{QStringLiteral("username"), username}, {QStringLiteral("password"), password}}), {},
        from);
}

QString tst_Accounts::tokenOf(const QString &username, const QString &password)
{
    return str(login(username, password).object(), "token");
}

QJsonObject tst_Accounts::newCourier(const QString &username, const QString &deviceId)
{
    QJsonObject body{{QStringLiteral("name"), username.toUpper()},
                     {QStringLiteral("username"), username},
                     {QStringLiteral("password"), QString::fromLatin1(kCourierPassword)}};
    if (!deviceId.isEmpty())
        body.insert(QStringLiteral("deviceId"), deviceId);
    const Reply r = request("POST", QStringLiteral("/api/couriers"), json(body), m_dispatcher);
    if (r.status != 201)
        qWarning("courier not created: %d %s", r.status, r.body.constData());
    return r.object();
}

QString tst_Accounts::passwordHashOf(const QString &username)
{
    QString hash;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
        db.setDatabaseName(m_dir->filePath(QStringLiteral("depot.sqlite")));
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT password_hash FROM users WHERE username = ?"));
            q.addBindValue(username);
            if (q.exec() && q.next())
                hash = q.value(0).toString();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("peek"));
    return hash;
}

Reply tst_Accounts::postFix(const QString &courierId, const QString &token)
{
    return request("POST", QStringLiteral("/api/couriers/%1/location").arg(courierId),
                   json({{QStringLiteral("latitude"), 52.52}, {QStringLiteral("longitude"), 13.4}}),
                   token);
}

// --- Login limits ----------------------------------------------------------------------------

void tst_Accounts::successClearsOnlyItsOwnAccountsFailures()
{
    startHub();
    newCourier(QStringLiteral("ada"));
    // Four wrong dispatcher passwords and one good courier login, five times over: the
    // courier's success does not wipe out the dispatcher's failures from this address.
    int firstRefusal = -1;
    for (int round = 0, attempt = 0; round < 5; ++round) {
        for (int i = 0; i < 5; ++i, ++attempt) {
            const bool courier = i == 4;
            const Reply r =
                courier ? login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword))
                        : login(QStringLiteral("dispatcher"), QStringLiteral("wrong"));
            if (r.status == 429) {
                QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
                const int retryAfter = r.header("Retry-After").toInt();
                QVERIFY2(retryAfter >= 1 && retryAfter <= 60, r.header("Retry-After").constData());
                if (firstRefusal < 0)
                    firstRefusal = attempt;
            } else {
                QCOMPARE(r.status, courier ? 200 : 401);
            }
        }
    }
    // Failures 1-4, the courier, failure 5: the seventh attempt is the first refused.
    QCOMPARE(firstRefusal, 6);
}

void tst_Accounts::failuresPerAccountAcrossAddresses()
{
    startHub();
    // Four failures from each of five addresses: each address is under its limit, the account
    // is not, so even the right password from a sixth address waits.
    for (int a = 2; a <= 6; ++a) {
        const QHostAddress from(QStringLiteral("127.0.0.%1").arg(a));
        for (int i = 0; i < 4; ++i)
            QCOMPARE(login(QStringLiteral("dispatcher"), QStringLiteral("wrong"), from).status,
                     401);
    }
    const Reply r = login(QStringLiteral("Dispatcher"), QString::fromLatin1(kAdminPassword),
                          QHostAddress(QStringLiteral("127.0.0.7")));
    QCOMPARE(r.status, 429);
    QVERIFY(r.header("Retry-After").toInt() >= 1);
    // Another account from those addresses is not held back.
    newCourier(QStringLiteral("ada"));
    QCOMPARE(login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword),
                   QHostAddress(QStringLiteral("127.0.0.2")))
                 .status,
             200);
    // A minute later the account may try again.
    m_clock->advanceMs(61'000);
    QCOMPARE(login(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword),
                   QHostAddress(QStringLiteral("127.0.0.7")))
                 .status,
             200);
}

void tst_Accounts::unknownUserCostsAsMuchAsKnownUser()
{
    startHub();
    newCourier(QStringLiteral("ada"));
    // Five wrong passwords each, taken in turns and from addresses of their own so that no
    // limit interferes; medians, because the machine may be busy with other work. Before the
    // dummy hash an unknown name cost 4 ms and a known one 230 ms.
    login(QStringLiteral("warm-up"), QStringLiteral("x"),
          QHostAddress(QStringLiteral("127.0.0.9")));
    std::vector<qint64> known, unknown;
    auto time = [this](const QString &username, const QHostAddress &from) {
        QElapsedTimer t;
        t.start();
        const Reply r = login(username, QStringLiteral("wrong"), from);
        if (r.status != 401)
            qWarning("status %d", r.status);
        return t.nsecsElapsed();
    };
    for (int i = 0; i < 5; ++i) {
        known.push_back(time(QStringLiteral("ada"), QHostAddress(QStringLiteral("127.0.0.2"))));
        unknown.push_back(
            time(QStringLiteral("nobody"), QHostAddress(QStringLiteral("127.0.0.3"))));
    }
    std::sort(known.begin(), known.end());
    std::sort(unknown.begin(), unknown.end());
    const qint64 k = known[2], u = unknown[2];
    qInfo("median wrong-password login: known %.1f ms, unknown %.1f ms", k / 1e6, u / 1e6);
    QVERIFY2(u * 4 >= k && k * 4 >= u,
             qPrintable(QStringLiteral("known %1 ns, unknown %2 ns").arg(k).arg(u)));
}

// --- Password hashes -------------------------------------------------------------------------

void tst_Accounts::passwordsAreArgon2id()
{
    startHub();
    newCourier(QStringLiteral("ada"));
    for (const QString &user : {QStringLiteral("dispatcher"), QStringLiteral("ada")}) {
        const QString hash = passwordHashOf(user);
        QVERIFY2(hash.startsWith(QLatin1String("$argon2id$v=19$m=19456,t=2,p=1$")),
                 qPrintable(hash));
        QCOMPARE(hash.count(QLatin1Char('$')), 5); // $argon2id$v=19$m=...$salt$hash
    }
    QVERIFY(!depot::AuthService::needsRehash(passwordHashOf(QStringLiteral("ada"))));
}

void tst_Accounts::pbkdf2HashIsRehashedOnLogin()
{
    startHub();
    newCourier(QStringLiteral("ada"));
    // As an older Depot stored it.
    const QString old =
        depot::AuthService::hashPasswordPbkdf2(QString::fromLatin1(kCourierPassword), 1000);
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("old"));
        db.setDatabaseName(m_dir->filePath(QStringLiteral("depot.sqlite")));
        QVERIFY(db.open());
        QSqlQuery q(db);
        q.prepare(QStringLiteral("UPDATE users SET password_hash = ? WHERE username = 'ada'"));
        q.addBindValue(old);
        QVERIFY(q.exec());
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("old"));
    QCOMPARE(passwordHashOf(QStringLiteral("ada")), old);

    QCOMPARE(login(QStringLiteral("ada"), QStringLiteral("wrong")).status, 401);
    QCOMPARE(passwordHashOf(QStringLiteral("ada")), old); // a failure changes nothing
    QCOMPARE(login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword)).status, 200);
    const QString upgraded = passwordHashOf(QStringLiteral("ada"));
    QVERIFY2(upgraded.startsWith(QLatin1String("$argon2id$v=19$m=19456,t=2,p=1$")),
             qPrintable(upgraded));
    QCOMPARE(login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword)).status, 200);
    QCOMPARE(login(QStringLiteral("ada"), QStringLiteral("wrong")).status, 401);
}

// --- Tokens ----------------------------------------------------------------------------------

void tst_Accounts::logoutEndsTheCallersToken()
{
    startHub();
    const QString other =
        tokenOf(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
    const Reply r = request("POST", QStringLiteral("/api/auth/logout"), {}, m_dispatcher);
    QCOMPARE(r.status, 204);
    const Reply me = request("GET", QStringLiteral("/api/me"), {}, m_dispatcher);
    QCOMPARE(me.status, 401);
    QCOMPARE(me.errorCode(), QStringLiteral("unauthorized"));
    QCOMPARE(request("POST", QStringLiteral("/api/auth/logout"), {}, m_dispatcher).status, 401);
    // The same account's other token lives on.
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, other).status, 200);
}

void tst_Accounts::tokensExpireUnlessUsed()
{
    startHub(); // the default: 30 days
    const QString idle = tokenOf(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
    // Used every 29 days, m_dispatcher lives on; the idle token ends after 30.
    m_clock->advanceMs(29 * kDayMs);
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, m_dispatcher).status, 200);
    m_clock->advanceMs(29 * kDayMs);
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, m_dispatcher).status, 200);
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, idle).status, 401);
    m_clock->advanceMs(30 * kDayMs + 1000);
    const Reply expired = request("GET", QStringLiteral("/api/me"), {}, m_dispatcher);
    QCOMPARE(expired.status, 401);
    QCOMPARE(expired.errorCode(), QStringLiteral("unauthorized"));

    // What the store remembers of a use survives a restart (renewed at most a minute late).
    const QString kept = tokenOf(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
    m_clock->advanceMs(20 * kDayMs);
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, kept).status, 200);
    const QDateTime now = m_clock->now();
    m_hub.reset();
    depot::HubConfig config =
        depot::test::loopbackHubConfig(m_dir->path(), QString::fromLatin1(kAdminPassword));
    auto clock = std::make_unique<depot::ManualClock>(now.addMSecs(25 * kDayMs));
    m_clock = clock.get();
    m_hub = std::make_unique<depot::Hub>(config, std::move(clock));
    QVERIFY(!m_hub->start());
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, kept).status, 200);
}

void tst_Accounts::expiredTokenClosesItsSocket()
{
    startHub(1); // --token-ttl 1s
    newCourier(QStringLiteral("ada"));
    const QString token = tokenOf(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword));
    HubClient client;
    QSignalSpy connected(&client, &HubClient::connected);
    QSignalSpy disconnected(&client, &HubClient::disconnected);
    client.connectToHub(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_hub->port())),
                        {{QStringLiteral("token"), token}});
    QVERIFY(connected.wait(5000));
    // Half a second at a time with a fix each: used, the token lives.
    for (int i = 0; i < 4; ++i) {
        m_clock->advanceMs(500);
        bool acked = false;
        client.emitWithAck(QStringLiteral("location:update"),
                           QJsonObject{{QStringLiteral("latitude"), 52.5 + i * 1e-4},
                                       {QStringLiteral("longitude"), 13.4}},
                           5000, [&acked](std::optional<QJsonArray> args) {
                               acked = args && args->first().toObject().value(
                                                   QStringLiteral("ok")) == QJsonValue(true);
                           });
        QTRY_VERIFY_WITH_TIMEOUT(acked, 5000);
    }
    QVERIFY(client.isConnected());
    // Unused for longer than the TTL: the hub closes the socket by itself.
    m_clock->advanceMs(1500);
    QVERIFY(disconnected.wait(2000));
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, token).status, 401);
    // And a new connection with it is refused.
    QSignalSpy refused(&client, &HubClient::connectError);
    client.forgetSession();
    client.connectToHub(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_hub->port())),
                        {{QStringLiteral("token"), token}});
    QVERIFY(refused.wait(5000));
    QCOMPARE(refused.first().first().toString(), QStringLiteral("unauthorized"));
}

void tst_Accounts::passwordChangeEndsTheCouriersTokens()
{
    startHub();
    const QJsonObject ada = newCourier(QStringLiteral("ada"));
    const QString id = str(ada, "id");
    const QString phone = tokenOf(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword));
    const QString laptop = tokenOf(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword));
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, phone).status, 200);
    QCOMPARE(postFix(id, phone).status, 202);
    HubClient client;
    QSignalSpy connected(&client, &HubClient::connected);
    QSignalSpy disconnected(&client, &HubClient::disconnected);
    client.connectToHub(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_hub->port())),
                        {{QStringLiteral("token"), phone}});
    QVERIFY(connected.wait(5000));

    const Reply changed =
        request("PATCH", QStringLiteral("/api/couriers/%1").arg(id),
                json({{QStringLiteral("password"), QStringLiteral("new-secret")}}), m_dispatcher);
    QCOMPARE(changed.status, 200);
    // It may come while the answer above is still read (Qt's transport writes at once).
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 1000);
    for (const QString &old : {phone, laptop}) {
        QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, old).status, 401);
        const Reply fix = postFix(id, old);
        QCOMPARE(fix.status, 401);
        QCOMPARE(fix.errorCode(), QStringLiteral("unauthorized"));
    }
    QCOMPARE(login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword)).status, 401);
    const QString fresh = tokenOf(QStringLiteral("ada"), QStringLiteral("new-secret"));
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, fresh).status, 200);
    // The dispatcher's own token is untouched.
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, m_dispatcher).status, 200);
}

void tst_Accounts::deactivationTakesACourierOff()
{
    startHub();
    const QString id = str(newCourier(QStringLiteral("ada"), QStringLiteral("ada-phone")), "id");
    const QString token = tokenOf(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword));
    QCOMPARE(postFix(id, token).status, 202);
    const QByteArray osmand = "/osmand?id=ada-phone&lat=52.5201&lon=13.4001";
    QCOMPARE(request("GET", QString::fromLatin1(osmand)).status, 200);
    Reply unknown = request("GET", QStringLiteral("/osmand?id=nobody&lat=50&lon=10"));
    // A package assigned to her, to see that her history stays.
    const Reply package = request(
        "POST", QStringLiteral("/api/packages"),
        json({{QStringLiteral("recipientName"), QStringLiteral("Grace")},
              {QStringLiteral("address"), QStringLiteral("1 Harbour St")},
              {QStringLiteral("destination"), QJsonObject{{QStringLiteral("latitude"), 52.5},
                                                          {QStringLiteral("longitude"), 13.4}}}}),
        m_dispatcher);
    QCOMPARE(package.status, 201);
    const QString packageId = str(package.object(), "id");
    QCOMPARE(request("POST", QStringLiteral("/api/packages/%1/assign").arg(packageId),
                     json({{QStringLiteral("deliveryPersonId"), id}}), m_dispatcher)
                 .status,
             200);

    HubClient client;
    QSignalSpy connected(&client, &HubClient::connected);
    QSignalSpy disconnected(&client, &HubClient::disconnected);
    client.connectToHub(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_hub->port())),
                        {{QStringLiteral("token"), token}});
    QVERIFY(connected.wait(5000));

    const Reply off = request("PATCH", QStringLiteral("/api/couriers/%1").arg(id),
                              json({{QStringLiteral("active"), false}}), m_dispatcher);
    QCOMPARE(off.status, 200);
    QCOMPARE(off.object().value(QStringLiteral("active")), QJsonValue(false));
    // It may come while the answer above is still read (Qt's transport writes at once).
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 1000);
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, token).status, 401);
    QCOMPARE(postFix(id, token).status, 401);
    // Her login is refused exactly as a wrong password is.
    const Reply refused = login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword));
    const Reply wrong = login(QStringLiteral("ada"), QStringLiteral("wrong"));
    QCOMPARE(refused.status, 401);
    QCOMPARE(refused.body, wrong.body);
    // Her phone's GPS app gets the answer an unknown device id gets, and moves nothing.
    const Reply gps = request("GET", QStringLiteral("/osmand?id=ada-phone&lat=50&lon=10"));
    QCOMPARE(gps.status, unknown.status);
    QCOMPARE(gps.body, unknown.body.replace("nobody", "ada-phone")); // if it names the id at all
    QCOMPARE(gps.header("Content-Type"), unknown.header("Content-Type"));
    // A dispatcher cannot send a fix for her either; her record and history are kept.
    QCOMPARE(postFix(id, m_dispatcher).status, 409);
    const QJsonObject record =
        request("GET", QStringLiteral("/api/couriers/%1").arg(id), {}, m_dispatcher).object();
    QCOMPARE(record.value(QStringLiteral("active")), QJsonValue(false));
    QCOMPARE(
        record.value(QStringLiteral("lastLocation")).toObject().value(QStringLiteral("latitude")),
        QJsonValue(52.5201));
    QCOMPARE(str(request("GET", QStringLiteral("/api/packages/%1").arg(packageId), {}, m_dispatcher)
                     .object(),
                 "deliveryPersonId"),
             id);
    // A courier cannot take anyone off.
    const QString bob = str(newCourier(QStringLiteral("bob")), "id");
    const QString bobToken = tokenOf(QStringLiteral("bob"), QString::fromLatin1(kCourierPassword));
    QCOMPARE(request("PATCH", QStringLiteral("/api/couriers/%1").arg(bob),
                     json({{QStringLiteral("active"), false}}), bobToken)
                 .status,
             403);
    QCOMPARE(request("PATCH", QStringLiteral("/api/couriers/%1").arg(bob),
                     json({{QStringLiteral("active"), QStringLiteral("no")}}), m_dispatcher)
                 .status,
             400);

    // Back on: she logs in and her phone reports again.
    const Reply on = request("PATCH", QStringLiteral("/api/couriers/%1").arg(id),
                             json({{QStringLiteral("active"), true}}), m_dispatcher);
    QCOMPARE(on.object().value(QStringLiteral("active")), QJsonValue(true));
    QCOMPARE(login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword)).status, 200);
    QCOMPARE(request("GET", QString::fromLatin1(osmand)).status, 200);
}

void tst_Accounts::usernamesIgnoreCase()
{
    startHub();
    const QString id = str(newCourier(QStringLiteral("ada")), "id");
    for (const QString &name :
         {QStringLiteral("ADA"), QStringLiteral("Ada"), QStringLiteral("DISPATCHER")}) {
        const Reply r = request("POST", QStringLiteral("/api/couriers"),
                                json({{QStringLiteral("name"), name},
                                      {QStringLiteral("username"), name},
                                      {QStringLiteral("password"), QStringLiteral("pw")}}),
                                m_dispatcher);
        QCOMPARE(r.status, 409);
        QCOMPARE(r.errorCode(), QStringLiteral("conflict"));
    }
    // Beyond ASCII too.
    QCOMPARE(str(newCourier(QStringLiteral("ärger")), "username"), QStringLiteral("ärger"));
    const Reply umlaut = request("POST", QStringLiteral("/api/couriers"),
                                 json({{QStringLiteral("name"), QStringLiteral("x")},
                                       {QStringLiteral("username"), QStringLiteral("ÄRGER")},
                                       {QStringLiteral("password"), QStringLiteral("pw")}}),
                                 m_dispatcher);
    QCOMPARE(umlaut.status, 409);
    // The login is matched without regard to case and answers the account's own spelling.
    const Reply r = login(QStringLiteral("AdA"), QString::fromLatin1(kCourierPassword));
    QCOMPARE(r.status, 200);
    const QJsonObject user = r.object().value(QStringLiteral("user")).toObject();
    QCOMPARE(str(user, "id"), id);
    QCOMPARE(str(user, "username"), QStringLiteral("ada"));
    QCOMPARE(login(QStringLiteral("ÄrGeR"), QString::fromLatin1(kCourierPassword)).status, 200);
}

void tst_Accounts::tokenTtlFlag()
{
    // Through the one parser depot and depot-hub share.
    auto parse = [](const QStringList &args) {
        QCommandLineParser parser;
        depot::addHubOptions(parser);
        parser.process(QStringList{QStringLiteral("depot-hub")} + args);
        return depot::hubConfigFrom(parser, QProcessEnvironment());
    };
    QCOMPARE(parse({})->tokenTtlSeconds, 30LL * 24 * 3600);
    QCOMPARE(parse({QStringLiteral("--token-ttl"), QStringLiteral("90")})->tokenTtlSeconds, 90);
    QCOMPARE(parse({QStringLiteral("--token-ttl"), QStringLiteral("12h")})->tokenTtlSeconds,
             12 * 3600);
    QCOMPARE(parse({QStringLiteral("--token-ttl"), QStringLiteral("7d")})->tokenTtlSeconds,
             7 * 86400);
    for (const QString &bad : {QStringLiteral("0"), QStringLiteral("-5"), QStringLiteral("soon"),
                               QStringLiteral("5w"), QStringLiteral("4000d")}) {
        const auto config = parse({QStringLiteral("--token-ttl"), bad});
        QVERIFY2(!config, qPrintable(bad));
        QVERIFY(config.error().message.startsWith(QLatin1String("--token-ttl:")));
    }
    QProcessEnvironment env;
    env.insert(QStringLiteral("DEPOT_TOKEN_TTL"), QStringLiteral("45m"));
    QCommandLineParser parser;
    depot::addHubOptions(parser);
    parser.process(QStringList{QStringLiteral("depot-hub")});
    QCOMPARE(depot::hubConfigFrom(parser, env)->tokenTtlSeconds, 45 * 60);
}

QTEST_GUILESS_MAIN(tst_Accounts)
#include "tst_accounts.moc"
