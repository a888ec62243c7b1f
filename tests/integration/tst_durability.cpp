// The depot-hub executable as a child process: its flags and exit codes, its start-up lines,
// clean shutdown on SIGTERM, and that every answered write survives SIGKILL.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

constexpr char kAdminPassword[] = "durable-admin";
const QRegularExpression kListening(QStringLiteral("listening on http://([^\\s]+):(\\d+)"));

/// One answered request.
struct Reply
{
    int status = 0; // 0: no HTTP answer at all
    QByteArray body;

    QJsonObject object() const { return QJsonDocument::fromJson(body).object(); }
    QJsonArray array() const { return QJsonDocument::fromJson(body).array(); }
};

/// A depot-hub child process and an HTTP client for it.
class HubProcess
{
public:
    HubProcess()
    {
        // Only the flags given here may configure the hub, not the test's environment.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &name : env.keys()) {
            if (name.startsWith(QLatin1String("DEPOT_")))
                env.remove(name);
        }
        m_process.setProcessEnvironment(env);
    }
    ~HubProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    void start(const QStringList &args)
    {
        m_stdout.clear();
        m_port = 0;
        m_process.start(QStringLiteral(DEPOT_HUB_PATH), args);
    }
    /// Starts on 127.0.0.1 with a free port and no OsmAnd port.
    void startOn(const QString &dataDir, const QStringList &extra = {})
    {
        start(QStringList{QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--port"), QStringLiteral("0"),
                          QStringLiteral("--data-dir"), dataDir, QStringLiteral("--osmand-port"),
                          QStringLiteral("0")} +
              extra);
    }
    /// Waits for the listening line; false if the process ended or stayed silent.
    bool waitListening()
    {
        QDeadlineTimer deadline(15000);
        while (!deadline.hasExpired()) {
            m_stdout += m_process.readAllStandardOutput();
            const auto match = kListening.match(QString::fromUtf8(m_stdout));
            if (match.hasMatch()) {
                m_port = match.captured(2).toUShort();
                return true;
            }
            if (m_process.state() == QProcess::NotRunning)
                return false;
            m_process.waitForReadyRead(100);
        }
        return false;
    }
    /// Waits for the process to end; its exit code, or -1 if it did not end on its own.
    int waitExit()
    {
        if (!m_process.waitForFinished(15000) || m_process.exitStatus() != QProcess::NormalExit)
            return -1;
        m_stdout += m_process.readAllStandardOutput();
        return m_process.exitCode();
    }

    QProcess &process() { return m_process; }
    QByteArray standardOutput() const { return m_stdout; }
    quint16 port() const { return m_port; }

    Reply request(const QByteArray &method, const QString &path, const QJsonObject &body = {},
                  const QString &token = {})
    {
        QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path)));
        QByteArray data;
        if (method == "POST" || method == "PATCH") {
            data = QJsonDocument(body).toJson(QJsonDocument::Compact);
            req.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        }
        if (!token.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
        std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(req, method, data));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(10000))
            return {};
        return Reply{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                     reply->readAll()};
    }
    QString login(const QString &username, const QString &password)
    {
        return request(
                   "POST", QStringLiteral("/api/auth/login"),
                   {{QStringLiteral("username"), username}, {QStringLiteral("password"), password}})
            .object()
            .value(QStringLiteral("token"))
            .toString();
    }

private:
    QProcess m_process;
    QNetworkAccessManager m_nam;
    QByteArray m_stdout;
    quint16 m_port = 0;
};

/// What standard error says besides log lines ("level: category: text"): the hub's own messages.
QStringList messageLines(const QByteArray &err)
{
    static const QRegularExpression logLine(
        QStringLiteral("^(debug|info|warning|critical): [\\w.]+: "));
    QStringList lines;
    for (const QString &line :
         QString::fromUtf8(err).split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        if (!logLine.match(line).hasMatch())
            lines << line;
    }
    return lines;
}

QJsonObject byId(const QJsonArray &array, const QString &id)
{
    for (const QJsonValue &v : array) {
        if (v.toObject().value(QStringLiteral("id")).toString() == id)
            return v.toObject();
    }
    return {};
}

} // namespace

class tst_Durability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void help();
    void invalidFlags_data();
    void invalidFlags();
    void portInUse();
    void generatedPasswordIsPrintedOnce();
    void answeredWritesSurviveSigkill();
    void sigtermShutsDownCleanly();
};

