// The whole console window offscreen over a seeded dispatch service: it loads, its panels show
// the models, a package dragged onto a courier is assigned, a refused action shows its message.
// DEPOT_CONSOLE_SCREENSHOT=path.png saves what the window looks like (path.dark.png: dark).
#include "consolecontroller.h"
#include "couriermodel.h"
#include "dispatchfixture.h"
#include "packagefiltermodel.h"
#include "qrimageprovider.h"
#include "quickfind.h"

#include "api/authservice.h"

#include <QGeoCoordinate>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)
Q_IMPORT_QML_PLUGIN(Depot_ModelsPlugin)

using namespace depot;
using namespace Qt::StringLiterals;

class tst_ConsoleWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void loadsWithoutWarnings();
    void dragPackageOntoCourierAssigns();
    void refusedActionShowsItsMessage();
    void courierMenuTakesOffAndGivesANewPassword();
    void newCourierGetsTheirLinkOnceCreated();
    void destinationPickedOnTheMap();
    void newPackageTakesTheCustomersEmail();

private:
    QQuickItem *child(const QString &name) const;
    void seed();

    std::unique_ptr<DispatchFixture> m_f;
    std::unique_ptr<ConsoleController> m_controller;
    std::unique_ptr<QQmlApplicationEngine> m_engine;
    QQuickWindow *m_window = nullptr;
    QStringList m_warnings;
    QList<Courier> m_couriers;
    QList<Package> m_packages;
};

void tst_ConsoleWindow::initTestCase()
{
    QQuickStyle::setStyle(u"Fusion"_s);
}

void tst_ConsoleWindow::seed()
{
    // A small afternoon in Berlin.
    const QList<std::tuple<QString, QString, double, double>> couriers{
        {u"Ada Lovelace"_s, u"ada"_s, 52.5205, 13.4095},
        {u"Bob Kahn"_s, u"bob"_s, 52.5080, 13.3760},
        {u"Carla Meyer"_s, u"carla"_s, 52.5350, 13.4300},
        {u"Dev Patel"_s, u"dev"_s, 52.4990, 13.4200},
        {u"Emil Novak"_s, u"emil"_s, 0, 0},
    };
    for (const auto &[name, login, lat, lon] : couriers) {
        m_f->clock.advanceMs(1000);
        const Courier c = m_f->addCourier(name, login);
        if (lat != 0) {
            m_f->service.setCourierOnline(c.id, true);
            m_f->move(c.id, lat, lon, 45);
        }
        m_couriers << c;
    }
    const QList<std::tuple<QString, QString, double, double>> packages{
        {u"Grace Hopper"_s, u"Karl-Marx-Allee 90, 10243 Berlin"_s, 52.5178, 13.4380},
        {u"Alan Turing"_s, u"Friedrichstraße 43, 10117 Berlin"_s, 52.5070, 13.3900},
        {u"Edsger Dijkstra"_s, u"Schönhauser Allee 36, 10435 Berlin"_s, 52.5380, 13.4120},
        {u"Barbara Liskov"_s, u"Oranienstraße 25, 10999 Berlin"_s, 52.5010, 13.4190},
        {u"Donald Knuth"_s, u"Kastanienallee 7, 10435 Berlin"_s, 52.5360, 13.4070},
        {u"Margaret Hamilton"_s, u"Bergmannstraße 12, 10961 Berlin"_s, 52.4890, 13.3920},
        {u"Ken Thompson"_s, u"Torstraße 140, 10119 Berlin"_s, 52.5290, 13.4010},
    };
    for (const auto &[name, address, lat, lon] : packages)
        m_packages << m_f->addPackage(name, address, lat, lon);
    const Principal &d = m_f->dispatcher;
    QVERIFY(m_f->service.assign(d, m_packages[0].id, m_couriers[0].id));
    QVERIFY(m_f->service.start(d, m_packages[0].id));
    QVERIFY(m_f->service.assign(d, m_packages[1].id, m_couriers[1].id));
    QVERIFY(m_f->service.assign(d, m_packages[5].id, m_couriers[1].id));
    QVERIFY(m_f->service.start(d, m_packages[5].id));
    QVERIFY(m_f->service.complete(d, m_packages[5].id));
    QVERIFY(m_f->service.assign(d, m_packages[3].id, m_couriers[3].id));
    QVERIFY(m_f->service.start(d, m_packages[3].id));
    QVERIFY(m_f->service.fail(d, m_packages[3].id, u"nobody at home"_s));
    QVERIFY(m_f->service.cancel(d, m_packages[6].id, u"customer called"_s));
}

