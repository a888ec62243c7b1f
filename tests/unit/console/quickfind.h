#pragma once

#include <QQuickItem>

namespace depot {

/// The first item under `root` (itself included) with this objectName, walking the visual tree:
/// delegates and Repeater items are not always QObject children of what shows them.
inline QQuickItem *findItem(QQuickItem *root, const QString &name)
{
    if (!root)
        return nullptr;
    if (root->objectName() == name)
        return root;
    for (QQuickItem *child : root->childItems()) {
        if (QQuickItem *found = findItem(child, name))
            return found;
    }
    return nullptr;
}

/// Every item under `root` (itself included) with this objectName, in tree order.
inline QList<QQuickItem *> findItems(QQuickItem *root, const QString &name)
{
    QList<QQuickItem *> found;
    if (!root)
        return found;
    if (root->objectName() == name)
        found << root;
    for (QQuickItem *child : root->childItems())
        found << findItems(child, name);
    return found;
}

} // namespace depot
