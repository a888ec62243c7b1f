#include "authservice.h"

#include "dispatch/clock.h"
#include "dispatch/dispatchservice.h"
#include "store/store.h"

#include <QCryptographicHash>
#include <QPasswordDigestor>
#include <QRandomGenerator>

namespace depot {

namespace {

constexpr qint64 kFailureWindowMs = 60'000;
constexpr int kTokenCacheLimit = 10'000;

QByteArray randomBytes(int n)
{
    QByteArray bytes(n, Qt::Uninitialized);
    auto *rng = QRandomGenerator::system();
    for (int i = 0; i < n; ++i)
        bytes[i] = char(rng->bounded(256));
    return bytes;
}

QByteArray tokenHash(const QString &token)
{
    return QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256);
}

QByteArray derive(const QString &password, const QByteArray &salt, int iterations)
{
    return QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, password.toUtf8(), salt,
                                              iterations, 32);
}

/// Compares without an early exit, so timing tells nothing about how much matched.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

AuthService::AuthService(Store &store, const DispatchService &dispatch, const Clock &clock)
    : m_store(store)
    , m_dispatch(dispatch)
    , m_clock(clock)
{}

QString AuthService::hashPassword(const QString &password, int iterations)
{
    const QByteArray salt = randomBytes(16);
    return QStringLiteral("pbkdf2-sha256$%1$%2$%3")
        .arg(iterations)
        .arg(QString::fromLatin1(salt.toBase64()),
             QString::fromLatin1(derive(password, salt, iterations).toBase64()));
}

bool AuthService::verifyPassword(const QString &password, const QString &encoded)
{
    const QStringList parts = encoded.split(QLatin1Char('$'));
    if (parts.size() != 4 || parts[0] != QLatin1String("pbkdf2-sha256"))
        return false;
    bool ok = false;
    const int iterations = parts[1].toInt(&ok);
    if (!ok || iterations < 1)
        return false;
    const QByteArray salt = QByteArray::fromBase64(parts[2].toLatin1());
    const QByteArray expected = QByteArray::fromBase64(parts[3].toLatin1());
    return constantTimeEquals(derive(password, salt, iterations), expected);
}

Result<QString> AuthService::ensureAdminAccount(const QString &password)
{
    const QString username = QStringLiteral("dispatcher");
    if (m_store.userByUsername(username))
        return QString();
    QString chosen = password;
    const bool generated = chosen.isEmpty();
    if (generated)
        chosen = QString::fromLatin1(randomBytes(12).toBase64(QByteArray::Base64UrlEncoding));
    User admin;
    admin.id = newId();
    admin.username = username;
    admin.name = QStringLiteral("Dispatcher");
    admin.role = Role::Dispatcher;
    admin.passwordHash = hashPassword(chosen);
    admin.createdAt = m_clock.now();
    if (!m_store.insertUser(admin))
        return makeError(ErrorCode::Internal,
                         QStringLiteral("could not create the dispatcher account"));
    return generated ? chosen : QString();
}

bool AuthService::rateLimited(const QHostAddress &from, qint64 nowMs)
{
    auto it = m_failures.find(from.toString());
    if (it == m_failures.end())
        return false;
    while (!it->empty() && nowMs - it->front() >= kFailureWindowMs)
        it->pop_front();
    if (it->empty()) {
        m_failures.erase(it);
        return false;
    }
    return int(it->size()) >= kMaxFailedLogins;
}

void AuthService::recordFailure(const QHostAddress &from, qint64 nowMs)
{
    auto &times = m_failures[from.toString()];
    times.push_back(nowMs);
    while (int(times.size()) > kMaxFailedLogins)
        times.pop_front();
}

Result<Session> AuthService::login(const QString &username, const QString &password,
                                   const QHostAddress &from)
{
    const qint64 nowMs = m_clock.nowMs();
    if (rateLimited(from, nowMs))
        return makeError(ErrorCode::RateLimited,
                         QStringLiteral("too many failed logins; try again in a minute"));
    const auto user = m_store.userByUsername(username);
    // Hash even for unknown users so the answer takes as long either way.
    const bool valid = user ? verifyPassword(password, user->passwordHash)
                            : (verifyPassword(password, hashPassword(QString(), 1000)), false);
    if (!valid) {
        recordFailure(from, nowMs);
        return makeError(ErrorCode::Unauthorized, QStringLiteral("wrong username or password"));
    }
    m_failures.remove(from.toString());
    const auto token = issueToken(user->id);
    if (!token)
        return token.error();
    return Session{*token, *user};
}

