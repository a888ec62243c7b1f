// HTTPS and WSS on the hub's one port: a certificate the test makes with openssl, REST and
// Socket.IO through it, plain HTTP refused, the self-signed certificate made once and kept,
// and bad certificate files refused at start with exit code 2.
#include "hub.h"
#include "hubclient.h"
#include "hubconfig.h"
#include "loopbackhub.h"
#include "tls/tlsidentity.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using depot::HubClient;

namespace {

constexpr char kAdminPassword[] = "tls-admin-secret";
constexpr int kWaitMs = 10000;

/// Runs openssl with `args`; its standard output, or a failed test.
QByteArray openssl(const QStringList &args)
{
    QProcess process;
    process.start(QStringLiteral("openssl"), args);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000) || process.exitCode() != 0)
        qWarning() << "openssl" << args << "failed:" << process.readAllStandardError();
    return process.readAllStandardOutput();
}

/// Makes a self-signed certificate for 127.0.0.1 and localhost with its key.
void makeCertificate(const QString &certificate, const QString &key)
{
    openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
             QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
             QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=Depot test"),
             QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost"),
             QStringLiteral("-keyout"), key, QStringLiteral("-out"), certificate});
}

/// The SHA-256 fingerprint openssl prints for a certificate file: "AB:CD:...".
QString opensslFingerprint(const QString &certificate)
{
    const QByteArray out = openssl({QStringLiteral("x509"), QStringLiteral("-in"), certificate,
                                    QStringLiteral("-noout"), QStringLiteral("-fingerprint"),
                                    QStringLiteral("-sha256")});
    return QString::fromLatin1(out.mid(out.indexOf('=') + 1)).trimmed();
}

struct Reply
{
    int status = 0; // 0: no HTTP answer
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QJsonObject body;
};

Reply request(QNetworkAccessManager &network, const QByteArray &method, const QUrl &url,
              const QJsonObject &body = {}, const QString &token = {})
{
    QNetworkRequest req(url);
    QByteArray data;
    if (method == "POST") {
        data = QJsonDocument(body).toJson(QJsonDocument::Compact);
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
    std::unique_ptr<QNetworkReply> reply(network.sendCustomRequest(req, method, data));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kWaitMs))
        return {};
    return Reply{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->error(),
                 QJsonDocument::fromJson(reply->readAll()).object()};
}

/// A depot-hub child process started with `args`, with no DEPOT_* variable but `env`.
class HubProcess
{
public:
    explicit HubProcess(const QStringList &args, const QMap<QString, QString> &env = {})
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const QString &name : environment.keys()) {
            if (name.startsWith(QLatin1String("DEPOT_")))
                environment.remove(name);
        }
        for (auto it = env.cbegin(); it != env.cend(); ++it)
            environment.insert(it.key(), it.value());
        m_process.setProcessEnvironment(environment);
        m_process.start(QStringLiteral(DEPOT_HUB_PATH), args);
    }
    ~HubProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.terminate();
            if (!m_process.waitForFinished(5000))
                m_process.kill();
        }
    }
    /// Waits for the listening line and gives the URL in it, or empty if the process ended.
    QString waitListening()
    {
        static const QRegularExpression listening(QStringLiteral("listening on (\\S+)"));
        QDeadlineTimer deadline(kWaitMs * 3);
        while (!deadline.hasExpired()) {
            m_stdout += m_process.readAllStandardOutput();
            const auto match = listening.match(QString::fromUtf8(m_stdout));
            if (match.hasMatch())
                return match.captured(1);
            if (m_process.state() == QProcess::NotRunning)
                return {};
            m_process.waitForReadyRead(100);
        }
        return {};
    }
    int waitExit()
    {
        if (!m_process.waitForFinished(kWaitMs * 3) ||
            m_process.exitStatus() != QProcess::NormalExit)
            return -1;
        return m_process.exitCode();
    }
    QString standardOutput() const { return QString::fromUtf8(m_stdout); }
    QString standardError() { return QString::fromUtf8(m_process.readAllStandardError()); }

