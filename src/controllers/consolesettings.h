#pragma once

#include <QObject>
#include <QSettings>
#include <QtQml/qqmlregistration.h>

namespace depot {

/// The dispatcher's choices that outlive a restart (the theme), kept in an INI file in the
/// hub's data dir, beside the database.
class ConsoleSettings : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY themeChanged)

public:
    /// Reads (and later writes) `filePath`; a missing file gives the defaults.
    explicit ConsoleSettings(const QString &filePath, QObject *parent = nullptr);

    /// "console.ini": the file's name in the data dir.
    static QString defaultFileName();
    /// "system" (the default: light or dark as the system's palette is), "light" or "dark".
    static QStringList themes();

    QString theme() const { return m_theme; }
    /// Stores one of themes() at once; anything else is ignored.
    void setTheme(const QString &theme);

    QString fileName() const { return m_settings.fileName(); }

Q_SIGNALS:
    void themeChanged();

private:
    QSettings m_settings;
    QString m_theme;
};

} // namespace depot
