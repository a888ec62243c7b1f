// ConsoleController: actions through the dispatch service as a dispatcher, refusals worded in
// the console's language, the nearest free courier, and the status bar's facts.
#include "consolecontroller.h"
#include "consolelanguage.h"
#include "couriermodel.h"
#include "dispatchfixture.h"
#include "hub.h"
#include "loopbackhub.h"
#include "packagefiltermodel.h"
#include "packagemodel.h"
#include "proofimageprovider.h"

#include "api/authservice.h"
#include "core/prooffiles.h"

#include <QBuffer>
#include <QDir>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrlQuery>

using namespace depot;
using namespace Qt::StringLiterals;

class tst_ConsoleController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void driveAPackageToTheEnd();
    void refusedActionReportsWhy_data();
    void refusedActionReportsWhy();
    void refusalsSpeakTheConsoleLanguage();
    void failNeedsAReason();
    void createPackageChecksItsFields();
    void createPackageWithTheCustomersEmail();
    void createCourierAndTheirPhoneLink();
    void phoneLinksUseHttpsWithTls();
    void duplicateLoginIsRefused();
    void deactivateAndReactivateACourier();
    void changeACouriersPassword();
    void suggestsTheNearestFreeCourier();
    void eventsPerMinute();
    void modelsAreWired();
    void showsTheProofOfDelivery();
};

void tst_ConsoleController::driveAPackageToTheEnd()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    const Courier ada = f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    const Courier bob = f.addCourier(QStringLiteral("Bob"), QStringLiteral("bob"));
    const QString id =
        controller.createPackage(u" Grace "_s, u"1 Navy Yard"_s, 52.5, 13.4, u"ring twice"_s);
    QVERIFY(!id.isEmpty());
    const Package *p = f.service.findPackage(id);
    QVERIFY(p);
    QCOMPARE(p->recipientName, u"Grace"_s);
    QCOMPARE(p->notes, u"ring twice"_s);
    QCOMPARE(p->status, PackageStatus::Pending);

    QVERIFY(controller.assign(id, ada.id));
    QCOMPARE(p->status, PackageStatus::Assigned);
    QVERIFY(controller.assign(id, bob.id)); // reassign
    QCOMPARE(p->deliveryPersonId, bob.id);
    QVERIFY(controller.start(id));
    QCOMPARE(p->status, PackageStatus::InProgress);
    QVERIFY(controller.complete(id));
    QCOMPARE(p->status, PackageStatus::Completed);
    QCOMPARE(errors.count(), 0);

    const QString other = controller.createPackage(u"Alan"_s, u"2 Park"_s, 52.5, 13.4);
    QVERIFY(controller.cancel(other, u"customer called"_s));
    QCOMPARE(f.service.findPackage(other)->status, PackageStatus::Cancelled);
    QCOMPARE(f.service.findPackage(other)->reason, u"customer called"_s);
    QCOMPARE(errors.count(), 0);
}

void tst_ConsoleController::refusedActionReportsWhy_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("message");
    QTest::newRow("complete pending")
        << u"complete"_s << u"This package is pending, so it cannot be marked delivered."_s;
    QTest::newRow("start pending")
        << u"start"_s << u"This package is pending, so its delivery cannot be started."_s;
    QTest::newRow("fail pending")
        << u"fail"_s << u"This package is pending, so its delivery cannot be marked failed."_s;
    QTest::newRow("unknown courier") << u"assign"_s << u"That courier no longer exists."_s;
    QTest::newRow("unknown package") << u"startMissing"_s << u"That package no longer exists."_s;
}

void tst_ConsoleController::refusedActionReportsWhy()
{
    QFETCH(QString, action);
    QFETCH(QString, message);
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    const Package p = f.addPackage(u"Grace"_s, u"1 Navy Yard"_s);
    bool ok = true;
    if (action == u"complete")
        ok = controller.complete(p.id);
    else if (action == u"start")
        ok = controller.start(p.id);
    else if (action == u"fail")
        ok = controller.fail(p.id, u"why"_s);
    else if (action == u"assign")
        ok = controller.assign(p.id, newId());
    else if (action == u"startMissing")
        ok = controller.start(newId());
    QVERIFY(!ok);
    QCOMPARE(errors.count(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), message);
    QCOMPARE(controller.lastError(), message);
    QCOMPARE(f.service.findPackage(p.id)->status, PackageStatus::Pending);
}

