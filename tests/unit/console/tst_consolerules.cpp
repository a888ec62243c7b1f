// The console and REST follow the same field rules, and the console hashes a new courier's
// password off the event loop, as REST does: both on a real hub over 127.0.0.1.
#include "consolecontroller.h"
#include "hub.h"
#include "loopbackhub.h"

#include "api/authservice.h"
#include "dispatch/dispatchservice.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace depot;
using namespace Qt::StringLiterals;

namespace {

constexpr auto kAdminPassword = "rules-admin-password";

struct Reply
{
    int status = 0;
    QJsonObject body;

    QString errorCode() const { return body[u"error"_s][u"code"_s].toString(); }
    QString errorMessage() const { return body[u"error"_s][u"message"_s].toString(); }
};

} // namespace

class tst_ConsoleRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void courierFieldsAreRefusedAlike_data();
    void courierFieldsAreRefusedAlike();
    void packageFieldsAreRefusedAlike_data();
    void packageFieldsAreRefusedAlike();
    void createCourierLeavesTheEventLoopRunning();

private:
    Reply post(const QString &path, const QJsonObject &body, const QString &token = {});

    QTemporaryDir m_dir;
    std::unique_ptr<Hub> m_hub;
    QNetworkAccessManager m_http;
    QString m_token;
};

void tst_ConsoleRules::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_hub = std::make_unique<Hub>(
        test::loopbackHubConfig(m_dir.path(), QString::fromLatin1(kAdminPassword)));
    const auto error = m_hub->start();
    QVERIFY2(!error, qPrintable(error ? error->message : QString()));
    const Reply login =
        post(u"/api/auth/login"_s, {{u"username"_s, u"dispatcher"_s},
                                    {u"password"_s, QString::fromLatin1(kAdminPassword)}});
    QCOMPARE(login.status, 200);
    m_token = login.body[u"token"_s].toString();
    QVERIFY(!m_token.isEmpty());
}

void tst_ConsoleRules::cleanupTestCase()
{
    m_hub.reset();
}

Reply tst_ConsoleRules::post(const QString &path, const QJsonObject &body, const QString &token)
{
    QNetworkRequest request(QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_hub->port()).arg(path)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toLatin1());
    QNetworkReply *reply = m_http.post(request, QJsonDocument(body).toJson());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(10000))
        qWarning("no answer to POST %s", qPrintable(path));
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return r;
}

void tst_ConsoleRules::courierFieldsAreRefusedAlike_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("phone");
    QTest::addColumn<QString>("deviceId");
    QTest::addColumn<QString>("restMessage");
    QTest::addColumn<QString>("consoleMessage");

    const QString needs = u"A courier needs a name and a login."_s;
    const QString tooLong = u"The name or the login is too long."_s;
    const QString password = u"A courier needs a password of at most 256 characters."_s;
    QTest::newRow("blank name") << u"  "_s << u"eve"_s << u"pw"_s << QString() << QString()
                                << u"name must not be empty"_s << needs;
    QTest::newRow("name over 200")
        << QString(201, u'n') << u"eve"_s << u"pw"_s << QString() << QString()
        << u"name is longer than 200 characters"_s << tooLong;
    QTest::newRow("blank username") << u"Eve"_s << u" "_s << u"pw"_s << QString() << QString()
                                    << u"username must not be empty"_s << needs;
    QTest::newRow("username over 64")
        << u"Eve"_s << QString(65, u'u') << u"pw"_s << QString() << QString()
        << u"username is longer than 64 characters"_s << tooLong;
    QTest::newRow("username with a space")
        << u"Eve"_s << u"e ve"_s << u"pw"_s << QString() << QString()
        << u"username must not contain spaces"_s << u"The login must not contain spaces."_s;
    QTest::newRow("empty password") << u"Eve"_s << u"eve"_s << QString() << QString() << QString()
                                    << u"password must be a non-empty string"_s << password;
    QTest::newRow("password over 256")
        << u"Eve"_s << u"eve"_s << QString(257, u'p') << QString() << QString()
        << u"password is longer than 256 characters"_s << password;
    QTest::newRow("phone over 40")
        << u"Eve"_s << u"eve"_s << u"pw"_s << QString(41, u'1') << QString()
        << u"phone is longer than 40 characters"_s << u"The phone number is too long."_s;
    QTest::newRow("deviceId over 128")
        << u"Eve"_s << u"eve"_s << u"pw"_s << QString() << QString(129, u'd')
        << u"deviceId is longer than 128 characters"_s << u"The device id is too long."_s;
}

