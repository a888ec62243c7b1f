// A Node socket.io 4.8.4 server with @socket.io/redis-streams-adapter 0.3.1 on the same Redis as
// a Depot hub is its peer: Node's io.to("dispatchers").emit() reaches Depot's dispatchers, Depot's
// events reach Node's clients in that room, and a client recovers across the two, both ways.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io as connectTo } from 'socket.io-client';
import { Recorder, WAIT_MS, connected, withTimeout } from './harness.mjs';
import { RedisServer } from './redis.mjs';
import { NodePeer } from './nodepeer.mjs';
import { hubsOnRedis, readersOn, redisClient, until } from './cluster.mjs';

let redis, client, hub, peer;
const nodeSockets = [];
before(async () => {
    redis = await RedisServer.start();
    client = redisClient(redis.url);
    [hub] = await hubsOnRedis(redis.url, 1);
    peer = await NodePeer.start(redis.url);
    await readersOn(client, 2);
});
after(async () => {
    for (const s of nodeSockets)
        s.close();
    await peer?.stop();
    client?.disconnect();
    assert.equal(await hub?.stop(), hub ? 0 : undefined, hub?.log());
    await redis?.stop();
});

function nodeClient(auth) {
    const socket = connectTo(peer.url, { forceNew: true, auth });
    nodeSockets.push(socket);
    return socket;
}

/** Drops the connection under a client and waits until its session is kept in Redis. */
async function drop(socket) {
    socket.io.reconnection(false);
    const gone = withTimeout(new Promise((resolve) => socket.once('disconnect', resolve)), WAIT_MS, 'disconnect');
    socket.io.engine.close();
    await gone;
    await until(() => client.exists(`sio:session:${socket._pid}`), 'the session in Redis');
}

const summary = (e) => e.event === 'package:update' ? `package:update ${e.data.packageId}` : `${e.event} ${e.data.text}`;

describe('a Node socket.io server with the Redis Streams adapter as a peer', () => {
    it('carries events both ways, in one order', async () => {
        const depotSide = new Recorder(await hub.connect({ token: hub.token }), 'dispatcher on Depot');
        const nodeSocket = nodeClient({ rooms: ['dispatchers'] });
        await connected(nodeSocket);
        const nodeSide = new Recorder(nodeSocket, 'client of Node in dispatchers');
        const outsider = new Recorder(await connected(nodeClient({ rooms: ['elsewhere'] })), 'client of Node elsewhere');

        // Each event reaches Depot's dispatcher before the next is sent, so the order is known.
        const expected = [];
        for (let i = 0; i < 6; ++i) {
            if (i % 2) {
                peer.io.to('dispatchers').emit('announcement', { text: `from Node ${i}` });
                expected.push(`announcement from Node ${i}`);
            } else {
                const pkg = await hub.createPackage({ recipientName: `From Depot ${i}` });
                expected.push(`package:update ${pkg.id}`);
            }
            await depotSide.waitFor(() => true, `event ${i}`);
        }
        assert.deepEqual(depotSide.events.map(summary), expected, 'Depot\'s dispatcher gets both hubs\' events');
        assert.deepEqual((await nodeSide.take(6)).map(summary), expected, 'Node\'s client gets them in the same order');
        const offsets = depotSide.events.map((e) => e.offset);
        assert.ok(offsets.every((o) => /^\d+-\d+$/.test(o)), `offsets are entry ids: ${offsets}`);
        assert.deepEqual(nodeSide.events.map((e) => e.offset), offsets, 'the same offsets on both');
        assert.deepEqual(outsider.pending(), [], 'a client of Node in another room gets none');
    });

    it('recovers on Node a client that dropped from Depot', async () => {
        const socket = await hub.connect({ token: hub.token });
        const rec = new Recorder(socket, 'dispatcher moving from Depot to Node');
        const sid = socket.id;
        await hub.createPackage({ recipientName: 'Before the drop' });
        await rec.take(1);
        await drop(socket);

        const missedPkg = await hub.createPackage({ recipientName: 'Missed on Depot' });
        peer.io.to('dispatchers').emit('announcement', { text: 'missed from Node' });
        const expected = [`package:update ${missedPkg.id}`, 'announcement missed from Node'];

        socket.io.uri = peer.url;
        socket.connect();
        await connected(socket);
        assert.equal(socket.recovered, true, 'recovered on Node');
        assert.equal(socket.id, sid, 'the same session id');
        assert.deepEqual((await rec.take(2)).map(summary), expected, 'the missed events, in order');
        // In Depot's rooms on Node now: Depot's events reach it there.
        const live = await hub.createPackage({ recipientName: 'Live after the move' });
        assert.deepEqual((await rec.take(1)).map(summary), [`package:update ${live.id}`]);
        socket.close();
    });

    it('recovers on Depot a client that dropped from Node', async () => {
        const socket = nodeClient({ rooms: ['dispatchers'], token: hub.token });
        await connected(socket);
        const rec = new Recorder(socket, 'client moving from Node to Depot');
        const sid = socket.id;
        peer.io.to('dispatchers').emit('announcement', { text: 'before the drop' });
        await rec.take(1);
        await drop(socket);

        peer.io.to('dispatchers').emit('announcement', { text: 'missed from Node' });
        const missedPkg = await hub.createPackage({ recipientName: 'Missed on Depot' });
        const expected = ['announcement missed from Node', `package:update ${missedPkg.id}`];

        socket.io.uri = hub.url;
        socket.connect();
        await connected(socket);
        assert.equal(socket.recovered, true, 'recovered on Depot');
        assert.equal(socket.id, sid, 'the same session id');
        assert.deepEqual((await rec.take(2)).map(summary), expected, 'the missed events, in order');
        peer.io.to('dispatchers').emit('announcement', { text: 'live from Node' });
        assert.deepEqual((await rec.take(1)).map(summary), ['announcement live from Node']);
        socket.close();
    });

    it('carries Node\'s binary events, and its socketsJoin and disconnectSockets', async () => {
        const socket = await hub.connect({ token: hub.token });
        const rec = new Recorder(socket, 'dispatcher on Depot');
        peer.io.to('dispatchers').emit('blob', Buffer.from([1, 2, 3]), { n: 1 });
        const [blob] = await rec.take(1);
        assert.equal(blob.event, 'blob');
        assert.deepEqual([...new Uint8Array(blob.data)], [1, 2, 3], 'the attachment arrives');
        assert.match(blob.offset, /^\d+-\d+$/, 'with its offset');

        peer.io.in(socket.id).socketsJoin('night-shift');
        peer.io.to('night-shift').emit('announcement', { text: 'to the night shift' });
        assert.deepEqual((await rec.take(1)).map(summary), ['announcement to the night shift'],
                         'a Depot socket joined a room at Node\'s word');

        const gone = withTimeout(new Promise((resolve) => socket.once('disconnect', resolve)), WAIT_MS, 'disconnect');
        peer.io.in('night-shift').disconnectSockets();
        assert.equal(await gone, 'io server disconnect');
    });
});
