// The outbox: its retry waits, the webhook signature, and OutboxRelay over a real SQLite store
// with a channel of the test's own that fails on purpose.
#include "core/clock.h"
#include "core/outbox.h"
#include "dispatch/dispatchservice.h"
#include "hubconfig.h"
#include "outbox/outboxrelay.h"
#include "outbox/webhookchannel.h"
#include "outbox/webhookservice.h"
#include "postgresserver.h"
#include "store/postgresstore.h"
#include "store/sqlitestore.h"

#include <QCommandLineParser>
#include <QProcessEnvironment>

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace depot;

namespace {

/// A channel that fails the first `failures` attempts, answers each attempt on the next turn
/// of the event loop, and records what it was given.
class ScriptedChannel final : public OutboxChannel
{
public:
    QString name() const override { return QStringLiteral("webhook"); }
    void deliver(const OutboxEntry &entry,
                 std::function<void(const DeliveryOutcome &)> done) override
    {
        attempts.push_back(entry);
        ++inFlight;
        maxInFlight = std::max(maxInFlight, inFlight);
        const bool ok = failures <= 0;
        --failures;
        QMetaObject::invokeMethod(
            &context,
            [this, ok, done] {
                --inFlight;
                done(ok ? DeliveryOutcome{true, false, 200, QStringLiteral("HTTP 200")}
                        : DeliveryOutcome{false, permanent, 500, QStringLiteral("HTTP 500")});
            },
            Qt::QueuedConnection);
    }

    QObject context;
    std::vector<OutboxEntry> attempts;
    int failures = 0;
    bool permanent = false;
    int inFlight = 0;
    int maxInFlight = 0;
};

} // namespace

class tst_Outbox : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void retryWaitsDoubleUpToTheCap();
    void signatureIsHmacOfTimestampDotBody();
    void changesLeaveEntriesThatGoOutInOrder();
    void givesUpAfterTheLimit();
    void hubsSharingADatabaseSendEachEntryOnce();
    void flags();
};

