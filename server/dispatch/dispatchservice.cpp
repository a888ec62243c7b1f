#include "dispatchservice.h"

#include "core/clock.h"
#include "core/outbox.h"
#include "core/store.h"
#include "dispatchlog.h"
#include "core/geo.h"
#include "statemachine.h"
#include "trackingtokens.h"

#include <QLoggingCategory>
#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcDispatch, "depot.dispatch")

namespace depot {

namespace {

// Crockford's base32: no I, L, O or U, so a code read over the phone is typed right.
constexpr char kCodeAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int kCodeLength = 10; // 50 bits

QString randomTrackingCode()
{
    QString code;
    code.reserve(kCodeLength);
    auto *rng = QRandomGenerator::system();
    for (int i = 0; i < kCodeLength; ++i)
        code.append(QLatin1Char(kCodeAlphabet[rng->bounded(32)]));
    return code;
}

/// Typed codes forgive case and the letters Crockford's alphabet leaves out.
QString normalizeTrackingCode(const QString &code)
{
    QString out = code.trimmed().toUpper();
    out.remove(QLatin1Char('-'));
    out.replace(QLatin1Char('O'), QLatin1Char('0'));
    out.replace(QLatin1Char('I'), QLatin1Char('1'));
    out.replace(QLatin1Char('L'), QLatin1Char('1'));
    return out;
}

Error notFound(const QString &what)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("no such %1").arg(what));
}

Error forbidden()
{
    return makeError(ErrorCode::Forbidden, QStringLiteral("your role may not do this"));
}

Error storeFailed()
{
    return makeError(ErrorCode::Internal, QStringLiteral("the change could not be stored"));
}

Error storeUnavailable()
{
    return makeError(ErrorCode::StoreUnavailable,
                     QStringLiteral("the database cannot be reached; nothing was changed, try "
                                    "again shortly"));
}

// A change that keeps losing its compare-and-set to other hubs gives up after this many tries.
constexpr int kTransitionAttempts = 5;

bool validCoordinates(double lat, double lon)
{
    return std::isfinite(lat) && std::isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 &&
           lon <= 180;
}

} // namespace

