// A dispatcher, two couriers and two trackers follow a day of deliveries; each client must see
// exactly the events the contract gives it, in order, and nothing else.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    Hub, QUIET_MS, Recorder, assertEvents, assertShape, emitWithAck, offset, sleep, upgraded,
} from './harness.mjs';

const INTERVAL_S = 30;
const DISTANCE_M = 50;
// Every fix of the day moves on by more than DISTANCE_M from all earlier ones, so the throttle
// lets each through, and by less than the hub's GPS-jump slack, so none is dropped as a jump.
const STEP_M = 70;

let hub;
before(async () => {
    hub = await Hub.start({ args: ['--location-interval', String(INTERVAL_S),
                                   '--location-distance', String(DISTANCE_M)] });
});
after(async () => {
    // SIGTERM is a clean shutdown: exit code 0.
    assert.equal(await hub?.stop(), hub ? 0 : undefined, hub?.log());
});

const status = (packageId, status, deliveryPersonId, reason = null) =>
    ({ event: 'package:update', packageId, status, deliveryPersonId, reason });
const assigned = (packageId, deliveryPersonId) => ({ event: 'delivery:assigned', packageId, deliveryPersonId });
const started = (packageId, deliveryPersonId) => ({ event: 'delivery:started', packageId, deliveryPersonId });
const completed = (packageId, deliveryPersonId) => ({ event: 'delivery:completed', packageId, deliveryPersonId });
const failed = (packageId, deliveryPersonId, reason) => ({ event: 'delivery:failed', packageId, deliveryPersonId, reason });
const cancelled = (packageId, reason) => ({ event: 'package:cancelled', packageId, reason });
const presence = (deliveryPersonId, online) => ({ event: 'courier:update', deliveryPersonId, online });
const moved = (deliveryPersonId, packageId, { latitude, longitude }, extra = {}) =>
    ({ event: 'location:update', deliveryPersonId, packageId, location: { latitude, longitude }, ...extra });