void tst_Durability::help()
{
    HubProcess hub;
    hub.start({QStringLiteral("--help")});
    QCOMPARE(hub.waitExit(), 0);
    const QByteArray out = hub.standardOutput();
    for (const char *flag :
         {"--host", "--port", "--data-dir", "--admin-password", "--location-interval",
          "--location-distance", "--osmand-port", "--demo"})
        QVERIFY2(out.contains(flag), flag);
}

void tst_Durability::invalidFlags_data()
{
    QTest::addColumn<QStringList>("args");

    QTest::newRow("unknown flag") << QStringList{QStringLiteral("--bogus")};
    QTest::newRow("port not a number")
        << QStringList{QStringLiteral("--port"), QStringLiteral("abc")};
    QTest::newRow("port too large")
        << QStringList{QStringLiteral("--port"), QStringLiteral("70000")};
    QTest::newRow("negative port") << QStringList{QStringLiteral("--port"), QStringLiteral("-1")};
    QTest::newRow("host not an address")
        << QStringList{QStringLiteral("--host"), QStringLiteral("not an address")};
    QTest::newRow("osmand port not a number")
        << QStringList{QStringLiteral("--osmand-port"), QStringLiteral("x")};
    QTest::newRow("location interval negative")
        << QStringList{QStringLiteral("--location-interval"), QStringLiteral("-5")};
    QTest::newRow("location distance not a number")
        << QStringList{QStringLiteral("--location-distance"), QStringLiteral("far")};
    QTest::newRow("guess limit zero")
        << QStringList{QStringLiteral("--guess-limit"), QStringLiteral("0")};
    QTest::newRow("guess limit not a number")
        << QStringList{QStringLiteral("--guess-limit"), QStringLiteral("many")};
    QTest::newRow("max connections negative")
        << QStringList{QStringLiteral("--max-connections"), QStringLiteral("-1")};
    QTest::newRow("max connections per address not a number")
        << QStringList{QStringLiteral("--max-connections-per-address"), QStringLiteral("many")};
    QTest::newRow("max unauthenticated per address too large") << QStringList{
        QStringLiteral("--max-unauthenticated-per-address"), QStringLiteral("99999999999")};
    QTest::newRow("cors origin with a line break")
        << QStringList{QStringLiteral("--cors-origin"), QStringLiteral("*\r\nSet-Cookie: x")};
    QTest::newRow("cors origin with a path")
        << QStringList{QStringLiteral("--cors-origin"), QStringLiteral("https://a.example/x")};
    QTest::newRow("value missing") << QStringList{QStringLiteral("--port")};
    QTest::newRow("stray argument") << QStringList{QStringLiteral("serve")};
    // A data dir that is a file cannot hold a database.
    QTest::newRow("data dir is a file")
        << QStringList{QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--data-dir"),
                       QStringLiteral("/dev/null")};
}

void tst_Durability::invalidFlags()
{
    QFETCH(QStringList, args);
    HubProcess hub;
    hub.start(args + QStringList{QStringLiteral("--admin-password"), QStringLiteral("pw")});
    QCOMPARE(hub.waitExit(), 2);
    const QByteArray err = hub.process().readAllStandardError();
    // One line that says what is wrong, naming the program.
    const QStringList messages = messageLines(err);
    QVERIFY2(messages.size() == 1, err.constData());
    QVERIFY2(messages[0].startsWith(QLatin1String("depot-hub: ")), err.constData());
    QVERIFY(!hub.standardOutput().contains("listening on"));
}

void tst_Durability::portInUse()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    QTemporaryDir dir;
    HubProcess hub;
    hub.start({QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
               QString::number(squatter.serverPort()), QStringLiteral("--data-dir"), dir.path(),
               QStringLiteral("--admin-password"), QString::fromLatin1(kAdminPassword),
               QStringLiteral("--osmand-port"), QStringLiteral("0")});
    QCOMPARE(hub.waitExit(), 3);
    const QByteArray err = hub.process().readAllStandardError();
    const QStringList messages = messageLines(err);
    QVERIFY2(messages.size() == 1, err.constData());
    QVERIFY2(messages[0].startsWith(QLatin1String("depot-hub: ")), err.constData());
    QVERIFY2(messages[0].contains(QString::number(squatter.serverPort())), err.constData());
    QVERIFY(!hub.standardOutput().contains("listening on"));
}

