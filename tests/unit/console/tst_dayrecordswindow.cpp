// The day's records in the console window, offscreen: the toolbar opens them, the table shows
// each courier's day, and "Export..." saves the day's CSV through the file dialog.
// DEPOT_CONSOLE_SCREENSHOT=path.png saves what the dialog looks like.
#include "consolecontroller.h"
#include "dispatchfixture.h"
#include "quickfind.h"
#include "recordscontroller.h"
#include "replaycontroller.h"

#include "dispatch/dayrecords.h"

#include <QFile>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)
Q_IMPORT_QML_PLUGIN(Depot_ModelsPlugin)

using namespace depot;
using namespace Qt::StringLiterals;

class tst_DayRecordsWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QQuickStyle::setStyle(u"Fusion"_s); }
    void showsEachCouriersDayAndExports();
    void replaysACouriersDayOnTheMap();
};

void tst_DayRecordsWindow::showsEachCouriersDayAndExports()
{
    DispatchFixture f;
    const Courier ada = f.addCourier(u"Ada Lovelace"_s, u"ada"_s);
    const Courier bob = f.addCourier(u"Bob Kahn"_s, u"bob"_s);
    for (int i = 0; i < 2; ++i) {
        const Package p = f.addPackage(u"Grace Hopper"_s, u"Karl-Marx-Allee 90"_s);
        QVERIFY(f.service.assign(f.dispatcher, p.id, ada.id));
        QVERIFY(f.service.start(f.dispatcher, p.id));
        QVERIFY(f.service.complete(f.dispatcher, p.id));
    }
    const Package failed = f.addPackage(u"Alan Turing"_s, u"Friedrichstraße 43"_s);
    QVERIFY(f.service.assign(f.dispatcher, failed.id, bob.id));
    QVERIFY(f.service.fail(f.dispatcher, failed.id, u"nobody at home"_s));
    ConsoleController controller(f.service, f.auth);
    DayRecords dayRecords(f.service, f.store, DayRecords::Options{});
    RecordsController records(dayRecords, &f.service);
    records.setDate(f.clock.now().toLocalTime().date().toString(Qt::ISODate));

    QQmlApplicationEngine engine;
    engine.addImportPath(u"qrc:/qt/qml"_s);
    QStringList warnings;
    connect(&engine, &QQmlEngine::warnings, this, [&warnings](const QList<QQmlError> &list) {
        for (const QQmlError &e : list)
            warnings << e.toString();
    });
    engine.setInitialProperties({{u"listeningUrl"_s, u"http://0.0.0.0:3000"_s},
                                 {u"generatedPassword"_s, QString()},
                                 {u"controller"_s, QVariant::fromValue(&controller)},
                                 {u"records"_s, QVariant::fromValue(&records)}});
    engine.load(QUrl(u"qrc:/qt/qml/Depot/Console/Main.qml"_s));
    QVERIFY(!engine.rootObjects().isEmpty());
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QQuickItem *top = window->contentItem();
    while (top->parentItem())
        top = top->parentItem();

    QQuickItem *button = findItem(top, u"dayRecordsButton"_s);
    QVERIFY(button && button->isVisible());
    QMetaObject::invokeMethod(button, "clicked");
    auto *dialog = window->findChild<QObject *>(u"dayRecordsDialog"_s);
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->property("opened").toBool());
    QQuickItem *table = nullptr;
    QTRY_VERIFY((table = findItem(top, u"recordsTable"_s)));
    QTRY_COMPARE(table->property("count").toInt(), 2);
    QCOMPARE(findItem(top, u"recordsDateField"_s)->property("text").toString(), records.date());

    if (qEnvironmentVariableIsSet("DEPOT_CONSOLE_SCREENSHOT")) {
        QTest::qWait(300);
        QVERIFY(window->grabWindow().save(qEnvironmentVariable("DEPOT_CONSOLE_SCREENSHOT")));
    }

    // "Export..." offers the day's file name in the export folder; accepting it writes the file.
    QTemporaryDir dir;
    records.setExportFolder(QUrl::fromLocalFile(dir.path()));
    QQuickItem *exportButton = findItem(top, u"exportRecordsButton"_s);
    QVERIFY(exportButton);
    QMetaObject::invokeMethod(exportButton, "clicked");
    auto *save = window->findChild<QObject *>(u"saveRecordsDialog"_s);
    QVERIFY(save);
    QTRY_VERIFY(save->property("visible").toBool());
    const QString path = dir.filePath(records.csvFileName());
    QCOMPARE(save->property("selectedFile").toUrl(), QUrl::fromLocalFile(path));
    QSignalSpy exported(&records, &RecordsController::exported);
    QSignalSpy exportFailed(&records, &RecordsController::exportFailed);
    QMetaObject::invokeMethod(save, "accept");
    QTRY_VERIFY2(exported.count() == 1,
                 qPrintable(exportFailed.isEmpty() ? QString() : exportFailed[0][0].toString()));
    QCOMPARE(exported[0][0].toString(), path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray csv = file.readAll();
    QVERIFY(csv.startsWith("\xEF\xBB\xBFpackageId,"));
    QCOMPARE(csv.count("\r\n"), 4);
    QVERIFY(csv.contains("nobody at home"));
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join(u'\n')));
}

