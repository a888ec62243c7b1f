// LocationIngest on a real SQLite file: who may send fixes, the jump filter, late fixes kept as
// history only, batched writes answered only once on disk, and pruning of the history.
#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/locationingest.h"
#include "store/sqlitestore.h"

#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <limits>
#include <memory>

using namespace depot;

namespace {

/// The SQLite store with its fix writes counted, and able to fail them on request.
class CountingStore final : public Store
{
public:
    explicit CountingStore(const QString &path)
        : m_inner(path)
    {}

    int appendCalls = 0;
    bool failAppends = false;

    bool open(QString *error) override { return m_inner.open(error); }
    int schemaVersion() const override { return m_inner.schemaVersion(); }
    std::vector<User> loadUsers() override { return m_inner.loadUsers(); }
    bool insertUser(const User &user) override { return m_inner.insertUser(user); }
    std::optional<User> userByUsername(const QString &username) override
    {
        return m_inner.userByUsername(username);
    }
    std::optional<User> userById(const QString &id) override { return m_inner.userById(id); }
    bool insertToken(const QByteArray &hash, const QString &userId, const QDateTime &at) override
    {
        return m_inner.insertToken(hash, userId, at);
    }
    std::optional<QString> userIdForToken(const QByteArray &hash) override
    {
        return m_inner.userIdForToken(hash);
    }
    bool deleteToken(const QByteArray &hash) override { return m_inner.deleteToken(hash); }
    std::optional<StoredToken> tokenByHash(const QByteArray &hash) override
    {
        return m_inner.tokenByHash(hash);
    }
    bool touchToken(const QByteArray &hash, const QDateTime &at) override
    {
        return m_inner.touchToken(hash, at);
    }
    bool deleteTokensUsedBefore(const QDateTime &cutoff) override
    {
        return m_inner.deleteTokensUsedBefore(cutoff);
    }
    bool replacePasswordHash(const QString &id, const QString &before,
                             const QString &after) override
    {
        return m_inner.replacePasswordHash(id, before, after);
    }
    std::vector<Courier> loadCouriers() override { return m_inner.loadCouriers(); }
    bool insertCourier(const User &user, const Courier &courier) override
    {
        return m_inner.insertCourier(user, courier);
    }
    bool updateCourier(const Courier &courier, const QString &hash) override
    {
        return m_inner.updateCourier(courier, hash);
    }
    std::vector<Package> loadPackages() override { return m_inner.loadPackages(); }
    bool savePackage(const Package &package, std::vector<PackageEvent> &events, bool isNew) override
    {
        return m_inner.savePackage(package, events, isNew);
    }
    bool setTrackingTokenHashes(const std::vector<std::pair<QString, QString>> &hashes) override
    {
        return m_inner.setTrackingTokenHashes(hashes);
    }
    std::vector<PackageEvent> loadEvents(const QString &id) override
    {
        return m_inner.loadEvents(id);
    }
    bool appendFixes(const std::vector<StoredFix> &fixes) override
    {
        ++appendCalls;
        return !failAppends && m_inner.appendFixes(fixes);
    }
    std::vector<Location> loadTrail(const QString &courierId, int limit) override
    {
        return m_inner.loadTrail(courierId, limit);
    }
    bool pruneFixes(const QDateTime &olderThan, int keep) override
    {
        return m_inner.pruneFixes(olderThan, keep);
    }
    std::optional<QString> setting(const QString &key) override { return m_inner.setting(key); }
    bool setSetting(const QString &key, const QString &value) override
    {
        return m_inner.setSetting(key, value);
    }

private:
    SqliteStore m_inner;
};

/// What one submit's callback was told; `calls` catches a callback run twice.
struct Answer
{
    int calls = 0;
    std::optional<Result<LocationIngest::Outcome>> result;

