#pragma once

#include "result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace depot {

/// The images of proofs of delivery in a folder of the data dir, each file named after the
/// SHA-256 of its bytes, so the same image is kept once. A file is written to a temporary name,
/// synced and renamed, then the folder synced: once put() returns, the file survives a crash.
class ProofFiles
{
public:
    explicit ProofFiles(QString directory);

    const QString &directory() const { return m_directory; }
    /// Stores `bytes`; gives their hex SHA-256.
    Result<QString> put(QByteArrayView bytes);
    /// The bytes stored under `sha256`, or nullopt.
    std::optional<QByteArray> get(const QString &sha256) const;
    static QString hashOf(QByteArrayView bytes);

private:
    QString pathOf(const QString &sha256) const;

    QString m_directory;
};

} // namespace depot
