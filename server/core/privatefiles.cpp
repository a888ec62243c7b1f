#include "privatefiles.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

namespace depot {

namespace {

constexpr QFileDevice::Permissions kOwnerFile = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr QFileDevice::Permissions kOwnerDirectory =
    QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner;

} // namespace

bool PrivateFiles::makeDirectory(const QString &path)
{
    return QDir().mkpath(path) && QFile::setPermissions(path, kOwnerDirectory);
}

bool PrivateFiles::restrictFile(const QString &path)
{
    return !QFileInfo::exists(path) || QFile::setPermissions(path, kOwnerFile);
}

bool PrivateFiles::createFile(const QString &path)
{
    if (!QFileInfo::exists(path)) {
        // Created with the mode already, so not even an empty file is ever readable by others.
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, kOwnerFile) &&
            !QFileInfo::exists(path))
            return false;
    }
    return QFile::setPermissions(path, kOwnerFile);
}

Result<QByteArray> PrivateFiles::loadOrCreateSecret(const QString &path, int size)
{
    QFile file(path);
    if (file.exists()) {
        if (!restrictFile(path) || !file.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::Internal, QStringLiteral("cannot read %1").arg(path));
        const QByteArray secret = file.readAll();
        if (secret.size() != size)
            return makeError(
                ErrorCode::Internal,
                QStringLiteral("%1 is damaged: it should hold %2 bytes").arg(path).arg(size));
        return secret;
    }
    QByteArray secret(size, Qt::Uninitialized);
    for (char &c : secret)
        c = char(QRandomGenerator::system()->bounded(256));
    // Written beside and renamed into place, so a crash never leaves a short secret behind.
    const QString partial = path + QStringLiteral(".new");
    QFile::remove(partial);
    QFile out(partial);
    if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly, kOwnerFile) ||
        !QFile::setPermissions(partial, kOwnerFile) || out.write(secret) != size || !out.flush()) {
        out.remove();
        return makeError(ErrorCode::Internal, QStringLiteral("cannot write %1").arg(path));
    }
    out.close();
    if (!QFile::rename(partial, path)) {
        QFile::remove(partial);
        return makeError(ErrorCode::Internal, QStringLiteral("cannot write %1").arg(path));
    }
    return secret;
}

} // namespace depot
