// The CSV and GPX writers of the day's records, byte for byte where the format says so: RFC 4180
// quoting, the byte order mark, CRLF, the formula guard; GPX 1.1 points, segments and escapes.
#include "api/csvwriter.h"
#include "api/gpxwriter.h"

#include <QTest>
#include <QXmlStreamReader>

using namespace depot;

namespace {

const QDateTime kT0 = QDateTime::fromMSecsSinceEpoch(1768431600000, Qt::UTC); // 2026-01-14T23:00Z

Location fixAt(double latitude, qint64 seconds, std::optional<double> speed = std::nullopt,
               std::optional<double> heading = std::nullopt)
{
    return Location{latitude, 13.4, std::nullopt, speed, heading, kT0.addSecs(seconds)};
}

} // namespace

class tst_CsvWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fields_data();
    void fields();
    void fileHasByteOrderMarkAndCrlf();
    void gpxPointsSegmentsAndExtensions();
    void gpxEscapesNamesAndDropsControlCharacters();
};

void tst_CsvWriter::fields_data()
{
    QTest::addColumn<QString>("cell");
    QTest::addColumn<QString>("written");
    QTest::newRow("plain") << QStringLiteral("Grace Hopper") << QStringLiteral("Grace Hopper");
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("comma") << QStringLiteral("Smith, Jo") << QStringLiteral("\"Smith, Jo\"");
    QTest::newRow("quote") << QStringLiteral("Jo \"JJ\" Smith")
                           << QStringLiteral("\"Jo \"\"JJ\"\" Smith\"");
    QTest::newRow("lf") << QStringLiteral("Flat 2\nLong Road")
                        << QStringLiteral("\"Flat 2\nLong Road\"");
    QTest::newRow("crlf") << QStringLiteral("a\r\nb") << QStringLiteral("\"a\r\nb\"");
    QTest::newRow("unicode") << QStringLiteral("Zoë Ñoño 東京") << QStringLiteral("Zoë Ñoño 東京");
    QTest::newRow("equals") << QStringLiteral("=1+2") << QStringLiteral("'=1+2");
    QTest::newRow("plus") << QStringLiteral("+49 30") << QStringLiteral("'+49 30");
    QTest::newRow("minus") << QStringLiteral("-1") << QStringLiteral("'-1");
    QTest::newRow("at") << QStringLiteral("@SUM(A1)") << QStringLiteral("'@SUM(A1)");
    QTest::newRow("tab") << QStringLiteral("\t=1") << QStringLiteral("'\t=1");
    QTest::newRow("cr") << QStringLiteral("\r=1") << QStringLiteral("\"'\r=1\"");
    QTest::newRow("formula and quote") << QStringLiteral("=HYPERLINK(\"x\",\"y\")")
                                       << QStringLiteral("\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
    QTest::newRow("inner equals") << QStringLiteral("a=b") << QStringLiteral("a=b");
}

void tst_CsvWriter::fields()
{
    QFETCH(QString, cell);
    QFETCH(QString, written);
    QCOMPARE(CsvWriter::field(cell), written);
}

void tst_CsvWriter::fileHasByteOrderMarkAndCrlf()
{
    CsvWriter csv;
    QCOMPARE(csv.bytes(), QByteArray("\xEF\xBB\xBF"));
    csv.addRow({QStringLiteral("a"), QStringLiteral("b,c"), QString()});
    csv.addRow({QStringLiteral("Zoë")});
    QCOMPARE(csv.bytes(), QByteArray("\xEF\xBB\xBF"
                                     "a,\"b,c\",\r\n"
                                     "Zo\xC3\xAB\r\n"));
}

void tst_CsvWriter::gpxPointsSegmentsAndExtensions()
{
    const std::vector<Location> track{fixAt(52.5, 0, 4.5, 90), fixAt(52.501, 60),
                                      fixAt(52.502, 60 + 301, -1, 360)};
    const QByteArray gpx = gpxTrack(QStringLiteral("Ada"), track, 300'000);
    QXmlStreamReader xml(gpx);
    QStringList path;
    int segments = 0;
    QStringList points;
    QStringList extensions;
    QString version;
    QString gpxNamespace;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const QString name = xml.name().toString();
            if (name == QLatin1String("gpx")) {
                version = xml.attributes().value(QLatin1String("version")).toString();
                gpxNamespace = xml.namespaceUri().toString();
            } else if (name == QLatin1String("trkseg")) {
                ++segments;
            } else if (name == QLatin1String("trkpt")) {
                points << xml.attributes().value(QLatin1String("lat")).toString() +
                              QLatin1Char(' ') +
                              xml.attributes().value(QLatin1String("lon")).toString();
            } else if (name == QLatin1String("time") && !points.isEmpty()) {
                points.last() += QLatin1Char(' ') + xml.readElementText();
            } else if (name == QLatin1String("speed") || name == QLatin1String("course")) {
                extensions << name + QLatin1Char('=') + xml.readElementText();
            }
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(version, QStringLiteral("1.1"));
    QCOMPARE(gpxNamespace, QStringLiteral("http://www.topografix.com/GPX/1/1"));
    // A gap over five minutes starts a new segment.
    QCOMPARE(segments, 2);
    QCOMPARE(points,
             QStringList({QStringLiteral("52.5000000 13.4000000 2026-01-14T23:00:00.000Z"),
                          QStringLiteral("52.5010000 13.4000000 2026-01-14T23:01:00.000Z"),
                          QStringLiteral("52.5020000 13.4000000 2026-01-14T23:06:01.000Z")}));
    // Only values GPX programs can take: no negative speed, no course of 360.
    QCOMPARE(extensions,
             QStringList({QStringLiteral("speed=4.50"), QStringLiteral("course=90.0")}));
    QVERIFY(
        gpx.contains("xmlns:gpxtpx=\"http://www.garmin.com/xmlschemas/TrackPointExtension/v2\""));

    const QByteArray empty = gpxTrack(QStringLiteral("Ada"), {}, 300'000);
    QVERIFY(empty.contains("<trk>"));
    QVERIFY(!empty.contains("trkseg"));
}

void tst_CsvWriter::gpxEscapesNamesAndDropsControlCharacters()
{
    const QString name = QStringLiteral("Ada <&> \"Q\" \u0001'");
    const QByteArray gpx = gpxTrack(name, {fixAt(1, 0)}, 300'000);
    QXmlStreamReader xml(gpx);
    QStringList names;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && xml.name() == QLatin1String("name"))
            names << xml.readElementText();
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(names,
             QStringList({QStringLiteral("Ada <&> \"Q\" '"), QStringLiteral("Ada <&> \"Q\" '")}));
}

QTEST_GUILESS_MAIN(tst_CsvWriter)
#include "tst_csvwriter.moc"
