#pragma once

#include "trustedproxies.h"
#include <QHash>

#include <QHostAddress>

#include <memory>

namespace depot {

/// What one connection may hold and how long it may take; shared by every port's transports.
struct ConnectionLimits
{
    /// Output a client has not read yet; past it the connection is not read until half of it
    /// has drained.
    qint64 maxUnsentBytes = 1024 * 1024;
    /// A connection whose output stays past maxUnsentBytes this long is closed.
    int stallTimeoutMs = 30000;
    /// A request head must arrive whole within this time of its first byte (of the connection,
    /// for the first request).
    int headTimeoutMs = 10000;
    /// A keep-alive connection with no request in progress and nothing parked is closed after
    /// this time.
    int idleTimeoutMs = 60000;
};

/// The caps of a hub; 0 turns one off.
struct ConnectionCaps
{
    int total = 0;
    int perAddress = 0;
    int unauthenticatedPerAddress = 0;
};

/// Caps that keep the hub inside `openFileLimit` descriptors, with room for its database, logs
/// and tiles: seven eighths of the limit less 64 in total, an eighth of that per address, and an
/// eighth of that for Engine.IO sessions still connecting from one address.
ConnectionCaps defaultConnectionCaps(qint64 openFileLimit);

/// The process's current open-file limit (RLIMIT_NOFILE).
qint64 openFileLimit();

/// Counts open connections in total and per client address, for every port that shares it.
class ConnectionGate
{
public:
    /// 0 means no limit.
    ConnectionGate(int maxTotal, int maxPerAddress)
        : m_maxTotal(maxTotal)
        , m_maxPerAddress(maxPerAddress)
    {}

    /// Counts a new connection from `address`; false, counting nothing, when a cap is reached.
    bool admit(const QHostAddress &address);
    /// Proxies bring many clients over one address: only the total caps them.
    void setUncapped(TrustedProxies proxies) { m_uncapped = std::move(proxies); }
    void release(const QHostAddress &address);
    int openCount() const { return m_open; }
    int openCount(const QHostAddress &address) const { return m_perAddress.value(address); }

private:
    int m_maxTotal;
    int m_maxPerAddress;
    TrustedProxies m_uncapped;
    int m_open = 0;
    QHash<QHostAddress, int> m_perAddress;
};

/// One admitted connection; releases its place in the gate when it goes.
class ConnectionTicket
{
public:
    ConnectionTicket() = default;
    ConnectionTicket(std::shared_ptr<ConnectionGate> gate, QHostAddress address,
                     qint64 acceptedAtMs)
        : m_gate(std::move(gate))
        , m_address(std::move(address))
        , m_acceptedAtMs(acceptedAtMs)
    {}
    ConnectionTicket(ConnectionTicket &&other) noexcept = default;
    ConnectionTicket &operator=(ConnectionTicket &&other) noexcept
    {
        if (this != &other) {
            reset();
            m_gate = std::move(other.m_gate);
            m_address = std::move(other.m_address);
            m_acceptedAtMs = other.m_acceptedAtMs;
        }
        return *this;
    }
    ConnectionTicket(const ConnectionTicket &) = delete;
    ConnectionTicket &operator=(const ConnectionTicket &) = delete;
    ~ConnectionTicket() { reset(); }

    /// When the connection was accepted (QDeadlineTimer's clock), or 0 for none.
    qint64 acceptedAtMs() const { return m_acceptedAtMs; }

    void reset()
    {
        if (auto gate = std::exchange(m_gate, nullptr))
            gate->release(m_address);
    }

private:
    std::shared_ptr<ConnectionGate> m_gate;
    QHostAddress m_address;
    qint64 m_acceptedAtMs = 0;
};

/// The address a client is counted under: an IPv4 client on a dual-stack socket as IPv4.
QHostAddress clientAddress(const QHostAddress &address);

/// Admits a connection from the socket `fd` to `gate` (none: always admitted), accepted now.
/// Sets `admitted`; the ticket of a refused connection holds no place.
ConnectionTicket admitConnection(const std::shared_ptr<ConnectionGate> &gate, int fd,
                                 bool *admitted);

} // namespace depot
