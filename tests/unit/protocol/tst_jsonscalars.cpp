// json::ScalarObject: the in-place reader of plain objects. Whatever it accepts must be valid
// JSON that QJsonDocument reads to the same values; everything else it must refuse.
#include "protocol/jsonscalars.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace depot;
using json::Scalar;
using json::ScalarObject;

namespace {

// Compares what the reader took from text with what Qt parses from the same bytes.
QString disagreement(const ScalarObject &object, QByteArrayView text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return QStringLiteral("Qt refuses it: ") + error.errorString();
    const QJsonObject qt = doc.object();
    if (qt.size() != object.size())
        return QStringLiteral("%1 members, Qt has %2").arg(object.size()).arg(qt.size());
    for (auto it = qt.begin(); it != qt.end(); ++it) {
        const Scalar *mine = object.find(QLatin1StringView(it.key().toLatin1()));
        if (!mine)
            return QStringLiteral("no member ") + it.key();
        const QJsonValue v = it.value();
        const bool same =
            (mine->kind == Scalar::Kind::Null && v.isNull()) ||
            (mine->kind == Scalar::Kind::Bool && v.isBool() && v.toBool() == mine->boolean) ||
            (mine->kind == Scalar::Kind::Number && v.isDouble() && v.toDouble() == mine->number) ||
            (mine->kind == Scalar::Kind::String && v.isString() &&
             v.toString() == QLatin1StringView(mine->string));
        if (!same)
            return QStringLiteral("member %1 differs").arg(it.key());
    }
    return {};
}

} // namespace

class TestJsonScalars : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plainObjects_data();
    void plainObjects();
    void readsOneObjectAtTheStart();
    void refusals_data();
    void refusals();
    void tooManyMembers();
    void randomTextIsNeverMisread();
    void randomObjectsReadAsQtReadsThem();
};

void TestJsonScalars::plainObjects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray("{}");
    QTest::newRow("fix") << QByteArray(
        R"({"latitude":53.551086,"longitude":-9.993682,"accuracy":5,"speed":null,)"
        R"("heading":271.5,"timestamp":"2026-11-27T04:05:06.789Z"})");
    QTest::newRow("literals") << QByteArray(R"({"a":true,"b":false,"c":null})");
    QTest::newRow("numbers") << QByteArray(
        R"({"a":0,"b":-0,"c":1e3,"d":-2.5E-3,"e":1.7976931348623157e308,"f":5e-324})");
    QTest::newRow("odd keys") << QByteArray(R"({"":1,"a b":2,"x:y,z}":3})");
}

void TestJsonScalars::plainObjects()
{
    QFETCH(QByteArray, text);
    ScalarObject object;
    QCOMPARE(object.read(text), text.size());
    const QString why = disagreement(object, text);
    QVERIFY2(why.isEmpty(), qPrintable(why));
}

void TestJsonScalars::readsOneObjectAtTheStart()
{
    ScalarObject object;
    const QByteArray text = R"({"a":1}]trailing)";
    QCOMPARE(object.read(text), 7);
    QCOMPARE(object.size(), 1);
    QCOMPARE(object.find(QLatin1StringView("a"))->number, 1.0);
    QVERIFY(!object.find(QLatin1StringView("b")));
}