DispatchService::DispatchService(Store &store, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_clock(clock)
    , m_trackingSecret(TrackingTokens::randomSecret())
{}

void DispatchService::load()
{
    m_couriers.clear();
    m_courierByDevice.clear();
    m_packages.clear();
    m_packageOrder.clear();
    m_packagePosition.clear();
    m_carried.clear();
    m_packageByCode.clear();
    m_packageByToken.clear();
    for (Courier &c : m_store.loadCouriers()) {
        if (!c.deviceId.isEmpty())
            m_courierByDevice.insert(c.deviceId, c.id);
        m_couriers.insert(c.id, std::move(c));
    }
    // Tokens are derived again; a stored hash that does not match (a migrated database, a new
    // secret) is replaced, so the store always holds the hash of the token in use.
    std::vector<std::pair<QString, QString>> staleHashes;
    for (Package &p : m_store.loadPackages()) {
        p.trackingToken = TrackingTokens::derive(m_trackingSecret, p.id);
        const QString hash = TrackingTokens::hash(p.trackingToken);
        if (p.trackingTokenHash != hash)
            staleHashes.emplace_back(p.id, hash);
        p.trackingTokenHash.clear(); // only the store needs it
        m_packageByCode.insert(p.trackingCode, p.id);
        m_packageByToken.insert(p.trackingToken, p.id);
        m_packagePosition.insert(p.id, qsizetype(m_packageOrder.size()));
        m_packageOrder.push_back(p.id);
        indexCarried(nullptr, p);
        m_packages.insert(p.id, std::move(p));
    }
    if (!staleHashes.empty() && !m_store.setTrackingTokenHashes(staleHashes))
        qCWarning(lcDispatch) << "could not store the tracking token hashes";
    qCInfo(lcDispatch) << "loaded" << m_couriers.size() << "couriers and" << m_packages.size()
                       << "packages";
}

// --- Couriers --------------------------------------------------------------------------------

Result<Courier> DispatchService::createCourier(const NewCourier &fields)
{
    if (m_store.shared())
        adoptStoredCouriers(); // device ids other hubs gave out
    if (m_store.userByUsername(fields.username))
        return makeError(ErrorCode::Conflict,
                         QStringLiteral("the username %1 is taken").arg(fields.username));
    if (!fields.deviceId.isEmpty() && m_courierByDevice.contains(fields.deviceId))
        return makeError(
            ErrorCode::Conflict,
            QStringLiteral("another courier has the device id %1").arg(fields.deviceId));
    const QDateTime now = m_clock.now();
    User user;
    user.id = newId();
    user.username = fields.username;
    user.name = fields.name;
    user.role = Role::Courier;
    user.passwordHash = fields.passwordHash;
    user.createdAt = now;
    Courier courier;
    courier.id = user.id;
    courier.name = fields.name;
    courier.username = fields.username;
    courier.phone = fields.phone;
    courier.deviceId = fields.deviceId;
    courier.createdAt = now;
    if (!m_store.insertCourier(user, courier))
        return writeFailed();
    if (!courier.deviceId.isEmpty())
        m_courierByDevice.insert(courier.deviceId, courier.id);
    m_couriers.insert(courier.id, courier);
    Q_EMIT courierChanged(courier);
    return courier;
}

Error DispatchService::writeFailed() const
{
    return m_store.available() ? storeFailed() : storeUnavailable();
}

void DispatchService::adoptStoredCouriers()
{
    for (Courier &c : m_store.loadCouriers()) {
        auto it = m_couriers.find(c.id);
        if (it == m_couriers.end()) {
            if (!c.deviceId.isEmpty())
                m_courierByDevice.insert(c.deviceId, c.id);
            m_couriers.insert(c.id, std::move(c));
            continue;
        }
        // The stored record; presence and position stay this hub's, which are newer.
        if (it->deviceId != c.deviceId) {
            if (m_courierByDevice.value(it->deviceId) == c.id)
                m_courierByDevice.remove(it->deviceId);
            if (!c.deviceId.isEmpty())
                m_courierByDevice.insert(c.deviceId, c.id);
        }
        it->name = c.name;
        it->username = c.username;
        it->phone = c.phone;
        it->deviceId = c.deviceId;
        it->active = c.active;
    }
}

bool DispatchService::adoptStoredPackage(const QString &id)
{
    std::optional<Package> stored = m_store.loadPackage(id);
    if (!stored)
        return false;
    adoptPackage(std::move(*stored));
    return true;
}

void DispatchService::adoptPackage(Package p)
{
    p.trackingToken = TrackingTokens::derive(m_trackingSecret, p.id);
    p.trackingTokenHash.clear();
    auto it = m_packages.find(p.id);
    if (it != m_packages.end()) {
        const Package before = *it;
        *it = p;
        indexCarried(&before, p);
        return;
    }
    m_packagePosition.insert(p.id, qsizetype(m_packageOrder.size()));
    m_packageOrder.push_back(p.id);
    indexCarried(nullptr, p);
    m_packageByCode.insert(p.trackingCode, p.id);
    m_packageByToken.insert(p.trackingToken, p.id);
    m_packages.insert(p.id, std::move(p));
}

Result<Courier> DispatchService::updateCourier(const QString &id, const CourierPatch &patch)
{
    if (m_store.shared())
        adoptStoredCouriers(); // made on another hub, or device ids it gave out
    auto it = m_couriers.find(id);
    if (it == m_couriers.end())
        return notFound(QStringLiteral("courier"));
    Courier updated = *it;
    if (patch.name)
        updated.name = *patch.name;
    if (patch.phone)
        updated.phone = *patch.phone;
    if (patch.deviceId) {
        const QString owner = m_courierByDevice.value(*patch.deviceId);
        if (!patch.deviceId->isEmpty() && !owner.isEmpty() && owner != id)
            return makeError(
                ErrorCode::Conflict,
                QStringLiteral("another courier has the device id %1").arg(*patch.deviceId));
        updated.deviceId = *patch.deviceId;
    }
    if (patch.active)
        updated.active = *patch.active;
    if (!m_store.updateCourier(updated, patch.passwordHash))
        return writeFailed();
    const bool accessEnded = !patch.passwordHash.isEmpty() || (it->active && !updated.active);
    if (it->deviceId != updated.deviceId) {
        m_courierByDevice.remove(it->deviceId);
        if (!updated.deviceId.isEmpty())
            m_courierByDevice.insert(updated.deviceId, id);
    }
    *it = updated;
    if (accessEnded)
        Q_EMIT courierAccessEnded(id);
    Q_EMIT courierChanged(updated);
    return updated;
}

std::vector<Courier> DispatchService::couriers() const
{
    std::vector<Courier> out;
    out.reserve(m_couriers.size());
    for (const Courier &c : m_couriers)
        out.push_back(c);
    std::sort(out.begin(), out.end(), [](const Courier &a, const Courier &b) {
        return a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id < b.id;
    });
    return out;
}

Result<Courier> DispatchService::courier(const Principal &caller, const QString &id) const
{
    if (caller.isTracker())
        return forbidden();
    const Courier *c = findCourier(id);
    if (!c || (caller.isCourier() && caller.userId != id))
        return notFound(QStringLiteral("courier"));
    return *c;
}

const Courier *DispatchService::findCourier(const QString &id) const
{
    auto it = m_couriers.constFind(id);
    return it == m_couriers.cend() ? nullptr : &*it;
}

const Courier *DispatchService::findCourierByDevice(const QString &deviceId) const
{
    if (deviceId.isEmpty())
        return nullptr;
    const Courier *c = findCourier(m_courierByDevice.value(deviceId));
    return c && c->active ? c : nullptr;
}

void DispatchService::setCourierOnline(const QString &id, bool online)
{
    auto it = m_couriers.find(id);
    if (it == m_couriers.end() || m_onlineHere.contains(id) == online)
        return;
    if (online)
        m_onlineHere.insert(id);
    else
        m_onlineHere.remove(id);
    Q_EMIT courierOnlineHereChanged(id, online);
    updateOnline(*it, false);
}

void DispatchService::setCourierOnlineElsewhere(const QString &id, bool online, bool announce)
{
    if (m_onlineElsewhere.contains(id) == online)
        return;
    if (online)
        m_onlineElsewhere.insert(id);
    else
        m_onlineElsewhere.remove(id);
    auto it = m_couriers.find(id);
    if (it == m_couriers.end() && m_store.shared()) {
        applyRemoteCouriers(); // made on another hub
        it = m_couriers.find(id);
    }
    if (it != m_couriers.end())
        updateOnline(*it, !announce);
}

QStringList DispatchService::couriersOnlineHere() const
{
    return QStringList(m_onlineHere.cbegin(), m_onlineHere.cend());
}

void DispatchService::updateOnline(Courier &courier, bool remote)
{
    const bool online = m_onlineHere.contains(courier.id) || m_onlineElsewhere.contains(courier.id);
    if (courier.online == online)
        return;
    courier.online = online;
    const bool was = std::exchange(m_applyingRemote, remote);
    Q_EMIT courierOnlineChanged(courier, m_clock.now());
    m_applyingRemote = was;
}

// --- Packages --------------------------------------------------------------------------------

QString DispatchService::uniqueTrackingCode() const
{
    QString code;
    do {
        code = randomTrackingCode();
    } while (m_packageByCode.contains(code));
    return code;
}

Result<Package> DispatchService::createPackage(const NewPackage &fields)
{
    if (!validCoordinates(fields.latitude, fields.longitude))
        return makeError(ErrorCode::ValidationFailed,
                         QStringLiteral("the destination is not a valid coordinate"));
    const QDateTime now = m_clock.now();
    Package p;
    p.id = newId();
    p.trackingCode = uniqueTrackingCode();
    p.trackingToken = TrackingTokens::derive(m_trackingSecret, p.id);
    p.trackingTokenHash = TrackingTokens::hash(p.trackingToken);
    p.recipientName = fields.recipientName;
    p.address = fields.address;
    p.latitude = fields.latitude;
    p.longitude = fields.longitude;
    p.notes = fields.notes;
    p.recipientEmail = fields.recipientEmail;
    p.language = fields.language;
    p.status = PackageStatus::Pending;
    p.createdAt = now;
    p.updatedAt = now;
    // A new package is announced as its first status, so live views learn of it.
    std::vector<PackageEvent> events{
        PackageEvent{0, p.id, QStringLiteral("package:update"), now,
                     QJsonObject{{QStringLiteral("packageId"), p.id},
                                 {QStringLiteral("status"), statusName(p.status)},
                                 {QStringLiteral("timestamp"), isoTimestamp(now)},
                                 {QStringLiteral("deliveryPersonId"), QJsonValue::Null},
                                 {QStringLiteral("reason"), QJsonValue::Null}}}};
    if (!savePackage(nullptr, p, events))
        return writeFailed();
    m_packages.insert(p.id, p);
    m_packagePosition.insert(p.id, qsizetype(m_packageOrder.size()));
    m_packageOrder.push_back(p.id);
    indexCarried(nullptr, p);
    m_packageByCode.insert(p.trackingCode, p.id);
    m_packages[p.id].trackingTokenHash.clear();
    m_packageByToken.insert(p.trackingToken, p.id);
    Q_EMIT packageChanged(p, events, QString());
    return p;
}

bool DispatchService::canSee(const Principal &caller, const Package &package) const
{
    switch (caller.role) {
    case Role::Dispatcher:
        return true;
    case Role::Courier:
        return !caller.userId.isEmpty() && package.deliveryPersonId == caller.userId;
    case Role::Tracker:
        return package.id == caller.packageId;
    }
    return false;
}

std::vector<Package> DispatchService::packages(const Principal &caller,
                                               const PackageFilter &filter) const
{
    std::vector<Package> out;
    for (const QString &id : m_packageOrder) {
        const Package &p = *m_packages.constFind(id);
        if (!canSee(caller, p))
            continue;
        if (filter.status && p.status != *filter.status)
            continue;
        if (!filter.deliveryPersonId.isEmpty() && p.deliveryPersonId != filter.deliveryPersonId)
            continue;
        out.push_back(p);
    }
    return out;
}

Result<Package> DispatchService::package(const Principal &caller, const QString &id) const
{
    const Package *p = findPackage(id);
    if (!p || !canSee(caller, *p))
        return notFound(QStringLiteral("package"));
    return *p;
}

Result<std::vector<PackageEvent>> DispatchService::events(const Principal &caller,
                                                          const QString &id) const
{
    const Package *p = findPackage(id);
    if (!p || !canSee(caller, *p))
        return notFound(QStringLiteral("package"));
    return m_store.loadEvents(id);
}

const Package *DispatchService::findPackage(const QString &id) const
{
    auto it = m_packages.constFind(id);
    return it == m_packages.cend() ? nullptr : &*it;
}

const Package *DispatchService::findPackageByTrackingCode(const QString &code) const
{
    return findPackage(m_packageByCode.value(normalizeTrackingCode(code)));
}

const Package *DispatchService::findPackageByTrackingToken(const QString &token) const
{
    if (token.isEmpty())
        return nullptr;
    return findPackage(m_packageByToken.value(token));
}

std::vector<const Package *> DispatchService::carriedBy(const QString &courierId) const
{
    return m_carried.of(courierId, [this](const QString &id) { return findPackage(id); });
}

void DispatchService::indexCarried(const Package *before, const Package &after)
{
    m_carried.update(before, after,
                     [this](const QString &id) { return m_packagePosition.value(id); });
}

Result<Package> DispatchService::assign(const Principal &caller, const QString &packageId,
                                        const QString &courierId)
{
    return transition(caller, packageId, PackageAction::Assign, courierId, QString());
}

Result<Package> DispatchService::start(const Principal &caller, const QString &packageId)
{
    return transition(caller, packageId, PackageAction::Start, QString(), QString());
}

Result<Package> DispatchService::complete(const Principal &caller, const QString &packageId)
{
    return transition(caller, packageId, PackageAction::Complete, QString(), QString());
}

Result<Package> DispatchService::fail(const Principal &caller, const QString &packageId,
                                      const QString &reason)
{
    return transition(caller, packageId, PackageAction::Fail, QString(), reason);
}

Result<Package> DispatchService::cancel(const Principal &caller, const QString &packageId,
                                        const QString &reason)
{
    return transition(caller, packageId, PackageAction::Cancel, QString(), reason);
}

Result<Package> DispatchService::transition(const Principal &caller, const QString &packageId,
                                            PackageAction action, const QString &courierId,
                                            const QString &reason)
{
    // The role decides first: a courier may never assign or cancel, a tracker may do nothing.
    const bool dispatcherOnly = action == PackageAction::Assign || action == PackageAction::Cancel;
    if (caller.isTracker() || (dispatcherOnly && !caller.isDispatcher()))
        return forbidden();
    // A change another hub made first makes this one lose its compare-and-set: the package is
    // then read again and the change checked against what it is now.
    for (int attempt = 1;; ++attempt) {
        auto it = m_packages.find(packageId);
        if (it == m_packages.end() && m_store.shared() && adoptStoredPackage(packageId))
            it = m_packages.find(packageId); // made on another hub
        if (it == m_packages.end() || !canSee(caller, *it))
            return notFound(QStringLiteral("package"));
        const Package before = *it;
        auto result = tryTransition(before, action, courierId, reason);
        if (result || result.error().code != ErrorCode::Conflict || !m_store.shared())
            return result;
        if (!m_store.available())
            return storeUnavailable();
        const auto stored = m_store.loadPackage(packageId);
        if (!stored)
            return writeFailed();
        if (stored->version == before.version)
            return storeFailed(); // refused for another reason than a newer version
        if (attempt >= kTransitionAttempts)
            return result;
        adoptStoredPackage(packageId);
    }
}

Result<Package> DispatchService::tryTransition(const Package &before, PackageAction action,
                                               const QString &courierId, const QString &reason)
{
    const auto next = nextStatus(before.status, action);
    if (!next)
        return makeError(ErrorCode::InvalidTransition,
                         QStringLiteral("package is %1; it cannot be %2")
                             .arg(statusName(before.status), actionName(action)));
    if (action == PackageAction::Assign) {
        if (!findCourier(courierId) && m_store.shared())
            adoptStoredCouriers(); // made on another hub
        if (!findCourier(courierId))
            return notFound(QStringLiteral("courier"));
        if (before.status == PackageStatus::Assigned && before.deliveryPersonId == courierId)
            return makeError(ErrorCode::InvalidTransition,
                             QStringLiteral("package is already assigned to this courier"));
    }

    const QDateTime now = m_clock.now();
    const QString ts = isoTimestamp(now);
    Package after = before;
    after.status = *next;
    after.updatedAt = now;
    if (action == PackageAction::Assign)
        after.deliveryPersonId = courierId;
    if (action == PackageAction::Fail || action == PackageAction::Cancel)
        after.reason = reason;

    // A delivery carries its proof; where the depot requires one, none means no delivery.
    std::optional<Proof> proof;
    if (action == PackageAction::Complete && m_proofPolicy != ProofPolicy::None) {
        proof = m_store.loadProof(before.id, true);
        if (!proof && m_proofPolicy == ProofPolicy::Required)
            return makeError(ErrorCode::ProofRequired,
                             QStringLiteral("this depot requires a proof of delivery (recipient "
                                            "name and a signature or photo) before a package is "
                                            "COMPLETED; PUT it to /api/packages/%1/proof first")
                                 .arg(before.id));
    }

    const QJsonValue courierValue = after.deliveryPersonId.isEmpty()
                                        ? QJsonValue(QJsonValue::Null)
                                        : QJsonValue(after.deliveryPersonId);
    const QJsonValue reasonValue =
        after.reason.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(after.reason);
    std::vector<PackageEvent> events;
    auto add = [&](const QString &name, QJsonObject payload) {
        events.push_back(PackageEvent{0, after.id, name, now, std::move(payload)});
    };
    const QJsonObject delivery{{QStringLiteral("packageId"), after.id},
                               {QStringLiteral("deliveryPersonId"), courierValue},
                               {QStringLiteral("timestamp"), ts}};
    switch (action) {
    case PackageAction::Assign:
        add(QStringLiteral("delivery:assigned"), delivery);
        break;
    case PackageAction::Start:
        add(QStringLiteral("delivery:started"), delivery);
        break;
    case PackageAction::Complete: {
        QJsonObject completed = delivery;
        if (proof)
            completed.insert(QStringLiteral("proof"), proof->summaryJson());
        add(QStringLiteral("delivery:completed"), completed);
        break;
    }
    case PackageAction::Fail: {
        QJsonObject failed = delivery;
        failed.insert(QStringLiteral("reason"), reasonValue);
        add(QStringLiteral("delivery:failed"), failed);
        break;
    }
    case PackageAction::Cancel:
        add(QStringLiteral("package:cancelled"),
            QJsonObject{{QStringLiteral("packageId"), after.id},
                        {QStringLiteral("reason"), reasonValue},
                        {QStringLiteral("timestamp"), ts}});
        break;
    }
    QJsonObject update{{QStringLiteral("packageId"), after.id},
                       {QStringLiteral("status"), statusName(after.status)},
                       {QStringLiteral("timestamp"), ts},
                       {QStringLiteral("deliveryPersonId"), courierValue},
                       {QStringLiteral("reason"), reasonValue}};
    if (proof)
        update.insert(QStringLiteral("proof"), proof->summaryJson());
    add(QStringLiteral("package:update"), update);

    if (!savePackage(&before, after, events)) {
        // On a shared store, most likely another hub changed the package first (see above).
        if (m_store.shared() && m_store.available())
            return makeError(ErrorCode::Conflict, QStringLiteral("the package changed meanwhile"));
        return writeFailed();
    }
    ++after.version; // as the store has it now
    m_packages[after.id] = after;
    indexCarried(&before, after);
    const QString previousCourier =
        before.deliveryPersonId != after.deliveryPersonId ? before.deliveryPersonId : QString();
    Q_EMIT packageChanged(after, events, previousCourier);
    return after;
}

bool DispatchService::savePackage(const Package *before, const Package &after,
                                  std::vector<PackageEvent> &events)
{
    std::vector<OutboxEntry> outbox;
    for (OutboxProducer *producer : m_outboxProducers)
        producer->entriesFor(before, after, events, outbox);
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    for (OutboxEntry &e : outbox) {
        if (e.deliveryId.isEmpty())
            e.deliveryId = newId();
        if (e.createdAtMs == 0)
            e.createdAtMs = nowMs;
        if (e.nextAttemptAtMs == 0)
            e.nextAttemptAtMs = e.createdAtMs;
    }
    return m_store.savePackage(after, events, before == nullptr, outbox);
}

// --- Proofs of delivery ----------------------------------------------------------------------

Result<Proof> DispatchService::saveProof(const Principal &caller, const QString &packageId,
                                         Proof proof)
{
    if (!caller.isCourier())
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("only the package's courier may give its proof"));
    if (m_store.shared())
        adoptStoredPackage(packageId); // it may have changed on another hub
    auto it = m_packages.find(packageId);
    if (it == m_packages.end() || !canSee(caller, *it) || it->deliveryPersonId != caller.userId)
        return notFound(QStringLiteral("package"));
    const PackageStatus status = it->status;
    if (status != PackageStatus::Assigned && status != PackageStatus::InProgress &&
        status != PackageStatus::Completed)
        return makeError(
            ErrorCode::InvalidTransition,
            QStringLiteral("package is %1; it takes no proof of delivery").arg(statusName(status)));
    proof.id = newId();
    proof.packageId = packageId;
    proof.courierId = caller.userId;
    proof.createdAt = m_clock.now();
    if (!m_store.saveProof(proof))
        return writeFailed();
    if (status == PackageStatus::Completed) {
        // Delivered before its proof came: the package's watchers learn of it now.
        const Package before = *it;
        Package after = before;
        std::vector<PackageEvent> events{
            PackageEvent{0, after.id, QStringLiteral("package:update"), proof.createdAt,
                         QJsonObject{{QStringLiteral("packageId"), after.id},
                                     {QStringLiteral("status"), statusName(after.status)},
                                     {QStringLiteral("timestamp"), isoTimestamp(proof.createdAt)},
                                     {QStringLiteral("deliveryPersonId"), after.deliveryPersonId},
                                     {QStringLiteral("reason"), after.reason.isEmpty()
                                                                    ? QJsonValue(QJsonValue::Null)
                                                                    : QJsonValue(after.reason)},
                                     {QStringLiteral("proof"), proof.summaryJson()}}}};
        if (savePackage(&before, after, events)) {
            ++after.version;
            m_packages[after.id] = after;
            Q_EMIT packageChanged(after, events, QString());
        }
    }
    return proof;
}

