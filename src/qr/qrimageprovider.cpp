#include "qrimageprovider.h"

#include <QUrl>

#include <qrencode.h>

#include <memory>

namespace depot {

namespace {
constexpr int kQuietZone = 4; // modules of white around the code, as the standard asks
} // namespace

QrImageProvider::QrImageProvider()
    : QQuickImageProvider(QQuickImageProvider::Image)
{}

QImage QrImageProvider::encode(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString8bit(utf8.constData(), 0, QR_ECLEVEL_M), &QRcode_free);
    if (!code)
        return {};
    const int modules = code->width;
    const int side = modules + 2 * kQuietZone;
    QImage image(side, side, QImage::Format_Mono);
    image.setColor(0, qRgb(255, 255, 255));
    image.setColor(1, qRgb(0, 0, 0));
    image.fill(0);
    for (int y = 0; y < modules; ++y) {
        for (int x = 0; x < modules; ++x) {
            // The lowest bit of each byte is the module's colour; the others are libqrencode's.
            if (code->data[y * modules + x] & 1)
                image.setPixel(x + kQuietZone, y + kQuietZone, 1);
        }
    }
    return image;
}

QImage QrImageProvider::requestImage(const QString &id, QSize *size, const QSize &requestedSize)
{
    // QML hands the id percent-encoded when the text carries a URL's own characters.
    const QImage code = encode(QUrl::fromPercentEncoding(id.toUtf8()));
    if (code.isNull())
        return {};
    const int wanted = std::max(requestedSize.width(), requestedSize.height());
    // Whole pixels per module: a blurred edge makes a code hard to read.
    const int scale = std::max(1, wanted / code.width());
    QImage out = code.convertToFormat(QImage::Format_RGB32)
                     .scaled(code.size() * scale, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    if (size)
        *size = out.size();
    return out;
}

} // namespace depot
