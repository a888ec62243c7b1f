#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace depot {

/// Why a command was refused; the REST layer maps each code to one HTTP status.
enum class ErrorCode {
    BadRequest,
    ValidationFailed,
    Unauthorized,
    Forbidden,
    NotFound,
    InvalidTransition,
    Conflict,
    PayloadTooLarge,
    RateLimited,
    Internal,
    /// The database cannot be reached now; nothing was changed (503 store_unavailable).
    StoreUnavailable,
    /// The depot requires a proof of delivery before this (422 proof_required).
    ProofRequired,
};

struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    int retryAfterSeconds = 0; // RateLimited: when to ask again (HTTP Retry-After)
};

/// The value of a command or the reason it was refused.
template <class T> class Result
{
public:
    Result(T value)
        : m_v(std::move(value))
    {}
    Result(Error error)
        : m_v(std::move(error))
    {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return std::get<0>(m_v); }
    T &value() & { return std::get<0>(m_v); }
    T &&value() && { return std::get<0>(std::move(m_v)); }
    const T *operator->() const { return &std::get<0>(m_v); }
    const T &operator*() const { return std::get<0>(m_v); }
    const Error &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

struct Done
{
};

inline Error makeError(ErrorCode code, QString message)
{
    return Error{code, std::move(message)};
}

} // namespace depot
