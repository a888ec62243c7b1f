#include "dispatch/geo.h"

#include <QGeoCoordinate>
#include <QRandomGenerator>
#include <QTest>

using namespace depot;

class TestGeo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void distanceAgreesWithQtPositioning()
    {
        // The hub's own haversine must give what QGeoCoordinate::distanceTo gives.
        QRandomGenerator rng(11);
        for (int i = 0; i < 20000; ++i) {
            const double lat1 = rng.generateDouble() * 180 - 90;
            const double lon1 = rng.generateDouble() * 360 - 180;
            // Half the pairs a few hundred metres apart, as consecutive fixes are.
            const double spread = i % 2 ? 0.01 : 90;
            const double lat2 =
                std::clamp(lat1 + (rng.generateDouble() - 0.5) * spread, -90.0, 90.0);
            const double lon2 =
                std::clamp(lon1 + (rng.generateDouble() - 0.5) * spread, -180.0, 180.0);
            const double expected =
                QGeoCoordinate(lat1, lon1).distanceTo(QGeoCoordinate(lat2, lon2));
            const double got = geo::distanceMetres(lat1, lon1, lat2, lon2);
            QVERIFY2(std::abs(got - expected) <= 1e-6 * std::max(1.0, expected),
                     qPrintable(QStringLiteral("%1 vs %2").arg(got).arg(expected)));
        }
        QCOMPARE(geo::distanceMetres(53.55, 9.99, 53.55, 9.99), 0.0);
    }

    void invalidCoordinatesGiveZero()
    {
        QCOMPARE(geo::distanceMetres(91, 0, 0, 0), 0.0);
        QCOMPARE(geo::distanceMetres(0, 0, 0, qQNaN()), 0.0);
        QCOMPARE(geo::distanceMetres(0, 181, 0, 0), 0.0);
    }
};

QTEST_APPLESS_MAIN(TestGeo)
#include "tst_geo.moc"