template <class Work, class Answer> void AuthService::inBackground(Work work, Answer answer)
{
    m_workers.start([this, work = std::move(work), answer = std::move(answer)]() mutable {
        auto result = work();
        // m_answers outlives the pool, which waits for this task before it goes.
        QMetaObject::invokeMethod(
            &m_answers,
            [answer = std::move(answer), result = std::move(result)]() mutable {
                answer(std::move(result));
            },
            Qt::QueuedConnection);
    });
}

void AuthService::loginInBackground(const QString &username, const QString &password,
                                    const QHostAddress &from,
                                    std::function<void(const Result<Session> &)> done)
{
    const qint64 nowMs = m_clock.nowMs();
    if (rateLimited(from, nowMs)) {
        done(makeError(ErrorCode::RateLimited,
                       QStringLiteral("too many failed logins; try again in a minute")));
        return;
    }
    const QString address = from.toString();
    const int failures = int(m_failures.value(address).size());
    if (failures + m_checking.value(address) >= kMaxFailedLogins) {
        m_waiting[address].push_back([this, username, password, from, done = std::move(done)] {
            loginInBackground(username, password, from, done);
        });
        return;
    }
    ++m_checking[address];
    const auto user = m_store.userByUsername(username);
    const QString encoded = user ? user->passwordHash : QString();
    inBackground(
        [password, encoded, known = user.has_value()] {
            // Hash even for unknown users so the answer takes as long either way.
            return known ? verifyPassword(password, encoded)
                         : (verifyPassword(password, hashPassword(QString(), 1000)), false);
        },
        [this, user, from, address, done = std::move(done)](bool valid) {
            if (--m_checking[address] <= 0)
                m_checking.remove(address);
            if (!valid) {
                recordFailure(from, m_clock.nowMs());
                done(makeError(ErrorCode::Unauthorized,
                               QStringLiteral("wrong username or password")));
            } else {
                m_failures.remove(address);
                const auto token = issueToken(user->id);
                if (token)
                    done(Session{*token, *user});
                else
                    done(token.error());
            }
            // Attempts held back for this check go now, or are refused if it used up the limit.
            for (const auto &retry : m_waiting.take(address))
                retry();
        });
}

void AuthService::hashInBackground(const QString &password,
                                   std::function<void(const QString &)> done)
{
    inBackground([password] { return hashPassword(password); }, std::move(done));
}

Result<QString> AuthService::issueToken(const QString &userId)
{
    if (!m_store.userById(userId))
        return makeError(ErrorCode::NotFound, QStringLiteral("no such user"));
    const QString token = QString::fromLatin1(
        randomBytes(32).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    if (!m_store.insertToken(tokenHash(token), userId, m_clock.now()))
        return makeError(ErrorCode::Internal, QStringLiteral("could not store the session"));
    return token;
}

std::optional<Principal> AuthService::authenticate(const QString &token)
{
    if (token.isEmpty() || token.size() > 512)
        return std::nullopt;
    if (const Package *p = m_dispatch.findPackageByTrackingToken(token)) {
        Principal tracker;
        tracker.role = Role::Tracker;
        tracker.packageId = p->id;
        return tracker;
    }
    const QByteArray hash = tokenHash(token);
    if (auto it = m_tokenCache.constFind(hash); it != m_tokenCache.cend())
        return *it;
    const auto userId = m_store.userIdForToken(hash);
    if (!userId)
        return std::nullopt;
    const auto user = m_store.userById(*userId);
    if (!user)
        return std::nullopt;
    Principal principal;
    principal.role = user->role;
    principal.userId = user->id;
    principal.username = user->username;
    principal.name = user->name;
    if (m_tokenCache.size() >= kTokenCacheLimit)
        m_tokenCache.clear();
    m_tokenCache.insert(hash, principal);
    return principal;
}

bool AuthService::logout(const QString &token)
{
    const QByteArray hash = tokenHash(token);
    m_tokenCache.remove(hash);
    return m_store.deleteToken(hash);
}

} // namespace depot
