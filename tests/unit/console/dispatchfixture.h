#pragma once

#include "api/authservice.h"
#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "store/sqlitestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace depot {

/// A real dispatch service (and accounts) on an SQLite file in a temporary folder, on a manual
/// clock.
struct DispatchFixture
{
    DispatchFixture()
        : store(dir.filePath(QStringLiteral("depot.sqlite")))
        , service(store, clock)
        , auth(store, service, clock)
    {
        QString error;
        if (!dir.isValid() || !store.open(&error))
            qFatal("cannot open the store: %s", qPrintable(error));
        service.load();
        dispatcher = Principal{Role::Dispatcher,
                               newId(),
                               QString(),
                               QStringLiteral("dispatcher"),
                               QStringLiteral("Dispatcher"),
                               {}};
    }

    Courier addCourier(const QString &name, const QString &username)
    {
        // The service stores the hash as given; hashing is the caller's job.
        const auto c = service.createCourier(
            NewCourier{name, username, QStringLiteral("hash"), QString(), QString()});
        if (!c)
            qFatal("cannot create a courier: %s", qPrintable(c.error().message));
        return *c;
    }

    Package addPackage(const QString &recipient, const QString &address, double lat = 52.52,
                       double lon = 13.40)
    {
        clock.advanceMs(1000);
        const auto p = service.createPackage(NewPackage{recipient, address, lat, lon, {}, {}, {}});
        if (!p)
            qFatal("cannot create a package: %s", qPrintable(p.error().message));
        return *p;
    }

    void move(const QString &courierId, double lat, double lon, double heading = 90)
    {
        clock.advanceMs(1000);
        Location fix;
        fix.latitude = lat;
        fix.longitude = lon;
        fix.heading = heading;
        fix.timestamp = clock.now();
        service.applyFix(courierId, fix);
    }

    QTemporaryDir dir;
    ManualClock clock;
    SqliteStore store;
    DispatchService service;
    AuthService auth; // hashes the console's passwords, as the hub's does
    Principal dispatcher;
};

} // namespace depot
