#pragma once
// Test fixtures for map tiles: an XYZ tile server on 127.0.0.1 and an MBTiles file writer.

#include <QHash>
#include <QList>
#include <QPointer>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>

namespace depot::test {

/// An XYZ tile server on 127.0.0.1 that records every request and answers when told to: 200
/// with the tile `tileFor(path)` gives, 304 when the client sends the current ETag, or `status`.
class FakeTileServer : public QObject
{
public:
    struct Request
    {
        QByteArray path;
        QHash<QByteArray, QByteArray> headers; // lower-case names
        QPointer<QTcpSocket> socket;
    };

    explicit FakeTileServer(std::function<QByteArray(const QByteArray &path)> tileFor)
        : m_tileFor(std::move(tileFor))
    {
        m_listening = m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
        });
    }

    bool isListening() const { return m_listening; }
    QString urlTemplate() const
    {
        return QStringLiteral("http://127.0.0.1:%1/{z}/{x}/{y}.png").arg(m_server.serverPort());
    }
    void answerAll()
    {
        while (!pending.isEmpty())
            answer(pending.takeFirst());
    }

    QList<Request> requests;
    QList<Request> pending;
    bool holdAnswers = false;
    int status = 200;
    QByteArray cacheControl = "max-age=60";
    QByteArray etag = "\"v1\"";

private:
    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        qsizetype end;
        while ((end = buffer.indexOf("\r\n\r\n")) >= 0) {
            const QList<QByteArray> lines = buffer.left(end).split('\n');
            buffer.remove(0, end + 4);
            Request request{lines.value(0).split(' ').value(1), {}, socket};
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const auto colon = lines.at(i).indexOf(':');
                if (colon > 0)
                    request.headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                           lines.at(i).mid(colon + 1).trimmed());
            }
            requests.append(request);
            if (holdAnswers)
                pending.append(request);
            else
                answer(request);
        }
    }

    void answer(const Request &request)
    {
        if (!request.socket)
            return;
        const QByteArray common =
            "Cache-Control: " + cacheControl + "\r\nETag: " + etag + "\r\nContent-Length: ";
        if (status == 200 && request.headers.value("if-none-match") == etag) {
            request.socket->write("HTTP/1.1 304 Not Modified\r\n" + common + "0\r\n\r\n");
            return;
        }
        const QByteArray body = status == 200 ? m_tileFor(request.path) : QByteArray("no");
        request.socket->write("HTTP/1.1 " + QByteArray::number(status) +
                              " X\r\nContent-Type: image/png\r\n" + common +
                              QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }

    std::function<QByteArray(const QByteArray &)> m_tileFor;
    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    bool m_listening = false;
};

/// One tile of an MBTiles file, its row stored the TMS way (counted from the south).
struct StoredTile
{
    int z;
    int x;
    int tmsRow;
    QByteArray bytes;
};

/// Writes an MBTiles file with these tiles and, when given, a metadata table.
inline bool writeMbTiles(const QString &path, const QList<StoredTile> &tiles,
                         const QList<std::pair<QString, QString>> &metadata = {})
{
    const QString connection = QStringLiteral("depot-test-mbtiles-writer");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        ok = db.open();
        QSqlQuery q(db);
        ok = ok &&
             q.exec(QStringLiteral("CREATE TABLE tiles (zoom_level integer, tile_column "
                                   "integer, tile_row integer, tile_data blob)")) &&
             q.exec(QStringLiteral("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, "
                                   "tile_column, tile_row)"));
        for (const StoredTile &tile : tiles) {
            QSqlQuery insert(db);
            insert.prepare(QStringLiteral("INSERT INTO tiles VALUES (?, ?, ?, ?)"));
            insert.addBindValue(tile.z);
            insert.addBindValue(tile.x);
            insert.addBindValue(tile.tmsRow);
            insert.addBindValue(tile.bytes);
            ok = ok && insert.exec();
        }
        if (!metadata.isEmpty())
            ok = ok && q.exec(QStringLiteral("CREATE TABLE metadata (name text, value text)"));
        for (const auto &[name, value] : metadata) {
            QSqlQuery insert(db);
            insert.prepare(QStringLiteral("INSERT INTO metadata VALUES (?, ?)"));
            insert.addBindValue(name);
            insert.addBindValue(value);
            ok = ok && insert.exec();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

} // namespace depot::test
