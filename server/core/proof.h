#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>
#include <vector>

namespace depot {

/// What a depot asks of a delivery: nothing, a proof when the courier gives one, or a proof
/// before a package may be COMPLETED (--proof).
enum class ProofPolicy { None, Optional, Required };

QString proofPolicyName(ProofPolicy policy);
std::optional<ProofPolicy> proofPolicyFromName(const QString &name);

/// One image of a proof of delivery; its bytes are kept in the data dir under their SHA-256.
struct ProofImage
{
    QString mimeType; // sniffed from the bytes: image/png, image/jpeg or image/webp
    QString sha256;   // hex, of the bytes as the courier sent them
    // Hex SHA-256 of the copy without metadata (EXIF, XMP, text) that trackers get; the same
    // as sha256 when the image had none.
    QString publicSha256;
    qint64 bytes = 0;

    QJsonObject toJson() const;
    static std::optional<ProofImage> fromJson(const QJsonObject &object);
};

/// A proof of delivery: who took the parcel, their signature and up to three photos.
struct Proof
{
    static constexpr int kMaxPhotos = 3;

    QString id;
    QString packageId;
    QString courierId;
    QString recipientName;
    QString note;
    std::optional<ProofImage> signature;
    std::vector<ProofImage> photos;
    QDateTime createdAt;

    /// Where its images are served: /api/proofs/{id}/signature and /api/proofs/{id}/photos/{n}
    /// (n from 1).
    QString signatureUrl() const;
    QString photoUrl(int index) const;
    /// What events carry: {"id","recipientName","photos":[urls],"signature":url|null}.
    QJsonObject summaryJson() const;
    /// The REST view; trackers get neither the note nor, unless `photosForTrackers`, the photos.
    QJsonObject toJson(bool forTracker, bool photosForTrackers) const;
};

} // namespace depot
