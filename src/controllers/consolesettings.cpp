#include "consolesettings.h"

namespace depot {

namespace {
const QString kThemeKey = QStringLiteral("console/theme");
const QString kSystemTheme = QStringLiteral("system");
} // namespace

ConsoleSettings::ConsoleSettings(const QString &filePath, QObject *parent)
    : QObject(parent)
    , m_settings(filePath, QSettings::IniFormat)
{
    const QString stored = m_settings.value(kThemeKey).toString();
    // A file edited by hand with an unknown theme falls back to the default.
    m_theme = themes().contains(stored) ? stored : kSystemTheme;
}

QString ConsoleSettings::defaultFileName()
{
    return QStringLiteral("console.ini");
}

QStringList ConsoleSettings::themes()
{
    return {kSystemTheme, QStringLiteral("light"), QStringLiteral("dark")};
}

void ConsoleSettings::setTheme(const QString &theme)
{
    if (theme == m_theme || !themes().contains(theme))
        return;
    m_theme = theme;
    m_settings.setValue(kThemeKey, theme);
    // Written now: the console may be killed rather than closed.
    m_settings.sync();
    Q_EMIT themeChanged();
}

} // namespace depot
