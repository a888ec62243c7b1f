#pragma once

#include "consolecontroller.h"
#include "consolesettings.h"
#include "qrimageprovider.h"

#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTest>

#include <functional>
#include <memory>

namespace depot {

/// The console's whole window (Main.qml) loaded as depot loads it, for tests.
struct LoadedConsole
{
    /// Loads the window over `controller`, with `settings` when given; check window after.
    LoadedConsole(ConsoleController &controller, ConsoleSettings *settings = nullptr)
    {
        using namespace Qt::StringLiterals;
        engine.addImportPath(u"qrc:/qt/qml"_s);
        engine.addImageProvider(u"qr"_s, new QrImageProvider);
        QObject::connect(&engine, &QQmlEngine::warnings, &engine,
                         [this](const QList<QQmlError> &list) {
                             for (const QQmlError &e : list)
                                 warnings << e.toString();
                         });
        QVariantMap properties{{u"listeningUrl"_s, u"http://0.0.0.0:3000"_s},
                               {u"generatedPassword"_s, QString()},
                               {u"controller"_s, QVariant::fromValue(&controller)}};
        if (settings)
            properties.insert(u"settings"_s, QVariant::fromValue(settings));
        engine.setInitialProperties(properties);
        engine.load(QUrl(u"qrc:/qt/qml/Depot/Console/Main.qml"_s));
        if (!engine.rootObjects().isEmpty())
            window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    }

    /// The top of the visual tree: header and footer hang off the content item's parent.
    QQuickItem *top() const
    {
        QQuickItem *item = window->contentItem();
        while (item->parentItem())
            item = item->parentItem();
        return item;
    }

    /// Every `text` shown by a visible item of the window (labels, buttons, titles).
    QStringList visibleTexts() const
    {
        QStringList texts;
        std::function<void(QQuickItem *)> walk = [&](QQuickItem *item) {
            if (!item->isVisible())
                return;
            const QVariant text = item->property("text");
            if (text.metaType() == QMetaType::fromType<QString>() && !text.toString().isEmpty())
                texts << text.toString();
            for (QQuickItem *child : item->childItems())
                walk(child);
        };
        walk(top());
        return texts;
    }

    QQmlApplicationEngine engine;
    QQuickWindow *window = nullptr;
    QStringList warnings;
};

} // namespace depot
