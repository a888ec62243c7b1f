// GuessLimiter on a manual clock: the limit, its window, what an address is counted under, and
// the bound on the addresses it keeps.
#include "api/guesslimiter.h"
#include "core/clock.h"

#include <QTest>

using namespace depot;

class tst_GuessLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void refusedPastTheLimitUntilTheWindowEnds();
    void keys_data();
    void keys();
    void addressesAreBounded();
};

void tst_GuessLimiter::refusedPastTheLimitUntilTheWindowEnds()
{
    ManualClock clock;
    GuessLimiter limiter({3, 60'000}, clock);
    const QHostAddress a(QStringLiteral("192.0.2.1"));
    for (int i = 0; i < 3; ++i) {
        QVERIFY(!limiter.retryAfterSeconds(a));
        limiter.recordMiss(a);
        clock.advanceMs(1000);
    }
    QCOMPARE(limiter.retryAfterSeconds(a), std::optional<int>(57));
    QVERIFY(!limiter.retryAfterSeconds(QHostAddress(QStringLiteral("192.0.2.2"))));
    clock.advanceMs(56'500);
    QCOMPARE(limiter.retryAfterSeconds(a), std::optional<int>(1));
    clock.advanceMs(500);
    QVERIFY(!limiter.retryAfterSeconds(a));
    // A new window starts with the next miss.
    limiter.recordMiss(a);
    QVERIFY(!limiter.retryAfterSeconds(a));
}

void tst_GuessLimiter::keys_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("key");
    QTest::newRow("IPv4") << "192.0.2.1"
                          << "192.0.2.1";
    QTest::newRow("IPv4-mapped IPv6") << "::ffff:192.0.2.1"
                                      << "192.0.2.1";
    QTest::newRow("IPv6 by its /64") << "2001:db8:1:2:aaaa:bbbb:cccc:dddd"
                                     << "2001:db8:1:2::/64";
}

void tst_GuessLimiter::keys()
{
    QFETCH(QString, address);
    QFETCH(QString, key);
    QCOMPARE(GuessLimiter::keyOf(QHostAddress(address)), key);
}

void tst_GuessLimiter::addressesAreBounded()
{
    ManualClock clock;
    GuessLimiter limiter({1, 60'000, 2}, clock);
    const QHostAddress a(QStringLiteral("192.0.2.1"));
    const QHostAddress b(QStringLiteral("192.0.2.2"));
    const QHostAddress c(QStringLiteral("192.0.2.3"));
    limiter.recordMiss(a);
    limiter.recordMiss(b);
    limiter.recordMiss(c); // no room: not counted
    QVERIFY(limiter.retryAfterSeconds(a));
    QVERIFY(limiter.retryAfterSeconds(b));
    QVERIFY(!limiter.retryAfterSeconds(c));
    // Once the others' windows are over there is room again.
    clock.advanceMs(60'000);
    limiter.recordMiss(c);
    QVERIFY(limiter.retryAfterSeconds(c));
}

QTEST_GUILESS_MAIN(tst_GuessLimiter)
#include "tst_guesslimiter.moc"
