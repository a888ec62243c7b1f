// The REST half of the contract, spoken over real HTTP to a hub running in this process: every
// endpoint, every role, every error code and the shapes of what comes back.
#include "core/types.h"
#include "hub.h"
#include "hubconfig.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <memory>

namespace {

constexpr char kAdminPassword[] = "admin-secret";
constexpr char kCourierPassword[] = "courier-secret";

const QRegularExpression
    kTimestamp(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$"));
const QRegularExpression
    kUuid(QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));

/// One answered request.
struct Reply
{
    int status = 0; // 0: no HTTP answer at all
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;

    QJsonObject object() const { return QJsonDocument::fromJson(body).object(); }
    QJsonArray array() const { return QJsonDocument::fromJson(body).array(); }
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
};

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

/// Empty when the reply is the contract's error with this status and code, else what differs.
QString errorMismatch(const Reply &r, int status, const QString &code)
{
    if (r.status != status)
        return QStringLiteral("status %1, expected %2; body %3")
            .arg(r.status)
            .arg(status)
            .arg(QString::fromUtf8(r.body.left(300)));
    const QJsonDocument doc = QJsonDocument::fromJson(r.body);
    const QJsonObject error = doc.object().value(QStringLiteral("error")).toObject();
    if (!doc.isObject() || doc.object().size() != 1 || error.size() != 2)
        return QStringLiteral("not an error body: %1").arg(QString::fromUtf8(r.body));
    if (error.value(QStringLiteral("code")).toString() != code)
        return QStringLiteral("code %1, expected %2")
            .arg(error.value(QStringLiteral("code")).toString(), code);
    if (error.value(QStringLiteral("message")).toString().isEmpty())
        return QStringLiteral("empty message");
    if (!r.header("content-type").startsWith("application/json"))
        return QStringLiteral("content type %1").arg(QString::fromLatin1(r.header("content-type")));
    return {};
}

#define EXPECT_ERROR(reply, status, code)                                                          \
    do {                                                                                           \
        const QString mismatch_ = errorMismatch((reply), (status), QStringLiteral(code));          \
        QVERIFY2(mismatch_.isEmpty(), qPrintable(mismatch_));                                      \
    } while (false)

#define EXPECT_STATUS(reply, expected)                                                             \
    QVERIFY2((reply).status == (expected),                                                         \
             qPrintable(QStringLiteral("status %1, expected %2; body %3")                          \
                            .arg((reply).status)                                                   \
                            .arg(expected)                                                         \
                            .arg(QString::fromUtf8((reply).body.left(300)))))

bool isTimestamp(const QJsonValue &v)
{
    return kTimestamp.match(v.toString()).hasMatch();
}

bool isUuid(const QJsonValue &v)
{
    return kUuid.match(v.toString()).hasMatch();
}

QStringList sortedKeys(const QJsonObject &o)
{
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

QStringList ids(const QJsonArray &array)
{
    QStringList out;
    for (const QJsonValue &v : array)
        out << v.toObject().value(QStringLiteral("id")).toString();
    return out;
}

} // namespace

class tst_RestApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void health();
    void loginAnswersTokenAndUser();
    void loginRefusals_data();
    void loginRefusals();
    void me();
    void missingOrUnknownToken_data();
    void missingOrUnknownToken();
    void logout();

    void createCourier();
    void createCourierValidation_data();
    void createCourierValidation();
    void duplicateUsernameIsAConflict();
    void listAndGetCouriers();
    void patchCourier();
    void postLocation();
    void postLocationValidation_data();
    void postLocationValidation();

    void createPackage();
    void createPackageValidation_data();
    void createPackageValidation();
    void packageEmailAndLanguage();
    void packageVisibility();
    void listFilters();
    void listFilterValidation_data();
    void listFilterValidation();
    void lifecycleAndEvents();
    void failAndCancel();
    void actionRefusals();
    void invalidTransitionChangesNothing_data();
    void invalidTransitionChangesNothing();
    void track();

    void unknownRoutesAndIds_data();
    void unknownRoutesAndIds();
    void wrongMethod_data();
    void wrongMethod();
    void corsPreflight();
    void bodyAroundOneMegabyte_data();
    void bodyAroundOneMegabyte();
    void bodyFarOverOneMegabyte();

    // Last: it leaves this address rate limited for a minute.
    void failedLoginsAreRateLimited();

private:
    Reply request(const QByteArray &method, const QString &path, const QByteArray &body = {},
                  const QString &token = {},
                  const QList<QPair<QByteArray, QByteArray>> &headers = {});
    Reply get(const QString &path, const QString &token) { return request("GET", path, {}, token); }
    Reply post(const QString &path, const QJsonObject &body, const QString &token)
    {
        return request("POST", path, json(body), token);
    }
    Reply login(const QString &username, const QString &password);
    QJsonObject newPackage(const QString &recipient = QStringLiteral("Grace Hopper"));
    QJsonObject act(const QJsonObject &package, const QString &action, const QString &token,
                    const QJsonObject &body = {});
    QString packagePath(const QJsonObject &p, const QString &tail = {}) const
    {
        return QStringLiteral("/api/packages/") + p.value(QStringLiteral("id")).toString() + tail;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<depot::Hub> m_hub;
    QNetworkAccessManager m_nam;
    QString m_base;
    QString m_dispatcher; // tokens
    QString m_courier;
    QJsonObject m_ada; // the courier whose token is m_courier
    QJsonObject m_bob; // a courier nobody here logs in as
};

Reply tst_RestApi::request(const QByteArray &method, const QString &path, const QByteArray &body,
                           const QString &token,
                           const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest req(QUrl(m_base + path));
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
    for (const auto &[name, value] : headers)
        req.setRawHeader(name, value);
    std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(req, method, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(10000))
        return {};
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.headers = reply->rawHeaderPairs();
    return r;
}

Reply tst_RestApi::login(const QString &username, const QString &password)
{
    return post(
        QStringLiteral("/api/auth/login"),
        QJsonObject{{QStringLiteral("username"), username}, {QStringLiteral("password"), password}},
        {});
}

QJsonObject tst_RestApi::newPackage(const QString &recipient)
{
    const Reply r = post(QStringLiteral("/api/packages"),
                         QJsonObject{{QStringLiteral("recipientName"), recipient},
                                     {QStringLiteral("address"), QStringLiteral("1 Harbour St")},
                                     {QStringLiteral("destination"),
                                      QJsonObject{{QStringLiteral("latitude"), 52.52},
                                                  {QStringLiteral("longitude"), 13.405}}}},
                         m_dispatcher);
    if (r.status != 201)
        qWarning("package not created: %d %s", r.status, r.body.constData());
    return r.object();
}

QJsonObject tst_RestApi::act(const QJsonObject &package, const QString &action,
                             const QString &token, const QJsonObject &body)
{
    const Reply r = request("POST", packagePath(package, QLatin1Char('/') + action),
                            body.isEmpty() ? QByteArray() : json(body), token);
    if (r.status != 200)
        qWarning("%s refused: %d %s", qPrintable(action), r.status, r.body.constData());
    return r.object();
}

void tst_RestApi::initTestCase()
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
    m_hub = std::make_unique<depot::Hub>(config);
    const auto error = m_hub->start();
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
    QVERIFY(m_hub->port() != 0);
    QVERIFY(m_hub->generatedAdminPassword().isEmpty());
    m_base = QStringLiteral("http://127.0.0.1:%1").arg(m_hub->port());

    const Reply admin = login(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
    EXPECT_STATUS(admin, 200);
    m_dispatcher = admin.object().value(QStringLiteral("token")).toString();
    QVERIFY(!m_dispatcher.isEmpty());

    auto createCourier = [this](const QString &username, const QString &name) {
        return post(QStringLiteral("/api/couriers"),
                    QJsonObject{{QStringLiteral("name"), name},
                                {QStringLiteral("username"), username},
                                {QStringLiteral("password"), QString::fromLatin1(kCourierPassword)},
                                {QStringLiteral("phone"), QStringLiteral("+49 30 1234567")}},
                    m_dispatcher);
    };
    const Reply ada = createCourier(QStringLiteral("ada"), QStringLiteral("Ada Lovelace"));
    EXPECT_STATUS(ada, 201);
    m_ada = ada.object();
    const Reply bob = createCourier(QStringLiteral("bob"), QStringLiteral("Bob Builder"));
    EXPECT_STATUS(bob, 201);
    m_bob = bob.object();

    const Reply courier = login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword));
    EXPECT_STATUS(courier, 200);
    m_courier = courier.object().value(QStringLiteral("token")).toString();
    QVERIFY(!m_courier.isEmpty());
}

void tst_RestApi::cleanupTestCase()
{
    m_hub.reset();
}

// --- Accounts --------------------------------------------------------------------------------

