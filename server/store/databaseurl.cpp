#include "databaseurl.h"

#include <QUrl>

namespace depot {

QString DatabaseUrl::withoutPassword(const QString &text)
{
    const QUrl url(text);
    return url.isValid() && !url.password().isEmpty() ? url.toString(QUrl::RemovePassword) : text;
}

QString DatabaseUrl::redacted() const
{
    if (kind == Kind::Sqlite)
        return QStringLiteral("sqlite:") + sqlitePath;
    return QStringLiteral("postgres://%1@%2:%3/%4").arg(user, host).arg(port).arg(databaseName);
}

std::optional<DatabaseUrl> DatabaseUrl::parse(const QString &text, QString *why)
{
    auto fail = [why](const char *reason) {
        if (why)
            *why = QString::fromLatin1(reason);
        return std::nullopt;
    };
    DatabaseUrl db;
    if (text.startsWith(QLatin1String("sqlite:"))) {
        db.sqlitePath = text.mid(7);
        if (db.sqlitePath.isEmpty())
            return fail("sqlite: without a file path");
        return db;
    }
    if (!text.startsWith(QLatin1String("postgres://")) &&
        !text.startsWith(QLatin1String("postgresql://")))
        return fail("an unknown kind of database");
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return fail("not a valid URL");
    db.kind = Kind::Postgres;
    db.host = url.host();
    db.port = url.port(5432);
    if (db.port < 1 || db.port > 65535)
        return fail("the port is not from 1 to 65535");
    db.user = url.userName(QUrl::FullyDecoded);
    db.password = url.password(QUrl::FullyDecoded);
    db.databaseName = url.path(QUrl::FullyDecoded).mid(1);
    if (db.user.isEmpty())
        return fail("no user");
    if (db.databaseName.isEmpty() || db.databaseName.contains(QLatin1Char('/')))
        return fail("no database name");
    if (url.hasQuery() || url.hasFragment())
        return fail("a query or fragment, which Depot does not take");
    return db;
}

} // namespace depot
