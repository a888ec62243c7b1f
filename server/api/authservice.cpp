#include "authservice.h"

#include "core/clock.h"
#include "core/store.h"
#include "dispatch/dispatchservice.h"

#include <QCryptographicHash>
#include <QPasswordDigestor>
#include <QRandomGenerator>

#include <argon2.h>

#include <algorithm>

namespace depot {

namespace {

constexpr int kTokenCacheLimit = 10'000;
// How long a socket's token is trusted without asking a store other hubs share.
constexpr qint64 kSharedRecheckMs = 1000;
constexpr int kFailureKeysLimit = 10'000;
constexpr quint32 kSaltBytes = 16;
constexpr quint32 kHashBytes = 32;

QByteArray randomBytes(int n)
{
    QByteArray bytes(n, Qt::Uninitialized);
    auto *rng = QRandomGenerator::system();
    for (int i = 0; i < n; ++i)
        bytes[i] = char(rng->bounded(256));
    return bytes;
}

QByteArray derivePbkdf2(const QString &password, const QByteArray &salt, int iterations)
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

bool verifyPbkdf2(const QString &password, const QString &encoded)
{
    const QStringList parts = encoded.split(QLatin1Char('$'));
    if (parts.size() != 4 || parts[0] != QLatin1String("pbkdf2-sha256"))
        return false;
    bool ok = false;
    const int iterations = parts[1].toInt(&ok);
    if (!ok || iterations < 1 || iterations > 10'000'000)
        return false;
    const QByteArray salt = QByteArray::fromBase64(parts[2].toLatin1());
    const QByteArray expected = QByteArray::fromBase64(parts[3].toLatin1());
    return constantTimeEquals(derivePbkdf2(password, salt, iterations), expected);
}

QString currentArgonPrefix()
{
    return QStringLiteral("$argon2id$v=19$m=%1,t=%2,p=%3$")
        .arg(AuthService::kArgonMemoryKiB)
        .arg(AuthService::kArgonPasses)
        .arg(AuthService::kArgonLanes);
}

/// What an unknown username's password is checked against: an Argon2id hash of the same cost
/// as a real one, so that the answer takes as long either way. Made once, on a worker.
const QString &dummyHash()
{
    static const QString hash =
        AuthService::hashPassword(QString::fromLatin1(randomBytes(16).toBase64()));
    return hash;
}

/// The case-insensitive form of a username, under which its failures are counted.
QString accountKey(const QString &username)
{
    return username.toCaseFolded();
}

const QString kWrongPassword = QStringLiteral("wrong username or password");

Error storeUnavailable()
{
    return makeError(ErrorCode::StoreUnavailable,
                     QStringLiteral("the database cannot be reached; try again shortly"));
}

} // namespace

AuthService::AuthService(Store &store, const DispatchService &dispatch, const Clock &clock,
                         Options options)
    : m_store(store)
    , m_dispatch(dispatch)
    , m_clock(clock)
    , m_options(options)
{
    // A new password or a deactivation already ended the courier's tokens in the store.
    connect(&m_dispatch, &DispatchService::courierAccessEnded, this, &AuthService::endAccess);
    m_workers.start([] { dummyHash(); });
}

AuthService::~AuthService()
{
    m_workers.waitForDone();
}

QByteArray AuthService::tokenHash(const QString &token)
{
    return QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256);
}

QString AuthService::hashPassword(const QString &password)
{
    const QByteArray utf8 = password.toUtf8();
    const QByteArray salt = randomBytes(kSaltBytes);
    QByteArray encoded(qsizetype(argon2_encodedlen(kArgonPasses, kArgonMemoryKiB, kArgonLanes,
                                                   kSaltBytes, kHashBytes, Argon2_id)),
                       '\0');
    const int rc = argon2id_hash_encoded(
        kArgonPasses, kArgonMemoryKiB, kArgonLanes, utf8.constData(), size_t(utf8.size()),
        salt.constData(), size_t(salt.size()), kHashBytes, encoded.data(), size_t(encoded.size()));
    if (rc != ARGON2_OK)
        qFatal("Argon2id failed: %s", argon2_error_message(rc));
    return QString::fromLatin1(encoded.constData()); // up to the terminating NUL
}

