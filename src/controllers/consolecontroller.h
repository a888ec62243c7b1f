#pragma once

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTimer>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <array>

Q_MOC_INCLUDE("models/couriermodel.h")
Q_MOC_INCLUDE("models/eventfeedmodel.h")
Q_MOC_INCLUDE("models/packagefiltermodel.h")
Q_MOC_INCLUDE("models/packagemodel.h")

namespace depot {

class AuthService;
class CourierModel;
class DispatchMirror;
class DispatchService;
class EventFeedModel;
class Hub;
class PackageFilterModel;
class PackageModel;
class ProofImageProvider;
struct Error;
struct FieldRefusal;
enum class PackageAction;
enum class PackageStatus;

/// Backs the console window: its models, the dispatcher's actions on the dispatch service and
/// the facts of the status bar. Actions go through the same service commands as REST, as a
/// dispatcher; a refused one emits errorOccurred with the reason in the console's language.
/// The service may run on a thread of its own (HubThread): the models follow a copy of it on
/// this thread, and the actions run on the service's thread while this one waits for them.
class ConsoleController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    Q_PROPERTY(depot::PackageModel *packages READ packages CONSTANT)
    Q_PROPERTY(depot::PackageFilterModel *packageFilter READ packageFilter CONSTANT)
    Q_PROPERTY(depot::CourierModel *couriers READ couriers CONSTANT)
    Q_PROPERTY(depot::EventFeedModel *events READ events CONSTANT)
    Q_PROPERTY(QStringList lanAddresses READ lanAddresses NOTIFY networkChanged)
    Q_PROPERTY(int port READ port NOTIFY networkChanged)
    Q_PROPERTY(QString tlsFingerprint READ tlsFingerprint NOTIFY networkChanged)
    Q_PROPERTY(int connectedClients READ connectedClients NOTIFY connectedClientsChanged)
    Q_PROPERTY(int eventsPerMinute READ eventsPerMinute NOTIFY eventsPerMinuteChanged)
    Q_PROPERTY(QString lastError READ lastError NOTIFY errorOccurred)

public:
    /// Passwords are hashed by `auth` off the GUI thread, as REST's are.
    ConsoleController(DispatchService &dispatch, AuthService &auth, QObject *parent = nullptr);
    ~ConsoleController() override;

    /// The running hub, for its port, its LAN addresses and its connected clients.
    void setHub(Hub *hub);
    /// Without a hub (tests): the port the status bar and the phone links show.
    void setPort(quint16 port);

    PackageModel *packages() const { return m_packages; }
    PackageFilterModel *packageFilter() const { return m_packageFilter; }
    CourierModel *couriers() const { return m_couriers; }
    EventFeedModel *events() const { return m_events; }
    /// http://ADDRESS:PORT (https:// with TLS) for every address phones on the LAN may reach the
    /// hub at.
    QStringList lanAddresses() const { return m_lanAddresses; }
    /// The SHA-256 fingerprint of the hub's certificate, which phones warn about once; empty
    /// without TLS.
    QString tlsFingerprint() const;
    int port() const { return m_port; }
    int connectedClients() const { return m_connectedClients; }
    /// Events the hub announced (status changes, online changes, positions) in the last minute.
    int eventsPerMinute() const;
    QString lastError() const { return m_lastError; }

    /// Each returns the new id or true, or an empty string / false after errorOccurred.
    Q_INVOKABLE QString createPackage(const QString &recipientName, const QString &address,
                                      double latitude, double longitude,
                                      const QString &notes = QString(),
                                      const QString &recipientEmail = QString());
    Q_INVOKABLE bool assign(const QString &packageId, const QString &courierId);
    Q_INVOKABLE bool start(const QString &packageId);
    Q_INVOKABLE bool complete(const QString &packageId);
    Q_INVOKABLE bool fail(const QString &packageId, const QString &reason);
    Q_INVOKABLE bool cancel(const QString &packageId, const QString &reason);
    /// The package's proof of delivery for its details: {id, recipientName, note, signature,
    /// photos} with image://proof/ URLs (its images handed to the provider), or an empty map.
    Q_INVOKABLE QVariantMap proof(const QString &packageId);
    /// Where proof() puts the images it reads.
    void setProofImages(ProofImageProvider *provider) { m_proofImages = provider; }
    /// Where proof() reads the images; the hub's data dir's `proofs/` unless set.
    void setProofDirectory(const QString &directory) { m_proofDirectory = directory; }
    /// Creates a courier, their password hashed off the GUI thread: true when the creation is
    /// under way, then courierCreated, or errorOccurred.
    Q_INVOKABLE bool createCourier(const QString &name, const QString &username,
                                   const QString &password, const QString &phone,
                                   const QString &deviceId);