    bool ok() const { return result && result->ok(); }
    LocationIngest::Outcome outcome() const { return result->value(); }
    ErrorCode code() const { return result->error().code; }
};

constexpr double kLat = 52.52;
constexpr double kLon = 13.405;
constexpr double kMetresPerDegreeLat = 111'195;

/// A fix `northMetres` north of the start point at `at`.
Location fixAt(double northMetres, const QDateTime &at)
{
    Location l;
    l.latitude = kLat + northMetres / kMetresPerDegreeLat;
    l.longitude = kLon;
    l.timestamp = at;
    return l;
}

} // namespace

class tst_LocationIngest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void firstFixMovesTheCourier();
    void jumpIsDropped();
    void slowMovementWithinSlackIsNeverAJump();
    void consistentFixesAfterABadPastAreAccepted();
    void lateFixIsHistoryOnly();
    void futureTimestampIsClampedToNow();
    void submitsBeforeTheLoopRunsAreOneBatch();
    void fullBatchIsWrittenAtOnce();
    void failedWriteAnswersErrorsAndMovesNobody();
    void refusals_data();
    void refusals();
    void pruneKeepsTheNewestPerCourier();
    void pruneDeletesOldHistory();

private:
    /// Submits and returns the answer slot; the flush runs from the event loop.
    std::shared_ptr<Answer> submit(const Location &fix, const QString &courierId = {},
                                   const std::optional<Principal> &caller = {});
    /// Submits, writes and returns the outcome.
    LocationIngest::Outcome take(const Location &fix);
    /// (all fixes, current fixes) on disk, read through a connection of its own.
    std::pair<int, int> fixCounts();
    void makeIngest(LocationIngest::Options options);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<CountingStore> m_store;
    std::unique_ptr<DispatchService> m_dispatch;
    std::unique_ptr<LocationIngest> m_ingest;
    Courier m_courier;
    Courier m_other;
    Principal m_self; // m_courier's own principal
    QDateTime m_t0;
};

void tst_LocationIngest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_clock = std::make_unique<ManualClock>();
    m_store = std::make_unique<CountingStore>(m_dir->filePath(QStringLiteral("depot.sqlite")));
    QString error;
    QVERIFY2(m_store->open(&error), qPrintable(error));
    m_dispatch = std::make_unique<DispatchService>(*m_store, *m_clock);
    m_dispatch->load();
    auto add = [this](const QString &name) {
        const auto c = m_dispatch->createCourier(
            NewCourier{name, name, QStringLiteral("hash"), QString(), QString()});
        if (!c)
            qFatal("cannot create courier: %s", qPrintable(c.error().message));
        return *c;
    };
    m_courier = add(QStringLiteral("ada"));
    m_other = add(QStringLiteral("bob"));
    m_self =
        Principal{Role::Courier, m_courier.id, QString(), m_courier.username, m_courier.name, {}};
    makeIngest(LocationIngest::Options{});
    m_t0 = m_clock->now();
}

void tst_LocationIngest::cleanup()
{
    m_ingest.reset();
    m_dispatch.reset();
    m_store.reset();
    QSqlDatabase::removeDatabase(QStringLiteral("probe"));
    m_dir.reset();
}

void tst_LocationIngest::makeIngest(LocationIngest::Options options)
{
    m_ingest.reset();
    m_ingest = std::make_unique<LocationIngest>(*m_dispatch, *m_store, *m_clock, options);
}

std::shared_ptr<Answer> tst_LocationIngest::submit(const Location &fix, const QString &courierId,
                                                   const std::optional<Principal> &caller)
{
    auto answer = std::make_shared<Answer>();
    m_ingest->submit(caller.value_or(m_self), courierId.isEmpty() ? m_courier.id : courierId, fix,
                     [answer](const Result<LocationIngest::Outcome> &r) {
                         ++answer->calls;
                         answer->result = r;
                     });
    return answer;
}

LocationIngest::Outcome tst_LocationIngest::take(const Location &fix)
{
    const auto answer = submit(fix);
    m_ingest->flush();
    if (!answer->ok())
        qFatal("fix refused: %s", qPrintable(answer->result->error().message));
    return answer->outcome();
}

