#pragma once

#include "core/store.h"

#include <QSqlDatabase>

#include <memory>

namespace depot {

class FixWriter;

/// The Store on one SQLite file: WAL journal, full sync, a schema version table and migrations.
class SqliteStore final : public Store
{
public:
    /// targetVersion: migrate no further than this version (for tests of a migration);
    /// -1 is the current version.
    explicit SqliteStore(QString path, int targetVersion = -1);
    ~SqliteStore() override;

    bool open(QString *error) override;
    int schemaVersion() const override { return m_schemaVersion; }

    std::vector<User> loadUsers() override;
    bool insertUser(const User &user) override;
    std::optional<User> userByUsername(const QString &username) override;
    std::optional<User> userById(const QString &id) override;

    bool insertToken(const QByteArray &tokenHash, const QString &userId,
                     const QDateTime &createdAt) override;
    std::optional<QString> userIdForToken(const QByteArray &tokenHash) override;
    bool deleteToken(const QByteArray &tokenHash) override;
    std::optional<StoredToken> tokenByHash(const QByteArray &tokenHash) override;
    bool touchToken(const QByteArray &tokenHash, const QDateTime &usedAt) override;
    bool deleteTokensUsedBefore(const QDateTime &cutoff) override;
    bool replacePasswordHash(const QString &userId, const QString &previousHash,
                             const QString &newHash) override;

    std::vector<Courier> loadCouriers() override;
    bool insertCourier(const User &user, const Courier &courier) override;
    bool updateCourier(const Courier &courier, const QString &newPasswordHash) override;

    std::vector<Package> loadPackages() override;
    bool savePackage(const Package &package, std::vector<PackageEvent> &events,
                     bool isNew) override;
    bool setTrackingTokenHashes(const std::vector<std::pair<QString, QString>> &hashes) override;
    std::vector<PackageEvent> loadEvents(const QString &packageId) override;

    bool appendFixes(const std::vector<StoredFix> &fixes) override;
    /// Written by a FixWriter: its own thread and connection, one batch after the other.
    std::shared_future<bool> appendFixesInBackground(std::vector<StoredFix> fixes,
                                                     std::function<void()> committed) override;
    std::vector<Location> loadTrail(const QString &courierId, int limit) override;
    bool pruneFixes(const QDateTime &olderThan, int keepPerCourier) override;

    std::optional<QString> setting(const QString &key) override;
    bool setSetting(const QString &key, const QString &value) override;

    /// The schema version this build writes.
    static int currentSchemaVersion();

private:
    bool migrate(QString *error);
    std::optional<User> userWhere(const char *column, const QString &value);
    template <class F> bool transaction(F &&body);

    QString m_path;
    int m_targetVersion;
    QString m_connectionName;
    QSqlDatabase m_db;
    int m_schemaVersion = 0;
    std::unique_ptr<FixWriter> m_fixWriter; // made on first use
};

} // namespace depot
