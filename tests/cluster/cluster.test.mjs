// Two depot-hub processes on one redis-server: each hub's events reach the room's members on the
// other, in the same order everywhere; a client that drops from one hub recovers on the other
// with every event it missed; Redis killed and started again: each hub still serves its own
// clients, logs the outage once, and the hubs share events again once Redis is back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { QUIET_MS, Recorder, WAIT_MS, connected, hubExecutable, sleep, withTimeout } from './harness.mjs';
import { RedisServer } from './redis.mjs';
import { hubsOnRedis, logged, readersOn, redisClient, until } from './cluster.mjs';

let redis, client, a, b;
before(async () => {
    redis = await RedisServer.start();
    client = redisClient(redis.url);
    [a, b] = await hubsOnRedis(redis.url, 2);
    await readersOn(client, 2);
});
after(async () => {
    client?.disconnect();
    for (const hub of [a, b])
        assert.equal(await hub?.stop(), hub ? 0 : undefined, hub?.log());
    await redis?.stop();
});

const created = (rec, n) => rec.take(n).then((events) => events.filter((e) => e.event === 'package:update')
                                                               .map((e) => e.data.packageId));

describe('hubs on one Redis', () => {
    it('sends each event to its room on every hub, in one order', async () => {
        const onA = new Recorder(await a.connect({ token: a.token }), 'dispatcher on A');
        const onB = new Recorder(await b.connect({ token: b.token }), 'dispatcher on B');
        const ids = [];
        for (let i = 0; i < 20; ++i) {
            const hub = i % 3 === 2 ? b : a;
            ids.push((await hub.createPackage({ recipientName: `Order ${i}` })).id);
        }
        assert.deepEqual(await created(onA, 20), ids, 'dispatcher on A');
        assert.deepEqual(await created(onB, 20), ids, 'dispatcher on B');
        const offsets = onB.events.map((e) => e.offset);
        assert.ok(offsets.every((o) => /^\d+-\d+$/.test(o)), `offsets are stream entry ids: ${offsets}`);
        assert.deepEqual(onA.events.map((e) => e.offset), offsets, 'one offset per event on every hub');

        // Both hubs at once: every dispatcher sees the same sequence, whatever the interleaving.
        const burst = await Promise.all(Array.from({ length: 30 }, (_, i) =>
            (i % 2 ? b : a).createPackage({ recipientName: `Burst ${i}` }).then((p) => p.id)));
        const seenOnA = await created(onA, 30);
        assert.deepEqual(await created(onB, 30), seenOnA, 'the same order on both hubs');
        assert.deepEqual(new Set(seenOnA), new Set(burst), 'every event of the burst');
        const entries = await client.xlen('socket.io');
        assert.ok(entries >= 20, `the events are entries of the stream socket.io (${entries})`);
    });

    it('recovers on hub B a client that dropped from hub A, with every event it missed', async () => {
        const socket = await a.connect({ token: a.token });
        const rec = new Recorder(socket, 'dispatcher moving from A to B');
        const sid = socket.id;
        const first = await a.createPackage({ recipientName: 'Before the drop' });
        assert.deepEqual(await created(rec, 1), [first.id]);

        // The client's next connection goes to hub B, as through a load balancer.
        socket.io.reconnection(false);
        const dropped = withTimeout(new Promise((resolve) => socket.once('disconnect', resolve)), WAIT_MS, 'disconnect');
        socket.io.engine.close();
        await dropped;
        await until(() => client.exists(`sio:session:${socket._pid}`), 'hub A to keep the session in Redis');

        const missed = [];
        missed.push((await a.createPackage({ recipientName: 'Missed on A' })).id);
        missed.push((await b.createPackage({ recipientName: 'Missed on B' })).id);
        missed.push((await a.createPackage({ recipientName: 'Missed on A again' })).id);

        socket.io.uri = b.url;
        socket.auth = { token: b.token };
        socket.connect();
        await connected(socket);
        assert.equal(socket.recovered, true, 'socket.recovered on hub B');
        assert.equal(socket.id, sid, 'the same session id');
        assert.deepEqual(await created(rec, 3), missed, 'the missed events, in order');
        const kept = await client.get(`sio:session:${socket._pid}`);
        assert.ok(kept, 'kept again as the session of a connected socket');
        assert.ok(await client.pttl(`sio:session:${socket._pid}`) > 120000, 'for longer than the window');

        // Back in its rooms on B: live events from both hubs.
        const live = [(await a.createPackage({ recipientName: 'Live from A' })).id,
                      (await b.createPackage({ recipientName: 'Live from B' })).id];
        assert.deepEqual(await created(rec, 2), live, 'live events after the recovery');
        socket.close();
    });

    it('a pid presented with another principal\'s token starts a fresh session on the other hub', async () => {
        const courier = await a.createCourier('Cross-hub courier');
        const socket = await a.connect({ token: a.token });
        const rec = new Recorder(socket, 'dispatcher');
        await a.createPackage({ recipientName: 'Gives an offset' });
        await rec.take(1);
        socket.io.reconnection(false);
        const dropped = new Promise((resolve) => socket.once('disconnect', resolve));
        socket.io.engine.close();
        await dropped;
        await until(() => client.exists(`sio:session:${socket._pid}`), 'the session in Redis');
        const pid = socket._pid;
        // The courier's token is valid on A only (it was made after the hubs' data dirs were
        // copied), so it goes to A; the session is hub A's dispatcher's.
        socket.auth = { token: courier.token };
        socket.connect();
        await connected(socket);
        assert.equal(socket.recovered, false, 'not recovered with another principal');
        assert.equal(await client.exists(`sio:session:${pid}`), 1, 'the session stays for its owner');
        socket.close();
    });

    it('serves each hub\'s own clients while Redis is down, and shares events again once it is back', async () => {
        const onA = new Recorder(await a.connect({ token: a.token }), 'dispatcher on A');
        const onB = new Recorder(await b.connect({ token: b.token }), 'dispatcher on B');
        const downBefore = a.stderr.filter((l) => /redis .*unreachable/.test(l)).length;

        await redis.kill();
        await Promise.all([logged(a, /redis .*unreachable/), logged(b, /redis .*unreachable/)]);
        const localA = (await a.createPackage({ recipientName: 'While Redis is down (A)' })).id;
        const localB = (await b.createPackage({ recipientName: 'While Redis is down (B)' })).id;
        assert.deepEqual(await created(onA, 1), [localA], 'hub A serves its own dispatcher');
        assert.deepEqual(await created(onB, 1), [localB], 'hub B serves its own dispatcher');
        assert.equal(onA.events.at(-1).offset, undefined, 'no offset without Redis');
        // Several reconnects fail meanwhile (100 ms, 200 ms, 400 ms ...).
        await sleep(QUIET_MS);
        assert.deepEqual(onA.pending(), [], 'nothing from hub B reached A');
        assert.deepEqual(onB.pending(), [], 'nothing from hub A reached B');

        await redis.restart();
        await Promise.all([logged(a, /redis .* is back: events flow/, 15000), logged(b, /redis .* is back: events flow/, 15000)]);
        await readersOn(client, 2);
        const fromA = (await a.createPackage({ recipientName: 'Redis is back (A)' })).id;
        const fromB = (await b.createPackage({ recipientName: 'Redis is back (B)' })).id;
        assert.deepEqual(await created(onA, 2), [fromA, fromB], 'dispatcher on A');
        assert.deepEqual(await created(onB, 2), [fromA, fromB], 'dispatcher on B');
        assert.equal(a.stderr.filter((l) => /redis .*unreachable/.test(l)).length, downBefore + 1,
                     `the outage is logged once:\n${a.log()}`);
    });
});

describe('--redis and DEPOT_REDIS', () => {
    const run = (args, env = {}) => spawnSync(hubExecutable(), ['--port', '0', '--osmand-port', '0', ...args],
                                              { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10000 });
    for (const [name, args, env] of [
        ['a URL of another scheme', ['--redis', 'http://:hunter2@127.0.0.1:6379'], {}],
        ['a database that is not a number', ['--redis', 'redis://:hunter2@127.0.0.1/x'], {}],
        ['a bad DEPOT_REDIS', [], { DEPOT_REDIS: 'redis://:hunter2@127.0.0.1:99999' }],
    ]) {
        it(`refuses ${name} with one line and exit code 2, without the password`, () => {
            const result = run(args, env);
            assert.equal(result.status, 2, result.stderr);
            const lines = result.stderr.trim().split('\n');
            assert.equal(lines.length, 1, result.stderr);
            assert.match(lines[0], /redis/);
            assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
        });
    }
});
