#pragma once

#include "core/result.h"
#include "core/types.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QThreadPool>

#include <deque>
#include <functional>
#include <optional>

namespace depot {

class Clock;
class DispatchService;
class Store;

/// A successful login.
struct Session
{
    QString token;
    User user;
};

/// Token lifetime and login limits.
struct AuthOptions
{
    qint64 tokenTtlMs = 30LL * 24 * 3600 * 1000;
    /// Failed logins within failureWindowMs before the next one is refused: from one address
    /// (whatever the accounts), and for one account (whatever the addresses).
    int maxFailuresPerAddress = 5;
    int maxFailuresPerAccount = 20;
    qint64 failureWindowMs = 60'000;
    /// Other hubs share the store: a cached token is checked against it on every request and
    /// connection, and at most a second apart for a socket's events (so a token ended on
    /// another hub is refused here), and failed logins are counted in it.
    bool sharedStore = false;
};

/// Accounts, passwords and tokens. Passwords are Argon2id hashes (older PBKDF2-SHA256 ones are
/// still read, and replaced at the next login); tokens are random and only their SHA-256 is
/// stored, so a copy of the database lets nobody log in. A token expires when it has not been
/// used for the token TTL.
class AuthService : public QObject
{
    Q_OBJECT

public:
    using Options = AuthOptions;

    AuthService(Store &store, const DispatchService &dispatch, const Clock &clock,
                Options options = Options());
    ~AuthService() override;

    const Options &options() const { return m_options; }

    /// Creates the `dispatcher` account on first start. Returns the generated password when
    /// none was given and the account was created now, else an empty string.
    Result<QString> ensureAdminAccount(const QString &password);

    /// Checks the password on a worker thread while the event loop goes on; `done` runs later
    /// on this object's thread. Checks from one address never outnumber the failures it has
    /// left, so parallel attempts cannot get past the limit: the others wait.
    void loginInBackground(const QString &username, const QString &password,
                           const QHostAddress &from,
                           std::function<void(const Result<Session> &)> done);
    /// Hashes a new password on a worker thread; `done` gets the hash later on this thread.
    void hashInBackground(const QString &password, std::function<void(const QString &)> done);
    /// A new token for an active user this process already trusts (the demo's own couriers).
    Result<QString> issueToken(const QString &userId);
    /// Who holds this token: a user's token (whose use renews it) or a package's tracking token.
    std::optional<Principal> authenticate(const QString &token);
    /// Renews a live token by its hash, as authenticate() does; false when it is gone.
    bool useToken(const QByteArray &tokenHash);
    /// Whether a token is still live, without renewing it.
    bool tokenAlive(const QByteArray &tokenHash);
    /// Ends one token.
    bool logout(const QString &token);
    /// Deletes the tokens that expired while the hub was not running.
    void pruneExpiredTokens();
    /// How often holders of tokens (live sockets) should ask whether theirs is still alive.
    int sweepIntervalMs() const;

    static QByteArray tokenHash(const QString &token);
    /// An Argon2id hash in the standard encoding at the current parameters.
    static QString hashPassword(const QString &password);
    /// A PBKDF2-SHA256 hash as older Depots wrote them; for tests of the upgrade.
    static QString hashPasswordPbkdf2(const QString &password, int iterations = 120000);
    static bool verifyPassword(const QString &password, const QString &encoded);
    /// True unless the hash is Argon2id at the current parameters.
    static bool needsRehash(const QString &encoded);

    // OWASP's minimum for Argon2id: 19 MiB, two passes, one lane.
    static constexpr quint32 kArgonMemoryKiB = 19 * 1024;
    static constexpr quint32 kArgonPasses = 2;
    static constexpr quint32 kArgonLanes = 1;

Q_SIGNALS:
    /// A token ended (logout, expiry, revocation): live connections made with it must close.
    /// `userId` is its owner.
    void tokenEnded(const QByteArray &tokenHash, const QString &userId);

private:
    struct CachedToken
    {
        Principal principal;
        qint64 lastUsedMs = 0;   // exact, in memory
        qint64 storedUsedMs = 0; // as written to the store, at most renewStep behind
        qint64 checkedMs = 0;    // last read from a shared store
    };
    /// A failed login: when, and from where or for whom (the other key of the pair).
    struct Failure
    {
        qint64 atMs;
        QString other;
    };

    /// `recheck`: with a shared store, ask it whatever the cache says.
    std::optional<Principal> lookUp(const QByteArray &hash, bool renew, bool recheck);
    void expire(const QByteArray &hash, const QString &userId);
    void endAccess(const QString &userId);
    /// 0 when neither the address nor the account is over its limit, else seconds to wait.
    int retryAfter(const QString &address, const QString &account, qint64 nowMs);
    void recordFailure(const QString &address, const QString &account, qint64 nowMs);
    void clearFailures(const QString &address, const QString &account);
    void pruneFailures(qint64 nowMs);
    /// Failed logins from `address` still in the window.
    int failuresFrom(const QString &address, qint64 nowMs);
    qint64 renewStepMs() const;
    /// Runs `work` on a worker, then `answer` with its result on this object's thread.
    template <class Work, class Answer> void inBackground(Work work, Answer answer);

    Store &m_store;
    const DispatchService &m_dispatch;
    const Clock &m_clock;
    Options m_options;
    QHash<QByteArray, CachedToken> m_tokenCache;             // token hash -> principal, bounded
    QHash<QString, std::deque<Failure>> m_failuresByAddress; // other: the account
    QHash<QString, std::deque<Failure>> m_failuresByAccount; // other: the address
    QHash<QString, int> m_checking;                          // address -> passwords being checked
    QHash<QString, std::vector<std::function<void()>>> m_waiting; // address -> held attempts
    // A password check takes tens of milliseconds: it runs on these threads, and the results
    // come back through m_answers. The pool is destroyed (and waited for) first.
    QObject m_answers;
    QThreadPool m_workers;
};

} // namespace depot
