#include "trustedproxies.h"

#include "connectionlimits.h"

#include <QStringList>

namespace depot {

std::optional<TrustedProxies> TrustedProxies::parse(const QString &list, QString *error)
{
    TrustedProxies proxies;
    for (const QString &raw : list.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString entry = raw.trimmed();
        if (entry.isEmpty())
            continue;
        QPair<QHostAddress, int> subnet;
        if (entry.contains(QLatin1Char('/'))) {
            subnet = QHostAddress::parseSubnet(entry);
        } else if (QHostAddress one(entry); !one.isNull()) {
            subnet = {one, one.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32};
        }
        if (subnet.first.isNull() || subnet.second < 0) {
            if (error)
                *error = QStringLiteral("not an address or CIDR block: %1").arg(entry);
            return std::nullopt;
        }
        proxies.m_subnets.append(subnet);
    }
    return proxies;
}

bool TrustedProxies::contains(const QHostAddress &address) const
{
    // IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d.
    const QHostAddress plain = clientAddress(address);
    for (const auto &subnet : m_subnets) {
        if (plain.isInSubnet(subnet))
            return true;
    }
    return false;
}

QHostAddress TrustedProxies::clientOf(const QHostAddress &peer, QByteArrayView forwardedFor) const
{
    if (forwardedFor.isEmpty() || !contains(peer))
        return peer;
    // Several headers arrive joined by commas; each hop appends, so the right end is nearest.
    const QList<QByteArray> hops = forwardedFor.toByteArray().split(',');
    for (qsizetype i = hops.size() - 1; i >= 0; --i) {
        QHostAddress hop;
        if (!hop.setAddress(QString::fromLatin1(hops[i].trimmed())))
            return peer; // a hop we cannot read: no address to its left can be trusted
        if (!contains(hop))
            return clientAddress(hop);
    }
    return peer; // a chain of trusted proxies only
}

} // namespace depot
