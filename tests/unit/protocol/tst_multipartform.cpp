// MultipartForm: multipart/form-data bodies as browsers, curl and Python's requests write them,
// and everything else refused as malformed or, for a part over its limit, as too large.
#include "protocol/multipartform.h"

#include <QRandomGenerator>
#include <QTest>

using namespace depot;

namespace {

QByteArray form(const QByteArray &boundary, const QList<QByteArray> &parts)
{
    QByteArray body;
    for (const QByteArray &part : parts)
        body += "--" + boundary + "\r\n" + part + "\r\n";
    body += "--" + boundary + "--\r\n";
    return body;
}

} // namespace

class tst_MultipartForm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void boundaryOfContentType_data();
    void boundaryOfContentType();
    void fieldsAndFiles();
    void quotedParameters();
    void preambleEpilogueAndPadding();
    void emptyBodyOfAPart();
    void malformed_data();
    void malformed();
    void oversizedPart();
    void tooManyParts();
    void garbageNeverCrashes();
};

void tst_MultipartForm::boundaryOfContentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("boundary");
    QTest::newRow("plain") << QByteArray("multipart/form-data; boundary=abc123")
                           << QByteArray("abc123");
    QTest::newRow("case") << QByteArray("Multipart/Form-Data; BOUNDARY=x") << QByteArray("x");
    QTest::newRow("quoted") << QByteArray("multipart/form-data; boundary=\"a b;c\"")
                            << QByteArray("a b;c");
    QTest::newRow("other param first")
        << QByteArray("multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundaryQ")
        << QByteArray("----WebKitFormBoundaryQ");
    QTest::newRow("json") << QByteArray("application/json") << QByteArray();
    QTest::newRow("mixed") << QByteArray("multipart/mixed; boundary=x") << QByteArray();
    QTest::newRow("no boundary") << QByteArray("multipart/form-data") << QByteArray();
    QTest::newRow("empty boundary") << QByteArray("multipart/form-data; boundary=") << QByteArray();
    QTest::newRow("too long") << QByteArray("multipart/form-data; boundary=" + QByteArray(71, 'x'))
                              << QByteArray();
    QTest::newRow("open quote") << QByteArray("multipart/form-data; boundary=\"abc")
                                << QByteArray();
}

void tst_MultipartForm::boundaryOfContentType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, boundary);
    QCOMPARE(MultipartForm::boundaryOf(contentType), boundary);
}

void tst_MultipartForm::fieldsAndFiles()
{
    const QByteArray png("\x89PNG\r\n\x1a\n\r\n--not-the-boundary\r\n", 30);
    const QByteArray body =
        form("XyZ", {"Content-Disposition: form-data; name=\"recipientName\"\r\n\r\nGrace Hopper",
                     "Content-Disposition: form-data; name=\"signature\"; filename=\"sig.png\"\r\n"
                     "Content-Type: image/png\r\n\r\n" +
                         png,
                     "content-disposition: form-data; name=note\r\n\r\n"});
    const MultipartForm parsed = MultipartForm::parse(body, "XyZ");
    QVERIFY2(parsed.ok(), qPrintable(parsed.message));
    QCOMPARE(parsed.parts.size(), size_t(3));
    QCOMPARE(parsed.parts[0].name, QByteArray("recipientName"));
    QVERIFY(!parsed.parts[0].isFile);
    QCOMPARE(parsed.parts[0].data, QByteArrayView("Grace Hopper"));
    QCOMPARE(parsed.parts[1].name, QByteArray("signature"));
    QVERIFY(parsed.parts[1].isFile);
    QCOMPARE(parsed.parts[1].filename, QByteArray("sig.png"));
    QCOMPARE(parsed.parts[1].contentType, QByteArray("image/png"));
    QCOMPARE(parsed.parts[1].data.toByteArray(), png); // CRLF and dashes inside kept
    QCOMPARE(parsed.parts[2].name, QByteArray("note"));
    QVERIFY(parsed.parts[2].data.isEmpty());
}

void tst_MultipartForm::quotedParameters()
{
    const QByteArray body =
        form("b", {"Content-Disposition: form-data; name=\"photo\"; filename=\"a \\\"quoted\\\"; "
                   "name.jpg\"\r\n\r\nJ",
                   "Content-Disposition: form-data ; name = \"x;y\" ; filename=\"\"\r\n\r\n"});
    const MultipartForm parsed = MultipartForm::parse(body, "b");
    QVERIFY2(parsed.ok(), qPrintable(parsed.message));
    QCOMPARE(parsed.parts[0].name, QByteArray("photo"));
    QCOMPARE(parsed.parts[0].filename, QByteArray("a \"quoted\"; name.jpg"));
    QCOMPARE(parsed.parts[1].name, QByteArray("x;y"));
    QVERIFY(parsed.parts[1].isFile); // an empty filename: a file input left empty
    QVERIFY(parsed.parts[1].filename.isEmpty());
}