void tst_RestApi::health()
{
    const Reply r = get(QStringLiteral("/healthz"), {});
    EXPECT_STATUS(r, 200);
    QCOMPARE(r.object(), (QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}}));
    QVERIFY(r.header("content-type").startsWith("application/json"));
}

void tst_RestApi::loginAnswersTokenAndUser()
{
    // A second session for the dispatcher; the first stays valid.
    const Reply r = login(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
    EXPECT_STATUS(r, 200);
    const QJsonObject o = r.object();
    QCOMPARE(sortedKeys(o), (QStringList{QStringLiteral("token"), QStringLiteral("user")}));
    QVERIFY(o.value(QStringLiteral("token")).toString().size() >= 32);
    QVERIFY(o.value(QStringLiteral("token")).toString() != m_dispatcher);
    const QJsonObject user = o.value(QStringLiteral("user")).toObject();
    QCOMPARE(sortedKeys(user), (QStringList{QStringLiteral("id"), QStringLiteral("name"),
                                            QStringLiteral("role"), QStringLiteral("username")}));
    QVERIFY(isUuid(user.value(QStringLiteral("id"))));
    QCOMPARE(user.value(QStringLiteral("username")).toString(), QStringLiteral("dispatcher"));
    QCOMPARE(user.value(QStringLiteral("role")).toString(), QStringLiteral("dispatcher"));
    EXPECT_STATUS(get(QStringLiteral("/api/me"), m_dispatcher), 200);
}

void tst_RestApi::loginRefusals_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    const QString bad = QStringLiteral("bad_request");
    const QString invalid = QStringLiteral("validation_failed");
    QTest::newRow("malformed JSON") << QByteArray("{\"username\": \"dispatcher\",") << 400 << bad;
    QTest::newRow("array body") << QByteArray("[\"dispatcher\", \"pw\"]") << 400 << bad;
    QTest::newRow("empty body") << QByteArray() << 400 << bad;
    QTest::newRow("missing password")
        << QByteArray(R"({"username":"dispatcher"})") << 400 << invalid;
    QTest::newRow("number username")
        << QByteArray(R"({"username":7,"password":"x"})") << 400 << invalid;
    QTest::newRow("password not a string")
        << QByteArray(R"({"username":"ada","password":1})") << 400 << invalid;
    // Unknown users are cheap to refuse; one wrong password for a real user is enough.
    QTest::newRow("unknown user") << QByteArray(R"({"username":"nobody","password":"x"})") << 401
                                  << QStringLiteral("unauthorized");
    QTest::newRow("wrong password") << QByteArray(R"({"username":"ada","password":"wrong"})") << 401
                                    << QStringLiteral("unauthorized");
}

void tst_RestApi::loginRefusals()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const Reply r = request("POST", QStringLiteral("/api/auth/login"), body);
    const QString mismatch = errorMismatch(r, status, code);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

void tst_RestApi::me()
{
    const Reply d = get(QStringLiteral("/api/me"), m_dispatcher);
    EXPECT_STATUS(d, 200);
    QCOMPARE(d.object().value(QStringLiteral("role")).toString(), QStringLiteral("dispatcher"));
    QCOMPARE(d.object().value(QStringLiteral("username")).toString(), QStringLiteral("dispatcher"));

    const Reply c = get(QStringLiteral("/api/me"), m_courier);
    EXPECT_STATUS(c, 200);
    QCOMPARE(c.object(), (QJsonObject{{QStringLiteral("id"), m_ada.value(QStringLiteral("id"))},
                                      {QStringLiteral("username"), QStringLiteral("ada")},
                                      {QStringLiteral("name"), QStringLiteral("Ada Lovelace")},
                                      {QStringLiteral("role"), QStringLiteral("courier")}}));

    const QJsonObject p = newPackage();
    const Reply t =
        get(QStringLiteral("/api/me"), p.value(QStringLiteral("trackingToken")).toString());
    EXPECT_STATUS(t, 200);
    QCOMPARE(t.object(),
             (QJsonObject{{QStringLiteral("role"), QStringLiteral("tracker")},
                          {QStringLiteral("packageId"), p.value(QStringLiteral("id"))}}));
}

void tst_RestApi::missingOrUnknownToken_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("authorization");

    const QList<QPair<QByteArray, QString>> routes = {
        {"GET", QStringLiteral("/api/me")},        {"GET", QStringLiteral("/api/couriers")},
        {"POST", QStringLiteral("/api/couriers")}, {"GET", QStringLiteral("/api/packages")},
        {"POST", QStringLiteral("/api/packages")}, {"POST", QStringLiteral("/api/auth/logout")},
    };
    const QList<QPair<const char *, QByteArray>> headers = {
        {"no token", QByteArray()},
        {"unknown token", "Bearer not-a-token-anyone-was-given"},
        {"empty bearer", "Bearer "},
        {"basic auth", "Basic ZGlzcGF0Y2hlcjphZG1pbg=="},
    };
    for (const auto &[method, path] : routes) {
        for (const auto &[what, header] : headers) {
            const QByteArray name = method + ' ' + path.toLatin1() + ", " + what;
            QTest::newRow(name.constData()) << method << path << header;
        }
    }
}

void tst_RestApi::missingOrUnknownToken()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, authorization);
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!authorization.isEmpty())
        headers.append({"Authorization", authorization});
    const Reply r =
        request(method, path, method == "POST" ? QByteArray("{}") : QByteArray(), {}, headers);
    EXPECT_ERROR(r, 401, "unauthorized");
}

void tst_RestApi::logout()
{
    const Reply session = login(QStringLiteral("ada"), QString::fromLatin1(kCourierPassword));
    EXPECT_STATUS(session, 200);
    const QString token = session.object().value(QStringLiteral("token")).toString();
    EXPECT_STATUS(get(QStringLiteral("/api/me"), token), 200);

    const Reply out = request("POST", QStringLiteral("/api/auth/logout"), {}, token);
    EXPECT_STATUS(out, 204);
    QVERIFY(out.body.isEmpty());
    EXPECT_ERROR(get(QStringLiteral("/api/me"), token), 401, "unauthorized");
    // Only that session ends.
    EXPECT_STATUS(get(QStringLiteral("/api/me"), m_courier), 200);

    const QJsonObject p = newPackage();
    const QString tracker = p.value(QStringLiteral("trackingToken")).toString();
    EXPECT_ERROR(request("POST", QStringLiteral("/api/auth/logout"), {}, tracker), 403,
                 "forbidden");
    EXPECT_STATUS(get(QStringLiteral("/api/me"), tracker), 200);
}

// --- Couriers --------------------------------------------------------------------------------

void tst_RestApi::createCourier()
{
    // Made in initTestCase; here its shape.
    QCOMPARE(sortedKeys(m_ada), (QStringList{QStringLiteral("active"), QStringLiteral("deviceId"),
                                             QStringLiteral("id"), QStringLiteral("lastLocation"),
                                             QStringLiteral("name"), QStringLiteral("online"),
                                             QStringLiteral("phone"), QStringLiteral("username")}));
    QVERIFY(isUuid(m_ada.value(QStringLiteral("id"))));
    QCOMPARE(m_ada.value(QStringLiteral("active")), QJsonValue(true));
    QCOMPARE(m_ada.value(QStringLiteral("name")).toString(), QStringLiteral("Ada Lovelace"));
    QCOMPARE(m_ada.value(QStringLiteral("username")).toString(), QStringLiteral("ada"));
    QCOMPARE(m_ada.value(QStringLiteral("phone")).toString(), QStringLiteral("+49 30 1234567"));
    QVERIFY(m_ada.value(QStringLiteral("deviceId")).isNull());
    QCOMPARE(m_ada.value(QStringLiteral("online")), QJsonValue(false));
    QVERIFY(m_ada.value(QStringLiteral("lastLocation")).isNull());
    QVERIFY(m_ada.value(QStringLiteral("id")) != m_bob.value(QStringLiteral("id")));

    // Neither a courier nor a tracker may make couriers.
    const QJsonObject fields{{QStringLiteral("name"), QStringLiteral("Eve")},
                             {QStringLiteral("username"), QStringLiteral("eve")},
                             {QStringLiteral("password"), QStringLiteral("pw")}};
    EXPECT_ERROR(post(QStringLiteral("/api/couriers"), fields, m_courier), 403, "forbidden");
    const QJsonObject p = newPackage();
    EXPECT_ERROR(post(QStringLiteral("/api/couriers"), fields,
                      p.value(QStringLiteral("trackingToken")).toString()),
                 403, "forbidden");
}

