// Faults of a cluster on one Redis: a hub killed with SIGKILL (its clients recover on another hub
// with every event they missed: a connected socket's session is in Redis already), and a Redis
// that stops answering (the hubs drop it after a few seconds and serve their own clients).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, Recorder, WAIT_MS, connected, withTimeout } from './harness.mjs';
import { RedisServer, freePort } from './redis.mjs';
import { hubPid, hubsOnRedis, logged, readersOn, redisClient, until } from './cluster.mjs';

let redis, client, a, b;
before(async () => {
    redis = await RedisServer.start();
    client = redisClient(redis.url);
    [a, b] = await hubsOnRedis(redis.url, 2);
    await readersOn(client, 2);
});
after(async () => {
    client?.disconnect();
    await a?.stop();
    assert.equal(await b?.stop(), b ? 0 : undefined, b?.log());
    await redis?.stop();
});

const created = (rec, n) => rec.take(n).then((events) => events.map((e) => e.data.packageId));

describe('faults', () => {
    it('recovers on hub B the clients of a hub A killed with SIGKILL', async () => {
        const socket = await a.connect({ token: a.token });
        const rec = new Recorder(socket, 'dispatcher of the hub that dies');
        const sid = socket.id;
        const first = await a.createPackage({ recipientName: 'Before the crash' });
        assert.deepEqual(await created(rec, 1), [first.id]);
        await until(() => client.exists(`sio:session:${socket._pid}`), 'the live session in Redis');

        // Its next connection goes to hub B, as through a load balancer once A is down.
        socket.io.uri = b.url;
        socket.auth = { token: b.token };
        socket.io.reconnection(false); // it comes back once the missed events exist
        const gone = withTimeout(new Promise((resolve) => socket.once('disconnect', resolve)), WAIT_MS, 'disconnect');
        process.kill(hubPid(a), 'SIGKILL');
        await gone;
        const missed = [(await b.createPackage({ recipientName: 'Missed 1' })).id,
                        (await b.createPackage({ recipientName: 'Missed 2' })).id];
        socket.connect();
        await connected(socket);
        assert.equal(socket.recovered, true, 'recovered on B');
        assert.equal(socket.id, sid, 'the same session id');
        assert.deepEqual(await created(rec, 2), missed, 'every event it missed, in order');
        socket.close();
    });

    it('drops a Redis that stops answering, serves its own clients meanwhile, and takes it back', async () => {
        const onB = new Recorder(await b.connect({ token: b.token }), 'dispatcher on B');
        redis.pause();
        try {
            const started = Date.now();
            const pkg = await b.createPackage({ recipientName: 'Redis hangs' });
            assert.deepEqual(await created(onB, 1), [pkg.id], 'the event reaches B\'s own client');
            assert.equal(onB.events.at(-1).offset, undefined, 'without an offset');
            await logged(b, /redis .*unreachable \(no answer within/);
            assert.ok(Date.now() - started < WAIT_MS, 'within the stall time');
        } finally {
            redis.resume();
        }
        await logged(b, /redis .* is back: events flow/, 15000);
        const after = await b.createPackage({ recipientName: 'Redis answers again' });
        assert.deepEqual(await created(onB, 1), [after.id]);
        assert.match(onB.events.at(-1).offset ?? '', /^\d+-\d+$/, `an offset again:\n${b.log(40)}`);
    });

    it('starts and serves its own clients when Redis is not there at all', async () => {
        const nowhere = `redis://127.0.0.1:${await freePort()}`;
        const alone = await Hub.start({ args: ['--redis', nowhere] });
        try {
            await logged(alone, /redis .*unreachable/);
            const rec = new Recorder(await alone.connect({ token: alone.token }), 'dispatcher');
            const pkg = await alone.createPackage({ recipientName: 'No Redis' });
            assert.deepEqual(await created(rec, 1), [pkg.id]);
            assert.equal(alone.stderr.filter((l) => /redis .*unreachable/.test(l)).length, 1, 'logged once');
        } finally {
            assert.equal(await alone.stop(), 0, alone.log());
        }
    });
});
