#pragma once

#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace depot {

/// The reverse proxies (HAProxy in front of a cluster) whose `X-Forwarded-For` a hub believes
/// (`--trusted-proxy`). Behind one, every client arrives from the proxy's address, so the
/// limits kept per client address need the address the proxy saw instead.
class TrustedProxies
{
public:
    /// Parses a comma-separated list of addresses and CIDR blocks ("127.0.0.1,10.0.0.0/8");
    /// nullopt with a message naming the bad entry. An empty list trusts no one.
    static std::optional<TrustedProxies> parse(const QString &list, QString *error);

    bool isEmpty() const { return m_subnets.isEmpty(); }
    bool contains(const QHostAddress &address) const;

    /// The client behind `peer`: when `peer` is a trusted proxy, the right-most address of
    /// `X-Forwarded-For` that is not a trusted proxy itself (entries to its left are whatever
    /// the client wrote, so they are never believed); otherwise, or when the header is
    /// missing or malformed, `peer`.
    QHostAddress clientOf(const QHostAddress &peer, QByteArrayView forwardedFor) const;

private:
    QList<QPair<QHostAddress, int>> m_subnets;
};

} // namespace depot
