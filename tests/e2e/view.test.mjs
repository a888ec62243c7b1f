// One picture on every hub: three hubs on one PostgreSQL and one Redis, each driven directly (no
// HAProxy), so that every change is made on one hub and looked at on another. A fix accepted on
// one hub moves the courier in another's REST answers; presence is "online on any hub", also
// when the hub a courier was on is killed; a tracker hears a courier at most once an interval
// whichever hub the fixes reach; a hub that missed changes while Redis was away reads them back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Recorder, WAIT_MS, emitWithAck, offset, withTimeout } from './harness.mjs';
import { startCluster } from './cluster.mjs';

const HOME = { latitude: 40.4168, longitude: -3.7038 };
let cluster, a, b, c;

before(async () => {
    cluster = await startCluster(3, { args: ['--database', '{postgres}', '--redis', '{redis}'] });
    [a, b, c] = cluster.hubs;
});
after(async () => {
    await cluster?.stop();
});

/** Until `check()` holds, asked again every 50 ms (a state in other processes). */
async function until(check, what, ms = WAIT_MS) {
    await withTimeout((async () => {
        while (!(await check()))
            await new Promise((resolve) => setTimeout(resolve, 50));
    })(), ms, what);
}

const onlineOn = async (hub, courierId) => (await hub.call('GET', `/api/couriers/${courierId}`)).online;

describe('one view on every hub', () => {
    it('moves a courier on hub A with a fix hub B accepted', async () => {
        const courier = await a.createCourier('Fix on B');
        const fix = { ...offset(HOME, 120), speed: 3, heading: 45 };
        await b.postLocation(courier.id, fix);
        for (const hub of [a, c]) {
            const seen = await hub.call('GET', `/api/couriers/${courier.id}`);
            assert.equal(seen.lastLocation?.latitude, fix.latitude, hub.name);
            assert.equal(seen.lastLocation?.longitude, fix.longitude, hub.name);
        }
    });

    it('lists on every hub a package made and assigned on another', async () => {
        const courier = await a.createCourier('Package on C');
        const pkg = await c.createPackage({ recipientName: 'Made on C' });
        await c.assign(pkg.id, courier.id);
        const listed = await a.call('GET', `/api/packages?deliveryPersonId=${courier.id}`);
        assert.deepEqual(listed.map((p) => [p.id, p.status]), [[pkg.id, 'ASSIGNED']]);
    });

    it('shows a courier online on any hub, once, and offline when their hub is killed', async () => {
        const courier = await a.createCourier('Presence');
        const dispatcher = new Recorder(await a.connect({ token: a.token }), 'dispatcher on A');
        const onB = await b.connect({ token: courier.token });
        const online = await dispatcher.waitFor((e) => e.event === 'courier:update' && e.data.deliveryPersonId === courier.id);
        assert.equal(online.data.online, true);
        assert.equal(await onlineOn(a, courier.id), true, 'online for A');

        // A second connection on C, then B's goes: still online, and nobody says otherwise.
        const onC = await c.connect({ token: courier.token });
        await until(async () => (await c.call('GET', `/api/couriers/${courier.id}`)).online, 'online on C');
        onB.close();
        assert.equal(await onlineOn(a, courier.id), true, 'still online: connected to C');

        await c.kill('SIGKILL');
        try {
            const offline = await dispatcher.waitFor((e) => e.event === 'courier:update' &&
                                                     e.data.deliveryPersonId === courier.id && !e.data.online,
                                                     'offline once C is gone', 15000);
            assert.equal(offline.data.online, false);
            // Each hub takes a silent hub for gone by its own clock, within a heartbeat of another.
            for (const hub of [a, b])
                await until(async () => !(await onlineOn(hub, courier.id)), `offline for ${hub.name}`);
            const updates = dispatcher.events.filter((e) => e.event === 'courier:update' && e.data.deliveryPersonId === courier.id);
            assert.deepEqual(updates.map((e) => e.data.online), [true, false], 'each change once');
        } finally {
            onC.close();
            await c.restart();
        }
    });

    it('sends a tracker one fix an interval whichever hub takes them', async () => {
        const courier = await a.createCourier('Throttle');
        const pkg = await a.createPackage({ recipientName: 'Throttled' });
        await a.assign(pkg.id, courier.id);
        const token = (await a.package(pkg.id)).trackingToken;
        const tracker = new Recorder(await a.connect({ token }), 'tracker on A');
        const dispatcher = new Recorder(await a.connect({ token: a.token }), 'dispatcher on A');
        const courierOnC = await c.connect({ token: courier.token });

        const first = offset(HOME, 10);
        const close = offset(HOME, 20);
        const far = offset(HOME, 90); // 80 m from the last sent: beyond the 50 m, within the jump slack
        // Each fix reaches the dispatcher whatever the throttle: it marks the fix as handled.
        const handled = (fix) => dispatcher.waitFor((e) => e.event === 'location:update' &&
                                                    e.data.location?.latitude === fix.latitude,
                                                    `the fix at ${fix.latitude}`);
        await b.postLocation(courier.id, first);
        await handled(first);
        assert.deepEqual(await emitWithAck(courierOnC, 'location:update', close), { ok: true });
        await handled(close);
        await a.postLocation(courier.id, far); // beyond the distance: sent within the interval
        await handled(far);
        const heard = await tracker.take(2);
        assert.deepEqual(heard.map((e) => e.data.location.latitude), [first.latitude, far.latitude]);
        courierOnC.close();
    });

    it('reads back what changed while Redis was away once it is back', async () => {
        const { port } = cluster.redis;
        await cluster.redis.stop();
        const courier = await a.createCourier('While away');
        const pkg = await a.createPackage({ recipientName: 'While Redis was away' });
        await a.postLocation(courier.id, HOME);

        const dir = mkdtempSync(path.join(tmpdir(), 'depot-redis-'));
        const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
                                             '--appendonly', 'no', '--dir', dir]);
        const kill = () => redis.kill('SIGKILL');
        process.on('exit', kill);
        cluster.redis = {
            stop: async () => {
                const exited = new Promise((resolve) => redis.once('exit', resolve));
                redis.kill('SIGTERM');
                await exited;
                process.off('exit', kill);
                rmSync(dir, { recursive: true, force: true });
            },
        };
        for (const hub of [a, b])
            await until(() => hub.stderr.some((l) => /is back: events flow between hubs again/.test(l)),
                        `${hub.name} back on Redis`, 15000);
        const listed = await b.call('GET', '/api/packages');
        assert.ok(listed.some((p) => p.id === pkg.id), 'B lists the package A made');
        const seen = await b.call('GET', `/api/couriers/${courier.id}`);
        assert.equal(seen.lastLocation?.latitude, HOME.latitude, 'B shows the fix A took');
    });
});
