// The console's Webhooks page controller on a real webhook service and SQLite store: adding
// (the secret shown once), refusals, the list, a webhook's deliveries, and deleting.
#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "outbox/webhookservice.h"
#include "store/sqlitestore.h"
#include "webhookscontroller.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace depot;

class tst_WebhooksController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addListDeliveriesDelete();
};

void tst_WebhooksController::addListDeliveriesDelete()
{
    QTemporaryDir dir;
    SqliteStore store(dir.filePath(QStringLiteral("depot.sqlite")));
    QVERIFY(store.open(nullptr));
    ManualClock clock;
    DispatchService dispatch(store, clock);
    dispatch.load();
    WebhookService service(store, clock);
    dispatch.addOutboxProducer(&service);
    WebhooksController controller(service);
    QSignalSpy changed(&controller, &WebhooksController::changed);
    QSignalSpy refused(&controller, &WebhooksController::errorOccurred);

    QVERIFY(controller.knownEvents().contains(QStringLiteral("delivery:completed")));
    QVERIFY(
        controller.add(QStringLiteral("ftp://example.com/x"), {QStringLiteral("package:update")})
            .isEmpty());
    QCOMPARE(refused.size(), 1);
    QVERIFY(controller.lastError().contains(QStringLiteral("http")));
    QCOMPARE(changed.size(), 0);

    const QString secret = controller.add(QStringLiteral(" https://hooks.example/depot "),
                                          {QStringLiteral("package:update")});
    QCOMPARE(secret.size(), 64);
    QCOMPARE(changed.size(), 1);
    const QVariantList list = controller.webhooks();
    QCOMPARE(list.size(), 1);
    const QVariantMap hook = list.first().toMap();
    QCOMPARE(hook.value(QStringLiteral("url")).toString(),
             QStringLiteral("https://hooks.example/depot"));
    QCOMPARE(hook.value(QStringLiteral("secretHint")).toString(), secret.left(4) + u'…');
    const QString id = hook.value(QStringLiteral("id")).toString();

    QVERIFY(dispatch.createPackage(
        NewPackage{QStringLiteral("Ada"), QStringLiteral("1 Long Road"), 51.5, -0.12, {}, {}, {}}));
    const QVariantList deliveries = controller.deliveries(id);
    QCOMPARE(deliveries.size(), 1);
    QCOMPARE(deliveries.first().toMap().value(QStringLiteral("state")).toString(),
             QStringLiteral("pending"));
    QCOMPARE(deliveries.first().toMap().value(QStringLiteral("event")).toString(),
             QStringLiteral("package:update"));

    QVERIFY(controller.remove(id));
    QCOMPARE(changed.size(), 2);
    QVERIFY(controller.webhooks().isEmpty());
    QVERIFY(!controller.remove(id));
    QCOMPARE(refused.size(), 2);
}

QTEST_GUILESS_MAIN(tst_WebhooksController)
#include "tst_webhookscontroller.moc"
