#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QStringList>

class QSslConfiguration;

namespace depot {

/// The certificate (with any intermediates) and private key the hub's port presents.
struct TlsIdentity
{
    QList<QSslCertificate> chain; // the hub's own certificate first
    QSslKey key;
    QString certificatePath;
    QString keyPath;

    const QSslCertificate &certificate() const { return chain.constFirst(); }
    /// SHA-256 of the certificate as browsers show it: "AB:CD:...", 32 pairs.
    QString sha256Fingerprint() const;
    /// A server configuration presenting this identity, without asking clients for theirs.
    QSslConfiguration serverConfiguration() const;
};

/// Reads a PEM certificate file (intermediates may follow) and its unencrypted PEM private key,
/// and checks that the key belongs to the certificate. Errors are one sentence naming the file.
Result<TlsIdentity> loadTlsIdentity(const QString &certificatePath, const QString &keyPath);

/// What a self-signed certificate of this machine must name so that phones on the LAN can reach
/// the hub under any of its addresses.
struct CertificateSubjects
{
    QStringList dnsNames;
    QList<QHostAddress> addresses;
};

/// localhost, 127.0.0.1, ::1, the host name (and host.local) and every up, non-loopback,
/// non-temporary IPv4/IPv6 address of this machine.
CertificateSubjects localCertificateSubjects();

/// Why a kept self-signed certificate must be made again, or an empty string when it still fits:
/// a name or address it lacks, or less than 30 days left.
QString renewalReason(const QSslCertificate &certificate, const CertificateSubjects &subjects,
                      const QDateTime &now);

/// The self-signed identity kept in `directory` (depot-hub.crt and depot-hub.key), made with the
/// openssl command when missing, unreadable, near expiry or no longer naming every subject.
Result<TlsIdentity> ensureSelfSignedIdentity(const QString &directory,
                                             const CertificateSubjects &subjects,
                                             const QDateTime &now);

} // namespace depot