void tst_RestApi::createCourierValidation_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");

    const QString invalid = QStringLiteral("validation_failed");
    auto with = [](const QString &key, const QJsonValue &value) {
        QJsonObject o{{QStringLiteral("name"), QStringLiteral("Eve")},
                      {QStringLiteral("username"), QStringLiteral("eve")},
                      {QStringLiteral("password"), QStringLiteral("pw")}};
        if (value.isUndefined())
            o.remove(key);
        else
            o.insert(key, value);
        return json(o);
    };
    QTest::newRow("malformed JSON") << QByteArray("{\"name\":") << QStringLiteral("bad_request");
    QTest::newRow("non-object body") << QByteArray("\"eve\"") << QStringLiteral("bad_request");
    QTest::newRow("missing name") << with(QStringLiteral("name"), QJsonValue::Undefined) << invalid;
    QTest::newRow("empty name") << with(QStringLiteral("name"), QStringLiteral("  ")) << invalid;
    QTest::newRow("number name") << with(QStringLiteral("name"), 42) << invalid;
    QTest::newRow("name over 200")
        << with(QStringLiteral("name"), QString(201, QLatin1Char('n'))) << invalid;
    QTest::newRow("missing username")
        << with(QStringLiteral("username"), QJsonValue::Undefined) << invalid;
    QTest::newRow("username over 64")
        << with(QStringLiteral("username"), QString(65, QLatin1Char('u'))) << invalid;
    QTest::newRow("username with space")
        << with(QStringLiteral("username"), QStringLiteral("e ve")) << invalid;
    QTest::newRow("missing password")
        << with(QStringLiteral("password"), QJsonValue::Undefined) << invalid;
    QTest::newRow("empty password") << with(QStringLiteral("password"), QString()) << invalid;
    QTest::newRow("number password") << with(QStringLiteral("password"), 1234) << invalid;
    QTest::newRow("password over 256")
        << with(QStringLiteral("password"), QString(257, QLatin1Char('p'))) << invalid;
    QTest::newRow("phone over 40")
        << with(QStringLiteral("phone"), QString(41, QLatin1Char('1'))) << invalid;
    QTest::newRow("phone not a string") << with(QStringLiteral("phone"), true) << invalid;
    QTest::newRow("deviceId over 128")
        << with(QStringLiteral("deviceId"), QString(129, QLatin1Char('d'))) << invalid;
}

void tst_RestApi::createCourierValidation()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    const Reply r = request("POST", QStringLiteral("/api/couriers"), body, m_dispatcher);
    const QString mismatch = errorMismatch(r, 400, code);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    // Nothing was made.
    QCOMPARE(get(QStringLiteral("/api/couriers"), m_dispatcher).array().size(), 2);
}

void tst_RestApi::duplicateUsernameIsAConflict()
{
    const Reply r = post(QStringLiteral("/api/couriers"),
                         QJsonObject{{QStringLiteral("name"), QStringLiteral("Another Ada")},
                                     {QStringLiteral("username"), QStringLiteral("ada")},
                                     {QStringLiteral("password"), QStringLiteral("pw")}},
                         m_dispatcher);
    EXPECT_ERROR(r, 409, "conflict");
    QCOMPARE(get(QStringLiteral("/api/couriers"), m_dispatcher).array().size(), 2);
    // The dispatcher account's name is taken too.
    EXPECT_ERROR(post(QStringLiteral("/api/couriers"),
                      QJsonObject{{QStringLiteral("name"), QStringLiteral("D")},
                                  {QStringLiteral("username"), QStringLiteral("dispatcher")},
                                  {QStringLiteral("password"), QStringLiteral("pw")}},
                      m_dispatcher),
                 409, "conflict");
}

void tst_RestApi::listAndGetCouriers()
{
    const Reply list = get(QStringLiteral("/api/couriers"), m_dispatcher);
    EXPECT_STATUS(list, 200);
    QCOMPARE(ids(list.array()), (QStringList{m_ada.value(QStringLiteral("id")).toString(),
                                             m_bob.value(QStringLiteral("id")).toString()}));

    const QString adaPath =
        QStringLiteral("/api/couriers/") + m_ada[QStringLiteral("id")].toString();
    const QString bobPath =
        QStringLiteral("/api/couriers/") + m_bob[QStringLiteral("id")].toString();
    const Reply byDispatcher = get(bobPath, m_dispatcher);
    EXPECT_STATUS(byDispatcher, 200);
    QCOMPARE(byDispatcher.object().value(QStringLiteral("username")).toString(),
             QStringLiteral("bob"));
    const Reply own = get(adaPath, m_courier);
    EXPECT_STATUS(own, 200);
    QCOMPARE(own.object().value(QStringLiteral("id")), m_ada.value(QStringLiteral("id")));

    // A courier sees only their own record; the list is the dispatcher's.
    EXPECT_ERROR(get(bobPath, m_courier), 404, "not_found");
    EXPECT_ERROR(get(QStringLiteral("/api/couriers"), m_courier), 403, "forbidden");
    const QString tracker = newPackage().value(QStringLiteral("trackingToken")).toString();
    EXPECT_ERROR(get(QStringLiteral("/api/couriers"), tracker), 403, "forbidden");
    EXPECT_ERROR(get(adaPath, tracker), 403, "forbidden");
    EXPECT_ERROR(get(QStringLiteral("/api/couriers/") + depot::newId(), m_dispatcher), 404,
                 "not_found");
}

void tst_RestApi::patchCourier()
{
    const Reply created = post(QStringLiteral("/api/couriers"),
                               QJsonObject{{QStringLiteral("name"), QStringLiteral("Carol")},
                                           {QStringLiteral("username"), QStringLiteral("carol")},
                                           {QStringLiteral("password"), QStringLiteral("old-pw")}},
                               m_dispatcher);
    EXPECT_STATUS(created, 201);
    const QString path =
        QStringLiteral("/api/couriers/") + created.object()[QStringLiteral("id")].toString();

    const Reply patched =
        request("PATCH", path,
                json({{QStringLiteral("name"), QStringLiteral("Carol Shaw")},
                      {QStringLiteral("phone"), QStringLiteral("555-0100")},
                      {QStringLiteral("deviceId"), QStringLiteral("traccar-42")},
                      {QStringLiteral("password"), QStringLiteral("new-pw")},
                      {QStringLiteral("favouriteColour"), QStringLiteral("teal")}}),
                m_dispatcher);
    EXPECT_STATUS(patched, 200);
    QJsonObject expected = created.object();
    expected.insert(QStringLiteral("name"), QStringLiteral("Carol Shaw"));
    expected.insert(QStringLiteral("phone"), QStringLiteral("555-0100"));
    expected.insert(QStringLiteral("deviceId"), QStringLiteral("traccar-42"));
    QCOMPARE(patched.object(), expected);
    QCOMPARE(get(path, m_dispatcher).object(), expected);

    // Only the fields sent change.
    const Reply phoneOnly = request(
        "PATCH", path, json({{QStringLiteral("phone"), QStringLiteral("555-0199")}}), m_dispatcher);
    EXPECT_STATUS(phoneOnly, 200);
    QCOMPARE(phoneOnly.object().value(QStringLiteral("name")).toString(),
             QStringLiteral("Carol Shaw"));
    QCOMPARE(phoneOnly.object().value(QStringLiteral("deviceId")).toString(),
             QStringLiteral("traccar-42"));

    EXPECT_STATUS(login(QStringLiteral("carol"), QStringLiteral("new-pw")), 200);

    EXPECT_ERROR(request("PATCH", path, json({{QStringLiteral("name"), 5}}), m_dispatcher), 400,
                 "validation_failed");
    EXPECT_ERROR(
        request("PATCH", path, json({{QStringLiteral("password"), QString()}}), m_dispatcher), 400,
        "validation_failed");
    EXPECT_ERROR(request("PATCH", path, "[]", m_dispatcher), 400, "bad_request");
    EXPECT_ERROR(request("PATCH",
                         QStringLiteral("/api/couriers/") + m_ada[QStringLiteral("id")].toString(),
                         json({{QStringLiteral("name"), QStringLiteral("Ada L.")}}), m_courier),
                 403, "forbidden");
    EXPECT_ERROR(request("PATCH", QStringLiteral("/api/couriers/") + depot::newId(),
                         json({{QStringLiteral("name"), QStringLiteral("X")}}), m_dispatcher),
                 404, "not_found");
    QCOMPARE(get(path, m_dispatcher).object().value(QStringLiteral("name")).toString(),
             QStringLiteral("Carol Shaw"));
}