private:
    QProcess m_process;
    QByteArray m_stdout;
};

QStringList hubArguments(const QString &dataDir)
{
    return {QStringLiteral("--host"),        QStringLiteral("127.0.0.1"),
            QStringLiteral("--port"),        QStringLiteral("0"),
            QStringLiteral("--osmand-port"), QStringLiteral("0"),
            QStringLiteral("--tile-url"),    QStringLiteral("none"),
            QStringLiteral("--data-dir"),    dataDir};
}

} // namespace

class tst_Tls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void restAndSocketIoOverTls();
    void untrustedClientsAreRefused();
    void plainHttpToTheTlsPortFailsCleanly();
    void oversizedRequestIsRefusedOverTls();
    void selfSignedIsMadeOnceAndKept();
    void selfSignedIsRemadeWhenAddressesChangeOrItExpires();
    void badFilesExitWithCode2_data();
    void badFilesExitWithCode2();

private:
    /// Starts an in-process hub on 127.0.0.1 with the test's certificate.
    std::unique_ptr<depot::Hub> startHub();
    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(m_hub->port()).arg(path));
    }

    QTemporaryDir m_dir;
    QString m_certificate;
    QString m_key;
    QString m_otherKey;
    QSslConfiguration m_defaultTls;
    std::unique_ptr<QTemporaryDir> m_dataDir;
    std::unique_ptr<depot::Hub> m_hub;
};

void tst_Tls::initTestCase()
{
    QVERIFY(QSslSocket::supportsSsl());
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty(),
             "the openssl command is needed (scripts/setup.sh installs it)");
    m_certificate = m_dir.filePath(QStringLiteral("hub.crt"));
    m_key = m_dir.filePath(QStringLiteral("hub.key"));
    makeCertificate(m_certificate, m_key);
    makeCertificate(m_dir.filePath(QStringLiteral("other.crt")),
                    m_otherKey = m_dir.filePath(QStringLiteral("other.key")));
    QVERIFY(QFile::exists(m_certificate) && QFile::exists(m_key) && QFile::exists(m_otherKey));
    m_defaultTls = QSslConfiguration::defaultConfiguration();
}

void tst_Tls::cleanup()
{
    m_hub.reset();
    m_dataDir.reset();
    QSslConfiguration::setDefaultConfiguration(m_defaultTls);
}

std::unique_ptr<depot::Hub> tst_Tls::startHub()
{
    m_dataDir = std::make_unique<QTemporaryDir>();
    depot::HubConfig config =
        depot::test::loopbackHubConfig(m_dataDir->path(), QString::fromLatin1(kAdminPassword));
    config.tlsCertificateFile = m_certificate;
    config.tlsKeyFile = m_key;
    auto hub = std::make_unique<depot::Hub>(config);
    const auto error = hub->start();
    if (error)
        qWarning() << "the hub did not start:" << error->message;
    return error ? nullptr : std::move(hub);
}

