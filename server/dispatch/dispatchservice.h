#pragma once

#include "core/carriedpackages.h"
#include "core/proof.h"
#include "core/result.h"
#include "core/types.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <vector>

namespace depot {

class Clock;
class OutboxProducer;
class Store;

/// What a caller asks when listing packages.
struct PackageFilter
{
    std::optional<PackageStatus> status;
    QString deliveryPersonId;
};

/// Fields of a new package, already validated for shape by the caller.
struct NewPackage
{
    QString recipientName;
    QString address;
    double latitude = 0;
    double longitude = 0;
    QString notes;
    QString recipientEmail; // optional: the customer's e-mail address
    QString language;       // optional: of the customer's e-mails
};

/// Fields of a new courier and their login.
struct NewCourier
{
    QString name;
    QString username;
    QString passwordHash;
    QString phone;
    QString deviceId;
};

/// Changes to a courier; absent fields stay as they are.
struct CourierPatch
{
    std::optional<QString> name;
    std::optional<QString> phone;
    std::optional<QString> deviceId;
    std::optional<bool> active;
    QString passwordHash; // empty: unchanged
};

/// The dispatch domain: couriers, packages and their status machine. Every command is checked
/// against the caller's role, written to the store in one transaction, then announced.
class DispatchService : public QObject
{
    Q_OBJECT

public:
    DispatchService(Store &store, const Clock &clock, QObject *parent = nullptr);

    /// Loads couriers and packages from the store.
    void load();

    // Couriers
    Result<Courier> createCourier(const NewCourier &fields);
    Result<Courier> updateCourier(const QString &id, const CourierPatch &patch);
    std::vector<Courier> couriers() const;
    Result<Courier> courier(const Principal &caller, const QString &id) const;
    const Courier *findCourier(const QString &id) const;
    /// The active courier with this device id; an inactive one is not found.
    const Courier *findCourierByDevice(const QString &deviceId) const;
    /// Marks a courier online or offline on this hub; a courier is online while online on this
    /// hub or another. Announces only real changes.
    void setCourierOnline(const QString &id, bool online);
    /// Whether the courier is online on another hub. `announce`: the change is this hub's to
    /// announce (nobody else will, e.g. the other hub is gone); otherwise it is applied as one
    /// made elsewhere (see applyingRemote()).
    void setCourierOnlineElsewhere(const QString &id, bool online, bool announce);
    /// The couriers online through this hub's own connections.
    QStringList couriersOnlineHere() const;

    // Changes another hub made and announced itself: they are applied to this hub's view and
    // signalled (a console follows them) with applyingRemote() true, never stored again.
    void applyRemoteFix(const QString &courierId, const Location &fix);
    /// Reads a package another hub changed from the shared store.
    void applyRemotePackage(const QString &id);
    /// Reads the couriers from the shared store (one was made or changed on another hub).
    void applyRemoteCouriers();
    /// Reads every package and courier from the shared store again, keeping presence and
    /// positions this hub knows that are newer.
    void resync();
    /// True while a signal reports a change another hub made (and announced).
    bool applyingRemote() const { return m_applyingRemote; }

    // Packages
    Result<Package> createPackage(const NewPackage &fields);
    std::vector<Package> packages(const Principal &caller, const PackageFilter &filter) const;
    Result<Package> package(const Principal &caller, const QString &id) const;
    Result<std::vector<PackageEvent>> events(const Principal &caller, const QString &id) const;
    const Package *findPackage(const QString &id) const;
    const Package *findPackageByTrackingCode(const QString &code) const;
    const Package *findPackageByTrackingToken(const QString &token) const;
    bool canSee(const Principal &caller, const Package &package) const;

    Result<Package> assign(const Principal &caller, const QString &packageId,
                           const QString &courierId);
    Result<Package> start(const Principal &caller, const QString &packageId);
    Result<Package> complete(const Principal &caller, const QString &packageId);
    Result<Package> fail(const Principal &caller, const QString &packageId, const QString &reason);
    Result<Package> cancel(const Principal &caller, const QString &packageId,
                           const QString &reason);