void tst_ConsoleWindow::init()
{
    m_f = std::make_unique<DispatchFixture>();
    m_couriers.clear();
    m_packages.clear();
    m_controller = std::make_unique<ConsoleController>(m_f->service, m_f->auth);
    m_controller->setPort(3000);
    seed();

    m_engine = std::make_unique<QQmlApplicationEngine>();
    m_engine->addImportPath(u"qrc:/qt/qml"_s);
    m_engine->addImageProvider(u"qr"_s, new QrImageProvider);
    m_warnings.clear();
    connect(m_engine.get(), &QQmlEngine::warnings, this, [this](const QList<QQmlError> &list) {
        for (const QQmlError &e : list)
            m_warnings << e.toString();
    });
    m_engine->setInitialProperties({{u"listeningUrl"_s, u"http://0.0.0.0:3000"_s},
                                    {u"generatedPassword"_s, QString()},
                                    {u"controller"_s, QVariant::fromValue(m_controller.get())}});
    m_engine->load(QUrl(u"qrc:/qt/qml/Depot/Console/Main.qml"_s));
    QVERIFY(!m_engine->rootObjects().isEmpty());
    m_window = qobject_cast<QQuickWindow *>(m_engine->rootObjects().constFirst());
    QVERIFY(m_window);
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
}

void tst_ConsoleWindow::cleanup()
{
    m_engine.reset();
    m_window = nullptr;
    m_controller.reset();
    m_f.reset();
}

QQuickItem *tst_ConsoleWindow::child(const QString &name) const
{
    // Header and footer hang off the window's content item's parent.
    QQuickItem *top = m_window->contentItem();
    while (top->parentItem())
        top = top->parentItem();
    return findItem(top, name);
}

void tst_ConsoleWindow::loadsWithoutWarnings()
{
    QQuickItem *packages = child(u"packageList"_s);
    QQuickItem *couriers = child(u"courierList"_s);
    QQuickItem *events = child(u"eventList"_s);
    QVERIFY(packages && couriers && events);
    QCOMPARE(packages->property("count").toInt(), m_packages.size());
    QCOMPARE(couriers->property("count").toInt(), m_couriers.size());
    QVERIFY(events->property("count").toInt() > 0);
    QVERIFY(child(u"addressesLabel"_s)->property("text").toString().contains(u":3000"_s));

    if (qEnvironmentVariableIsSet("DEPOT_CONSOLE_SCREENSHOT")) {
        const QString path = qEnvironmentVariable("DEPOT_CONSOLE_SCREENSHOT");
        QMetaObject::invokeMethod(child(u"mapPane"_s), "fitAll");
        child(u"packagesPanel"_s)->setProperty("currentIndex", 5);
        QTest::qWait(1200); // markers glide to their first fixes
        QVERIFY(m_window->grabWindow().save(path));
        // The same in dark, through the theme button.
        QQuickItem *button = child(u"themeButton"_s);
        QVERIFY(button);
        for (int i = 0; i < 2; ++i)
            QMetaObject::invokeMethod(button, "clicked");
        QTest::qWait(100);
        QString dark = path;
        dark.replace(u".png"_s, u".dark.png"_s);
        QVERIFY(m_window->grabWindow().save(dark));
        // The phone link of a new courier, with its QR code.
        auto *link = m_window->findChild<QObject *>(u"linkDialog"_s);
        QVERIFY(link);
        QMetaObject::invokeMethod(link, "show", Q_ARG(QVariant, u"Ada Lovelace"_s),
                                  Q_ARG(QVariant, m_controller->courierPageUrl(u"ada"_s)),
                                  Q_ARG(QVariant, u"k7mq2x9tpa"_s));
        QTest::qWait(400);
        QString linkPath = path;
        linkPath.replace(u".png"_s, u".link.png"_s);
        QVERIFY(m_window->grabWindow().save(linkPath));
    }
    QVERIFY2(m_warnings.isEmpty(), qPrintable(m_warnings.join(u'\n')));
}

