// The plain-fix fast path (parsePlainFix, parseUtcTimestampMs) against the general
// parser: whatever the fast path takes, it must read exactly as parseFix reads it.
#include "api/fixparsing.h"
#include "api/osmandapi.h"
#include "core/clock.h"
#include "protocol/jsonscalars.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace depot;

namespace {

const QDateTime kNow = QDateTime::fromMSecsSinceEpoch(1795000000000, Qt::UTC);

QByteArray randomField(QRandomGenerator &rng, const char *name, double min, double max)
{
    QByteArray out = QByteArray("\"") + name + "\":";
    switch (rng.bounded(8)) {
    case 0:
        return out + "null";
    case 1:
        return out + "\"12\"";
    case 2:
        return out + QByteArray::number(max + 1 + rng.generateDouble());
    case 3:
        return out + "true";
    default:
        return out + QByteArray::number(min + rng.generateDouble() * (max - min), 'g', 12);
    }
}

QByteArray randomTimestamp(QRandomGenerator &rng)
{
    const qint64 ms = kNow.toMSecsSinceEpoch() - qint64(rng.bounded(1'000'000'000)) +
                      qint64(rng.bounded(100'000'000));
    const QByteArray iso = isoTimestamp(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)).toLatin1();
    switch (rng.bounded(8)) {
    case 0:
        return "null";
    case 1:
        return QByteArray::number(ms); // epoch milliseconds
    case 2:
        return QByteArray::number(ms / 1000); // epoch seconds
    case 3:
        return "\"" + iso.left(19) + "Z\""; // no milliseconds
    case 4:
        return "\"" + iso.left(19) + "+01:00\""; // an offset: the general parser's
    case 5:
        return "\"2026-02-30T10:00:00.000Z\""; // no such day
    case 6:
        return "-5";
    default:
        return "\"" + iso + "\"";
    }
}

} // namespace

class TestFixParsing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void utcTimestamps();
    void plainFixesReadAsParseFixReadsThem();
    void plainFixSpotChecks();
    void epochNumbersPastYear9999();
};

void TestFixParsing::utcTimestamps()
{
    QRandomGenerator rng(1);
    for (int i = 0; i < 100000; ++i) {
        // Any millisecond from year 1 to 9999.
        const qint64 ms = qint64(rng.generate64() % 315'537'897'600'000ull) - 62'135'596'800'000;
        const QString text = isoTimestamp(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC));
        QCOMPARE(parseUtcTimestampMs(text.toLatin1()), std::optional<qint64>(ms));
    }
    const QByteArray same[] = {"2026-11-27T04:05:06Z", "2024-02-29T23:59:59.999Z",
                               "1970-01-01T00:00:00.000Z"};
    for (const QByteArray &text : same) {
        const QDateTime qt = QDateTime::fromString(QString::fromLatin1(text), Qt::ISODateWithMs);
        QVERIFY(qt.isValid());
        QCOMPARE(parseUtcTimestampMs(text), std::optional<qint64>(qt.toMSecsSinceEpoch()));
    }
    const QByteArray refused[] = {
        "2026-02-29T00:00:00Z",    "2026-11-31T00:00:00Z",     "2026-11-27T24:00:00Z",
        "2026-11-27T04:60:00Z",    "2026-11-27T04:05:60Z",     "2026-11-27T04:05:06.7Z",
        "2026-11-27T04:05:06.789", "2026-11-27 04:05:06.789Z", "2026-11-27T04:05:06+00:00",
        "0000-01-01T00:00:00Z",    "2026-1a-27T04:05:06Z",     ""};
    for (const QByteArray &text : refused)
        QVERIFY2(!parseUtcTimestampMs(text), text.constData());
}

