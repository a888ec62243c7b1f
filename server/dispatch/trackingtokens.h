#pragma once

#include <QByteArray>
#include <QString>

namespace depot {

/// Tracking tokens derived from a package id and a secret of the data dir, so that the
/// database keeps only their hashes and a copy of it lets nobody track a package.
class TrackingTokens
{
public:
    static constexpr int kSecretSize = 32;

    /// base64url of HMAC-SHA256(secret, package id): 256 bits, 43 characters.
    static QString derive(const QByteArray &secret, const QString &packageId);
    /// Hex SHA-256 of a token, the form the store keeps.
    static QString hash(const QString &token);
    /// A fresh random secret, for a dispatch service that was given none.
    static QByteArray randomSecret();
};

} // namespace depot
