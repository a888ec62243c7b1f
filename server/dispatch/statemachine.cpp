#include "statemachine.h"

namespace depot {

std::optional<PackageStatus> nextStatus(PackageStatus from, PackageAction action)
{
    using S = PackageStatus;
    switch (action) {
    case PackageAction::Assign:
        if (from == S::Pending || from == S::Assigned)
            return S::Assigned;
        break;
    case PackageAction::Start:
        if (from == S::Assigned)
            return S::InProgress;
        break;
    case PackageAction::Complete:
        if (from == S::InProgress)
            return S::Completed;
        break;
    case PackageAction::Fail:
        if (from == S::Assigned || from == S::InProgress)
            return S::Failed;
        break;
    case PackageAction::Cancel:
        if (from == S::Pending || from == S::Assigned || from == S::InProgress)
            return S::Cancelled;
        break;
    }
    return std::nullopt;
}

} // namespace depot
