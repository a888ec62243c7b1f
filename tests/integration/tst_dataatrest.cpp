// Data at rest, against a hub in this process under a permissive umask: the data dir is 0700
// and the database, its WAL and shared memory, the tracking secret and the TLS key are 0600;
// no tracking token is in the database's bytes, yet dispatchers still see the tokens and
// trackers still use them after a restart; a version-2 database loses its clear tokens.
#include "hub.h"
#include "hubconfig.h"
#include "store/sqlitestore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <memory>

using namespace depot;

namespace {

constexpr char kAdminPassword[] = "admin-secret";

/// The permission bits of a file or folder, e.g. 0600.
int modeOf(const QString &path)
{
    struct stat st = {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

QByteArray bytesOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// The database and its WAL, as someone who copies the data dir would read them.
QByteArray databaseBytes(const QString &dir)
{
    return bytesOf(dir + QStringLiteral("/depot.sqlite")) +
           bytesOf(dir + QStringLiteral("/depot.sqlite-wal"));
}

struct Reply
{
    int status = 0;
    QJsonDocument json;
};

} // namespace

class tst_DataAtRest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void filesArePrivateWhateverTheUmask();
    void anOlderDataDirIsTightened();
    void theTlsKeyIsPrivate();
    void noTrackingTokenInTheDatabase();
    void versionTwoDatabaseLosesItsClearTokens();

private:
    std::unique_ptr<Hub> startHub(const QString &dir, bool tls = false);
    Reply request(const QByteArray &method, const QString &path, const QJsonObject &body = {},
                  const QString &token = {});
    QString login();
    QJsonObject newPackage(const QString &token);

    QTemporaryDir m_root;
    std::unique_ptr<Hub> m_hub;
    QNetworkAccessManager m_nam;
    mode_t m_umask = 022;
};

std::unique_ptr<Hub> tst_DataAtRest::startHub(const QString &dir, bool tls)
{
    HubConfig config;
    config.host = QHostAddress::LocalHost;
    config.hostText = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.dataDir = dir;
    config.adminPassword = QString::fromLatin1(kAdminPassword);
    config.osmandPort = 0;
    config.tileUrl = QStringLiteral("none");
    config.tlsSelfSigned = tls;
    auto hub = std::make_unique<Hub>(config);
    if (const auto error = hub->start()) {
        qWarning("%s", qPrintable(error->message));
        return nullptr;
    }
    return hub;
}

Reply tst_DataAtRest::request(const QByteArray &method, const QString &path,
                              const QJsonObject &body, const QString &token)
{
    QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_hub->port()).arg(path)));
    QByteArray bytes;
    if (!body.isEmpty()) {
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        bytes = QJsonDocument(body).toJson(QJsonDocument::Compact);
    }
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
    std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(req, method, bytes));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(10000))
        return {};
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
            QJsonDocument::fromJson(reply->readAll())};
}

QString tst_DataAtRest::login()
{
    return request("POST", QStringLiteral("/api/auth/login"),
                   {{QStringLiteral("username"), QStringLiteral("dispatcher")},
                    {QStringLiteral("password"), QString::fromLatin1(kAdminPassword)}})
        .json.object()
        .value(QStringLiteral("token"))
        .toString();
}

QJsonObject tst_DataAtRest::newPackage(const QString &token)
{
    return request("POST", QStringLiteral("/api/packages"),
                   {{QStringLiteral("recipientName"), QStringLiteral("Grace Hopper")},
                    {QStringLiteral("address"), QStringLiteral("1 Harbour St")},
                    {QStringLiteral("destination"),
                     QJsonObject{{QStringLiteral("latitude"), 52.52},
                                 {QStringLiteral("longitude"), 13.405}}}},
                   token)
        .json.object();
}

void tst_DataAtRest::initTestCase()
{
    QVERIFY(m_root.isValid());
    // Everything the hub makes from here on would be world-readable if it left modes to this.
    m_umask = ::umask(0);
}

void tst_DataAtRest::cleanupTestCase()
{
    m_hub.reset();
    ::umask(m_umask);
}

void tst_DataAtRest::filesArePrivateWhateverTheUmask()
{
    const QString dir = m_root.filePath(QStringLiteral("fresh/data"));
    m_hub = startHub(dir);
    QVERIFY(m_hub);
    const QString token = login();
    QVERIFY(!token.isEmpty());
    QVERIFY(!newPackage(token).isEmpty());

    QCOMPARE(modeOf(dir), 0700);
    for (const char *name :
         {"depot.sqlite", "depot.sqlite-wal", "depot.sqlite-shm", "tracking.key"}) {
        const QString path = dir + QLatin1Char('/') + QLatin1String(name);
        QVERIFY2(QFileInfo::exists(path), name);
        QCOMPARE(modeOf(path), 0600);
    }
    m_hub.reset();
}

void tst_DataAtRest::anOlderDataDirIsTightened()
{
    const QString dir = m_root.filePath(QStringLiteral("older"));
    m_hub = startHub(dir);
    QVERIFY(m_hub);
    m_hub.reset();
    // As an earlier Depot left them.
    QVERIFY(QFile::setPermissions(dir, QFileDevice::Permissions(0x7755)));
    QVERIFY(QFile::setPermissions(dir + QStringLiteral("/depot.sqlite"),
                                  QFileDevice::Permissions(0x6644)));
    QCOMPARE(modeOf(dir), 0755);
    QCOMPARE(modeOf(dir + QStringLiteral("/depot.sqlite")), 0644);

    m_hub = startHub(dir);
    QVERIFY(m_hub);
    QCOMPARE(modeOf(dir), 0700);
    QCOMPARE(modeOf(dir + QStringLiteral("/depot.sqlite")), 0600);
    QCOMPARE(modeOf(dir + QStringLiteral("/depot.sqlite-wal")), 0600);
    m_hub.reset();
}

