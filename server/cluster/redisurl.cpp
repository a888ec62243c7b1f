#include "redisurl.h"

#include <QUrl>

namespace depot {

std::optional<RedisUrl> RedisUrl::parse(const QString &text, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<RedisUrl> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("redis"))
        return fail(QStringLiteral("expected redis://[:password@]host[:port][/db]"));
    if (url.host().isEmpty())
        return fail(QStringLiteral("the URL names no host"));
    if (url.hasQuery() || url.hasFragment())
        return fail(QStringLiteral("the URL takes no query or fragment"));
    RedisUrl parsed;
    parsed.host = url.host();
    const int port = url.port(6379);
    if (port < 1 || port > 65535)
        return fail(QStringLiteral("the port must be 1 to 65535"));
    parsed.port = quint16(port);
    parsed.user = url.userName(QUrl::FullyDecoded);
    parsed.password = url.password(QUrl::FullyDecoded);
    QString path = url.path();
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        parsed.db = path.toInt(&ok);
        if (!ok || parsed.db < 0)
            return fail(QStringLiteral("the database must be a number, e.g. /0"));
    }
    return parsed;
}

QString RedisUrl::displayName() const
{
    const bool v6 = host.contains(QLatin1Char(':'));
    return (v6 ? QLatin1Char('[') + host + QLatin1Char(']') : host) + QLatin1Char(':') +
           QString::number(port);
}

} // namespace depot