void tst_ConsoleController::refusalsSpeakTheConsoleLanguage()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    const Courier ada = f.addCourier(u"Ada"_s, u"ada"_s);
    const Package p = f.addPackage(u"Grace"_s, u"1 Navy Yard"_s);
    QVERIFY(controller.assign(p.id, ada.id));
    QVERIFY(controller.start(p.id));
    QVERIFY(controller.complete(p.id));

    ConsoleLanguage german;
    QVERIFY(german.load(u"de"_s));
    german.install(QCoreApplication::instance());
    QVERIFY(!controller.cancel(p.id, QString()));
    QCOMPARE(controller.lastError(),
             u"Dieses Paket ist zugestellt und kann daher nicht storniert werden."_s);
    QVERIFY(!controller.assign(p.id, ada.id));
    QCOMPARE(controller.lastError(),
             u"Dieses Paket ist zugestellt und kann daher nicht zugewiesen werden."_s);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    QVERIFY(controller.createCourier(u"Ada 2"_s, u"ada"_s, u"pw"_s, {}, {}));
    QVERIFY(errors.wait(5000));
    QCOMPARE(controller.lastError(), u"Der Benutzername ada ist schon vergeben."_s);
    QCOMPARE(f.service.findPackage(p.id)->status, PackageStatus::Completed);

    // What REST sends stays the contract's English sentence.
    const auto refused = f.service.cancel(f.dispatcher, p.id, QString());
    QVERIFY(!refused);
    QCOMPARE(refused.error().message, u"package is COMPLETED; it cannot be cancelled"_s);
}

void tst_ConsoleController::failNeedsAReason()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    const Courier ada = f.addCourier(u"Ada"_s, u"ada"_s);
    const Package p = f.addPackage(u"Grace"_s, u"1 Navy Yard"_s);
    QVERIFY(controller.assign(p.id, ada.id));
    QVERIFY(!controller.fail(p.id, u"   "_s));
    QCOMPARE(errors.count(), 1);
    QCOMPARE(f.service.findPackage(p.id)->status, PackageStatus::Assigned);
    QVERIFY(controller.fail(p.id, u"dog in the garden"_s));
    QCOMPARE(f.service.findPackage(p.id)->status, PackageStatus::Failed);
}

void tst_ConsoleController::createPackageChecksItsFields()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    QVERIFY(controller.createPackage(QString(), u"1 Navy Yard"_s, 52.5, 13.4).isEmpty());
    QVERIFY(controller.createPackage(u"Grace"_s, u"  "_s, 52.5, 13.4).isEmpty());
    QVERIFY(controller.createPackage(u"Grace"_s, u"1 Navy Yard"_s, 91, 13.4).isEmpty());
    QCOMPARE(errors.count(), 3);
    QCOMPARE(errors.at(2).at(0).toString(), u"The destination is not a valid coordinate."_s);
    QCOMPARE(controller.packages()->rowCount(), 0);
}

void tst_ConsoleController::createPackageWithTheCustomersEmail()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    const QString id = controller.createPackage(u"Grace"_s, u"1 Navy Yard"_s, 52.5, 13.4, {},
                                                u" grace@example.com "_s);
    QVERIFY(!id.isEmpty());
    QCOMPARE(f.service.findPackage(id)->recipientEmail, u"grace@example.com"_s);
    QVERIFY(controller.createPackage(u"Grace"_s, u"1 Navy Yard"_s, 52.5, 13.4, {}, u"grace"_s)
                .isEmpty());
    QCOMPARE(errors.count(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), u"The e-mail address is not valid."_s);
    QCOMPARE(controller.packages()->rowCount(), 1);
}

