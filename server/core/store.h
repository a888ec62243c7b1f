#pragma once

#include "types.h"

#include <QString>

#include <functional>
#include <future>
#include <optional>
#include <vector>

namespace depot {

/// A fix as it is kept in the courier's history; `current` is false for late fixes that are
/// kept but were older than the courier's position when they arrived.
/// A login token as it is kept: only its hash, whose it is and when it was last used.
struct StoredToken
{
    QString userId;
    QDateTime lastUsedAt;
};

struct StoredFix
{
    QString courierId;
    Location location;
    QDateTime receivedAt;
    bool current = true;
};

/// Durable storage of the hub's state. Every method is one transaction: it either happens
/// whole and is on disk when it returns true, or not at all.
class Store
{
public:
    virtual ~Store() = default;

    /// Opens or creates the database and migrates its schema to the current version.
    virtual bool open(QString *error) = 0;
    virtual int schemaVersion() const = 0;

    virtual std::vector<User> loadUsers() = 0;
    virtual bool insertUser(const User &user) = 0;
    /// The user whose username matches without regard to case.
    virtual std::optional<User> userByUsername(const QString &username) = 0;
    virtual std::optional<User> userById(const QString &id) = 0;

    virtual bool insertToken(const QByteArray &tokenHash, const QString &userId,
                             const QDateTime &createdAt) = 0;
    virtual std::optional<QString> userIdForToken(const QByteArray &tokenHash) = 0;
    virtual bool deleteToken(const QByteArray &tokenHash) = 0;
    virtual std::optional<StoredToken> tokenByHash(const QByteArray &tokenHash) = 0;
    virtual bool touchToken(const QByteArray &tokenHash, const QDateTime &usedAt) = 0;
    /// Deletes the tokens last used before `cutoff`.
    virtual bool deleteTokensUsedBefore(const QDateTime &cutoff) = 0;
    /// Replaces a password hash, unless it changed since it was read as `previousHash`.
    virtual bool replacePasswordHash(const QString &userId, const QString &previousHash,
                                     const QString &newHash) = 0;

    virtual std::vector<Courier> loadCouriers() = 0;
    /// Creates the courier and their login together.
    virtual bool insertCourier(const User &user, const Courier &courier) = 0;
    /// Updates the courier's record and login; a non-empty hash also changes the password.
    /// A new password or an inactive courier ends all of the courier's tokens in the same
    /// transaction.
    virtual bool updateCourier(const Courier &courier, const QString &newPasswordHash) = 0;

    virtual std::vector<Package> loadPackages() = 0;
    /// Writes the package and appends its events, filling in their sequence numbers.
    virtual bool savePackage(const Package &package, std::vector<PackageEvent> &events,
                             bool isNew) = 0;
    virtual std::vector<PackageEvent> loadEvents(const QString &packageId) = 0;
    /// Replaces packages' stored tracking token hashes: (package id, hash) pairs.
    virtual bool setTrackingTokenHashes(const std::vector<std::pair<QString, QString>> &hashes) = 0;

    /// Appends fixes and moves each courier's current position, all in one transaction.
    virtual bool appendFixes(const std::vector<StoredFix> &fixes) = 0;
    /// The same as appendFixes, but a store may write on a thread of its own and return at once.
    /// The future tells whether the fixes are on disk; `committed` runs (on any thread) just
    /// before it becomes ready. This default writes here and now.
    virtual std::shared_future<bool> appendFixesInBackground(std::vector<StoredFix> fixes,
                                                             std::function<void()> committed)
    {
        std::promise<bool> written;
        const bool ok = appendFixes(fixes);
        if (committed)
            committed();
        written.set_value(ok);
        return written.get_future().share();
    }
    /// The courier's most recent current fixes, oldest first.
    virtual std::vector<Location> loadTrail(const QString &courierId, int limit) = 0;
    /// Deletes fixes received before `olderThan` and all but each courier's newest `keep`.
    virtual bool pruneFixes(const QDateTime &olderThan, int keepPerCourier) = 0;

    virtual std::optional<QString> setting(const QString &key) = 0;
    virtual bool setSetting(const QString &key, const QString &value) = 0;
};

} // namespace depot
