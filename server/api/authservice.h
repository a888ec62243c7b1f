#pragma once

#include "dispatch/result.h"
#include "dispatch/types.h"

#include <QHash>
#include <QHostAddress>

#include <deque>
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

    Store &m_store;
    const DispatchService &m_dispatch;
    const Clock &m_clock;
    QHash<QByteArray, Principal> m_tokenCache;     // token hash -> principal, bounded
    QHash<QString, std::deque<qint64>> m_failures; // address -> failure times (ms)
};

} // namespace depot
