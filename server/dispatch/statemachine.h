#pragma once

#include "core/types.h"

#include <optional>

namespace depot {

/// The package status machine of the contract: the status an action leads to, or nothing when
/// the action is not allowed from that status. Assigning an ASSIGNED package is a reassignment and
/// is only allowed to another courier, which the caller checks.
std::optional<PackageStatus> nextStatus(PackageStatus from, PackageAction action);

} // namespace depot
