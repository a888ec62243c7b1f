#include "consolecontroller.h"

#include "models/couriermodel.h"
#include "models/dispatchmirror.h"
#include "models/eventfeedmodel.h"
#include "models/packagefiltermodel.h"
#include "models/packagemodel.h"

#include "api/authservice.h"
#include "core/clock.h"
#include "core/prooffiles.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/fieldrules.h"
#include "hub.h"
#include "qr/proofimageprovider.h"
#include "realtime/socketioserver.h"

#include <QDir>
#include <QGeoCoordinate>
#include <QImage>
#include <QNetworkInterface>
#include <QRandomGenerator>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <limits>
#include <optional>

namespace depot {

namespace {

// The console acts as one fixed dispatcher; the service checks the role, not the account.
Principal consoleDispatcher()
{
    return Principal{Role::Dispatcher,
                     QStringLiteral("00000000-0000-4000-8000-00000000c0de"),
                     QString(),
                     QStringLiteral("console"),
                     QStringLiteral("Console"),
                     {}};
}

// The hashing workers answer on the hub's thread; the controller acts on its own. The hub's
// thread ends before the controller goes, so the pointer is still good when the answer comes.
template <typename Work>
void backOnConsole(const QPointer<ConsoleController> &controller, Work work)
{
    if (controller)
        QMetaObject::invokeMethod(controller.data(), std::move(work), Qt::AutoConnection);
}

} // namespace

ConsoleController::ConsoleController(DispatchService &dispatch, AuthService &auth, QObject *parent)
    : QObject(parent)
    , m_dispatch(dispatch)
    , m_auth(auth)
    , m_world(new DispatchMirror(dispatch, this))
    , m_packages(new PackageModel(*m_world, this))
    , m_packageFilter(new PackageFilterModel(this))
    , m_couriers(new CourierModel(*m_world, this))
    , m_events(new EventFeedModel(*m_world, this))
{
    m_packageFilter->setSourceModel(m_packages);
    connect(m_world, &DispatchMirror::packageChanged, this,
            [this](const Package &, const std::vector<PackageEvent> &events, const QString &) {
                countEvents(int(events.size()));
            });
    connect(m_world, &DispatchMirror::courierOnlineChanged, this, [this] { countEvents(1); });
    connect(m_world, &DispatchMirror::courierMoved, this, [this] { countEvents(1); });
    // Once a second: the rate decays when nothing happens, and clients are counted.
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &ConsoleController::tick);
    m_timer.start();
}

ConsoleController::~ConsoleController() = default;

template <typename Command>
auto ConsoleController::onService(Command command) -> decltype(command())
{
    if (!m_world->isRemote())
        return command();
    std::optional<decltype(command())> result;
    QMetaObject::invokeMethod(
        &m_dispatch, [&command, &result] { result.emplace(command()); },
        Qt::BlockingQueuedConnection);
    // The command's signals were queued before it returned: take them, so the models show it.
    m_world->catchUp();
    return std::move(*result);
}

void ConsoleController::setHub(Hub *hub)
{
    m_hub = hub;
    m_port = hub ? hub->port() : 0;
    refreshNetwork();
    tick();
}

void ConsoleController::setPort(quint16 port)
{
    m_port = port;
    refreshNetwork();
}

QString ConsoleController::tlsFingerprint() const
{
    return m_hub ? m_hub->tlsFingerprint() : QString();
}

QString ConsoleController::scheme() const
{
    return m_hub && m_hub->usesTls() ? QStringLiteral("https") : QStringLiteral("http");
}

