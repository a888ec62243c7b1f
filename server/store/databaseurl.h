#pragma once

#include <QString>

#include <optional>

namespace depot {

/// Where the hub keeps its data: `sqlite:PATH` or `postgres://user:password@host:port/dbname`
/// (also `postgresql://`; user and password percent-encoded).
struct DatabaseUrl
{
    enum class Kind { Sqlite, Postgres };
    Kind kind = Kind::Sqlite;
    QString sqlitePath; // Sqlite: the file
    // Postgres:
    QString host;
    int port = 5432;
    QString user;
    QString password;
    QString databaseName;

    /// The URL for a log line: the password left out.
    QString redacted() const;

    /// `text` with the password of a URL left out, for messages about a URL that may be bad.
    static QString withoutPassword(const QString &text);
    /// The URL parsed, or nullopt with `why` (a few words) set.
    static std::optional<DatabaseUrl> parse(const QString &text, QString *why);
};

} // namespace depot