std::pair<int, int> tst_LocationIngest::fixCounts()
{
    QSqlDatabase db = QSqlDatabase::database(QStringLiteral("probe"), false);
    if (!db.isValid()) {
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("probe"));
        db.setDatabaseName(m_dir->filePath(QStringLiteral("depot.sqlite")));
    }
    if (!db.isOpen() && !db.open())
        qFatal("cannot open the probe connection");
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COUNT(*), COALESCE(SUM(current), 0) FROM fixes")) ||
        !q.next())
        qFatal("cannot count fixes");
    return {q.value(0).toInt(), q.value(1).toInt()};
}

// --- Jump filter ------------------------------------------------------------------------------

void tst_LocationIngest::firstFixMovesTheCourier()
{
    QSignalSpy moved(m_dispatch.get(), &DispatchService::courierMoved);
    QCOMPARE(take(fixAt(0, m_t0)), LocationIngest::Outcome::Current);
    QCOMPARE(moved.size(), 1);
    const Courier *c = m_dispatch->findCourier(m_courier.id);
    QVERIFY(c->lastLocation);
    QCOMPARE(c->lastLocation->latitude, kLat);
    QCOMPARE(fixCounts(), std::make_pair(1, 1));
}

void tst_LocationIngest::jumpIsDropped()
{
    QCOMPARE(take(fixAt(0, m_t0)), LocationIngest::Outcome::Current);
    // 10 km in 10 s is 1000 m/s, far over the 70 m/s limit.
    m_clock->advanceMs(10'000);
    QSignalSpy moved(m_dispatch.get(), &DispatchService::courierMoved);
    const auto answer = submit(fixAt(10'000, m_clock->now()));
    // A dropped fix is answered at once: nothing is written for it.
    QCOMPARE(answer->calls, 1);
    QVERIFY(answer->ok());
    QCOMPARE(answer->outcome(), LocationIngest::Outcome::Dropped);
    QCOMPARE(m_ingest->queued(), 0);
    m_ingest->flush();
    QCOMPARE(moved.size(), 0);
    QCOMPARE(m_dispatch->findCourier(m_courier.id)->lastLocation->latitude, kLat);
    QCOMPARE(fixCounts(), std::make_pair(1, 1));

    // The courier's real next position is still taken.
    m_clock->advanceMs(10'000);
    QCOMPARE(take(fixAt(200, m_clock->now())), LocationIngest::Outcome::Current);
}

void tst_LocationIngest::slowMovementWithinSlackIsNeverAJump()
{
    QCOMPARE(take(fixAt(0, m_t0)), LocationIngest::Outcome::Current);
    // 90 m with the same timestamp: no speed can be told, but it is within GPS noise.
    QCOMPARE(take(fixAt(90, m_t0)), LocationIngest::Outcome::Current);
    // 500 m in 60 s (about 8 m/s) is a bicycle, not a jump.
    m_clock->advanceMs(60'000);
    QCOMPARE(take(fixAt(590, m_clock->now())), LocationIngest::Outcome::Current);
    QCOMPARE(fixCounts(), std::make_pair(3, 3));
}

void tst_LocationIngest::consistentFixesAfterABadPastAreAccepted()
{
    // The first fix is taken whatever it is; here it was the bad one (a GPS glitch 20 km off).
    QCOMPARE(take(fixAt(-20'000, m_t0)), LocationIngest::Outcome::Current);
    // The real positions agree with each other, not with that past.
    QList<LocationIngest::Outcome> outcomes;
    for (int i = 0; i < 4; ++i) {
        m_clock->advanceMs(5'000);
        outcomes << take(fixAt(i * 20.0, m_clock->now()));
    }
    using O = LocationIngest::Outcome;
    QCOMPARE(outcomes, (QList<O>{O::Dropped, O::Dropped, O::Current, O::Current}));
    const Courier *c = m_dispatch->findCourier(m_courier.id);
    QCOMPARE(c->lastLocation->latitude, fixAt(60, m_t0).latitude);
    QCOMPARE(fixCounts(), std::make_pair(3, 3));
}

// --- Late fixes -------------------------------------------------------------------------------

void tst_LocationIngest::lateFixIsHistoryOnly()
{
    QCOMPARE(take(fixAt(0, m_t0)), LocationIngest::Outcome::Current);
    m_clock->advanceMs(20'000);
    QCOMPARE(take(fixAt(100, m_t0.addSecs(20))), LocationIngest::Outcome::Current);

    // A fix from 10 s ago arrives late, e.g. from a phone's offline queue.
    QSignalSpy moved(m_dispatch.get(), &DispatchService::courierMoved);
    QCOMPARE(take(fixAt(50, m_t0.addSecs(10))), LocationIngest::Outcome::History);
    QCOMPARE(moved.size(), 0);
    const Courier *c = m_dispatch->findCourier(m_courier.id);
    QCOMPARE(c->lastLocation->timestamp, m_t0.addSecs(20));
    QCOMPARE(c->lastLocation->latitude, fixAt(100, m_t0).latitude);

    // Stored, but not as a position the courier was at when it arrived.
    QCOMPARE(fixCounts(), std::make_pair(3, 2));
    const auto trail = m_store->loadTrail(m_courier.id, 10);
    QCOMPARE(trail.size(), size_t(2));
    QCOMPARE(trail.back().timestamp, m_t0.addSecs(20));
    // And the stored position survives a restart unchanged.
    const auto reloaded = m_store->loadCouriers();
    const auto it = std::find_if(reloaded.begin(), reloaded.end(),
                                 [&](const Courier &r) { return r.id == m_courier.id; });
    QVERIFY(it != reloaded.end() && it->lastLocation);
    QCOMPARE(it->lastLocation->timestamp, m_t0.addSecs(20));
}

void tst_LocationIngest::futureTimestampIsClampedToNow()
{
    // A phone clock running ahead must not make every later fix look late.
    QCOMPARE(take(fixAt(0, m_t0.addSecs(3600))), LocationIngest::Outcome::Current);
    QCOMPARE(m_dispatch->findCourier(m_courier.id)->lastLocation->timestamp, m_t0);
    m_clock->advanceMs(5'000);
    QCOMPARE(take(fixAt(10, m_clock->now())), LocationIngest::Outcome::Current);
}

// --- Batching ---------------------------------------------------------------------------------

void tst_LocationIngest::submitsBeforeTheLoopRunsAreOneBatch()
{
    QSignalSpy moved(m_dispatch.get(), &DispatchService::courierMoved);
    constexpr int kFixes = 50;
    std::vector<std::shared_ptr<Answer>> answers;
    // Each callback looks at the disk: all fixes of the batch must already be there.
    std::vector<std::size_t> trailSeenByCallback;
    for (int i = 0; i < kFixes; ++i) {
        m_clock->advanceMs(1000);
        auto answer = std::make_shared<Answer>();
        const QString courier = i % 2 ? m_other.id : m_courier.id;
        const Principal dispatcher{Role::Dispatcher, newId(), {}, {}, {}, {}};
        m_ingest->submit(dispatcher, courier, fixAt(i, m_clock->now()),
                         [this, answer, &trailSeenByCallback,
                          courier](const Result<LocationIngest::Outcome> &r) {
                             ++answer->calls;
                             answer->result = r;
                             trailSeenByCallback.push_back(
                                 m_store->loadTrail(courier, 1000).size());
                         });
        answers.push_back(answer);
    }
    QCOMPARE(m_ingest->queued(), kFixes);
    QCOMPARE(m_store->appendCalls, 0);
    QCOMPARE(moved.size(), 0);
    QCOMPARE(fixCounts(), std::make_pair(0, 0));
    for (const auto &a : answers)
        QCOMPARE(a->calls, 0);

    QTRY_COMPARE(m_ingest->queued(), 0);
    QCOMPARE(m_store->appendCalls, 1);
    QCOMPARE(fixCounts(), std::make_pair(kFixes, kFixes));
    QCOMPARE(moved.size(), kFixes);
    for (const auto &a : answers) {
        QCOMPARE(a->calls, 1);
        QVERIFY(a->ok());
        QCOMPARE(a->outcome(), LocationIngest::Outcome::Current);
    }
    QCOMPARE(trailSeenByCallback.size(), size_t(kFixes));
    for (std::size_t seen : trailSeenByCallback)
        QCOMPARE(seen, size_t(kFixes / 2));
    // The courier's position is the last of their fixes, applied in order.
    QCOMPARE(m_dispatch->findCourier(m_courier.id)->lastLocation->latitude,
             fixAt(kFixes - 2, m_t0).latitude);
    QCOMPARE(m_dispatch->findCourier(m_other.id)->lastLocation->latitude,
             fixAt(kFixes - 1, m_t0).latitude);
}

void tst_LocationIngest::fullBatchIsWrittenAtOnce()
{
    LocationIngest::Options options;
    options.maxBatch = 5;
    makeIngest(options);
    std::vector<std::shared_ptr<Answer>> answers;
    for (int i = 0; i < 12; ++i) {
        m_clock->advanceMs(1000);
        answers.push_back(submit(fixAt(i, m_clock->now())));
    }
    // Two full batches went out on the spot; the rest waits for the loop.
    QCOMPARE(m_store->appendCalls, 2);
    QCOMPARE(m_ingest->queued(), 2);
    QCOMPARE(fixCounts(), std::make_pair(10, 10));
    for (int i = 0; i < 12; ++i)
        QCOMPARE(answers[i]->calls, i < 10 ? 1 : 0);
    QTRY_COMPARE(m_ingest->queued(), 0);
    QCOMPARE(m_store->appendCalls, 3);
    QCOMPARE(fixCounts(), std::make_pair(12, 12));
    QCOMPARE(answers.back()->calls, 1);
}

void tst_LocationIngest::failedWriteAnswersErrorsAndMovesNobody()
{
    QCOMPARE(take(fixAt(0, m_t0)), LocationIngest::Outcome::Current);
    m_store->failAppends = true;
    QSignalSpy moved(m_dispatch.get(), &DispatchService::courierMoved);
    m_clock->advanceMs(1000);
    const auto a = submit(fixAt(10, m_clock->now()));
    const auto b = submit(fixAt(20, m_clock->now()));
    m_ingest->flush();
    for (const auto &answer : {a, b}) {
        QCOMPARE(answer->calls, 1);
        QVERIFY(!answer->ok());
        QCOMPARE(answer->code(), ErrorCode::Internal);
    }
    QCOMPARE(moved.size(), 0);
    QCOMPARE(m_dispatch->findCourier(m_courier.id)->lastLocation->latitude, kLat);
    QCOMPARE(fixCounts(), std::make_pair(1, 1));
}

// --- Refusals ---------------------------------------------------------------------------------

namespace {
enum class Sender { Tracker, OtherCourier, UnknownCourier, BadLatitude, BadLongitude, NotFinite };
} // namespace
Q_DECLARE_METATYPE(Sender)
Q_DECLARE_METATYPE(depot::ErrorCode)

void tst_LocationIngest::refusals_data()
{
    QTest::addColumn<Sender>("sender");
    QTest::addColumn<ErrorCode>("code");
    QTest::newRow("tracker") << Sender::Tracker << ErrorCode::Forbidden;
    QTest::newRow("another courier's fix") << Sender::OtherCourier << ErrorCode::NotFound;
    QTest::newRow("unknown courier") << Sender::UnknownCourier << ErrorCode::NotFound;
    QTest::newRow("latitude 91") << Sender::BadLatitude << ErrorCode::ValidationFailed;
    QTest::newRow("longitude -181") << Sender::BadLongitude << ErrorCode::ValidationFailed;
    QTest::newRow("NaN") << Sender::NotFinite << ErrorCode::ValidationFailed;
}

void tst_LocationIngest::refusals()
{
    QFETCH(Sender, sender);
    QFETCH(ErrorCode, code);
    Location fix = fixAt(0, m_t0);
    Principal caller = m_self;
    QString courierId = m_courier.id;
    switch (sender) {
    case Sender::Tracker:
        caller = Principal{Role::Tracker, {}, newId(), {}, {}, {}};
        break;
    case Sender::OtherCourier:
        courierId = m_other.id;
        break;
    case Sender::UnknownCourier:
        caller = Principal{Role::Dispatcher, newId(), {}, {}, {}, {}};
        courierId = newId();
        break;
    case Sender::BadLatitude:
        fix.latitude = 91;
        break;
    case Sender::BadLongitude:
        fix.longitude = -181;
        break;
    case Sender::NotFinite:
        fix.latitude = std::numeric_limits<double>::quiet_NaN();
        break;
    }
    QSignalSpy moved(m_dispatch.get(), &DispatchService::courierMoved);
    const auto answer = submit(fix, courierId, caller);
    // Refusals need no disk, so they are answered at once.
    QCOMPARE(answer->calls, 1);
    QVERIFY(!answer->ok());
    QCOMPARE(answer->code(), code);
    QVERIFY(!answer->result->error().message.isEmpty());
    QCOMPARE(m_ingest->queued(), 0);
    m_ingest->flush();
    QCOMPARE(moved.size(), 0);
    QCOMPARE(fixCounts(), std::make_pair(0, 0));
    QVERIFY(!m_dispatch->findCourier(m_courier.id)->lastLocation);
    QVERIFY(!m_dispatch->findCourier(m_other.id)->lastLocation);
}

// --- Pruning ----------------------------------------------------------------------------------

void tst_LocationIngest::pruneKeepsTheNewestPerCourier()
{
    LocationIngest::Options options;
    options.keepPerCourier = 3;
    makeIngest(options);
    const Principal dispatcher{Role::Dispatcher, newId(), {}, {}, {}, {}};
    for (int i = 0; i < 5; ++i) {
        m_clock->advanceMs(1000);
        submit(fixAt(i, m_clock->now()));
        submit(fixAt(i, m_clock->now()), m_other.id, dispatcher);
    }
    m_ingest->flush();
    QCOMPARE(fixCounts(), std::make_pair(10, 10));
    m_ingest->prune();
    QCOMPARE(fixCounts(), std::make_pair(6, 6));
    const auto trail = m_store->loadTrail(m_courier.id, 10);
    QCOMPARE(trail.size(), size_t(3));
    QCOMPARE(trail.front().latitude, fixAt(2, m_t0).latitude);
    QCOMPARE(trail.back().latitude, fixAt(4, m_t0).latitude);
    // Pruning history never moves a courier.
    QCOMPARE(m_dispatch->findCourier(m_courier.id)->lastLocation->latitude,
             fixAt(4, m_t0).latitude);
}

void tst_LocationIngest::pruneDeletesOldHistory()
{
    QCOMPARE(take(fixAt(0, m_t0)), LocationIngest::Outcome::Current);
    m_clock->advanceMs(1000);
    QCOMPARE(take(fixAt(10, m_clock->now())), LocationIngest::Outcome::Current);
    m_clock->advanceMs(qint64(8) * 24 * 3600 * 1000); // past the 7 days kept
    // Queued fixes are written before the prune looks at the table.
    const auto fresh = submit(fixAt(20, m_clock->now()));
    m_ingest->prune();
    QCOMPARE(fresh->calls, 1);
    QCOMPARE(fixCounts(), std::make_pair(1, 1));
    QCOMPARE(m_store->loadTrail(m_courier.id, 10).front().timestamp, m_clock->now());
}

QTEST_GUILESS_MAIN(tst_LocationIngest)
#include "tst_locationingest.moc"