void tst_ConsoleWindow::dragPackageOntoCourierAssigns()
{
    // The newest package (Ken Thompson's) is cancelled; Donald Knuth's is PENDING, row 2.
    const Package &pending = m_packages[4];
    const Courier &carla = m_couriers[2];
    QCOMPARE(m_controller->packageFilter()->rowOf(pending.id), 2);
    QQuickItem *packages = child(u"packageList"_s);
    QQuickItem *couriers = child(u"courierList"_s);
    QTRY_VERIFY(packages->property("contentItem").value<QQuickItem *>()->childItems().size() > 2);

    // Rows are Theme.rowHeight apart from the top of each list's content.
    const double rowHeight = 56;
    const QPoint from =
        packages->mapToScene(QPointF(packages->width() / 2, 2.5 * rowHeight)).toPoint();
    const QPoint to =
        couriers->mapToScene(QPointF(couriers->width() / 3, 2.5 * rowHeight)).toPoint();
    QTest::mousePress(m_window, Qt::LeftButton, {}, from);
    for (int i = 1; i <= 20; ++i)
        QTest::mouseMove(m_window, from + (to - from) * i / 20, 5);
    QTest::mouseRelease(m_window, Qt::LeftButton, {}, to);
    QTRY_COMPARE(m_f->service.findPackage(pending.id)->status, PackageStatus::Assigned);
    QCOMPARE(m_f->service.findPackage(pending.id)->deliveryPersonId, carla.id);
    QVERIFY2(m_warnings.isEmpty(), qPrintable(m_warnings.join(u'\n')));
}

void tst_ConsoleWindow::refusedActionShowsItsMessage()
{
    QQuickItem *banner = child(u"errorBanner"_s);
    QVERIFY(banner);
    QVERIFY(!banner->isVisible());
    QVERIFY(!m_controller->complete(m_packages[2].id)); // PENDING
    QTRY_VERIFY(banner->isVisible());
    QCOMPARE(banner->property("message").toString(),
             u"This package is pending, so it cannot be marked delivered."_s);
}

void tst_ConsoleWindow::courierMenuTakesOffAndGivesANewPassword()
{
    // The first row is Ada's.
    const Courier &ada = m_couriers[0];
    QQuickItem *couriers = child(u"courierList"_s);
    QTRY_VERIFY(couriers->property("contentItem").value<QQuickItem *>()->childItems().size() > 1);
    QQuickItem *menuButton = child(u"courierMenuButton"_s);
    QQuickItem *state = child(u"courierStateLabel"_s);
    QVERIFY(menuButton && state);
    QVERIFY(state->property("text").toString() != u"Inactive"_s);
    auto trigger = [&](const QString &itemName) {
        QMetaObject::invokeMethod(menuButton, "clicked");
        QQuickItem *item = nullptr;
        QTRY_VERIFY((item = child(itemName)) && item->isVisible());
        QMetaObject::invokeMethod(item, "triggered");
    };

    trigger(u"toggleActiveItem"_s);
    QTRY_VERIFY(!m_f->service.findCourier(ada.id)->active);
    QTRY_COMPARE(state->property("text").toString(), u"Inactive"_s);
    trigger(u"toggleActiveItem"_s);
    QTRY_VERIFY(m_f->service.findCourier(ada.id)->active);
    QTRY_VERIFY(state->property("text").toString() != u"Inactive"_s);

    const QString before = m_f->store.userById(ada.id)->passwordHash;
    trigger(u"changePasswordItem"_s);
    QQuickItem *field = nullptr;
    QTRY_VERIFY((field = child(u"newPasswordField"_s)) && field->isVisible());
    QVERIFY(!field->property("text").toString().isEmpty()); // a generated one to start with
    field->setProperty("text", u"brand new"_s);
    QQuickItem *confirm = child(u"confirmPasswordButton"_s);
    QVERIFY(confirm);
    QMetaObject::invokeMethod(confirm, "clicked");
    QTRY_VERIFY(m_f->store.userById(ada.id)->passwordHash != before);
    QVERIFY(AuthService::verifyPassword(u"brand new"_s, m_f->store.userById(ada.id)->passwordHash));
    // The phone link shows the new password.
    auto *link = m_window->findChild<QObject *>(u"linkDialog"_s);
    QVERIFY(link);
    QTRY_VERIFY(link->property("visible").toBool());
    QVERIFY2(m_warnings.isEmpty(), qPrintable(m_warnings.join(u'\n')));
}

