#pragma once

#include "outbox.h"
#include "proof.h"
#include "types.h"

#include <QString>
#include <QStringList>

#include <algorithm>
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
    /// One package as it is stored now, or nullopt when there is none (or the store failed).
    virtual std::optional<Package> loadPackage(const QString &id)
    {
        for (Package &p : loadPackages()) {
            if (p.id == id)
                return std::move(p);
        }
        return std::nullopt;
    }
    /// Writes the package and appends its events, filling in their sequence numbers. A change
    /// to a stored package is a compare-and-set: it is written only while the stored version is
    /// still `package.version` (the one it was read at), which it then moves one up; else
    /// nothing is written and the answer is false.
    virtual bool savePackage(const Package &package, std::vector<PackageEvent> &events,
                             bool isNew) = 0;
    /// savePackage() that also appends `outbox` (see core/outbox.h) in the same transaction, so
    /// that a stored change never loses what goes out because of it; fills in their ids.
    virtual bool savePackage(const Package &package, std::vector<PackageEvent> &events, bool isNew,
                             std::vector<OutboxEntry> &outbox)
    {
        // A store without an outbox cannot keep the entries, so it keeps nothing.
        return outbox.empty() && savePackage(package, events, isNew);
    }
    virtual std::vector<PackageEvent> loadEvents(const QString &packageId) = 0;
    /// The events of several packages, in store order (for reports over many packages).
    virtual std::vector<PackageEvent> loadEventsOf(const QStringList &packageIds)
    {
        std::vector<PackageEvent> events;
        for (const QString &id : packageIds) {
            std::vector<PackageEvent> one = loadEvents(id);
            events.insert(events.end(), one.begin(), one.end());
        }
        std::sort(events.begin(), events.end(),
                  [](const PackageEvent &a, const PackageEvent &b) { return a.seq < b.seq; });
        return events;
    }
    /// Replaces packages' stored tracking token hashes: (package id, hash) pairs.
    virtual bool setTrackingTokenHashes(const std::vector<std::pair<QString, QString>> &hashes) = 0;

    /// Stores a package's proof of delivery, replacing the one it had.
    virtual bool saveProof(const Proof &proof)
    {
        (void)proof;
        return false;
    }
    /// The proof of a package (`byPackage`) or with this id, or nullopt.
    virtual std::optional<Proof> loadProof(const QString &id, bool byPackage)
    {
        (void)id, (void)byPackage;
        return std::nullopt;
    }

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
    /// The courier's current fixes taken in [from, to), oldest first: the newest `limit` of
    /// them when there are more. Late fixes (kept as history only) are not part of it.
    virtual std::vector<Location> loadTrack(const QString &courierId, const QDateTime &from,
                                            const QDateTime &to, int limit)
    {
        (void)courierId, (void)from, (void)to, (void)limit;
        return {};
    }
    /// Deletes fixes received before `olderThan` and all but each courier's newest `keep`.
    virtual bool pruneFixes(const QDateTime &olderThan, int keepPerCourier) = 0;

    virtual std::optional<QString> setting(const QString &key) = 0;
    virtual bool setSetting(const QString &key, const QString &value) = 0;
    /// Stores `value` under `key` unless the key has a value already; gives the stored value.
    virtual std::optional<QString> claimSetting(const QString &key, const QString &value)
    {
        if (auto stored = setting(key))
            return stored;
        return setSetting(key, value) ? std::optional<QString>(value) : std::nullopt;
    }

    // The outbox: entries waiting for their channel (see core/outbox.h and server/outbox/).
    /// Claims for `owner`, until `leaseUntilMs`, the oldest pending entry of each (channel,
    /// target, order key) among `channels` that is due at `nowMs` and held by no live claim;
    /// at most `limit`. Each claim is a compare-and-set, so hubs sharing the database never
    /// hold one entry at once.
    virtual std::vector<OutboxEntry> claimDueOutboxEntries(const QStringList &channels,
                                                           const QString &owner, qint64 nowMs,
                                                           qint64 leaseUntilMs, int limit)
    {
        (void)channels, (void)owner, (void)nowMs, (void)leaseUntilMs, (void)limit;
        return {};
    }
    /// When the oldest pending entry of a key among `channels` comes due (its next attempt or
    /// the end of its claim), or nullopt when nothing is pending.
    virtual std::optional<qint64> nextOutboxDueMs(const QStringList &channels)
    {
        (void)channels;
        return std::nullopt;
    }
    /// Records one attempt at `entry` and its new state ("pending" again at
    /// entry.nextAttemptAtMs after entry.attempts failures, "delivered" or "failed"), and
    /// releases its claim.
    virtual bool finishOutboxAttempt(const OutboxEntry &entry, const QString &state,
                                     const OutboxAttempt &attempt)
    {
        (void)entry, (void)state, (void)attempt;
        return false;
    }
    /// Releases every claim: a hub alone on its database holds none after a restart.
    virtual bool releaseOutboxClaims() { return false; }
    /// The newest `limit` entries of one channel's target, newest first, with their attempts.
    virtual std::vector<OutboxRecord> recentOutboxEntries(const QString &channel,
                                                          const QString &target, int limit)
    {
        (void)channel, (void)target, (void)limit;
        return {};
    }
    /// Deletes delivered and failed entries created before `beforeMs`.
    virtual bool pruneOutbox(qint64 beforeMs)
    {
        (void)beforeMs;
        return false;
    }

    virtual std::vector<Webhook> loadWebhooks() { return {}; }
    virtual bool insertWebhook(const Webhook &webhook)
    {
        (void)webhook;
        return false;
    }
    /// Deletes the webhook and gives up on its pending entries (state "failed", `detail`
    /// recorded at `atMs`), in one transaction; false when there is none.
    virtual bool deleteWebhook(const QString &id, qint64 atMs, const QString &detail)
    {
        (void)id, (void)atMs, (void)detail;
        return false;
    }

    /// False while the database cannot be reached (a server that went away): writes fail at once
    /// and the store reconnects by itself. A store in a file is always available.
    virtual bool available() const { return true; }
    /// Whether other hubs write to the same database: their changes are then read from it.
    virtual bool shared() const { return false; }

    // Failed logins, kept in the database when it is shared, so that every hub counts them.
    /// Records one failed login from `address` for `account` at `atMs`.
    virtual bool recordLoginFailure(const QString &address, const QString &account, qint64 atMs)
    {
        (void)address, (void)account, (void)atMs;
        return false;
    }
    /// The times of the failed logins since `sinceMs`, newest first, at most `limit`: those of
    /// one address when `byAddress`, else those of one account.
    virtual std::vector<qint64> loginFailures(bool byAddress, const QString &key, qint64 sinceMs,
                                              int limit)
    {
        (void)byAddress, (void)key, (void)sinceMs, (void)limit;
        return {};
    }
    /// The window of failed guesses (unknown tracking codes: kind "tracking"; unknown device
    /// ids: "device") of one address key: when it started and how many it holds.
    virtual std::optional<std::pair<qint64, int>> guessWindow(const QString &kind,
                                                              const QString &key)
    {
        (void)kind, (void)key;
        return std::nullopt;
    }
    /// Counts one failed guess at `atMs`, in a new window when the key's started `windowMs` or
    /// more before; windows that started before `staleBeforeMs` are dropped.
    virtual bool recordGuessMiss(const QString &kind, const QString &key, qint64 atMs,
                                 qint64 windowMs, qint64 staleBeforeMs)
    {
        (void)kind, (void)key, (void)atMs, (void)windowMs, (void)staleBeforeMs;
        return false;
    }
    /// Forgets the failures of `account` from `address`, and all failures before `beforeMs`.
    virtual bool clearLoginFailures(const QString &address, const QString &account, qint64 beforeMs)
    {
        (void)address, (void)account, (void)beforeMs;
        return false;
    }
};

} // namespace depot
