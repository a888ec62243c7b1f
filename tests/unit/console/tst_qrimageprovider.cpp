// QrImageProvider: a code with its quiet zone, whole pixels per module, from a percent-encoded id.
#include "qrimageprovider.h"

#include <QTest>

using namespace depot;
using namespace Qt::StringLiterals;

class tst_QrImageProvider : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encodesWithAQuietZone();
    void scalesToTheRequestedSize();
};

void tst_QrImageProvider::encodesWithAQuietZone()
{
    const QImage code = QrImageProvider::encode(u"http://192.168.1.5:3000/courier?u=ada"_s);
    QVERIFY(!code.isNull());
    QCOMPARE(code.width(), code.height());
    // Version 3 or so: at least 21 modules plus the border of four on each side.
    QVERIFY(code.width() >= 21 + 8);
    // The border is white, the top-left finder pattern's corner is black.
    QCOMPARE(code.pixelColor(0, 0), QColor(Qt::white));
    QCOMPARE(code.pixelColor(3, 3), QColor(Qt::white));
    QCOMPARE(code.pixelColor(4, 4), QColor(Qt::black));
}

void tst_QrImageProvider::scalesToTheRequestedSize()
{
    QrImageProvider provider;
    QSize size;
    const QString text = u"http://10.0.0.2:3000/courier?u=bob"_s;
    const QImage image = provider.requestImage(QString::fromUtf8(QUrl::toPercentEncoding(text)),
                                               &size, QSize(240, 240));
    const QImage plain = QrImageProvider::encode(text);
    QVERIFY(!image.isNull());
    QCOMPARE(size, image.size());
    const int scale = 240 / plain.width();
    QCOMPARE(image.width(), plain.width() * scale);
    QVERIFY(image.width() <= 240);
    QCOMPARE(image.pixelColor(4 * scale, 4 * scale), QColor(Qt::black));
}

QTEST_GUILESS_MAIN(tst_QrImageProvider)
#include "tst_qrimageprovider.moc"
