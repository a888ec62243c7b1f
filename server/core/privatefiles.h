#pragma once

#include "result.h"

#include <QByteArray>
#include <QString>

namespace depot {

/// The data dir holds password hashes, every courier's track and keys: its folder is kept
/// 0700 and its files 0600, set explicitly so that no umask loosens them.
class PrivateFiles
{
public:
    /// Creates the folder (and its parents) when missing, then makes it 0700.
    static bool makeDirectory(const QString &path);
    /// Makes an existing file 0600; true when it is missing.
    static bool restrictFile(const QString &path);
    /// Creates an empty file 0600 unless it exists, then makes it 0600 either way.
    static bool createFile(const QString &path);
    /// The `size` random bytes kept in `path`, made and written (0600) on first use.
    static Result<QByteArray> loadOrCreateSecret(const QString &path, int size);
};

} // namespace depot