    // Proofs of delivery
    /// What a delivery needs before COMPLETED (--proof); Optional unless set.
    void setProofPolicy(ProofPolicy policy) { m_proofPolicy = policy; }
    ProofPolicy proofPolicy() const { return m_proofPolicy; }
    /// Stores the proof of a package ASSIGNED, IN_PROGRESS or COMPLETED, given by its courier
    /// (its images already stored), replacing any earlier one. A COMPLETED package announces it
    /// with another package:update.
    Result<Proof> saveProof(const Principal &caller, const QString &packageId, Proof proof);
    /// The proof of a package the caller may see.
    Result<Proof> proof(const Principal &caller, const QString &packageId) const;
    /// A proof by its own id, if the caller may see its package.
    Result<Proof> proofById(const Principal &caller, const QString &proofId) const;

    // Locations
    /// Moves a courier to a fix that LocationIngest has already stored.
    void applyFix(const QString &courierId, const Location &fix);

    /// The packages a courier carries now: IN_PROGRESS first, then ASSIGNED.
    std::vector<const Package *> carriedBy(const QString &courierId) const;

    /// Asks `producer` for the outbox entries of every package change, which are then stored
    /// in the change's transaction (see core/outbox.h). The producer must outlive the service.
    void addOutboxProducer(OutboxProducer *producer) { m_outboxProducers.push_back(producer); }

    const Clock &clock() const { return m_clock; }
    /// The secret tracking tokens are derived with (see TrackingTokens); set before load().
    /// Without one, a random secret of this process is used.
    void setTrackingSecret(QByteArray secret) { m_trackingSecret = std::move(secret); }

Q_SIGNALS:
    /// A package changed; `events` are already in its history, in the order they are to be sent.
    /// `previousCourierId` is the courier it was taken from by a reassignment, else empty.
    void packageChanged(const depot::Package &package,
                        const std::vector<depot::PackageEvent> &events,
                        const QString &previousCourierId);
    void courierChanged(const depot::Courier &courier);
    /// A new password or a deactivation ended every token of this courier (already gone from
    /// the store): whatever still holds one must let go.
    void courierAccessEnded(const QString &courierId);
    void courierOnlineChanged(const depot::Courier &courier, const QDateTime &at);
    void courierMoved(const depot::Courier &courier, const depot::Location &fix);
    /// This hub's own connections made a courier online or offline here.
    void courierOnlineHereChanged(const QString &courierId, bool online);

private:
    void updateOnline(Courier &courier, bool remote);
    /// Moves a courier to a fix, and signals it.
    void moveCourier(Courier &courier, const Location &fix);
    Result<Package> transition(const Principal &caller, const QString &packageId,
                               PackageAction action, const QString &courierId,
                               const QString &reason);
    /// One try of transition(): checks the change against `before` and stores it over
    /// `before`'s version; a lost compare-and-set is a Conflict.
    Result<Package> tryTransition(const Package &before, PackageAction action,
                                  const QString &courierId, const QString &reason);
    Result<Package *> visiblePackage(const Principal &caller, const QString &id);
    /// Why a write failed: the store is unreachable (503), or it refused.
    Error writeFailed() const;
    // Read through to a store other hubs write to: the couriers as stored (records this hub
    // did not make or change), and a package as it is stored now (replacing this one's view of
    // it; false when there is none).
    void adoptStoredCouriers();
    bool adoptStoredPackage(const QString &id);
    /// Takes a stored package as this hub's view of it.
    void adoptPackage(Package p);
    QString uniqueTrackingCode() const;
    /// Keeps m_carried in step with a package that was `before` (null when new) and is `after`.
    void indexCarried(const Package *before, const Package &after);
    /// Stores a package change with what the outbox producers make of it.
    bool savePackage(const Package *before, const Package &after,
                     std::vector<PackageEvent> &events);

    Store &m_store;
    const Clock &m_clock;
    QByteArray m_trackingSecret;
    QHash<QString, Courier> m_couriers;
    QHash<QString, QString> m_courierByDevice;
    QHash<QString, Package> m_packages;
    std::vector<QString> m_packageOrder;         // creation order, for stable listings
    QHash<QString, qsizetype> m_packagePosition; // package id -> index in m_packageOrder
    // Courier id -> ids of the packages they carry (ASSIGNED or IN_PROGRESS) in creation order:
    // every fix asks for them, so they are not searched for among all packages of the day.
    CarriedPackages m_carried;
    QHash<QString, QString> m_packageByCode;
    QHash<QString, QString> m_packageByToken;
    QSet<QString> m_onlineHere;
    QSet<QString> m_onlineElsewhere;
    bool m_applyingRemote = false;
    std::vector<OutboxProducer *> m_outboxProducers;
    ProofPolicy m_proofPolicy = ProofPolicy::Optional;
};

} // namespace depot