void TestFixParsing::plainFixesReadAsParseFixReadsThem()
{
    QRandomGenerator rng(2);
    int taken = 0;
    for (int i = 0; i < 50000; ++i) {
        QByteArrayList fields;
        if (rng.bounded(10))
            fields << randomField(rng, "latitude", -90, 90);
        if (rng.bounded(10))
            fields << randomField(rng, "longitude", -180, 180);
        if (rng.bounded(2))
            fields << randomField(rng, "accuracy", 0, 1e7);
        if (rng.bounded(2))
            fields << randomField(rng, "speed", 0, 1e4);
        if (rng.bounded(2))
            fields << randomField(rng, "heading", 0, 360);
        if (rng.bounded(2))
            fields << "\"timestamp\":" + randomTimestamp(rng);
        if (rng.bounded(4) == 0)
            fields << "\"battery\":0.5";
        const QByteArray text = "{" + fields.join(',') + "}";

        json::ScalarObject plain;
        QCOMPARE(plain.read(text), text.size());
        const auto fast = parsePlainFix(plain, kNow);
        const auto full = parseFix(QJsonDocument::fromJson(text).object(), kNow);
        if (!fast)
            continue; // the general parser answers these, errors included
        ++taken;
        QVERIFY2(full, text.constData());
        QCOMPARE(fast->toJson(), full->toJson());
        QCOMPARE(fast->timestamp, full->timestamp);
    }
    QVERIFY(taken > 1000);
}

void TestFixParsing::plainFixSpotChecks()
{
    auto fast = [](const QByteArray &text) {
        json::ScalarObject plain;
        return plain.read(text) == text.size() ? parsePlainFix(plain, kNow) : std::nullopt;
    };
    const auto fix = fast(R"({"latitude":53.5,"longitude":10,"speed":3.5,"heading":null,)"
                          R"("timestamp":"2026-11-15T10:00:00.250Z"})");
    QVERIFY(fix);
    QCOMPARE(fix->latitude, 53.5);
    QCOMPARE(fix->longitude, 10.0);
    QCOMPARE(fix->speed, std::optional<double>(3.5));
    QVERIFY(!fix->heading && !fix->accuracy);
    QCOMPARE(fix->timestamp,
             QDateTime::fromString(QStringLiteral("2026-11-15T10:00:00.250Z"), Qt::ISODateWithMs));
    // No timestamp, or one ahead of the hub's clock: the hub's time.
    QCOMPARE(fast(R"({"latitude":1,"longitude":2})")->timestamp, kNow);
    QCOMPARE(fast(R"({"latitude":1,"longitude":2,"timestamp":"2099-01-01T00:00:00Z"})")->timestamp,
             kNow);
    // Errors are the general parser's to word.
    QVERIFY(!fast(R"({"latitude":91,"longitude":2})"));
    QVERIFY(!fast(R"({"longitude":2})"));
    QVERIFY(!fast(R"({"latitude":"1","longitude":2})"));
    QVERIFY(!fast(R"({"latitude":1,"longitude":2,"timestamp":"yesterday"})"));
}

void TestFixParsing::epochNumbersPastYear9999()
{
    // Found by fuzzing: a number too large for a qint64 was converted to one (undefined
    // behaviour) and stored as some time or other. Past year 9999 it is no time at all.
    for (const QByteArray &number : {QByteArray("1e300"), QByteArray("253402300800000"),
                                     QByteArray("17949999333333333333333333399000")}) {
        const QByteArray text = R"({"latitude":1,"longitude":2,"timestamp":)" + number + "}";
        json::ScalarObject plain;
        QCOMPARE(plain.read(text), text.size());
        QVERIFY2(!parsePlainFix(plain, kNow), text.constData());
        const auto full = parseFix(QJsonDocument::fromJson(text).object(), kNow);
        QVERIFY2(!full, text.constData());
        QCOMPARE(full.error().code, ErrorCode::ValidationFailed);
    }
    // The last millisecond of year 9999 is a time, ahead of the hub's clock: the hub's time.
    const QByteArray last = R"({"latitude":1,"longitude":2,"timestamp":253402300799999})";
    QCOMPARE(parseFix(QJsonDocument::fromJson(last).object(), kNow)->timestamp, kNow);

    // The OsmAnd reader takes the position and gives it the hub's time, as for any bad time.
    HttpRequest request;
    request.method = "GET";
    for (const char *number : {"1e30", "9983599999999999999999999998000"}) {
        request.query =
            QUrlQuery(QStringLiteral("id=1&lat=1&lon=2&timestamp=") + QLatin1StringView(number));
        const auto report = OsmAndApi::parse(request, kNow);
        QVERIFY(report);
        QCOMPARE(report->fix.timestamp, kNow);
    }
}

QTEST_GUILESS_MAIN(TestFixParsing)
#include "tst_fixparsing.moc"
