// The package status machine against the contract's table, one row per (status, action) pair.
#include "dispatch/statemachine.h"

#include <QTest>

using depot::PackageAction;
using depot::PackageStatus;

Q_DECLARE_METATYPE(depot::PackageStatus)
Q_DECLARE_METATYPE(depot::PackageAction)

class tst_StateMachine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nextStatus_data();
    void nextStatus();
    void finalStatusesAreFinal();
};

void tst_StateMachine::nextStatus_data()
{
    QTest::addColumn<PackageStatus>("from");
    QTest::addColumn<PackageAction>("action");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<PackageStatus>("to");

    using S = PackageStatus;
    using A = PackageAction;
    // The contract's table; every pair not listed here is refused.
    const QList<std::tuple<S, A, S>> allowed = {
        {S::Pending, A::Assign, S::Assigned},     {S::Assigned, A::Assign, S::Assigned},
        {S::Assigned, A::Start, S::InProgress},   {S::InProgress, A::Complete, S::Completed},
        {S::Assigned, A::Fail, S::Failed},        {S::InProgress, A::Fail, S::Failed},
        {S::Pending, A::Cancel, S::Cancelled},    {S::Assigned, A::Cancel, S::Cancelled},
        {S::InProgress, A::Cancel, S::Cancelled},
    };

    const S statuses[] = {S::Pending,   S::Assigned, S::InProgress,
                          S::Completed, S::Failed,   S::Cancelled};
    const A actions[] = {A::Assign, A::Start, A::Complete, A::Fail, A::Cancel};
    for (S from : statuses) {
        for (A action : actions) {
            const QByteArray name =
                (depot::statusName(from) + QLatin1Char(' ') + depot::actionName(action)).toUtf8();
            auto it = std::find_if(allowed.cbegin(), allowed.cend(), [&](const auto &row) {
                return std::get<0>(row) == from && std::get<1>(row) == action;
            });
            if (it != allowed.cend())
                QTest::newRow(name.constData()) << from << action << true << std::get<2>(*it);
            else
                QTest::newRow(name.constData()) << from << action << false << from;
        }
    }
}

void tst_StateMachine::nextStatus()
{
    QFETCH(PackageStatus, from);
    QFETCH(PackageAction, action);
    QFETCH(bool, allowed);
    QFETCH(PackageStatus, to);

    const auto next = depot::nextStatus(from, action);
    QCOMPARE(next.has_value(), allowed);
    if (allowed)
        QCOMPARE(depot::statusName(*next), depot::statusName(to));
}

void tst_StateMachine::finalStatusesAreFinal()
{
    // isFinal() must agree with the table: a final status allows no action at all.
    using S = PackageStatus;
    using A = PackageAction;
    for (S s : {S::Pending, S::Assigned, S::InProgress, S::Completed, S::Failed, S::Cancelled}) {
        bool anyAllowed = false;
        for (A a : {A::Assign, A::Start, A::Complete, A::Fail, A::Cancel})
            anyAllowed = anyAllowed || depot::nextStatus(s, a).has_value();
        QCOMPARE(depot::isFinal(s), !anyAllowed);
    }
}

QTEST_GUILESS_MAIN(tst_StateMachine)
#include "tst_statemachine.moc"
