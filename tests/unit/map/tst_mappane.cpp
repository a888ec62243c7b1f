#include "mapview.h"
#include "markerlayer.h"

#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickView>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)
Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)

using namespace depot;

class TestMapPane : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void loadsAndShowsEverything();
};

void TestMapPane::loadsAndShowsEverything()
{
    QQuickView view;
    view.engine()->addImportPath(QStringLiteral("qrc:/qt/qml"));
    view.setResizeMode(QQuickView::SizeRootObjectToView);
    view.resize(640, 480);
    view.setSource(QUrl(QStringLiteral("data:,")));
    QQmlComponent component(view.engine());
    component.setData(R"(
        import QtQuick
        import Depot.Console
        Item {
            width: 640; height: 480
            property alias pane: pane
            ListModel {
                id: couriers
                ListElement { latitude: 52.52; longitude: 13.40; state: "free"; label: "Ada"; heading: 45 }
                ListElement { latitude: 52.50; longitude: 13.30; state: "busy"; label: "Bob"; heading: 180 }
                ListElement { latitude: 52.56; longitude: 13.46; state: "offline"; label: "Cy"; heading: 270 }
            }
            ListModel {
                id: packages
                ListElement { latitude: 52.49; longitude: 13.42; state: "ASSIGNED"; label: "P-1" }
                ListElement { latitude: 52.53; longitude: 13.35; state: "PENDING"; label: "P-2" }
            }
            MapPane {
                id: pane
                anchors.fill: parent
                courierModel: couriers
                packageModel: packages
                depotLatitude: 52.51
                depotLongitude: 13.38
            }
        }
    )",
                      QUrl(QStringLiteral("qrc:/test.qml")));
    auto *root = qobject_cast<QQuickItem *>(component.create());
    QVERIFY2(root, qPrintable(component.errorString()));
    root->setParentItem(view.contentItem());
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    auto *pane = root->property("pane").value<QQuickItem *>();
    QVERIFY(pane);
    auto *map = pane->property("map").value<MapView *>();
    auto *couriers = pane->property("couriers").value<MarkerLayer *>();
    auto *packages = pane->property("packages").value<MarkerLayer *>();
    QVERIFY(map && couriers && packages);
    QCOMPARE(couriers->count(), 3);
    QCOMPARE(packages->count(), 2);
    QVERIFY(map->tileSource() == nullptr); // no flags here: the graticule

    QMetaObject::invokeMethod(pane, "fitAll");
    const QRectF inside(0, 0, 640, 480);
    for (const auto *layer : {couriers, packages}) {
        for (const QVariant &c : layer->coordinates())
            QVERIFY(inside.contains(map->pointAt(c.value<QGeoCoordinate>())));
    }
    if (qEnvironmentVariableIsSet("DEPOT_MAP_SCREENSHOT")) {
        QCoreApplication::processEvents();
        view.grabWindow().save(qEnvironmentVariable("DEPOT_MAP_SCREENSHOT") +
                               QStringLiteral(".fit.png"));
    }
    couriers->setSelectedRow(1);
    couriers->setTrail({QVariant::fromValue(QGeoCoordinate(52.48, 13.28)),
                        QVariant::fromValue(QGeoCoordinate(52.49, 13.29))});
    map->setZoom(13);
    map->setCenter(QGeoCoordinate(52.505, 13.33));
    QCoreApplication::processEvents();
    const QImage image = view.grabWindow();
    if (qEnvironmentVariableIsSet("DEPOT_MAP_SCREENSHOT"))
        image.save(qEnvironmentVariable("DEPOT_MAP_SCREENSHOT"));
    // The selected courier's colour (busy) where it stands.
    const QPoint at = map->pointAt(QGeoCoordinate(52.50, 13.30)).toPoint();
    QCOMPARE(image.pixelColor(at), QColor(0x1e, 0x88, 0xe5));
    QVERIFY(map->scaleBarMeters() > 0);
    QVERIFY(map->scaleBarWidth() <= map->scaleBarMaximumWidth());
    delete root;
}

QTEST_MAIN(TestMapPane)
#include "tst_mappane.moc"