void tst_Durability::generatedPasswordIsPrintedOnce()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString password;
    {
        HubProcess hub;
        hub.startOn(dir.path());
        QVERIFY(hub.waitListening());
        const QString out = QString::fromUtf8(hub.standardOutput());
        const auto match = QRegularExpression(QStringLiteral("password[^\\n]*: (\\S+)\\n"),
                                              QRegularExpression::CaseInsensitiveOption)
                               .match(out);
        QVERIFY2(match.hasMatch(), qPrintable(out));
        password = match.captured(1);
        QVERIFY(password.size() >= 12);
        QVERIFY(!hub.login(QStringLiteral("dispatcher"), password).isEmpty());
        hub.process().terminate();
        QCOMPARE(hub.waitExit(), 0);
    }
    HubProcess again;
    again.startOn(dir.path());
    QVERIFY(again.waitListening());
    QVERIFY2(!again.standardOutput().contains("password"), again.standardOutput().constData());
    QVERIFY(!again.standardOutput().contains(password.toUtf8()));
    again.process().terminate();
    QCOMPARE(again.waitExit(), 0);
}

void tst_Durability::answeredWritesSurviveSigkill()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QStringList flags{QStringLiteral("--admin-password"),
                            QString::fromLatin1(kAdminPassword)};

    QString dispatcher, courierToken, courierId;
    QJsonObject assigned, started, cancelled;
    QJsonArray packagesBefore;
    QJsonObject courierBefore;
    QJsonObject fix{{QStringLiteral("latitude"), 48.8584},
                    {QStringLiteral("longitude"), 2.2945},
                    {QStringLiteral("accuracy"), 4.0},
                    {QStringLiteral("speed"), 1.5},
                    {QStringLiteral("heading"), 180.0},
                    {QStringLiteral("timestamp"), QStringLiteral("2025-03-19T07:45:25.819Z")}};
    {
        HubProcess hub;
        hub.startOn(dir.path(), flags);
        QVERIFY(hub.waitListening());
        dispatcher = hub.login(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
        QVERIFY(!dispatcher.isEmpty());

        const Reply courier = hub.request("POST", QStringLiteral("/api/couriers"),
                                          {{QStringLiteral("name"), QStringLiteral("Ada")},
                                           {QStringLiteral("username"), QStringLiteral("ada")},
                                           {QStringLiteral("password"), QStringLiteral("ada-pw")},
                                           {QStringLiteral("deviceId"), QStringLiteral("phone-1")}},
                                          dispatcher);
        QCOMPARE(courier.status, 201);
        courierId = courier.object().value(QStringLiteral("id")).toString();
        courierToken = hub.login(QStringLiteral("ada"), QStringLiteral("ada-pw"));
        QVERIFY(!courierToken.isEmpty());

        auto create = [&](const QString &name) {
            const Reply r = hub.request(
                "POST", QStringLiteral("/api/packages"),
                {{QStringLiteral("recipientName"), name},
                 {QStringLiteral("address"), QStringLiteral("Champ de Mars")},
                 {QStringLiteral("destination"), QJsonObject{{QStringLiteral("latitude"), 48.85},
                                                             {QStringLiteral("longitude"), 2.29}}}},
                dispatcher);
            return r.status == 201 ? r.object().value(QStringLiteral("id")).toString() : QString();
        };
        auto act = [&](const QString &id, const QString &action, const QJsonObject &body,
                       const QString &token) {
            const Reply r = hub.request(
                "POST", QStringLiteral("/api/packages/%1/%2").arg(id, action), body, token);
            return r.status == 200 ? r.object() : QJsonObject();
        };
        const QJsonObject toAda{{QStringLiteral("deliveryPersonId"), courierId}};
        assigned = act(create(QStringLiteral("one")), QStringLiteral("assign"), toAda, dispatcher);
        const QString second = create(QStringLiteral("two"));
        act(second, QStringLiteral("assign"), toAda, dispatcher);
        started = act(second, QStringLiteral("start"), {}, courierToken);
        cancelled = act(create(QStringLiteral("three")), QStringLiteral("cancel"),
                        {{QStringLiteral("reason"), QStringLiteral("changed mind")}}, dispatcher);
        QCOMPARE(assigned.value(QStringLiteral("status")).toString(), QStringLiteral("ASSIGNED"));
        QCOMPARE(started.value(QStringLiteral("status")).toString(), QStringLiteral("IN_PROGRESS"));
        QCOMPARE(cancelled.value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));

        QCOMPARE(hub.request("POST", QStringLiteral("/api/couriers/%1/location").arg(courierId),
                             fix, courierToken)
                     .status,
                 202);

        packagesBefore =
            hub.request("GET", QStringLiteral("/api/packages"), {}, dispatcher).array();
        courierBefore =
            hub.request("GET", QStringLiteral("/api/couriers/") + courierId, {}, dispatcher)
                .object();
        QCOMPARE(courierBefore.value(QStringLiteral("lastLocation")).toObject(), fix);

        // No warning: the answers above are all the hub promised.
        hub.process().kill();
        QVERIFY(hub.process().waitForFinished(5000));
        QCOMPARE(hub.process().exitStatus(), QProcess::CrashExit);
    }

    HubProcess hub;
    hub.startOn(dir.path(), flags);
    QVERIFY(hub.waitListening());

    // Old tokens still open the door.
    const Reply me = hub.request("GET", QStringLiteral("/api/me"), {}, courierToken);
    QCOMPARE(me.status, 200);
    QCOMPARE(me.object().value(QStringLiteral("id")).toString(), courierId);
    const Reply packages = hub.request("GET", QStringLiteral("/api/packages"), {}, dispatcher);
    QCOMPARE(packages.status, 200);
    QCOMPARE(packages.array().size(), 3);
    QCOMPARE(packages.array(), packagesBefore);
    for (const QJsonObject &written : {assigned, cancelled})
        QCOMPARE(byId(packages.array(), written.value(QStringLiteral("id")).toString()), written);
    QCOMPARE(byId(packages.array(), started.value(QStringLiteral("id")).toString())
                 .value(QStringLiteral("status"))
                 .toString(),
             QStringLiteral("IN_PROGRESS"));
    const Reply events = hub.request("GET",
                                     QStringLiteral("/api/packages/%1/events")
                                         .arg(started.value(QStringLiteral("id")).toString()),
                                     {}, courierToken);
    QStringList names;
    for (const QJsonValue &e : events.array())
        names << e.toObject().value(QStringLiteral("event")).toString();
    QCOMPARE(names,
             (QStringList{QStringLiteral("package:update"), QStringLiteral("delivery:assigned"),
                          QStringLiteral("package:update"), QStringLiteral("delivery:started"),
                          QStringLiteral("package:update")}));

    const QJsonObject courier =
        hub.request("GET", QStringLiteral("/api/couriers/") + courierId, {}, dispatcher).object();
    QCOMPARE(courier, courierBefore);
    QCOMPARE(courier.value(QStringLiteral("deviceId")).toString(), QStringLiteral("phone-1"));

    // A tracking code still finds its package.
    const Reply tracked =
        hub.request("GET", QStringLiteral("/api/track/") +
                               cancelled.value(QStringLiteral("trackingCode")).toString());
    QCOMPARE(tracked.status, 200);
    QCOMPARE(tracked.object().value(QStringLiteral("token")),
             cancelled.value(QStringLiteral("trackingToken")));

    hub.process().terminate();
    QCOMPARE(hub.waitExit(), 0);
}