void tst_RestApi::postLocation()
{
    const QString adaId = m_ada[QStringLiteral("id")].toString();
    const QString path = QStringLiteral("/api/couriers/%1/location").arg(adaId);
    const Reply own = post(path,
                           QJsonObject{{QStringLiteral("latitude"), 52.5200},
                                       {QStringLiteral("longitude"), 13.4050},
                                       {QStringLiteral("accuracy"), 8},
                                       {QStringLiteral("speed"), 4.5},
                                       {QStringLiteral("heading"), 90},
                                       {QStringLiteral("ignored"), QStringLiteral("yes")}},
                           m_courier);
    EXPECT_STATUS(own, 202);
    QCOMPARE(own.object(), (QJsonObject{{QStringLiteral("accepted"), true}}));

    // A 202 means the courier has moved.
    const QJsonObject moved = get(QStringLiteral("/api/couriers/") + adaId, m_dispatcher).object();
    const QJsonObject last = moved.value(QStringLiteral("lastLocation")).toObject();
    QCOMPARE(sortedKeys(last), (QStringList{QStringLiteral("accuracy"), QStringLiteral("heading"),
                                            QStringLiteral("latitude"), QStringLiteral("longitude"),
                                            QStringLiteral("speed"), QStringLiteral("timestamp")}));
    QCOMPARE(last.value(QStringLiteral("latitude")).toDouble(), 52.52);
    QCOMPARE(last.value(QStringLiteral("longitude")).toDouble(), 13.405);
    QCOMPARE(last.value(QStringLiteral("speed")).toDouble(), 4.5);
    QVERIFY(isTimestamp(last.value(QStringLiteral("timestamp"))));

    // A dispatcher may send for a courier; optional fields may be left out.
    const Reply byDispatcher = post(
        path,
        QJsonObject{{QStringLiteral("latitude"), 52.5201}, {QStringLiteral("longitude"), 13.4051}},
        m_dispatcher);
    EXPECT_STATUS(byDispatcher, 202);
    const QJsonObject after = get(QStringLiteral("/api/couriers/") + adaId, m_courier)
                                  .object()
                                  .value(QStringLiteral("lastLocation"))
                                  .toObject();
    QCOMPARE(after.value(QStringLiteral("latitude")).toDouble(), 52.5201);
    QVERIFY(after.value(QStringLiteral("speed")).isNull());

    const QJsonObject fix{{QStringLiteral("latitude"), 1.0}, {QStringLiteral("longitude"), 1.0}};
    EXPECT_ERROR(
        post(
            QStringLiteral("/api/couriers/%1/location").arg(m_bob[QStringLiteral("id")].toString()),
            fix, m_courier),
        404, "not_found");
    const QString tracker = newPackage().value(QStringLiteral("trackingToken")).toString();
    EXPECT_ERROR(post(path, fix, tracker), 403, "forbidden");
    EXPECT_ERROR(
        post(QStringLiteral("/api/couriers/%1/location").arg(depot::newId()), fix, m_dispatcher),
        404, "not_found");
}

void tst_RestApi::postLocationValidation_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");

    const QString invalid = QStringLiteral("validation_failed");
    auto fix = [](const QString &key, const QJsonValue &value) {
        QJsonObject o{{QStringLiteral("latitude"), 10.0}, {QStringLiteral("longitude"), 10.0}};
        if (value.isUndefined())
            o.remove(key);
        else
            o.insert(key, value);
        return json(o);
    };
    QTest::newRow("malformed JSON") << QByteArray("{latitude: 1}") << QStringLiteral("bad_request");
    QTest::newRow("non-object body") << QByteArray("[1, 2]") << QStringLiteral("bad_request");
    QTest::newRow("empty body") << QByteArray() << QStringLiteral("bad_request");
    QTest::newRow("missing latitude")
        << fix(QStringLiteral("latitude"), QJsonValue::Undefined) << invalid;
    QTest::newRow("missing longitude")
        << fix(QStringLiteral("longitude"), QJsonValue::Undefined) << invalid;
    QTest::newRow("latitude 91") << fix(QStringLiteral("latitude"), 91) << invalid;
    QTest::newRow("latitude -90.5") << fix(QStringLiteral("latitude"), -90.5) << invalid;
    QTest::newRow("longitude -181") << fix(QStringLiteral("longitude"), -181) << invalid;
    QTest::newRow("longitude 180.01") << fix(QStringLiteral("longitude"), 180.01) << invalid;
    QTest::newRow("latitude as string")
        << fix(QStringLiteral("latitude"), QStringLiteral("10")) << invalid;
    QTest::newRow("heading 361") << fix(QStringLiteral("heading"), 361) << invalid;
    QTest::newRow("negative speed") << fix(QStringLiteral("speed"), -1) << invalid;
    QTest::newRow("accuracy as string")
        << fix(QStringLiteral("accuracy"), QStringLiteral("5")) << invalid;
    QTest::newRow("timestamp garbage")
        << fix(QStringLiteral("timestamp"), QStringLiteral("soon")) << invalid;
}

void tst_RestApi::postLocationValidation()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    const QString adaPath =
        QStringLiteral("/api/couriers/") + m_ada[QStringLiteral("id")].toString();
    const QJsonValue before =
        get(adaPath, m_dispatcher).object().value(QStringLiteral("lastLocation"));
    const Reply r = request("POST", adaPath + QStringLiteral("/location"), body, m_courier);
    const QString mismatch = errorMismatch(r, 400, code);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    QCOMPARE(get(adaPath, m_dispatcher).object().value(QStringLiteral("lastLocation")), before);
}

// --- Packages --------------------------------------------------------------------------------

void tst_RestApi::createPackage()
{
    const Reply r = post(QStringLiteral("/api/packages"),
                         QJsonObject{{QStringLiteral("recipientName"), QStringLiteral("Alan")},
                                     {QStringLiteral("address"), QStringLiteral("Bletchley Park")},
                                     {QStringLiteral("destination"),
                                      QJsonObject{{QStringLiteral("latitude"), 51.9977},
                                                  {QStringLiteral("longitude"), -0.7407},
                                                  {QStringLiteral("altitude"), 100}}},
                                     {QStringLiteral("notes"), QStringLiteral("leave at hut 8")},
                                     {QStringLiteral("priority"), QStringLiteral("high")}},
                         m_dispatcher);
    EXPECT_STATUS(r, 201);
    const QJsonObject p = r.object();
    QCOMPARE(sortedKeys(p),
             (QStringList{QStringLiteral("address"), QStringLiteral("createdAt"),
                          QStringLiteral("deliveryPersonId"), QStringLiteral("destination"),
                          QStringLiteral("id"), QStringLiteral("notes"), QStringLiteral("reason"),
                          QStringLiteral("recipientName"), QStringLiteral("status"),
                          QStringLiteral("trackingCode"), QStringLiteral("trackingToken"),
                          QStringLiteral("updatedAt")}));
    QVERIFY(isUuid(p.value(QStringLiteral("id"))));
    QCOMPARE(p.value(QStringLiteral("status")).toString(), QStringLiteral("PENDING"));
    QCOMPARE(p.value(QStringLiteral("recipientName")).toString(), QStringLiteral("Alan"));
    QCOMPARE(p.value(QStringLiteral("address")).toString(), QStringLiteral("Bletchley Park"));
    QCOMPARE(p.value(QStringLiteral("notes")).toString(), QStringLiteral("leave at hut 8"));
    QCOMPARE(p.value(QStringLiteral("destination")).toObject(),
             (QJsonObject{{QStringLiteral("latitude"), 51.9977},
                          {QStringLiteral("longitude"), -0.7407}}));
    QVERIFY(p.value(QStringLiteral("deliveryPersonId")).isNull());
    QVERIFY(p.value(QStringLiteral("reason")).isNull());
    QVERIFY(isTimestamp(p.value(QStringLiteral("createdAt"))));
    QCOMPARE(p.value(QStringLiteral("updatedAt")), p.value(QStringLiteral("createdAt")));
    // A code people can type (at least 40 bits), a token nobody can guess (at least 128 bits).
    const QString code = p.value(QStringLiteral("trackingCode")).toString();
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9A-Z]{8,16}$")).match(code).hasMatch(),
             qPrintable(code));
    QVERIFY(p.value(QStringLiteral("trackingToken")).toString().size() >= 22);

    const QJsonObject fields{
        {QStringLiteral("recipientName"), QStringLiteral("X")},
        {QStringLiteral("address"), QStringLiteral("Y")},
        {QStringLiteral("destination"),
         QJsonObject{{QStringLiteral("latitude"), 0}, {QStringLiteral("longitude"), 0}}}};
    EXPECT_ERROR(post(QStringLiteral("/api/packages"), fields, m_courier), 403, "forbidden");
    EXPECT_ERROR(post(QStringLiteral("/api/packages"), fields,
                      p.value(QStringLiteral("trackingToken")).toString()),
                 403, "forbidden");
}

