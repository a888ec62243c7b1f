#include "types.h"

#include "clock.h"

#include <QJsonValue>
#include <QRegularExpression>
#include <QUuid>

namespace depot {

namespace {
QJsonValue optionalNumber(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

QJsonValue optionalString(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}
} // namespace

QString roleName(Role role)
{
    switch (role) {
    case Role::Dispatcher:
        return QStringLiteral("dispatcher");
    case Role::Courier:
        return QStringLiteral("courier");
    case Role::Tracker:
        return QStringLiteral("tracker");
    }
    return {};
}

std::optional<Role> roleFromName(const QString &name)
{
    for (Role r : {Role::Dispatcher, Role::Courier, Role::Tracker}) {
        if (roleName(r) == name)
            return r;
    }
    return std::nullopt;
}

QString statusName(PackageStatus status)
{
    switch (status) {
    case PackageStatus::Pending:
        return QStringLiteral("PENDING");
    case PackageStatus::Assigned:
        return QStringLiteral("ASSIGNED");
    case PackageStatus::InProgress:
        return QStringLiteral("IN_PROGRESS");
    case PackageStatus::Completed:
        return QStringLiteral("COMPLETED");
    case PackageStatus::Failed:
        return QStringLiteral("FAILED");
    case PackageStatus::Cancelled:
        return QStringLiteral("CANCELLED");
    }
    return {};
}

std::optional<PackageStatus> statusFromName(const QString &name)
{
    for (PackageStatus s :
         {PackageStatus::Pending, PackageStatus::Assigned, PackageStatus::InProgress,
          PackageStatus::Completed, PackageStatus::Failed, PackageStatus::Cancelled}) {
        if (statusName(s) == name)
            return s;
    }
    return std::nullopt;
}

bool isFinal(PackageStatus status)
{
    return status == PackageStatus::Completed || status == PackageStatus::Failed ||
           status == PackageStatus::Cancelled;
}

QString actionName(PackageAction action)
{
    switch (action) {
    case PackageAction::Assign:
        return QStringLiteral("assigned");
    case PackageAction::Start:
        return QStringLiteral("started");
    case PackageAction::Complete:
        return QStringLiteral("completed");
    case PackageAction::Fail:
        return QStringLiteral("failed");
    case PackageAction::Cancel:
        return QStringLiteral("cancelled");
    }
    return {};
}

QJsonObject Location::toJson() const
{
    return QJsonObject{{QStringLiteral("latitude"), latitude},
                       {QStringLiteral("longitude"), longitude},
                       {QStringLiteral("accuracy"), optionalNumber(accuracy)},
                       {QStringLiteral("speed"), optionalNumber(speed)},
                       {QStringLiteral("heading"), optionalNumber(heading)},
                       {QStringLiteral("timestamp"), isoTimestamp(timestamp)}};
}

QJsonObject User::toJson() const
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("username"), username},
                       {QStringLiteral("name"), name},
                       {QStringLiteral("role"), roleName(role)}};
}

QJsonObject Courier::toJson() const
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("name"), name},
                       {QStringLiteral("username"), username},
                       {QStringLiteral("phone"), optionalString(phone)},
                       {QStringLiteral("deviceId"), optionalString(deviceId)},
                       {QStringLiteral("online"), online},
                       {QStringLiteral("active"), active},
                       {QStringLiteral("lastLocation"), lastLocation
                                                            ? QJsonValue(lastLocation->toJson())
                                                            : QJsonValue(QJsonValue::Null)}};
}

QJsonObject Package::toJson(bool withTrackingToken) const
{
    QJsonObject o{
        {QStringLiteral("id"), id},
        {QStringLiteral("trackingCode"), trackingCode},
        {QStringLiteral("recipientName"), recipientName},
        {QStringLiteral("address"), address},
        {QStringLiteral("destination"), QJsonObject{{QStringLiteral("latitude"), latitude},
                                                    {QStringLiteral("longitude"), longitude}}},
        {QStringLiteral("status"), statusName(status)},
        {QStringLiteral("deliveryPersonId"), optionalString(deliveryPersonId)},
        {QStringLiteral("notes"), notes},
        {QStringLiteral("reason"), optionalString(reason)},
        {QStringLiteral("createdAt"), isoTimestamp(createdAt)},
        {QStringLiteral("updatedAt"), isoTimestamp(updatedAt)}};
    if (withTrackingToken) {
        o.insert(QStringLiteral("trackingToken"), trackingToken);
        // The customer's e-mail settings, for dispatchers alone and only where they are set.
        if (!recipientEmail.isEmpty())
            o.insert(QStringLiteral("recipientEmail"), recipientEmail);
        if (!language.isEmpty())
            o.insert(QStringLiteral("language"), language);
    }
    return o;
}

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

bool isUuid(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
    return re.match(text).hasMatch();
}

} // namespace depot
