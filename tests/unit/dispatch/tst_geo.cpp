#include "core/geo.h"

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

    void withinAgreesWithTheHaversine()
    {
        // The flat-earth shortcut must answer exactly as comparing the haversine would, above
        // all for distances close to the threshold, near poles and across the antimeridian.
        QRandomGenerator rng(5);
        for (int i = 0; i < 200000; ++i) {
            const double lat1 = rng.generateDouble() * 180 - 90;
            const double lon1 = rng.generateDouble() * 360 - 180;
            const double spread = i % 4 == 0 ? 1.0 : 0.003;
            const double lat2 =
                std::clamp(lat1 + (rng.generateDouble() - 0.5) * spread, -90.0, 90.0);
            double lon2 = lon1 + (rng.generateDouble() - 0.5) * spread;
            if (lon2 > 180)
                lon2 -= 360;
            if (lon2 < -180)
                lon2 += 360;
            const double metres = geo::distanceMetres(lat1, lon1, lat2, lon2);
            // Thresholds spread around the true distance, many within the estimate's margin.
            const double threshold = metres * (0.97 + rng.generateDouble() * 0.06);
            QVERIFY2(geo::withinMetres(lat1, lon1, lat2, lon2, threshold) == (metres <= threshold),
                     qPrintable(QStringLiteral("%1,%2 %3,%4: %5 m against %6 m")
                                    .arg(lat1)
                                    .arg(lon1)
                                    .arg(lat2)
                                    .arg(lon2)
                                    .arg(metres)
                                    .arg(threshold)));
        }
        QVERIFY(geo::withinMetres(53.55, 9.99, 53.55, 9.99, 0));
        QVERIFY(geo::withinMetres(53.5500, 9.99, 53.5509, 9.99, 100.1));
        QVERIFY(!geo::withinMetres(53.5500, 9.99, 53.5509, 9.99, 100.0));
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