void tst_RestApi::createPackageValidation_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");

    const QString invalid = QStringLiteral("validation_failed");
    auto with = [](const QString &key, const QJsonValue &value) {
        QJsonObject o{
            {QStringLiteral("recipientName"), QStringLiteral("R")},
            {QStringLiteral("address"), QStringLiteral("A")},
            {QStringLiteral("destination"),
             QJsonObject{{QStringLiteral("latitude"), 1.0}, {QStringLiteral("longitude"), 2.0}}}};
        if (value.isUndefined())
            o.remove(key);
        else
            o.insert(key, value);
        return json(o);
    };
    auto at = [&](const QJsonValue &lat, const QJsonValue &lon) {
        QJsonObject d;
        if (!lat.isUndefined())
            d.insert(QStringLiteral("latitude"), lat);
        if (!lon.isUndefined())
            d.insert(QStringLiteral("longitude"), lon);
        return with(QStringLiteral("destination"), d);
    };
    QTest::newRow("malformed JSON")
        << QByteArray("{\"recipientName\":\"R\"") << QStringLiteral("bad_request");
    QTest::newRow("non-object body") << QByteArray("42") << QStringLiteral("bad_request");
    QTest::newRow("null body") << QByteArray("null") << QStringLiteral("bad_request");
    QTest::newRow("missing recipientName")
        << with(QStringLiteral("recipientName"), QJsonValue::Undefined) << invalid;
    QTest::newRow("recipientName null")
        << with(QStringLiteral("recipientName"), QJsonValue::Null) << invalid;
    QTest::newRow("recipientName over 200")
        << with(QStringLiteral("recipientName"), QString(201, QLatin1Char('r'))) << invalid;
    QTest::newRow("missing address")
        << with(QStringLiteral("address"), QJsonValue::Undefined) << invalid;
    QTest::newRow("address as array") << with(QStringLiteral("address"), QJsonArray{1}) << invalid;
    QTest::newRow("address over 500")
        << with(QStringLiteral("address"), QString(501, QLatin1Char('a'))) << invalid;
    QTest::newRow("notes over 2000")
        << with(QStringLiteral("notes"), QString(2001, QLatin1Char('n'))) << invalid;
    QTest::newRow("notes as number") << with(QStringLiteral("notes"), 3) << invalid;
    QTest::newRow("missing destination")
        << with(QStringLiteral("destination"), QJsonValue::Undefined) << invalid;
    QTest::newRow("destination as string")
        << with(QStringLiteral("destination"), QStringLiteral("52.5,13.4")) << invalid;
    QTest::newRow("missing latitude") << at(QJsonValue::Undefined, 2.0) << invalid;
    QTest::newRow("missing longitude") << at(1.0, QJsonValue::Undefined) << invalid;
    QTest::newRow("latitude 91") << at(91, 2.0) << invalid;
    QTest::newRow("latitude -91") << at(-91, 2.0) << invalid;
    QTest::newRow("longitude -181") << at(1.0, -181) << invalid;
    QTest::newRow("longitude 181") << at(1.0, 181) << invalid;
    QTest::newRow("latitude as string") << at(QStringLiteral("1.0"), 2.0) << invalid;
}

void tst_RestApi::createPackageValidation()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    const qsizetype before = get(QStringLiteral("/api/packages"), m_dispatcher).array().size();
    const Reply r = request("POST", QStringLiteral("/api/packages"), body, m_dispatcher);
    const QString mismatch = errorMismatch(r, 400, code);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    QCOMPARE(get(QStringLiteral("/api/packages"), m_dispatcher).array().size(), before);
}

void tst_RestApi::packageEmailAndLanguage()
{
    QJsonObject fields{
        {QStringLiteral("recipientName"), QStringLiteral("Grace")},
        {QStringLiteral("address"), QStringLiteral("1 Harbour St")},
        {QStringLiteral("destination"),
         QJsonObject{{QStringLiteral("latitude"), 52.5}, {QStringLiteral("longitude"), 13.4}}},
        {QStringLiteral("recipientEmail"), QStringLiteral(" grace@example.com ")},
        {QStringLiteral("language"), QStringLiteral("DE")}};
    const Reply created = post(QStringLiteral("/api/packages"), fields, m_dispatcher);
    EXPECT_STATUS(created, 201);
    const QJsonObject p = created.object();
    QCOMPARE(p.value(QStringLiteral("recipientEmail")).toString(),
             QStringLiteral("grace@example.com"));
    QCOMPARE(p.value(QStringLiteral("language")).toString(), QStringLiteral("de"));
    const QString path =
        QStringLiteral("/api/packages/") + p.value(QStringLiteral("id")).toString();
    const Reply read = get(path, m_dispatcher);
    EXPECT_STATUS(read, 200);
    QCOMPARE(read.object().value(QStringLiteral("recipientEmail")).toString(),
             QStringLiteral("grace@example.com"));
    QCOMPARE(read.object().value(QStringLiteral("language")).toString(), QStringLiteral("de"));
    // The customer's address is for dispatchers: its tracker does not see it.
    const Reply tracked = get(path, p.value(QStringLiteral("trackingToken")).toString());
    EXPECT_STATUS(tracked, 200);
    QVERIFY(!tracked.object().contains(QStringLiteral("recipientEmail")));
    QVERIFY(!tracked.object().contains(QStringLiteral("language")));

    const qsizetype before = get(QStringLiteral("/api/packages"), m_dispatcher).array().size();
    for (const QJsonValue &email :
         {QJsonValue(QStringLiteral("grace")), QJsonValue(QStringLiteral("grace@localhost")),
          QJsonValue(QStringLiteral("a b@example.com")),
          QJsonValue(QStringLiteral("grace@example.com\r\nBcc: eve@example.com")),
          QJsonValue(QString(250, QLatin1Char('g')) + QStringLiteral("@example.com")),
          QJsonValue(42)}) {
        QJsonObject bad = fields;
        bad.insert(QStringLiteral("recipientEmail"), email);
        const QString mismatch =
            errorMismatch(post(QStringLiteral("/api/packages"), bad, m_dispatcher), 400,
                          QStringLiteral("validation_failed"));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    }
    for (const QJsonValue &language : {QJsonValue(QStringLiteral("it")), QJsonValue(1)}) {
        QJsonObject bad = fields;
        bad.insert(QStringLiteral("language"), language);
        const Reply refused = post(QStringLiteral("/api/packages"), bad, m_dispatcher);
        const QString mismatch = errorMismatch(refused, 400, QStringLiteral("validation_failed"));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    }
    QCOMPARE(get(QStringLiteral("/api/packages"), m_dispatcher).array().size(), before);
}

void tst_RestApi::packageVisibility()
{
    const QJsonObject mine = newPackage(QStringLiteral("for ada"));
    const QJsonObject bobs = newPackage(QStringLiteral("for bob"));
    const QJsonObject unassigned = newPackage(QStringLiteral("for nobody"));
    act(mine, QStringLiteral("assign"), m_dispatcher,
        {{QStringLiteral("deliveryPersonId"), m_ada[QStringLiteral("id")]}});
    act(bobs, QStringLiteral("assign"), m_dispatcher,
        {{QStringLiteral("deliveryPersonId"), m_bob[QStringLiteral("id")]}});
    const QString tracker = mine.value(QStringLiteral("trackingToken")).toString();
    const QString mineId = mine.value(QStringLiteral("id")).toString();

    // Dispatchers see everything, with tracking tokens.
    const QJsonArray all = get(QStringLiteral("/api/packages"), m_dispatcher).array();
    QVERIFY(ids(all).contains(mineId));
    QVERIFY(ids(all).contains(unassigned.value(QStringLiteral("id")).toString()));
    for (const QJsonValue &p : all)
        QVERIFY(!p.toObject().value(QStringLiteral("trackingToken")).toString().isEmpty());
    const Reply one = get(packagePath(mine), m_dispatcher);
    EXPECT_STATUS(one, 200);
    QCOMPARE(one.object().value(QStringLiteral("trackingToken")).toString(), tracker);

    // A courier sees the packages assigned to them, without tokens.
    const QJsonArray courierList = get(QStringLiteral("/api/packages"), m_courier).array();
    QVERIFY(ids(courierList).contains(mineId));
    for (const QJsonValue &p : courierList) {
        QCOMPARE(p.toObject().value(QStringLiteral("deliveryPersonId")),
                 m_ada[QStringLiteral("id")]);
        QVERIFY(!p.toObject().contains(QStringLiteral("trackingToken")));
    }
    const Reply courierOne = get(packagePath(mine), m_courier);
    EXPECT_STATUS(courierOne, 200);
    QVERIFY(!courierOne.object().contains(QStringLiteral("trackingToken")));
    EXPECT_ERROR(get(packagePath(bobs), m_courier), 404, "not_found");
    EXPECT_ERROR(get(packagePath(unassigned), m_courier), 404, "not_found");
    EXPECT_ERROR(get(packagePath(bobs, QStringLiteral("/events")), m_courier), 404, "not_found");

    // A tracker sees its one package, without its token.
    const QJsonArray trackerList = get(QStringLiteral("/api/packages"), tracker).array();
    QCOMPARE(ids(trackerList), QStringList{mineId});
    QVERIFY(!trackerList[0].toObject().contains(QStringLiteral("trackingToken")));
    const Reply trackerOne = get(packagePath(mine), tracker);
    EXPECT_STATUS(trackerOne, 200);
    QVERIFY(!trackerOne.object().contains(QStringLiteral("trackingToken")));
    EXPECT_STATUS(get(packagePath(mine, QStringLiteral("/events")), tracker), 200);
    EXPECT_ERROR(get(packagePath(bobs), tracker), 404, "not_found");
    EXPECT_ERROR(get(packagePath(unassigned, QStringLiteral("/events")), tracker), 404,
                 "not_found");
}