Result<Proof> DispatchService::proof(const Principal &caller, const QString &packageId) const
{
    const Package *p = findPackage(packageId);
    if (!p || !canSee(caller, *p))
        return notFound(QStringLiteral("package"));
    auto stored = m_store.loadProof(packageId, true);
    if (!stored)
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("this package has no proof of delivery"));
    return std::move(*stored);
}

Result<Proof> DispatchService::proofById(const Principal &caller, const QString &proofId) const
{
    auto stored = m_store.loadProof(proofId, false);
    const Package *p = stored ? findPackage(stored->packageId) : nullptr;
    if (!p || !canSee(caller, *p))
        return notFound(QStringLiteral("proof"));
    return std::move(*stored);
}

// --- Locations -------------------------------------------------------------------------------

void DispatchService::applyFix(const QString &courierId, const Location &fix)
{
    auto it = m_couriers.find(courierId);
    if (it == m_couriers.end())
        return;
    // The phone's own speed when it sends one, else distance over time since the last fix;
    // smoothed so that one stop at a crossing does not make the ETA jump.
    std::optional<double> speed = fix.speed;
    if (!speed && it->lastLocation) {
        const qint64 ms = it->lastLocation->timestamp.msecsTo(fix.timestamp);
        if (ms > 0 && ms <= 5 * 60 * 1000)
            speed = geo::distanceMetres(it->lastLocation->latitude, it->lastLocation->longitude,
                                        fix.latitude, fix.longitude) /
                    (ms / 1000.0);
    }
    if (speed)
        it->recentSpeed = it->recentSpeed ? 0.5 * *it->recentSpeed + 0.5 * *speed : *speed;
    it->lastLocation = fix;
    Q_EMIT courierMoved(*it, fix);
}

