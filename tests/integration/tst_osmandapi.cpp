// Positions from GPS apps (Traccar Client, OsmAnd protocol) over real HTTP: the query, form and
// JSON forms on /osmand and on the extra OsmAnd port move the courier whose deviceId matches;
// an unknown id or a bad coordinate is refused and changes nothing.
#include "dispatch/dispatchservice.h"
#include "hub.h"
#include "hubconfig.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace depot;

class tst_OsmAndApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void positionForms_data();
    void positionForms();
    void refused_data();
    void refused();
    void extraPort();

private:
    struct Reply
    {
        int status = 0;
        QByteArray body;
    };
    Reply send(quint16 port, const QByteArray &method, const QString &pathAndQuery,
               const QByteArray &body = {}, const QByteArray &contentType = {});
    std::optional<Location> lastLocation() const;

    QTemporaryDir m_dir;
    std::unique_ptr<Hub> m_hub;
    QNetworkAccessManager m_nam;
    QString m_courierId;
    quint16 m_osmandPort = 0;
};

tst_OsmAndApi::Reply tst_OsmAndApi::send(quint16 port, const QByteArray &method,
                                         const QString &pathAndQuery, const QByteArray &body,
                                         const QByteArray &contentType)
{
    QNetworkRequest request(
        QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(pathAndQuery)));
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(request, method, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(10000))
        return {};
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
}

std::optional<Location> tst_OsmAndApi::lastLocation() const
{
    const Courier *c = m_hub->dispatch().findCourier(m_courierId);
    return c ? c->lastLocation : std::nullopt;
}

void tst_OsmAndApi::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // A port that was free a moment ago, for the extra OsmAnd listener.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_osmandPort = probe.serverPort();
    probe.close();

    HubConfig config;
    config.host = QHostAddress::LocalHost;
    config.hostText = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.dataDir = m_dir.path();
    config.adminPassword = QStringLiteral("pw");
    config.osmandPort = m_osmandPort;
    m_hub = std::make_unique<Hub>(config);
    QVERIFY(!m_hub->start());
    QCOMPARE(m_hub->osmandPort(), m_osmandPort);

    NewCourier courier;
    courier.name = QStringLiteral("Ada");
    courier.username = QStringLiteral("ada");
    courier.passwordHash = QStringLiteral("unused");
    courier.deviceId = QStringLiteral("123456");
    const auto created = m_hub->dispatch().createCourier(courier);
    QVERIFY(created);
    m_courierId = created->id;
}

void tst_OsmAndApi::positionForms_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<double>("latitude");
    QTest::addColumn<double>("speedMps");

    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QTest::newRow("GET query, epoch seconds, knots")
        << QByteArray("GET")
        << QStringLiteral("/osmand?id=123456&timestamp=%1&lat=60.0&lon=30.0&speed=10&bearing=90"
                          "&altitude=0&accuracy=5&batt=87")
               .arg(now)
        << QByteArray() << QByteArray() << 60.0 << 10 * 0.514444;
    QTest::newRow("POST query, as Traccar Client sends it")
        << QByteArray("POST")
        << QStringLiteral("/osmand?id=123456&timestamp=%1&lat=60.0003&lon=30.0&speed=0.0")
               .arg(now + 1)
        << QByteArray() << QByteArray() << 60.0003 << 0.0;
    QTest::newRow("POST form body, deviceid, location=lat,lon")
        << QByteArray("POST") << QStringLiteral("/osmand")
        << QByteArray("deviceid=123456&location=60.0006%2C30.0&speed=2")
        << QByteArray("application/x-www-form-urlencoded") << 60.0006 << 2 * 0.514444;
    // A clock ahead on the phone is taken as now, so this fix is newer than the rows before it.
    QTest::newRow("POST JSON of newer apps, m/s")
        << QByteArray("POST") << QStringLiteral("/osmand")
        << QJsonDocument(
               QJsonObject{{QStringLiteral("device_id"), QStringLiteral("123456")},
                           {QStringLiteral("location"),
                            QJsonObject{{QStringLiteral("timestamp"),
                                         QDateTime::currentDateTimeUtc().addSecs(30).toString(
                                             Qt::ISODateWithMs)},
                                        {QStringLiteral("coords"),
                                         QJsonObject{{QStringLiteral("latitude"), 60.0009},
                                                     {QStringLiteral("longitude"), 30.0},
                                                     {QStringLiteral("speed"), 4.5}}}}}})
               .toJson(QJsonDocument::Compact)
        << QByteArray("application/json") << 60.0009 << 4.5;
}

void tst_OsmAndApi::positionForms()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(double, latitude);
    QFETCH(double, speedMps);

    const Reply r = send(m_hub->port(), method, path, body, contentType);
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.isEmpty());
    const auto location = lastLocation();
    QVERIFY(location);
    QCOMPARE(location->latitude, latitude);
    QCOMPARE(location->longitude, 30.0);
    QVERIFY(location->speed);
    QVERIFY(qAbs(*location->speed - speedMps) < 1e-6);
}

void tst_OsmAndApi::refused_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("unknown id") << QStringLiteral("/osmand?id=999&lat=61&lon=31");
    QTest::newRow("no id") << QStringLiteral("/osmand?lat=61&lon=31");
    QTest::newRow("latitude out of range") << QStringLiteral("/osmand?id=123456&lat=91&lon=31");
    QTest::newRow("longitude out of range") << QStringLiteral("/osmand?id=123456&lat=61&lon=-181");
    QTest::newRow("latitude not a number") << QStringLiteral("/osmand?id=123456&lat=north&lon=31");
    QTest::newRow("no coordinates") << QStringLiteral("/osmand?id=123456");
}

void tst_OsmAndApi::refused()
{
    QFETCH(QString, path);
    const auto before = lastLocation();
    const Reply r = send(m_hub->port(), "GET", path);
    QCOMPARE(r.status, 400);
    const auto after = lastLocation();
    QCOMPARE(after.has_value(), before.has_value());
    if (after)
        QCOMPARE(after->latitude, before->latitude);
}

void tst_OsmAndApi::extraPort()
{
    // Traccar's own port speaks OsmAnd on any path.
    const qint64 ts = QDateTime::currentSecsSinceEpoch() + 5;
    const Reply r = send(m_osmandPort, "POST",
                         QStringLiteral("/?id=123456&timestamp=%1&lat=60.0012&lon=30.0").arg(ts));
    QCOMPARE(r.status, 200);
    QCOMPARE(lastLocation()->latitude, 60.0012);
    QCOMPARE(send(m_osmandPort, "GET", QStringLiteral("/?id=999&lat=1&lon=1")).status, 400);
}

QTEST_GUILESS_MAIN(tst_OsmAndApi)
#include "tst_osmandapi.moc"
