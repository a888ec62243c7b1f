// The dispatcher's theme survives a restart: it is kept in console.ini in the data dir, the
// window starts in it, and the theme button stores the next one at once.
#include "consolesettings.h"
#include "dispatchfixture.h"
#include "loadedconsole.h"
#include "quickfind.h"

#include <QQuickStyle>
#include <QSettings>
#include <QSignalSpy>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)
Q_IMPORT_QML_PLUGIN(Depot_ModelsPlugin)

using namespace depot;
using namespace Qt::StringLiterals;

namespace {
// Theme.window in light and dark.
const QColor kLightWindow(u"#f3f5f7"_s);
const QColor kDarkWindow(u"#1b1f23"_s);
} // namespace

class tst_ConsoleSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void defaultFollowsTheSystem();
    void themeIsStoredAtOnce();
    void unknownThemeIsIgnored();
    void windowStartsInTheStoredTheme();
    void themeButtonSurvivesARestart();

private:
    QString settingsPath() const { return m_dir.filePath(ConsoleSettings::defaultFileName()); }
    QTemporaryDir m_dir;
};

void tst_ConsoleSettings::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QQuickStyle::setStyle(u"Fusion"_s);
}

void tst_ConsoleSettings::defaultFollowsTheSystem()
{
    QTemporaryDir dir;
    ConsoleSettings settings(dir.filePath(ConsoleSettings::defaultFileName()));
    QCOMPARE(settings.theme(), u"system"_s);
    // Reading writes nothing.
    QVERIFY(!QFile::exists(dir.filePath(ConsoleSettings::defaultFileName())));
}

void tst_ConsoleSettings::themeIsStoredAtOnce()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(ConsoleSettings::defaultFileName());
    {
        ConsoleSettings settings(path);
        QSignalSpy changed(&settings, &ConsoleSettings::themeChanged);
        settings.setTheme(u"dark"_s);
        QCOMPARE(changed.size(), 1);
        settings.setTheme(u"dark"_s);
        QCOMPARE(changed.size(), 1);
        // On disk before the object goes: a killed console keeps it too.
        QCOMPARE(QSettings(path, QSettings::IniFormat).value(u"console/theme"_s).toString(),
                 u"dark"_s);
    }
    ConsoleSettings reopened(path);
    QCOMPARE(reopened.theme(), u"dark"_s);
}

void tst_ConsoleSettings::unknownThemeIsIgnored()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(ConsoleSettings::defaultFileName());
    ConsoleSettings settings(path);
    settings.setTheme(u"light"_s);
    settings.setTheme(u"purple"_s);
    QCOMPARE(settings.theme(), u"light"_s);
    // A file edited by hand with a theme the console does not know: the default.
    QSettings(path, QSettings::IniFormat).setValue(u"console/theme"_s, u"neon"_s);
    QCOMPARE(ConsoleSettings(path).theme(), u"system"_s);
}

void tst_ConsoleSettings::windowStartsInTheStoredTheme()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    for (const auto &[theme, color] :
         {std::pair{u"dark"_s, kDarkWindow}, std::pair{u"light"_s, kLightWindow}}) {
        QTemporaryDir dir;
        ConsoleSettings settings(dir.filePath(ConsoleSettings::defaultFileName()));
        settings.setTheme(theme);
        LoadedConsole console(controller, &settings);
        QVERIFY(console.window);
        QCOMPARE(console.window->color(), color);
        QVERIFY2(console.warnings.isEmpty(), qPrintable(console.warnings.join(u'\n')));
    }
}

void tst_ConsoleSettings::themeButtonSurvivesARestart()
{
    DispatchFixture f;
    ConsoleController controller(f.service, f.auth);
    QString shownLabel;
    {
        ConsoleSettings settings(settingsPath());
        settings.setTheme(u"light"_s);
        LoadedConsole console(controller, &settings);
        QVERIFY(console.window);
        QVERIFY(QTest::qWaitForWindowExposed(console.window));
        QQuickItem *button = findItem(console.top(), u"themeButton"_s);
        QVERIFY(button);
        // Light, then dark: clicked like the dispatcher does.
        const QPoint centre =
            button->mapToScene(QPointF(button->width() / 2, button->height() / 2)).toPoint();
        QTest::mouseClick(console.window, Qt::LeftButton, {}, centre);
        QTRY_COMPARE(settings.theme(), u"dark"_s);
        QCOMPARE(console.window->color(), kDarkWindow);
        shownLabel = button->property("text").toString();
    }
    // The next start reads the file again.
    ConsoleSettings restarted(settingsPath());
    QCOMPARE(restarted.theme(), u"dark"_s);
    LoadedConsole console(controller, &restarted);
    QVERIFY(console.window);
    QCOMPARE(console.window->color(), kDarkWindow);
    QCOMPARE(findItem(console.top(), u"themeButton"_s)->property("text").toString(), shownLabel);
}

QTEST_MAIN(tst_ConsoleSettings)
#include "tst_consolesettings.moc"
