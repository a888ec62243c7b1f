#include "tlsidentity.h"

#include "core/privatefiles.h"
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QSysInfo>

Q_LOGGING_CATEGORY(lcTls, "depot.tls")

namespace depot {

namespace {

const QString kCertificateFile = QStringLiteral("depot-hub.crt");
const QString kKeyFile = QStringLiteral("depot-hub.key");
// Apple devices refuse server certificates valid for longer than 398 days.
constexpr int kValidityDays = 397;
// A certificate this close to its end is made again, so a depot never meets an expired one.
constexpr qint64 kRenewBeforeSeconds = 30 * 24 * 3600;
constexpr int kOpensslTimeoutMs = 60000;

Error tlsError(const QString &message)
{
    return makeError(ErrorCode::ValidationFailed, message);
}

/// Runs the openssl command; gives its standard output, or nothing with `error` set.
std::optional<QByteArray> runOpenssl(const QStringList &arguments, QString *error)
{
    const QString program = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (program.isEmpty()) {
        *error = QStringLiteral("the openssl command is not installed");
        return std::nullopt;
    }
    QProcess process;
    process.start(program, arguments);
    process.closeWriteChannel(); // never wait for a pass phrase on a terminal
    if (!process.waitForFinished(kOpensslTimeoutMs) ||
        process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        const QString why = QString::fromLocal8Bit(process.readAllStandardError())
                                .split(QLatin1Char('\n'), Qt::SkipEmptyParts)
                                .value(0, process.errorString());
        *error = QStringLiteral("openssl %1 failed: %2").arg(arguments.value(0), why.trimmed());
        return std::nullopt;
    }
    return process.readAllStandardOutput();
}

std::optional<QByteArray> readFile(const QString &path, const QString &what, QString *error)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QStringLiteral("the %1 file %2 does not exist").arg(what, path);
        return std::nullopt;
    }
    QFile file(path);
    if (!info.isFile() || !file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the %1 file %2").arg(what, path);
        return std::nullopt;
    }
    return file.readAll();
}

QSslKey parsePrivateKey(const QByteArray &pem)
{
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            return key;
    }
    return {};
}

/// Whether the key belongs to the certificate: both public keys as openssl prints them.
/// Qt cannot derive a public key from a private one, so the openssl command compares them;
/// without it the check is skipped and a mismatch shows as failed handshakes.
std::optional<QString> keyMismatch(const QString &certificatePath, const QString &keyPath)
{
    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty()) {
        qCWarning(lcTls) << "openssl is not installed: not checking that" << keyPath << "belongs to"
                         << certificatePath;
        return std::nullopt;
    }
    QString error;
    const auto fromCertificate =
        runOpenssl({QStringLiteral("x509"), QStringLiteral("-in"), certificatePath,
                    QStringLiteral("-noout"), QStringLiteral("-pubkey")},
                   &error);
    const auto fromKey = fromCertificate
                             ? runOpenssl({QStringLiteral("pkey"), QStringLiteral("-in"), keyPath,
                                           QStringLiteral("-pubout"), QStringLiteral("-passin"),
                                           QStringLiteral("pass:")},
                                          &error)
                             : std::nullopt;
    if (!fromCertificate || !fromKey)
        return error;
    if (fromCertificate->trimmed() != fromKey->trimmed())
        return QStringLiteral("the key %1 does not belong to the certificate %2")
            .arg(keyPath, certificatePath);
    return std::nullopt;
}

QHostAddress withoutScope(QHostAddress address)
{
    address.setScopeId(QString());
    return address;
}

/// A host name as a certificate may name it (letters, digits, dots, dashes), or empty.
QString dnsName(const QString &name)
{
    static const QRegularExpression valid(
        QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"));
    return valid.match(name).hasMatch() ? name.toLower() : QString();
}

} // namespace

QString TlsIdentity::sha256Fingerprint() const
{
    return QString::fromLatin1(certificate().digest(QCryptographicHash::Sha256).toHex(':'))
        .toUpper();
}

QSslConfiguration TlsIdentity::serverConfiguration() const
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    configuration.setProtocol(QSsl::SecureProtocols);
    return configuration;
}

Result<TlsIdentity> loadTlsIdentity(const QString &certificatePath, const QString &keyPath)
{
    QString error;
    const auto certificateBytes = readFile(certificatePath, QStringLiteral("certificate"), &error);
    if (!certificateBytes)
        return tlsError(error);
    const auto keyBytes = readFile(keyPath, QStringLiteral("key"), &error);
    if (!keyBytes)
        return tlsError(error);

    TlsIdentity identity;
    identity.certificatePath = QFileInfo(certificatePath).absoluteFilePath();
    identity.keyPath = QFileInfo(keyPath).absoluteFilePath();
    identity.chain = QSslCertificate::fromData(*certificateBytes, QSsl::Pem);
    if (identity.chain.isEmpty() || identity.chain.constFirst().isNull())
        return tlsError(
            QStringLiteral("%1 holds no PEM certificate").arg(identity.certificatePath));
    identity.key = parsePrivateKey(*keyBytes);
    if (identity.key.isNull()) {
        if (keyBytes->contains("ENCRYPTED"))
            return tlsError(QStringLiteral("the key %1 is protected by a pass phrase; Depot needs "
                                           "it unencrypted (readable by its user only)")
                                .arg(identity.keyPath));
        return tlsError(QStringLiteral("%1 holds no PEM private key").arg(identity.keyPath));
    }
    if (const auto mismatch = keyMismatch(identity.certificatePath, identity.keyPath))
        return tlsError(*mismatch);
    return identity;
}