describe('a day of deliveries', () => {
    const clients = {}; // name -> Recorder
    const all = () => Object.values(clients);

    /**
     * Runs `action`, then checks that every client got exactly `expect[name]` (nothing for a
     * client not named). Returns what the action returned and the events by client.
     */
    async function step(label, action, expect) {
        const result = await action();
        const got = {};
        for (const rec of all()) {
            const want = expect[rec.name] ?? [];
            try {
                got[rec.name] = await rec.take(want.length);
            } catch (err) {
                err.message = `${label}: ${err.message}`;
                throw err;
            }
            got[rec.name].forEach((e) => assertShape(e, `${label}, ${rec.name}:`));
            assertEvents(got[rec.name], want, `${label}, ${rec.name}`);
        }
        return { result, got };
    }

    /** The specific event and its package:update carry one timestamp: the package's updatedAt. */
    function sameTimestamps(got, pkg) {
        for (const [name, events] of Object.entries(got)) {
            const mine = events.filter((e) => e.data?.packageId === pkg.id && e.event !== 'location:update');
            for (const e of mine)
                assert.equal(e.data.timestamp, pkg.updatedAt, `${name}: ${e.event} timestamp vs updatedAt`);
        }
    }

    it('follows the day', async () => {
        // Morning: the dispatcher opens the console; two couriers are on the books.
        const dispatcher = await hub.connect({ token: hub.token });
        clients.dispatcher = new Recorder(dispatcher, 'dispatcher');
        const a = await hub.createCourier('Ada');
        const b = await hub.createCourier('Bob');

        const created = [
            await hub.createPackage({ recipientName: 'One', destination: offset({ latitude: 52.52, longitude: 13.405 }, 2000) }),
            await hub.createPackage({ recipientName: 'Two', destination: { latitude: 52.50, longitude: 13.40 } }),
            await hub.createPackage({ recipientName: 'Three' }),
            await hub.createPackage({ recipientName: 'Four' }),
        ];
        const [p1, p2, p3, p4] = created;
        for (const p of created) {
            assert.match(p.id, /^[0-9a-f-]{36}$/);
            assert.equal(p.status, 'PENDING');
            assert.equal(typeof p.trackingToken, 'string');
        }
        const pendings = await clients.dispatcher.take(4);
        pendings.forEach((e) => assertShape(e, 'create packages, dispatcher:'));
        assertEvents(pendings, created.map((p) => status(p.id, 'PENDING', null)), 'create packages, dispatcher');

        // The couriers come online: the dispatcher sees their presence, nobody else does.
        await step('courier A online', async () => {
            const s = await hub.connect({ token: a.token });
            clients.courierA = new Recorder(s, 'courierA');
        }, { dispatcher: [presence(a.id, true)] });
        await step('courier B online', async () => {
            const s = await hub.connect({ token: b.token, transports: ['polling'] });
            clients.courierB = new Recorder(s, 'courierB');
        }, { dispatcher: [presence(b.id, true)] });

        // Two customers open their tracking pages with the tokens from the dispatcher's view.
        await step('trackers connect', async () => {
            const t1 = (await hub.package(p1.id)).trackingToken;
            const t2 = (await hub.package(p2.id)).trackingToken;
            assert.equal(typeof t1, 'string');
            const s1 = await hub.connect({ token: t1 });
            const s2 = await hub.connect({ token: t2, transports: ['websocket'] });
            clients.tracker1 = new Recorder(s1, 'tracker1');
            clients.tracker2 = new Recorder(s2, 'tracker2');
            await upgraded(s1);
            await upgraded(clients.courierA.socket);
            await upgraded(dispatcher);
        }, {});

        let aAt = { latitude: 52.52, longitude: 13.405 };
        let bAt = { latitude: 52.50, longitude: 13.30 };
        const advance = (at) => offset(at, 0, STEP_M);

        // Ada reports in before she has any package: only dispatchers hear of it.
        await step('courier A fix, no package', async () => {
            const ack = await emitWithAck(clients.courierA.socket, 'location:update', aAt);
            assert.deepStrictEqual(ack, { ok: true });
        }, { dispatcher: [moved(a.id, null, aAt)] });

        let r = await step('assign P1 to A', () => hub.assign(p1.id, a.id), {
            dispatcher: [assigned(p1.id, a.id), status(p1.id, 'ASSIGNED', a.id)],
            courierA: [assigned(p1.id, a.id), status(p1.id, 'ASSIGNED', a.id)],
            tracker1: [assigned(p1.id, a.id), status(p1.id, 'ASSIGNED', a.id)],
        });
        sameTimestamps(r.got, r.result);

        r = await step('assign P2 to A', () => hub.assign(p2.id, a.id), {
            dispatcher: [assigned(p2.id, a.id), status(p2.id, 'ASSIGNED', a.id)],
            courierA: [assigned(p2.id, a.id), status(p2.id, 'ASSIGNED', a.id)],
            tracker2: [assigned(p2.id, a.id), status(p2.id, 'ASSIGNED', a.id)],
        });
        sameTimestamps(r.got, r.result);

        // Reassignment: the new courier gets delivery:assigned; everyone who saw the package,
        // the courier it was taken from included, gets package:update with the new courier.
        r = await step('reassign P2 to B', () => hub.assign(p2.id, b.id), {
            dispatcher: [assigned(p2.id, b.id), status(p2.id, 'ASSIGNED', b.id)],
            courierA: [status(p2.id, 'ASSIGNED', b.id)],
            courierB: [assigned(p2.id, b.id), status(p2.id, 'ASSIGNED', b.id)],
            tracker2: [assigned(p2.id, b.id), status(p2.id, 'ASSIGNED', b.id)],
        });
        sameTimestamps(r.got, r.result);

        // Ada may no longer touch P2; refusals send nothing.
        await step('refused actions', async () => {
            await hub.act(p2.id, 'start', { token: a.token, expect: 404 });
            await hub.act(p1.id, 'complete', { token: a.token, expect: 409 });
            await hub.act(p1.id, 'cancel', { token: a.token, expect: 403 });
        }, {});

        r = await step('A starts P1', () => hub.act(p1.id, 'start', { token: a.token }), {
            dispatcher: [started(p1.id, a.id), status(p1.id, 'IN_PROGRESS', a.id)],
            courierA: [started(p1.id, a.id), status(p1.id, 'IN_PROGRESS', a.id)],
            tracker1: [started(p1.id, a.id), status(p1.id, 'IN_PROGRESS', a.id)],
        });
        sameTimestamps(r.got, r.result);

        // Fixes while carrying P1: dispatchers and P1's tracker; never the couriers.
        aAt = advance(aAt);
        r = await step('A fix over Socket.IO', async () => {
            const ack = await emitWithAck(clients.courierA.socket, 'location:update',
                                          { ...aAt, speed: 5, heading: 90, accuracy: 4 });
            assert.deepStrictEqual(ack, { ok: true });
        }, {
            dispatcher: [moved(a.id, p1.id, aAt, { speed: 5, heading: 90 })],
            tracker1: [moved(a.id, p1.id, aAt, { speed: 5, heading: 90 })],
        });
        for (const name of ['dispatcher', 'tracker1']) {
            const eta = r.got[name][0].data.etaSeconds;
            assert.ok(typeof eta === 'number' && eta > 0, `${name}: etaSeconds ${eta} at 5 m/s`);
        }

        aAt = advance(aAt);
        await step('A fix over REST', () => hub.postLocation(a.id, aAt, { token: a.token }), {
            dispatcher: [moved(a.id, p1.id, aAt, { speed: null, heading: null })],
            tracker1: [moved(a.id, p1.id, aAt, { speed: null, heading: null })],
        });

        // A dispatcher sends a fix for Bob, who carries P2 (ASSIGNED).
        await step('B fix over REST by a dispatcher', () => hub.postLocation(b.id, bAt), {
            dispatcher: [moved(b.id, p2.id, bAt)],
            tracker2: [moved(b.id, p2.id, bAt)],
        });

        r = await step('A completes P1', () => hub.act(p1.id, 'complete', { token: a.token }), {
            dispatcher: [completed(p1.id, a.id), status(p1.id, 'COMPLETED', a.id)],
            courierA: [completed(p1.id, a.id), status(p1.id, 'COMPLETED', a.id)],
            tracker1: [completed(p1.id, a.id), status(p1.id, 'COMPLETED', a.id)],
        });
        sameTimestamps(r.got, r.result);

        // Ada carries nothing now: P1's tracker hears no more of her.
        aAt = advance(aAt);
        await step('A fix after delivery', async () => {
            assert.deepStrictEqual(await emitWithAck(clients.courierA.socket, 'location:update', aAt), { ok: true });
        }, { dispatcher: [moved(a.id, null, aAt)] });

        r = await step('B fails P2', () => hub.act(p2.id, 'fail', { token: b.token, body: { reason: 'nobody home' } }), {
            dispatcher: [failed(p2.id, b.id, 'nobody home'), status(p2.id, 'FAILED', b.id, 'nobody home')],
            courierB: [failed(p2.id, b.id, 'nobody home'), status(p2.id, 'FAILED', b.id, 'nobody home')],
            tracker2: [failed(p2.id, b.id, 'nobody home'), status(p2.id, 'FAILED', b.id, 'nobody home')],
        });
        sameTimestamps(r.got, r.result);

        r = await step('assign P3 to B', () => hub.assign(p3.id, b.id), {
            dispatcher: [assigned(p3.id, b.id), status(p3.id, 'ASSIGNED', b.id)],
            courierB: [assigned(p3.id, b.id), status(p3.id, 'ASSIGNED', b.id)],
        });
        sameTimestamps(r.got, r.result);

        bAt = advance(bAt);
        await step('B fix carrying P3 (no tracker)', () => hub.postLocation(b.id, bAt, { token: b.token }), {
            dispatcher: [moved(b.id, p3.id, bAt)],
        });

        r = await step('cancel P3 with a reason', () => hub.act(p3.id, 'cancel', { body: { reason: 'recipient moved' } }), {
            dispatcher: [cancelled(p3.id, 'recipient moved'), status(p3.id, 'CANCELLED', b.id, 'recipient moved')],
            courierB: [cancelled(p3.id, 'recipient moved'), status(p3.id, 'CANCELLED', b.id, 'recipient moved')],
        });
        sameTimestamps(r.got, r.result);

        r = await step('cancel pending P4 without a reason', () => hub.act(p4.id, 'cancel'), {
            dispatcher: [cancelled(p4.id, null), status(p4.id, 'CANCELLED', null, null)],
        });
        sameTimestamps(r.got, r.result);

        await step('final states refuse changes', async () => {
            await hub.act(p1.id, 'cancel', { expect: 409 });
            await hub.act(p2.id, 'assign', { body: { deliveryPersonId: a.id }, expect: 409 });
            await hub.act(p3.id, 'start', { token: b.token, expect: 409 });
        }, {});

        await step('courier B goes offline', async () => {
            clients.courierB.socket.close();
        }, { dispatcher: [presence(b.id, false)] });
        delete clients.courierB;

        // Evening: nothing else arrives anywhere.
        await sleep(QUIET_MS);
        for (const rec of all())
            assertEvents(rec.pending(), [], `after the day, ${rec.name}`);

        // Every status event the dispatcher was sent is in the hub's log, in the contract's words.
        const logged = new Set(hub.stdout);
        for (const e of clients.dispatcher.events.filter((x) => x.event === 'package:update')) {
            const line = `Emitting package update for ${e.data.packageId}: { status: '${e.data.status}', timestamp: ${e.data.timestamp} }`;
            assert.ok(logged.has(line), `log line missing: ${line}`);
        }

        // A tracker's history over REST is the status events it was sent, after its PENDING.
        const history = await hub.call('GET', `/api/packages/${p1.id}/events`,
                                       { token: (await hub.package(p1.id)).trackingToken });
        const statusEvents = (list) => list.filter((e) => e.event !== 'location:update')
            .map((e) => [e.event, e.data?.status ?? e.status ?? null, e.data?.timestamp ?? e.timestamp]);
        assert.deepStrictEqual(statusEvents(history).slice(1),
                               statusEvents(clients.tracker1.events), 'P1 history vs tracker1');
        assert.deepStrictEqual(statusEvents(history)[0].slice(0, 2), ['package:update', 'PENDING']);
    });
});

