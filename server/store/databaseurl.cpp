#include "databaseurl.h"

#include <QUrl>

namespace depot {

QString DatabaseUrl::redacted() const
{
    if (kind == Kind::Sqlite)
        return QStringLiteral("sqlite:") + sqlitePath;
    return QStringLiteral("postgres://%1@%2:%3/%4").arg(user, host).arg(port).arg(databaseName);
}

std::optional<DatabaseUrl> DatabaseUrl::parse(const QString &text, QString *why)
{
    auto fail = [why](const QString &reason) {
        if (why)
            *why = reason;
        return std::nullopt;
    };
    DatabaseUrl db;
    if (text.startsWith(QLatin1String("sqlite:"))) {
        db.sqlitePath = text.mid(7);
        if (db.sqlitePath.isEmpty())
            return fail(QStringLiteral("sqlite: needs a file path"));
        return db;
    }
    if (!text.startsWith(QLatin1String("postgres://")) &&
        !text.startsWith(QLatin1String("postgresql://")))
        return fail(QStringLiteral("'%1' is neither sqlite:PATH nor "
                                   "postgres://user:password@host:port/dbname")
                        .arg(text));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return fail(QStringLiteral("'%1' is not a valid postgres:// URL").arg(text));
    db.kind = Kind::Postgres;
    db.host = url.host();
    db.port = url.port(5432);
    if (db.port < 1 || db.port > 65535)
        return fail(QStringLiteral("the port of '%1' is not from 1 to 65535").arg(text));
    db.user = url.userName(QUrl::FullyDecoded);
    db.password = url.password(QUrl::FullyDecoded);
    db.databaseName = url.path(QUrl::FullyDecoded).mid(1);
    if (db.user.isEmpty())
        return fail(QStringLiteral("'%1' names no user").arg(text));
    if (db.databaseName.isEmpty() || db.databaseName.contains(QLatin1Char('/')))
        return fail(QStringLiteral("'%1' names no database").arg(text));
    if (url.hasQuery() || url.hasFragment())
        return fail(
            QStringLiteral("'%1' has a query or fragment, which Depot does not take").arg(text));
    return db;
}

} // namespace depot
