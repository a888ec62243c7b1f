// EventFeedModel: one sentence per change, newest first, never more than its capacity.
#include "dispatchfixture.h"
#include "eventfeedmodel.h"

#include <QAbstractItemModelTester>

using namespace depot;
using namespace Qt::StringLiterals;

class tst_EventFeedModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void newestFirst();
    void reassignmentNamesBothCouriers();
    void boundedByCapacity();
};

void tst_EventFeedModel::newestFirst()
{
    DispatchFixture f;
    EventFeedModel feed(f.service);
    QAbstractItemModelTester tester(&feed, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const Courier ada = f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    const Package p = f.addPackage(QStringLiteral("Grace"), QStringLiteral("1 Main St"));
    f.service.setCourierOnline(ada.id, true);
    QVERIFY(f.service.assign(f.dispatcher, p.id, ada.id));
    QVERIFY(f.service.fail(f.dispatcher, p.id, QStringLiteral("nobody home")));

    QCOMPARE(feed.rowCount(), 4);
    auto at = [&](int row, int role) { return feed.index(row).data(role).toString(); };
    QCOMPARE(at(0, EventFeedModel::EventRole), u"delivery:failed"_s);
    QCOMPARE(at(0, EventFeedModel::TextRole),
             u"Ada could not deliver %1: nobody home"_s.arg(p.trackingCode));
    QCOMPARE(at(0, EventFeedModel::StatusRole), u"FAILED"_s);
    QCOMPARE(at(1, EventFeedModel::TextRole), u"%1 assigned to Ada"_s.arg(p.trackingCode));
    QCOMPARE(at(2, EventFeedModel::KindRole), u"courier"_s);
    QCOMPARE(at(2, EventFeedModel::TextRole), u"Ada came online"_s);
    QCOMPARE(at(3, EventFeedModel::TextRole), u"New package %1 for Grace"_s.arg(p.trackingCode));
    QCOMPARE(at(3, EventFeedModel::PackageIdRole), p.id);
    QCOMPARE(feed.index(3).data(EventFeedModel::TimestampRole).toDateTime(), p.createdAt);
}

void tst_EventFeedModel::reassignmentNamesBothCouriers()
{
    DispatchFixture f;
    const Courier ada = f.addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    const Courier bob = f.addCourier(QStringLiteral("Bob"), QStringLiteral("bob"));
    const Package p = f.addPackage(QStringLiteral("Grace"), QStringLiteral("1 Main St"));
    QVERIFY(f.service.assign(f.dispatcher, p.id, ada.id));
    EventFeedModel feed(f.service);
    QVERIFY(f.service.assign(f.dispatcher, p.id, bob.id));
    QCOMPARE(feed.index(0).data(EventFeedModel::TextRole).toString(),
             u"%1 reassigned from Ada to Bob"_s.arg(p.trackingCode));
}

void tst_EventFeedModel::boundedByCapacity()
{
    DispatchFixture f;
    EventFeedModel feed(f.service);
    QAbstractItemModelTester tester(&feed, QAbstractItemModelTester::FailureReportingMode::QtTest);
    feed.setCapacity(3);
    Package last;
    for (int i = 0; i < 5; ++i)
        last = f.addPackage(QStringLiteral("R%1").arg(i), QStringLiteral("Street"));
    QCOMPARE(feed.rowCount(), 3);
    QCOMPARE(feed.index(0).data(EventFeedModel::PackageIdRole).toString(), last.id);
    feed.setCapacity(2);
    QCOMPARE(feed.rowCount(), 2);
    feed.clear();
    QCOMPARE(feed.rowCount(), 0);
}

QTEST_GUILESS_MAIN(tst_EventFeedModel)
#include "tst_eventfeedmodel.moc"