void tst_Tls::restAndSocketIoOverTls()
{
    m_hub = startHub();
    QVERIFY(m_hub);
    QVERIFY(m_hub->usesTls());
    QCOMPARE(m_hub->listeningUrl(), QStringLiteral("https://127.0.0.1:%1").arg(m_hub->port()));
    QCOMPARE(m_hub->tlsFingerprint(), opensslFingerprint(m_certificate));

    // Clients trust the test's certificate as their authority, as a phone does once accepted.
    QSslConfiguration trusting = m_defaultTls;
    trusting.addCaCertificates(m_certificate);
    QSslConfiguration::setDefaultConfiguration(trusting);
    QNetworkAccessManager network;

    const Reply login =
        request(network, "POST", url(QStringLiteral("/api/auth/login")),
                {{QStringLiteral("username"), QStringLiteral("dispatcher")},
                 {QStringLiteral("password"), QString::fromLatin1(kAdminPassword)}});
    QCOMPARE(login.error, QNetworkReply::NoError);
    QCOMPARE(login.status, 200);
    const QString adminToken = login.body.value(QStringLiteral("token")).toString();
    QVERIFY(!adminToken.isEmpty());

    const Reply created = request(network, "POST", url(QStringLiteral("/api/couriers")),
                                  {{QStringLiteral("name"), QStringLiteral("Ada")},
                                   {QStringLiteral("username"), QStringLiteral("ada")},
                                   {QStringLiteral("password"), QStringLiteral("ada-secret-1")}},
                                  adminToken);
    QCOMPARE(created.status, 201);
    const QString courierId = created.body.value(QStringLiteral("id")).toString();
    const QString courierToken =
        request(network, "POST", url(QStringLiteral("/api/auth/login")),
                {{QStringLiteral("username"), QStringLiteral("ada")},
                 {QStringLiteral("password"), QStringLiteral("ada-secret-1")}})
            .body.value(QStringLiteral("token"))
            .toString();
    QVERIFY(!courierToken.isEmpty());

    // Engine.IO's long-polling handshake over HTTPS.
    const QUrl polling(url(QStringLiteral("/socket.io/?EIO=4&transport=polling")));
    std::unique_ptr<QNetworkReply> open(network.get(QNetworkRequest(polling)));
    QSignalSpy opened(open.get(), &QNetworkReply::finished);
    QVERIFY(opened.wait(kWaitMs));
    QCOMPARE(open->error(), QNetworkReply::NoError);
    QVERIFY(open->readAll().startsWith("0{\"sid\":"));

    // Socket.IO over WSS: the dispatcher sees the courier's fix, the courier gets its ack.
    HubClient dispatcher;
    QSignalSpy dispatcherConnected(&dispatcher, &HubClient::connected);
    QSignalSpy dispatcherEvents(&dispatcher, &HubClient::event);
    dispatcher.connectToHub(url(QString()), {{QStringLiteral("token"), adminToken}});
    QVERIFY(dispatcherConnected.wait(kWaitMs));
    HubClient courier;
    QSignalSpy courierConnected(&courier, &HubClient::connected);
    courier.connectToHub(url(QString()), {{QStringLiteral("token"), courierToken}});
    QVERIFY(courierConnected.wait(kWaitMs));

    std::optional<QJsonArray> ack;
    bool acked = false;
    courier.emitWithAck(
        QStringLiteral("location:update"),
        QJsonObject{{QStringLiteral("latitude"), 52.52}, {QStringLiteral("longitude"), 13.405}},
        kWaitMs, [&](std::optional<QJsonArray> args) {
            acked = true;
            ack = std::move(args);
        });
    QTRY_VERIFY_WITH_TIMEOUT(acked, kWaitMs);
    QVERIFY(ack);
    QCOMPARE(ack->first().toObject().value(QStringLiteral("ok")).toBool(), true);
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(dispatcherEvents.cbegin(), dispatcherEvents.cend(),
                    [&](const QList<QVariant> &e) {
                        return e.at(0).toString() == QLatin1String("location:update") &&
                               e.at(1).toJsonArray().first().toObject().value(
                                   QStringLiteral("deliveryPersonId")) == courierId;
                    }),
        kWaitMs);
}

void tst_Tls::untrustedClientsAreRefused()
{
    m_hub = startHub();
    QVERIFY(m_hub);
    // Without the certificate among its authorities a client refuses the hub, as phones do
    // until the courier accepts it.
    QNetworkAccessManager network;
    const Reply health = request(network, "GET", url(QStringLiteral("/healthz")));
    QCOMPARE(health.status, 0);
    QCOMPARE(health.error, QNetworkReply::SslHandshakeFailedError);

    HubClient client;
    QSignalSpy refused(&client, &HubClient::connectError);
    client.connectToHub(url(QString()), {{QStringLiteral("token"), QStringLiteral("x")}});
    QVERIFY(refused.wait(kWaitMs));
    QVERIFY(!client.isConnected());
}

