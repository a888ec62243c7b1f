// The console speaks the language asked for: --lang picks one of en, de, es, fr (anything else
// is refused with exit code 2), and the live window then shows the translated strings, which
// proves the .qm files are compiled in and loaded.
#include "consolelanguage.h"
#include "dispatchfixture.h"
#include "eventfeedmodel.h"
#include "loadedconsole.h"

#include <QCoreApplication>
#include <QProcess>
#include <QQuickStyle>
#include <QRegularExpression>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)
Q_IMPORT_QML_PLUGIN(Depot_ModelsPlugin)

using namespace depot;
using namespace Qt::StringLiterals;

class tst_ConsoleLanguage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void requestedCode_data();
    void requestedCode();
    void unknownCodeIsRefused();
    void systemLocaleChoosesTheLanguage();
    void liveWindowSpeaksTheLanguage_data();
    void liveWindowSpeaksTheLanguage();
    void commandLine();
};

void tst_ConsoleLanguage::initTestCase()
{
    QQuickStyle::setStyle(u"Fusion"_s);
}

void tst_ConsoleLanguage::requestedCode_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("code");
    QTest::newRow("none") << QStringList{u"depot"_s, u"--demo"_s} << QString();
    QTest::newRow("separate") << QStringList{u"depot"_s, u"--lang"_s, u"de"_s} << u"de"_s;
    QTest::newRow("joined") << QStringList{u"depot"_s, u"--demo"_s, u"--lang=fr"_s} << u"fr"_s;
    QTest::newRow("no value") << QStringList{u"depot"_s, u"--lang"_s} << QString();
    QTest::newRow("after --") << QStringList{u"depot"_s, u"--"_s, u"--lang=es"_s} << QString();
}

void tst_ConsoleLanguage::requestedCode()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, code);
    QCOMPARE(ConsoleLanguage::requestedCode(arguments), code);
}

void tst_ConsoleLanguage::unknownCodeIsRefused()
{
    ConsoleLanguage language;
    QVERIFY(language.load(u"de"_s));
    QVERIFY(!language.load(u"xx"_s));
    QVERIFY(!language.load(u"DE"_s));
    // A refused code leaves what was loaded.
    QCOMPARE(language.code(), u"de"_s);
    QCOMPARE(ConsoleLanguage::codes(), (QStringList{u"en"_s, u"de"_s, u"es"_s, u"fr"_s}));
}

void tst_ConsoleLanguage::systemLocaleChoosesTheLanguage()
{
    // Without --lang the system's language wins when the console has it; this test runs
    // under LC_ALL=C.UTF-8, which the console does not have: English.
    ConsoleLanguage language;
    QVERIFY(language.load(QString()));
    QCOMPARE(language.code(), u"en"_s);
    QVERIFY(!language.translator());
}

void tst_ConsoleLanguage::liveWindowSpeaksTheLanguage_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("windowTitle");
    QTest::addColumn<QStringList>("shown");
    QTest::addColumn<QString>("newPackageLine");
    QTest::newRow("English") << u"en"_s << u"Depot dispatch"_s
                             << QStringList{u"Packages"_s, u"Couriers"_s, u"Live events"_s}
                             << u"New package "_s;
    QTest::newRow("German") << u"de"_s << u"Depot – Disposition"_s
                            << QStringList{u"Pakete"_s, u"Kuriere"_s, u"Live-Ereignisse"_s}
                            << u"Neues Paket "_s;
    QTest::newRow("Spanish") << u"es"_s << u"Depot – Despacho"_s
                             << QStringList{u"Paquetes"_s, u"Repartidores"_s,
                                            u"Eventos en directo"_s}
                             << u"Nuevo paquete "_s;
    QTest::newRow("French") << u"fr"_s << u"Depot – Répartition"_s
                            << QStringList{u"Colis"_s, u"Livreurs"_s, u"Événements en direct"_s}
                            << u"Nouveau colis "_s;
}

