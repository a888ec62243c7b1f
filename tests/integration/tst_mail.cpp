// Customer e-mail over real SMTP: MailChannel against aiosmtpd (Debian's python3-aiosmtpd) on
// 127.0.0.1, plain, with STARTTLS and AUTH, refusing, down, and silent. Each received message
// is read back by Python's email package.
#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "hub.h"
#include "hubconfig.h"
#include "mail/mailchannel.h"
#include "mail/mailproducer.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSslCertificate>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace depot;

namespace {

const QString kPython = QStringLiteral("/usr/bin/python3");

bool haveAiosmtpd()
{
    QProcess probe;
    probe.start(kPython, {QStringLiteral("-c"), QStringLiteral("import aiosmtpd")});
    return probe.waitForFinished(10'000) && probe.exitStatus() == QProcess::NormalExit &&
           probe.exitCode() == 0;
}

/// tests/support/smtpserver.py on a free port; killed when this goes, whatever the test found.
class SmtpServer
{
public:
    explicit SmtpServer(const QStringList &extraArguments)
    {
        QDir().mkpath(m_dir.filePath(QStringLiteral("mail")));
        m_process.start(kPython, QStringList{QStringLiteral(DEPOT_SMTP_SERVER_SCRIPT),
                                             m_dir.filePath(QStringLiteral("mail"))} +
                                     extraArguments);
        QByteArray out;
        while (!out.contains('\n') && m_process.waitForReadyRead(15'000))
            out += m_process.readAllStandardOutput();
        if (out.startsWith("PORT "))
            m_port = quint16(out.mid(5).trimmed().toUInt());
        else
            qWarning() << "smtpserver.py:" << out << m_process.readAllStandardError();
    }
    ~SmtpServer()
    {
        m_process.kill();
        m_process.waitForFinished(5'000);
    }

    quint16 port() const { return m_port; }
    /// The n-th message received (from 1), or empty when there is none.
    QString messagePath(int n) const
    {
        return m_dir.filePath(QStringLiteral("mail/%1.eml").arg(n));
    }
    QJsonObject envelope(int n) const
    {
        QFile f(m_dir.filePath(QStringLiteral("mail/%1.json").arg(n)));
        f.open(QIODevice::ReadOnly);
        return QJsonDocument::fromJson(f.readAll()).object();
    }
    int messageCount() const
    {
        return int(QDir(m_dir.filePath(QStringLiteral("mail")))
                       .entryList({QStringLiteral("*.eml")}, QDir::Files)
                       .size());
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};

/// The message at `path` as Python's email package reads it: decoded headers and text.
QJsonObject parsedMessage(const QString &path)
{
    QProcess python;
    python.start(
        kPython,
        {QStringLiteral("-c"),
         QStringLiteral("import email, email.policy, json, sys\n"
                        "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), "
                        "policy=email.policy.default)\n"
                        "print(json.dumps({'subject': str(m['Subject']), 'to': str(m['To']), "
                        "'from': str(m['From']), 'messageId': str(m['Message-ID']), "
                        "'language': str(m['Content-Language']), 'type': m.get_content_type(), "
                        "'charset': m.get_content_charset(), 'body': m.get_content(), "
                        "'defects': len(m.defects)}))\n"),
         path});
    python.waitForFinished(15'000);
    return QJsonDocument::fromJson(python.readAllStandardOutput()).object();
}

/// A self-signed certificate for 127.0.0.1 in `dir`: cert.pem and key.pem.
bool makeCertificate(const QString &dir)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                   dir + QStringLiteral("/key.pem"), QStringLiteral("-out"),
                   dir + QStringLiteral("/cert.pem"), QStringLiteral("-days"), QStringLiteral("1"),
                   QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                   QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1")});
    return openssl.waitForFinished(30'000) && openssl.exitCode() == 0;
}

/// A translation of some of the mail texts into German, made with lrelease into `dir`.
bool makeGermanTranslation(const QString &dir)
{
    QFile ts(dir + QStringLiteral("/depot_de.ts"));
    if (!ts.open(QIODevice::WriteOnly))
        return false;
    ts.write(R"(<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>depot::MailMessages</name>
    <message>
        <source>We could not deliver your parcel %1</source>
        <translation>Ihr Paket %1 konnte nicht zugestellt werden</translation>
    </message>
    <message>
        <source>Hello %1,</source>
        <translation>Guten Tag, %1,</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>Grund: %1</translation>
    </message>
    <message>
        <source>Follow your parcel here: %1</source>
        <translation>Hier sehen Sie, wo Ihr Paket gerade ist: %1</translation>
    </message>
</context>
</TS>
)");
    ts.close();
    QProcess lrelease;
    lrelease.start(QStringLiteral(DEPOT_LRELEASE),
                   {ts.fileName(), QStringLiteral("-qm"), dir + QStringLiteral("/depot_de.qm")});
    return lrelease.waitForFinished(30'000) && lrelease.exitCode() == 0;
}

OutboxEntry entry(const QString &kind, const QString &language, const QString &reason = {})
{
    OutboxEntry e;
    e.deliveryId = QStringLiteral("5b0a7c55-1c9e-4d6f-9a51-3c1f2e7d8b90");
    e.channel = QStringLiteral("email");
    e.target = QStringLiteral("juergen@example.com");
    e.orderKey = QStringLiteral("9d56c0de-0000-4000-8000-000000000001");
    QJsonObject payload{
        {QStringLiteral("kind"), kind},
        {QStringLiteral("language"), language},
        {QStringLiteral("recipientName"), QStringLiteral("Jürgen Müller")},
        {QStringLiteral("trackingCode"), QStringLiteral("K3SBGMVN9V")},
        {QStringLiteral("trackingUrl"), QStringLiteral("https://depot.example/track/K3SBGMVN9V")}};
    if (!reason.isEmpty())
        payload.insert(QStringLiteral("reason"), reason);
    e.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    return e;
}

} // namespace

class TestMail : public QObject
{
    Q_OBJECT

private:
    ManualClock m_clock{QDateTime(QDate(2026, 12, 3), QTime(18, 23, 22), Qt::UTC)};

    MailChannel::Options options(quint16 port)
    {
        MailChannel::Options o;
        o.smtp.server.host = QStringLiteral("127.0.0.1");
        o.smtp.server.port = port;
        o.smtp.heloName = QStringLiteral("depot.test");
        o.smtp.timeoutMs = 10'000;
        o.fromAddress = QStringLiteral("depot@depot.example");
        o.translationFolder = m_translations.path();
        return o;
    }

    /// One attempt through `channel`, waited for.
    DeliveryOutcome deliver(MailChannel &channel, const OutboxEntry &e)
    {
        std::optional<DeliveryOutcome> outcome;
        channel.deliver(e, [&outcome](const DeliveryOutcome &o) { outcome = o; });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 20'000); }();
        return outcome.value_or(DeliveryOutcome{});
    }

    QTemporaryDir m_translations;

private Q_SLOTS:
    void initTestCase()
    {
        if (!haveAiosmtpd())
            QSKIP("python3-aiosmtpd is not installed (scripts/setup.sh installs it)");
        QVERIFY(makeGermanTranslation(m_translations.path()));
        QVERIFY(makeCertificate(m_translations.path()));
    }

    void outForDeliveryArrives()
    {
        SmtpServer server({});
        QVERIFY(server.port());
        MailChannel channel(options(server.port()), m_clock);
        QCOMPARE(channel.name(), QStringLiteral("email"));
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("out_for_delivery"), QStringLiteral("en")));
        QVERIFY2(outcome.delivered, qPrintable(outcome.detail));
        QCOMPARE(outcome.status, 250);
        QCOMPARE(server.messageCount(), 1);
        const QJsonObject envelope = server.envelope(1);
        QCOMPARE(envelope.value(QStringLiteral("mailFrom")).toString(),
                 QStringLiteral("depot@depot.example"));
        QCOMPARE(envelope.value(QStringLiteral("rcptTos")).toArray().first().toString(),
                 QStringLiteral("juergen@example.com"));
        QVERIFY(!envelope.value(QStringLiteral("tls")).toBool());
        const QJsonObject m = parsedMessage(server.messagePath(1));
        QCOMPARE(m.value(QStringLiteral("defects")).toInt(), 0);
        QCOMPARE(m.value(QStringLiteral("subject")).toString(),
                 QStringLiteral("Your parcel K3SBGMVN9V is on its way"));
        QCOMPARE(m.value(QStringLiteral("to")).toString(),
                 QStringLiteral("Jürgen Müller <juergen@example.com>"));
        QCOMPARE(m.value(QStringLiteral("from")).toString(), QStringLiteral("depot@depot.example"));
        QCOMPARE(m.value(QStringLiteral("messageId")).toString(),
                 QStringLiteral("<5b0a7c55-1c9e-4d6f-9a51-3c1f2e7d8b90@depot.example>"));
        QCOMPARE(m.value(QStringLiteral("type")).toString(), QStringLiteral("text/plain"));
        QCOMPARE(m.value(QStringLiteral("charset")).toString(), QStringLiteral("utf-8"));
        QCOMPARE(m.value(QStringLiteral("language")).toString(), QStringLiteral("en"));
        const QString body = m.value(QStringLiteral("body")).toString();
        QVERIFY2(body.startsWith(QStringLiteral("Hello Jürgen Müller,\n")), qPrintable(body));
        QVERIFY2(body.contains(QStringLiteral(
                     "Follow your parcel here: https://depot.example/track/K3SBGMVN9V")),
                 qPrintable(body));
    }

    void failureInGermanWithTheReason()
    {
        SmtpServer server({});
        QVERIFY(server.port());
        MailChannel channel(options(server.port()), m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("failed"), QStringLiteral("de"),
                                   QStringLiteral("Empfänger nicht angetroffen\n.")));
        QVERIFY2(outcome.delivered, qPrintable(outcome.detail));
        const QJsonObject m = parsedMessage(server.messagePath(1));
        QCOMPARE(m.value(QStringLiteral("subject")).toString(),
                 QStringLiteral("Ihr Paket K3SBGMVN9V konnte nicht zugestellt werden"));
        QCOMPARE(m.value(QStringLiteral("language")).toString(), QStringLiteral("de"));
        const QString body = m.value(QStringLiteral("body")).toString();
        QVERIFY2(body.startsWith(QStringLiteral("Guten Tag, Jürgen Müller,\n")), qPrintable(body));
        // A line of the reason that is one dot is dot-stuffed on the wire and whole here.
        QVERIFY2(body.contains(QStringLiteral("Grund: Empfänger nicht angetroffen\n.\n")),
                 qPrintable(body));
        QVERIFY2(body.contains(QStringLiteral("Hier sehen Sie, wo Ihr Paket gerade ist: "
                                              "https://depot.example/track/K3SBGMVN9V")),
                 qPrintable(body));
        // Texts without a translation stay English rather than going missing.
        QVERIFY(body.contains(QStringLiteral("please do not reply")));
    }

    void startTlsAndAuthWhenOffered()
    {
        const QString cert = m_translations.filePath(QStringLiteral("cert.pem"));
        const QString key = m_translations.filePath(QStringLiteral("key.pem"));
        SmtpServer server({QStringLiteral("--tls"), cert, key, QStringLiteral("--user"),
                           QStringLiteral("mailer"), QStringLiteral("--password"),
                           QStringLiteral("s3cret:%")});
        QVERIFY(server.port());
        MailChannel::Options o = options(server.port());
        o.smtp.caCertificates = QSslCertificate::fromPath(cert);
        QVERIFY(!o.smtp.caCertificates.isEmpty());
        // Without credentials the server refuses the sender for good.
        {
            MailChannel anonymous(o, m_clock);
            const DeliveryOutcome refused =
                deliver(anonymous, entry(QStringLiteral("delivered"), QStringLiteral("en")));
            QVERIFY(!refused.delivered);
            QVERIFY2(refused.permanent, qPrintable(refused.detail));
            QCOMPARE(refused.status, 530);
        }
        o.smtp.server = *SmtpUrl::parse(
            QStringLiteral("smtp://mailer:s3cret%3A%25@127.0.0.1:%1").arg(server.port()));
        MailChannel channel(o, m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY2(outcome.delivered, qPrintable(outcome.detail));
        const QJsonObject envelope = server.envelope(1);
        QVERIFY(envelope.value(QStringLiteral("tls")).toBool());
        const QJsonObject auth = envelope.value(QStringLiteral("auth")).toObject();
        QCOMPARE(auth.value(QStringLiteral("mechanism")).toString(), QStringLiteral("PLAIN"));
        QCOMPARE(auth.value(QStringLiteral("login")).toString(), QStringLiteral("mailer"));
        QCOMPARE(parsedMessage(server.messagePath(1)).value(QStringLiteral("subject")).toString(),
                 QStringLiteral("Your parcel K3SBGMVN9V has been delivered"));
    }

    void authLoginWhereThereIsNoPlain()
    {
        const QString cert = m_translations.filePath(QStringLiteral("cert.pem"));
        const QString key = m_translations.filePath(QStringLiteral("key.pem"));
        SmtpServer server({QStringLiteral("--tls"), cert, key, QStringLiteral("--user"),
                           QStringLiteral("mailer"), QStringLiteral("--password"),
                           QStringLiteral("secret"), QStringLiteral("--login-only")});
        QVERIFY(server.port());
        MailChannel::Options o = options(server.port());
        o.smtp.caCertificates = QSslCertificate::fromPath(cert);
        o.smtp.server.user = QStringLiteral("mailer");
        o.smtp.server.password = QStringLiteral("secret");
        MailChannel channel(o, m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY2(outcome.delivered, qPrintable(outcome.detail));
        QCOMPARE(server.envelope(1)
                     .value(QStringLiteral("auth"))
                     .toObject()
                     .value(QStringLiteral("mechanism"))
                     .toString(),
                 QStringLiteral("LOGIN"));
    }

    void smtpsSpeaksTlsFromTheStart()
    {
        const QString cert = m_translations.filePath(QStringLiteral("cert.pem"));
        const QString key = m_translations.filePath(QStringLiteral("key.pem"));
        SmtpServer server({QStringLiteral("--tls"), cert, key, QStringLiteral("--implicit-tls"),
                           QStringLiteral("--user"), QStringLiteral("mailer"),
                           QStringLiteral("--password"), QStringLiteral("secret")});
        QVERIFY(server.port());
        MailChannel::Options o = options(server.port());
        o.smtp.caCertificates = QSslCertificate::fromPath(cert);
        o.smtp.server = *SmtpUrl::parse(
            QStringLiteral("smtps://mailer:secret@127.0.0.1:%1").arg(server.port()));
        MailChannel channel(o, m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY2(outcome.delivered, qPrintable(outcome.detail));
        QVERIFY(server.envelope(1).value(QStringLiteral("tls")).toBool());
        QCOMPARE(server.envelope(1)
                     .value(QStringLiteral("auth"))
                     .toObject()
                     .value(QStringLiteral("login"))
                     .toString(),
                 QStringLiteral("mailer"));
    }

    void untrustedCertificateIsRetryable()
    {
        const QString cert = m_translations.filePath(QStringLiteral("cert.pem"));
        const QString key = m_translations.filePath(QStringLiteral("key.pem"));
        SmtpServer server({QStringLiteral("--tls"), cert, key});
        QVERIFY(server.port());
        MailChannel channel(options(server.port()), m_clock); // the test's CA not trusted
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY(!outcome.delivered);
        QVERIFY(!outcome.permanent);
        QCOMPARE(server.messageCount(), 0);
    }

    void passwordNeverInTheClear()
    {
        SmtpServer server({});
        QVERIFY(server.port());
        MailChannel::Options o = options(server.port());
        o.smtp.server.user = QStringLiteral("mailer");
        o.smtp.server.password = QStringLiteral("secret");
        MailChannel channel(o, m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY(!outcome.delivered);
        QVERIFY(outcome.detail.contains(QLatin1String("STARTTLS")));
        QCOMPARE(server.messageCount(), 0);
    }

    void refusalFor550IsPermanent()
    {
        SmtpServer server({QStringLiteral("--refuse-rcpt"), QStringLiteral("550")});
        QVERIFY(server.port());
        MailChannel channel(options(server.port()), m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY(!outcome.delivered);
        QVERIFY(outcome.permanent);
        QCOMPARE(outcome.status, 550);
        QVERIFY2(outcome.detail.contains(QLatin1String("no such mailbox")),
                 qPrintable(outcome.detail));
    }

    void refusalFor451IsRetryable()
    {
        SmtpServer server({QStringLiteral("--refuse-rcpt"), QStringLiteral("451")});
        QVERIFY(server.port());
        MailChannel channel(options(server.port()), m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY(!outcome.delivered);
        QVERIFY(!outcome.permanent);
        QCOMPARE(outcome.status, 451);
    }

    void serverDownIsRetryable()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close(); // nobody listens there now
        MailChannel channel(options(port), m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY(!outcome.delivered);
        QVERIFY(!outcome.permanent);
        QCOMPARE(outcome.status, 0);
    }

    void silentServerTimesOut()
    {
        QTcpServer silent; // accepts and never greets
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        MailChannel::Options o = options(silent.serverPort());
        o.smtp.timeoutMs = 300;
        MailChannel channel(o, m_clock);
        const DeliveryOutcome outcome =
            deliver(channel, entry(QStringLiteral("delivered"), QStringLiteral("en")));
        QVERIFY(!outcome.delivered);
        QVERIFY(!outcome.permanent);
        QVERIFY2(outcome.detail.contains(QLatin1String("did not answer in time")),
                 qPrintable(outcome.detail));
    }

    void clientSendsNoAddressThatBendsACommand()
    {
        SmtpServer server({});
        QVERIFY(server.port());
        SmtpClient::Options o;
        o.server.host = QStringLiteral("127.0.0.1");
        o.server.port = server.port();
        for (const QString &to : {QStringLiteral("a@example.com>\r\nRCPT TO:<b@example.com"),
                                  QStringLiteral("a@example.com\n"), QString()}) {
            SmtpClient client(o);
            std::optional<SmtpResult> result;
            client.send(QStringLiteral("depot@depot.example"), to, "Subject: x\r\n\r\nx\r\n",
                        [&result](const SmtpResult &r) { result = r; });
            QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 10'000);
            QVERIFY(!result->sent);
            QVERIFY(result->permanent);
        }
        QCOMPARE(server.messageCount(), 0);
    }

    void flags()
    {
        auto parse = [](const QStringList &args, const QProcessEnvironment &env = {}) {
            QCommandLineParser parser;
            addHubOptions(parser);
            parser.process(QStringList{QStringLiteral("depot-hub")} + args);
            return hubConfigFrom(parser, env);
        };
        const auto defaults = parse({});
        QVERIFY(defaults);
        QVERIFY(!defaults->smtp);
        QCOMPARE(defaults->mailLanguage, QStringLiteral("en"));
        QVERIFY(defaults->smtpFrom.startsWith(QLatin1String("depot@")));
        QVERIFY(defaults->publicUrl.isEmpty());

        const auto given = parse(
            {QStringLiteral("--smtp"), QStringLiteral("smtp://mailer:p%40ss@mail.example:2525"),
             QStringLiteral("--smtp-from"), QStringLiteral("depot@depot.example"),
             QStringLiteral("--mail-language"), QStringLiteral("FR"),
             QStringLiteral("--public-url"), QStringLiteral("https://depot.example")});
        QVERIFY(given);
        QCOMPARE(given->smtp->host, QStringLiteral("mail.example"));
        QCOMPARE(given->smtp->port, quint16(2525));
        QCOMPARE(given->smtp->password, QStringLiteral("p@ss"));
        QCOMPARE(given->smtpFrom, QStringLiteral("depot@depot.example"));
        QCOMPARE(given->mailLanguage, QStringLiteral("fr"));
        QCOMPARE(given->publicUrl, QStringLiteral("https://depot.example"));

        QProcessEnvironment env;
        env.insert(QStringLiteral("DEPOT_SMTP"), QStringLiteral("smtps://mail.example"));
        env.insert(QStringLiteral("DEPOT_MAIL_LANGUAGE"), QStringLiteral("es"));
        const auto fromEnv = parse({}, env);
        QVERIFY(fromEnv);
        QVERIFY(fromEnv->smtp->implicitTls);
        QCOMPARE(fromEnv->smtp->port, quint16(465));
        QCOMPARE(fromEnv->mailLanguage, QStringLiteral("es"));

        const QList<QStringList> bad{
            {QStringLiteral("--smtp"), QStringLiteral("http://mailer:hunter2@mail.example")},
            {QStringLiteral("--smtp"), QStringLiteral("smtp://mailer:hunter2@mail.example:99999")},
            {QStringLiteral("--smtp"), QStringLiteral("smtp://mailer:hunter2@")},
            {QStringLiteral("--smtp-from"), QStringLiteral("depot\r\nBcc: x@example.com")},
            {QStringLiteral("--mail-language"), QStringLiteral("it")},
            {QStringLiteral("--public-url"), QStringLiteral("ftp://depot.example")}};
        for (const QStringList &args : bad) {
            const auto refused = parse(args);
            QVERIFY2(!refused, qPrintable(args.join(' ')));
            const QString message = refused.error().message;
            QVERIFY2(message.startsWith(QStringLiteral("--") + args[0].mid(2) + QLatin1Char(':')),
                     qPrintable(message));
            QVERIFY2(!message.contains(QLatin1String("hunter2")), qPrintable(message));
            QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
        }
    }

    void badSmtpStopsTheHub()
    {
        QProcess hub;
        hub.start(QStringLiteral(DEPOT_HUB_PATH),
                  {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--smtp"),
                   QStringLiteral("smtp://mailer:hunter2@mail.example/inbox")});
        QVERIFY(hub.waitForFinished(30'000));
        QCOMPARE(hub.exitCode(), 2);
        const QByteArray err = hub.readAllStandardError();
        QCOMPARE(err.trimmed().count('\n'), 0);
        QVERIFY2(err.startsWith("depot-hub: --smtp: "), err.constData());
        QVERIFY2(!err.contains("hunter2"), err.constData());
    }

    void hubBuildsTheMailWithSmtp()
    {
        SmtpServer server({});
        QVERIFY(server.port());
        QTemporaryDir dir;
        HubConfig config;
        config.host = QHostAddress::LocalHost;
        config.hostText = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.osmandPort = 0;
        config.tileUrl = QStringLiteral("none");
        config.dataDir = dir.path();
        config.adminPassword = QStringLiteral("pw");
        config.smtp = SmtpUrl::parse(QStringLiteral("smtp://127.0.0.1:%1").arg(server.port()));
        config.smtpFrom = QStringLiteral("depot@depot.example");
        config.mailLanguage = QStringLiteral("de");
        Hub hub(config);
        const auto error = hub.start();
        QVERIFY2(!error, error ? qPrintable(error->message) : "");
        // The translations are in the program, depot-hub's included.
        for (const char *language : {"de", "es", "fr"})
            QVERIFY2(
                QFile::exists(
                    QStringLiteral(":/depot/mail-i18n/depot_%1.qm").arg(QLatin1String(language))),
                language);
        QVERIFY(hub.mailChannel());
        QVERIFY(hub.mailProducer());
        QCOMPARE(hub.mailChannel()->name(), QStringLiteral("email"));

        NewPackage fields;
        fields.recipientName = QStringLiteral("Grace Hopper");
        fields.address = QStringLiteral("1 Harbour St");
        fields.latitude = 52.5;
        fields.longitude = 13.4;
        fields.recipientEmail = QStringLiteral("grace@example.com");
        const auto created = hub.dispatch().createPackage(fields);
        QVERIFY(created);
        Package started = *created;
        started.status = PackageStatus::InProgress;
        std::vector<OutboxEntry> entries;
        hub.mailProducer()->entriesFor(&*created, started, {}, entries);
        QCOMPARE(entries.size(), size_t(1));
        QCOMPARE(QJsonDocument::fromJson(entries[0].payload)
                     .object()
                     .value(QStringLiteral("language"))
                     .toString(),
                 QStringLiteral("de"));
        std::optional<DeliveryOutcome> outcome;
        hub.mailChannel()->deliver(entries[0], [&](const DeliveryOutcome &o) { outcome = o; });
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 20'000);
        QVERIFY2(outcome->delivered, qPrintable(outcome->detail));
        // Without --public-url the link is the address the hub listens on.
        const QString body =
            parsedMessage(server.messagePath(1)).value(QStringLiteral("body")).toString();
        QVERIFY2(body.contains(QStringLiteral("http://127.0.0.1:%1/track/%2")
                                   .arg(hub.port())
                                   .arg(created->trackingCode)),
                 qPrintable(body));

        HubConfig without = config;
        without.smtp.reset();
        QTemporaryDir otherDir;
        without.dataDir = otherDir.path();
        Hub plain(without);
        QVERIFY(!plain.start());
        QVERIFY(!plain.mailChannel());
        QVERIFY(!plain.mailProducer());
    }

    void entryThatIsNoMessageIsPermanent()
    {
        MailChannel channel(options(1), m_clock);
        OutboxEntry bad = entry(QStringLiteral("delivered"), QStringLiteral("en"));
        bad.target = QStringLiteral("juergen@example.com\r\nRCPT TO:<other@example.com>");
        DeliveryOutcome outcome = deliver(channel, bad);
        QVERIFY(!outcome.delivered);
        QVERIFY(outcome.permanent);
        bad = entry(QStringLiteral("unheard of"), QStringLiteral("en"));
        outcome = deliver(channel, bad);
        QVERIFY(outcome.permanent);
    }
};

QTEST_GUILESS_MAIN(TestMail)
#include "tst_mail.moc"