void ConsoleController::refreshNetwork()
{
    QList<QHostAddress> addresses;
    if (m_hub && m_hub->config().host != QHostAddress::AnyIPv4 &&
        m_hub->config().host != QHostAddress::Any) {
        addresses << m_hub->config().host;
    } else {
        const auto flags = QNetworkInterface::IsUp | QNetworkInterface::IsRunning;
        for (const QNetworkInterface &nic : QNetworkInterface::allInterfaces()) {
            if ((nic.flags() & flags) != flags || nic.flags() & QNetworkInterface::IsLoopBack)
                continue;
            for (const QNetworkAddressEntry &entry : nic.addressEntries()) {
                const QHostAddress a = entry.ip();
                // Phones reach IPv4 addresses on a LAN; link-local ones are not routed.
                if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLinkLocal())
                    addresses << a;
            }
        }
    }
    if (addresses.isEmpty())
        addresses << QHostAddress(QHostAddress::LocalHost);
    QStringList urls;
    for (const QHostAddress &a : std::as_const(addresses))
        urls << QStringLiteral("%1://%2:%3").arg(scheme(), a.toString()).arg(m_port);
    if (urls == m_lanAddresses)
        return;
    m_lanAddresses = urls;
    Q_EMIT networkChanged();
}

int ConsoleController::eventsPerMinute() const
{
    const qint64 second = m_world->clock().nowMs() / 1000;
    int total = 0;
    for (size_t i = 0; i < m_eventCounts.size(); ++i) {
        if (second - m_eventSeconds[i] < 60)
            total += m_eventCounts[i];
    }
    return total;
}

void ConsoleController::countEvents(int events)
{
    const qint64 second = m_world->clock().nowMs() / 1000;
    const size_t slot = size_t(second % 60);
    if (m_eventSeconds[slot] != second) {
        m_eventSeconds[slot] = second;
        m_eventCounts[slot] = 0;
    }
    m_eventCounts[slot] += events;
    // Positions may come thousands a second: the number is announced by tick(), not here.
}

void ConsoleController::tick()
{
    const int perMinute = eventsPerMinute();
    if (perMinute != m_lastEventsPerMinute) {
        m_lastEventsPerMinute = perMinute;
        Q_EMIT eventsPerMinuteChanged();
    }
    auto show = [this](int clients) {
        if (clients == m_connectedClients)
            return;
        m_connectedClients = clients;
        Q_EMIT connectedClientsChanged();
    };
    if (!m_hub) {
        show(0);
    } else if (!m_world->isRemote()) {
        show(int(m_hub->realtime().clientCount()));
    } else {
        // Counted on the hub's thread; the console does not wait for it. The hub stops before
        // this controller goes (see HubThread).
        QMetaObject::invokeMethod(m_hub.data(), [self = QPointer(this), hub = m_hub.data(), show] {
            const int clients = int(hub->realtime().clientCount());
            if (self)
                QMetaObject::invokeMethod(self.data(), [show, clients] { show(clients); });
        });
    }
}

bool ConsoleController::reportRefusal(const Error &error, PackageAction action,
                                      const QString &packageId, const QString &courierId)
{
    return reportMessage(refusalText(error, action, packageId, courierId));
}

QString ConsoleController::statusInSentence(PackageStatus status)
{
    switch (status) {
    case PackageStatus::Pending:
        return tr("pending", "a package's status in a sentence");
    case PackageStatus::Assigned:
        return tr("assigned", "a package's status in a sentence");
    case PackageStatus::InProgress:
        return tr("in progress", "a package's status in a sentence");
    case PackageStatus::Completed:
        return tr("completed", "a package's status in a sentence");
    case PackageStatus::Failed:
        return tr("failed", "a package's status in a sentence");
    case PackageStatus::Cancelled:
        return tr("cancelled", "a package's status in a sentence");
    }
    return statusName(status);
}