void tst_ConsoleController::createCourierAndTheirPhoneLink()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    controller.setPort(3000);
    QVERIFY(!controller.lanAddresses().isEmpty());
    for (const QString &address : controller.lanAddresses())
        QVERIFY2(address.startsWith(u"http://"_s) && address.endsWith(u":3000"_s),
                 qPrintable(address));
    const QString password = ConsoleController::generatePassword();
    QCOMPARE(password.size(), 10);
    QSignalSpy created(&controller, &ConsoleController::courierCreated);
    QVERIFY(controller.createCourier(u"Ada Lovelace"_s, u"ada"_s, password, u"+44 1"_s,
                                     u"tracker-7"_s));
    QVERIFY(created.wait(5000));
    const QString id = created.at(0).at(0).toString();
    QCOMPARE(created.at(0).at(1).toString(), u"ada"_s);
    const Courier *c = f.service.findCourier(id);
    QVERIFY(c);
    QCOMPARE(c->username, u"ada"_s);
    QCOMPARE(c->deviceId, u"tracker-7"_s);
    QCOMPARE(controller.couriers()->rowCount(), 1);

    const QUrl url(controller.courierPageUrl(u"ada"_s));
    QCOMPARE(url.scheme(), u"http"_s);
    QCOMPARE(url.port(), 3000);
    QCOMPARE(url.path(), u"/courier"_s);
    QCOMPARE(QUrlQuery(url).queryItemValue(u"u"_s), u"ada"_s);
    QCOMPARE(url.toString(QUrl::RemovePath | QUrl::RemoveQuery),
             controller.lanAddresses().constFirst());
}

void tst_ConsoleController::phoneLinksUseHttpsWithTls()
{
    QTemporaryDir dataDir;
    HubConfig config = test::loopbackHubConfig(dataDir.path(), u"console-tls"_s);
    config.tlsSelfSigned = true; // made with the openssl command
    Hub hub(config);
    const auto error = hub.start();
    QVERIFY2(!error, qPrintable(error ? error->message : QString()));
    ConsoleController controller(hub.dispatch(), hub.auth());
    QCOMPARE(controller.tlsFingerprint(), QString());
    controller.setHub(&hub);

    QCOMPARE(controller.lanAddresses(), QStringList{u"https://127.0.0.1:%1"_s.arg(hub.port())});
    const QUrl url(controller.courierPageUrl(u"ada"_s));
    QCOMPARE(url.scheme(), u"https"_s);
    QCOMPARE(url.port(), int(hub.port()));
    // What the console shows beside the link is the certificate the port presents.
    QCOMPARE(controller.tlsFingerprint(), hub.tlsFingerprint());
    QCOMPARE(controller.tlsFingerprint().size(), 32 * 3 - 1);
}

void tst_ConsoleController::duplicateLoginIsRefused()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    QSignalSpy created(&controller, &ConsoleController::courierCreated);
    QVERIFY(controller.createCourier(u"Ada"_s, u"ada"_s, u"pw"_s, {}, {}));
    QVERIFY(created.wait(5000));
    QVERIFY(controller.createCourier(u"Ada 2"_s, u"ada"_s, u"pw"_s, {}, {}));
    QVERIFY(errors.wait(5000));
    QVERIFY(!controller.createCourier(u"Ada 3"_s, u"ada three"_s, u"pw"_s, {}, {}));
    QVERIFY(!controller.createCourier(u"Ada 4"_s, u"ada4"_s, QString(), {}, {}));
    QCOMPARE(errors.count(), 3);
    QCOMPARE(errors.at(0).at(0).toString(), u"The login ada is taken."_s);
    QCOMPARE(f.service.couriers().size(), size_t(1));
}

