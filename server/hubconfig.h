#pragma once

#include "dispatch/result.h"

#include <QHostAddress>
#include <QString>

class QCommandLineParser;
class QProcessEnvironment;

namespace depot {

/// Everything the hub is started with; each field is a flag and a DEPOT_* variable.
struct HubConfig
{
    QHostAddress host = QHostAddress::AnyIPv4;
    QString hostText = QStringLiteral("0.0.0.0");
    quint16 port = 3000;
    QString dataDir;
    QString adminPassword;
    int locationIntervalSeconds = 30;
    double locationDistanceMetres = 50;
    quint16 osmandPort = 5055;
    bool demo = false;
    QByteArray corsOrigin = "*";
    // HTTPS and WSS on the port: a certificate and key given, or one made for this machine.
    bool tlsSelfSigned = false;
    QString tlsCertificateFile;
    QString tlsKeyFile;
    // Map tiles served on /tiles: an MBTiles file, else an XYZ upstream ("none": no upstream)
    // through a disk cache (empty: a folder in the data dir).
    QString tilesFile;
    QString tileUrl = defaultTileUrl();
    QString tileCache;

    bool usesTls() const { return tlsSelfSigned || !tlsCertificateFile.isEmpty(); }
    static QString defaultTileUrl()
    {
        return QStringLiteral("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
    }
};

/// Adds the hub's flags to a parser shared by depot and depot-hub.
void addHubOptions(QCommandLineParser &parser);

/// Reads the flags, falling back to DEPOT_<NAME> variables; a flag beats its variable.
Result<HubConfig> hubConfigFrom(const QCommandLineParser &parser, const QProcessEnvironment &env);

} // namespace depot
