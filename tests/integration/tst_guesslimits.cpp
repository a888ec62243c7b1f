// Guessing over real HTTP: unknown tracking codes and unknown OsmAnd device ids are counted per
// address and answered 429 with Retry-After past the limit, on /api/track, /osmand and the extra
// OsmAnd port; another address is unaffected, successes reset nothing, the window expires, and
// an unknown device id gets one answer whatever the id.
#include "dispatch/dispatchservice.h"
#include "hub.h"
#include "hubconfig.h"
#include "rawhttp.h"

#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace depot;

namespace {

using Reply = depot::test::RawHttpResponse;

/// Sends one request from the local address `from` (any of 127.0.0.0/8) on a connection of
/// its own.
Reply send(const QHostAddress &from, quint16 port, const QByteArray &method,
           const QByteArray &target, const QByteArray &jsonBody = {})
{
    QByteArray headers = "Connection: close\r\n";
    if (!jsonBody.isEmpty())
        headers += "Content-Type: application/json\r\n";
    return test::rawHttpExchange(port, test::rawHttpRequest(method, target, headers, jsonBody),
                                 from);
}

Reply get(const QHostAddress &from, quint16 port, const QByteArray &target)
{
    return send(from, port, "GET", target);
}

const QHostAddress kFirst(QStringLiteral("127.0.0.1"));
const QHostAddress kSecond(QStringLiteral("127.0.0.2"));

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

class tst_GuessLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void trackingCodeMissesAreLimited();
    void unknownDevicesAreLimited();
    void unknownDeviceAnswerIsUniform();
    void theWindowExpires();
    void failedLoginsSayWhenToComeBack();

private:
    std::unique_ptr<Hub> startHub(int limit, qint64 windowMs, bool osmandPort = false);
    QString newPackageCode(Hub &hub);
    QString newCourier(Hub &hub, const QString &username, const QString &deviceId);

    std::vector<std::unique_ptr<QTemporaryDir>> m_dirs;
};

std::unique_ptr<Hub> tst_GuessLimits::startHub(int limit, qint64 windowMs, bool osmandPort)
{
    m_dirs.push_back(std::make_unique<QTemporaryDir>());
    HubConfig config;
    config.host = QHostAddress::LocalHost;
    config.hostText = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.dataDir = m_dirs.back()->path();
    config.adminPassword = QStringLiteral("pw");
    config.osmandPort = osmandPort ? freePort() : 0;
    config.trackingMissLimit = limit;
    config.trackingMissWindowMs = windowMs;
    config.deviceMissLimit = limit;
    config.deviceMissWindowMs = windowMs;
    auto hub = std::make_unique<Hub>(config);
    const auto error = hub->start();
    if (error) {
        qWarning("%s", qPrintable(error->message));
        return nullptr;
    }
    return hub;
}

QString tst_GuessLimits::newPackageCode(Hub &hub)
{
    NewPackage fields;
    fields.recipientName = QStringLiteral("Grace");
    fields.address = QStringLiteral("1 Harbour St");
    fields.latitude = 52.5;
    fields.longitude = 13.4;
    const auto p = hub.dispatch().createPackage(fields);
    return p ? p->trackingCode : QString();
}

QString tst_GuessLimits::newCourier(Hub &hub, const QString &username, const QString &deviceId)
{
    NewCourier courier;
    courier.name = username;
    courier.username = username;
    courier.passwordHash = QStringLiteral("unused");
    courier.deviceId = deviceId;
    const auto created = hub.dispatch().createCourier(courier);
    return created ? created->id : QString();
}

void tst_GuessLimits::trackingCodeMissesAreLimited()
{
    const auto hub = startHub(4, 60'000);
    QVERIFY(hub);
    const quint16 port = hub->port();
    const QByteArray known = "/api/track/" + newPackageCode(*hub).toLatin1();

    // Misses with a hit between them: the hit clears nothing.
    for (const char *code : {"ZZZZZZZZZ1", "ZZZZZZZZZ2"})
        QCOMPARE(get(kFirst, port, QByteArray("/api/track/") + code).status, 404);
    QCOMPARE(get(kFirst, port, known).status, 200);
    for (const char *code : {"ZZZZZZZZZ3", "ZZZZZZZZZ4"})
        QCOMPARE(get(kFirst, port, QByteArray("/api/track/") + code).status, 404);

    // Past the limit every code is refused, the right one too, with the time to wait.
    for (const QByteArray &target : {QByteArray("/api/track/ZZZZZZZZZ5"), known}) {
        const Reply r = get(kFirst, port, target);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
        const int retryAfter = r.header("retry-after").toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 60, r.header("retry-after").constData());
        QVERIFY(!r.body.contains("token"));
    }

    // Another address is not affected.
    QCOMPARE(get(kSecond, port, known).status, 200);
    QCOMPARE(get(kSecond, port, "/api/track/ZZZZZZZZZ6").status, 404);
}