void tst_ConsoleController::deactivateAndReactivateACourier()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    const Courier ada = f.addCourier(u"Ada"_s, u"ada"_s);
    const QByteArray token(32, 't');
    QVERIFY(f.store.insertToken(token, ada.id, f.clock.now()));
    QSignalSpy ended(&f.service, &DispatchService::courierAccessEnded);
    QSignalSpy changed(controller.couriers(), &QAbstractItemModel::dataChanged);
    const QModelIndex row = controller.couriers()->index(controller.couriers()->rowOf(ada.id));
    QCOMPARE(row.data(CourierModel::ActiveRole).toBool(), true);

    QVERIFY(controller.setCourierActive(ada.id, false));
    QCOMPARE(ended.count(), 1);
    QVERIFY(!f.service.findCourier(ada.id)->active);
    QVERIFY(!f.store.tokenByHash(token));
    QVERIFY(!changed.isEmpty());
    QCOMPARE(row.data(CourierModel::ActiveRole).toBool(), false);

    QVERIFY(controller.setCourierActive(ada.id, true));
    QVERIFY(f.service.findCourier(ada.id)->active);
    QCOMPARE(row.data(CourierModel::ActiveRole).toBool(), true);
    QCOMPARE(ended.count(), 1); // coming back ends nothing

    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    QVERIFY(!controller.setCourierActive(newId(), false));
    QCOMPARE(errors.count(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), u"That courier no longer exists."_s);
}

void tst_ConsoleController::changeACouriersPassword()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    const Courier ada = f.addCourier(u"Ada"_s, u"ada"_s);
    const QByteArray token(32, 't');
    QVERIFY(f.store.insertToken(token, ada.id, f.clock.now()));
    QSignalSpy done(&controller, &ConsoleController::courierPasswordChanged);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);

    QVERIFY(controller.changeCourierPassword(ada.id, u"new secret"_s));
    QVERIFY(done.wait(5000));
    QCOMPARE(done.at(0).at(0).toString(), ada.id);
    const QString hash = f.store.userById(ada.id)->passwordHash;
    QVERIFY2(hash.startsWith(u"$argon2id$"_s), qPrintable(hash));
    QVERIFY(AuthService::verifyPassword(u"new secret"_s, hash));
    QVERIFY(!f.store.tokenByHash(token)); // logged out everywhere
    QVERIFY(f.service.findCourier(ada.id)->active);

    QVERIFY(!controller.changeCourierPassword(ada.id, QString()));
    QVERIFY(!controller.changeCourierPassword(ada.id, QString(257, u'x')));
    QVERIFY(!controller.changeCourierPassword(newId(), u"pw"_s));
    QCOMPARE(errors.count(), 3);
    QCOMPARE(errors.at(2).at(0).toString(), u"That courier no longer exists."_s);
    QCOMPARE(done.count(), 1);
}

void tst_ConsoleController::suggestsTheNearestFreeCourier()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    // The package is in central Berlin; couriers at increasing distances.
    const Package p = f.addPackage(u"Grace"_s, u"Alexanderplatz"_s, 52.5219, 13.4132);
    const Courier near = f.addCourier(u"Near"_s, u"near"_s);
    const Courier middle = f.addCourier(u"Middle"_s, u"middle"_s);
    const Courier far = f.addCourier(u"Far"_s, u"far"_s);
    const Courier nowhere = f.addCourier(u"Nowhere"_s, u"nowhere"_s);
    f.move(near.id, 52.5225, 13.4140);   // ~80 m
    f.move(middle.id, 52.5300, 13.4200); // ~1 km
    f.move(far.id, 52.4000, 13.0000);    // ~30 km
    for (const Courier &c : {near, middle, far, nowhere})
        f.service.setCourierOnline(c.id, true);
    QCOMPARE(controller.suggestCourier(p.id), near.id);

    // Busy (a package IN_PROGRESS) is not free; only assigned still is.
    const Package other = f.addPackage(u"Alan"_s, u"Somewhere"_s);
    QVERIFY(controller.assign(other.id, near.id));
    QCOMPARE(controller.suggestCourier(p.id), near.id);
    QVERIFY(controller.start(other.id));
    QCOMPARE(controller.suggestCourier(p.id), middle.id);

    // Offline is not free either.
    f.service.setCourierOnline(middle.id, false);
    QCOMPARE(controller.suggestCourier(p.id), far.id);
    f.service.setCourierOnline(far.id, false);
    QCOMPARE(controller.suggestCourier(p.id), QString()); // "nowhere" has no position
    QCOMPARE(controller.suggestCourier(newId()), QString());
}