void tst_ConsoleRules::courierFieldsAreRefusedAlike()
{
    QFETCH(QString, name);
    QFETCH(QString, username);
    QFETCH(QString, password);
    QFETCH(QString, phone);
    QFETCH(QString, deviceId);
    QFETCH(QString, restMessage);
    QFETCH(QString, consoleMessage);
    const size_t couriers = m_hub->dispatch().couriers().size();

    QJsonObject body{{u"name"_s, name}, {u"username"_s, username}, {u"password"_s, password}};
    if (!phone.isEmpty())
        body.insert(u"phone"_s, phone);
    if (!deviceId.isEmpty())
        body.insert(u"deviceId"_s, deviceId);
    const Reply rest = post(u"/api/couriers"_s, body, m_token);
    QCOMPARE(rest.status, 400);
    QCOMPARE(rest.errorCode(), u"validation_failed"_s);
    QCOMPARE(rest.errorMessage(), restMessage);

    ConsoleController controller(m_hub->dispatch(), m_hub->auth());
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    QSignalSpy created(&controller, &ConsoleController::courierCreated);
    QVERIFY(!controller.createCourier(name, username, password, phone, deviceId));
    QCOMPARE(errors.count(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), consoleMessage);

    QTest::qWait(0); // nothing was left under way either
    QCOMPARE(created.count(), 0);
    QCOMPARE(m_hub->dispatch().couriers().size(), couriers);
}

void tst_ConsoleRules::packageFieldsAreRefusedAlike_data()
{
    QTest::addColumn<QString>("recipientName");
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("notes");
    QTest::addColumn<QString>("restMessage");
    QTest::addColumn<QString>("consoleMessage");

    QTest::newRow("blank recipient")
        << u" "_s << u"1 Navy Yard"_s << QString() << u"recipientName must not be empty"_s
        << u"The recipient's name is missing."_s;
    QTest::newRow("address over 500")
        << u"Grace"_s << QString(501, u'a') << QString()
        << u"address is longer than 500 characters"_s << u"The name or the address is too long."_s;
    QTest::newRow("notes over 2000")
        << u"Grace"_s << u"1 Navy Yard"_s << QString(2001, u'n')
        << u"notes is longer than 2000 characters"_s << u"The notes are too long."_s;
}

void tst_ConsoleRules::packageFieldsAreRefusedAlike()
{
    QFETCH(QString, recipientName);
    QFETCH(QString, address);
    QFETCH(QString, notes);
    QFETCH(QString, restMessage);
    QFETCH(QString, consoleMessage);
    const Principal dispatcher{Role::Dispatcher, newId(),         QString(),
                               u"dispatcher"_s,  u"Dispatcher"_s, {}};
    const size_t packages = m_hub->dispatch().packages(dispatcher, {}).size();

    const Reply rest =
        post(u"/api/packages"_s,
             {{u"recipientName"_s, recipientName},
              {u"address"_s, address},
              {u"destination"_s, QJsonObject{{u"latitude"_s, 52.5}, {u"longitude"_s, 13.4}}},
              {u"notes"_s, notes}},
             m_token);
    QCOMPARE(rest.status, 400);
    QCOMPARE(rest.errorCode(), u"validation_failed"_s);
    QCOMPARE(rest.errorMessage(), restMessage);

    ConsoleController controller(m_hub->dispatch(), m_hub->auth());
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    QVERIFY(controller.createPackage(recipientName, address, 52.5, 13.4, notes).isEmpty());
    QCOMPARE(errors.count(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), consoleMessage);
    QCOMPARE(m_hub->dispatch().packages(dispatcher, {}).size(), packages);
}

void tst_ConsoleRules::createCourierLeavesTheEventLoopRunning()
{
    ConsoleController controller(m_hub->dispatch(), m_hub->auth());
    QSignalSpy created(&controller, &ConsoleController::courierCreated);
    QSignalSpy errors(&controller, &ConsoleController::errorOccurred);
    // Timers of the loop (every courier socket's among them) fire while the password is hashed.
    int ticksWhileHashing = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, this, [&] {
        if (created.isEmpty())
            ++ticksWhileHashing;
    });
    ticker.start();

    // Passwords are kept as given, spaces included.
    const QString password = u" correct horse "_s;
    QVERIFY(controller.createCourier(u"Grace Hopper"_s, u"grace"_s, password, {}, {}));
    QVERIFY(created.isEmpty()); // the call came back before the hash was done
    QVERIFY(created.wait(10000));
    ticker.stop();
    QVERIFY(errors.isEmpty());
    QVERIFY2(ticksWhileHashing > 0, "the event loop stood still while the password was hashed");
    QCOMPARE(created.at(0).at(1).toString(), u"grace"_s);
    const QString courierId = created.at(0).at(0).toString();
    QVERIFY(m_hub->dispatch().findCourier(courierId));

    const Reply login =
        post(u"/api/auth/login"_s, {{u"username"_s, u"grace"_s}, {u"password"_s, password}});
    QCOMPARE(login.status, 200);
    QCOMPARE(login.body[u"user"_s][u"id"_s].toString(), courierId);
    const Reply trimmed = post(u"/api/auth/login"_s,
                               {{u"username"_s, u"grace"_s}, {u"password"_s, password.trimmed()}});
    QCOMPARE(trimmed.status, 401);
}

QTEST_GUILESS_MAIN(tst_ConsoleRules)
#include "tst_consolerules.moc"
