// The packages panel offscreen, over the real models: rows, the search field, the status chips
// and their counts; and a package's details with its proof of delivery.
#include "consolecontroller.h"
#include "core/prooffiles.h"
#include "dispatchfixture.h"
#include "packagefiltermodel.h"
#include "proofimageprovider.h"
#include "quickfind.h"

#include <QBuffer>
#include <QImage>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickView>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)
Q_IMPORT_QML_PLUGIN(Depot_ModelsPlugin)

using namespace depot;
using namespace Qt::StringLiterals;

class tst_PackagesPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void showsEveryPackage();
    void searchFieldFilters();
    void statusChipFiltersAndCounts();
    void selectionFollowsTheRow();
    void detailsShowTheProof();

private:
    QQuickItem *child(const QString &name) const;
    int listCount() const;
    void click(QQuickItem *item);
    void type(const QString &text);

    std::unique_ptr<DispatchFixture> m_f;
    std::unique_ptr<ConsoleController> m_controller;
    std::unique_ptr<QQuickView> m_view;
    QQuickItem *m_panel = nullptr;
    Courier m_ada;
    Package m_grace, m_alan;
};

void tst_PackagesPanel::init()
{
    m_f = std::make_unique<DispatchFixture>();
    m_ada = m_f->addCourier(u"Ada"_s, u"ada"_s);
    m_grace = m_f->addPackage(u"Grace Hopper"_s, u"1 Navy Yard"_s);
    m_alan = m_f->addPackage(u"Alan Turing"_s, u"2 Bletchley Park"_s);
    m_f->addPackage(u"Edsger Dijkstra"_s, u"3 Navy Lane"_s);
    QVERIFY(m_f->service.assign(m_f->dispatcher, m_alan.id, m_ada.id));
    m_controller = std::make_unique<ConsoleController>(m_f->service, m_f->auth);

    m_view = std::make_unique<QQuickView>();
    m_view->engine()->addImportPath(u"qrc:/qt/qml"_s);
    m_view->resize(360, 600);
    m_view->setSource(QUrl(u"data:,"_s));
    QQmlComponent component(m_view->engine());
    component.setData(R"(
        import QtQuick
        import Depot.Console
        PackagesPanel {
            width: 360; height: 600
        }
    )",
                      QUrl(u"qrc:/tst_packagespanel.qml"_s));
    QObject *object = component.createWithInitialProperties(
        {{u"model"_s, QVariant::fromValue(m_controller->packageFilter())}});
    m_panel = qobject_cast<QQuickItem *>(object);
    QVERIFY2(m_panel, qPrintable(component.errorString()));
    m_panel->setParentItem(m_view->contentItem());
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void tst_PackagesPanel::cleanup()
{
    delete m_panel;
    m_panel = nullptr;
    m_view.reset();
    m_controller.reset();
    m_f.reset();
}

QQuickItem *tst_PackagesPanel::child(const QString &name) const
{
    return findItem(m_panel, name);
}

int tst_PackagesPanel::listCount() const
{
    return child(u"packageList"_s)->property("count").toInt();
}

void tst_PackagesPanel::click(QQuickItem *item)
{
    QVERIFY(item);
    const QPointF centre = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, centre.toPoint());
}

void tst_PackagesPanel::type(const QString &text)
{
    // QTest::keyClicks takes only widgets on 6.4.
    for (const QChar c : text)
        QTest::keyClick(m_view.get(), c.toLatin1());
}

void tst_PackagesPanel::showsEveryPackage()
{
    QCOMPARE(listCount(), 3);
    m_f->addPackage(u"Barbara Liskov"_s, u"4 Tech Square"_s);
    QTRY_COMPARE(listCount(), 4);
}

void tst_PackagesPanel::searchFieldFilters()
{
    QQuickItem *search = child(u"searchField"_s);
    QVERIFY(search);
    search->forceActiveFocus();
    type(u"navy"_s);
    QCOMPARE(m_controller->packageFilter()->searchText(), u"navy"_s);
    QTRY_COMPARE(listCount(), 2);
    type(u" lane"_s);
    QTRY_COMPARE(listCount(), 1);
    search->setProperty("text", QString());
    m_controller->packageFilter()->setSearchText(QString());
    QTRY_COMPARE(listCount(), 3);
}

void tst_PackagesPanel::statusChipFiltersAndCounts()
{
    QQuickItem *pending = child(u"filter_PENDING"_s);
    QQuickItem *assigned = child(u"filter_ASSIGNED"_s);
    QQuickItem *all = child(u"filter_ALL"_s);
    QVERIFY(pending && assigned && all);
    QCOMPARE(pending->property("count").toInt(), 2);
    QCOMPARE(assigned->property("count").toInt(), 1);
    QCOMPARE(all->property("count").toInt(), 3);
    QVERIFY(all->property("checked").toBool());

    click(assigned);
    QCOMPARE(m_controller->packageFilter()->statusFilter(), u"ASSIGNED"_s);
    QTRY_COMPARE(listCount(), 1);
    QVERIFY(assigned->property("checked").toBool());
    QVERIFY(!all->property("checked").toBool());

    // A status change moves the package between chips, live.
    QVERIFY(m_f->service.start(m_f->dispatcher, m_alan.id));
    QTRY_COMPARE(listCount(), 0);
    QCOMPARE(assigned->property("count").toInt(), 0);
    QCOMPARE(child(u"filter_IN_PROGRESS"_s)->property("count").toInt(), 1);

    click(all);
    QTRY_COMPARE(listCount(), 3);
}

