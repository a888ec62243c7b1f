// The tile route's path parser: exactly /tiles/{z}/{x}/{y}.png in ASCII digits, nothing before or
// after it.
#include "tiles/tilepath.h"

#include <QTest>

using namespace depot;

class TestTilePath : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void reads_data();
    void reads();
    void refuses_data();
    void refuses();
};

void TestTilePath::reads_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("z");
    QTest::addColumn<int>("x");
    QTest::addColumn<int>("y");
    QTest::newRow("origin") << "/tiles/0/0/0.png" << 0 << 0 << 0;
    QTest::newRow("city") << "/tiles/12/2200/1343.png" << 12 << 2200 << 1343;
    QTest::newRow("deepest") << "/tiles/24/16777215/16777215.png" << 24 << 16777215 << 16777215;
    QTest::newRow("leading zeros") << "/tiles/01/001/0.png" << 1 << 1 << 0;
    // Read, then refused by the route as off the grid.
    QTest::newRow("off the grid") << "/tiles/99/99999999/99999999.png" << 99 << 99999999
                                  << 99999999;
}

void TestTilePath::reads()
{
    QFETCH(QString, path);
    QFETCH(int, z);
    QFETCH(int, x);
    QFETCH(int, y);
    QCOMPARE(tileKeyFromPath(path), std::optional<TileKey>(TileKey{z, x, y}));
}

void TestTilePath::refuses_data()
{
    QTest::addColumn<QString>("path");
    // Found by fuzzing: the route's old pattern ended in "$", which matches before a final newline.
    QTest::newRow("newline after .png") << "/tiles/0/0/0.png\n";
    QTest::newRow("anything after .png") << "/tiles/0/0/0.png?x";
    QTest::newRow("three zoom digits") << "/tiles/001/0/0.png";
    QTest::newRow("nine digits") << "/tiles/1/000000000/0.png";
    QTest::newRow("empty number") << "/tiles//0/0.png";
    QTest::newRow("sign") << "/tiles/+1/0/0.png";
    QTest::newRow("other digits") << QString::fromUtf8("/tiles/\u0661/0/0.png");
    QTest::newRow("other extension") << "/tiles/1/0/0.jpg";
    QTest::newRow("prefix") << "/x/tiles/1/0/0.png";
    QTest::newRow("empty") << "";
}

void TestTilePath::refuses()
{
    QFETCH(QString, path);
    QCOMPARE(tileKeyFromPath(path), std::nullopt);
}

QTEST_APPLESS_MAIN(TestTilePath)
#include "tst_tilepath.moc"