void tst_RestApi::listFilters()
{
    const QJsonObject a = newPackage(QStringLiteral("filter a"));
    const QJsonObject b = newPackage(QStringLiteral("filter b"));
    const QJsonObject c = newPackage(QStringLiteral("filter c"));
    const QString ada = m_ada[QStringLiteral("id")].toString();
    const QString bob = m_bob[QStringLiteral("id")].toString();
    act(a, QStringLiteral("assign"), m_dispatcher, {{QStringLiteral("deliveryPersonId"), ada}});
    act(b, QStringLiteral("assign"), m_dispatcher, {{QStringLiteral("deliveryPersonId"), ada}});
    act(b, QStringLiteral("start"), m_courier);
    act(c, QStringLiteral("assign"), m_dispatcher, {{QStringLiteral("deliveryPersonId"), bob}});

    auto list = [&](const QString &query, const QString &token) {
        const Reply r = get(QStringLiteral("/api/packages?") + query, token);
        if (r.status != 200)
            qWarning("list %s: %d", qPrintable(query), r.status);
        return r.array();
    };
    auto statuses = [](const QJsonArray &array) {
        QSet<QString> s;
        for (const QJsonValue &v : array)
            s.insert(v.toObject().value(QStringLiteral("status")).toString());
        return s;
    };
    auto couriers = [](const QJsonArray &array) {
        QSet<QString> s;
        for (const QJsonValue &v : array)
            s.insert(v.toObject().value(QStringLiteral("deliveryPersonId")).toString());
        return s;
    };
    const QString aId = a[QStringLiteral("id")].toString();
    const QString bId = b[QStringLiteral("id")].toString();
    const QString cId = c[QStringLiteral("id")].toString();

    const QJsonArray assigned = list(QStringLiteral("status=ASSIGNED"), m_dispatcher);
    QCOMPARE(statuses(assigned), QSet<QString>{QStringLiteral("ASSIGNED")});
    QVERIFY(ids(assigned).contains(aId) && ids(assigned).contains(cId));
    QVERIFY(!ids(assigned).contains(bId));

    const QJsonArray adas = list(QStringLiteral("deliveryPersonId=") + ada, m_dispatcher);
    QCOMPARE(couriers(adas), QSet<QString>{ada});
    QVERIFY(ids(adas).contains(aId) && ids(adas).contains(bId));

    const QJsonArray both =
        list(QStringLiteral("status=IN_PROGRESS&deliveryPersonId=") + ada, m_dispatcher);
    QVERIFY(ids(both).contains(bId));
    QCOMPARE(statuses(both), QSet<QString>{QStringLiteral("IN_PROGRESS")});
    QCOMPARE(couriers(both), QSet<QString>{ada});

    // Filters narrow what the caller may see; they never widen it.
    QVERIFY(list(QStringLiteral("deliveryPersonId=") + bob, m_courier).isEmpty());
    QVERIFY(ids(list(QStringLiteral("status=ASSIGNED"), m_courier)).contains(aId));
    QVERIFY(list(QStringLiteral("status=PENDING"), m_courier).isEmpty());
    QVERIFY(
        list(QStringLiteral("status=COMPLETED&deliveryPersonId=") + depot::newId(), m_dispatcher)
            .isEmpty());
}

void tst_RestApi::listFilterValidation_data()
{
    QTest::addColumn<QString>("query");
    QTest::newRow("unknown status") << QStringLiteral("status=LOST");
    QTest::newRow("status typo") << QStringLiteral("status=INPROGRESS");
    QTest::newRow("courier not a UUID") << QStringLiteral("deliveryPersonId=ada");
}

void tst_RestApi::listFilterValidation()
{
    QFETCH(QString, query);
    EXPECT_ERROR(get(QStringLiteral("/api/packages?") + query, m_dispatcher), 400,
                 "validation_failed");
}

