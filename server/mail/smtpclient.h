#pragma once

#include "smtpurl.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslSocket>
#include <QStringList>
#include <QTimer>

#include <functional>

namespace depot {

/// How one attempt to hand a message to the SMTP server ended.
struct SmtpResult
{
    bool sent = false;
    bool permanent = false; // the server refused for good (5xx): no retry mends it
    int code = 0;           // the server's last reply code, 0 when it never answered
    QString detail;         // one line: the server's reply or what went wrong
};

/// Hands one message to an SMTP server over one connection (RFC 5321): EHLO, STARTTLS when the
/// server offers it and EHLO again, AUTH PLAIN or LOGIN when a user is given (never over a
/// connection without TLS), MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. Every step has
/// a deadline. Use one client per message.
class SmtpClient : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        SmtpUrl server;
        QString heloName = QStringLiteral("localhost"); // the name EHLO gives
        int timeoutMs = 60'000;                         // for each reply of the server
        QList<QSslCertificate> caCertificates;          // trusted besides the system's
    };

    explicit SmtpClient(Options options, QObject *parent = nullptr);
    ~SmtpClient() override;

    /// Starts sending `message` (RFC 5322, CRLF line ends) from `from` to `to` (plain
    /// addresses); `done` is called once, later.
    void send(const QString &from, const QString &to, const QByteArray &message,
              std::function<void(const SmtpResult &)> done);

    /// `message` as it goes after DATA: lines starting with "." doubled, CRLF at the end.
    static QByteArray dotStuffed(const QByteArray &message);

private:
    enum class Step {
        Greeting,
        Ehlo,
        Helo,
        StartTls,
        AuthPlain,
        AuthLogin,
        AuthLoginUser,
        AuthLoginPassword,
        MailFrom,
        RcptTo,
        Data,
        Body,
        Quit,
    };

    void onReadyRead();
    void onReply(int code, const QStringList &lines);
    void afterEhlo(const QStringList &lines);
    void authenticate();
    void command(const QByteArray &line, Step next);
    void finish(SmtpResult result);
    void failWithReply(int code, const QStringList &lines);

    Options m_options;
    QSslSocket m_socket;
    QTimer m_deadline;
    Step m_step = Step::Greeting;
    QByteArray m_buffer;
    QStringList m_replyLines;
    QStringList m_capabilities;
    QString m_from;
    QString m_to;
    QByteArray m_message;
    std::function<void(const SmtpResult &)> m_done;
    bool m_finished = false;
};

} // namespace depot