describe('location throttle for package subscribers', () => {
    it('sends a tracker the first fix, not a close one within the interval, and one far enough away', async () => {
        const courier = await hub.createCourier('Carla');
        const pkg = await hub.createPackage({ recipientName: 'Throttle' });
        await hub.assign(pkg.id, courier.id);
        const dispatcherSocket = await hub.connect({ token: hub.token });
        const trackerSocket = await hub.connect({ token: (await hub.package(pkg.id)).trackingToken });
        const courierSocket = await hub.connect({ token: courier.token });
        const d = new Recorder(dispatcherSocket, 'dispatcher');
        const t = new Recorder(trackerSocket, 'tracker');

        const start = { latitude: 48.8566, longitude: 2.3522 };
        // [metres north of start, does the tracker get it?]
        const plan = [
            [0, true, 'the first fix always goes out'],
            [5, false, '5 m on, within the interval'],
            [20, false, '20 m from the last one sent'],
            [45, false, '45 m from the last one sent'],
            [60, true, '60 m from the last one sent'],
            [70, false, '10 m from the last one sent'],
            [115, true, '55 m from the last one sent'],
        ];
        const began = Date.now();
        for (const [north, sent, why] of plan) {
            const at = offset(start, north);
            assert.deepStrictEqual(await emitWithAck(courierSocket, 'location:update', at), { ok: true });
            // Dispatchers get every accepted fix; the tracker's copy leaves the hub with it.
            const e = await d.waitFor((x) => x.event === 'location:update' && x.data?.deliveryPersonId === courier.id,
                                      `dispatcher fix ${north} m`);
            assert.deepStrictEqual(e.data.location, at);
            await sleep(300);
            const got = await t.take(0);
            got.forEach((x) => assertShape(x, 'tracker'));
            assertEvents(got, sent ? [moved(courier.id, pkg.id, at)] : [], `${why} (${north} m)`);
        }
        assert.ok(Date.now() - began < INTERVAL_S * 1000, 'the plan ran within one interval');
        await sleep(QUIET_MS);
        assertEvents(t.pending(), [], 'tracker at the end');
        for (const s of [dispatcherSocket, trackerSocket, courierSocket])
            s.close();
    });
});