QString ConsoleController::refusalText(const Error &error, PackageAction action,
                                       const QString &packageId, const QString &courierId) const
{
    // A refused action leaves the package as it was, so its status explains the refusal.
    const Package *package = m_world->findPackage(packageId);
    switch (error.code) {
    case ErrorCode::NotFound:
        return package ? tr("That courier no longer exists.")
                       : tr("That package no longer exists.");
    case ErrorCode::InvalidTransition: {
        if (!package)
            break;
        if (action == PackageAction::Assign && package->status == PackageStatus::Assigned &&
            package->deliveryPersonId == courierId)
            return tr("This package is already assigned to this courier.");
        const QString status = statusInSentence(package->status);
        switch (action) {
        case PackageAction::Assign:
            return tr("This package is %1, so it cannot be assigned.").arg(status);
        case PackageAction::Start:
            return tr("This package is %1, so its delivery cannot be started.").arg(status);
        case PackageAction::Complete:
            return tr("This package is %1, so it cannot be marked delivered.").arg(status);
        case PackageAction::Fail:
            return tr("This package is %1, so its delivery cannot be marked failed.").arg(status);
        case PackageAction::Cancel:
            return tr("This package is %1, so it cannot be cancelled.").arg(status);
        }
        break;
    }
    case ErrorCode::Forbidden:
        return tr("A dispatcher may not do this.");
    case ErrorCode::Internal:
        return tr("The change could not be saved.");
    default:
        break;
    }
    return error.message; // a refusal the console cannot word itself, as the service gave it
}

QString ConsoleController::fieldRefusalText(const FieldRefusal &refusal) const
{
    const auto is = [&refusal](const TextField &field) { return refusal.field.name == field.name; };
    const bool empty = refusal.fault == FieldFault::Empty;
    if (is(FieldRules::kPassword))
        return tr("A courier needs a password of at most %1 characters.")
            .arg(FieldRules::kPassword.maxLength);
    if (is(FieldRules::kCourierName) || is(FieldRules::kUsername)) {
        if (refusal.fault == FieldFault::ContainsSpace)
            return tr("The login must not contain spaces.");
        return empty ? tr("A courier needs a name and a login.")
                     : tr("The name or the login is too long.");
    }
    if (is(FieldRules::kRecipientName) && empty)
        return tr("The recipient's name is missing.");
    if (is(FieldRules::kAddress) && empty)
        return tr("The address is missing.");
    if (is(FieldRules::kRecipientName) || is(FieldRules::kAddress))
        return tr("The name or the address is too long.");
    if (is(FieldRules::kReason))
        return empty ? tr("Say why the delivery failed.") : tr("The reason is too long.");
    if (is(FieldRules::kPhone))
        return tr("The phone number is too long.");
    if (is(FieldRules::kDeviceId))
        return tr("The device id is too long.");
    if (is(FieldRules::kNotes))
        return tr("The notes are too long.");
    if (is(FieldRules::kRecipientEmail))
        return tr("The e-mail address is not valid.");
    return refusal.error().message; // a rule the console cannot word itself, as REST gives it
}

QString ConsoleController::creationRefusalText(const Error &error, const QString &username,
                                               const QString &deviceId) const
{
    switch (error.code) {
    case ErrorCode::ValidationFailed:
        return tr("The destination is not a valid coordinate.");
    case ErrorCode::Conflict: {
        // The service checks the login before the device id.
        const auto couriers = m_world->couriers();
        const bool loginTakenByCourier =
            std::any_of(couriers.begin(), couriers.end(), [&username](const Courier &c) {
                return c.username.compare(username, Qt::CaseInsensitive) == 0;
            });
        // Also a courier who is taken off keeps their device id.
        const bool deviceTaken =
            !deviceId.isEmpty() &&
            std::any_of(couriers.begin(), couriers.end(),
                        [&deviceId](const Courier &c) { return c.deviceId == deviceId; });
        if (deviceTaken && !loginTakenByCourier)
            return tr("Another courier has the device id %1.").arg(deviceId);
        return tr("The login %1 is taken.").arg(username);
    }
    case ErrorCode::Internal:
        return tr("The change could not be saved.");
    default:
        break;
    }
    return error.message;
}

QString ConsoleController::refused(const QString &message)
{
    reportMessage(message);
    return {};
}

bool ConsoleController::reportMessage(const QString &message)
{
    m_lastError = message;
    Q_EMIT errorOccurred(message);
    return false;
}

