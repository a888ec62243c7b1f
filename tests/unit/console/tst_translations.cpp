// The console's translations are complete: lupdate, run over the console's sources into a copy
// of each .ts file, finds no new string, no vanished one and nothing unfinished, and every
// translation keeps its source's placeholders. A failure lists what to translate; refresh the
// files with `cmake --build <build dir> --target update_translations`.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;

namespace {

struct Message
{
    QString context;
    QString source;
    QString type;             // "unfinished", "vanished", "obsolete" or empty when done
    QStringList translations; // one, or one per plural form
    bool numerus = false;
};

struct TsFile
{
    QString language;
    QList<Message> messages;
    QString error;
};

TsFile readTs(const QString &path)
{
    TsFile ts;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ts.error = u"cannot open "_s + path;
        return ts;
    }
    QXmlStreamReader xml(&file);
    QString context;
    Message message;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == "TS"_L1) {
            ts.language = xml.attributes().value("language"_L1).toString();
        } else if (name == "name"_L1) {
            context = xml.readElementText();
        } else if (name == "message"_L1) {
            message =
                Message{context, {}, {}, {}, xml.attributes().value("numerus"_L1) == "yes"_L1};
        } else if (name == "source"_L1) {
            message.source = xml.readElementText();
        } else if (name == "translation"_L1) {
            message.type = xml.attributes().value("type"_L1).toString();
            if (message.numerus) {
                while (xml.readNextStartElement())
                    message.translations << xml.readElementText();
            } else {
                message.translations << xml.readElementText();
            }
            ts.messages << message;
        }
    }
    if (xml.hasError())
        ts.error = path + u": "_s + xml.errorString();
    return ts;
}

// %1 … %99 and %n: a translation must use exactly the source's.
QStringList placeholders(const QString &text)
{
    static const QRegularExpression pattern(u"%(\\d+|n)"_s);
    QStringList found;
    for (const auto &match : pattern.globalMatch(text))
        found << match.captured();
    found.sort();
    found.removeDuplicates();
    return found;
}

} // namespace

class tst_Translations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void complete_data();
    void complete();
    void detectsANewString();
};

void tst_Translations::complete_data()
{
    QTest::addColumn<QString>("language");
    QTest::newRow("German") << u"de"_s;
    QTest::newRow("Spanish") << u"es"_s;
    QTest::newRow("French") << u"fr"_s;
}

void tst_Translations::complete()
{
    QFETCH(QString, language);
    const QString checkedIn =
        QDir(QStringLiteral(DEPOT_TRANSLATIONS_DIR)).filePath(u"depot_%1.ts"_s.arg(language));
    QVERIFY2(QFile::exists(checkedIn), qPrintable(checkedIn));

    // lupdate merges what the sources say now into a copy; the checked-in file stays as it is.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString copy = dir.filePath(QFileInfo(checkedIn).fileName());
    QVERIFY(QFile::copy(checkedIn, copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    QProcess lupdate;
    lupdate.start(QStringLiteral(DEPOT_LUPDATE), {u"@"_s + QStringLiteral(DEPOT_LUPDATE_SOURCES),
                                                  u"-locations"_s, u"none"_s, u"-ts"_s, copy});
    QVERIFY2(lupdate.waitForFinished(120000), "lupdate did not finish");
    QCOMPARE(lupdate.exitCode(), 0);

    const TsFile before = readTs(checkedIn);
    const TsFile after = readTs(copy);
    QVERIFY2(after.error.isEmpty(), qPrintable(after.error));
    QVERIFY2(before.error.isEmpty(), qPrintable(before.error));
    QVERIFY2(after.language.startsWith(language), qPrintable(after.language));
    // The console has well over a hundred strings; an empty scan means lupdate saw no sources.
    QVERIFY2(after.messages.size() > 100, qPrintable(QString::number(after.messages.size())));

    QStringList problems;
    for (const Message &m : std::as_const(after.messages)) {
        const QString where = m.context + u": \""_s + m.source + u'"';
        if (m.type == "unfinished"_L1) {
            problems << where + u" is not translated"_s;
            continue;
        }
        if (m.type == "vanished"_L1 || m.type == "obsolete"_L1) {
            problems << where + u" is no longer in the sources"_s;
            continue;
        }
        if (m.translations.isEmpty() || (m.numerus && m.translations.size() < 2)) {
            problems << where + u" lacks a form"_s;
            continue;
        }
        const QStringList wanted = placeholders(m.source);
        for (const QString &translation : m.translations) {
            if (translation.trimmed().isEmpty())
                problems << where + u" has an empty translation"_s;
            else if (QStringList got = placeholders(translation);
                     got != wanted && !(m.numerus && got == QStringList(wanted).filter(u"%1"_s)))
                problems << where + u": \""_s + translation + u"\" changes the placeholders"_s;
        }
    }
    QVERIFY2(problems.isEmpty(), qPrintable(u"\n"_s + problems.join(u'\n')));
    // Nothing new and nothing gone: the checked-in file is what lupdate makes of the sources.
    QCOMPARE(after.messages.size(), before.messages.size());
}

void tst_Translations::detectsANewString()
{
    // The check above can fail: a source with one more qsTr() makes lupdate add an unfinished
    // message to the copy.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString qml = dir.filePath(u"Extra.qml"_s);
    {
        QFile file(qml);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("import QtQuick\nText { text: qsTr(\"A string nobody translated yet\") }\n");
    }
    const QString copy = dir.filePath(u"depot_de.ts"_s);
    QVERIFY(
        QFile::copy(QDir(QStringLiteral(DEPOT_TRANSLATIONS_DIR)).filePath(u"depot_de.ts"_s), copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    QProcess lupdate;
    lupdate.start(QStringLiteral(DEPOT_LUPDATE), {u"@"_s + QStringLiteral(DEPOT_LUPDATE_SOURCES),
                                                  qml, u"-locations"_s, u"none"_s, u"-ts"_s, copy});
    QVERIFY(lupdate.waitForFinished(120000));
    QCOMPARE(lupdate.exitCode(), 0);
    const TsFile after = readTs(copy);
    bool found = false;
    for (const Message &m : after.messages)
        found |= m.source == "A string nobody translated yet"_L1 && m.type == "unfinished"_L1;
    QVERIFY(found);
}

QTEST_GUILESS_MAIN(tst_Translations)
#include "tst_translations.moc"
