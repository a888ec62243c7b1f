#pragma once

#include "dispatch/result.h"
#include "dispatch/types.h"

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

/// Accounts, passwords and tokens. Passwords are PBKDF2-SHA256 hashes; tokens are random and
/// only their SHA-256 is stored, so a copy of the database lets nobody log in.
class AuthService
{
public:
    AuthService(Store &store, const DispatchService &dispatch, const Clock &clock);

    /// Creates the `dispatcher` account on first start. Returns the generated password when
    /// none was given and the account was created now, else an empty string.
    Result<QString> ensureAdminAccount(const QString &password);

    Result<Session> login(const QString &username, const QString &password,
                          const QHostAddress &from);
    /// As login, but the password is checked on a worker thread while the event loop goes on;
    /// `done` runs later on this object's thread. Checks from one address never outnumber the
    /// failures it has left, so parallel attempts cannot get past the limit: the others wait.
    void loginInBackground(const QString &username, const QString &password,
                           const QHostAddress &from,
                           std::function<void(const Result<Session> &)> done);
    /// Hashes a new password on a worker thread; `done` gets the hash later on this thread.
    void hashInBackground(const QString &password, std::function<void(const QString &)> done);
    /// A new token for a user this process already trusts (the demo's own couriers).
    Result<QString> issueToken(const QString &userId);
    /// Who holds this token: a user's token or a package's tracking token.
    std::optional<Principal> authenticate(const QString &token);
    bool logout(const QString &token);

    static QString hashPassword(const QString &password, int iterations = kDefaultIterations);
    static bool verifyPassword(const QString &password, const QString &encoded);

    /// Failed logins from one address within a minute before the next one is refused.
    static constexpr int kMaxFailedLogins = 5;
    static constexpr int kDefaultIterations = 120000;

private:
    bool rateLimited(const QHostAddress &from, qint64 nowMs);
    void recordFailure(const QHostAddress &from, qint64 nowMs);
    /// Runs `work` on a worker, then `answer` with its result on this object's thread.
    template <class Work, class Answer> void inBackground(Work work, Answer answer);

    Store &m_store;
    const DispatchService &m_dispatch;
    const Clock &m_clock;
    QHash<QByteArray, Principal> m_tokenCache;     // token hash -> principal, bounded
    QHash<QString, std::deque<qint64>> m_failures; // address -> failure times (ms)
    QHash<QString, int> m_checking;                // address -> passwords being checked
    QHash<QString, std::vector<std::function<void()>>> m_waiting; // address -> held attempts
    // PBKDF2 takes a fifth of a second per password: it runs on these threads, and the results
    // come back through m_answers. The pool is destroyed (and waited for) first.
    QObject m_answers;
    QThreadPool m_workers;
};

} // namespace depot
