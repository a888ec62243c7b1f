// PackageFilterModel: the status filter, the search and the counts per status.
#include "dispatchfixture.h"
#include "packagefiltermodel.h"
#include "packagemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

using namespace depot;
using namespace Qt::StringLiterals;

class tst_PackageFilterModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void newestFirst();
    void search_data();
    void search();
    void statusFilterFollowsChanges();
    void countsPerStatus();
    void rowOfMapsThroughTheFilter();

private:
    QStringList recipients() const;

    std::unique_ptr<DispatchFixture> m_f;
    std::unique_ptr<PackageModel> m_packages;
    std::unique_ptr<PackageFilterModel> m_filter;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    Courier m_ada;
    Package m_first, m_second, m_third;
};

void tst_PackageFilterModel::init()
{
    m_f = std::make_unique<DispatchFixture>();
    m_ada = m_f->addCourier(QStringLiteral("Ada"), QStringLiteral("ada"));
    m_first = m_f->addPackage(QStringLiteral("Grace Hopper"), QStringLiteral("1 Navy Yard"));
    m_second = m_f->addPackage(QStringLiteral("Alan Turing"), QStringLiteral("2 Bletchley Park"));
    m_third = m_f->addPackage(QStringLiteral("Edsger Dijkstra"), QStringLiteral("3 Navy Lane"));
    m_packages = std::make_unique<PackageModel>(m_f->service);
    m_filter = std::make_unique<PackageFilterModel>();
    m_filter->setSourceModel(m_packages.get());
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_filter.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void tst_PackageFilterModel::cleanup()
{
    m_tester.reset();
    m_filter.reset();
    m_packages.reset();
    m_f.reset();
}

QStringList tst_PackageFilterModel::recipients() const
{
    QStringList out;
    for (int r = 0; r < m_filter->rowCount(); ++r)
        out << m_filter->index(r, 0).data(PackageModel::RecipientNameRole).toString();
    return out;
}

void tst_PackageFilterModel::newestFirst()
{
    QCOMPARE(recipients(),
             (QStringList{u"Edsger Dijkstra"_s, u"Alan Turing"_s, u"Grace Hopper"_s}));
    m_f->addPackage(QStringLiteral("Barbara Liskov"), QStringLiteral("4 Tech Sq"));
    QCOMPARE(recipients().constFirst(), u"Barbara Liskov"_s);
}

void tst_PackageFilterModel::search_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("empty") << QString()
                           << QStringList{u"Edsger Dijkstra"_s, u"Alan Turing"_s,
                                          u"Grace Hopper"_s};
    QTest::newRow("recipient, any case") << u"turING"_s << QStringList{u"Alan Turing"_s};
    QTest::newRow("address") << u"navy"_s << QStringList{u"Edsger Dijkstra"_s, u"Grace Hopper"_s};
    QTest::newRow("spaces around") << u"  bletchley "_s << QStringList{u"Alan Turing"_s};
    QTest::newRow("nothing") << u"zzz"_s << QStringList{};
}

void tst_PackageFilterModel::search()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    QSignalSpy count(m_filter.get(), &PackageFilterModel::countChanged);
    m_filter->setSearchText(text);
    QCOMPARE(recipients(), expected);
    QCOMPARE(m_filter->count(), expected.size());
    QCOMPARE(count.isEmpty(), text.isEmpty());
}

void tst_PackageFilterModel::statusFilterFollowsChanges()
{
    m_filter->setStatusFilter(QStringLiteral("ASSIGNED"));
    QCOMPARE(m_filter->rowCount(), 0);
    QVERIFY(m_f->service.assign(m_f->dispatcher, m_second.id, m_ada.id));
    QCOMPARE(recipients(), QStringList{u"Alan Turing"_s});
    QVERIFY(m_f->service.start(m_f->dispatcher, m_second.id));
    QCOMPARE(m_filter->rowCount(), 0);
    m_filter->setStatusFilter(QStringLiteral("IN_PROGRESS"));
    QCOMPARE(recipients(), QStringList{u"Alan Turing"_s});
    m_filter->setStatusFilter(QString());
    QCOMPARE(m_filter->rowCount(), 3);
}

void tst_PackageFilterModel::countsPerStatus()
{
    QSignalSpy changed(m_filter.get(), &PackageFilterModel::countsChanged);
    QCOMPARE(m_filter->counts().value(u"PENDING"_s).toInt(), 3);
    QCOMPARE(m_filter->counts().value(QString()).toInt(), 3);
    QCOMPARE(m_filter->counts().value(u"COMPLETED"_s).toInt(), 0);

    QVERIFY(m_f->service.assign(m_f->dispatcher, m_first.id, m_ada.id));
    QVERIFY(m_f->service.cancel(m_f->dispatcher, m_third.id, QString()));
    QCOMPARE(changed.count(), 2);
    // Counts are over every package, whatever is filtered out.
    m_filter->setSearchText(QStringLiteral("Turing"));
    m_filter->setStatusFilter(QStringLiteral("PENDING"));
    const QVariantMap counts = m_filter->counts();
    QCOMPARE(counts.value(u"PENDING"_s).toInt(), 1);
    QCOMPARE(counts.value(u"ASSIGNED"_s).toInt(), 1);
    QCOMPARE(counts.value(u"CANCELLED"_s).toInt(), 1);
    QCOMPARE(counts.value(QString()).toInt(), 3);

    m_f->addPackage(QStringLiteral("New"), QStringLiteral("5 Road"));
    QCOMPARE(m_filter->counts().value(u"PENDING"_s).toInt(), 2);
    QCOMPARE(m_filter->counts().value(QString()).toInt(), 4);
}

void tst_PackageFilterModel::rowOfMapsThroughTheFilter()
{
    QCOMPARE(m_filter->rowOf(m_third.id), 0);
    QCOMPARE(m_filter->rowOf(m_first.id), 2);
    QCOMPARE(m_filter->valueAt(2, QStringLiteral("packageId")).toString(), m_first.id);
    m_filter->setSearchText(QStringLiteral("Hopper"));
    QCOMPARE(m_filter->rowOf(m_first.id), 0);
    QCOMPARE(m_filter->rowOf(m_third.id), -1);
    QCOMPARE(m_filter->rowOf(QStringLiteral("nope")), -1);
}

QTEST_GUILESS_MAIN(tst_PackageFilterModel)
#include "tst_packagefiltermodel.moc"
