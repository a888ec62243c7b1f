// PackageModel on a real dispatch service: rows appear as packages are created and change in
// place as their status changes.
#include "dispatchfixture.h"
#include "packagemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

using namespace depot;
using namespace Qt::StringLiterals;

class tst_PackageModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void loadsWhatTheServiceHas();
    void newPackageIsAppended();
    void statusChangeIsDataChangedNotReset();
    void courierRenameReachesTheirRows();
    void rolesCarryWhatTheMapReads();
};

void tst_PackageModel::loadsWhatTheServiceHas()
{
    DispatchFixture f;
    f.addPackage(QStringLiteral("Ada"), QStringLiteral("1 Main St"));
    f.addPackage(QStringLiteral("Bob"), QStringLiteral("2 Side St"));
    PackageModel model(f.service);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0).data(PackageModel::RecipientNameRole).toString(), u"Ada"_s);
    QCOMPARE(model.index(1).data(PackageModel::AddressRole).toString(), u"2 Side St"_s);
}

void tst_PackageModel::newPackageIsAppended()
{
    DispatchFixture f;
    PackageModel model(f.service);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy count(&model, &PackageModel::countChanged);
    const Package p = f.addPackage(QStringLiteral("Ada"), QStringLiteral("1 Main St"));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(count.count(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.rowOf(p.id), 0);
    QCOMPARE(model.index(0).data(PackageModel::StatusRole).toString(), u"PENDING"_s);
    QCOMPARE(model.index(0).data(PackageModel::TrackingCodeRole).toString(), p.trackingCode);
}

void tst_PackageModel::statusChangeIsDataChangedNotReset()
{
    DispatchFixture f;
    const Courier ada = f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    f.addPackage(QStringLiteral("First"), QStringLiteral("1 Main St"));
    const Package p = f.addPackage(QStringLiteral("Second"), QStringLiteral("2 Main St"));
    PackageModel model(f.service);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    QVERIFY(f.service.assign(f.dispatcher, p.id, ada.id));
    QCOMPARE(reset.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 1);
    const QModelIndex row = model.index(1);
    QCOMPARE(row.data(PackageModel::StatusRole).toString(), u"ASSIGNED"_s);
    QCOMPARE(row.data(PackageModel::StateRole).toString(), u"ASSIGNED"_s);
    QCOMPARE(row.data(PackageModel::DeliveryPersonIdRole).toString(), ada.id);
    QCOMPARE(row.data(PackageModel::CourierNameRole).toString(), u"Ada"_s);

    QVERIFY(f.service.fail(f.dispatcher, p.id, QStringLiteral("nobody home")));
    QCOMPARE(row.data(PackageModel::StatusRole).toString(), u"FAILED"_s);
    QCOMPARE(row.data(PackageModel::ReasonRole).toString(), u"nobody home"_s);
    QCOMPARE(model.rowCount(), 2);
}

void tst_PackageModel::courierRenameReachesTheirRows()
{
    DispatchFixture f;
    const Courier ada = f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    const Package p = f.addPackage(QStringLiteral("R"), QStringLiteral("1 Main St"));
    QVERIFY(f.service.assign(f.dispatcher, p.id, ada.id));
    PackageModel model(f.service);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    CourierPatch patch;
    patch.name = QStringLiteral("Ada L.");
    QVERIFY(f.service.updateCourier(ada.id, patch));
    QCOMPARE(model.index(0).data(PackageModel::CourierNameRole).toString(), u"Ada L."_s);
}

void tst_PackageModel::rolesCarryWhatTheMapReads()
{
    DispatchFixture f;
    f.addPackage(QStringLiteral("R"), QStringLiteral("1 Main St"), 48.85, 2.35);
    PackageModel model(f.service);
    const auto names = model.roleNames().values();
    for (const char *role :
         {"id", "packageId", "trackingCode", "recipientName", "address", "latitude", "longitude",
          "status", "state", "label", "deliveryPersonId", "courierName", "reason", "updatedAt"})
        QVERIFY2(names.contains(role), role);
    QCOMPARE(model.index(0).data(PackageModel::LatitudeRole).toDouble(), 48.85);
    QCOMPARE(model.index(0).data(PackageModel::LongitudeRole).toDouble(), 2.35);
    QCOMPARE(model.index(0).data(PackageModel::UpdatedAtRole).toDateTime(), f.clock.now());
}

QTEST_GUILESS_MAIN(tst_PackageModel)
#include "tst_packagemodel.moc"
