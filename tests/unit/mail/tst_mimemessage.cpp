// Customer e-mail without a server: the MIME composer (encoded words, quoted-printable, no
// header injection), --smtp URLs, dot-stuffing, and the entries MailProducer makes.
#include "dispatch/fieldrules.h"
#include "mail/mailproducer.h"
#include "mail/mailtexts.h"
#include "mail/mimemessage.h"
#include "mail/smtpclient.h"
#include "mail/smtpurl.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace depot;

namespace {

/// The header lines of `message`, unfolded: name -> value as it stands.
QMap<QByteArray, QByteArray> headers(const QByteArray &message)
{
    const QByteArray head = message.left(message.indexOf("\r\n\r\n"));
    QByteArray unfolded = head;
    unfolded.replace("\r\n ", " ");
    QMap<QByteArray, QByteArray> out;
    for (const QByteArray &line : unfolded.split('\n')) {
        const QByteArray l = line.trimmed();
        const qsizetype colon = l.indexOf(':');
        if (colon > 0)
            out.insert(l.left(colon), l.mid(colon + 1).trimmed());
    }
    return out;
}

/// RFC 2047 "B" encoded words decoded and joined, as a mail reader shows them.
QString decodeWords(const QByteArray &value)
{
    static const QRegularExpression word(QStringLiteral("=\\?UTF-8\\?B\\?([A-Za-z0-9+/=]*)\\?="));
    QByteArray bytes;
    QString text = QString::fromLatin1(value);
    if (!text.contains(QLatin1String("=?")))
        return text;
    auto it = word.globalMatch(text);
    while (it.hasNext())
        bytes += QByteArray::fromBase64(it.next().captured(1).toLatin1());
    return QString::fromUtf8(bytes);
}

QString decodeQuotedPrintable(const QByteArray &encoded)
{
    QByteArray soft = encoded;
    soft.replace("=\r\n", "");
    QByteArray out;
    for (qsizetype i = 0; i < soft.size(); ++i) {
        if (soft[i] == '=' && i + 2 < soft.size() + 1) {
            out += char(soft.mid(i + 1, 2).toInt(nullptr, 16));
            i += 2;
        } else {
            out += soft[i];
        }
    }
    return QString::fromUtf8(out).replace(QLatin1String("\r\n"), QLatin1String("\n"));
}

QByteArray bodyOf(const QByteArray &message)
{
    return message.mid(message.indexOf("\r\n\r\n") + 4);
}

MailMessage sample()
{
    MailMessage m;
    m.fromAddress = QStringLiteral("depot@depot.example");
    m.toAddress = QStringLiteral("grace@example.com");
    m.toName = QStringLiteral("Grace Hopper");
    m.subject = QStringLiteral("Your parcel K3SBGMVN9V is on its way");
    m.body = QStringLiteral("Hello,\nline two\n");
    m.date = QDateTime(QDate(2026, 12, 3), QTime(18, 23, 22), Qt::UTC);
    m.messageId = QStringLiteral("9d56c0de-0000-4000-8000-000000000001@depot.example");
    return m;
}

Package package(PackageStatus status)
{
    Package p;
    p.id = QStringLiteral("9d56c0de-0000-4000-8000-000000000001");
    p.trackingCode = QStringLiteral("K3SBGMVN9V");
    p.recipientName = QStringLiteral("Grace Hopper");
    p.recipientEmail = QStringLiteral("grace@example.com");
    p.status = status;
    p.updatedAt = QDateTime(QDate(2026, 12, 3), QTime(18, 0), Qt::UTC);
    return p;
}

} // namespace