void TestJsonScalars::refusals_data()
{
    QTest::addColumn<QByteArray>("text");
    // Valid JSON a full parser must see: whitespace, escapes, nesting, repeated keys,
    // non-ASCII text.
    QTest::newRow("space") << QByteArray(R"({"a": 1})");
    QTest::newRow("escape in value") << QByteArray(R"({"a":"x\"y"})");
    QTest::newRow("escape in key") << QByteArray(R"({"a\u0041":1})");
    QTest::newRow("nested object") << QByteArray(R"({"a":{"b":1}})");
    QTest::newRow("array") << QByteArray(R"({"a":[1]})");
    QTest::newRow("repeated key") << QByteArray(R"({"a":1,"a":2})");
    QTest::newRow("non-ASCII") << QByteArray("{\"a\":\"\xc3\xa9\"}");
    QTest::newRow("overflow") << QByteArray(R"({"a":1e400})");
    // Not JSON at all.
    QTest::newRow("leading zero") << QByteArray(R"({"a":01})");
    QTest::newRow("bare dot") << QByteArray(R"({"a":1.})");
    QTest::newRow("dot first") << QByteArray(R"({"a":.5})");
    QTest::newRow("plus") << QByteArray(R"({"a":+1})");
    QTest::newRow("minus alone") << QByteArray(R"({"a":-})");
    QTest::newRow("exponent alone") << QByteArray(R"({"a":1e})");
    QTest::newRow("NaN") << QByteArray(R"({"a":NaN})");
    QTest::newRow("short literal") << QByteArray(R"({"a":tru})");
    QTest::newRow("trailing comma") << QByteArray(R"({"a":1,})");
    QTest::newRow("no value") << QByteArray(R"({"a":})");
    QTest::newRow("no colon") << QByteArray(R"({"a"1})");
    QTest::newRow("unquoted key") << QByteArray(R"({a:1})");
    QTest::newRow("unclosed") << QByteArray(R"({"a":1)");
    QTest::newRow("unclosed string") << QByteArray(R"({"a":"x)");
    QTest::newRow("control character") << QByteArray("{\"a\":\"x\ty\"}");
    QTest::newRow("not an object") << QByteArray("[1]");
    QTest::newRow("empty text") << QByteArray();
}

void TestJsonScalars::refusals()
{
    QFETCH(QByteArray, text);
    ScalarObject object;
    QCOMPARE(object.read(text), 0);
}

void TestJsonScalars::tooManyMembers()
{
    QByteArray text = "{";
    for (int i = 0; i <= ScalarObject::MaxMembers; ++i)
        text += (i ? ",\"k" : "\"k") + QByteArray::number(i) + "\":1";
    text += '}';
    ScalarObject object;
    QCOMPARE(object.read(text), 0);
}

void TestJsonScalars::randomTextIsNeverMisread()
{
    // Text made of JSON's own characters, valid or not: anything accepted reads as Qt reads.
    static constexpr char kAlphabet[] = R"({}[]":,.-+eE0123456789truefalsnl \ab)";
    QRandomGenerator rng(3);
    int accepted = 0;
    for (int i = 0; i < 200000; ++i) {
        QByteArray text = "{\"";
        const int length = rng.bounded(1, 24);
        for (int j = 0; j < length; ++j)
            text += kAlphabet[rng.bounded(int(sizeof kAlphabet) - 1)];
        ScalarObject object;
        const qsizetype n = object.read(text);
        if (n == 0)
            continue;
        ++accepted;
        const QString why = disagreement(object, QByteArrayView(text).first(n));
        QVERIFY2(why.isEmpty(), qPrintable(QString::fromLatin1(text) + QStringLiteral(": ") + why));
    }
    QVERIFY(accepted > 0);
}

void TestJsonScalars::randomObjectsReadAsQtReadsThem()
{
    QRandomGenerator rng(9);
    for (int i = 0; i < 20000; ++i) {
        QByteArray text = "{";
        const int members = rng.bounded(0, 8);
        for (int m = 0; m < members; ++m) {
            text += (m ? ",\"k" : "\"k") + QByteArray::number(m) + "\":";
            switch (rng.bounded(5)) {
            case 0:
                text += QByteArray::number((rng.generateDouble() - 0.5) *
                                               std::pow(10.0, rng.bounded(-8, 12)),
                                           'g', rng.bounded(1, 18));
                break;
            case 1:
                text += QByteArray::number(qint64(rng.generate64() >> rng.bounded(1, 64)));
                break;
            case 2:
                text += "\"2026-11-27T04:05:06." + QByteArray::number(rng.bounded(1000)) + "Z\"";
                break;
            case 3:
                text += rng.bounded(2) ? "true" : "false";
                break;
            default:
                text += "null";
            }
        }
        text += '}';
        ScalarObject object;
        QCOMPARE(object.read(text), text.size());
        const QString why = disagreement(object, text);
        QVERIFY2(why.isEmpty(), qPrintable(QString::fromLatin1(text) + QStringLiteral(": ") + why));
    }
}

QTEST_APPLESS_MAIN(TestJsonScalars)
#include "tst_jsonscalars.moc"
