#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace depot {

/// Who a token belongs to decides what it may see and do.
enum class Role { Dispatcher, Courier, Tracker };

QString roleName(Role role);
std::optional<Role> roleFromName(const QString &name);

/// A package moves through these states; the last three are final.
enum class PackageStatus { Pending, Assigned, InProgress, Completed, Failed, Cancelled };

QString statusName(PackageStatus status);
std::optional<PackageStatus> statusFromName(const QString &name);
bool isFinal(PackageStatus status);

/// What a dispatcher or courier asks to happen to a package.
enum class PackageAction { Assign, Start, Complete, Fail, Cancel };

QString actionName(PackageAction action);

/// One GPS fix.
struct Location
{
    double latitude = 0;
    double longitude = 0;
    std::optional<double> accuracy;
    std::optional<double> speed;   // metres per second
    std::optional<double> heading; // degrees clockwise from north
    QDateTime timestamp;

    QJsonObject toJson() const;
};

/// A login: dispatchers and couriers have one; trackers hold a package's token instead.
struct User
{
    QString id;
    QString username;
    QString name;
    Role role = Role::Courier;
    QString passwordHash;
    QDateTime createdAt;
    bool active = true; // an inactive user can neither log in nor hold a token

    QJsonObject toJson() const;
};

/// A delivery person; their id is also their user id.
struct Courier
{
    QString id;
    QString name;
    QString username;
    QString phone;
    QString deviceId; // empty when none
    bool online = false;
    std::optional<Location> lastLocation;
    /// Speed over the last fixes in m/s, smoothed; for ETAs, not on the wire.
    std::optional<double> recentSpeed;
    QDateTime createdAt;
    bool active = true; // taken off by a dispatcher: no login, no fixes, history kept

    QJsonObject toJson() const;
};

struct Package
{
    QString id;
    QString trackingCode;
    QString trackingToken;     // derived from the id; never stored
    QString trackingTokenHash; // what the store keeps: hex SHA-256 of the token
    QString recipientName;
    QString recipientEmail; // empty: the customer gets no e-mail
    QString language;       // of the customer's e-mail ("en", "de", ...); empty: the depot's
    QString address;
    double latitude = 0;
    double longitude = 0;
    PackageStatus status = PackageStatus::Pending;
    QString deliveryPersonId; // empty when unassigned
    QString notes;
    QString reason; // empty when none
    QDateTime createdAt;
    QDateTime updatedAt;
    // Counts the package's stored changes: a change is written only over the version it was
    // made from, so hubs sharing a database cannot overwrite each other's transitions.
    qint64 version = 0;

    /// The contract's package object; the tracking token only for dispatchers.
    QJsonObject toJson(bool withTrackingToken) const;
};

/// One entry of a package's history, exactly as it was sent to clients.
struct PackageEvent
{
    qint64 seq = 0; // store order, filled in by the store
    QString packageId;
    QString event; // "package:update", "delivery:assigned", ...
    QDateTime timestamp;
    QJsonObject payload;
};

/// The authenticated caller of a REST request or a socket connection.
struct Principal
{
    Role role = Role::Tracker;
    QString userId;    // dispatcher or courier
    QString packageId; // tracker
    QString username;
    QString name;
    QByteArray tokenHash; // of the login token it came with; empty for trackers

    bool isDispatcher() const { return role == Role::Dispatcher; }
    bool isCourier() const { return role == Role::Courier; }
    bool isTracker() const { return role == Role::Tracker; }
};

/// A lowercase UUID without braces, the form of every id on the wire.
QString newId();
bool isUuid(const QString &text);

} // namespace depot
