#include "proof.h"

#include "clock.h"

#include <QJsonArray>

namespace depot {

QString proofPolicyName(ProofPolicy policy)
{
    switch (policy) {
    case ProofPolicy::None:
        return QStringLiteral("none");
    case ProofPolicy::Optional:
        return QStringLiteral("optional");
    case ProofPolicy::Required:
        return QStringLiteral("required");
    }
    return QStringLiteral("optional");
}

std::optional<ProofPolicy> proofPolicyFromName(const QString &name)
{
    for (ProofPolicy p : {ProofPolicy::None, ProofPolicy::Optional, ProofPolicy::Required}) {
        if (proofPolicyName(p) == name)
            return p;
    }
    return std::nullopt;
}

QJsonObject ProofImage::toJson() const
{
    return QJsonObject{{QStringLiteral("type"), mimeType},
                       {QStringLiteral("sha256"), sha256},
                       {QStringLiteral("publicSha256"), publicSha256},
                       {QStringLiteral("bytes"), bytes}};
}

std::optional<ProofImage> ProofImage::fromJson(const QJsonObject &object)
{
    ProofImage image;
    image.mimeType = object.value(QStringLiteral("type")).toString();
    image.sha256 = object.value(QStringLiteral("sha256")).toString();
    image.publicSha256 = object.value(QStringLiteral("publicSha256")).toString(image.sha256);
    image.bytes = object.value(QStringLiteral("bytes")).toInteger();
    if (image.mimeType.isEmpty() || image.sha256.isEmpty())
        return std::nullopt;
    return image;
}

QString Proof::signatureUrl() const
{
    return QStringLiteral("/api/proofs/%1/signature").arg(id);
}

QString Proof::photoUrl(int index) const
{
    return QStringLiteral("/api/proofs/%1/photos/%2").arg(id).arg(index + 1);
}

QJsonObject Proof::summaryJson() const
{
    QJsonArray photoUrls;
    for (int i = 0; i < int(photos.size()); ++i)
        photoUrls.append(photoUrl(i));
    return QJsonObject{
        {QStringLiteral("id"), id},
        {QStringLiteral("recipientName"), recipientName},
        {QStringLiteral("photos"), photoUrls},
        {QStringLiteral("signature"), signature ? QJsonValue(signatureUrl()) : QJsonValue()}};
}

QJsonObject Proof::toJson(bool forTracker, bool photosForTrackers) const
{
    auto imageJson = [](const ProofImage &image, const QString &url) {
        return QJsonObject{{QStringLiteral("url"), url},
                           {QStringLiteral("type"), image.mimeType},
                           {QStringLiteral("bytes"), image.bytes}};
    };
    QJsonArray photoArray;
    if (!forTracker || photosForTrackers) {
        for (int i = 0; i < int(photos.size()); ++i)
            photoArray.append(imageJson(photos[size_t(i)], photoUrl(i)));
    }
    QJsonObject o{{QStringLiteral("id"), id},
                  {QStringLiteral("packageId"), packageId},
                  {QStringLiteral("recipientName"), recipientName},
                  {QStringLiteral("signature"),
                   signature ? QJsonValue(imageJson(*signature, signatureUrl())) : QJsonValue()},
                  {QStringLiteral("photos"), photoArray},
                  {QStringLiteral("createdAt"), isoTimestamp(createdAt)}};
    if (!forTracker) {
        o.insert(QStringLiteral("deliveryPersonId"), courierId);
        o.insert(QStringLiteral("note"), note);
    }
    return o;
}

} // namespace depot
