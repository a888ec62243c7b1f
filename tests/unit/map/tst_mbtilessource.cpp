#include "tilefixtures.h"
#include "tilesource.h"

#include <QBuffer>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using depot::MbTilesSource;

namespace {

QByteArray png(const QColor &color)
{
    QImage image(256, 256, QImage::Format_RGB32);
    image.fill(color);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

// Writes an MBTiles file: one colour per tile, rows stored the TMS way (counted from south).
void makeMbTiles(const QString &path, bool withMetadata)
{
    const QList<depot::test::StoredTile> tiles{
        {0, 0, 0, png(Qt::red)},
        // At zoom 1, TMS row 1 is the northern half: XYZ y 0.
        {1, 0, 1, png(Qt::green)},
        {1, 0, 0, png(Qt::blue)},
        {2, 3, 0, png(Qt::yellow)}, // XYZ (2, 3, 3): the south-east corner
    };
    QList<std::pair<QString, QString>> metadata;
    if (withMetadata)
        metadata = {{QStringLiteral("name"), QStringLiteral("test")},
                    {QStringLiteral("format"), QStringLiteral("png")},
                    {QStringLiteral("minzoom"), QStringLiteral("0")},
                    {QStringLiteral("maxzoom"), QStringLiteral("2")},
                    {QStringLiteral("attribution"), QStringLiteral("© Test Tiles")}};
    QVERIFY(depot::test::writeMbTiles(path, tiles, metadata));
}

} // namespace

class TestMbTilesSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsTilesWithTheRowFlipped_data();
    void readsTilesWithTheRowFlipped();
    void readsMetadata();
    void worksWithoutMetadata();
    void answersAsynchronously();
    void cancelledRequestsAreNotAnswered();
    void rejectsMissingAndForeignFiles();
    void opensReadOnly();

private:
    QTemporaryDir m_dir;
};

void TestMbTilesSource::readsTilesWithTheRowFlipped_data()
{
    QTest::addColumn<int>("z");
    QTest::addColumn<int>("x");
    QTest::addColumn<int>("y");
    QTest::addColumn<QColor>("color");
    QTest::newRow("z0") << 0 << 0 << 0 << QColor(Qt::red);
    QTest::newRow("z1 north") << 1 << 0 << 0 << QColor(Qt::green);
    QTest::newRow("z1 south") << 1 << 0 << 1 << QColor(Qt::blue);
    QTest::newRow("z2 south-east") << 2 << 3 << 3 << QColor(Qt::yellow);
    QTest::newRow("missing") << 2 << 0 << 0 << QColor();
}

void TestMbTilesSource::readsTilesWithTheRowFlipped()
{
    QFETCH(int, z);
    QFETCH(int, x);
    QFETCH(int, y);
    QFETCH(QColor, color);
    const QString path = m_dir.filePath(QStringLiteral("flip.mbtiles"));
    if (!QFile::exists(path))
        makeMbTiles(path, true);
    MbTilesSource source(path);
    QVERIFY2(source.isValid(), qPrintable(source.errorString()));
    const QImage image = source.tile(z, x, y);
    if (!color.isValid()) {
        QVERIFY(image.isNull());
        return;
    }
    QCOMPARE(image.size(), QSize(256, 256));
    QCOMPARE(image.pixelColor(128, 128), color);
}

void TestMbTilesSource::readsMetadata()
{
    const QString path = m_dir.filePath(QStringLiteral("meta.mbtiles"));
    makeMbTiles(path, true);
    MbTilesSource source(path);
    QVERIFY(source.isValid());
    QCOMPARE(source.attribution(), QStringLiteral("© Test Tiles"));
    QCOMPARE(source.minimumZoom(), 0);
    QCOMPARE(source.maximumZoom(), 2);
    QCOMPARE(source.metadata().value(QStringLiteral("format")), QStringLiteral("png"));
}

void TestMbTilesSource::worksWithoutMetadata()
{
    const QString path = m_dir.filePath(QStringLiteral("bare.mbtiles"));
    makeMbTiles(path, false);
    MbTilesSource source(path);
    QVERIFY(source.isValid());
    QVERIFY(source.attribution().isEmpty());
    QCOMPARE(source.maximumZoom(), 19);
    QCOMPARE(source.tile(1, 0, 0).pixelColor(0, 0), QColor(Qt::green));
}

void TestMbTilesSource::answersAsynchronously()
{
    const QString path = m_dir.filePath(QStringLiteral("async.mbtiles"));
    makeMbTiles(path, true);
    MbTilesSource source(path);
    QSignalSpy ready(&source, &MbTilesSource::tileReady);
    QSignalSpy failed(&source, &MbTilesSource::tileFailed);
    source.requestTile(1, 0, 1);
    source.requestTile(1, 0, 1); // asked twice, answered once
    source.requestTile(2, 1, 1);
    QCOMPARE(ready.count(), 0); // never from inside requestTile
    QVERIFY(ready.wait());
    QCOMPARE(ready.count(), 1);
    QCOMPARE(ready.at(0).at(0).toInt(), 1);
    QCOMPARE(ready.at(0).at(2).toInt(), 1);
    QCOMPARE(ready.at(0).at(3).value<QImage>().pixelColor(5, 5), QColor(Qt::blue));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toInt(), 2);
}

void TestMbTilesSource::cancelledRequestsAreNotAnswered()
{
    const QString path = m_dir.filePath(QStringLiteral("cancel.mbtiles"));
    makeMbTiles(path, true);
    MbTilesSource source(path);
    QSignalSpy ready(&source, &MbTilesSource::tileReady);
    source.requestTile(0, 0, 0);
    source.cancelPending();
    source.requestTile(1, 0, 0);
    QVERIFY(ready.wait());
    QTest::qWait(20);
    QCOMPARE(ready.count(), 1);
    QCOMPARE(ready.at(0).at(0).toInt(), 1);
}

void TestMbTilesSource::rejectsMissingAndForeignFiles()
{
    MbTilesSource missing(m_dir.filePath(QStringLiteral("nope.mbtiles")));
    QVERIFY(!missing.isValid());
    QVERIFY(!missing.errorString().isEmpty());
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("nope.mbtiles"))));

    const QString foreign = m_dir.filePath(QStringLiteral("foreign.sqlite"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "foreign");
        db.setDatabaseName(foreign);
        QVERIFY(db.open());
        QSqlQuery(db).exec(QStringLiteral("CREATE TABLE other (a integer)"));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
    MbTilesSource notTiles(foreign);
    QVERIFY(!notTiles.isValid());
    QVERIFY(notTiles.tile(0, 0, 0).isNull());
}

void TestMbTilesSource::opensReadOnly()
{
    const QString path = m_dir.filePath(QStringLiteral("readonly.mbtiles"));
    makeMbTiles(path, true);
    const QDateTime before = QFileInfo(path).lastModified();
    {
        MbTilesSource source(path);
        QVERIFY(source.isValid());
        QVERIFY(!source.tile(0, 0, 0).isNull());
    }
    QCOMPARE(QFileInfo(path).lastModified(), before);
    QVERIFY(!QFile::exists(path + QStringLiteral("-journal")));
}

QTEST_GUILESS_MAIN(TestMbTilesSource)
#include "tst_mbtilessource.moc"
