#pragma once
// The config of a hub a test starts in its own process: 127.0.0.1, a free port, no GPS port,
// no tile download, its data in `dataDir`.

#include "hubconfig.h"

namespace depot::test {

inline HubConfig loopbackHubConfig(const QString &dataDir, const QString &adminPassword)
{
    HubConfig config;
    config.host = QHostAddress(QHostAddress::LocalHost);
    config.hostText = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.osmandPort = 0;
    config.dataDir = dataDir;
    config.adminPassword = adminPassword;
    config.tileUrl = QStringLiteral("none");
    return config;
}

} // namespace depot::test
