#pragma once

#include "types.h"

#include <QHash>
#include <QString>

#include <algorithm>
#include <vector>

namespace depot {

/// Which packages each courier carries (assigned or in progress), each courier's in the order of
/// the package list. Kept beside a package table: by DispatchService, and by the console's copy.
class CarriedPackages
{
public:
    /// Keeps the index in step with a package that was `before` (null when new) and is `after`;
    /// `position(id)` is a package's place in the package list.
    template <typename Position>
    void update(const Package *before, const Package &after, Position position)
    {
        if (before && isCarried(*before)) {
            auto it = m_byCourier.find(before->deliveryPersonId);
            if (it != m_byCourier.end()) {
                std::erase(*it, before->id);
                if (it->empty())
                    m_byCourier.erase(it);
            }
        }
        if (!isCarried(after))
            return;
        std::vector<QString> &ids = m_byCourier[after.deliveryPersonId];
        const qsizetype at = position(after.id);
        ids.insert(std::find_if(ids.begin(), ids.end(),
                                [&](const QString &id) { return position(id) > at; }),
                   after.id);
    }

    /// A courier's packages, those in progress first; `find(id)` gives a package by its id.
    template <typename Find>
    std::vector<const Package *> of(const QString &courierId, Find find) const
    {
        std::vector<const Package *> inProgress, assigned;
        const auto carried = m_byCourier.constFind(courierId);
        if (carried == m_byCourier.cend())
            return inProgress;
        for (const QString &id : *carried) {
            const Package *p = find(id);
            (p->status == PackageStatus::InProgress ? inProgress : assigned).push_back(p);
        }
        inProgress.insert(inProgress.end(), assigned.begin(), assigned.end());
        return inProgress;
    }

    void clear() { m_byCourier.clear(); }

private:
    static bool isCarried(const Package &p)
    {
        return !p.deliveryPersonId.isEmpty() &&
               (p.status == PackageStatus::InProgress || p.status == PackageStatus::Assigned);
    }

    QHash<QString, std::vector<QString>> m_byCourier; // courier id -> carried package ids
};

} // namespace depot