void tst_DataAtRest::theTlsKeyIsPrivate()
{
    const QString dir = m_root.filePath(QStringLiteral("tls"));
    m_hub = startHub(dir, true);
    QVERIFY(m_hub);
    QVERIFY(QFileInfo::exists(m_hub->tlsCertificatePath()));
    const QString tlsDir = QFileInfo(m_hub->tlsCertificatePath()).absolutePath();
    QCOMPARE(modeOf(tlsDir), 0700);
    const QStringList keys = QDir(tlsDir).entryList({QStringLiteral("*key*")}, QDir::Files);
    QVERIFY(!keys.isEmpty());
    for (const QString &key : keys)
        QCOMPARE(modeOf(tlsDir + QLatin1Char('/') + key), 0600);
    m_hub.reset();
}

void tst_DataAtRest::noTrackingTokenInTheDatabase()
{
    const QString dir = m_root.filePath(QStringLiteral("tokens"));
    m_hub = startHub(dir);
    QVERIFY(m_hub);
    QString dispatcher = login();
    QList<QJsonObject> packages;
    for (int i = 0; i < 3; ++i) {
        packages.append(newPackage(dispatcher));
        QVERIFY(packages.last().value(QStringLiteral("trackingToken")).toString().size() >= 43);
    }
    const QByteArray live = databaseBytes(dir);
    QVERIFY(live.contains(
        packages.first().value(QStringLiteral("trackingCode")).toString().toLatin1()));
    for (const QJsonObject &p : packages)
        QVERIFY(!live.contains(p.value(QStringLiteral("trackingToken")).toString().toLatin1()));

    // After a restart the same tokens are shown to dispatchers and work for trackers.
    m_hub.reset();
    for (const QJsonObject &p : packages)
        QVERIFY(!databaseBytes(dir).contains(
            p.value(QStringLiteral("trackingToken")).toString().toLatin1()));
    m_hub = startHub(dir);
    QVERIFY(m_hub);
    dispatcher = login();
    for (const QJsonObject &p : packages) {
        const QString id = p.value(QStringLiteral("id")).toString();
        const QString token = p.value(QStringLiteral("trackingToken")).toString();
        const Reply shown = request("GET", QStringLiteral("/api/packages/") + id, {}, dispatcher);
        QCOMPARE(shown.status, 200);
        QCOMPARE(shown.json.object().value(QStringLiteral("trackingToken")).toString(), token);
        const Reply tracked =
            request("GET", QStringLiteral("/api/track/") +
                               p.value(QStringLiteral("trackingCode")).toString());
        QCOMPARE(tracked.status, 200);
        QCOMPARE(tracked.json.object().value(QStringLiteral("token")).toString(), token);
        const Reply me = request("GET", QStringLiteral("/api/me"), {}, token);
        QCOMPARE(me.status, 200);
        QCOMPARE(me.json.object().value(QStringLiteral("packageId")).toString(), id);
    }
    m_hub.reset();
}

void tst_DataAtRest::versionTwoDatabaseLosesItsClearTokens()
{
    const QString dir = m_root.filePath(QStringLiteral("version2"));
    QVERIFY(QDir().mkpath(dir));
    const QString path = dir + QStringLiteral("/depot.sqlite");
    {
        SqliteStore store(path, 2);
        QString error;
        QVERIFY2(store.open(&error), qPrintable(error));
        QCOMPARE(store.schemaVersion(), 2);
    }
    const QString id = QStringLiteral("9d5639ec-df5d-4ce1-b0f2-907a23310e9b");
    const QByteArray legacyToken = "LegacyClearTrackingToken0123456789abcdefXYZ";
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v2"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(
            QStringLiteral(
                "INSERT INTO packages (id, tracking_code, tracking_token, recipient_name, address, "
                "latitude, longitude, status, created_at, updated_at) VALUES ('%1', 'K3SBGMVN9V', "
                "'%2', 'Grace', '1 Harbour St', 52.5, 13.4, 'PENDING', "
                "'2025-03-19T07:45:25.819Z', '2025-03-19T07:45:25.819Z')")
                .arg(id, QString::fromLatin1(legacyToken))));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("v2"));
    QVERIFY(databaseBytes(dir).contains(legacyToken));

    m_hub = startHub(dir);
    QVERIFY(m_hub);
    QVERIFY(!databaseBytes(dir).contains(legacyToken));
    const QString dispatcher = login();
    const Reply shown = request("GET", QStringLiteral("/api/packages/") + id, {}, dispatcher);
    QCOMPARE(shown.status, 200);
    const QString token = shown.json.object().value(QStringLiteral("trackingToken")).toString();
    QVERIFY(token.size() >= 43);
    QVERIFY(token != QString::fromLatin1(legacyToken));
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, token).status, 200);
    QCOMPARE(request("GET", QStringLiteral("/api/me"), {}, QString::fromLatin1(legacyToken)).status,
             401);
    QCOMPARE(request("GET", QStringLiteral("/api/track/K3SBGMVN9V"))
                 .json.object()
                 .value(QStringLiteral("token"))
                 .toString(),
             token);
    m_hub.reset();
    QVERIFY(!databaseBytes(dir).contains(legacyToken));
    QVERIFY(!databaseBytes(dir).contains(token.toLatin1()));

    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT version FROM schema_version")) && q.next());
        QCOMPARE(q.value(0).toInt(), SqliteStore::currentSchemaVersion());
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
}

QTEST_GUILESS_MAIN(tst_DataAtRest)
#include "tst_dataatrest.moc"