void tst_ConsoleController::eventsPerMinute()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    const Courier ada = f.addCourier(u"Ada"_s, u"ada"_s);
    QCOMPARE(controller.eventsPerMinute(), 0);
    const Package p = f.addPackage(u"Grace"_s, u"1 Navy Yard"_s); // package:update
    QVERIFY(controller.assign(p.id, ada.id)); // delivery:assigned + package:update
    f.service.setCourierOnline(ada.id, true); // courier:update
    f.move(ada.id, 52.5, 13.4);               // location:update
    QCOMPARE(controller.eventsPerMinute(), 5);
    f.clock.advanceMs(30 * 1000);
    QCOMPARE(controller.eventsPerMinute(), 5);
    f.clock.advanceMs(60 * 1000);
    QCOMPARE(controller.eventsPerMinute(), 0);
}

void tst_ConsoleController::modelsAreWired()
{
    DispatchFixture f;
    f.addPackage(u"Grace"_s, u"1 Navy Yard"_s);
    ConsoleController controller(f.service, f.auth);
    QCOMPARE(controller.packages()->rowCount(), 1);
    QCOMPARE(controller.packageFilter()->sourceModel(), controller.packages());
    QCOMPARE(controller.packageFilter()->rowCount(), 1);
    QCOMPARE(controller.connectedClients(), 0);
}

void tst_ConsoleController::showsTheProofOfDelivery()
{
    QTemporaryDir dataDir;
    Hub hub(test::loopbackHubConfig(dataDir.path(), u"console-proof"_s));
    const auto error = hub.start();
    QVERIFY2(!error, qPrintable(error ? error->message : QString()));
    ConsoleController controller(hub.dispatch(), hub.auth());
    controller.setHub(&hub);
    ProofImageProvider images;
    controller.setProofImages(&images);

    const auto courier = hub.dispatch().createCourier(
        NewCourier{u"Ada"_s, u"ada"_s, u"hash"_s, QString(), QString()});
    QVERIFY(courier);
    const auto pkg = hub.dispatch().createPackage(
        NewPackage{u"Grace"_s, u"1 Navy Way"_s, 51.5, -0.1, {}, {}, {}});
    QVERIFY(pkg);
    QVERIFY(controller.assign(pkg->id, courier->id));
    QVERIFY(controller.proof(pkg->id).isEmpty());

    // A photo as the courier's upload leaves it: a file of the data dir, named in the proof.
    QImage photo(40, 30, QImage::Format_RGB32);
    photo.fill(Qt::darkGreen);
    QByteArray png;
    QBuffer buffer(&png);
    QVERIFY(photo.save(&buffer, "PNG"));
    ProofFiles files(QDir(dataDir.path()).filePath(u"proofs"_s));
    const auto hash = files.put(png);
    QVERIFY(hash);
    Proof proof;
    proof.recipientName = u"Grace (neighbour)"_s;
    proof.note = u"left next door"_s;
    proof.photos = {ProofImage{u"image/png"_s, *hash, *hash, png.size()}};
    const Principal asCourier{Role::Courier, courier->id, {}, u"ada"_s, u"Ada"_s, {}};
    const auto stored = hub.dispatch().saveProof(asCourier, pkg->id, proof);
    QVERIFY2(stored, qPrintable(stored ? QString() : stored.error().message));

    const QVariantMap shown = controller.proof(pkg->id);
    QCOMPARE(shown.value(u"recipientName"_s).toString(), u"Grace (neighbour)"_s);
    QCOMPARE(shown.value(u"note"_s).toString(), u"left next door"_s);
    QCOMPARE(shown.value(u"signature"_s).toString(), QString());
    const QString url = u"image://proof/%1/photos/1"_s.arg(stored->id);
    QCOMPARE(shown.value(u"photos"_s).toList(), QVariantList{url});
    QSize size;
    const QImage thumbnail =
        images.requestImage(url.mid(u"image://proof/"_s.size()), &size, QSize(20, 20));
    QCOMPARE(size, QSize(40, 30));
    QCOMPARE(thumbnail.size(), QSize(20, 15));
    QCOMPARE(thumbnail.pixelColor(10, 7), QColor(Qt::darkGreen));
}

QTEST_GUILESS_MAIN(tst_ConsoleController)
#include "tst_consolecontroller.moc"