void DispatchService::applyRemoteFix(const QString &courierId, const Location &fix)
{
    if (!m_couriers.contains(courierId) && m_store.shared())
        applyRemoteCouriers();
    auto it = m_couriers.find(courierId);
    // An older fix than the one shown (a late entry) does not move the courier back.
    if (it == m_couriers.end() || (it->lastLocation && fix.timestamp < it->lastLocation->timestamp))
        return;
    const bool was = std::exchange(m_applyingRemote, true);
    applyFix(courierId, fix);
    m_applyingRemote = was;
}

void DispatchService::applyRemotePackage(const QString &id)
{
    const auto before = m_packages.constFind(id);
    const QString previousCourier =
        before != m_packages.cend() ? before->deliveryPersonId : QString();
    if (!adoptStoredPackage(id))
        return;
    const Package &after = m_packages[id];
    const bool was = std::exchange(m_applyingRemote, true);
    Q_EMIT packageChanged(after, {},
                          previousCourier != after.deliveryPersonId ? previousCourier : QString());
    m_applyingRemote = was;
}

void DispatchService::applyRemoteCouriers()
{
    const QSet<QString> known(m_couriers.keyBegin(), m_couriers.keyEnd());
    adoptStoredCouriers();
    const bool was = std::exchange(m_applyingRemote, true);
    for (const Courier &c : std::as_const(m_couriers)) {
        if (!known.contains(c.id))
            updateOnline(m_couriers[c.id], true);
        Q_EMIT courierChanged(c);
    }
    m_applyingRemote = was;
}

void DispatchService::resync()
{
    for (Courier &c : m_store.loadCouriers()) {
        auto it = m_couriers.find(c.id);
        if (it == m_couriers.end())
            continue;
        if (c.lastLocation &&
            (!it->lastLocation || it->lastLocation->timestamp < c.lastLocation->timestamp))
            it->lastLocation = c.lastLocation;
    }
    applyRemoteCouriers();
    for (Package &p : m_store.loadPackages()) {
        const auto known = m_packages.constFind(p.id);
        if (known != m_packages.cend() && known->version == p.version)
            continue;
        const QString id = p.id;
        const QString previousCourier =
            known != m_packages.cend() ? known->deliveryPersonId : QString();
        adoptPackage(std::move(p));
        const Package &after = m_packages[id];
        const bool was = std::exchange(m_applyingRemote, true);
        Q_EMIT packageChanged(
            after, {}, previousCourier != after.deliveryPersonId ? previousCourier : QString());
        m_applyingRemote = was;
    }
}

} // namespace depot
