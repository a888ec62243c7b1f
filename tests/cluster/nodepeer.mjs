// A Node socket.io 4.8.4 server with @socket.io/redis-streams-adapter 0.3.1 and connection state
// recovery: the peer Depot's hubs interoperate with. Its clients join the rooms named in their
// handshake's auth.rooms (Depot puts its own clients into rooms by role).
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';

export class NodePeer {
    static async start(redisUrl, { maxDisconnectionDuration = 120000 } = {}) {
        const peer = new NodePeer();
        peer.redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
        peer.redis.on('error', () => {});
        await peer.redis.connect();
        peer.http = createServer();
        peer.io = new Server(peer.http, {
            adapter: createAdapter(peer.redis),
            connectionStateRecovery: { maxDisconnectionDuration },
        });
        peer.io.on('connection', (socket) => {
            if (!socket.recovered) {
                for (const room of socket.handshake.auth?.rooms ?? [])
                    socket.join(room);
            }
        });
        await new Promise((resolve) => peer.http.listen(0, '127.0.0.1', resolve));
        peer.url = `http://127.0.0.1:${peer.http.address().port}`;
        return peer; // its reader starts a moment later: see readersOn()
    }

    async stop() {
        this.io.disconnectSockets(true);
        await new Promise((resolve) => this.io.close(() => resolve()));
        this.redis.disconnect();
    }
}