void tst_Durability::sigtermShutsDownCleanly()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QStringList flags{QStringLiteral("--admin-password"),
                            QString::fromLatin1(kAdminPassword)};
    QString token, packageId;
    {
        HubProcess hub;
        hub.startOn(dir.path(), flags);
        QVERIFY(hub.waitListening());
        QVERIFY2(hub.standardOutput().contains("listening on http://127.0.0.1:"),
                 hub.standardOutput().constData());
        token = hub.login(QStringLiteral("dispatcher"), QString::fromLatin1(kAdminPassword));
        const Reply created = hub.request(
            "POST", QStringLiteral("/api/packages"),
            {{QStringLiteral("recipientName"), QStringLiteral("Last one")},
             {QStringLiteral("address"), QStringLiteral("Here")},
             {QStringLiteral("destination"),
              QJsonObject{{QStringLiteral("latitude"), 0.5}, {QStringLiteral("longitude"), 0.5}}}},
            token);
        QCOMPARE(created.status, 201);
        packageId = created.object().value(QStringLiteral("id")).toString();

        hub.process().terminate();
        QCOMPARE(hub.waitExit(), 0);
    }
    // The data dir is free again and holds the write.
    HubProcess hub;
    hub.startOn(dir.path(), flags);
    QVERIFY(hub.waitListening());
    QCOMPARE(hub.request("GET", QStringLiteral("/api/packages/") + packageId, {}, token).status,
             200);
    hub.process().terminate();
    QCOMPARE(hub.waitExit(), 0);
}

QTEST_GUILESS_MAIN(tst_Durability)
#include "tst_durability.moc"