CertificateSubjects localCertificateSubjects()
{
    CertificateSubjects subjects;
    subjects.dnsNames << QStringLiteral("localhost");
    const QString host = dnsName(QSysInfo::machineHostName());
    if (!host.isEmpty() && host != QLatin1String("localhost")) {
        subjects.dnsNames << host;
        // Phones find the machine by multicast DNS under this name.
        if (!host.contains(QLatin1Char('.')))
            subjects.dnsNames << host + QStringLiteral(".local");
    }
    subjects.addresses << QHostAddress(QHostAddress::LocalHost)
                       << QHostAddress(QHostAddress::LocalHostIPv6);
    const auto interfaces = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &interface : interfaces) {
        const auto flags = interface.flags();
        if (!flags.testFlag(QNetworkInterface::IsUp) ||
            flags.testFlag(QNetworkInterface::IsLoopBack))
            continue;
        for (const QNetworkAddressEntry &entry : interface.addressEntries()) {
            // Temporary IPv6 addresses change daily and never take incoming connections.
            if (entry.isTemporary() || entry.ip().isLoopback() || entry.ip().isNull())
                continue;
            const QHostAddress address = withoutScope(entry.ip());
            if (!subjects.addresses.contains(address))
                subjects.addresses << address;
        }
    }
    return subjects;
}

QString renewalReason(const QSslCertificate &certificate, const CertificateSubjects &subjects,
                      const QDateTime &now)
{
    if (certificate.isNull())
        return QStringLiteral("it cannot be read");
    if (certificate.expiryDate().toSecsSinceEpoch() - now.toSecsSinceEpoch() < kRenewBeforeSeconds)
        return QStringLiteral("it expires on %1")
            .arg(certificate.expiryDate().toUTC().toString(Qt::ISODate));
    const auto names = certificate.subjectAlternativeNames();
    QSet<QString> dns;
    for (const QString &name : names.values(QSsl::DnsEntry))
        dns.insert(name.toLower());
    for (const QString &name : subjects.dnsNames) {
        if (!dns.contains(name.toLower()))
            return QStringLiteral("it does not name %1").arg(name);
    }
    QList<QHostAddress> addresses;
    for (const QString &text : names.values(QSsl::IpAddressEntry))
        addresses << QHostAddress(text);
    for (const QHostAddress &address : subjects.addresses) {
        if (!addresses.contains(address))
            return QStringLiteral("it does not name %1").arg(address.toString());
    }
    return {};
}

Result<TlsIdentity> ensureSelfSignedIdentity(const QString &directory,
                                             const CertificateSubjects &subjects,
                                             const QDateTime &now)
{
    if (!PrivateFiles::makeDirectory(directory))
        return tlsError(QStringLiteral("cannot create the folder %1").arg(directory));
    const QDir dir(directory);
    const QString certificatePath = dir.filePath(kCertificateFile);
    const QString keyPath = dir.filePath(kKeyFile);
    PrivateFiles::restrictFile(keyPath); // one made before keys were kept 0600 everywhere

    if (QFile::exists(certificatePath) && QFile::exists(keyPath)) {
        auto kept = loadTlsIdentity(certificatePath, keyPath);
        const QString reason =
            kept ? renewalReason(kept->certificate(), subjects, now) : kept.error().message;
        if (reason.isEmpty())
            return kept;
        qCInfo(lcTls).noquote() << "making a new self-signed certificate:" << reason;
    }

    QStringList alternativeNames;
    for (const QString &name : subjects.dnsNames)
        alternativeNames << QStringLiteral("DNS:") + name;
    for (const QHostAddress &address : subjects.addresses)
        alternativeNames << QStringLiteral("IP:") + address.toString();
    const QString host = dnsName(QSysInfo::machineHostName());
    const QString commonName = QStringLiteral("Depot hub %1").arg(host).trimmed().left(64);

    // Written beside the kept files and renamed over them only once both are complete.
    const QString newCertificate = certificatePath + QStringLiteral(".new");
    const QString newKey = keyPath + QStringLiteral(".new");
    QString error;
    // openssl writes into a file that is 0600 already, not one the umask decided.
    QFile::remove(newKey);
    PrivateFiles::createFile(newKey);
    const auto made = runOpenssl(
        {QStringLiteral("req"),      QStringLiteral("-x509"),
         QStringLiteral("-newkey"),  QStringLiteral("ec"),
         QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
         QStringLiteral("-nodes"),   QStringLiteral("-sha256"),
         QStringLiteral("-days"),    QString::number(kValidityDays),
         QStringLiteral("-subj"),    QStringLiteral("/O=Depot/CN=") + commonName,
         QStringLiteral("-addext"),  QStringLiteral("subjectAltName=") + alternativeNames.join(','),
         QStringLiteral("-addext"),  QStringLiteral("extendedKeyUsage=serverAuth"),
         QStringLiteral("-keyout"),  newKey,
         QStringLiteral("-out"),     newCertificate},
        &error);
    if (!made) {
        QFile::remove(newKey);
        QFile::remove(newCertificate);
        return tlsError(QStringLiteral("cannot make a self-signed certificate in %1: %2")
                            .arg(directory, error));
    }
    QFile::setPermissions(newKey, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QFile::remove(keyPath);
    QFile::remove(certificatePath);
    if (!QFile::rename(newKey, keyPath) || !QFile::rename(newCertificate, certificatePath))
        return tlsError(QStringLiteral("cannot write the certificate files in %1").arg(directory));
    qCInfo(lcTls).noquote() << "made a self-signed certificate for" << alternativeNames.join(' ');
    return loadTlsIdentity(certificatePath, keyPath);
}

} // namespace depot