QString ConsoleController::createPackage(const QString &recipientName, const QString &address,
                                         double latitude, double longitude, const QString &notes,
                                         const QString &recipientEmail)
{
    NewPackage fields{recipientName, address, latitude, longitude, notes, recipientEmail, {}};
    if (const auto refusal = FieldRules::newPackage(fields))
        return refused(fieldRefusalText(*refusal));
    const auto created = onService([&] { return m_dispatch.createPackage(fields); });
    if (!created)
        return refused(creationRefusalText(created.error(), QString(), QString()));
    return created->id;
}

bool ConsoleController::assign(const QString &packageId, const QString &courierId)
{
    const auto r =
        onService([&] { return m_dispatch.assign(consoleDispatcher(), packageId, courierId); });
    return r ? true : reportRefusal(r.error(), PackageAction::Assign, packageId, courierId);
}

bool ConsoleController::start(const QString &packageId)
{
    const auto r = onService([&] { return m_dispatch.start(consoleDispatcher(), packageId); });
    return r ? true : reportRefusal(r.error(), PackageAction::Start, packageId);
}

bool ConsoleController::complete(const QString &packageId)
{
    const auto r = onService([&] { return m_dispatch.complete(consoleDispatcher(), packageId); });
    return r ? true : reportRefusal(r.error(), PackageAction::Complete, packageId);
}

bool ConsoleController::fail(const QString &packageId, const QString &reason)
{
    QString why = reason;
    if (const auto refusal = FieldRules::reason(why, true))
        return reportMessage(fieldRefusalText(*refusal));
    const auto r = onService([&] { return m_dispatch.fail(consoleDispatcher(), packageId, why); });
    return r ? true : reportRefusal(r.error(), PackageAction::Fail, packageId);
}

QVariantMap ConsoleController::proof(const QString &packageId)
{
    const auto proof = onService([&] { return m_dispatch.proof(consoleDispatcher(), packageId); });
    if (!proof)
        return {};
    // The files are read and decoded here, once, for QML's image threads to show.
    QHash<QString, QImage> images;
    auto url = [&proof](const QString &path) {
        return QStringLiteral("image://proof/%1/%2").arg(proof->id, path);
    };
    std::optional<ProofFiles> files;
    if (!m_proofDirectory.isEmpty())
        files.emplace(m_proofDirectory);
    else if (m_hub)
        files.emplace(QDir(m_hub->config().dataDir).absoluteFilePath(QStringLiteral("proofs")));
    auto load = [&](const ProofImage &image, const QString &path) {
        const auto bytes = files ? files->get(image.sha256) : std::nullopt;
        if (bytes)
            images.insert(path, QImage::fromData(*bytes));
    };
    QVariantList photos;
    for (size_t i = 0; i < proof->photos.size(); ++i) {
        const QString path = QStringLiteral("photos/%1").arg(i + 1);
        load(proof->photos[i], path);
        photos << url(path);
    }
    if (proof->signature)
        load(*proof->signature, QStringLiteral("signature"));
    if (m_proofImages)
        m_proofImages->setImages(proof->id, images);
    return QVariantMap{{QStringLiteral("id"), proof->id},
                       {QStringLiteral("recipientName"), proof->recipientName},
                       {QStringLiteral("note"), proof->note},
                       {QStringLiteral("signature"),
                        proof->signature ? url(QStringLiteral("signature")) : QString()},
                       {QStringLiteral("photos"), photos}};
}

bool ConsoleController::cancel(const QString &packageId, const QString &reason)
{
    QString why = reason;
    if (const auto refusal = FieldRules::reason(why, false))
        return reportMessage(fieldRefusalText(*refusal));
    const auto r =
        onService([&] { return m_dispatch.cancel(consoleDispatcher(), packageId, why); });
    return r ? true : reportRefusal(r.error(), PackageAction::Cancel, packageId);
}

