#include "proofimageprovider.h"

#include <QMutexLocker>

namespace depot {

ProofImageProvider::ProofImageProvider()
    : QQuickImageProvider(QQuickImageProvider::Image)
{}

void ProofImageProvider::setImages(const QString &proofId, const QHash<QString, QImage> &images)
{
    QMutexLocker lock(&m_mutex);
    m_images.removeIf([&proofId](const auto &entry) {
        return entry.key().startsWith(proofId + QLatin1Char('/'));
    });
    for (auto it = images.cbegin(); it != images.cend(); ++it)
        m_images.insert(proofId + QLatin1Char('/') + it.key(), it.value());
}

QImage ProofImageProvider::requestImage(const QString &id, QSize *size, const QSize &requestedSize)
{
    QImage image;
    {
        QMutexLocker lock(&m_mutex);
        image = m_images.value(id);
    }
    if (size)
        *size = image.size();
    if (image.isNull() || !requestedSize.isValid() || requestedSize.isEmpty())
        return image;
    return image.scaled(requestedSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

} // namespace depot
