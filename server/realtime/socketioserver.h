#pragma once

#include "namespace.h"
#include "protocol/socketio.h"
#include "transport/engineiosession.h"

#include <QAnyStringView>
#include <QBasicTimer>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QVarLengthArray>

#include <memory>

namespace depot {

class EngineIoServer;
class SocketIoServer;

/// One Engine.IO session seen from Socket.IO: decodes its packets and holds its namespace sockets.
class SocketIoClient : public QObject, private EngineIoSession::Receiver
{
    Q_OBJECT

public:
    SocketIoClient(EngineIoSession *session, SocketIoServer &server);
    ~SocketIoClient() override;

    EngineIoSession *session() const { return m_session; }
    /// Sends one Socket.IO packet already encoded as text.
    void sendText(const QByteArray &socketIoText);
    /// Sends an Engine.IO message frame shared with other recipients ("4" + Socket.IO text).
    void sendMessage(const QByteArray &engineIoMessage);
    void sendPacket(const socketio::Packet &packet);
    void close();
    void removeSocket(Socket *socket);
    /// Cuts the client off from its session and sockets, for a server that is going away.
    void detach();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void sessionMessage(const QByteArray &data, bool binary) override;
    void onPacket(const socketio::Packet &packet);
    void sessionClosed(const QString &reason) override;
    friend class Namespace;
    // A CONNECT to nsp ended: socket is the new socket, or nullptr when it was refused.
    void connectDone(const QString &nsp, Socket *socket);

    EngineIoSession *m_session;
    SocketIoServer &m_server;
    socketio::Decoder m_decoder;
    Socket *socketIn(QAnyStringView nsp) const;
    // Hands a plain EVENT to its namespace's raw handler, if it has one and takes it.
    bool takeRawEvent(QByteArrayView text);

    // By namespace. Nearly every client joins one, so it is held inline: a hash would cost
    // about 1.5 KiB per connection.
    QVarLengthArray<std::pair<QString, Socket *>, 1> m_sockets;
    QStringList m_connecting; // namespaces whose CONNECT waits for a restored session
    QBasicTimer m_connectTimer;
    bool m_closed = false;
};

/// The Socket.IO v5 server on top of the Engine.IO server: namespaces, their sockets and rooms.
class SocketIoServer : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int connectTimeoutMs = 45'000;
        Namespace::Options namespaces;
        socketio::Decoder::Options decoder;
        int maxNamespacesPerClient = 16;
    };

    SocketIoServer(EngineIoServer &engine, Options options, QObject *parent = nullptr);
    ~SocketIoServer() override;

    /// The namespace with this name, made on first use; only made namespaces accept clients.
    Namespace &of(const QString &name);
    Namespace *find(const QString &name) const { return m_namespaces.value(name); }
    const Options &options() const { return m_options; }
    qsizetype clientCount() const { return m_clients.size(); }

private:
    friend class SocketIoClient;
    void onConnection(EngineIoSession *session);

    Options m_options;
    QHash<QString, Namespace *> m_namespaces;
    QSet<SocketIoClient *> m_clients;
};

} // namespace depot
