#include "connectionlimits.h"

#include <QDeadlineTimer>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#include <sys/socket.h>
#elif defined(Q_OS_WIN)
#include <winsock2.h>
#include <ws2tcpip.h>
#endif

namespace depot {

ConnectionCaps defaultConnectionCaps(qint64 openFileLimit)
{
    ConnectionCaps caps;
    const qint64 total = std::clamp<qint64>(openFileLimit / 8 * 7 - 64, 32, 10'000'000);
    caps.total = int(total);
    caps.perAddress = std::max(16, caps.total / 8);
    caps.unauthenticatedPerAddress = std::max(8, caps.perAddress / 8);
    return caps;
}

qint64 openFileLimit()
{
#ifdef Q_OS_UNIX
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return 1'000'000;
    return qint64(limit.rlim_cur);
#else
    // No descriptor limit to read: the caps of a modest Unix default (1,728 connections).
    return 2048;
#endif
}

bool ConnectionGate::admit(const QHostAddress &address)
{
    if (m_maxTotal > 0 && m_open >= m_maxTotal)
        return false;
    int &count = m_perAddress[address];
    if (m_maxPerAddress > 0 && count >= m_maxPerAddress && !m_uncapped.contains(address))
        return false;
    ++count;
    ++m_open;
    return true;
}

void ConnectionGate::release(const QHostAddress &address)
{
    auto it = m_perAddress.find(address);
    if (it == m_perAddress.end())
        return;
    if (--*it <= 0)
        m_perAddress.erase(it);
    --m_open;
}

QHostAddress clientAddress(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

ConnectionTicket admitConnection(const std::shared_ptr<ConnectionGate> &gate, int fd,
                                 bool *admitted)
{
    *admitted = true;
    const qint64 now = QDeadlineTimer::current().deadline();
    if (!gate)
        return ConnectionTicket({}, {}, now);
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    QHostAddress address;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &length) == 0)
        address.setAddress(reinterpret_cast<const sockaddr *>(&peer));
    address = clientAddress(address);
    if (!gate->admit(address)) {
        *admitted = false;
        return {};
    }
    return ConnectionTicket(gate, address, now);
}

} // namespace depot
