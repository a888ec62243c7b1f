// CourierModel on a real dispatch service: positions, online state and load, each as a change
// of one row; the roles MarkerLayer reads.
#include "couriermodel.h"
#include "dispatchfixture.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

using namespace depot;
using namespace Qt::StringLiterals;

class tst_CourierModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void loadsAndAppends();
    void moveChangesOnlyItsRow();
    void onlineAndState();
    void currentPackageFollowsAssignments();
    void noFixNoPosition();
};

void tst_CourierModel::loadsAndAppends()
{
    DispatchFixture f;
    f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    CourierModel model(f.service);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 1);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    f.clock.advanceMs(1000);
    const Courier bob = f.addCourier(QStringLiteral("Bob"), QStringLiteral("bob"));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowOf(bob.id), 1);
    const QModelIndex row = model.index(1);
    QCOMPARE(row.data(CourierModel::NameRole).toString(), u"Bob"_s);
    QCOMPARE(row.data(CourierModel::LabelRole).toString(), u"Bob"_s);
    QCOMPARE(row.data(CourierModel::UsernameRole).toString(), u"bob"_s);
    QCOMPARE(row.data(CourierModel::StateRole).toString(), u"offline"_s);
    const auto names = model.roleNames().values();
    for (const char *role : {"id", "courierId", "latitude", "longitude", "heading", "state",
                             "label", "online", "currentPackageId", "lastSeen"})
        QVERIFY2(names.contains(role), role);
}

void tst_CourierModel::moveChangesOnlyItsRow()
{
    DispatchFixture f;
    f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    f.clock.advanceMs(1000);
    const Courier bob = f.addCourier(QStringLiteral("Bob"), QStringLiteral("bob"));
    CourierModel model(f.service);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy layout(&model, &QAbstractItemModel::layoutChanged);

    f.move(bob.id, 52.5, 13.4, 270);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(layout.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex(), model.index(1));
    QCOMPARE(changed.at(0).at(1).toModelIndex(), model.index(1));
    const auto roles = changed.at(0).at(2).value<QList<int>>();
    QVERIFY(roles.contains(CourierModel::LatitudeRole));
    QVERIFY(roles.contains(CourierModel::LongitudeRole));
    QVERIFY(roles.contains(CourierModel::HeadingRole));
    QVERIFY(!roles.contains(CourierModel::NameRole));
    const QModelIndex row = model.index(1);
    QCOMPARE(row.data(CourierModel::LatitudeRole).toDouble(), 52.5);
    QCOMPARE(row.data(CourierModel::LongitudeRole).toDouble(), 13.4);
    QCOMPARE(row.data(CourierModel::HeadingRole).toDouble(), 270.0);
    QCOMPARE(row.data(CourierModel::LastSeenRole).toDateTime(), f.clock.now());
}

void tst_CourierModel::onlineAndState()
{
    DispatchFixture f;
    const Courier ada = f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    CourierModel model(f.service);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy online(&model, &CourierModel::onlineCountChanged);
    QCOMPARE(model.onlineCount(), 0);

    f.clock.advanceMs(5000);
    f.service.setCourierOnline(ada.id, true);
    QCOMPARE(online.count(), 1);
    QCOMPARE(model.onlineCount(), 1);
    const QModelIndex row = model.index(0);
    QCOMPARE(row.data(CourierModel::OnlineRole).toBool(), true);
    QCOMPARE(row.data(CourierModel::StateRole).toString(), u"free"_s);
    QCOMPARE(row.data(CourierModel::LastSeenRole).toDateTime(), f.clock.now());

    const Package p = f.addPackage(QStringLiteral("R"), QStringLiteral("1 Main St"));
    QVERIFY(f.service.assign(f.dispatcher, p.id, ada.id));
    QCOMPARE(row.data(CourierModel::StateRole).toString(), u"free"_s); // assigned is not busy
    QVERIFY(f.service.start(f.dispatcher, p.id));
    QCOMPARE(row.data(CourierModel::StateRole).toString(), u"busy"_s);
    f.service.setCourierOnline(ada.id, false);
    QCOMPARE(row.data(CourierModel::StateRole).toString(), u"offline"_s);
    QCOMPARE(model.onlineCount(), 0);
}

void tst_CourierModel::currentPackageFollowsAssignments()
{
    DispatchFixture f;
    const Courier ada = f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    f.clock.advanceMs(1000);
    const Courier bob = f.addCourier(QStringLiteral("Bob"), QStringLiteral("bob"));
    const Package first = f.addPackage(QStringLiteral("A"), QStringLiteral("1 Main St"));
    const Package second = f.addPackage(QStringLiteral("B"), QStringLiteral("2 Main St"));
    CourierModel model(f.service);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QModelIndex adaRow = model.index(model.rowOf(ada.id));
    const QModelIndex bobRow = model.index(model.rowOf(bob.id));

    QVERIFY(f.service.assign(f.dispatcher, first.id, ada.id));
    QVERIFY(f.service.assign(f.dispatcher, second.id, ada.id));
    QVERIFY(f.service.start(f.dispatcher, second.id));
    // The IN_PROGRESS package is the current one, whatever was assigned first.
    QCOMPARE(adaRow.data(CourierModel::CurrentPackageIdRole).toString(), second.id);
    QCOMPARE(adaRow.data(CourierModel::CurrentTrackingCodeRole).toString(), second.trackingCode);
    QCOMPARE(adaRow.data(CourierModel::CarriedCountRole).toInt(), 2);

    // A reassignment updates the courier it was taken from too.
    QVERIFY(f.service.assign(f.dispatcher, first.id, bob.id));
    QCOMPARE(adaRow.data(CourierModel::CarriedCountRole).toInt(), 1);
    QCOMPARE(bobRow.data(CourierModel::CurrentPackageIdRole).toString(), first.id);
    QVERIFY(f.service.complete(f.dispatcher, second.id));
    QCOMPARE(adaRow.data(CourierModel::CurrentPackageIdRole).toString(), QString());
    QCOMPARE(adaRow.data(CourierModel::CarriedCountRole).toInt(), 0);
}

void tst_CourierModel::noFixNoPosition()
{
    DispatchFixture f;
    f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    CourierModel model(f.service);
    // No value rather than 0, 0: the map leaves the courier off until the first fix.
    QVERIFY(!model.index(0).data(CourierModel::LatitudeRole).isValid());
    QVERIFY(!model.index(0).data(CourierModel::LongitudeRole).isValid());
    QVERIFY(!model.index(0).data(CourierModel::LastSeenRole).toDateTime().isValid());
}

QTEST_GUILESS_MAIN(tst_CourierModel)
#include "tst_couriermodel.moc"