    /// Takes a courier off (false) or back on (true). Off ends their tokens and connections,
    /// refuses their logins and GPS fixes, and keeps their history.
    Q_INVOKABLE bool setCourierActive(const QString &courierId, bool active);
    /// Gives a courier a new password, hashed off the GUI thread: true when the change is under
    /// way, then courierPasswordChanged, or errorOccurred. Ends all of the courier's tokens.
    Q_INVOKABLE bool changeCourierPassword(const QString &courierId, const QString &password);

    /// The nearest free courier to the package's destination: online, nothing IN_PROGRESS,
    /// with a known position; empty when there is none.
    Q_INVOKABLE QString suggestCourier(const QString &packageId) const;
    Q_INVOKABLE QString courierName(const QString &courierId) const;
    /// The page a courier's phone opens, on the first LAN address.
    Q_INVOKABLE QString courierPageUrl(const QString &username) const;
    /// A random password that is easy to read out: for a new courier's first login.
    Q_INVOKABLE static QString generatePassword();

    /// Reads the network interfaces again.
    Q_INVOKABLE void refreshNetwork();

Q_SIGNALS:
    void networkChanged();
    void connectedClientsChanged();
    void eventsPerMinuteChanged();
    /// A refused action, with its reason in the console's language (REST keeps the service's
    /// English message).
    void errorOccurred(const QString &message);
    /// A new courier is in place, with the login they were created with.
    void courierCreated(const QString &courierId, const QString &username);
    /// A courier's new password is in place.
    void courierPasswordChanged(const QString &courierId);

private:
    /// Reports a refused package action; its sentence comes from the error's code and the action.
    bool reportRefusal(const Error &error, PackageAction action, const QString &packageId,
                       const QString &courierId = {});
    /// The sentence for a refused action or creation, in the console's language.
    QString refusalText(const Error &error, PackageAction action, const QString &packageId,
                        const QString &courierId) const;
    /// The sentence for a field the domain's rules refuse.
    QString fieldRefusalText(const FieldRefusal &refusal) const;
    QString creationRefusalText(const Error &error, const QString &username,
                                const QString &deviceId) const;
    static QString statusInSentence(PackageStatus status);
    bool reportMessage(const QString &message);
    /// reportMessage() for the actions that return an id.
    QString refused(const QString &message);
    void countEvents(int events);
    void tick();
    QString scheme() const;
    /// Runs a command of the dispatch service on the service's thread and waits for it; when it
    /// returns, the models show the command's outcome.
    template <typename Command> auto onService(Command command) -> decltype(command());

    DispatchService &m_dispatch;
    AuthService &m_auth;
    QPointer<Hub> m_hub;
    ProofImageProvider *m_proofImages = nullptr;
    QString m_proofDirectory;
    DispatchMirror *m_world = nullptr; // what the models show, on this thread
    PackageModel *m_packages = nullptr;
    PackageFilterModel *m_packageFilter = nullptr;
    CourierModel *m_couriers = nullptr;
    EventFeedModel *m_events = nullptr;
    QStringList m_lanAddresses;
    int m_port = 0;
    int m_connectedClients = 0;
    QString m_lastError;
    // Events per second over the last minute, a ring indexed by the second.
    std::array<int, 60> m_eventCounts{};
    std::array<qint64, 60> m_eventSeconds{};
    int m_lastEventsPerMinute = 0;
    QTimer m_timer;
};

} // namespace depot