void tst_ConsoleWindow::newCourierGetsTheirLinkOnceCreated()
{
    auto *dialog = m_window->findChild<QObject *>(u"addCourierDialog"_s);
    auto *link = m_window->findChild<QObject *>(u"linkDialog"_s);
    QQuickItem *banner = child(u"errorBanner"_s);
    QVERIFY(dialog && link && banner);
    auto create = [dialog](const QString &name, const QString &login) {
        return QMetaObject::invokeMethod(dialog, "createRequested", Q_ARG(QString, name),
                                         Q_ARG(QString, login), Q_ARG(QString, u"first pw"_s),
                                         Q_ARG(QString, QString()), Q_ARG(QString, QString()));
    };

    // A login that is taken is refused once hashed: no link, the banner says why.
    QVERIFY(create(u"Ada Again"_s, u"ada"_s));
    QTRY_VERIFY(banner->isVisible());
    QCOMPARE(banner->property("message").toString(), u"The login ada is taken."_s);
    QVERIFY(!link->property("visible").toBool());

    // The next one shows its own link, not the refused one's.
    QVERIFY(create(u"Grace Hopper"_s, u"grace"_s));
    QTRY_VERIFY(link->property("visible").toBool());
    QCOMPARE(link->property("name").toString(), u"Grace Hopper"_s);
    QVERIFY(link->property("url").toString().endsWith(u"/courier?u=grace"_s));
    QCOMPARE(link->property("password").toString(), u"first pw"_s);
    QCOMPARE(m_f->service.couriers().size(), size_t(m_couriers.size() + 1));
    QVERIFY2(m_warnings.isEmpty(), qPrintable(m_warnings.join(u'\n')));
}

void tst_ConsoleWindow::destinationPickedOnTheMap()
{
    auto *dialog = m_window->findChild<QObject *>(u"newPackageDialog"_s);
    QVERIFY(dialog);
    QVERIFY(QMetaObject::invokeMethod(dialog, "pickRequested"));
    QVERIFY(m_window->property("pickingDestination").toBool());
    QVERIFY(!dialog->property("visible").toBool());

    QQuickItem *pane = child(u"mapPane"_s);
    auto *map = pane->property("map").value<QQuickItem *>();
    QVERIFY(map);
    const QPointF spot(map->width() / 2 + 37, map->height() / 2 - 21);
    QGeoCoordinate expected;
    QVERIFY(QMetaObject::invokeMethod(map, "coordinateAt", Q_RETURN_ARG(QGeoCoordinate, expected),
                                      Q_ARG(QPointF, spot)));
    QTest::mouseClick(m_window, Qt::LeftButton, {}, map->mapToScene(spot).toPoint());
    QTRY_VERIFY(dialog->property("visible").toBool());
    QVERIFY(!m_window->property("pickingDestination").toBool());
    QCOMPARE(dialog->property("latitude").toDouble(), expected.latitude());
    QCOMPARE(dialog->property("longitude").toDouble(), expected.longitude());
    QVERIFY(dialog->property("hasDestination").toBool());
}

void tst_ConsoleWindow::newPackageTakesTheCustomersEmail()
{
    auto *dialog = m_window->findChild<QObject *>(u"newPackageDialog"_s);
    QVERIFY(dialog);
    auto *email = dialog->findChild<QObject *>(u"recipientEmailField"_s);
    QVERIFY(email);
    QVERIFY(email->setProperty("text", u"grace@example.com"_s));
    const qsizetype before = m_f->service.packages(m_f->dispatcher, PackageFilter{}).size();
    QVERIFY(QMetaObject::invokeMethod(dialog, "createRequested", Q_ARG(QString, u"Grace"_s),
                                      Q_ARG(QString, u"1 Navy Yard"_s), Q_ARG(double, 52.5),
                                      Q_ARG(double, 13.4), Q_ARG(QString, QString())));
    std::vector<Package> now;
    QTRY_VERIFY((now = m_f->service.packages(m_f->dispatcher, PackageFilter{})).size() ==
                size_t(before + 1));
    const auto created = std::find_if(
        now.begin(), now.end(), [](const Package &p) { return p.recipientName == u"Grace"_s; });
    QVERIFY(created != now.end());
    QCOMPARE(created->recipientEmail, u"grace@example.com"_s);
    QVERIFY2(m_warnings.isEmpty(), qPrintable(m_warnings.join(u'\n')));
}

QTEST_MAIN(tst_ConsoleWindow)
#include "tst_consolewindow.moc"