class TestMimeMessage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plainMessageHasEveryHeader()
    {
        const QByteArray message = mime::compose(sample());
        const auto h = headers(message);
        QCOMPARE(h.value("From"), QByteArray("<depot@depot.example>"));
        QCOMPARE(h.value("To"), QByteArray("Grace Hopper <grace@example.com>"));
        QCOMPARE(h.value("Subject"), QByteArray("Your parcel K3SBGMVN9V is on its way"));
        QCOMPARE(h.value("Date"), QByteArray("Thu, 03 Dec 2026 18:23:22 +0000"));
        QCOMPARE(h.value("Message-ID"),
                 QByteArray("<9d56c0de-0000-4000-8000-000000000001@depot.example>"));
        QCOMPARE(h.value("MIME-Version"), QByteArray("1.0"));
        QCOMPARE(h.value("Content-Type"), QByteArray("text/plain; charset=utf-8"));
        QCOMPARE(h.value("Content-Transfer-Encoding"), QByteArray("quoted-printable"));
        QCOMPARE(bodyOf(message), QByteArray("Hello,\r\nline two\r\n\r\n"));
        // Every line ends in CRLF: no bare LF reaches the SMTP server.
        QVERIFY(!QByteArray(message).replace("\r\n", "").contains('\n'));
    }

    void utf8SubjectAndNameAreEncodedWords()
    {
        MailMessage m = sample();
        m.subject = QStringLiteral("Ihr Paket wurde zugestellt – schöne Grüße aus Köln, "
                                   "Straße 12, mit einem sehr langen Betreff 📦");
        m.toName = QStringLiteral("Jürgen Müller");
        const QByteArray message = mime::compose(m);
        for (const QByteArray &line : message.split('\n'))
            QVERIFY2(line.size() <= 79, line.constData()); // 78 and the CR
        const auto h = headers(message);
        QVERIFY(h.value("Subject").startsWith("=?UTF-8?B?"));
        QCOMPARE(decodeWords(h.value("Subject")), m.subject);
        const QByteArray to = h.value("To");
        QVERIFY(to.endsWith(" <grace@example.com>"));
        QCOMPARE(decodeWords(to.left(to.indexOf(" <"))), m.toName);
    }

    void lineBreaksInFieldsAddNoHeader()
    {
        MailMessage m = sample();
        m.toName = QStringLiteral("Eve\r\nBcc: victim@example.com");
        m.subject = QStringLiteral("Hi\nX-Injected: yes");
        m.toAddress = QStringLiteral("grace@example.com>\r\nBcc: <other@example.com");
        const QByteArray message = mime::compose(m);
        const QByteArray head = message.left(message.indexOf("\r\n\r\n"));
        for (const QByteArray &line : head.split('\n')) {
            QVERIFY2(!line.startsWith("Bcc"), line.constData());
            QVERIFY2(!line.startsWith("X-Injected"), line.constData());
        }
        QCOMPARE(headers(message).value("Subject"), QByteArray("Hi X-Injected: yes"));
        QCOMPARE(mime::headerSafe(QStringLiteral(" a\r\n\tb\x01 c ")), QStringLiteral("a b c"));
    }

    void quotedNameWithSpecials()
    {
        QCOMPARE(mime::mailbox(QStringLiteral("Hopper, Grace \"Amazing\""),
                               QStringLiteral("g@example.com"), 4),
                 QByteArray("\"Hopper, Grace \\\"Amazing\\\"\" <g@example.com>"));
    }

    void bodyIsQuotedPrintable()
    {
        const QString text = QStringLiteral("Grüße = 100%\nTrailing space \n") +
                             QString(200, QLatin1Char('x')) + QStringLiteral("\n.dot\n");
        const QByteArray encoded = mime::quotedPrintable(text);
        QVERIFY(encoded.startsWith("Gr=C3=BC=C3=9Fe =3D 100%\r\nTrailing space=20\r\n"));
        for (const QByteArray &line : encoded.split('\n'))
            QVERIFY2(line.size() <= 77, line.constData()); // 76 and the CR
        QCOMPARE(decodeQuotedPrintable(encoded), text);
    }

    void dotStuffing()
    {
        QCOMPARE(SmtpClient::dotStuffed(".a\r\nb\r\n.\r\n..c"),
                 QByteArray("..a\r\nb\r\n..\r\n...c\r\n"));
        QCOMPARE(SmtpClient::dotStuffed("plain\r\n"), QByteArray("plain\r\n"));
    }

    void addresses()
    {
        for (const char *good : {"grace@example.com", "a.b+tag@sub.example.org", "jorg@bücher.de"})
            QVERIFY2(mime::isPlausibleAddress(QString::fromUtf8(good)), good);
        for (const char *bad :
             {"", "grace", "grace@", "@example.com", "grace@localhost", "a b@example.com",
              "a@b@example.com", "a..b@example.com", "a@example.com\r\nBcc: b@example.com",
              "<a@example.com>", "a@example.com\n", ".a@example.com", "a.@example.com"})
            QVERIFY2(!mime::isPlausibleAddress(QString::fromUtf8(bad)), bad);
        // REST and the console refuse what the mail layer would refuse.
        for (const char *bad : {"grace", "a b@example.com", "a@example.com\nBcc: b@example.com",
                                "a..b@example.com"}) {
            QString value = QString::fromUtf8(bad);
            QVERIFY2(FieldRules::email(value).has_value(), bad);
        }
        QString good = QStringLiteral(" grace@example.com ");
        QVERIFY(!FieldRules::email(good));
        QCOMPARE(good, QStringLiteral("grace@example.com"));
        QString tooLong = QString(250, QLatin1Char('a')) + QStringLiteral("@example.com");
        QCOMPARE(FieldRules::email(tooLong)->fault, FieldFault::TooLong);
        QString language = QStringLiteral("DE");
        QVERIFY(!FieldRules::language(language));
        QCOMPARE(language, QStringLiteral("de"));
        language = QStringLiteral("it");
        QCOMPARE(FieldRules::language(language)->error().message,
                 QStringLiteral("language must be one of en, de, es, fr"));
        QCOMPARE(FieldRules::languages(), mailtexts::languages());
    }

    void smtpUrls()
    {
        auto url =
            SmtpUrl::parse(QStringLiteral("smtp://mailer%40depot:p%40ss%3Aword@mail.example:2525"));
        QVERIFY(url);
        QCOMPARE(url->host, QStringLiteral("mail.example"));
        QCOMPARE(url->port, quint16(2525));
        QCOMPARE(url->user, QStringLiteral("mailer@depot"));
        QCOMPARE(url->password, QStringLiteral("p@ss:word"));
        QVERIFY(!url->implicitTls);
        QCOMPARE(url->displayName(), QStringLiteral("smtp://mailer@depot@mail.example:2525"));

        url = SmtpUrl::parse(QStringLiteral("smtp://mail.example"));
        QVERIFY(url);
        QCOMPARE(url->port, quint16(587));
        QVERIFY(url->user.isEmpty());
        url = SmtpUrl::parse(QStringLiteral("smtps://u:p@[::1]"));
        QVERIFY(url);
        QCOMPARE(url->port, quint16(465));
        QVERIFY(url->implicitTls);
        QCOMPARE(url->displayName(), QStringLiteral("smtps://u@[::1]:465"));

        for (const char *bad :
             {"", "mail.example", "http://mail.example", "smtp://", "smtp://mail.example:0",
              "smtp://mail.example:70000", "smtp://u:secret@mail.example/path",
              "smtp://mail.example?x=1", "smtp://:secret@mail.example"}) {
            QString why;
            QVERIFY2(!SmtpUrl::parse(QString::fromUtf8(bad), &why), bad);
            QVERIFY(!why.isEmpty());
            QVERIFY2(!why.contains(QLatin1String("secret")), qPrintable(why));
        }
    }

    void producerWritesOnTheThreeTransitions()
    {
        MailProducer producer({QStringLiteral("fr"), QStringLiteral("https://depot.example/")});
        std::vector<OutboxEntry> out;
        const Package assigned = package(PackageStatus::Assigned);
        Package started = package(PackageStatus::InProgress);
        producer.entriesFor(&assigned, started, {}, out);
        QCOMPARE(out.size(), size_t(1));
        const OutboxEntry &entry = out.front();
        QCOMPARE(entry.channel, QStringLiteral("email"));
        QCOMPARE(entry.target, QStringLiteral("grace@example.com"));
        QCOMPARE(entry.orderKey, started.id);
        QCOMPARE(entry.event, QStringLiteral("delivery:started"));
        QVERIFY(isUuid(entry.deliveryId));
        const QJsonObject payload = QJsonDocument::fromJson(entry.payload).object();
        QCOMPARE(payload.value(QStringLiteral("kind")).toString(),
                 QStringLiteral("out_for_delivery"));
        QCOMPARE(payload.value(QStringLiteral("language")).toString(), QStringLiteral("fr"));
        QCOMPARE(payload.value(QStringLiteral("recipientName")).toString(),
                 QStringLiteral("Grace Hopper"));
        QCOMPARE(payload.value(QStringLiteral("trackingUrl")).toString(),
                 QStringLiteral("https://depot.example/track/K3SBGMVN9V"));

        Package failed = package(PackageStatus::Failed);
        failed.reason = QStringLiteral("nobody at home");
        failed.language = QStringLiteral("de");
        producer.entriesFor(&started, failed, {}, out);
        QCOMPARE(out.size(), size_t(2));
        const QJsonObject failure = QJsonDocument::fromJson(out.back().payload).object();
        QCOMPARE(failure.value(QStringLiteral("kind")).toString(), QStringLiteral("failed"));
        QCOMPARE(failure.value(QStringLiteral("reason")).toString(),
                 QStringLiteral("nobody at home"));
        QCOMPARE(failure.value(QStringLiteral("language")).toString(), QStringLiteral("de"));

        const Package completed = package(PackageStatus::Completed);
        producer.entriesFor(&started, completed, {}, out);
        QCOMPARE(out.size(), size_t(3));
        QCOMPARE(out.back().event, QStringLiteral("delivery:completed"));
        QVERIFY(out.back().deliveryId != out.front().deliveryId);
    }

    void producerStaysQuietOtherwise()
    {
        MailProducer producer({});
        std::vector<OutboxEntry> out;
        // A new package, an assignment, a change that keeps the status, a cancellation.
        producer.entriesFor(nullptr, package(PackageStatus::Pending), {}, out);
        const Package pending = package(PackageStatus::Pending);
        producer.entriesFor(&pending, package(PackageStatus::Assigned), {}, out);
        const Package started = package(PackageStatus::InProgress);
        producer.entriesFor(&started, started, {}, out);
        producer.entriesFor(&started, package(PackageStatus::Cancelled), {}, out);
        // No address: no message.
        Package withoutAddress = package(PackageStatus::Completed);
        withoutAddress.recipientEmail.clear();
        producer.entriesFor(&started, withoutAddress, {}, out);
        QCOMPARE(out.size(), size_t(0));
        // No public URL: no link, the message still goes.
        producer.entriesFor(&pending, started, {}, out);
        QCOMPARE(out.size(), size_t(1));
        const QJsonObject payload = QJsonDocument::fromJson(out.front().payload).object();
        QCOMPARE(payload.value(QStringLiteral("trackingUrl")).toString(), QString());
        QCOMPARE(payload.value(QStringLiteral("language")).toString(), QStringLiteral("en"));
    }

    void englishTexts()
    {
        MailFacts facts;
        facts.kind = MailKind::Failed;
        facts.recipientName = QStringLiteral("Grace");
        facts.trackingCode = QStringLiteral("K3SBGMVN9V");
        facts.trackingUrl = QStringLiteral("https://depot.example/track/K3SBGMVN9V");
        facts.reason = QStringLiteral("nobody at home");
        QCOMPARE(mailtexts::subject(facts, nullptr),
                 QStringLiteral("We could not deliver your parcel K3SBGMVN9V"));
        const QString body = mailtexts::body(facts, nullptr);
        QVERIFY(body.startsWith(QLatin1String("Hello Grace,\n\n")));
        QVERIFY(body.contains(QLatin1String("Reason: nobody at home")));
        QVERIFY(body.contains(facts.trackingUrl));
        facts.kind = MailKind::Delivered;
        QVERIFY(!mailtexts::body(facts, nullptr).contains(QLatin1String("Reason")));
    }
};

QTEST_GUILESS_MAIN(TestMimeMessage)
#include "tst_mimemessage.moc"
