#pragma once

#include <QString>

#include <optional>

namespace depot {

/// Where the depot's mail goes out: smtp://[user[:password]@]host[:port] (STARTTLS when the
/// server offers it, port 587 unless given) or smtps://... (TLS from the first byte, port 465).
/// User and password are percent-decoded.
struct SmtpUrl
{
    QString host;
    quint16 port = 587;
    bool implicitTls = false; // smtps://
    QString user;             // empty: no AUTH
    QString password;

    static constexpr quint16 kSubmissionPort = 587;
    static constexpr quint16 kSubmissionsPort = 465;

    /// The URL parsed, or nullopt with a one-line reason in `error` that never repeats the
    /// password.
    static std::optional<SmtpUrl> parse(const QString &text, QString *error = nullptr);
    /// scheme://[user@]host:port, for logs (never the password).
    QString displayName() const;
};

} // namespace depot
