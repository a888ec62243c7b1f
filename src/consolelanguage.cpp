#include "consolelanguage.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace depot {

namespace {
const QString kResourceFolder = QStringLiteral(":/i18n");
} // namespace

ConsoleLanguage::ConsoleLanguage() = default;

ConsoleLanguage::~ConsoleLanguage()
{
    // Translators remove themselves from the application when they are destroyed.
}

QStringList ConsoleLanguage::codes()
{
    return {QStringLiteral("en"), QStringLiteral("de"), QStringLiteral("es"), QStringLiteral("fr")};
}

QString ConsoleLanguage::requestedCode(const QStringList &arguments)
{
    const QString flag = QStringLiteral("--lang");
    const QString flagWithValue = QStringLiteral("--lang=");
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QLatin1String("--"))
            break;
        if (argument.startsWith(flagWithValue))
            return argument.mid(flagWithValue.size());
        if (argument == flag)
            return arguments.value(i + 1);
    }
    return {};
}

bool ConsoleLanguage::load(const QString &code)
{
    QString chosen;
    if (code.isEmpty()) {
        // The system's preferred languages in order; the first one the console has wins.
        for (const QString &uiLanguage : QLocale::system().uiLanguages()) {
            const QString language = QLocale(uiLanguage).name().section(QLatin1Char('_'), 0, 0);
            if (codes().contains(language)) {
                chosen = language;
                break;
            }
        }
        if (chosen.isEmpty())
            chosen = QStringLiteral("en");
    } else if (codes().contains(code)) {
        chosen = code;
    } else {
        return false;
    }

    m_code = chosen;
    m_chosenByFlag = !code.isEmpty();
    m_depot.reset();
    m_qt.reset();
    if (chosen == QLatin1String("en"))
        return true;
    auto depot = std::make_unique<QTranslator>();
    if (depot->load(QStringLiteral("depot_") + chosen, kResourceFolder))
        m_depot = std::move(depot);
    // Qt's own strings (standard dialog buttons): optional, from the system's Qt translations.
    auto qt = std::make_unique<QTranslator>();
    if (qt->load(QStringLiteral("qtbase_") + chosen,
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        m_qt = std::move(qt);
    return true;
}

QString ConsoleLanguage::translated(const char *context, const char *sourceText) const
{
    if (m_depot) {
        const QString text = m_depot->translate(context, sourceText);
        if (!text.isEmpty())
            return text;
    }
    return QString::fromUtf8(sourceText);
}

void ConsoleLanguage::install(QCoreApplication *app)
{
    if (m_chosenByFlag)
        QLocale::setDefault(QLocale(m_code));
    if (!app)
        return;
    if (m_qt)
        app->installTranslator(m_qt.get());
    if (m_depot)
        app->installTranslator(m_depot.get());
}

} // namespace depot
