#include "smtpclient.h"

#include <QSslConfiguration>

#include <algorithm>

namespace depot {

namespace {

// A reply longer than this is not an SMTP server's: the connection ends.
constexpr qsizetype kMaxReplyBytes = 64 * 1024;

QByteArray base64(const QString &text)
{
    return text.toUtf8().toBase64();
}

} // namespace

SmtpClient::SmtpClient(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        finish({false, false, 0,
                QStringLiteral("%1 did not answer in time").arg(m_options.server.displayName())});
    });
    connect(&m_socket, &QSslSocket::readyRead, this, &SmtpClient::onReadyRead);
    connect(&m_socket, &QSslSocket::encrypted, this, [this] {
        // After STARTTLS the server forgets what was said before: greet it again. With smtps
        // the greeting is still to come.
        if (m_step == Step::StartTls)
            command("EHLO " + m_options.heloName.toUtf8(), Step::Ehlo);
    });
    connect(&m_socket, &QSslSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        finish(
            {false, false, 0,
             QStringLiteral("%1: %2").arg(m_options.server.displayName(), m_socket.errorString())});
    });
    connect(&m_socket, &QSslSocket::disconnected, this, [this] {
        finish({false, false, 0,
                QStringLiteral("%1 closed the connection").arg(m_options.server.displayName())});
    });
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    if (!m_options.caCertificates.isEmpty())
        tls.addCaCertificates(m_options.caCertificates);
    m_socket.setSslConfiguration(tls);
    m_socket.setPeerVerifyName(m_options.server.host);
}

SmtpClient::~SmtpClient()
{
    m_finished = true; // no callbacks from the socket's teardown
    m_socket.disconnect(this);
    m_socket.abort();
}

void SmtpClient::send(const QString &from, const QString &to, const QByteArray &message,
                      std::function<void(const SmtpResult &)> done)
{
    m_from = from;
    m_to = to;
    m_message = message;
    m_done = std::move(done);
    m_step = Step::Greeting;
    // An address goes into a command line as it is: nothing in it may end or bend that line.
    const auto unsafe = [](const QString &address) {
        return address.isEmpty() || std::any_of(address.begin(), address.end(), [](QChar c) {
                   return c.unicode() <= 0x20 || c.unicode() == 0x7f || c == QLatin1Char('<') ||
                          c == QLatin1Char('>');
               });
    };
    if (unsafe(from) || unsafe(to)) {
        QTimer::singleShot(0, this, [this] {
            finish({false, true, 0, QStringLiteral("not an address SMTP can carry")});
        });
        return;
    }
    m_deadline.start(m_options.timeoutMs);
    if (m_options.server.implicitTls)
        m_socket.connectToHostEncrypted(m_options.server.host, m_options.server.port);
    else
        m_socket.connectToHost(m_options.server.host, m_options.server.port);
}

QByteArray SmtpClient::dotStuffed(const QByteArray &message)
{
    QByteArray out = message;
    out.replace("\r\n.", "\r\n..");
    if (out.startsWith('.'))
        out.prepend('.');
    if (!out.endsWith("\r\n"))
        out += "\r\n";
    return out;
}