void tst_MultipartForm::preambleEpilogueAndPadding()
{
    const QByteArray body = "This is a preamble.\r\n--q  \t\r\n"
                            "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
                            "--q--\r\nand an epilogue that --q is not parsed";
    const MultipartForm parsed = MultipartForm::parse(body, "q");
    QVERIFY2(parsed.ok(), qPrintable(parsed.message));
    QCOMPARE(parsed.parts.size(), size_t(1));
    QCOMPARE(parsed.parts[0].data, QByteArrayView("1"));
}

void tst_MultipartForm::emptyBodyOfAPart()
{
    const MultipartForm parsed = MultipartForm::parse(
        "--q\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--q--", "q");
    QVERIFY2(parsed.ok(), qPrintable(parsed.message));
    QCOMPARE(parsed.parts.size(), size_t(1));
    QVERIFY(parsed.parts[0].data.isEmpty());
}

void tst_MultipartForm::malformed_data()
{
    QTest::addColumn<QByteArray>("body");
    const QByteArray disposition = "Content-Disposition: form-data; name=\"a\"\r\n";
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("no boundary at all") << QByteArray("name=a&b=c");
    QTest::newRow("no close delimiter") << QByteArray("--q\r\n" + disposition + "\r\n1");
    QTest::newRow("delimiter line does not end") << QByteArray("--q");
    QTest::newRow("headers do not end") << QByteArray("--q\r\n" + disposition);
    QTest::newRow("no disposition")
        << QByteArray("--q\r\nContent-Type: text/plain\r\n\r\n1\r\n--q--");
    QTest::newRow("not form-data")
        << QByteArray("--q\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--q--");
    QTest::newRow("no name") << QByteArray(
        "--q\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\n1\r\n--q--");
    QTest::newRow("empty name") << QByteArray(
        "--q\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n--q--");
    QTest::newRow("open quote") << QByteArray(
        "--q\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n--q--");
    QTest::newRow("header without colon")
        << QByteArray("--q\r\n" + disposition + "garbage\r\n\r\n1\r\n--q--");
    QTest::newRow("text after boundary") << QByteArray("--qx\r\n" + disposition + "\r\n1\r\n--q--");
    QTest::newRow("long header") << QByteArray(
        "--q\r\n" + disposition + "X-Long: " + QByteArray(9000, 'a') + "\r\n\r\n1\r\n--q--");
}

void tst_MultipartForm::malformed()
{
    QFETCH(QByteArray, body);
    const MultipartForm parsed = MultipartForm::parse(body, "q");
    QCOMPARE(parsed.error, MultipartForm::Error::Malformed);
    QVERIFY(!parsed.message.isEmpty());
    QVERIFY(parsed.parts.empty());
}

void tst_MultipartForm::oversizedPart()
{
    MultipartLimits limits;
    limits.maxPartBytes = 10;
    const QByteArray fits =
        form("q", {"Content-Disposition: form-data; name=\"a\"\r\n\r\n" + QByteArray(10, 'x')});
    QVERIFY(MultipartForm::parse(fits, "q", limits).ok());
    const QByteArray over = form("q", {"Content-Disposition: form-data; name=\"photo\"; "
                                       "filename=\"p.jpg\"\r\n\r\n" +
                                       QByteArray(11, 'x')});
    const MultipartForm parsed = MultipartForm::parse(over, "q", limits);
    QCOMPARE(parsed.error, MultipartForm::Error::PartTooLarge);
    QVERIFY2(parsed.message.contains(QLatin1String("photo")), qPrintable(parsed.message));
}

void tst_MultipartForm::tooManyParts()
{
    MultipartLimits limits;
    limits.maxParts = 2;
    const QByteArray part = "Content-Disposition: form-data; name=\"a\"\r\n\r\n1";
    QVERIFY(MultipartForm::parse(form("q", {part, part}), "q", limits).ok());
    QCOMPARE(MultipartForm::parse(form("q", {part, part, part}), "q", limits).error,
             MultipartForm::Error::Malformed);
}

void tst_MultipartForm::garbageNeverCrashes()
{
    // Random bytes and random cuts of a good body: an answer every time, parts inside the body.
    QRandomGenerator random(16);
    const QByteArray good = form("q", {"Content-Disposition: form-data; name=\"a\"\r\n\r\nvalue",
                                       "Content-Disposition: form-data; name=\"b\"; "
                                       "filename=\"f\"\r\n\r\nfile bytes"});
    for (int i = 0; i < 2000; ++i) {
        QByteArray body;
        if (i % 2) {
            body = good.left(qsizetype(random.bounded(good.size() + 1)));
            if (!body.isEmpty())
                body[qsizetype(random.bounded(body.size()))] = char(random.bounded(256));
        } else {
            body.resize(qsizetype(random.bounded(200)));
            for (char &c : body)
                c = "-q\r\n:;=\" ab"[random.bounded(12)];
        }
        const MultipartForm parsed = MultipartForm::parse(body, "q");
        for (const MultipartPart &part : parsed.parts) {
            QVERIFY(part.data.data() >= body.constData());
            QVERIFY(part.data.data() + part.data.size() <= body.constData() + body.size());
        }
        QVERIFY(parsed.ok() || !parsed.message.isEmpty());
    }
}

QTEST_GUILESS_MAIN(tst_MultipartForm)
#include "tst_multipartform.moc"