void tst_DayRecordsWindow::replaysACouriersDayOnTheMap()
{
    DispatchFixture f;
    const Courier ada = f.addCourier(u"Ada Lovelace"_s, u"ada"_s);
    const QDateTime start = f.clock.now();
    std::vector<StoredFix> fixes;
    for (int i = 0; i < 10; ++i)
        fixes.push_back(StoredFix{
            ada.id,
            Location{52.50 + 0.002 * i, 13.40 + 0.003 * i, {}, 5.0, 45.0, start.addSecs(60 * i)},
            start, true});
    QVERIFY(f.store.appendFixes(fixes));
    const Package p = f.addPackage(u"Grace Hopper"_s, u"Karl-Marx-Allee 90"_s, 52.515, 13.42);
    QVERIFY(f.service.assign(f.dispatcher, p.id, ada.id));
    QVERIFY(f.service.start(f.dispatcher, p.id));
    f.clock.advanceMs(5 * 60'000);
    QVERIFY(f.service.complete(f.dispatcher, p.id));
    ConsoleController controller(f.service, f.auth);
    DayRecords dayRecords(f.service, f.store, DayRecords::Options{});
    RecordsController records(dayRecords, &f.service);
    ReplayController replay(&dayRecords, &f.service);
    records.setDate(start.toLocalTime().date().toString(Qt::ISODate));

    QQmlApplicationEngine engine;
    engine.addImportPath(u"qrc:/qt/qml"_s);
    QStringList warnings;
    connect(&engine, &QQmlEngine::warnings, this, [&warnings](const QList<QQmlError> &list) {
        for (const QQmlError &e : list)
            warnings << e.toString();
    });
    engine.setInitialProperties({{u"listeningUrl"_s, u"http://0.0.0.0:3000"_s},
                                 {u"generatedPassword"_s, QString()},
                                 {u"controller"_s, QVariant::fromValue(&controller)},
                                 {u"records"_s, QVariant::fromValue(&records)},
                                 {u"replay"_s, QVariant::fromValue(&replay)}});
    engine.load(QUrl(u"qrc:/qt/qml/Depot/Console/Main.qml"_s));
    QVERIFY(!engine.rootObjects().isEmpty());
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QQuickItem *top = window->contentItem();
    while (top->parentItem())
        top = top->parentItem();
    QQuickItem *bar = findItem(top, u"replayBar"_s);
    QVERIFY(bar && !bar->isVisible());

    // Records, then the courier's "Replay": the dialog closes and the bar shows their day.
    QMetaObject::invokeMethod(findItem(top, u"dayRecordsButton"_s), "clicked");
    QQuickItem *replayButton = nullptr;
    QTRY_VERIFY((replayButton = findItem(top, u"replayButton"_s)));
    QMetaObject::invokeMethod(replayButton, "clicked");
    QTRY_VERIFY(replay.loaded());
    QTRY_VERIFY(bar->isVisible());
    QVERIFY(!window->findChild<QObject *>(u"dayRecordsDialog"_s)->property("visible").toBool());
    QCOMPARE(replay.courierName(), ada.name);
    QCOMPARE(replay.fixCount(), 10);
    QQuickItem *courierLayer = findItem(top, u"replayCourierLayer"_s);
    QQuickItem *eventLayer = findItem(top, u"replayEventLayer"_s);
    QVERIFY(courierLayer && eventLayer);
    QTRY_COMPARE(courierLayer->property("count").toInt(), 1);
    // Scrubbed past the delivery: the courier's trail and the package's events are on the map.
    replay.setPosition(replay.duration());
    QTRY_COMPARE(eventLayer->property("count").toInt(), 1);
    QCOMPARE(courierLayer->property("trail").toList().size(), 10);
    QVERIFY(
        findItem(top, u"replayLastEvent"_s)->property("text").toString().contains(p.trackingCode));
    QQuickItem *play = findItem(top, u"playReplayButton"_s);
    replay.setPosition(0);
    QMetaObject::invokeMethod(play, "clicked");
    QVERIFY(replay.playing());
    QTRY_VERIFY(replay.position() > 0);
    if (qEnvironmentVariableIsSet("DEPOT_CONSOLE_SCREENSHOT")) {
        replay.setPlaying(false);
        replay.setPosition(replay.duration() * 2 / 3);
        QTest::qWait(300);
        QString path = qEnvironmentVariable("DEPOT_CONSOLE_SCREENSHOT");
        path.replace(u".png"_s, u".replay.png"_s);
        QVERIFY(window->grabWindow().save(path));
    }
    // Back to live: the bar goes, the live markers return.
    QMetaObject::invokeMethod(findItem(top, u"closeReplayButton"_s), "clicked");
    QVERIFY(!replay.loaded());
    QTRY_VERIFY(!bar->isVisible());
    QTRY_COMPARE(courierLayer->property("count").toInt(), 0);
    QCOMPARE(eventLayer->property("count").toInt(), 0);
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join(u'\n')));
}

QTEST_MAIN(tst_DayRecordsWindow)
#include "tst_dayrecordswindow.moc"
