#include "trackingtokens.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>

namespace depot {

QString TrackingTokens::derive(const QByteArray &secret, const QString &packageId)
{
    const QByteArray mac = QMessageAuthenticationCode::hash(
        QByteArrayLiteral("depot tracking token:") + packageId.toUtf8(), secret,
        QCryptographicHash::Sha256);
    return QString::fromLatin1(
        mac.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString TrackingTokens::hash(const QString &token)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256).toHex());
}

QByteArray TrackingTokens::randomSecret()
{
    QByteArray secret(kSecretSize, Qt::Uninitialized);
    for (char &c : secret)
        c = char(QRandomGenerator::system()->bounded(256));
    return secret;
}

} // namespace depot
