#pragma once

#include "clientpool.h"
#include "procstats.h"
#include "restclient.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace depot::bench {

/// Plays the rush hour (or holds idle connections) against one server that speaks the contract.
class LoadGenerator : public QObject, private ClientPool::Listener
{
    Q_OBJECT

public:
    struct Options
    {
        QUrl url;
        QUrl dispatcherUrl; // where dispatchers connect when not to url: another hub of a cluster
        QString adminPassword;
        QString mode = QStringLiteral("rush"); // "rush" or "capacity"
        int couriers = 100;
        int dispatchers = 5;
        int packagesPerCourier = 1;
        double durationSeconds = 30;
        double rate = 1;                // fixes per second per courier
        std::vector<qint64> serverPids; // their CPU and memory are summed
        int connections = 1000;         // capacity mode
        double holdSeconds = 30;
        bool step = false;
        double stepSeconds = 10;
        double stepFactor = 1.25;
        int maxSteps = 8;
        double p99TargetMs = 50;
        double sampleSeconds = 10; // capacity mode: server memory sampled this often
        int connectBatch = 200;    // connections opening at once
        int setupParallel = 8;     // REST requests in flight during setup
    };

    explicit LoadGenerator(Options options, QObject *parent = nullptr);
    ~LoadGenerator() override;

    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    /// What one measurement window saw.
    struct Window
    {
        double rate = 0;
        double seconds = 0;
        qint64 fixesSent = 0;
        qint64 acksOk = 0;
        qint64 acksOkInWindow = 0; // acks received before the window closed
        qint64 acksError = 0;
        qint64 acksTimedOut = 0;
        qint64 events = 0;
        qint64 dispatcherMatches = 0;
        std::vector<qint32> latencyUs; // fix sent -> dispatcher's location:update
        std::vector<qint32> ackUs;     // fix sent -> ack
        ProcStats::Sample serverFrom, serverTo, selfFrom, selfTo;
        qint64 serverRssEndKiB = -1;

        double p(const std::vector<qint32> &v, double q) const;
        /// True when this process, not the server, set the pace: it used (nearly) a whole core,
        /// or could not send what was asked while the server still met the target.
        bool loadgenLimited(int couriers, double p99TargetMs) const;
        double delivered(int dispatchers) const;
        QJsonObject toJson(int dispatchers, int couriers, double p99TargetMs) const;
    };

    struct SentFix
    {
        double latitude = 0;
        double longitude = 0;
        qint64 sentNs = -1;
        int window = -1;
    };

    /// A fix waiting for its ack; acks come back in order, so the oldest is at the front.
    struct PendingAck
    {
        quint64 id = 0;
        qint64 sentNs = 0;
        int window = -1;
    };

    struct Courier
    {
        QString id;
        QString username;
        QString token;
        int connection = -1; // in m_pool
        quint64 nextAckId = 0;
        std::deque<PendingAck> acks;
        double latitude = 0;
        double longitude = 0;
        double heading = 0;
        qint64 nextDueNs = 0;
        // Recent fixes, so a dispatcher's location:update can be matched to its send time
        // without putting anything into the payload the contract does not have.
        std::array<SentFix, 32> sent{};
        int sentHead = 0;
    };

    using Step = std::function<void(int index, std::function<void(bool ok)> done)>;
    void forEach(int count, int parallel, Step step, std::function<void(int failures)> done);
    void fail(const QString &message);
    static qint64 nowNs() { return monotonicNs(); }

    void loginDispatcher(std::function<void()> next);
    void setupCouriers(std::function<void()> next);
    void setupPackages(std::function<void()> next);
    /// Who holds a connection of the pool.
    struct Peer
    {
        enum class Kind : quint8 { Dispatcher, Courier, Tracker };
        Kind kind = Kind::Tracker;
        int courier = -1; // index in m_couriers for Kind::Courier
    };
    void connectAll(std::function<void()> next);
    /// Opens one connection per (peer, token), connectBatch at a time.
    void openClients(std::vector<std::pair<Peer, QString>> clients,
                     std::function<void(int failures)> next);

    // ClientPool::Listener
    void onOpened(int connection, bool ok) override;
    void onPacket(int connection, QByteArrayView packet, qint64 receivedNs) override;
    void onDisconnected(int connection) override;

    void runRush();
    void runWindow(double rate, double seconds, std::function<void(const Window &)> next);
    void drainWindow();
    bool meetsTarget(const Window &w) const;
    void runStep(double rate, int n);
    void onTick();
    void sendFix(int index, QByteArrayView timestamp);
    void onAck(Courier &c, quint64 id, bool ok, qint64 receivedNs);
    void expireAcks();
    void onDispatcherEvent(QByteArrayView packet, qint64 receivedNs);
    void finishRush();

    void runCapacity();
    void holdCapacity(ProcStats::Sample before, int opened, double openSeconds);

    Options m_options;
    RestClient m_rest;
    RestClient m_dispatcherRest; // the dispatchers' hub, for their login
    ProcStats m_server;
    ProcStats m_self;
    QString m_runId;
    QString m_adminToken;
    QString m_dispatcherToken;  // the dispatchers' login on their hub
    int m_dispatcherServer = 0; // in m_pool
    ClientPool m_pool;
    std::vector<Peer> m_peers;                            // by connection
    std::vector<std::function<void(bool ok)>> m_openDone; // by connection, until it opened
    std::vector<Courier> m_couriers;
    // Courier ids as bytes, looked up with views into received packets (no copy per event).
    struct IdHash
    {
        using is_transparent = void;
        size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
    };
    std::unordered_map<std::string, int, IdHash, std::equal_to<>> m_courierIndex;
    std::vector<QJsonObject> m_packages;
    std::vector<int> m_dispatcherConnections;
    std::vector<int> m_trackerConnections;
    qint64 m_disconnects = 0;
    int m_connectFailures = 0;
    double m_setupSeconds = 0;

    QTimer m_tick;
    QTimer m_ackTimer;      // expires acks that did not come back in time
    QByteArray m_packet;    // scratch buffer for an outgoing fix
    QByteArray m_idStorage; // scratch buffer for an id read the slow way
    std::minstd_rand m_random;
    int m_windowId = -1; // the window whose fixes are being sent and counted
    bool m_sending = false;
    double m_periodNs = 1e9;
    Window m_window;
    std::function<void(const Window &)> m_windowDone;
    int m_drainTicks = 0;
    bool m_stepUpward = true;
    int m_missesInARow = 0; // step windows in a row that missed the target
    std::vector<Window> m_results;
};

} // namespace depot::bench
