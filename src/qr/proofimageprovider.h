#pragma once

#include <QHash>
#include <QImage>
#include <QMutex>
#include <QQuickImageProvider>

namespace depot {

/// The images of proofs of delivery for QML: `image://proof/<proof id>/signature` and
/// `image://proof/<proof id>/photos/<n>`, as the console controller read them for a package
/// (QML asks on its own threads, so they are handed over decoded).
class ProofImageProvider : public QQuickImageProvider
{
public:
    ProofImageProvider();

    /// Replaces the images of one proof, by their paths below its id ("signature", "photos/1").
    void setImages(const QString &proofId, const QHash<QString, QImage> &images);
    QImage requestImage(const QString &id, QSize *size, const QSize &requestedSize) override;

private:
    QMutex m_mutex;
    QHash<QString, QImage> m_images; // "<proof id>/<path>"
};

} // namespace depot
