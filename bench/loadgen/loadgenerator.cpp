#include "loadgenerator.h"

#include "fixwire.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <unistd.h>

namespace depot::bench {

namespace {

constexpr int kAckTimeoutMs = 10000;
constexpr qint64 kAckTimeoutNs = qint64(kAckTimeoutMs) * 1'000'000;
constexpr double kSpeedMps = 6; // a cyclist: far below the hub's 70 m/s jump filter
constexpr double kMetresPerDegree = 111320;

void say(const QString &line)
{
    std::fprintf(stderr, "%s\n", qPrintable(line));
    std::fflush(stderr);
}

double round1(double v)
{
    return std::round(v * 10) / 10;
}

} // namespace

LoadGenerator::LoadGenerator(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_rest(m_options.url)
    , m_dispatcherRest(m_options.dispatcherUrl.isEmpty() ? m_options.url : m_options.dispatcherUrl)
    , m_server(m_options.serverPids)
    , m_self({qint64(getpid())})
    , m_pool(this)
    , m_random(QRandomGenerator::global()->generate())
{
    // Usernames unique per run, so the same server can take several runs.
    m_runId = QString::number(QRandomGenerator::global()->generate() % 1000000, 36);
    // Through the rush hour, one tick a millisecond reads what arrived and sends every fix
    // whose time has come: the process wakes a thousand times a second, not once per packet.
    m_tick.setTimerType(Qt::PreciseTimer);
    m_tick.setInterval(1);
    connect(&m_tick, &QTimer::timeout, this, &LoadGenerator::onTick);
    m_ackTimer.setInterval(100);
    connect(&m_ackTimer, &QTimer::timeout, this, &LoadGenerator::expireAcks);
}

LoadGenerator::~LoadGenerator() = default;

void LoadGenerator::start()
{
    QString error;
    if (m_pool.addServer(m_options.url, &error) < 0) {
        fail(error);
        return;
    }
    if (!m_options.dispatcherUrl.isEmpty()) {
        m_dispatcherServer = m_pool.addServer(m_options.dispatcherUrl, &error);
        if (m_dispatcherServer < 0) {
            fail(error);
            return;
        }
    }
    if (m_options.mode == QLatin1String("capacity"))
        loginDispatcher([this] { runCapacity(); });
    else
        loginDispatcher([this] {
            setupCouriers([this] { setupPackages([this] { connectAll([this] { runRush(); }); }); });
        });
}

void LoadGenerator::fail(const QString &message)
{
    say(QStringLiteral("depot-loadgen: ") + message);
    Q_EMIT finished(1);
}

void LoadGenerator::forEach(int count, int parallel, Step step, std::function<void(int)> done)
{
    struct State
    {
        int next = 0;
        int finished = 0;
        int failures = 0;
        std::function<void()> launch;
    };
    if (count == 0) {
        done(0);
        return;
    }
    // The pending callbacks own the state; the launcher refers to it weakly, so no cycle.
    auto state = std::make_shared<State>();
    std::weak_ptr<State> weak = state;
    state->launch = [weak, count, step = std::move(step), done = std::move(done)] {
        const std::shared_ptr<State> s = weak.lock();
        if (!s)
            return;
        const int index = s->next++;
        step(index, [s, count, done](bool ok) {
            if (!ok)
                ++s->failures;
            if (++s->finished == count)
                done(s->failures);
            else if (s->next < count)
                s->launch();
        });
    };
    for (int i = 0; i < std::min(count, parallel); ++i)
        state->launch();
}

void LoadGenerator::loginDispatcher(std::function<void()> next)
{
    say(QStringLiteral("logging in as dispatcher at %1").arg(m_options.url.toString()));
    m_rest.call("POST", QStringLiteral("/api/auth/login"), {},
                QJsonObject{{QStringLiteral("username"), QStringLiteral("dispatcher")},
                            {QStringLiteral("password"), m_options.adminPassword}},
                [this, next](int status, const QJsonValue &body) {
                    m_adminToken = body[QStringLiteral("token")].toString();
                    if (status != 200 || m_adminToken.isEmpty()) {
                        fail(QStringLiteral("dispatcher login failed (HTTP %1)").arg(status));
                        return;
                    }
                    if (m_options.dispatcherUrl.isEmpty()) {
                        m_dispatcherToken = m_adminToken;
                        next();
                        return;
                    }
                    // Another hub: its own login, as a dispatcher's console there would have.
                    m_dispatcherRest.call(
                        "POST", QStringLiteral("/api/auth/login"), {},
                        QJsonObject{{QStringLiteral("username"), QStringLiteral("dispatcher")},
                                    {QStringLiteral("password"), m_options.adminPassword}},
                        [this, next](int status, const QJsonValue &body) {
                            m_dispatcherToken = body[QStringLiteral("token")].toString();
                            if (status != 200 || m_dispatcherToken.isEmpty()) {
                                fail(QStringLiteral("dispatcher login at %1 failed (HTTP %2)")
                                         .arg(m_options.dispatcherUrl.toString())
                                         .arg(status));
                                return;
                            }
                            next();
                        });
                });
}

void LoadGenerator::setupCouriers(std::function<void()> next)
{
    const qint64 started = nowNs();
    m_couriers.resize(size_t(m_options.couriers));
    say(QStringLiteral("creating %1 couriers").arg(m_options.couriers));
    auto create = [this](int i, std::function<void(bool)> done) {
        Courier &c = m_couriers[size_t(i)];
        c.username = QStringLiteral("bench-%1-%2").arg(m_runId).arg(i);
        m_rest.call("POST", QStringLiteral("/api/couriers"), m_adminToken,
                    QJsonObject{{QStringLiteral("name"), QStringLiteral("Bench courier %1").arg(i)},
                                {QStringLiteral("username"), c.username},
                                {QStringLiteral("password"), c.username}},
                    [this, i, done](int status, const QJsonValue &body) {
                        m_couriers[size_t(i)].id = body[QStringLiteral("id")].toString();
                        done(status == 201 && !m_couriers[size_t(i)].id.isEmpty());
                    });
    };
    auto login = [this](int i, std::function<void(bool)> done) {
        Courier &c = m_couriers[size_t(i)];
        m_rest.call("POST", QStringLiteral("/api/auth/login"), {},
                    QJsonObject{{QStringLiteral("username"), c.username},
                                {QStringLiteral("password"), c.username}},
                    [this, i, done](int status, const QJsonValue &body) {
                        m_couriers[size_t(i)].token = body[QStringLiteral("token")].toString();
                        done(status == 200 && !m_couriers[size_t(i)].token.isEmpty());
                    });
    };
    forEach(m_options.couriers, m_options.setupParallel, create, [=, this](int failures) {
        if (failures) {
            fail(QStringLiteral("%1 couriers could not be created").arg(failures));
            return;
        }
        say(QStringLiteral("logging in %1 couriers").arg(m_options.couriers));
        forEach(m_options.couriers, m_options.setupParallel, login, [=, this](int failures) {
            if (failures) {
                fail(QStringLiteral("%1 couriers could not log in").arg(failures));
                return;
            }
            auto *rng = QRandomGenerator::global();
            for (int i = 0; i < int(m_couriers.size()); ++i) {
                Courier &c = m_couriers[size_t(i)];
                m_courierIndex.emplace(c.id.toStdString(), i);
                // Spread over a city, each heading its own way.
                c.latitude = 52.45 + rng->bounded(0.15);
                c.longitude = 13.30 + rng->bounded(0.25);
                c.heading = rng->bounded(360.0);
            }
            m_setupSeconds += double(nowNs() - started) / 1e9;
            next();
        });
    });
}

void LoadGenerator::setupPackages(std::function<void()> next)
{
    const qint64 started = nowNs();
    const int count = m_options.couriers * m_options.packagesPerCourier;
    m_packages.resize(size_t(count));
    say(QStringLiteral("creating, assigning and starting %1 packages").arg(count));
    auto one = [this](int i, std::function<void(bool)> done) {
        const Courier &c = m_couriers[size_t(i / m_options.packagesPerCourier)];
        const QString courierId = c.id;
        const QJsonObject destination{{QStringLiteral("latitude"), c.latitude + 0.02},
                                      {QStringLiteral("longitude"), c.longitude + 0.02}};
        m_rest.call(
            "POST", QStringLiteral("/api/packages"), m_adminToken,
            QJsonObject{{QStringLiteral("recipientName"), QStringLiteral("Recipient %1").arg(i)},
                        {QStringLiteral("address"), QStringLiteral("Bench street %1").arg(i)},
                        {QStringLiteral("destination"), destination}},
            [=, this](int status, const QJsonValue &body) {
                const QString id = body[QStringLiteral("id")].toString();
                if (status != 201 || body[QStringLiteral("trackingToken")].toString().isEmpty()) {
                    done(false);
                    return;
                }
                m_packages[size_t(i)] = body.toObject();
                m_rest.call("POST", QStringLiteral("/api/packages/%1/assign").arg(id), m_adminToken,
                            QJsonObject{{QStringLiteral("deliveryPersonId"), courierId}},
                            [=, this](int status, const QJsonValue &) {
                                if (status != 200) {
                                    done(false);
                                    return;
                                }
                                m_rest.call(
                                    "POST", QStringLiteral("/api/packages/%1/start").arg(id),
                                    m_adminToken, {},
                                    [=](int status, const QJsonValue &) { done(status == 200); });
                            });
            });
    };
    forEach(count, m_options.setupParallel, one, [=, this](int failures) {
        if (failures) {
            fail(QStringLiteral("%1 packages could not be set up").arg(failures));
            return;
        }
        m_setupSeconds += double(nowNs() - started) / 1e9;
        next();
    });
}

void LoadGenerator::openClients(std::vector<std::pair<Peer, QString>> clients,
                                std::function<void(int)> next)
{
    auto list = std::make_shared<std::vector<std::pair<Peer, QString>>>(std::move(clients));
    forEach(
        int(list->size()), m_options.connectBatch,
        [this, list](int i, std::function<void(bool)> done) {
            const auto &[peer, token] = (*list)[size_t(i)];
            const QByteArray auth = QJsonDocument(QJsonObject{{QStringLiteral("token"), token}})
                                        .toJson(QJsonDocument::Compact);
            const int connection =
                m_pool.open(auth, peer.kind == Peer::Kind::Dispatcher ? m_dispatcherServer : 0);
            m_peers.resize(size_t(connection) + 1);
            m_openDone.resize(size_t(connection) + 1);
            m_peers[size_t(connection)] = peer;
            m_openDone[size_t(connection)] = std::move(done);
            switch (peer.kind) {
            case Peer::Kind::Dispatcher:
                m_dispatcherConnections.push_back(connection);
                break;
            case Peer::Kind::Courier:
                m_couriers[size_t(peer.courier)].connection = connection;
                break;
            case Peer::Kind::Tracker:
                m_trackerConnections.push_back(connection);
                break;
            }
        },
        [list, next](int failures) { next(failures); });
}

void LoadGenerator::onOpened(int connection, bool ok)
{
    if (std::function<void(bool)> done = std::exchange(m_openDone[size_t(connection)], nullptr))
        done(ok);
}

void LoadGenerator::onDisconnected(int connection)
{
    ++m_disconnects;
    const Peer &peer = m_peers[size_t(connection)];
    if (peer.kind != Peer::Kind::Courier)
        return;
    // Fixes still waiting for an ack will not get one: they count as timed out.
    for (const PendingAck &a : std::exchange(m_couriers[size_t(peer.courier)].acks, {})) {
        if (a.window == m_windowId)
            ++m_window.acksTimedOut;
    }
}

void LoadGenerator::onPacket(int connection, QByteArrayView packet, qint64 receivedNs)
{
    const Peer &peer = m_peers[size_t(connection)];
    if (fixwire::isEvent(packet)) {
        if (m_sending)
            ++m_window.events;
        if (peer.kind == Peer::Kind::Dispatcher)
            onDispatcherEvent(packet, receivedNs);
        return;
    }
    if (peer.kind != Peer::Kind::Courier)
        return;
    if (const std::optional<fixwire::Ack> ack = fixwire::readAck(packet))
        onAck(m_couriers[size_t(peer.courier)], ack->id, ack->ok, receivedNs);
}

void LoadGenerator::connectAll(std::function<void()> next)
{
    const qint64 started = nowNs();
    std::vector<std::pair<Peer, QString>> clients;
    for (int i = 0; i < m_options.dispatchers; ++i)
        clients.emplace_back(Peer{Peer::Kind::Dispatcher}, m_dispatcherToken);
    for (int i = 0; i < int(m_couriers.size()); ++i)
        clients.emplace_back(Peer{Peer::Kind::Courier, i}, m_couriers[size_t(i)].token);
    for (const QJsonObject &p : m_packages)
        clients.emplace_back(Peer{Peer::Kind::Tracker},
                             p[QStringLiteral("trackingToken")].toString());
    say(QStringLiteral("connecting %1 dispatchers, %2 couriers, %3 trackers")
            .arg(m_options.dispatchers)
            .arg(m_couriers.size())
            .arg(m_packages.size()));
    openClients(std::move(clients), [=, this](int failures) {
        m_connectFailures += failures;
        m_setupSeconds += double(nowNs() - started) / 1e9;
        if (failures)
            say(QStringLiteral("%1 connections failed").arg(failures));
        // Let the online/offline and setup events settle before measuring.
        QTimer::singleShot(2000, this, next);
    });
}

// ---- rush hour -------------------------------------------------------------------------------

void LoadGenerator::runRush()
{
    m_pool.setWakeOnReady(false);
    m_tick.start();
    m_ackTimer.start();
    runWindow(m_options.rate, m_options.durationSeconds, [this](const Window &w) {
        m_results.push_back(w);
        if (!m_options.step) {
            finishRush();
            return;
        }
        // Step up from the rush rate while the target holds, or down when it does not.
        m_stepUpward = meetsTarget(w);
        m_missesInARow = 0;
        const double factor = m_stepUpward ? m_options.stepFactor : 1 / m_options.stepFactor;
        QTimer::singleShot(1000, this, [this, factor] { runStep(m_options.rate * factor, 0); });
    });
}

bool LoadGenerator::meetsTarget(const Window &w) const
{
    return w.p(w.latencyUs, 0.99) / 1000 <= m_options.p99TargetMs &&
           w.delivered(m_options.dispatchers) >= 0.99 && w.acksTimedOut == 0;
}

void LoadGenerator::runStep(double rate, int n)
{
    if (n >= m_options.maxSteps) {
        finishRush();
        return;
    }
    runWindow(rate, m_options.stepSeconds, [this, rate, n](const Window &w) {
        m_results.push_back(w);
        // Upward, one window's p99 can miss on a single pause (a collector, another process);
        // the search ends on two misses in a row. Downward, the first window that meets it ends.
        m_missesInARow = meetsTarget(w) ? 0 : m_missesInARow + 1;
        if (m_stepUpward ? m_missesInARow >= 2 : m_missesInARow == 0) {
            finishRush();
            return;
        }
        const double factor = m_stepUpward ? m_options.stepFactor : 1 / m_options.stepFactor;
        QTimer::singleShot(1000, this, [this, rate, factor, n] { runStep(rate * factor, n + 1); });
    });
}

void LoadGenerator::runWindow(double rate, double seconds, std::function<void(const Window &)> next)
{
    ++m_windowId;
    m_window = Window{};
    m_window.rate = rate;
    m_window.seconds = seconds;
    m_window.latencyUs.reserve(
        size_t(rate * seconds * double(m_couriers.size()) * std::max(1, m_options.dispatchers)));
    say(QStringLiteral("window %1: %2 couriers x %3 fixes/s for %4 s")
            .arg(m_windowId)
            .arg(m_couriers.size())
            .arg(rate)
            .arg(seconds));
    m_periodNs = 1e9 / rate;
    const qint64 now = nowNs();
    // Spread the couriers evenly over one period, as real phones are not in step.
    for (size_t i = 0; i < m_couriers.size(); ++i)
        m_couriers[i].nextDueNs =
            now + qint64(m_periodNs * double(i) / double(std::max<size_t>(1, m_couriers.size())));
    m_window.serverFrom = m_server.sample();
    m_window.selfFrom = m_self.sample();
    m_sending = true;
    m_windowDone = std::move(next);
    // Precise: a coarse timer may end a 10 s window half a second early, and rates are per
    // nominal second.
    QTimer::singleShot(int(seconds * 1000), Qt::PreciseTimer, this, [this] {
        m_sending = false;
        m_window.serverTo = m_server.sample();
        m_window.selfTo = m_self.sample();
        m_drainTicks = 0;
        QTimer::singleShot(100, this, &LoadGenerator::drainWindow);
    });
}

void LoadGenerator::drainWindow()
{
    // Late acks and deliveries of fixes sent in the window still count for latency and
    // delivery, not for the rates; wait until they are in or the ack timeout has passed.
    const qint64 outstanding =
        m_window.fixesSent - m_window.acksOk - m_window.acksError - m_window.acksTimedOut;
    const bool allIn = outstanding <= 0 &&
                       m_window.dispatcherMatches >= m_window.fixesSent * m_options.dispatchers;
    if (!allIn && ++m_drainTicks <= (kAckTimeoutMs + 2000) / 100) {
        QTimer::singleShot(100, this, &LoadGenerator::drainWindow);
        return;
    }
    m_window.serverRssEndKiB = m_server.sample().rssKiB;
    const Window done = m_window;
    ++m_windowId; // acks still arriving belong to no window
    std::exchange(m_windowDone, nullptr)(done);
}

void LoadGenerator::onTick()
{
    m_pool.processReady();
    if (!m_sending)
        return; // between windows: acks and deliveries still come in
    const qint64 now = nowNs();
    QByteArray timestamp; // one per tick: the contract's timestamps are in milliseconds
    for (size_t i = 0; i < m_couriers.size(); ++i) {
        Courier &c = m_couriers[i];
        if (c.nextDueNs > now)
            continue;
        if (timestamp.isEmpty())
            timestamp = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toLatin1();
        sendFix(int(i), timestamp);
        c.nextDueNs += qint64(m_periodNs);
        if (c.nextDueNs <= now) // the generator fell behind: skip rather than burst
            c.nextDueNs = now + qint64(m_periodNs);
    }
}

void LoadGenerator::sendFix(int index, QByteArrayView timestamp)
{
    Courier &c = m_couriers[size_t(index)];
    if (c.connection < 0 || !m_pool.isConnected(c.connection))
        return;
    // Small steps at a plausible speed keep every fix past the hub's GPS-jump filter.
    const double metres = kSpeedMps * m_periodNs / 1e9;
    if (m_random() % 20 == 0)
        c.heading = std::fmod(c.heading + 90, 360);
    const double rad = c.heading * M_PI / 180;
    c.latitude += metres * std::cos(rad) / kMetresPerDegree;
    c.longitude += metres * std::sin(rad) / (kMetresPerDegree * std::cos(c.latitude * M_PI / 180));

    const quint64 ackId = c.nextAckId++;
    m_packet.resize(0);
    fixwire::appendFixEvent(
        m_packet, ackId, fixwire::Fix{c.latitude, c.longitude, 5, kSpeedMps, c.heading}, timestamp);
    // Timed as it leaves, not when the tick began: a busy tick sends many.
    const qint64 now = nowNs();
    c.sent[size_t(c.sentHead)] = SentFix{c.latitude, c.longitude, now, m_windowId};
    c.sentHead = (c.sentHead + 1) % int(c.sent.size());
    ++m_window.fixesSent;
    c.acks.push_back(PendingAck{ackId, now, m_windowId});
    m_pool.send(c.connection, m_packet);
}

void LoadGenerator::onAck(Courier &c, quint64 id, bool ok, qint64 receivedNs)
{
    const auto it = std::find_if(c.acks.begin(), c.acks.end(),
                                 [id](const PendingAck &a) { return a.id == id; });
    if (it == c.acks.end())
        return; // timed out already
    const PendingAck ack = *it;
    c.acks.erase(it);
    if (ack.window != m_windowId)
        return;
    if (ok) {
        ++m_window.acksOk;
        if (m_sending)
            ++m_window.acksOkInWindow;
        m_window.ackUs.push_back(qint32((receivedNs - ack.sentNs) / 1000));
    } else {
        ++m_window.acksError;
    }
}

void LoadGenerator::expireAcks()
{
    const qint64 now = nowNs();
    for (Courier &c : m_couriers) {
        while (!c.acks.empty() && now - c.acks.front().sentNs >= kAckTimeoutNs) {
            if (c.acks.front().window == m_windowId)
                ++m_window.acksTimedOut;
            c.acks.pop_front();
        }
    }
}

void LoadGenerator::onDispatcherEvent(QByteArrayView packet, qint64 receivedNs)
{
    const std::optional<fixwire::LocationUpdate> update =
        fixwire::readLocationUpdate(packet, m_idStorage);
    if (!update)
        return;
    const auto found = m_courierIndex.find(
        std::string_view(update->courierId.data(), size_t(update->courierId.size())));
    if (found == m_courierIndex.end())
        return;
    const double lat = update->latitude;
    const double lon = update->longitude;
    const Courier &c = m_couriers[size_t(found->second)];
    for (int k = 1; k <= int(c.sent.size()); ++k) {
        const SentFix &f =
            c.sent[size_t((c.sentHead - k + int(c.sent.size())) % int(c.sent.size()))];
        if (f.sentNs < 0)
            break;
        if (std::abs(f.latitude - lat) < 1e-9 && std::abs(f.longitude - lon) < 1e-9) {
            if (f.window == m_windowId) {
                ++m_window.dispatcherMatches;
                m_window.latencyUs.push_back(qint32((receivedNs - f.sentNs) / 1000));
            }
            return;
        }
    }
}

double LoadGenerator::Window::p(const std::vector<qint32> &v, double q) const
{
    if (v.empty())
        return -1;
    std::vector<qint32> sorted = v;
    const size_t k = std::min(sorted.size() - 1, size_t(q * double(sorted.size())));
    std::nth_element(sorted.begin(), sorted.begin() + qsizetype(k), sorted.end());
    return double(sorted[k]);
}

bool LoadGenerator::Window::loadgenLimited(int couriers, double p99TargetMs) const
{
    const bool sentShort = double(fixesSent) < 0.97 * rate * double(couriers) * seconds;
    // Sending short while the server keeps up means this process set the pace; sending short
    // while latency runs away means the server's backlog slowed everything, this process too.
    return ProcStats::cpuPercent(selfFrom, selfTo) >= 90 ||
           (sentShort && p(latencyUs, 0.99) / 1000 <= p99TargetMs);
}

double LoadGenerator::Window::delivered(int dispatchers) const
{
    const double expected = double(fixesSent) * dispatchers;
    return expected > 0 ? double(dispatcherMatches) / expected : 0;
}

QJsonObject LoadGenerator::Window::toJson(int dispatchers, int couriers, double p99TargetMs) const
{
    auto ms = [this](const std::vector<qint32> &v) {
        const double max = v.empty() ? -1 : double(*std::max_element(v.begin(), v.end()));
        return QJsonObject{{QStringLiteral("p50"), round1(p(v, 0.5) / 1000)},
                           {QStringLiteral("p99"), round1(p(v, 0.99) / 1000)},
                           {QStringLiteral("max"), round1(max / 1000)}};
    };
    return QJsonObject{
        {QStringLiteral("ratePerCourier"), rate},
        {QStringLiteral("seconds"), seconds},
        {QStringLiteral("requestedFixesPerSec"), round1(rate * double(couriers))},
        {QStringLiteral("fixesSentPerSec"), round1(double(fixesSent) / seconds)},
        {QStringLiteral("loadgenLimited"), loadgenLimited(couriers, p99TargetMs)},
        {QStringLiteral("acceptedFixesPerSec"), round1(double(acksOkInWindow) / seconds)},
        {QStringLiteral("eventsPerSec"), round1(double(events) / seconds)},
        {QStringLiteral("fixToDispatcherMs"), ms(latencyUs)},
        {QStringLiteral("ackMs"), ms(ackUs)},
        {QStringLiteral("deliveredToDispatchers"),
         std::round(delivered(dispatchers) * 10000) / 10000},
        {QStringLiteral("ackErrors"), acksError},
        {QStringLiteral("ackTimeouts"), acksTimedOut},
        {QStringLiteral("serverCpuPercent"), round1(ProcStats::cpuPercent(serverFrom, serverTo))},
        {QStringLiteral("serverRssMiB"), round1(double(serverRssEndKiB) / 1024)},
        {QStringLiteral("loadgenCpuPercent"), round1(ProcStats::cpuPercent(selfFrom, selfTo))},
    };
}

void LoadGenerator::finishRush()
{
    m_tick.stop();
    m_ackTimer.stop();
    m_pool.setWakeOnReady(true);
    const Window &rush = m_results.front();
    QJsonObject out =
        rush.toJson(m_options.dispatchers, int(m_couriers.size()), m_options.p99TargetMs);
    out.insert(QStringLiteral("mode"), QStringLiteral("rush"));
    out.insert(QStringLiteral("couriers"), int(m_couriers.size()));
    out.insert(QStringLiteral("dispatchers"), m_options.dispatchers);
    out.insert(QStringLiteral("trackers"), int(m_trackerConnections.size()));
    out.insert(QStringLiteral("setupSeconds"), round1(m_setupSeconds));
    out.insert(QStringLiteral("connectFailures"), m_connectFailures);
    out.insert(QStringLiteral("disconnects"), m_disconnects);
    qint64 accepted = 0; // over the whole run: what each fix cost the servers behind is per fix
    for (const Window &w : m_results)
        accepted += w.acksOk;
    out.insert(QStringLiteral("acceptedFixesTotal"), accepted);
    if (m_options.step) {
        QJsonArray steps;
        double sustained = 0;
        for (const Window &w : m_results) {
            steps.append(
                w.toJson(m_options.dispatchers, int(m_couriers.size()), m_options.p99TargetMs));
            if (meetsTarget(w))
                sustained = std::max(sustained, double(w.acksOkInWindow) / w.seconds);
        }
        out.insert(QStringLiteral("steps"), steps);
        out.insert(QStringLiteral("sustainedFixesPerSec"), round1(sustained));
        // Still under target at the last step: the server can do more than was asked.
        // What ended the search: the last step still met the target ("steps"), the step that
        // missed it was paced by this process ("loadgen"), or the server missed it ("server").
        // In the first two cases the server can do more than was measured.
        const Window &last = m_results.back();
        const QString limitedBy =
            m_stepUpward && meetsTarget(last) ? QStringLiteral("steps")
            : last.loadgenLimited(int(m_couriers.size()), m_options.p99TargetMs)
                ? QStringLiteral("loadgen")
                : QStringLiteral("server");
        out.insert(QStringLiteral("sustainedLimitedBy"), limitedBy);
        out.insert(QStringLiteral("sustainedIsLowerBound"), limitedBy != QLatin1String("server"));
        out.insert(QStringLiteral("p99TargetMs"), m_options.p99TargetMs);
    }

    const QJsonObject lat = out.value(QStringLiteral("fixToDispatcherMs")).toObject();
    say(QStringLiteral("rush hour: %1 couriers x %2/s, %3 dispatchers, %4 trackers, %5 s")
            .arg(m_couriers.size())
            .arg(rush.rate)
            .arg(m_options.dispatchers)
            .arg(m_trackerConnections.size())
            .arg(rush.seconds));
    say(QStringLiteral("  accepted fixes/s      %1 (sent %2/s, %3 errors, %4 timeouts)")
            .arg(out.value(QStringLiteral("acceptedFixesPerSec")).toDouble())
            .arg(out.value(QStringLiteral("fixesSentPerSec")).toDouble())
            .arg(rush.acksError)
            .arg(rush.acksTimedOut));
    say(QStringLiteral("  events delivered/s    %1 (dispatchers got %2% of fixes)")
            .arg(out.value(QStringLiteral("eventsPerSec")).toDouble())
            .arg(round1(rush.delivered(m_options.dispatchers) * 100)));
    say(QStringLiteral("  fix->dispatcher ms    p50 %1  p99 %2  max %3")
            .arg(lat.value(QStringLiteral("p50")).toDouble())
            .arg(lat.value(QStringLiteral("p99")).toDouble())
            .arg(lat.value(QStringLiteral("max")).toDouble()));
    say(QStringLiteral("  server CPU %1%, RSS %2 MiB; load generator CPU %3%")
            .arg(out.value(QStringLiteral("serverCpuPercent")).toDouble())
            .arg(out.value(QStringLiteral("serverRssMiB")).toDouble())
            .arg(out.value(QStringLiteral("loadgenCpuPercent")).toDouble()));
    if (m_options.step)
        say(QStringLiteral("  sustained fixes/s at p99 <= %1 ms: %2")
                .arg(m_options.p99TargetMs)
                .arg(out.value(QStringLiteral("sustainedFixesPerSec")).toDouble()));
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    Q_EMIT finished(0);
}

// ---- capacity --------------------------------------------------------------------------------

void LoadGenerator::runCapacity()
{
    // One package gives the tracker token every idle connection uses: trackers are the
    // connections a hub holds most of, one per customer waiting for a parcel.
    m_rest.call("POST", QStringLiteral("/api/packages"), m_adminToken,
                QJsonObject{{QStringLiteral("recipientName"), QStringLiteral("Capacity")},
                            {QStringLiteral("address"), QStringLiteral("Bench street 1")},
                            {QStringLiteral("destination"),
                             QJsonObject{{QStringLiteral("latitude"), 52.5},
                                         {QStringLiteral("longitude"), 13.4}}}},
                [this](int status, const QJsonValue &body) {
                    const QString token = body[QStringLiteral("trackingToken")].toString();
                    if (status != 201 || token.isEmpty()) {
                        fail(QStringLiteral("could not create a package (HTTP %1)").arg(status));
                        return;
                    }
                    QTimer::singleShot(1000, this, [this, token] {
                        const ProcStats::Sample before = m_server.sample();
                        std::vector<std::pair<Peer, QString>> clients(
                            size_t(m_options.connections), {Peer{Peer::Kind::Tracker}, token});
                        say(QStringLiteral("opening %1 idle tracker connections")
                                .arg(m_options.connections));
                        const qint64 started = nowNs();
                        openClients(std::move(clients), [=, this](int failures) {
                            const double openSeconds = double(nowNs() - started) / 1e9;
                            holdCapacity(before, m_options.connections - failures, openSeconds);
                        });
                    });
                });
}

void LoadGenerator::holdCapacity(ProcStats::Sample before, int opened, double openSeconds)
{
    say(QStringLiteral("%1 connected in %2 s; holding for %3 s")
            .arg(opened)
            .arg(round1(openSeconds))
            .arg(m_options.holdSeconds));
    m_disconnects = 0;
    // The server's memory is sampled through the hold: the first heartbeat round (after the
    // 25 s ping interval) settles what every session keeps, and after it nothing should grow.
    struct Hold
    {
        qint64 startedNs = 0;
        QJsonArray samples; // [seconds, MiB]
        qint64 settledKiB = -1;
        qint64 maxKiB = 0;
        QTimer timer;
    };
    auto hold = std::make_shared<Hold>();
    hold->startedNs = nowNs();
    const double settleSeconds = m_options.holdSeconds >= 60 ? 30 : 0;
    auto sample = [this, hold, settleSeconds] {
        const double at = double(nowNs() - hold->startedNs) / 1e9;
        const qint64 rss = m_server.sample().rssKiB;
        hold->samples.append(QJsonArray{round1(at), round1(double(rss) / 1024)});
        hold->maxKiB = std::max(hold->maxKiB, rss);
        if (hold->settledKiB < 0 && at >= settleSeconds)
            hold->settledKiB = rss;
    };
    sample();
    hold->timer.setInterval(int(m_options.sampleSeconds * 1000));
    connect(&hold->timer, &QTimer::timeout, this, sample);
    hold->timer.start();
    QTimer::singleShot(int(m_options.holdSeconds * 1000), this, [=, this] {
        hold->timer.stop();
        QObject::disconnect(&hold->timer, nullptr, this, nullptr); // the sampler owns `hold`
        sample();
        const ProcStats::Sample after = m_server.sample();
        int held = 0;
        for (const int connection : m_trackerConnections)
            held += m_pool.isConnected(connection) ? 1 : 0;
        const double perConnKiB = opened > 0 ? double(after.rssKiB - before.rssKiB) / opened : -1;
        const double growthMiB = double(after.rssKiB - hold->settledKiB) / 1024;
        const QJsonObject out{
            {QStringLiteral("mode"), QStringLiteral("capacity")},
            {QStringLiteral("connections"), m_options.connections},
            {QStringLiteral("opened"), opened},
            {QStringLiteral("held"), held},
            {QStringLiteral("disconnects"), m_disconnects},
            {QStringLiteral("holdSeconds"), m_options.holdSeconds},
            {QStringLiteral("openSeconds"), round1(openSeconds)},
            {QStringLiteral("serverRssBeforeMiB"), round1(double(before.rssKiB) / 1024)},
            {QStringLiteral("serverRssAfterMiB"), round1(double(after.rssKiB) / 1024)},
            {QStringLiteral("serverRssMaxMiB"), round1(double(hold->maxKiB) / 1024)},
            {QStringLiteral("settleSeconds"), settleSeconds},
            {QStringLiteral("rssGrowthMiB"), round1(growthMiB)},
            {QStringLiteral("rssSamples"), hold->samples},
            {QStringLiteral("kibPerConnection"), round1(perConnKiB)},
        };
        say(QStringLiteral("capacity: %1 of %2 connections held for %3 s, %4 disconnects; server "
                           "RSS %5 -> %6 MiB, %7 KiB per connection, %8 MiB growth after %9 s")
                .arg(held)
                .arg(m_options.connections)
                .arg(m_options.holdSeconds)
                .arg(m_disconnects)
                .arg(round1(double(before.rssKiB) / 1024))
                .arg(round1(double(after.rssKiB) / 1024))
                .arg(round1(perConnKiB))
                .arg(round1(growthMiB))
                .arg(settleSeconds));
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        Q_EMIT finished(0);
    });
}

} // namespace depot::bench
