// The console's hub on a thread of its own: it answers couriers while the console's thread is
// blocked, the console's models follow it in order, and the console's actions run on it.
#include "consolecontroller.h"
#include "couriermodel.h"
#include "dispatchmirror.h"
#include "hub.h"
#include "hubclient.h"
#include "hubthread.h"
#include "loopbackhub.h"
#include "packagemodel.h"

#include "api/authservice.h"
#include "dispatch/dispatchservice.h"

#include <QJsonObject>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace depot;
using namespace Qt::StringLiterals;

class tst_HubThread : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void hubLivesOnItsOwnThread();
    void answersCouriersWhileTheConsoleIsBlocked();
    void modelsFollowInOrder();
    void actionsShowInTheModelsWhenTheyReturn();

private:
    /// A courier made on the hub's thread, with a token for its socket.
    std::pair<Courier, QString> newCourier(const QString &username);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HubThread> m_hub;
};

void tst_HubThread::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_hub = std::make_unique<HubThread>();
    const auto error =
        m_hub->start(test::loopbackHubConfig(m_dir->path(), QStringLiteral("secret-password")));
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
}

void tst_HubThread::cleanup()
{
    m_hub.reset();
    m_dir.reset();
}

std::pair<Courier, QString> tst_HubThread::newCourier(const QString &username)
{
    return m_hub->run([this, username] {
        Hub &hub = *m_hub->hub();
        const auto c = hub.dispatch().createCourier(
            NewCourier{username, username, QStringLiteral("hash"), QString(), QString()});
        if (!c)
            qFatal("cannot create a courier: %s", qPrintable(c.error().message));
        const auto token = hub.auth().issueToken(c->id);
        return std::pair{*c, token ? *token : QString()};
    });
}

void tst_HubThread::hubLivesOnItsOwnThread()
{
    Hub *hub = m_hub->hub();
    QVERIFY(hub);
    QVERIFY(hub->thread() != QThread::currentThread());
    QCOMPARE(hub->thread(), m_hub->hubThread());
    QCOMPARE(hub->dispatch().thread(), m_hub->hubThread());
    QVERIFY(hub->port() != 0);
    // run() runs there.
    QCOMPARE(m_hub->run([] { return QThread::currentThread(); }), m_hub->hubThread());
}

void tst_HubThread::answersCouriersWhileTheConsoleIsBlocked()
{
    const auto [courier, token] = newCourier(u"ada"_s);
    QVERIFY(!token.isEmpty());
    ConsoleController controller(m_hub->hub()->dispatch(), m_hub->hub()->auth());
    controller.setHub(m_hub->hub());

    // The courier's phone on a thread of its own, so that it does not need this one either.
    QThread phoneThread;
    auto *phone = new HubClient;
    phone->moveToThread(&phoneThread);
    connect(&phoneThread, &QThread::finished, phone, &QObject::deleteLater);
    phoneThread.start();
    QSemaphore connected, acked;
    QJsonArray ack;
    connect(phone, &HubClient::connected, phone, [&connected] { connected.release(); });
    const QUrl url(m_hub->hub()->listeningUrl());
    QMetaObject::invokeMethod(phone, [phone, url, token = token] {
        phone->connectToHub(url, QJsonObject{{u"token"_s, token}});
    });
    // This thread waits without an event loop: with the hub on it, nothing would be answered.
    QVERIFY(connected.tryAcquire(1, 10000));
    QMetaObject::invokeMethod(phone, [phone, &acked, &ack] {
        phone->emitWithAck(u"location:update"_s,
                           QJsonObject{{u"latitude"_s, 53.5}, {u"longitude"_s, 10.0}}, 5000,
                           [&acked, &ack](std::optional<QJsonArray> answer) {
                               ack = answer.value_or(QJsonArray());
                               acked.release();
                           });
    });
    QVERIFY(acked.tryAcquire(1, 10000));
    QCOMPARE(ack, (QJsonArray{QJsonObject{{u"ok"_s, true}}}));

    // Once this thread runs its loop again, the console's model has the fix.
    CourierModel *couriers = controller.couriers();
    const int row = couriers->rowOf(courier.id);
    QVERIFY(row >= 0);
    QTRY_COMPARE(couriers->index(row).data(CourierModel::LatitudeRole).toDouble(), 53.5);
    QTRY_COMPARE(controller.connectedClients(), 1);

    QMetaObject::invokeMethod(
        phone, [phone] { phone->abort(); }, Qt::BlockingQueuedConnection);
    phoneThread.quit();
    phoneThread.wait();
    m_hub->stop(); // before the controller and its models go
}