void tst_PackagesPanel::selectionFollowsTheRow()
{
    auto *list = child(u"packageList"_s);
    QTRY_VERIFY(list->property("contentItem").value<QQuickItem *>()->childItems().size() >= 3);
    // Newest first: row 2 is the first package made.
    QMetaObject::invokeMethod(list, "positionViewAtEnd");
    m_panel->setProperty("currentIndex", 2);
    auto *current = m_panel->property("current").value<QObject *>();
    QVERIFY(current);
    QCOMPARE(current->property("packageId").toString(), m_grace.id);
    QCOMPARE(current->property("status").toString(), u"PENDING"_s);
    QVERIFY(m_f->service.assign(m_f->dispatcher, m_grace.id, m_ada.id));
    QCOMPARE(current->property("status").toString(), u"ASSIGNED"_s);
    QCOMPARE(current->property("courierName").toString(), u"Ada"_s);
}

void tst_PackagesPanel::detailsShowTheProof()
{
    // A proof of Alan's package, its photo a file of the fixture's data dir.
    QImage photo(40, 30, QImage::Format_RGB32);
    photo.fill(Qt::darkGreen);
    QByteArray png;
    QBuffer buffer(&png);
    QVERIFY(photo.save(&buffer, "PNG"));
    const QString proofsDir = m_f->dir.filePath(u"proofs"_s);
    const auto hash = ProofFiles(proofsDir).put(png);
    QVERIFY(hash);
    Proof proof;
    proof.recipientName = u"Alan (porter)"_s;
    proof.signature = ProofImage{u"image/png"_s, *hash, *hash, png.size()};
    proof.photos = {ProofImage{u"image/png"_s, *hash, *hash, png.size()}};
    const Principal ada{Role::Courier, m_ada.id, {}, u"ada"_s, u"Ada"_s, {}};
    QVERIFY(m_f->service.saveProof(ada, m_alan.id, proof));

    // The console reads proof files from the hub's data dir; here the fixture's, through a
    // controller whose images go to the view's provider.
    QQuickView view;
    view.engine()->addImportPath(u"qrc:/qt/qml"_s);
    auto *images = new ProofImageProvider;
    view.engine()->addImageProvider(u"proof"_s, images);
    m_controller->setProofImages(images);
    m_controller->setProofDirectory(proofsDir);
    QQmlComponent component(view.engine());
    component.setData(R"(
        import QtQuick
        import QtQuick.Controls
        import Depot.Console
        ApplicationWindow {
            property alias details: details
            width: 360; height: 600
            PackageDetails { id: details; width: 360 }
        }
    )",
                      QUrl(u"qrc:/tst_packagedetails.qml"_s));
    std::unique_ptr<QObject> window(component.create());
    QVERIFY2(window, qPrintable(component.errorString()));
    auto *details = window->property("details").value<QQuickItem *>();
    QVERIFY(details);
    details->setProperty("controller", QVariant::fromValue<QObject *>(m_controller.get()));
    details->setProperty("pkg", QVariantMap{{u"packageId"_s, m_alan.id},
                                            {u"status"_s, u"ASSIGNED"_s},
                                            {u"trackingCode"_s, m_alan.trackingCode},
                                            {u"recipientName"_s, m_alan.recipientName},
                                            {u"address"_s, m_alan.address},
                                            {u"courierName"_s, u"Ada"_s},
                                            {u"notes"_s, QString()}});
    qobject_cast<QQuickWindow *>(window.get())->show();
    QVERIFY(QTest::qWaitForWindowExposed(qobject_cast<QQuickWindow *>(window.get())));

    QQuickItem *section = findItem(details, u"proofSection"_s);
    QVERIFY(section);
    QTRY_VERIFY(section->isVisible());
    QList<QQuickItem *> thumbnails;
    QTRY_COMPARE((thumbnails = findItems(details, u"proofThumbnail"_s)).size(), 2);
    for (QQuickItem *thumbnail : thumbnails)
        QTRY_COMPARE(thumbnail->property("status").toInt(), 1); // Image.Ready
    QObject *popup = details->findChild<QObject *>(u"proofPopup"_s);
    QVERIFY(popup);
    QVERIFY(!popup->property("opened").toBool());
    const QPointF centre =
        thumbnails[1]->mapToScene(QPointF(thumbnails[1]->width() / 2, thumbnails[1]->height() / 2));
    QTest::mouseClick(qobject_cast<QQuickWindow *>(window.get()), Qt::LeftButton, {},
                      centre.toPoint());
    QTRY_VERIFY(popup->property("opened").toBool());
}

QTEST_MAIN(tst_PackagesPanel)
#include "tst_packagespanel.moc"
