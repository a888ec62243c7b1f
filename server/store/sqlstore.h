#pragma once

#include "core/store.h"

#include <QSqlDatabase>

class QSqlError;
class QSqlQuery;

namespace depot {

/// The Store's queries on a QSqlDatabase, shared by SqliteStore and PostgresStore: both keep the
/// same tables at the same schema versions, and differ only where their SQL does (see Dialect).
class SqlStore : public Store
{
public:
    ~SqlStore() override;

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
    std::optional<Package> loadPackage(const QString &id) override;
    bool savePackage(const Package &package, std::vector<PackageEvent> &events,
                     bool isNew) override;
    bool savePackage(const Package &package, std::vector<PackageEvent> &events, bool isNew,
                     std::vector<OutboxEntry> &outbox) override;
    bool setTrackingTokenHashes(const std::vector<std::pair<QString, QString>> &hashes) override;
    std::vector<PackageEvent> loadEvents(const QString &packageId) override;
    std::vector<PackageEvent> loadEventsOf(const QStringList &packageIds) override;

    bool saveProof(const Proof &proof) override;
    std::optional<Proof> loadProof(const QString &id, bool byPackage) override;

    bool appendFixes(const std::vector<StoredFix> &fixes) override;
    std::vector<Location> loadTrail(const QString &courierId, int limit) override;
    std::vector<Location> loadTrack(const QString &courierId, const QDateTime &from,
                                    const QDateTime &to, int limit) override;
    bool pruneFixes(const QDateTime &olderThan, int keepPerCourier) override;

    std::optional<QString> setting(const QString &key) override;
    bool setSetting(const QString &key, const QString &value) override;
    std::optional<QString> claimSetting(const QString &key, const QString &value) override;

    bool recordLoginFailure(const QString &address, const QString &account, qint64 atMs) override;
    std::vector<qint64> loginFailures(bool byAddress, const QString &key, qint64 sinceMs,
                                      int limit) override;
    bool clearLoginFailures(const QString &address, const QString &account,
                            qint64 beforeMs) override;

    std::optional<std::pair<qint64, int>> guessWindow(const QString &kind,
                                                      const QString &key) override;
    bool recordGuessMiss(const QString &kind, const QString &key, qint64 atMs, qint64 windowMs,
                         qint64 staleBeforeMs) override;

    // The outbox and webhooks (sqloutbox.cpp).
    std::vector<OutboxEntry> claimDueOutboxEntries(const QStringList &channels,
                                                   const QString &owner, qint64 nowMs,
                                                   qint64 leaseUntilMs, int limit) override;
    std::optional<qint64> nextOutboxDueMs(const QStringList &channels) override;
    bool finishOutboxAttempt(const OutboxEntry &entry, const QString &state,
                             const OutboxAttempt &attempt) override;
    bool releaseOutboxClaims() override;
    std::vector<OutboxRecord> recentOutboxEntries(const QString &channel, const QString &target,
                                                  int limit) override;
    bool pruneOutbox(qint64 beforeMs) override;
    std::vector<Webhook> loadWebhooks() override;
    bool insertWebhook(const Webhook &webhook) override;
    bool deleteWebhook(const QString &id, qint64 atMs, const QString &detail) override;

protected:
    enum class Dialect { Sqlite, Postgres };

    SqlStore(Dialect dialect, QString connectionPrefix);

    /// Whether the connection can be used now; a store whose server may go away says no while
    /// it is gone.
    virtual bool ready() { return true; }
    /// A statement or transaction failed with `error` (already logged).
    virtual void failed(const QSqlError &error) { (void)error; }

    /// Migrates from the stored version to `targetVersion` with `migrations` (entry i takes
    /// version i to i + 1), each in a transaction of its own.
    bool migrate(const char *const *migrations, int count, int targetVersion, QString *error);
    bool exec(QSqlQuery &q);
    bool execText(QSqlQuery &q, const QString &sql);
    void transactionFailed(const char *what);
    /// Runs `body` in one transaction: committed when it returns true, else rolled back.
    template <class F> bool transaction(F &&body)
    {
        if (!ready())
            return false;
        if (!m_db.transaction()) {
            transactionFailed("cannot begin a transaction:");
            return false;
        }
        if (!body()) {
            m_db.rollback();
            return false;
        }
        if (!m_db.commit()) {
            transactionFailed("commit failed:");
            m_db.rollback();
            return false;
        }
        return true;
    }

    /// Appends outbox entries inside the caller's transaction, filling in their ids.
    bool insertOutboxEntries(std::vector<OutboxEntry> &entries);

    const Dialect m_dialect;
    const QString m_connectionName;
    QSqlDatabase m_db;
    int m_schemaVersion = 0;
};

} // namespace depot
