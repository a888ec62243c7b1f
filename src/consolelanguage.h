#pragma once

#include <QString>
#include <QStringList>

#include <memory>

class QCoreApplication;
class QTranslator;

namespace depot {

/// The console's language: English in the sources; German, Spanish and French from the
/// translations compiled in under :/i18n, with Qt's own strings (dialog buttons) where the
/// system has them.
///
/// Loaded before the application object exists, so that --help is translated too; installed
/// once it does.
class ConsoleLanguage
{
public:
    ConsoleLanguage();
    ~ConsoleLanguage();

    /// "en", "de", "es", "fr": what --lang accepts.
    static QStringList codes();
    /// The language code a --lang argument asks for ("--lang de", "--lang=de"), or an empty
    /// string when there is none. Read before the flags are parsed.
    static QString requestedCode(const QStringList &arguments);

    /// Loads `code`, or the first of the system's UI languages the console has when `code` is
    /// empty (English when none). False, and nothing loaded, for a code not in codes().
    bool load(const QString &code);
    /// The language loaded: one of codes().
    QString code() const { return m_code; }
    /// Depot's own translation, or null for English.
    const QTranslator *translator() const { return m_depot.get(); }
    /// `sourceText` in the loaded language (for texts needed before install()).
    QString translated(const char *context, const char *sourceText) const;

    /// Makes the loaded language the application's: its translators and the default locale.
    void install(QCoreApplication *app);

private:
    QString m_code = QStringLiteral("en");
    bool m_chosenByFlag = false; // --lang also sets the locale of dates and numbers
    std::unique_ptr<QTranslator> m_depot;
    std::unique_ptr<QTranslator> m_qt;
};

} // namespace depot
