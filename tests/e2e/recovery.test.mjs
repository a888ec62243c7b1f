// Connection state recovery: a tracker whose connection drops gets the same session back and
// every event it missed, in order, once socket.io-client has reconnected by itself; a pid
// presented with another principal's token gets a fresh session instead.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, QUIET_MS, Recorder, WAIT_MS, assertEvents, assertShape, connected, offset, sleep, upgraded, withTimeout } from './harness.mjs';

let hub;
before(async () => {
    hub = await Hub.start();
});
after(async () => {
    // SIGTERM is a clean shutdown: exit code 0.
    assert.equal(await hub?.stop(), hub ? 0 : undefined, hub?.log());
});

const CUTS = [
    {
        name: 'the client closes its Engine.IO connection after the upgrade',
        opts: {},
        cut: (socket) => socket.io.engine.close(),
    },
    {
        name: 'the WebSocket under the client is dropped',
        opts: {},
        cut: (socket) => socket.io.engine.transport.ws.terminate(),
    },
    {
        name: 'the client closes a polling-only connection',
        opts: { transports: ['polling'] },
        cut: (socket) => socket.io.engine.close(),
    },
];

const event = (name, fields) => ({ event: name, ...fields });

describe('connection state recovery', () => {
    for (const cut of CUTS) {
        it(`replays missed events when ${cut.name}`, async () => {
            const courier = await hub.createCourier('Recovery courier');
            const pkg = await hub.createPackage({ recipientName: 'Recovery' });
            await hub.assign(pkg.id, courier.id);
            const token = (await hub.package(pkg.id)).trackingToken;

            const socket = await hub.connect({ token, ...cut.opts });
            assert.equal(socket.recovered, false, 'a first connection is not a recovered one');
            if (!cut.opts.transports)
                await upgraded(socket);
            const tracker = new Recorder(socket, 'tracker');
            const sid = socket.id;

            // Before the drop: one live event, which gives the client an offset.
            const home = { latitude: 40.4168, longitude: -3.7038 };
            await hub.postLocation(courier.id, home, { token: courier.token });
            const live = await tracker.take(1);
            assertEvents(live, [event('location:update', { packageId: pkg.id, location: home })], 'before the drop');
            assert.equal(typeof live[0].offset, 'string', 'every event carries an offset');

            const disconnected = withTimeout(new Promise((resolve) => socket.once('disconnect', resolve)),
                                             WAIT_MS, 'disconnect');
            const reconnected = withTimeout(new Promise((resolve) => socket.io.once('reconnect', resolve)),
                                            15000, 'the client to reconnect by itself');
            cut.cut(socket);
            await disconnected;

            // While the tracker is away.
            const away = offset(home, 80);
            const started = await hub.act(pkg.id, 'start', { token: courier.token });
            await hub.postLocation(courier.id, away, { token: courier.token });
            assert.equal(socket.connected, false, 'the events were sent while the tracker was away');

            await reconnected;
            if (!socket.connected)
                await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), WAIT_MS, 'connect');
            assert.equal(socket.recovered, true, 'socket.recovered after the reconnect');
            assert.equal(socket.id, sid, 'the same session id comes back');

            const missed = await tracker.take(3);
            missed.forEach((e) => assertShape(e, 'missed'));
            assertEvents(missed, [
                event('delivery:started', { packageId: pkg.id, deliveryPersonId: courier.id, timestamp: started.updatedAt }),
                event('package:update', { packageId: pkg.id, status: 'IN_PROGRESS', timestamp: started.updatedAt }),
                event('location:update', { packageId: pkg.id, location: away }),
            ], 'missed events');

            // And the session goes on live.
            await hub.act(pkg.id, 'complete', { token: courier.token });
            assertEvents(await tracker.take(2), [
                event('delivery:completed', { packageId: pkg.id }),
                event('package:update', { packageId: pkg.id, status: 'COMPLETED' }),
            ], 'after the reconnect');
            await sleep(QUIET_MS);
            assertEvents(tracker.pending(), [], 'nothing twice, nothing extra');
            socket.close();
        });
    }

    it('does not give a dispatcher\'s session to a tracker token that presents its pid', async () => {
        const pkg = await hub.createPackage({ recipientName: 'Not yours' });
        const trackingToken = (await hub.package(pkg.id)).trackingToken;
        // socket.io-client asks for auth on every connect and adds the pid and offset itself.
        let token = hub.token;
        const socket = hub.client({ auth: (cb) => cb({ token }) });
        await connected(socket);
        await upgraded(socket);
        const recorder = new Recorder(socket, 'dispatcher');
        await hub.createPackage({ recipientName: 'Gives an offset' });
        assert.equal(typeof (await recorder.take(1))[0].offset, 'string');
        const sid = socket.id;

        const disconnected = withTimeout(new Promise((resolve) => socket.once('disconnect', resolve)),
                                         WAIT_MS, 'disconnect');
        const reconnected = withTimeout(new Promise((resolve) => socket.io.once('reconnect', resolve)),
                                        15000, 'the client to reconnect by itself');
        token = trackingToken;
        socket.io.engine.transport.ws.terminate();
        await disconnected;
        await hub.createPackage({ recipientName: 'For dispatchers only' });
        await reconnected;
        if (!socket.connected)
            await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), WAIT_MS, 'connect');
        assert.equal(socket.recovered, false, 'another principal starts a fresh session');
        assert.notEqual(socket.id, sid);

        // From now on it is the tracker it claims to be: its package's events and nothing else.
        const courier = await hub.createCourier('Online for dispatchers');
        (await hub.connect({ token: courier.token })).close();
        await hub.act(pkg.id, 'cancel');
        assertEvents(await recorder.take(2), [
            event('package:cancelled', { packageId: pkg.id }),
            event('package:update', { packageId: pkg.id, status: 'CANCELLED' }),
        ], 'the tracker\'s own events');
        await sleep(QUIET_MS);
        assertEvents(recorder.pending(), [], 'no replay, no dispatcher-only events');
        socket.close();
    });

    it('does not replay to a new session that sends no pid', async () => {
        const courier = await hub.createCourier('Fresh courier');
        const pkg = await hub.createPackage({ recipientName: 'Fresh' });
        await hub.assign(pkg.id, courier.id);
        const token = (await hub.package(pkg.id)).trackingToken;
        await hub.act(pkg.id, 'start', { token: courier.token });
        const socket = await hub.connect({ token });
        const tracker = new Recorder(socket, 'tracker');
        assert.equal(socket.recovered, false);
        await sleep(QUIET_MS);
        assertEvents(tracker.pending(), [], 'a fresh session gets no history');
        socket.close();
    });
});
