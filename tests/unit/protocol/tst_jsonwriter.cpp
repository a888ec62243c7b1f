#include "protocol/jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using depot::json::Writer;
using namespace Qt::Literals::StringLiterals;

class TestJsonWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesQJsonDocument()
    {
        Writer w;
        w.beginObject()
            .key("id"_L1)
            .string(u"c-\"1\"\\\n\u00e9\u2028")
            .key("none"_L1)
            .null()
            .key("location"_L1)
            .beginObject()
            .key("latitude"_L1)
            .number(53.551086)
            .key("longitude"_L1)
            .number(-9.993682)
            .endObject()
            .key("eta"_L1)
            .number(120)
            .key("speed"_L1)
            .numberOrNull(std::nullopt)
            .key("heading"_L1)
            .numberOrNull(271.5)
            .endObject();
        const QJsonObject expected{
            {u"id"_s, u"c-\"1\"\\\n\u00e9\u2028"_s},
            {u"none"_s, QJsonValue::Null},
            {u"location"_s, QJsonObject{{u"latitude"_s, 53.551086}, {u"longitude"_s, -9.993682}}},
            {u"eta"_s, 120},
            {u"speed"_s, QJsonValue::Null},
            {u"heading"_s, 271.5}};
        // Same text as Qt writes for the same values, and it reads back to them.
        QCOMPARE(QJsonDocument::fromJson(w.bytes()).object(), expected);
        QCOMPARE(w.bytes().size(), QJsonDocument(expected).toJson(QJsonDocument::Compact).size());
    }

    void numbersReadBackExactly()
    {
        QRandomGenerator rng(7);
        for (int i = 0; i < 10000; ++i) {
            const double d = (rng.generateDouble() - 0.5) * std::pow(10.0, rng.bounded(-6, 9));
            Writer w;
            w.number(d);
            bool ok = false;
            QCOMPARE(w.bytes().toDouble(&ok), d);
            QVERIFY(ok);
            // As short as Qt's own shortest form, so no longer on the wire than before.
            const QByteArray qt = QJsonDocument(QJsonArray{d}).toJson(QJsonDocument::Compact);
            QCOMPARE(w.bytes(), qt.mid(1, qt.size() - 2));
        }
    }

    void specialNumbers()
    {
        auto text = [](double d) {
            Writer w;
            w.number(d);
            return w.bytes();
        };
        QCOMPARE(text(0), QByteArray("0"));
        QCOMPARE(text(-0.0), QByteArray("0"));
        QCOMPARE(text(42), QByteArray("42"));
        QCOMPARE(text(-17), QByteArray("-17"));
        QCOMPARE(text(0.1), QByteArray("0.1"));
        QCOMPARE(text(qQNaN()), QByteArray("null"));
        QCOMPARE(text(qInf()), QByteArray("null"));
    }
};

QTEST_APPLESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"