void tst_Tls::plainHttpToTheTlsPortFailsCleanly()
{
    m_hub = startHub();
    QVERIFY(m_hub);
    QTcpSocket plain;
    plain.connectToHost(QHostAddress::LocalHost, m_hub->port());
    QVERIFY(plain.waitForConnected(kWaitMs));
    plain.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QSignalSpy closed(&plain, &QTcpSocket::disconnected);
    QVERIFY(closed.wait(kWaitMs));
    QVERIFY(!plain.readAll().contains("HTTP/1.1 200"));

    // The port still serves HTTPS afterwards.
    QSslConfiguration trusting = m_defaultTls;
    trusting.addCaCertificates(m_certificate);
    QSslConfiguration::setDefaultConfiguration(trusting);
    QNetworkAccessManager network;
    const Reply health = request(network, "GET", url(QStringLiteral("/healthz")));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.body.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
}

void tst_Tls::oversizedRequestIsRefusedOverTls()
{
    m_hub = startHub();
    QVERIFY(m_hub);
    // The guard that bounds what one request may buffer counts the decrypted bytes too.
    QSslSocket socket;
    QSslConfiguration trusting = m_defaultTls;
    trusting.addCaCertificates(m_certificate);
    socket.setSslConfiguration(trusting);
    QSignalSpy encrypted(&socket, &QSslSocket::encrypted); // the hub runs in this thread
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_hub->port());
    QVERIFY2(encrypted.wait(kWaitMs), qPrintable(socket.errorString()));
    const QByteArray body(1'200'000, 'x');
    socket.write("POST /api/packages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Content-Type: application/json\r\nContent-Length: " +
                 QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray answer;
    connect(&socket, &QSslSocket::readyRead, this, [&] { answer += socket.readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(answer.contains("\r\n\r\n") && answer.endsWith('}'), kWaitMs);
    QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.left(100).constData());
    QVERIFY(answer.contains("payload_too_large"));
}

void tst_Tls::selfSignedIsMadeOnceAndKept()
{
    QTemporaryDir dataDir;
    const QString certificate = dataDir.filePath(QStringLiteral("tls/depot-hub.crt"));
    const QString key = dataDir.filePath(QStringLiteral("tls/depot-hub.key"));
    QString fingerprint;
    {
        HubProcess hub(hubArguments(dataDir.path()) +
                       QStringList{QStringLiteral("--tls"), QStringLiteral("self-signed")});
        const QString listening = hub.waitListening();
        QVERIFY2(listening.startsWith(QLatin1String("https://127.0.0.1:")),
                 qPrintable(hub.standardError()));
        QVERIFY(QFile::exists(certificate));
        QCOMPARE(QFile::permissions(key) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        fingerprint = opensslFingerprint(certificate);
        QVERIFY(hub.standardOutput().contains(fingerprint));

        // It names every address and name a phone may use to reach this machine.
        const auto cert = QSslCertificate::fromPath(certificate).value(0);
        QVERIFY(!cert.isNull());
        const depot::CertificateSubjects subjects = depot::localCertificateSubjects();
        QVERIFY(subjects.addresses.contains(QHostAddress(QStringLiteral("127.0.0.1"))));
        QVERIFY(subjects.dnsNames.contains(QStringLiteral("localhost")));
        QCOMPARE(depot::renewalReason(cert, subjects, QDateTime::currentDateTimeUtc()), QString());

        // And the hub presents it: a client trusting exactly this file gets an answer.
        QSslConfiguration trusting = m_defaultTls;
        trusting.addCaCertificates(certificate);
        QSslConfiguration::setDefaultConfiguration(trusting);
        QNetworkAccessManager network;
        QCOMPARE(request(network, "GET", QUrl(listening + QStringLiteral("/healthz"))).status, 200);
    }
    const QDateTime written = QFileInfo(certificate).lastModified();
    {
        // The variable does what the flag does; the kept certificate is used again.
        HubProcess hub(hubArguments(dataDir.path()),
                       {{QStringLiteral("DEPOT_TLS"), QStringLiteral("self-signed")}});
        QVERIFY(hub.waitListening().startsWith(QLatin1String("https://")));
        QVERIFY(hub.standardOutput().contains(fingerprint));
    }
    QCOMPARE(opensslFingerprint(certificate), fingerprint);
    QCOMPARE(QFileInfo(certificate).lastModified(), written);
}

void tst_Tls::selfSignedIsRemadeWhenAddressesChangeOrItExpires()
{
    QTemporaryDir dir;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    depot::CertificateSubjects subjects;
    subjects.dnsNames = {QStringLiteral("localhost")};
    subjects.addresses = {QHostAddress(QStringLiteral("127.0.0.1"))};
    const auto first = depot::ensureSelfSignedIdentity(dir.path(), subjects, now);
    QVERIFY2(first, qPrintable(first ? QString() : first.error().message));
    const auto again = depot::ensureSelfSignedIdentity(dir.path(), subjects, now);
    QVERIFY(again);
    QCOMPARE(again->sha256Fingerprint(), first->sha256Fingerprint());

    // The depot's Wi-Fi gave the machine a new address: the certificate must name it.
    subjects.addresses << QHostAddress(QStringLiteral("192.0.2.77"))
                       << QHostAddress(QStringLiteral("2001:db8::77"));
    QVERIFY(depot::renewalReason(first->certificate(), subjects, now).contains("192.0.2.77"));
    const auto moved = depot::ensureSelfSignedIdentity(dir.path(), subjects, now);
    QVERIFY(moved);
    QVERIFY(moved->sha256Fingerprint() != first->sha256Fingerprint());
    const auto names = moved->certificate().subjectAlternativeNames();
    QVERIFY(names.values(QSsl::IpAddressEntry).contains(QStringLiteral("192.0.2.77")));
    QCOMPARE(depot::renewalReason(moved->certificate(), subjects, now), QString());

    // Near its expiry it is made again, so phones never meet an expired one.
    const QDateTime late = moved->certificate().expiryDate().addDays(-10);
    QVERIFY(!depot::renewalReason(moved->certificate(), subjects, late).isEmpty());
    const auto renewed = depot::ensureSelfSignedIdentity(dir.path(), subjects, late);
    QVERIFY(renewed);
    QVERIFY(renewed->sha256Fingerprint() != moved->sha256Fingerprint());
}

void tst_Tls::badFilesExitWithCode2_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString missing = m_dir.filePath(QStringLiteral("missing.crt"));
    QTest::newRow("missing certificate")
        << QStringList{QStringLiteral("--tls-cert"), missing, QStringLiteral("--tls-key"), m_key}
        << QStringLiteral("does not exist");
    QTest::newRow("key of another certificate")
        << QStringList{QStringLiteral("--tls-cert"), m_certificate, QStringLiteral("--tls-key"),
                       m_otherKey}
        << QStringLiteral("does not belong to the certificate");
    QTest::newRow("key as certificate")
        << QStringList{QStringLiteral("--tls-cert"), m_key, QStringLiteral("--tls-key"), m_key}
        << QStringLiteral("holds no PEM certificate");
    QTest::newRow("certificate as key") << QStringList{QStringLiteral("--tls-cert"), m_certificate,
                                                       QStringLiteral("--tls-key"), m_certificate}
                                        << QStringLiteral("holds no PEM private key");
    QTest::newRow("certificate without key")
        << QStringList{QStringLiteral("--tls-cert"), m_certificate}
        << QStringLiteral("go together");
    QTest::newRow("unknown mode") << QStringList{QStringLiteral("--tls"), QStringLiteral("maybe")}
                                  << QStringLiteral("neither self-signed nor off");
}

void tst_Tls::badFilesExitWithCode2()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QTemporaryDir dataDir;
    HubProcess hub(hubArguments(dataDir.path()) + args);
    QCOMPARE(hub.waitExit(), 2);
    QVERIFY(hub.standardOutput().isEmpty());
    const QStringList lines = hub.standardError().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.first().startsWith(QLatin1String("depot-hub: ")), qPrintable(lines.first()));
    QVERIFY2(lines.first().contains(message), qPrintable(lines.first()));
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
