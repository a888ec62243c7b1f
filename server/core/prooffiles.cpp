#include "prooffiles.h"

#include "privatefiles.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

namespace depot {

namespace {

// Syncs a file or folder to disk; a folder so that a rename in it is durable.
bool syncPath(const QString &path, bool directory)
{
#ifdef Q_OS_UNIX
    const int fd = ::open(QFile::encodeName(path).constData(),
                          (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
#else
    (void)path, (void)directory;
    return true;
#endif
}

} // namespace

ProofFiles::ProofFiles(QString directory)
    : m_directory(std::move(directory))
{}

QString ProofFiles::hashOf(QByteArrayView bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QString ProofFiles::pathOf(const QString &sha256) const
{
    return m_directory + QLatin1Char('/') + sha256;
}

Result<QString> ProofFiles::put(QByteArrayView bytes)
{
    const QString hash = hashOf(bytes);
    const QString path = pathOf(hash);
    if (QFileInfo(path).size() == bytes.size())
        return hash; // the same bytes are there already
    if (!PrivateFiles::makeDirectory(m_directory))
        return makeError(ErrorCode::Internal,
                         QStringLiteral("cannot create the folder of proof images"));
    const QString temporary = path + QStringLiteral(".part");
    QFile file(temporary);
    auto failed = [&] {
        file.remove();
        return makeError(ErrorCode::Internal, QStringLiteral("cannot store a proof image"));
    };
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return failed();
    PrivateFiles::restrictFile(temporary);
    if (file.write(bytes.data(), bytes.size()) != bytes.size() || !file.flush())
        return failed();
#ifdef Q_OS_UNIX
    if (::fsync(file.handle()) != 0)
        return failed();
#endif
    file.close();
    QFile::remove(path); // a shorter, torn file of an earlier crash
    if (!QFile::rename(temporary, path))
        return failed();
    if (!syncPath(m_directory, true))
        return makeError(ErrorCode::Internal, QStringLiteral("cannot sync the proof images"));
    return hash;
}

std::optional<QByteArray> ProofFiles::get(const QString &sha256) const
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    if (!hex.match(sha256).hasMatch())
        return std::nullopt;
    QFile file(pathOf(sha256));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return file.readAll();
}

} // namespace depot
