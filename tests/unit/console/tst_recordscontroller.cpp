// The console's day's records with the hub on a thread of its own: each courier's day comes back
// to the console's thread without it waiting, and "Export..." writes the CSV file REST gives.
#include "hub.h"
#include "hubthread.h"
#include "loopbackhub.h"
#include "recordscontroller.h"

#include "api/reportsapi.h"
#include "dispatch/dayrecords.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/locationingest.h"

#include <QDate>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace depot;

class tst_RecordsController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void couriersOfTheDayComeFromTheHubsThread();
    void exportWritesTheDeliveriesCsv();
    void exportRefusesWhatIsNoDayOrNoLocalFile();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HubThread> m_hub;
    QString m_courierId;
    QString m_packageId;
};

void tst_RecordsController::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_hub = std::make_unique<HubThread>();
    const auto error =
        m_hub->start(test::loopbackHubConfig(m_dir->path(), QStringLiteral("secret-password")));
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
    // A courier who drove 0.001 degrees of latitude in a minute and delivered one package.
    std::tie(m_courierId, m_packageId) = m_hub->run([this] {
        Hub &hub = *m_hub->hub();
        DispatchService &dispatch = hub.dispatch();
        const auto c = dispatch.createCourier(NewCourier{
            QStringLiteral("Ada, \"A\""), QStringLiteral("ada"), QStringLiteral("hash"), {}, {}});
        const auto p = dispatch.createPackage(NewPackage{QStringLiteral("=cmd|' /C calc'!A0"),
                                                         QStringLiteral("1 Main St"),
                                                         52.5,
                                                         13.4,
                                                         {},
                                                         {},
                                                         {}});
        Principal dispatcher;
        dispatcher.role = Role::Dispatcher;
        dispatch.assign(dispatcher, p->id, c->id);
        dispatch.start(dispatcher, p->id);
        dispatch.complete(dispatcher, p->id);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        Principal courier;
        courier.role = Role::Courier;
        courier.userId = c->id;
        for (int i = 0; i < 2; ++i) {
            Location fix;
            fix.latitude = 52.5 + 0.001 * i;
            fix.longitude = 13.4;
            fix.timestamp = now.addSecs(-60 + 60 * i);
            hub.locations().submit(courier, c->id, fix, [](const auto &) {});
        }
        hub.locations().flush();
        return std::pair{c->id, p->id};
    });
}

void tst_RecordsController::cleanup()
{
    m_hub.reset();
    m_dir.reset();
}

void tst_RecordsController::couriersOfTheDayComeFromTheHubsThread()
{
    Hub &hub = *m_hub->hub();
    RecordsController records(hub.dayRecords(), &hub.dispatch());
    QCOMPARE(records.date(), QDate::currentDate().toString(Qt::ISODate));
    QSignalSpy changed(&records, &RecordsController::couriersChanged);
    QSignalSpy loading(&records, &RecordsController::loadingChanged);
    records.refresh();
    // Asked, not answered yet: the answer comes queued from the hub's thread.
    QVERIFY(records.loading());
    QVERIFY(changed.wait());
    QVERIFY(!records.loading());
    QCOMPARE(loading.count(), 2);
    const QVariantList couriers = records.couriers();
    QCOMPARE(couriers.size(), 1);
    const QVariantMap ada = couriers[0].toMap();
    QCOMPARE(ada.value(QStringLiteral("courierId")).toString(), m_courierId);
    QCOMPARE(ada.value(QStringLiteral("deliveries")).toInt(), 1);
    QCOMPARE(ada.value(QStringLiteral("failures")).toInt(), 0);
    QCOMPARE(ada.value(QStringLiteral("fixes")).toInt(), 2);
    QCOMPARE(ada.value(QStringLiteral("onRoadSeconds")).toInt(), 60);
    QCOMPARE(ada.value(QStringLiteral("distanceMetres")).toInt(), 111);

    // The day before holds nobody's deliveries; a new day asks again by itself.
    records.stepDay(-1);
    QCOMPARE(records.date(), QDate::currentDate().addDays(-1).toString(Qt::ISODate));
    QVERIFY(changed.wait());
    QCOMPARE(records.couriers()[0].toMap().value(QStringLiteral("deliveries")).toInt(), 0);
}

void tst_RecordsController::exportWritesTheDeliveriesCsv()
{
    Hub &hub = *m_hub->hub();
    RecordsController records(hub.dayRecords(), &hub.dispatch());
    const QString today = QDate::currentDate().toString(Qt::ISODate);
    QCOMPARE(records.csvFileName(), QStringLiteral("deliveries-%1.csv").arg(today));
    QSignalSpy exported(&records, &RecordsController::exported);
    const QString path = m_dir->filePath(records.csvFileName());
    records.exportCsv(QUrl::fromLocalFile(path));
    QVERIFY(exported.wait());
    QCOMPARE(exported[0][0].toString(), path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    // The same file REST gives for the day.
    const QByteArray rest = m_hub->run([&hub, today] {
        return reports::deliveriesCsvFile(hub.dayRecords(),
                                          *reports::parseRange(today, today, false));
    });
    QCOMPARE(bytes, rest);
    QVERIFY(bytes.startsWith("\xEF\xBB\xBF"
                             "packageId,"));
    QVERIFY(bytes.contains(m_packageId.toLatin1()));
    QVERIFY(bytes.contains("'=cmd|' /C calc'!A0,1 Main St,COMPLETED,"));
    QVERIFY(bytes.contains(",\"Ada, \"\"A\"\"\",,no\r\n"));
}

void tst_RecordsController::exportRefusesWhatIsNoDayOrNoLocalFile()
{
    Hub &hub = *m_hub->hub();
    RecordsController records(hub.dayRecords(), &hub.dispatch());
    QSignalSpy failed(&records, &RecordsController::exportFailed);
    records.exportCsv(QUrl(QStringLiteral("https://example.com/x.csv")));
    QCOMPARE(failed.count(), 1);
    records.setDate(QStringLiteral("2026-02-30"));
    QVERIFY(records.couriers().isEmpty());
    records.exportCsv(QUrl::fromLocalFile(m_dir->filePath(QStringLiteral("x.csv"))));
    QCOMPARE(failed.count(), 2);
    QVERIFY(failed[1][0].toString().contains(QLatin1String("2026-02-30")));
    // A folder that is not there: the hub's answer comes, the file cannot be written.
    records.setDate(QDate::currentDate().toString(Qt::ISODate));
    records.exportCsv(QUrl::fromLocalFile(m_dir->filePath(QStringLiteral("no/such/x.csv"))));
    QVERIFY(failed.wait());
    QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("no/such/x.csv"))));
}

QTEST_GUILESS_MAIN(tst_RecordsController)
#include "tst_recordscontroller.moc"
