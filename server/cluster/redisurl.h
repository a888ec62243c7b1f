#pragma once

#include <QString>

#include <optional>

namespace depot {

/// Where a Redis server is: redis://[[user]:password@]host[:port][/db].
struct RedisUrl
{
    QString host;
    quint16 port = 6379;
    QString user;     // empty: the default user
    QString password; // empty: no AUTH
    int db = 0;

    /// The URL parsed, or nullopt with a one-line reason in error.
    static std::optional<RedisUrl> parse(const QString &text, QString *error = nullptr);
    /// host:port, for logs (never the password).
    QString displayName() const;
};

} // namespace depot
