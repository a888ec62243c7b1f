#pragma once

#include "core/result.h"
#include "core/types.h"

#include <QDateTime>
#include <QJsonObject>

#include <optional>

namespace depot {

namespace json {
class ScalarObject;
}

/// Parses the fields of a fix as the contract names them; used by REST and sockets alike.
/// A timestamp ahead of `now` (a phone's clock running fast) becomes `now`.
Result<Location> parseFix(const QJsonObject &body, const QDateTime &now);
/// The same fix from a plain object read in place, when every field is valid and in the plain
/// form; nullopt otherwise, and parseFix then gives the answer (or the error).
std::optional<Location> parsePlainFix(const json::ScalarObject &body, const QDateTime &now);

} // namespace depot
