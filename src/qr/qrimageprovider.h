#pragma once

#include <QImage>
#include <QQuickImageProvider>

namespace depot {

/// QR codes for QML: `image://qr/<text>` is the text's QR code, black on white with the quiet
/// zone readers need, scaled to the requested size in whole pixels per module.
class QrImageProvider : public QQuickImageProvider
{
public:
    QrImageProvider();

    QImage requestImage(const QString &id, QSize *size, const QSize &requestedSize) override;

    /// The code of `text` with one pixel per module and a four-module border; null on failure.
    static QImage encode(const QString &text);
};

} // namespace depot
