// An unmodified socket.io-client 4.8 against the hub, over each transport it can use.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, Recorder, assertShape, connectError, emitWithAck, offset, sleep, upgraded } from './harness.mjs';

const MODES = [
    { name: 'default options (polling, then upgrade to WebSocket)', opts: {}, first: 'polling', last: 'websocket' },
    { name: 'transports: ["polling"]', opts: { transports: ['polling'] }, first: 'polling', last: 'polling' },
    { name: 'transports: ["websocket"]', opts: { transports: ['websocket'] }, first: 'websocket', last: 'websocket' },
];

const HOME = { latitude: 52.52, longitude: 13.405 };

let hub;
before(async () => {
    hub = await Hub.start();
});
after(async () => {
    // SIGTERM is a clean shutdown: exit code 0.
    assert.equal(await hub?.stop(), hub ? 0 : undefined, hub?.log());
});

it('opens an Engine.IO session with the contract\'s defaults', async () => {
    const res = await fetch(`${hub.url}/socket.io/?EIO=4&transport=polling`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(text[0], '0', text);
    const open = JSON.parse(text.slice(1));
    assert.equal(typeof open.sid, 'string');
    assert.deepStrictEqual(open.upgrades, ['websocket']);
    assert.equal(open.pingInterval, 25000);
    assert.equal(open.pingTimeout, 20000);
    assert.equal(open.maxPayload, 1000000);
});

for (const mode of MODES) {
    describe(mode.name, () => {
        let courier;
        before(async () => {
            courier = await hub.createCourier('Ada Lovelace');
        });

        it(`connects a dispatcher and ends on ${mode.last}`, async () => {
            const socket = hub.client({ token: hub.token, ...mode.opts });
            const first = new Promise((resolve) => socket.io.once('open', () => resolve(socket.io.engine.transport.name)));
            await new Promise((resolve, reject) => {
                socket.once('connect', resolve);
                socket.once('connect_error', reject);
            });
            assert.equal(await first, mode.first);
            assert.equal(typeof socket.id, 'string');
            assert.ok(socket.id.length > 0);
            if (mode.last === 'websocket')
                await upgraded(socket);
            else
                await sleep(500); // long enough for an upgrade, which must not happen
            assert.equal(socket.io.engine.transport.name, mode.last);
            // Still usable after the upgrade: a round trip with an ack.
            const ack = await emitWithAck(socket, 'location:update', HOME);
            assert.equal(typeof ack?.error?.code, 'string');
            socket.close();
        });

        it('acks a courier location:update with {ok:true} and stores the fix', async () => {
            const socket = await hub.connect({ token: courier.token, ...mode.opts });
            const fix = { ...HOME, accuracy: 5, speed: 4.5, heading: 90 };
            assert.deepStrictEqual(await emitWithAck(socket, 'location:update', fix), { ok: true });
            const stored = await hub.call('GET', `/api/couriers/${courier.id}`);
            assert.equal(stored.lastLocation?.latitude, fix.latitude);
            assert.equal(stored.lastLocation?.longitude, fix.longitude);
            assert.equal(stored.online, true);

            // An emit without an ack is taken too, and the connection stays usable.
            const next = offset(HOME, 20);
            socket.emit('location:update', next);
            assert.deepStrictEqual(await emitWithAck(socket, 'location:update', offset(HOME, 40)), { ok: true });
            socket.close();
        });

        it('refuses a location:update from a dispatcher with an error ack', async () => {
            const socket = await hub.connect({ token: hub.token, ...mode.opts });
            const ack = await emitWithAck(socket, 'location:update', HOME);
            assert.equal(typeof ack?.error?.message, 'string', JSON.stringify(ack));
            assert.equal(ack.error.code, 'forbidden', JSON.stringify(ack));
            assert.equal(ack.ok, undefined);
            socket.close();
        });

        it('refuses bad coordinates with an error ack and changes nothing', async () => {
            const socket = await hub.connect({ token: courier.token, ...mode.opts });
            const before = (await hub.call('GET', `/api/couriers/${courier.id}`)).lastLocation;
            const bad = [
                { latitude: 91, longitude: 13.4 },
                { latitude: -90.5, longitude: 13.4 },
                { latitude: 52.5, longitude: 180.5 },
                { latitude: 52.5, longitude: -181 },
                { latitude: '52.5', longitude: 13.4 },
                { latitude: 52.5 },
                {},
            ];
            for (const fix of bad) {
                const ack = await emitWithAck(socket, 'location:update', fix);
                assert.equal(typeof ack?.error?.message, 'string', `${JSON.stringify(fix)} -> ${JSON.stringify(ack)}`);
                assert.equal(ack.error.code, 'validation_failed', `${JSON.stringify(fix)} -> ${JSON.stringify(ack)}`);
            }
            const notAnObject = await emitWithAck(socket, 'location:update', 'here');
            assert.equal(typeof notAnObject?.error?.code, 'string', JSON.stringify(notAnObject));
            const after = (await hub.call('GET', `/api/couriers/${courier.id}`)).lastLocation;
            assert.deepStrictEqual(after, before);
            assert.ok(socket.connected);
            socket.close();
        });

        it('sends a dispatcher package:update after a REST create and assign', async () => {
            const socket = await hub.connect({ token: hub.token, ...mode.opts });
            const rec = new Recorder(socket, 'dispatcher');
            const pkg = await hub.createPackage({ recipientName: 'Grace Hopper' });
            await rec.waitFor((e) => e.event === 'package:update' && e.data?.packageId === pkg.id,
                              'package:update PENDING');
            const assigned = await hub.assign(pkg.id, courier.id);
            await rec.waitFor((e) => e.event === 'package:update' && e.data?.packageId === pkg.id &&
                              e.data?.status === 'ASSIGNED', 'package:update ASSIGNED');
            const mine = rec.events.filter((e) => e.data?.packageId === pkg.id);
            mine.forEach((e) => assertShape(e, 'dispatcher'));
            assert.deepStrictEqual(mine.map((e) => [e.event, e.data.status ?? null, e.data.deliveryPersonId]), [
                ['package:update', 'PENDING', null],
                ['delivery:assigned', null, courier.id],
                ['package:update', 'ASSIGNED', courier.id],
            ]);
            assert.equal(mine[2].data.timestamp, assigned.updatedAt);
            assert.equal(mine[1].data.timestamp, mine[2].data.timestamp);
            assert.equal(mine[2].data.reason, null);
            socket.close();
        });

        it('refuses an unknown token with connect_error "unauthorized"', async () => {
            for (const token of ['not-a-token', '', 'Bearer ' + hub.token.slice(1)]) {
                const err = await connectError(hub.client({ token, ...mode.opts }));
                assert.equal(err.message, 'unauthorized', `token ${JSON.stringify(token)}`);
                assert.equal(err.data?.code, 'unauthorized', `token ${JSON.stringify(token)}`);
            }
        });

        it('refuses a missing token with connect_error "unauthorized"', async () => {
            for (const auth of [null, {}, { token: null }, { token: 42 }]) {
                const err = await connectError(hub.client({ auth, ...mode.opts }));
                assert.equal(err.message, 'unauthorized', `auth ${JSON.stringify(auth)}`);
                assert.equal(err.data?.code, 'unauthorized', `auth ${JSON.stringify(auth)}`);
            }
        });

        it('refuses a namespace other than "/" with connect_error "Invalid namespace"', async () => {
            for (const nsp of ['/admin', '/dispatch']) {
                const err = await connectError(hub.client({ token: hub.token, nsp, ...mode.opts }));
                assert.equal(err.message, 'Invalid namespace', nsp);
            }
        });
    });
}