void tst_RestApi::lifecycleAndEvents()
{
    const QJsonObject created = newPackage();
    const QString ada = m_ada[QStringLiteral("id")].toString();
    const QString bob = m_bob[QStringLiteral("id")].toString();

    QJsonObject p = act(created, QStringLiteral("assign"), m_dispatcher,
                        {{QStringLiteral("deliveryPersonId"), bob}});
    QCOMPARE(p.value(QStringLiteral("status")).toString(), QStringLiteral("ASSIGNED"));
    QCOMPARE(p.value(QStringLiteral("deliveryPersonId")).toString(), bob);
    QVERIFY(p.contains(QStringLiteral("trackingToken")));

    // Reassigning to the same courier is refused; to another one it is not.
    EXPECT_ERROR(post(packagePath(p, QStringLiteral("/assign")),
                      {{QStringLiteral("deliveryPersonId"), bob}}, m_dispatcher),
                 409, "invalid_transition");
    p = act(p, QStringLiteral("assign"), m_dispatcher, {{QStringLiteral("deliveryPersonId"), ada}});
    QCOMPARE(p.value(QStringLiteral("deliveryPersonId")).toString(), ada);
    QCOMPARE(p.value(QStringLiteral("status")).toString(), QStringLiteral("ASSIGNED"));

    // The courier drives it from here; their answers carry no tracking token.
    p = act(p, QStringLiteral("start"), m_courier);
    QCOMPARE(p.value(QStringLiteral("status")).toString(), QStringLiteral("IN_PROGRESS"));
    QVERIFY(!p.contains(QStringLiteral("trackingToken")));
    p = act(p, QStringLiteral("complete"), m_courier);
    QCOMPARE(p.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
    QVERIFY(isTimestamp(p.value(QStringLiteral("updatedAt"))));
    QVERIFY(p.value(QStringLiteral("updatedAt")).toString() >=
            created.value(QStringLiteral("createdAt")).toString());

    const Reply events = get(packagePath(p, QStringLiteral("/events")), m_dispatcher);
    EXPECT_STATUS(events, 200);
    QStringList names;
    for (const QJsonValue &v : events.array()) {
        const QJsonObject e = v.toObject();
        names << e.value(QStringLiteral("event")).toString();
        QVERIFY(isTimestamp(e.value(QStringLiteral("timestamp"))));
        QCOMPARE(e.value(QStringLiteral("packageId")), p.value(QStringLiteral("id")));
    }
    // Oldest first; each specific event before its package:update.
    QCOMPARE(names,
             (QStringList{QStringLiteral("package:update"), QStringLiteral("delivery:assigned"),
                          QStringLiteral("package:update"), QStringLiteral("delivery:assigned"),
                          QStringLiteral("package:update"), QStringLiteral("delivery:started"),
                          QStringLiteral("package:update"), QStringLiteral("delivery:completed"),
                          QStringLiteral("package:update")}));
    const QJsonArray array = events.array();
    QCOMPARE(array[0].toObject().value(QStringLiteral("status")).toString(),
             QStringLiteral("PENDING"));
    QCOMPARE(array[4].toObject().value(QStringLiteral("deliveryPersonId")).toString(), ada);
    QCOMPARE(array.last().toObject().value(QStringLiteral("status")).toString(),
             QStringLiteral("COMPLETED"));
    // The courier who delivered it may read its history.
    EXPECT_STATUS(get(packagePath(p, QStringLiteral("/events")), m_courier), 200);
}

void tst_RestApi::failAndCancel()
{
    const QString ada = m_ada[QStringLiteral("id")].toString();

    QJsonObject failing = newPackage();
    act(failing, QStringLiteral("assign"), m_dispatcher,
        {{QStringLiteral("deliveryPersonId"), ada}});
    act(failing, QStringLiteral("start"), m_courier);
    EXPECT_ERROR(request("POST", packagePath(failing, QStringLiteral("/fail")), {}, m_courier), 400,
                 "bad_request");
    EXPECT_ERROR(post(packagePath(failing, QStringLiteral("/fail")), {}, m_courier), 400,
                 "validation_failed");
    EXPECT_ERROR(post(packagePath(failing, QStringLiteral("/fail")),
                      {{QStringLiteral("note"), QStringLiteral("x")}}, m_courier),
                 400, "validation_failed");
    EXPECT_ERROR(post(packagePath(failing, QStringLiteral("/fail")),
                      {{QStringLiteral("reason"), QString(501, QLatin1Char('r'))}}, m_courier),
                 400, "validation_failed");
    failing = act(failing, QStringLiteral("fail"), m_courier,
                  {{QStringLiteral("reason"), QStringLiteral("nobody home")}});
    QCOMPARE(failing.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
    QCOMPARE(failing.value(QStringLiteral("reason")).toString(), QStringLiteral("nobody home"));

    // Cancel needs no body; a reason is kept when given.
    QJsonObject quiet = newPackage();
    quiet = act(quiet, QStringLiteral("cancel"), m_dispatcher);
    QCOMPARE(quiet.value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));
    QVERIFY(quiet.value(QStringLiteral("reason")).isNull());
    QJsonObject loud = newPackage();
    act(loud, QStringLiteral("assign"), m_dispatcher, {{QStringLiteral("deliveryPersonId"), ada}});
    loud = act(loud, QStringLiteral("cancel"), m_dispatcher,
               {{QStringLiteral("reason"), QStringLiteral("recipient moved")}});
    QCOMPARE(loud.value(QStringLiteral("reason")).toString(), QStringLiteral("recipient moved"));
    const QJsonArray events =
        get(packagePath(loud, QStringLiteral("/events")), m_dispatcher).array();
    QCOMPARE(events[events.size() - 2].toObject().value(QStringLiteral("event")).toString(),
             QStringLiteral("package:cancelled"));
    QCOMPARE(events[events.size() - 2].toObject().value(QStringLiteral("reason")).toString(),
             QStringLiteral("recipient moved"));
}

void tst_RestApi::actionRefusals()
{
    const QString ada = m_ada[QStringLiteral("id")].toString();
    const QString bob = m_bob[QStringLiteral("id")].toString();
    const QJsonObject mine = newPackage();
    act(mine, QStringLiteral("assign"), m_dispatcher, {{QStringLiteral("deliveryPersonId"), ada}});
    const QJsonObject bobs = newPackage();
    act(bobs, QStringLiteral("assign"), m_dispatcher, {{QStringLiteral("deliveryPersonId"), bob}});
    const QString tracker = mine.value(QStringLiteral("trackingToken")).toString();
    const QJsonObject toBob{{QStringLiteral("deliveryPersonId"), bob}};

    // What a courier may not do at all, even to their own package.
    EXPECT_ERROR(post(packagePath(mine, QStringLiteral("/assign")), toBob, m_courier), 403,
                 "forbidden");
    EXPECT_ERROR(post(packagePath(mine, QStringLiteral("/cancel")), {}, m_courier), 403,
                 "forbidden");
    // A package of another courier does not exist for them.
    EXPECT_ERROR(post(packagePath(bobs, QStringLiteral("/start")), {}, m_courier), 404,
                 "not_found");
    EXPECT_ERROR(post(packagePath(bobs, QStringLiteral("/fail")),
                      {{QStringLiteral("reason"), QStringLiteral("x")}}, m_courier),
                 404, "not_found");
    // A tracker reads and nothing else.
    for (const QString &action :
         {QStringLiteral("assign"), QStringLiteral("start"), QStringLiteral("complete"),
          QStringLiteral("fail"), QStringLiteral("cancel")}) {
        EXPECT_ERROR(post(packagePath(mine, QLatin1Char('/') + action),
                          {{QStringLiteral("deliveryPersonId"), bob},
                           {QStringLiteral("reason"), QStringLiteral("x")}},
                          tracker),
                     403, "forbidden");
    }
    EXPECT_ERROR(post(packagePath(mine, QStringLiteral("/assign")),
                      {{QStringLiteral("deliveryPersonId"), depot::newId()}}, m_dispatcher),
                 404, "not_found");
    EXPECT_ERROR(post(packagePath(mine, QStringLiteral("/assign")),
                      {{QStringLiteral("deliveryPersonId"), QStringLiteral("bob")}}, m_dispatcher),
                 400, "validation_failed");
    EXPECT_ERROR(post(packagePath(mine, QStringLiteral("/assign")),
                      {{QStringLiteral("deliveryPersonId"), 7}}, m_dispatcher),
                 400, "validation_failed");
    EXPECT_ERROR(post(packagePath(mine, QStringLiteral("/assign")), {}, m_dispatcher), 400,
                 "validation_failed");
    EXPECT_ERROR(request("POST", packagePath(mine, QStringLiteral("/assign")), {}, m_dispatcher),
                 400, "bad_request");
    EXPECT_ERROR(request("POST", packagePath(mine, QStringLiteral("/start")), "{oops", m_courier),
                 400, "bad_request");

    const Reply after = get(packagePath(mine), m_dispatcher);
    QCOMPARE(after.object().value(QStringLiteral("status")).toString(), QStringLiteral("ASSIGNED"));
    QCOMPARE(after.object().value(QStringLiteral("deliveryPersonId")).toString(), ada);
}

void tst_RestApi::invalidTransitionChangesNothing_data()
{
    QTest::addColumn<QStringList>("path"); // actions taken first, by the dispatcher
    QTest::addColumn<QString>("action");

    const QString assign = QStringLiteral("assign");
    const QString start = QStringLiteral("start");
    const QString complete = QStringLiteral("complete");
    QTest::newRow("complete PENDING") << QStringList{} << complete;
    QTest::newRow("start PENDING") << QStringList{} << start;
    QTest::newRow("fail PENDING") << QStringList{} << QStringLiteral("fail");
    QTest::newRow("complete ASSIGNED") << QStringList{assign} << complete;
    QTest::newRow("start IN_PROGRESS") << QStringList{assign, start} << start;
    QTest::newRow("assign IN_PROGRESS") << QStringList{assign, start} << assign;
    QTest::newRow("cancel COMPLETED")
        << QStringList{assign, start, complete} << QStringLiteral("cancel");
    QTest::newRow("assign CANCELLED") << QStringList{QStringLiteral("cancel")} << assign;
}

void tst_RestApi::invalidTransitionChangesNothing()
{
    QFETCH(QStringList, path);
    QFETCH(QString, action);
    // A reassignment needs another courier, so every assign goes to whoever does not have it.
    const QJsonObject toAda{{QStringLiteral("deliveryPersonId"), m_ada[QStringLiteral("id")]}};
    const QJsonObject toBob{{QStringLiteral("deliveryPersonId"), m_bob[QStringLiteral("id")]}};
    const QJsonObject reason{{QStringLiteral("reason"), QStringLiteral("because")}};
    QJsonObject p = newPackage();
    for (const QString &step : path)
        p = act(p, step, m_dispatcher, step == QLatin1String("assign") ? toAda : QJsonObject{});

    const QJsonObject before = get(packagePath(p), m_dispatcher).object();
    const qsizetype history =
        get(packagePath(p, QStringLiteral("/events")), m_dispatcher).array().size();
    const QJsonObject body = action == QLatin1String("assign") ? toBob
                             : action == QLatin1String("fail") ? reason
                                                               : QJsonObject{};
    const Reply r = post(packagePath(p, QLatin1Char('/') + action), body, m_dispatcher);
    EXPECT_ERROR(r, 409, "invalid_transition");
    QCOMPARE(get(packagePath(p), m_dispatcher).object(), before);
    QCOMPARE(get(packagePath(p, QStringLiteral("/events")), m_dispatcher).array().size(), history);
}

void tst_RestApi::track()
{
    const QJsonObject p = newPackage(QStringLiteral("Tracked Person"));
    const QString code = p.value(QStringLiteral("trackingCode")).toString();
    const Reply r = get(QStringLiteral("/api/track/") + code, {});
    EXPECT_STATUS(r, 200);
    const QJsonObject o = r.object();
    QCOMPARE(sortedKeys(o), (QStringList{QStringLiteral("package"), QStringLiteral("token")}));
    QCOMPARE(o.value(QStringLiteral("token")), p.value(QStringLiteral("trackingToken")));
    const QJsonObject tracked = o.value(QStringLiteral("package")).toObject();
    QCOMPARE(sortedKeys(tracked),
             (QStringList{QStringLiteral("destination"), QStringLiteral("id"),
                          QStringLiteral("recipientName"), QStringLiteral("status"),
                          QStringLiteral("trackingCode"), QStringLiteral("updatedAt")}));
    for (const char *key :
         {"id", "trackingCode", "status", "recipientName", "destination", "updatedAt"})
        QCOMPARE(tracked.value(QLatin1String(key)), p.value(QLatin1String(key)));

    // Codes are typed by people: case does not matter.
    EXPECT_STATUS(get(QStringLiteral("/api/track/") + code.toLower(), {}), 200);
    // The token it hands out works as a tracker's bearer token.
    const Reply me = get(QStringLiteral("/api/me"), o.value(QStringLiteral("token")).toString());
    QCOMPARE(me.object().value(QStringLiteral("role")).toString(), QStringLiteral("tracker"));

    EXPECT_ERROR(get(QStringLiteral("/api/track/ZZZZZZZZZZ"), {}), 404, "not_found");
    EXPECT_ERROR(get(QStringLiteral("/api/track/") + p.value(QStringLiteral("id")).toString(), {}),
                 404, "not_found");
}

// --- Protocol-level answers ----------------------------------------------------------------------

void tst_RestApi::unknownRoutesAndIds_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("withToken");

    QTest::newRow("root") << QStringLiteral("/") << false;
    QTest::newRow("outside /api") << QStringLiteral("/nope") << false;
    QTest::newRow("unknown /api route") << QStringLiteral("/api/nope") << true;
    QTest::newRow("unknown /api route, no token") << QStringLiteral("/api/nope") << false;
    QTest::newRow("too deep") << QStringLiteral("/api/packages/a/b/c") << true;
    QTest::newRow("unknown package action")
        << QStringLiteral("/api/packages/%1/deliver").arg(depot::newId()) << true;
    QTest::newRow("unknown package") << QStringLiteral("/api/packages/") + depot::newId() << true;
    QTest::newRow("unknown package events")
        << QStringLiteral("/api/packages/%1/events").arg(depot::newId()) << true;
    QTest::newRow("package id not a UUID") << QStringLiteral("/api/packages/42") << true;
    QTest::newRow("package id upper-case UUID")
        << QStringLiteral("/api/packages/") + depot::newId().toUpper() << true;
    QTest::newRow("courier id not a UUID") << QStringLiteral("/api/couriers/ada") << true;
    QTest::newRow("unknown courier") << QStringLiteral("/api/couriers/") + depot::newId() << true;
}