void tst_GuessLimits::unknownDevicesAreLimited()
{
    const auto hub = startHub(4, 60'000, true);
    QVERIFY(hub);
    QVERIFY(hub->osmandPort() != 0);
    QVERIFY(!newCourier(*hub, QStringLiteral("ada"), QStringLiteral("777")).isEmpty());
    const QByteArray knownQuery = "?id=777&lat=52.5&lon=13.4";

    // Misses on both ports count together; a stored fix between them clears nothing.
    QCOMPARE(get(kFirst, hub->port(), "/osmand?id=1&lat=52.5&lon=13.4").status, 400);
    QCOMPARE(get(kFirst, hub->osmandPort(), "/?id=2&lat=52.5&lon=13.4").status, 400);
    QCOMPARE(get(kFirst, hub->port(), "/osmand" + knownQuery).status, 200);
    QCOMPARE(get(kFirst, hub->osmandPort(), "/?id=3&lat=52.5&lon=13.4").status, 400);
    QCOMPARE(get(kFirst, hub->port(), "/osmand?id=4&lat=52.5&lon=13.4").status, 400);

    // Past the limit the address is refused on both ports, known ids included.
    const std::vector<std::pair<quint16, QByteArray>> refused{
        {hub->port(), "/osmand?id=5&lat=52.5&lon=13.4"},
        {hub->osmandPort(), "/?id=5&lat=52.5&lon=13.4"},
        {hub->port(), "/osmand" + knownQuery},
        {hub->osmandPort(), "/" + knownQuery}};
    for (const auto &[port, target] : refused) {
        const Reply r = get(kFirst, port, target);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
        const int retryAfter = r.header("retry-after").toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 60, r.header("retry-after").constData());
    }

    // Another address still reports, and still hears about unknown ids.
    QCOMPARE(get(kSecond, hub->osmandPort(), "/" + knownQuery).status, 200);
    QCOMPARE(get(kSecond, hub->port(), "/osmand?id=6&lat=52.5&lon=13.4").status, 400);
}

void tst_GuessLimits::unknownDeviceAnswerIsUniform()
{
    const auto hub = startHub(100, 60'000);
    QVERIFY(hub);
    QVERIFY(!newCourier(*hub, QStringLiteral("ada"), QStringLiteral("777")).isEmpty());
    // A courier whose device id was taken away: the old id is no longer anyone's.
    const QString bob = newCourier(*hub, QStringLiteral("bob"), QStringLiteral("888"));
    QVERIFY(!bob.isEmpty());
    CourierPatch patch;
    patch.deviceId = QString();
    QVERIFY(hub->dispatch().updateCourier(bob, patch));
    QVERIFY(!hub->dispatch().findCourierByDevice(QStringLiteral("888")));

    const Reply first = get(kFirst, hub->port(), "/osmand?id=123&lat=52.5&lon=13.4");
    QCOMPARE(first.status, 400);
    QCOMPARE(first.errorCode(), QStringLiteral("validation_failed"));
    QVERIFY(!first.body.contains("123"));
    for (const QByteArray &id :
         {QByteArray("888"), QByteArray("x"), QByteArray(120, 'a'), QByteArray("%3Cscript%3E")}) {
        const Reply r = get(kFirst, hub->port(), "/osmand?id=" + id + "&lat=52.5&lon=13.4");
        QCOMPARE(r.status, first.status);
        QCOMPARE(r.body, first.body);
        QCOMPARE(r.header("content-type"), first.header("content-type"));
    }
    // A malformed report hears the same whether its id is someone's or not.
    const Reply knownBad = get(kFirst, hub->port(), "/osmand?id=777&lat=95&lon=13.4");
    const Reply unknownBad = get(kFirst, hub->port(), "/osmand?id=999&lat=95&lon=13.4");
    QCOMPARE(knownBad.status, 400);
    QCOMPARE(unknownBad.status, 400);
    QCOMPARE(unknownBad.body, knownBad.body);
}

void tst_GuessLimits::theWindowExpires()
{
    const auto hub = startHub(2, 1000);
    QVERIFY(hub);
    const quint16 port = hub->port();
    const QByteArray known = "/api/track/" + newPackageCode(*hub).toLatin1();
    QCOMPARE(get(kFirst, port, "/api/track/ZZZZZZZZZ1").status, 404);
    QCOMPARE(get(kFirst, port, "/api/track/ZZZZZZZZZ2").status, 404);
    QCOMPARE(get(kFirst, port, known).status, 429);
    QCOMPARE(get(kFirst, port, "/osmand?id=1&lat=1&lon=1").status, 400); // a separate count
    // Refused attempts do not prolong the window: once it ends the address may try again.
    QTRY_COMPARE_WITH_TIMEOUT(get(kFirst, port, known).status, 200, 5000);
}

void tst_GuessLimits::failedLoginsSayWhenToComeBack()
{
    const auto hub = startHub(20, 60'000);
    QVERIFY(hub);
    const QHostAddress from(QStringLiteral("127.0.0.3"));
    const QByteArray wrong = R"({"username":"nobody","password":"guess"})";
    Reply r;
    for (int i = 0; i < 20 && r.status != 429; ++i)
        r = send(from, hub->port(), "POST", "/api/auth/login", wrong);
    QCOMPARE(r.status, 429);
    QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
    const int retryAfter = r.header("retry-after").toInt();
    QVERIFY2(retryAfter >= 1 && retryAfter <= 60, r.header("retry-after").constData());
}

QTEST_GUILESS_MAIN(tst_GuessLimits)
#include "tst_guesslimits.moc"
