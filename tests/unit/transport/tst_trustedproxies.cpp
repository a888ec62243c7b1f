#include "transport/trustedproxies.h"

#include <QTest>

using namespace depot;

class TstTrustedProxies : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesAddressesAndBlocks()
    {
        QString error;
        const auto proxies =
            TrustedProxies::parse(QStringLiteral(" 127.0.0.1 ,10.0.0.0/8,, fd00::/8,::1"), &error);
        QVERIFY2(proxies, qPrintable(error));
        QVERIFY(proxies->contains(QHostAddress(QStringLiteral("127.0.0.1"))));
        QVERIFY(proxies->contains(QHostAddress(QStringLiteral("::ffff:127.0.0.1"))));
        QVERIFY(proxies->contains(QHostAddress(QStringLiteral("10.200.3.4"))));
        QVERIFY(proxies->contains(QHostAddress(QStringLiteral("fd12::5"))));
        QVERIFY(proxies->contains(QHostAddress(QStringLiteral("::1"))));
        QVERIFY(!proxies->contains(QHostAddress(QStringLiteral("127.0.0.2"))));
        QVERIFY(!proxies->contains(QHostAddress(QStringLiteral("11.0.0.1"))));
        QVERIFY(TrustedProxies::parse(QString(), &error)->isEmpty());
    }

    void refusesWhatIsNotAnAddress_data()
    {
        QTest::addColumn<QString>("list");
        QTest::newRow("name") << QStringLiteral("haproxy.local");
        QTest::newRow("prefix too long") << QStringLiteral("10.0.0.0/33");
        QTest::newRow("bad prefix") << QStringLiteral("10.0.0.0/x");
        QTest::newRow("one bad of two") << QStringLiteral("127.0.0.1,300.1.1.1");
    }
    void refusesWhatIsNotAnAddress()
    {
        QFETCH(QString, list);
        QString error;
        QVERIFY(!TrustedProxies::parse(list, &error));
        QVERIFY2(error.startsWith(QStringLiteral("not an address or CIDR block: ")),
                 qPrintable(error));
    }

    void clientIsTheRightMostUntrustedHop_data()
    {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<QByteArray>("forwardedFor");
        QTest::addColumn<QString>("client");
        QTest::newRow("no header") << "127.0.0.1" << QByteArray() << "127.0.0.1";
        QTest::newRow("one hop") << "127.0.0.1" << QByteArray("192.0.2.1") << "192.0.2.1";
        QTest::newRow("client wrote on the left")
            << "127.0.0.1" << QByteArray("6.6.6.6, 192.0.2.1") << "192.0.2.1";
        QTest::newRow("through a second proxy")
            << "127.0.0.1" << QByteArray("192.0.2.1,10.1.1.1") << "192.0.2.1";
        QTest::newRow("untrusted peer") << "192.0.2.50" << QByteArray("192.0.2.1") << "192.0.2.50";
        QTest::newRow("garbage") << "127.0.0.1" << QByteArray("unknown") << "127.0.0.1";
        QTest::newRow("garbage left of a good hop")
            << "127.0.0.1" << QByteArray("junk, 192.0.2.1") << "192.0.2.1";
        QTest::newRow("only proxies") << "127.0.0.1" << QByteArray("10.0.0.1") << "127.0.0.1";
        QTest::newRow("IPv6 client") << "127.0.0.1" << QByteArray("2001:db8::1") << "2001:db8::1";
    }
    void clientIsTheRightMostUntrustedHop()
    {
        QFETCH(QString, peer);
        QFETCH(QByteArray, forwardedFor);
        QFETCH(QString, client);
        const auto proxies = TrustedProxies::parse(QStringLiteral("127.0.0.1,10.0.0.0/8"), nullptr);
        QCOMPARE(proxies->clientOf(QHostAddress(peer), forwardedFor), QHostAddress(client));
    }
};

QTEST_GUILESS_MAIN(TstTrustedProxies)
#include "tst_trustedproxies.moc"