QString AuthService::hashPasswordPbkdf2(const QString &password, int iterations)
{
    const QByteArray salt = randomBytes(16);
    return QStringLiteral("pbkdf2-sha256$%1$%2$%3")
        .arg(iterations)
        .arg(QString::fromLatin1(salt.toBase64()),
             QString::fromLatin1(derivePbkdf2(password, salt, iterations).toBase64()));
}

bool AuthService::verifyPassword(const QString &password, const QString &encoded)
{
    if (encoded.startsWith(QLatin1String("$argon2id$"))) {
        const QByteArray utf8 = password.toUtf8();
        const QByteArray hash = encoded.toLatin1();
        return argon2id_verify(hash.constData(), utf8.constData(), size_t(utf8.size())) ==
               ARGON2_OK;
    }
    return verifyPbkdf2(password, encoded);
}

bool AuthService::needsRehash(const QString &encoded)
{
    return !encoded.startsWith(currentArgonPrefix());
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

// --- Failed logins ---------------------------------------------------------------------------

int AuthService::retryAfter(const QString &address, const QString &account, qint64 nowMs)
{
    const qint64 window = m_options.failureWindowMs;
    if (m_options.sharedStore) {
        // Refused until enough of the failures have left the window, as below.
        auto waitFor = [&](bool byAddress, const QString &key, int limit) {
            const auto times = m_store.loginFailures(byAddress, key, nowMs - window, limit);
            return qsizetype(times.size()) < limit ? qint64(0) : times.back() + window - nowMs;
        };
        const qint64 ms = std::max(waitFor(true, address, m_options.maxFailuresPerAddress),
                                   waitFor(false, account, m_options.maxFailuresPerAccount));
        return ms <= 0 ? 0 : int(std::max<qint64>(1, (ms + 999) / 1000));
    }
    auto waitFor = [&](QHash<QString, std::deque<Failure>> &map, const QString &key, int limit) {
        auto it = map.find(key);
        if (it == map.end())
            return qint64(0);
        while (!it->empty() && nowMs - it->front().atMs >= window)
            it->pop_front();
        if (it->empty()) {
            map.erase(it);
            return qint64(0);
        }
        if (qsizetype(it->size()) < limit)
            return qint64(0);
        // Refused until enough of the failures have left the window.
        return (*it)[it->size() - limit].atMs + window - nowMs;
    };
    const qint64 ms =
        std::max(waitFor(m_failuresByAddress, address, m_options.maxFailuresPerAddress),
                 waitFor(m_failuresByAccount, account, m_options.maxFailuresPerAccount));
    return ms <= 0 ? 0 : int(std::max<qint64>(1, (ms + 999) / 1000));
}

int AuthService::failuresFrom(const QString &address, qint64 nowMs)
{
    if (m_options.sharedStore)
        return int(m_store
                       .loginFailures(true, address, nowMs - m_options.failureWindowMs,
                                      m_options.maxFailuresPerAddress)
                       .size());
    const auto pending = m_failuresByAddress.constFind(address);
    return pending == m_failuresByAddress.cend() ? 0 : int(pending->size());
}

void AuthService::recordFailure(const QString &address, const QString &account, qint64 nowMs)
{
    if (m_options.sharedStore) {
        m_store.recordLoginFailure(address, account, nowMs);
        return;
    }
    pruneFailures(nowMs);
    auto add = [nowMs](std::deque<Failure> &times, const QString &other, int limit) {
        times.push_back(Failure{nowMs, other});
        while (qsizetype(times.size()) > limit)
            times.pop_front();
    };
    add(m_failuresByAddress[address], account, m_options.maxFailuresPerAddress);
    add(m_failuresByAccount[account], address, m_options.maxFailuresPerAccount);
}

void AuthService::clearFailures(const QString &address, const QString &account)
{
    if (m_options.sharedStore) {
        // Failures that left the window go too, so the table stays small.
        m_store.clearLoginFailures(address, account, m_clock.nowMs() - m_options.failureWindowMs);
        return;
    }
    // A success vouches for its own account from its own address, and for nothing else.
    auto drop = [](QHash<QString, std::deque<Failure>> &map, const QString &key,
                   const QString &other) {
        auto it = map.find(key);
        if (it == map.end())
            return;
        it->erase(std::remove_if(it->begin(), it->end(),
                                 [&other](const Failure &f) { return f.other == other; }),
                  it->end());
        if (it->empty())
            map.erase(it);
    };
    drop(m_failuresByAddress, address, account);
    drop(m_failuresByAccount, account, address);
}

void AuthService::pruneFailures(qint64 nowMs)
{
    // Many addresses or names with one old failure each: dropped, so memory stays bounded.
    for (auto *map : {&m_failuresByAddress, &m_failuresByAccount}) {
        if (map->size() < kFailureKeysLimit)
            continue;
        map->removeIf([&](const auto &entry) {
            return nowMs - entry.value().back().atMs >= m_options.failureWindowMs;
        });
    }
}

// --- Logins ----------------------------------------------------------------------------------

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
    const QString address = from.toString();
    const QString account = accountKey(username);
    if (const int seconds = retryAfter(address, account, nowMs)) {
        Error refused =
            makeError(ErrorCode::RateLimited,
                      QStringLiteral("too many failed logins; try again in %1 s").arg(seconds));
        refused.retryAfterSeconds = seconds;
        done(refused);
        return;
    }
    const int failures = failuresFrom(address, nowMs);
    if (failures + m_checking.value(address) >= m_options.maxFailuresPerAddress) {
        m_waiting[address].push_back([this, username, password, from, done = std::move(done)] {
            loginInBackground(username, password, from, done);
        });
        return;
    }
    const auto user = m_store.userByUsername(username);
    if (!user && !m_store.available()) {
        done(storeUnavailable());
        return;
    }
    ++m_checking[address];
    const QString encoded = user ? user->passwordHash : QString();
    struct Check
    {
        bool valid = false;
        QString rehashed; // the password's new hash when the stored one is outdated
    };
    inBackground(
        [password, encoded, known = user.has_value()] {
            Check check;
            // Checked against a hash of the same kind and cost when the user is unknown.
            check.valid = verifyPassword(password, known ? encoded : dummyHash()) && known;
            if (check.valid && needsRehash(encoded))
                check.rehashed = hashPassword(password);
            return check;
        },
        [this, user, address, account, done = std::move(done)](const Check &check) {
            if (--m_checking[address] <= 0)
                m_checking.remove(address);
            // Read again: the courier may have been taken off or given a new password while
            // the old one was checked. An inactive account is refused as a wrong password is.
            const auto now = check.valid ? m_store.userById(user->id) : std::nullopt;
            if (!now || !now->active || now->passwordHash != user->passwordHash) {
                recordFailure(address, account, m_clock.nowMs());
                done(makeError(ErrorCode::Unauthorized, kWrongPassword));
            } else {
                clearFailures(address, account);
                User current = *now;
                if (!check.rehashed.isEmpty() &&
                    m_store.replacePasswordHash(current.id, current.passwordHash, check.rehashed))
                    current.passwordHash = check.rehashed;
                const auto token = issueToken(current.id);
                if (token)
                    done(Session{*token, current});
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

// --- Tokens ----------------------------------------------------------------------------------

Result<QString> AuthService::issueToken(const QString &userId)
{
    const auto user = m_store.userById(userId);
    if (!user || !user->active)
        return makeError(ErrorCode::NotFound, QStringLiteral("no such user"));
    const QString token = QString::fromLatin1(
        randomBytes(32).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    if (!m_store.insertToken(tokenHash(token), userId, m_clock.now()))
        return m_store.available()
                   ? makeError(ErrorCode::Internal, QStringLiteral("could not store the session"))
                   : storeUnavailable();
    return token;
}

qint64 AuthService::renewStepMs() const
{
    // The store learns of a use at most once a minute (sooner for short TTLs): a token in use
    // many times a second is not a write each time.
    return std::clamp<qint64>(m_options.tokenTtlMs / 10, 1, 60'000);
}

int AuthService::sweepIntervalMs() const
{
    return int(std::clamp<qint64>(m_options.tokenTtlMs / 10, 50, 60'000));
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
    return lookUp(tokenHash(token), true, true);
}

bool AuthService::useToken(const QByteArray &hash)
{
    return lookUp(hash, true, false).has_value();
}

bool AuthService::tokenAlive(const QByteArray &hash)
{
    return lookUp(hash, false, false).has_value();
}

std::optional<Principal> AuthService::lookUp(const QByteArray &hash, bool renew, bool recheck)
{
    if (hash.isEmpty())
        return std::nullopt;
    const qint64 nowMs = m_clock.nowMs();
    auto it = m_tokenCache.find(hash);
    // Another hub may have ended the token, or used it since: a request or a connection asks
    // the store every time, a socket's events at most once a second (and before expiring it).
    if (it != m_tokenCache.end() && m_options.sharedStore &&
        (recheck || nowMs - it->checkedMs >= kSharedRecheckMs ||
         nowMs - it->lastUsedMs >= m_options.tokenTtlMs)) {
        it->checkedMs = nowMs;
        // While the database is unreachable the cache answers.
        const auto stored = m_store.tokenByHash(hash);
        if (stored) {
            if (stored->lastUsedAt.isValid())
                it->storedUsedMs =
                    std::max(it->storedUsedMs, stored->lastUsedAt.toMSecsSinceEpoch());
            it->lastUsedMs = std::max(it->lastUsedMs, it->storedUsedMs);
        } else if (m_store.available()) {
            const QString userId = it->principal.userId;
            m_tokenCache.erase(it);
            Q_EMIT tokenEnded(hash, userId);
            return std::nullopt;
        }
    }
    if (it == m_tokenCache.end()) {
        const auto stored = m_store.tokenByHash(hash);
        if (!stored)
            return std::nullopt;
        const auto user = m_store.userById(stored->userId);
        if (!user || !user->active) {
            m_store.deleteToken(hash);
            return std::nullopt;
        }
        CachedToken entry;
        entry.principal.role = user->role;
        entry.principal.userId = user->id;
        entry.principal.username = user->username;
        entry.principal.name = user->name;
        entry.principal.tokenHash = hash;
        entry.lastUsedMs = entry.storedUsedMs =
            stored->lastUsedAt.isValid() ? stored->lastUsedAt.toMSecsSinceEpoch() : nowMs;
        entry.checkedMs = nowMs;
        if (m_tokenCache.size() >= kTokenCacheLimit)
            m_tokenCache.clear();
        it = m_tokenCache.insert(hash, entry);
    }
    if (nowMs - it->lastUsedMs >= m_options.tokenTtlMs) {
        expire(hash, it->principal.userId);
        return std::nullopt;
    }
    if (renew) {
        it->lastUsedMs = std::max(it->lastUsedMs, nowMs);
        if (nowMs - it->storedUsedMs >= renewStepMs() &&
            m_store.touchToken(hash, QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC)))
            it->storedUsedMs = nowMs;
    }
    return it->principal;
}

void AuthService::expire(const QByteArray &hash, const QString &userId)
{
    m_tokenCache.remove(hash);
    m_store.deleteToken(hash);
    Q_EMIT tokenEnded(hash, userId);
}

bool AuthService::logout(const QString &token)
{
    const QByteArray hash = tokenHash(token);
    const auto cached = m_tokenCache.constFind(hash);
    QString userId = cached != m_tokenCache.cend() ? cached->principal.userId : QString();
    if (userId.isEmpty()) {
        if (const auto stored = m_store.tokenByHash(hash))
            userId = stored->userId;
    }
    m_tokenCache.remove(hash);
    const bool deleted = m_store.deleteToken(hash);
    Q_EMIT tokenEnded(hash, userId);
    return deleted;
}

void AuthService::endAccess(const QString &userId)
{
    m_tokenCache.removeIf(
        [&userId](const auto &entry) { return entry.value().principal.userId == userId; });
}

void AuthService::pruneExpiredTokens()
{
    m_store.deleteTokensUsedBefore(m_clock.now().addMSecs(-m_options.tokenTtlMs));
}

} // namespace depot
