// The console's Webhooks page in the whole window, offscreen: opened from the header, it lists
// the webhooks and their deliveries, and adds one through its form.
#include "dispatchfixture.h"
#include "loadedconsole.h"
#include "outbox/webhookservice.h"
#include "quickfind.h"
#include "webhookscontroller.h"

#include <QQuickStyle>
#include <QTest>

using namespace depot;
using namespace Qt::StringLiterals;

class tst_WebhooksPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QQuickStyle::setStyle(u"Fusion"_s); }
    void listsAddsAndShowsDeliveries();
};

void tst_WebhooksPage::listsAddsAndShowsDeliveries()
{
    DispatchFixture f;
    WebhookService service(f.store, f.clock);
    f.service.addOutboxProducer(&service);
    ConsoleController controller(f.service, f.auth);
    WebhooksController webhooks(service);
    QVERIFY(!webhooks.add(u"https://hooks.example/depot"_s, {u"package:update"_s}).isEmpty());
    f.addPackage(u"Grace Hopper"_s, u"Unter den Linden 1"_s);

    LoadedConsole console(controller);
    QVERIFY(console.window);
    console.window->setProperty("webhooks", QVariant::fromValue(&webhooks));
    console.window->show();
    QVERIFY(QTest::qWaitForWindowExposed(console.window));
    QQuickItem *button = findItem(console.top(), u"webhooksButton"_s);
    QVERIFY(button && button->isVisible());
    QMetaObject::invokeMethod(button, "clicked");
    auto *dialog = console.window->findChild<QObject *>(u"webhooksDialog"_s);
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->property("opened").toBool());
    QTRY_VERIFY(console.visibleTexts().join(u'\n').contains(u"https://hooks.example/depot"_s));
    QVERIFY(console.visibleTexts().join(u'\n').contains(u"package:update"_s));
    QVERIFY(console.visibleTexts().join(u'\n').contains(u"waiting to be retried"_s));

    // Through the form: the new webhook is stored and its secret shown once.
    QQuickItem *url = findItem(console.top(), u"webhookUrlField"_s);
    QVERIFY(url);
    url->setProperty("text", u"http://127.0.0.1:8080/in"_s);
    QMetaObject::invokeMethod(findItem(console.top(), u"addWebhookButton"_s), "clicked");
    QCOMPARE(webhooks.webhooks().size(), 2);
    QCOMPARE(findItem(console.top(), u"webhookList"_s)->property("count").toInt(), 2);
    if (qEnvironmentVariableIsSet("DEPOT_WEBHOOKS_SCREENSHOT")) {
        QTest::qWait(300);
        QVERIFY(
            console.window->grabWindow().save(qEnvironmentVariable("DEPOT_WEBHOOKS_SCREENSHOT")));
    }
    QVERIFY2(console.warnings.isEmpty(), qPrintable(console.warnings.join(u'\n')));
}

QTEST_MAIN(tst_WebhooksPage)
#include "tst_webhookspage.moc"