void tst_RestApi::unknownRoutesAndIds()
{
    QFETCH(QString, path);
    QFETCH(bool, withToken);
    EXPECT_ERROR(get(path, withToken ? m_dispatcher : QString()), 404, "not_found");
}

void tst_RestApi::wrongMethod_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("allow");

    const QString someId = depot::newId();
    QTest::newRow("POST /healthz")
        << QByteArray("POST") << QStringLiteral("/healthz") << QByteArray("GET, HEAD");
    QTest::newRow("GET login") << QByteArray("GET") << QStringLiteral("/api/auth/login")
                               << QByteArray("POST");
    QTest::newRow("DELETE packages")
        << QByteArray("DELETE") << QStringLiteral("/api/packages") << QByteArray("GET, POST");
    QTest::newRow("PUT courier") << QByteArray("PUT") << QStringLiteral("/api/couriers/") + someId
                                 << QByteArray("GET, PATCH");
    QTest::newRow("PATCH package")
        << QByteArray("PATCH") << QStringLiteral("/api/packages/") + someId << QByteArray("GET");
    QTest::newRow("GET assign") << QByteArray("GET")
                                << QStringLiteral("/api/packages/%1/assign").arg(someId)
                                << QByteArray("POST");
    QTest::newRow("GET location") << QByteArray("GET")
                                  << QStringLiteral("/api/couriers/%1/location").arg(someId)
                                  << QByteArray("POST");
    QTest::newRow("POST me") << QByteArray("POST") << QStringLiteral("/api/me")
                             << QByteArray("GET");
    QTest::newRow("POST track") << QByteArray("POST") << QStringLiteral("/api/track/ABC")
                                << QByteArray("GET");
}

void tst_RestApi::wrongMethod()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, allow);
    const Reply r =
        request(method, path, method == "GET" ? QByteArray() : QByteArray("{}"), m_dispatcher);
    EXPECT_ERROR(r, 405, "method_not_allowed");
    QCOMPARE(r.header("allow"), allow);
}

void tst_RestApi::corsPreflight()
{
    const Reply r = request("OPTIONS", QStringLiteral("/api/packages"), {}, {},
                            {{"Origin", "http://example.test"},
                             {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "authorization, content-type"}});
    EXPECT_STATUS(r, 204);
    QVERIFY(r.body.isEmpty());
    QCOMPARE(r.header("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(r.header("access-control-allow-methods").contains("PATCH"));
    QVERIFY(r.header("access-control-allow-headers").toLower().contains("authorization"));
    // Ordinary answers carry the origin too, errors included.
    QCOMPARE(get(QStringLiteral("/healthz"), {}).header("access-control-allow-origin"),
             QByteArray("*"));
    QCOMPARE(get(QStringLiteral("/api/me"), {}).header("access-control-allow-origin"),
             QByteArray("*"));
}

void tst_RestApi::bodyAroundOneMegabyte_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("status");
    QTest::newRow("exactly 1 MB") << 1'000'000 << 201;
    QTest::newRow("1 MB and one byte") << 1'000'001 << 413;
    QTest::newRow("1.05 MB") << 1'050'000 << 413;
}

void tst_RestApi::bodyAroundOneMegabyte()
{
    QFETCH(int, size);
    QFETCH(int, status);
    // Valid JSON, so only its size can be the reason for a refusal.
    QJsonObject fields{
        {QStringLiteral("recipientName"), QStringLiteral("R")},
        {QStringLiteral("address"), QStringLiteral("A")},
        {QStringLiteral("destination"),
         QJsonObject{{QStringLiteral("latitude"), 1.0}, {QStringLiteral("longitude"), 2.0}}},
        {QStringLiteral("padding"), QString()}};
    const qsizetype padding = size - json(fields).size();
    fields.insert(QStringLiteral("padding"), QString(padding, QLatin1Char('x')));
    const QByteArray body = json(fields);
    QCOMPARE(body.size(), size);

    const qsizetype before = get(QStringLiteral("/api/packages"), m_dispatcher).array().size();
    const Reply r = request("POST", QStringLiteral("/api/packages"), body, m_dispatcher);
    if (status == 413) {
        EXPECT_ERROR(r, 413, "payload_too_large");
        QCOMPARE(get(QStringLiteral("/api/packages"), m_dispatcher).array().size(), before);
    } else {
        EXPECT_STATUS(r, status);
    }
}

void tst_RestApi::bodyFarOverOneMegabyte()
{
    // A raw socket: the hub answers before the body is all sent and closes the connection, which
    // an HTTP client library may report as an error instead of the answer.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_hub->port());
    QVERIFY(socket.waitForConnected(5000));
    const QByteArray body(4'000'000, 'x');
    socket.write("POST /api/packages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Content-Type: application/json\r\nAuthorization: Bearer " +
                 m_dispatcher.toLatin1() +
                 "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n");
    socket.write(body);
    QByteArray answer;
    connect(&socket, &QTcpSocket::readyRead, this, [&] { answer += socket.readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(answer.contains("\r\n\r\n") && answer.endsWith('}'), 10000);
    QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.left(100).constData());
    Reply r;
    const qsizetype headerEnd = answer.indexOf("\r\n\r\n");
    r.status = answer.mid(9, 3).toInt();
    r.body = answer.mid(headerEnd + 4);
    for (const QByteArray &line : answer.left(headerEnd).split('\n').mid(1)) {
        const qsizetype colon = line.indexOf(':');
        r.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    EXPECT_ERROR(r, 413, "payload_too_large");
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 10000);
}

// --- Last: rate limiting -------------------------------------------------------------------------

void tst_RestApi::failedLoginsAreRateLimited()
{
    // Unknown users fail as failed logins do. The refusals earlier in this test count too: a
    // success clears only its own account's failures.
    int refused = 0;
    for (int i = 0; i < 5 && refused == 0; ++i) {
        const Reply r = login(QStringLiteral("nobody-%1").arg(i), QStringLiteral("guess"));
        if (r.status == 429)
            ++refused;
        else
            EXPECT_ERROR(r, 401, "unauthorized");
    }
    // Now even the right password is refused from this address.
    EXPECT_ERROR(login(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword)), 429,
                 "rate_limited");
    const Reply limited = login(QStringLiteral("nobody"), QStringLiteral("guess"));
    EXPECT_ERROR(limited, 429, "rate_limited");
    const int retryAfter = limited.header("retry-after").toInt();
    QVERIFY2(retryAfter >= 1 && retryAfter <= 60, limited.header("retry-after").constData());
    // Tokens already given out keep working.
    EXPECT_STATUS(get(QStringLiteral("/api/me"), m_dispatcher), 200);
}

QTEST_GUILESS_MAIN(tst_RestApi)
#include "tst_restapi.moc"