bool ConsoleController::createCourier(const QString &name, const QString &username,
                                      const QString &password, const QString &phone,
                                      const QString &deviceId)
{
    NewCourier fields{name, username, QString(), phone, deviceId};
    if (const auto refusal = FieldRules::newCourier(fields, password))
        return reportMessage(fieldRefusalText(*refusal));
    // Hashed on the workers REST hashes on; created back on this thread, through the service's.
    m_auth.hashInBackground(password, [self = QPointer(this), fields](const QString &hash) mutable {
        backOnConsole(self, [self, fields, hash]() mutable {
            fields.passwordHash = hash;
            const auto created =
                self->onService([&] { return self->m_dispatch.createCourier(fields); });
            if (created)
                Q_EMIT self->courierCreated(created->id, created->username);
            else
                self->reportMessage(
                    self->creationRefusalText(created.error(), fields.username, fields.deviceId));
        });
    });
    return true;
}

bool ConsoleController::setCourierActive(const QString &courierId, bool active)
{
    CourierPatch patch;
    patch.active = active;
    const auto r = onService([&] { return m_dispatch.updateCourier(courierId, patch); });
    if (r)
        return true;
    if (r.error().code == ErrorCode::NotFound)
        return reportMessage(tr("That courier no longer exists."));
    return reportMessage(tr("The change could not be saved."));
}

bool ConsoleController::changeCourierPassword(const QString &courierId, const QString &password)
{
    if (!m_world->findCourier(courierId))
        return reportMessage(tr("That courier no longer exists."));
    if (const auto refusal = FieldRules::password(password))
        return reportMessage(fieldRefusalText(*refusal));
    m_auth.hashInBackground(password, [self = QPointer(this), courierId](const QString &hash) {
        backOnConsole(self, [self, courierId, hash] {
            CourierPatch patch;
            patch.passwordHash = hash;
            const auto r =
                self->onService([&] { return self->m_dispatch.updateCourier(courierId, patch); });
            if (r)
                Q_EMIT self->courierPasswordChanged(courierId);
            else if (r.error().code == ErrorCode::NotFound)
                self->reportMessage(tr("That courier no longer exists."));
            else
                self->reportMessage(tr("The change could not be saved."));
        });
    });
    return true;
}

QString ConsoleController::suggestCourier(const QString &packageId) const
{
    const Package *p = m_world->findPackage(packageId);
    if (!p)
        return {};
    const QGeoCoordinate destination(p->latitude, p->longitude);
    QString best;
    double bestMetres = std::numeric_limits<double>::infinity();
    for (const Courier &c : m_world->couriers()) {
        if (!c.online || !c.lastLocation)
            continue;
        const auto carried = m_world->carriedBy(c.id);
        if (!carried.empty() && carried.front()->status == PackageStatus::InProgress)
            continue;
        const double metres = destination.distanceTo(
            QGeoCoordinate(c.lastLocation->latitude, c.lastLocation->longitude));
        if (metres < bestMetres) {
            bestMetres = metres;
            best = c.id;
        }
    }
    return best;
}

QString ConsoleController::courierName(const QString &courierId) const
{
    const Courier *c = m_world->findCourier(courierId);
    return c ? c->name : QString();
}

QString ConsoleController::courierPageUrl(const QString &username) const
{
    QUrl url(
        m_lanAddresses.value(0, QStringLiteral("%1://127.0.0.1:%2").arg(scheme()).arg(m_port)));
    url.setPath(QStringLiteral("/courier"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("u"), username);
    url.setQuery(query);
    return url.toString(QUrl::FullyEncoded);
}

QString ConsoleController::generatePassword()
{
    // No 0/O or 1/l/I: it is read off a screen and typed on a phone.
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    QString out;
    for (int i = 0; i < 10; ++i)
        out.append(
            QLatin1Char(alphabet[QRandomGenerator::system()->bounded(int(sizeof(alphabet) - 1))]));
    return out;
}

} // namespace depot
