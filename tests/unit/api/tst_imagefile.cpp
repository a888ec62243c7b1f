// imagefile: what a proof's file is, by its first bytes, and its copy without metadata (EXIF
// with GPS, XMP, comments, text chunks) for trackers, with everything else byte for byte.
#include "core/imagefile.h"

#include <QTest>
#include <QtEndian>

using namespace depot;

namespace {

QByteArray be16(int v)
{
    QByteArray b(2, 0);
    qToBigEndian<quint16>(quint16(v), b.data());
    return b;
}

QByteArray be32(quint32 v)
{
    QByteArray b(4, 0);
    qToBigEndian<quint32>(v, b.data());
    return b;
}

QByteArray le32(quint32 v)
{
    QByteArray b(4, 0);
    qToLittleEndian<quint32>(v, b.data());
    return b;
}

QByteArray segment(quint8 marker, const QByteArray &payload)
{
    return QByteArray("\xFF") + char(marker) + be16(int(payload.size()) + 2) + payload;
}

const QByteArray kGps = "GPSLatitude 51.5007 N";

QByteArray jpeg(bool withMetadata)
{
    QByteArray j("\xFF\xD8", 2);
    j += segment(0xE0, QByteArray("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14));
    if (withMetadata) {
        j += segment(0xE1, QByteArray("Exif\0\0MM\0*", 10) + kGps);
        j += segment(0xFE, "a comment");
        j += segment(0xE1, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>");
    }
    j += segment(0xDB, QByteArray(65, '\x01'));
    j += segment(0xDA, QByteArray("\x01\x01\x00\x00\x3F\x00", 6));
    j += QByteArray("\x12\x34\xFF\x00\x56\xFF\xD9", 7); // entropy-coded data, then EOI
    return j;
}

QByteArray chunk(const char *type, const QByteArray &data)
{
    return be32(quint32(data.size())) + type + data + QByteArray(4, '\xAB');
}

QByteArray png(bool withMetadata)
{
    QByteArray p("\x89PNG\r\n\x1a\n", 8);
    p += chunk("IHDR", QByteArray(13, '\x01'));
    if (withMetadata) {
        p += chunk("eXIf", QByteArray("MM\0*", 4) + kGps);
        p += chunk("tEXt", "Comment\0hello");
        p += chunk("iTXt", "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>");
    }
    p += chunk("IDAT", "compressed pixels");
    p += chunk("IEND", {});
    return p;
}

QByteArray riffChunk(const char *fourcc, const QByteArray &data)
{
    QByteArray c = fourcc + le32(quint32(data.size())) + data;
    if (data.size() % 2)
        c += '\0';
    return c;
}

QByteArray webp(bool withMetadata)
{
    QByteArray flags(10, '\0');
    flags[0] = char(withMetadata ? 0x10 | 0x08 | 0x04 : 0x10); // alpha, EXIF, XMP
    QByteArray body = "WEBP" + riffChunk("VP8X", flags) + riffChunk("VP8L", "lossless bits");
    if (withMetadata)
        body +=
            riffChunk("EXIF", QByteArray("MM\0*", 4) + kGps) + riffChunk("XMP ", "<x:xmpmeta/>");
    return "RIFF" + le32(quint32(body.size())) + body;
}

} // namespace

class tst_ImageFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sniffsByBytes();
    void jpegLosesApp1AndComments();
    void pngLosesExifAndText();
    void webpLosesExifAndXmp();
    void withoutMetadataIsUnchanged();
    void brokenStructureIsRefused_data();
    void brokenStructureIsRefused();
};

void tst_ImageFile::sniffsByBytes()
{
    QCOMPARE(imagefile::sniff(jpeg(true)), ImageType::Jpeg);
    QCOMPARE(imagefile::sniff(png(true)), ImageType::Png);
    QCOMPARE(imagefile::sniff(webp(true)), ImageType::WebP);
    QVERIFY(!imagefile::sniff("GIF89a..."));
    QVERIFY(!imagefile::sniff("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"));
    QVERIFY(!imagefile::sniff("RIFF\0\0\0\0WAVE"));
    QVERIFY(!imagefile::sniff(""));
    QCOMPARE(imagefile::mimeType(ImageType::WebP), QStringLiteral("image/webp"));
}

void tst_ImageFile::jpegLosesApp1AndComments()
{
    const auto stripped = imagefile::withoutMetadata(jpeg(true), ImageType::Jpeg);
    QVERIFY(stripped);
    QCOMPARE(*stripped, jpeg(false));
    QVERIFY(!stripped->contains(kGps));
}

void tst_ImageFile::pngLosesExifAndText()
{
    const auto stripped = imagefile::withoutMetadata(png(true), ImageType::Png);
    QVERIFY(stripped);
    QCOMPARE(*stripped, png(false));
}

void tst_ImageFile::webpLosesExifAndXmp()
{
    const auto stripped = imagefile::withoutMetadata(webp(true), ImageType::WebP);
    QVERIFY(stripped);
    // Chunks gone, the RIFF size and the VP8X flags follow.
    QCOMPARE(*stripped, webp(false));
}

void tst_ImageFile::withoutMetadataIsUnchanged()
{
    for (const auto &[bytes, type] :
         {std::pair{jpeg(false), ImageType::Jpeg}, std::pair{png(false), ImageType::Png},
          std::pair{webp(false), ImageType::WebP}})
        QCOMPARE(imagefile::withoutMetadata(bytes, type), std::optional<QByteArray>(bytes));
}

void tst_ImageFile::brokenStructureIsRefused_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("type");
    QTest::newRow("jpeg cut in a segment") << jpeg(true).left(30) << int(ImageType::Jpeg);
    QTest::newRow("jpeg without scan")
        << QByteArray("\xFF\xD8\xFF\xE0\x00\x10", 6) << int(ImageType::Jpeg);
    QTest::newRow("jpeg junk between segments")
        << QByteArray("\xFF\xD8\xFF\xE0\x00\x02junk", 10) << int(ImageType::Jpeg);
    QTest::newRow("png without IEND") << png(true).chopped(12) << int(ImageType::Png);
    QTest::newRow("png chunk past the end") << png(false).left(20) << int(ImageType::Png);
    QTest::newRow("webp size past the end") << webp(true).left(30) << int(ImageType::WebP);
    QTest::newRow("png claimed, jpeg given") << jpeg(false) << int(ImageType::Png);
}

void tst_ImageFile::brokenStructureIsRefused()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, type);
    QVERIFY(!imagefile::withoutMetadata(bytes, ImageType(type)));
}

QTEST_GUILESS_MAIN(tst_ImageFile)
#include "tst_imagefile.moc"