void tst_HubThread::modelsFollowInOrder()
{
    const auto [courier, token] = newCourier(u"bob"_s);
    Q_UNUSED(token);
    DispatchMirror mirror(m_hub->hub()->dispatch());
    CourierModel couriers(mirror);
    PackageModel packages(mirror);
    QVERIFY(mirror.isRemote());

    // What the models saw, in the order they saw it.
    QStringList seen;
    connect(&mirror, &DispatchMirror::courierMoved, this,
            [&seen](const Courier &, const Location &fix) {
                seen << QString::number(fix.latitude, 'f', 4);
            });
    connect(&mirror, &DispatchMirror::packageChanged, this,
            [&seen](const Package &p, const std::vector<PackageEvent> &, const QString &) {
                seen << statusName(p.status);
            });

    // A burst of changes on the hub's thread, fixes and package steps mixed.
    const QString courierId = courier.id;
    const QStringList sent = m_hub->run([this, courierId] {
        DispatchService &dispatch = m_hub->hub()->dispatch();
        const Principal dispatcher{Role::Dispatcher, newId(), QString(), u"d"_s, u"D"_s, {}};
        QStringList out;
        QString packageId;
        for (int i = 0; i < 300; ++i) {
            Location fix;
            fix.latitude = 50 + i / 1000.0;
            fix.longitude = 10;
            fix.timestamp = QDateTime::currentDateTimeUtc().addMSecs(i);
            dispatch.applyFix(courierId, fix);
            out << QString::number(fix.latitude, 'f', 4);
            if (i == 100) {
                packageId =
                    dispatch.createPackage(NewPackage{u"R"_s, u"A"_s, 50, 10, {}, {}, {}})->id;
                out << statusName(PackageStatus::Pending);
            } else if (i == 150) {
                dispatch.assign(dispatcher, packageId, courierId);
                out << statusName(PackageStatus::Assigned);
            } else if (i == 200) {
                dispatch.start(dispatcher, packageId);
                out << statusName(PackageStatus::InProgress);
            }
        }
        return out;
    });
    QTRY_COMPARE(seen.size(), sent.size());
    QCOMPARE(seen, sent);
    // The models hold the last state.
    const QModelIndex row = couriers.index(couriers.rowOf(courierId));
    QCOMPARE(row.data(CourierModel::LatitudeRole).toDouble(), 50.299);
    QCOMPARE(row.data(CourierModel::CarriedCountRole).toInt(), 1);
    QCOMPARE(packages.count(), 1);
    QCOMPARE(packages.index(0).data(PackageModel::StatusRole).toString(), u"IN_PROGRESS"_s);
    m_hub->stop();
}

void tst_HubThread::actionsShowInTheModelsWhenTheyReturn()
{
    const auto [courier, token] = newCourier(u"cy"_s);
    Q_UNUSED(token);
    ConsoleController controller(m_hub->hub()->dispatch(), m_hub->hub()->auth());
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    const QString id = controller.createPackage(u"Grace"_s, u"1 Navy Yard"_s, 52.5, 13.4);
    QVERIFY(!id.isEmpty());
    // No event loop ran in between: the action waited for the hub and took its changes.
    const int row = controller.packages()->rowOf(id);
    QVERIFY(row >= 0);
    QVERIFY(controller.assign(id, courier.id));
    QCOMPARE(controller.packages()->index(row).data(PackageModel::StatusRole).toString(),
             u"ASSIGNED"_s);
    const QModelIndex courierRow =
        controller.couriers()->index(controller.couriers()->rowOf(courier.id));
    QCOMPARE(courierRow.data(CourierModel::CurrentPackageIdRole).toString(), id);
    // A refusal is worded from the console's copy, as before.
    QVERIFY(!controller.complete(id));
    QCOMPARE(errors.count(), 1);
    QCOMPARE(controller.lastError(),
             u"This package is assigned, so it cannot be marked delivered."_s);
    // The service itself, read on its thread, agrees.
    QCOMPARE(
        m_hub->run([this, id = id] { return m_hub->hub()->dispatch().findPackage(id)->status; }),
        PackageStatus::Assigned);
    m_hub->stop();
}

QTEST_GUILESS_MAIN(tst_HubThread)
#include "tst_hubthread.moc"