void tst_ConsoleLanguage::liveWindowSpeaksTheLanguage()
{
    QFETCH(QString, code);
    QFETCH(QString, windowTitle);
    QFETCH(QStringList, shown);
    QFETCH(QString, newPackageLine);

    ConsoleLanguage language;
    QVERIFY(language.load(code));
    QCOMPARE(language.code(), code);
    QCOMPARE(bool(language.translator()), code != "en"_L1);
    language.install(QCoreApplication::instance());

    DispatchFixture f;
    const Courier ada = f.addCourier(u"Ada Lovelace"_s, u"ada"_s);
    f.service.setCourierOnline(ada.id, true);
    ConsoleController controller(f.service, f.auth);
    controller.setPort(3000);
    f.addPackage(u"Grace Hopper"_s, u"Karl-Marx-Allee 90, 10243 Berlin"_s);
    LoadedConsole console(controller);
    QVERIFY(console.window);
    QVERIFY(QTest::qWaitForWindowExposed(console.window));

    QCOMPARE(console.window->title(), windowTitle);
    const QStringList texts = console.visibleTexts();
    for (const QString &text : std::as_const(shown))
        QVERIFY2(texts.contains(text), qPrintable(text + u" not in: "_s + texts.join(u" | "_s)));
    // C++ strings too: the event feed's line for the new package.
    QCOMPARE(controller.events()->rowCount(), 1);
    const QString feedLine =
        controller.events()->index(0, 0).data(EventFeedModel::TextRole).toString();
    QVERIFY2(feedLine.startsWith(newPackageLine), qPrintable(feedLine));
    QVERIFY2(console.warnings.isEmpty(), qPrintable(console.warnings.join(u'\n')));
}

void tst_ConsoleLanguage::commandLine()
{
    const QString depot = QStringLiteral(DEPOT_EXECUTABLE);
    auto run = [&depot](const QStringList &arguments,
                        const QProcessEnvironment &environment =
                            QProcessEnvironment::systemEnvironment()) {
        QProcess process;
        process.setProcessEnvironment(environment);
        process.start(depot, arguments);
        process.waitForFinished(30000);
        return std::tuple{process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
                          QString::fromUtf8(process.readAllStandardError())};
    };

    const auto [badExit, badOut, badError] = run({u"--lang"_s, u"xx"_s, u"--port"_s, u"0"_s});
    QCOMPARE(badExit, 2);
    QCOMPARE(badError.count(u'\n'), 1);
    QVERIFY2(badError.contains(u"--lang"_s) && badError.contains(u"'xx'"_s), qPrintable(badError));

    const auto [helpExit, help, helpError] = run({u"--help"_s});
    QCOMPARE(helpExit, 0);
    QVERIFY2(help.contains(u"--lang <code>"_s), qPrintable(help));
    QVERIFY(help.contains(u"The console's language"_s));

    const auto [germanExit, germanHelp, germanError] = run({u"--lang=de"_s, u"--help"_s});
    QCOMPARE(germanExit, 0);
    QVERIFY2(germanHelp.contains(u"Sprache der Konsole"_s), qPrintable(germanHelp));
    QVERIFY(germanHelp.contains(u"Quellenhinweis"_s));
    // The hub's flags too, and the hub's own messages.
    QVERIFY2(germanHelp.contains(
                 QRegularExpression(u"\\n  --port <n> +Der Port für HTTP und WebSocket;"_s)),
             qPrintable(germanHelp));
    QVERIFY(germanHelp.contains(u"Diese Hilfe zeigen und beenden."_s));
    const auto [badPortExit, badPortOut, badPortError] = run({u"--lang=de"_s, u"--port"_s, u"x"_s});
    QCOMPARE(badPortExit, 2);
    QCOMPARE(badPortError, u"depot: --port: 'x' ist keine ganze Zahl von 0 bis 65535\n"_s);

    // Without --lang, the system's language: French here.
    QProcessEnvironment french = QProcessEnvironment::systemEnvironment();
    french.remove(u"LC_ALL"_s);
    french.insert(u"LANG"_s, u"fr_FR.UTF-8"_s);
    french.insert(u"LANGUAGE"_s, u"fr_FR:fr"_s);
    const auto [frenchExit, frenchHelp, frenchError] = run({u"--help"_s}, french);
    QCOMPARE(frenchExit, 0);
    QVERIFY2(frenchHelp.contains(u"Langue de la console"_s), qPrintable(frenchHelp));
    // --lang beats the system's language.
    const auto [englishExit, englishHelp, englishError] =
        run({u"--lang=en"_s, u"--help"_s}, french);
    QCOMPARE(englishExit, 0);
    QVERIFY(englishHelp.contains(u"The console's language"_s));
    QVERIFY(englishHelp.contains(u"The HTTP and WebSocket port;"_s));
}

QTEST_MAIN(tst_ConsoleLanguage)
#include "tst_consolelanguage.moc"