void tst_Outbox::retryWaitsDoubleUpToTheCap()
{
    QCOMPARE(OutboxRelay::retryDelayMs(1, 10'000, 3'600'000), 10'000);
    QCOMPARE(OutboxRelay::retryDelayMs(2, 10'000, 3'600'000), 20'000);
    QCOMPARE(OutboxRelay::retryDelayMs(3, 10'000, 3'600'000), 40'000);
    QCOMPARE(OutboxRelay::retryDelayMs(9, 10'000, 3'600'000), 2'560'000);
    QCOMPARE(OutboxRelay::retryDelayMs(10, 10'000, 3'600'000), 3'600'000);
    // No overflow however long it fails.
    QCOMPARE(OutboxRelay::retryDelayMs(1000, 10'000, 3'600'000), 3'600'000);
    // The defaults: 10 s doubling, 1 h at most, given up after 24 h.
    const OutboxRelay::Options defaults;
    QCOMPARE(defaults.retryBaseMs, 10'000);
    QCOMPARE(defaults.retryCapMs, 3'600'000);
    QCOMPARE(defaults.giveUpAfterMs, 24LL * 3'600'000);
}

void tst_Outbox::signatureIsHmacOfTimestampDotBody()
{
    // Python: hmac.new(b"0123456789abcdef", b'1742370326.{"id":"x"}', hashlib.sha256).hexdigest()
    QCOMPARE(WebhookChannel::signature("0123456789abcdef", "1742370326", R"({"id":"x"})"),
             QByteArray("sha256=5bba1eb73eb1075438a70988e960d244c83650a4c00aa972d88276f55759fb44"));
}

void tst_Outbox::changesLeaveEntriesThatGoOutInOrder()
{
    QTemporaryDir dir;
    SqliteStore store(dir.filePath(QStringLiteral("depot.sqlite")));
    QVERIFY(store.open(nullptr));
    SystemClock clock;
    DispatchService dispatch(store, clock);
    dispatch.load();
    WebhookService webhooks(store, clock);
    dispatch.addOutboxProducer(&webhooks);
    const auto hook = webhooks.create(
        NewWebhook{QStringLiteral("http://127.0.0.1:9/hook"),
                   {QStringLiteral("package:update"), QStringLiteral("package:cancelled")},
                   {}});
    QVERIFY(hook);

    OutboxRelay::Options options;
    options.retryBaseMs = 10;
    options.retryCapMs = 40;
    OutboxRelay relay(store, clock, options);
    ScriptedChannel channel;
    channel.failures = 3;
    relay.addChannel(&channel);
    connect(&dispatch, &DispatchService::packageChanged, &relay, &OutboxRelay::wake);
    QSignalSpy attempted(&relay, &OutboxRelay::attempted);
    relay.start();

    Principal dispatcher;
    dispatcher.role = Role::Dispatcher;
    const auto package = dispatch.createPackage(
        NewPackage{QStringLiteral("Ada"), QStringLiteral("1 Long Road"), 51.5, -0.12, {}, {}, {}});
    QVERIFY(package);
    QVERIFY(dispatch.cancel(dispatcher, package->id, QStringLiteral("gone")));
    // Three entries, three failures first: six attempts.
    QTRY_COMPARE(attempted.size(), 6);
    QCOMPARE(channel.maxInFlight, 1); // one package: one at a time
    QStringList delivered;
    QString lastId;
    for (const OutboxEntry &e : channel.attempts) {
        const QJsonObject body = QJsonDocument::fromJson(e.payload).object();
        QCOMPARE(body.value(QStringLiteral("id")).toString(), e.deliveryId);
        QCOMPARE(body.value(QStringLiteral("data")).toObject().value(QStringLiteral("packageId")),
                 QJsonValue(package->id));
        if (e.deliveryId != lastId)
            delivered << e.event;
        lastId = e.deliveryId;
    }
    // The first entry was tried four times with one id, then the others in order.
    QCOMPARE(delivered,
             (QStringList{QStringLiteral("package:update"), QStringLiteral("package:cancelled"),
                          QStringLiteral("package:update")}));
    QCOMPARE(channel.attempts[3].deliveryId, channel.attempts[0].deliveryId);
    QCOMPARE(channel.attempts[3].attempts, 3);
    const auto records = webhooks.deliveries(hook->id, 10);
    QVERIFY(records);
    QCOMPARE(records->size(), size_t(3));
    for (const OutboxRecord &r : *records)
        QCOMPARE(r.state, QStringLiteral("delivered"));
}

void tst_Outbox::givesUpAfterTheLimit()
{
    QTemporaryDir dir;
    SqliteStore store(dir.filePath(QStringLiteral("depot.sqlite")));
    QVERIFY(store.open(nullptr));
    SystemClock clock;
    DispatchService dispatch(store, clock);
    dispatch.load();
    WebhookService webhooks(store, clock);
    dispatch.addOutboxProducer(&webhooks);
    const auto hook = webhooks.create(NewWebhook{QStringLiteral("https://hooks.example/x"),
                                                 {QStringLiteral("package:update")},
                                                 QStringLiteral("0123456789abcdef")});
    QVERIFY(hook);
    OutboxRelay::Options options;
    options.retryBaseMs = 10;
    options.retryCapMs = 10;
    options.giveUpAfterMs = 35; // the fourth wait would end past it
    OutboxRelay relay(store, clock, options);
    ScriptedChannel channel;
    channel.failures = 1000;
    relay.addChannel(&channel);
    QSignalSpy attempted(&relay, &OutboxRelay::attempted);
    relay.start();
    QVERIFY(dispatch.createPackage(
        NewPackage{QStringLiteral("Ada"), QStringLiteral("1 Long Road"), 51.5, -0.12, {}, {}, {}}));
    relay.wake();
    QTRY_VERIFY(!attempted.isEmpty() &&
                attempted.last().at(2).toString() == QLatin1String("failed"));
    const int tries = int(attempted.size());
    QVERIFY(tries >= 2);
    const auto records = webhooks.deliveries(hook->id, 10);
    QCOMPARE(records->front().state, QStringLiteral("failed"));
    QCOMPARE(int(records->front().attempts.size()), tries);
    // Given up: nothing is due any more.
    QCOMPARE(store.nextOutboxDueMs({QStringLiteral("webhook")}), std::nullopt);
}

void tst_Outbox::hubsSharingADatabaseSendEachEntryOnce()
{
    const QString skipped = test::PostgresServer::unavailableReason();
    if (!skipped.isEmpty())
        QSKIP(qPrintable(skipped));
    test::PostgresServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    server.createDatabase(QStringLiteral("outbox"));
    // Two hubs: a store, a relay and a channel each, on one database.
    PostgresStore first(server.databaseUrl(QStringLiteral("outbox")));
    PostgresStore second(server.databaseUrl(QStringLiteral("outbox")));
    QVERIFY(first.open(&error));
    QVERIFY(second.open(&error));
    SystemClock clock;
    DispatchService dispatch(first, clock);
    dispatch.load();
    WebhookService webhooks(first, clock);
    dispatch.addOutboxProducer(&webhooks);
    QVERIFY(webhooks.create(NewWebhook{
        QStringLiteral("http://127.0.0.1:9/hook"), {QStringLiteral("package:update")}, {}}));
    constexpr int kPackages = 20;
    for (int i = 0; i < kPackages; ++i)
        QVERIFY(dispatch.createPackage(NewPackage{
            QStringLiteral("P%1").arg(i), QStringLiteral("1 Long Road"), 51.5, -0.12, {}, {}, {}}));
    OutboxRelay::Options options;
    options.sharedPollMs = 10;
    OutboxRelay relayA(first, clock, options);
    OutboxRelay relayB(second, clock, options);
    ScriptedChannel channelA, channelB;
    relayA.addChannel(&channelA);
    relayB.addChannel(&channelB);
    QSignalSpy attemptedA(&relayA, &OutboxRelay::attempted);
    QSignalSpy attemptedB(&relayB, &OutboxRelay::attempted);
    relayA.start();
    relayB.start();
    QTRY_COMPARE(attemptedA.size() + attemptedB.size(), kPackages);
    QSet<QString> ids;
    for (const auto *channel : {&channelA, &channelB})
        for (const OutboxEntry &e : channel->attempts)
            ids.insert(e.deliveryId);
    QCOMPARE(int(ids.size()), kPackages); // each once: no entry went out on both hubs
    QCOMPARE(first.nextOutboxDueMs({QStringLiteral("webhook")}), std::nullopt);
}

void tst_Outbox::flags()
{
    auto parse = [](const QStringList &args, const QProcessEnvironment &env = {}) {
        QCommandLineParser parser;
        addHubOptions(parser);
        parser.process(QStringList{QStringLiteral("depot-hub")} + args);
        return hubConfigFrom(parser, env);
    };
    const auto defaults = parse({});
    QCOMPARE(defaults->outboxRetryBaseMs, 10'000);
    QCOMPARE(defaults->outboxRetryCapMs, 3'600'000);
    QCOMPARE(defaults->outboxGiveUpMs, 24LL * 3'600'000);
    QCOMPARE(defaults->webhookTimeoutMs, 10'000);
    const auto set = parse({QStringLiteral("--outbox-retry-base"), QStringLiteral("250ms"),
                            QStringLiteral("--outbox-retry-cap"), QStringLiteral("2m"),
                            QStringLiteral("--outbox-give-up"), QStringLiteral("2h"),
                            QStringLiteral("--webhook-timeout"), QStringLiteral("3")});
    QVERIFY(set);
    QCOMPARE(set->outboxRetryBaseMs, 250);
    QCOMPARE(set->outboxRetryCapMs, 120'000);
    QCOMPARE(set->outboxGiveUpMs, 7'200'000);
    QCOMPARE(set->webhookTimeoutMs, 3'000);
    QProcessEnvironment env;
    env.insert(QStringLiteral("DEPOT_WEBHOOK_TIMEOUT"), QStringLiteral("500ms"));
    QCOMPARE(parse({}, env)->webhookTimeoutMs, 500);
    for (const QString &bad : {QStringLiteral("soon"), QStringLiteral("-1s"), QStringLiteral("0"),
                               QStringLiteral("5ms"), QStringLiteral("30d")}) {
        const auto config = parse({QStringLiteral("--outbox-retry-base"), bad});
        QVERIFY2(!config, qPrintable(bad));
        QVERIFY(config.error().message.startsWith(QLatin1String("--outbox-retry-base:")));
    }
    const auto capBelowBase = parse({QStringLiteral("--outbox-retry-base"), QStringLiteral("1m"),
                                     QStringLiteral("--outbox-retry-cap"), QStringLiteral("10s")});
    QVERIFY(!capBelowBase);
    QVERIFY(capBelowBase.error().message.startsWith(QLatin1String("--outbox-retry-cap:")));
}

QTEST_GUILESS_MAIN(tst_Outbox)
#include "tst_outbox.moc"