void SmtpClient::onReadyRead()
{
    if (m_finished)
        return;
    m_buffer += m_socket.readAll();
    qsizetype end;
    while (!m_finished && (end = m_buffer.indexOf("\r\n")) >= 0) {
        const QByteArray line = m_buffer.left(end);
        m_buffer.remove(0, end + 2);
        bool ok = false;
        const int code = line.left(3).toInt(&ok);
        if (!ok || code < 100 || code > 599 ||
            (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
            return finish({false, false, 0,
                           QStringLiteral("%1 answered something that is not SMTP")
                               .arg(m_options.server.displayName())});
        m_replyLines << QString::fromUtf8(line.mid(4));
        if (line.size() > 3 && line[3] == '-')
            continue; // a multi-line reply goes on
        const QStringList lines = std::exchange(m_replyLines, {});
        onReply(code, lines);
    }
    if (m_buffer.size() + m_replyLines.join(QString()).size() > kMaxReplyBytes)
        finish({false, false, 0,
                QStringLiteral("%1 sent a reply too long").arg(m_options.server.displayName())});
}

void SmtpClient::command(const QByteArray &line, Step next)
{
    m_step = next;
    m_deadline.start(m_options.timeoutMs);
    m_socket.write(line + "\r\n");
}

void SmtpClient::onReply(int code, const QStringList &lines)
{
    m_deadline.start(m_options.timeoutMs);
    switch (m_step) {
    case Step::Greeting:
        if (code != 220)
            return failWithReply(code, lines);
        return command("EHLO " + m_options.heloName.toUtf8(), Step::Ehlo);
    case Step::Ehlo:
        if (code == 250)
            return afterEhlo(lines);
        // A server of before 1995: plain HELO, no extensions.
        if (code >= 500 && !m_socket.isEncrypted())
            return command("HELO " + m_options.heloName.toUtf8(), Step::Helo);
        return failWithReply(code, lines);
    case Step::Helo:
        if (code != 250)
            return failWithReply(code, lines);
        m_capabilities.clear();
        return authenticate();
    case Step::StartTls:
        if (code != 220)
            return failWithReply(code, lines);
        m_deadline.start(m_options.timeoutMs);
        m_socket.startClientEncryption();
        return;
    case Step::AuthPlain:
    case Step::AuthLoginPassword:
        if (code != 235)
            return failWithReply(code, lines);
        return command("MAIL FROM:<" + m_from.toUtf8() + ">", Step::MailFrom);
    case Step::AuthLogin:
        if (code != 334)
            return failWithReply(code, lines);
        return command(base64(m_options.server.user), Step::AuthLoginUser);
    case Step::AuthLoginUser:
        if (code != 334)
            return failWithReply(code, lines);
        return command(base64(m_options.server.password), Step::AuthLoginPassword);
    case Step::MailFrom:
        if (code != 250)
            return failWithReply(code, lines);
        return command("RCPT TO:<" + m_to.toUtf8() + ">", Step::RcptTo);
    case Step::RcptTo:
        if (code != 250 && code != 251)
            return failWithReply(code, lines);
        return command("DATA", Step::Data);
    case Step::Data:
        if (code != 354)
            return failWithReply(code, lines);
        m_step = Step::Body;
        m_socket.write(dotStuffed(m_message) + ".\r\n");
        return;
    case Step::Body: {
        if (code != 250)
            return failWithReply(code, lines);
        command("QUIT", Step::Quit);
        return finish({true, false, code, QStringLiteral("%1 %2").arg(code).arg(lines.join(' '))});
    }
    case Step::Quit:
        return;
    }
}

void SmtpClient::afterEhlo(const QStringList &lines)
{
    m_capabilities.clear();
    for (qsizetype i = 1; i < lines.size(); ++i)
        m_capabilities << lines.at(i).toUpper();
    if (!m_socket.isEncrypted() && m_capabilities.contains(QStringLiteral("STARTTLS")))
        return command("STARTTLS", Step::StartTls);
    authenticate();
}

void SmtpClient::authenticate()
{
    if (m_options.server.user.isEmpty())
        return command("MAIL FROM:<" + m_from.toUtf8() + ">", Step::MailFrom);
    if (!m_socket.isEncrypted())
        return finish(
            {false, false, 0,
             QStringLiteral("%1 offers no STARTTLS: the password is not sent in the clear")
                 .arg(m_options.server.displayName())});
    QStringList mechanisms;
    for (const QString &capability : std::as_const(m_capabilities)) {
        if (capability.startsWith(QLatin1String("AUTH ")) ||
            capability.startsWith(QLatin1String("AUTH=")))
            mechanisms += capability.mid(5).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    }
    if (mechanisms.contains(QStringLiteral("PLAIN"))) {
        const QByteArray credentials =
            '\0' + m_options.server.user.toUtf8() + '\0' + m_options.server.password.toUtf8();
        return command("AUTH PLAIN " + credentials.toBase64(), Step::AuthPlain);
    }
    if (mechanisms.contains(QStringLiteral("LOGIN")))
        return command("AUTH LOGIN", Step::AuthLogin);
    finish({false, true, 0,
            QStringLiteral("%1 offers neither AUTH PLAIN nor AUTH LOGIN")
                .arg(m_options.server.displayName())});
}

void SmtpClient::failWithReply(int code, const QStringList &lines)
{
    if (m_socket.state() == QAbstractSocket::ConnectedState)
        m_socket.write("QUIT\r\n");
    finish({false, code >= 500, code, QStringLiteral("%1 %2").arg(code).arg(lines.join(' '))});
}

void SmtpClient::finish(SmtpResult result)
{
    if (m_finished)
        return;
    m_finished = true;
    m_deadline.stop();
    if (m_socket.state() == QAbstractSocket::ConnectedState)
        m_socket.disconnectFromHost(); // after what is written (QUIT) has gone out
    if (m_done)
        std::exchange(m_done, {})(result);
}

} // namespace depot
