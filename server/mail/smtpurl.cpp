#include "smtpurl.h"

#include <QUrl>

namespace depot {

std::optional<SmtpUrl> SmtpUrl::parse(const QString &text, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<SmtpUrl> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("smtp") && scheme != QLatin1String("smtps")))
        return fail(QStringLiteral("expected smtp://[user:password@]host[:port] or smtps://..."));
    if (url.host().isEmpty())
        return fail(QStringLiteral("the URL names no host"));
    if (!(url.path().isEmpty() || url.path() == QLatin1String("/")) || url.hasQuery() ||
        url.hasFragment())
        return fail(QStringLiteral("the URL takes no path, query or fragment"));
    SmtpUrl parsed;
    parsed.implicitTls = scheme == QLatin1String("smtps");
    parsed.host = url.host();
    const int port = url.port(parsed.implicitTls ? kSubmissionsPort : kSubmissionPort);
    if (port < 1 || port > 65535)
        return fail(QStringLiteral("the port must be 1 to 65535"));
    parsed.port = quint16(port);
    parsed.user = url.userName(QUrl::FullyDecoded);
    parsed.password = url.password(QUrl::FullyDecoded);
    if (parsed.user.isEmpty() && !parsed.password.isEmpty())
        return fail(QStringLiteral("a password needs a user name"));
    return parsed;
}

QString SmtpUrl::displayName() const
{
    const bool v6 = host.contains(QLatin1Char(':'));
    return QStringLiteral("%1://%2%3:%4")
        .arg(implicitTls ? QStringLiteral("smtps") : QStringLiteral("smtp"),
             user.isEmpty() ? QString() : user + QLatin1Char('@'),
             v6 ? QLatin1Char('[') + host + QLatin1Char(']') : host)
        .arg(port);
}

} // namespace depot
