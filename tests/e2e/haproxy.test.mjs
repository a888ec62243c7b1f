// Two hubs behind HAProxy, configured from docs/cluster/haproxy.cfg: an unmodified
// socket.io-client connects through it with long-polling and the upgrade, because the cookie
// keeps every request of a session on one hub; without the cookie the same client fails with
// the hub's "Session ID unknown"; the health checks on /healthz take a killed hub out.
//
// Each hub here has its own SQLite store (a shared store is --database's part), so a token is
// known only to the hub that issued it: the test logs in through HAProxy, keeps the cookie
// HAProxy sets on that answer (a small cookie jar, as a browser keeps it) and hands it to the
// socket.io-client (extraHeaders), so that REST and the socket reach the same hub.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PASSWORD, Recorder, WAIT_MS, assertShape, connectError, connected, emitWithAck, upgraded, withTimeout }
    from './harness.mjs';
import { haproxyConfigPath, haproxyExecutable, sourceDir, startCluster, startHAProxy } from './cluster.mjs';
import { Fetch, io } from 'socket.io-client';

const COOKIE = 'DEPOT_HUB';
const HOME = { latitude: 53.55, longitude: 9.99 };

let cluster;
let roundRobin; // the same configuration without its cookie, in front of the same hubs
const sockets = new Set();

before(async () => {
    cluster = await startCluster(2, { osmand: true, args: ['--trusted-proxy', '127.0.0.1'] });
    roundRobin = await startHAProxy({ hubs: cluster.hubs, sticky: false, osmand: false });
});
after(async () => {
    for (const s of sockets)
        s.close();
    await roundRobin?.stop();
    await cluster?.stop();
});

/** REST through `base` with a cookie jar of one cookie: HAProxy's. */
class Browser {
    constructor(base) {
        this.base = base;
        this.cookie = undefined; // 'DEPOT_HUB=hubN'
        this.token = undefined;
    }

    get hub() {
        return this.cookie?.split('=')[1];
    }

    async request(method, pathname, body) {
        const headers = {};
        if (this.cookie)
            headers.Cookie = this.cookie;
        if (this.token)
            headers.Authorization = `Bearer ${this.token}`;
        if (body !== undefined)
            headers['Content-Type'] = 'application/json';
        const res = await fetch(this.base + pathname, {
            method, headers, body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(WAIT_MS),
        });
        for (const set of res.headers.getSetCookie()) {
            if (set.startsWith(`${COOKIE}=`))
                this.cookie = set.split(';')[0];
        }
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : null, setCookie: res.headers.getSetCookie() };
    }

    async login() {
        const res = await this.request('POST', '/api/auth/login', { username: 'dispatcher', password: PASSWORD });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        this.token = res.body.token;
        return this;
    }

    /** An unmodified socket.io-client, carrying this jar's cookie on every request. */
    client(opts = {}) {
        const socket = io(this.base, {
            forceNew: true,
            reconnection: false,
            withCredentials: true,
            extraHeaders: this.cookie ? { cookie: this.cookie } : {},
            auth: { token: this.token },
            ...opts,
        });
        sockets.add(socket);
        return socket;
    }
}

const loggedIn = async (base = cluster.url) => new Browser(base).login();

it('runs the configuration docs/cluster.md shows', () => {
    const file = readFileSync(haproxyConfigPath(), 'utf8');
    const doc = readFileSync(path.join(sourceDir(), 'docs/cluster.md'), 'utf8');
    const block = /```haproxy\n([\s\S]*?)```/.exec(doc);
    assert.ok(block, 'docs/cluster.md has a ```haproxy block');
    assert.equal(block[1], file, 'the block in docs/cluster.md is docs/cluster/haproxy.cfg');
    const check = spawnSync(haproxyExecutable(), ['-c', '-f', haproxyConfigPath()], { encoding: 'utf8' });
    assert.equal(check.status, 0, `haproxy -c: ${check.stdout}${check.stderr}`);
});

describe('with the cookie', () => {
    it('spreads new clients over the hubs and keeps each on its own', async () => {
        const seen = new Set();
        for (let i = 0; i < 4; ++i) {
            const browser = await loggedIn();
            assert.match(browser.hub ?? '', /^hub[12]$/, 'HAProxy names the hub in a cookie');
            seen.add(browser.hub);
            // The token is only known to the hub that issued it: with the cookie every request
            // reaches that hub.
            for (let j = 0; j < 6; ++j) {
                const me = await browser.request('GET', '/api/me');
                assert.equal(me.status, 200, `request ${j} stayed on ${browser.hub}`);
                assert.deepStrictEqual(me.setCookie, [], 'a client with a valid cookie gets no new one');
            }
        }
        assert.deepStrictEqual([...seen].sort(), ['hub1', 'hub2'], 'both hubs get clients');
    });

    it('carries socket.io-client with its default transports through polling and the upgrade', async () => {
        const browser = await loggedIn();
        const socket = browser.client();
        const transports = [];
        socket.io.on('open', () => transports.push(socket.io.engine.transport.name));
        const disconnects = [];
        socket.on('disconnect', (reason) => disconnects.push(reason));
        await connected(socket);
        assert.deepStrictEqual(transports, ['polling'], 'the session starts with long-polling');
        await upgraded(socket);
        const dispatcher = new Recorder(socket, 'dispatcher');

        // Events from REST on the same hub, and acks, over the upgraded connection.
        for (let i = 0; i < 5; ++i) {
            const created = await browser.request('POST', '/api/packages', {
                recipientName: `Upgrade ${i}`, address: '1 Harbour St', destination: HOME,
            });
            assert.equal(created.status, 201, JSON.stringify(created.body));
            const [event] = await dispatcher.take(1);
            assertShape(event, 'through HAProxy');
            assert.equal(event.data.packageId, created.body.id);
            const ack = await emitWithAck(socket, 'location:update', HOME);
            assert.equal(ack?.error?.code, 'forbidden', 'a dispatcher\'s fix is refused in its ack');
        }
        assert.equal(socket.io.engine.transport.name, 'websocket');
        assert.deepStrictEqual(disconnects, [], 'the connection never dropped');
    });

    it('keeps a polling-only client on its hub for every request', async () => {
        const browser = await loggedIn();
        const socket = browser.client({ transports: ['polling'] });
        const disconnects = [];
        socket.on('disconnect', (reason) => disconnects.push(reason));
        await connected(socket);
        const dispatcher = new Recorder(socket, 'dispatcher');
        // Each round trip is a POST and a long-poll GET answered by the session's hub.
        for (let i = 0; i < 20; ++i) {
            const ack = await emitWithAck(socket, 'location:update', HOME);
            assert.equal(ack?.error?.code, 'forbidden', `ack ${i}`);
            if (i % 5 === 0) {
                const created = await browser.request('POST', '/api/packages', {
                    recipientName: `Polling ${i}`, address: '1 Harbour St', destination: HOME,
                });
                assert.equal(created.status, 201);
                const [event] = await dispatcher.take(1);
                assert.equal(event.data.packageId, created.body.id);
            }
        }
        assert.equal(socket.io.engine.transport.name, 'polling');
        assert.deepStrictEqual(disconnects, [], 'the connection never dropped');
    });

    it('keeps a session on one hub with socket.io-client\'s own cookie jar', async () => {
        // No cookie handed over: socket.io-client's jar (withCredentials) keeps the one HAProxy
        // sets on the handshake. The hub's own answer to the CONNECT (a refused token) needs the
        // POST and the next GET to reach the hub holding the session.
        const socket = io(cluster.url, { forceNew: true, reconnection: false, withCredentials: true,
                                         transports: ['polling'], auth: { token: 'not-a-token' } });
        sockets.add(socket);
        const err = await connectError(socket);
        assert.equal(err.message, 'unauthorized', `the hub's refusal, not a transport error: ${err.message}`);
    });

    it('forwards the OsmAnd port to the hubs', async () => {
        const res = await fetch(`${cluster.proxy.osmandUrl}/?id=no-such-device&lat=53.55&lon=9.99`,
                                { method: 'POST', signal: AbortSignal.timeout(WAIT_MS) });
        assert.equal(res.status, 400);
        const body = await res.json();
        assert.equal(body.error.code, 'validation_failed');
        assert.equal(body.error.message, 'unknown device');
    });
});

/** A failed login through HAProxy to hub1, from the local address `from`; resolves with the status. */
function failedLoginFrom(from, headers = {}) {
    const body = JSON.stringify({ username: `nobody-${Math.random().toString(36).slice(2)}`, password: 'wrong-password' });
    return new Promise((resolve, reject) => {
        const req = http.request(`${cluster.url}/api/auth/login`, {
            method: 'POST', localAddress: from, timeout: WAIT_MS,
            headers: { 'Content-Type': 'application/json', Cookie: `${COOKIE}=hub1`, ...headers },
        }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end(body);
    });
}

describe('client addresses', () => {
    // The hubs trust HAProxy (--trusted-proxy 127.0.0.1), which appends each client's address to
    // X-Forwarded-For: the failed-login limit of one address (5 a minute) holds per client.
    it('counts failed logins per client behind HAProxy, not per proxy', async () => {
        for (let i = 0; i < 5; ++i)
            assert.equal(await failedLoginFrom('127.0.0.2'), 401);
        assert.equal(await failedLoginFrom('127.0.0.2'), 429);
        // Another client behind the same proxy is not locked out with it...
        assert.equal(await failedLoginFrom('127.0.0.3'), 401);
        // ...and cannot lock itself out in another's name, or escape by naming another.
        assert.equal(await failedLoginFrom('127.0.0.3', { 'X-Forwarded-For': '127.0.0.2' }), 401);
        assert.equal(await failedLoginFrom('127.0.0.2', { 'X-Forwarded-For': '127.0.0.9' }), 429);
    });
});

describe('without the cookie (round-robin)', () => {
    it('a session\'s next request reaches the other hub, which answers "Session ID unknown"', async () => {
        const handshake = await fetch(`${roundRobin.url}/socket.io/?EIO=4&transport=polling`,
                                      { signal: AbortSignal.timeout(WAIT_MS) });
        assert.equal(handshake.status, 200);
        const { sid } = JSON.parse((await handshake.text()).slice(1));
        const post = await fetch(`${roundRobin.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
            method: 'POST', body: '40', signal: AbortSignal.timeout(WAIT_MS),
        });
        assert.equal(post.status, 400);
        assert.deepStrictEqual(await post.json(), { code: 1, message: 'Session ID unknown' });
    });

    const CLIENTS = [
        { name: 'default transports', opts: {}, error: /^xhr (post|poll) error$/ },
        { name: 'transports: ["polling"]', opts: { transports: ['polling'] }, error: /^xhr (post|poll) error$/ },
        // The fetch() transport hands the refused answer over, body unread.
        { name: 'the fetch() polling transport', opts: { transports: [Fetch] }, error: /^fetch (write|read) error$/ },
    ];
    for (const client of CLIENTS) {
        it(`socket.io-client with ${client.name} cannot connect`, async () => {
            // Both hubs know this dispatcher's password, and the login sticks to neither: the
            // token may be unknown where the CONNECT lands, but the session fails before that.
            const browser = await loggedIn(roundRobin.url);
            assert.equal(browser.cookie, undefined, 'no cookie without the cookie directive');
            const socket = browser.client(client.opts);
            const err = await connectError(socket);
            assert.match(err.message, client.error, err.message);
            assert.equal(err.description, 400, 'the other hub refused the session\'s request');
            if (client.opts.transports?.[0] === Fetch)
                assert.ok(err.context instanceof Response, 'fetch() hands over its Response');
            if (err.context instanceof Response)
                assert.deepStrictEqual(await err.context.json(), { code: 1, message: 'Session ID unknown' });
        });
    }
});

describe('health checks', () => {
    it('checks GET /healthz on every hub and port', async () => {
        const rows = (await cluster.proxy.stats()).filter((r) => r.svname.startsWith('hub'));
        assert.deepStrictEqual(rows.map((r) => `${r.pxname}/${r.svname} ${r.status} ${r.check_status} ${r.check_code}`).sort(), [
            'depot_hubs/hub1 UP L7OK 200',
            'depot_hubs/hub2 UP L7OK 200',
            'depot_osmand_hubs/hub1 UP L7OK 200',
            'depot_osmand_hubs/hub2 UP L7OK 200',
        ]);
    });

    it('takes a killed hub out and sends its clients and new ones to the other', async () => {
        // A client of hub1, before hub1 dies.
        let stale;
        for (let i = 0; i < 10 && stale?.hub !== 'hub1'; ++i)
            stale = await loggedIn();
        assert.equal(stale.hub, 'hub1', 'a login lands on hub1');
        const [hub1, hub2] = cluster.hubs;
        const connectedClient = stale.client({ reconnectionDelay: 100, reconnectionDelayMax: 500, reconnection: true });
        await connected(connectedClient);
        await upgraded(connectedClient);
        // Its reconnection reaches hub2, which refuses hub1's token: the hub's own answer, so
        // the connection got through. (On a shared store it would connect.)
        const refusedThere = withTimeout(new Promise((resolve) => {
            connectedClient.on('connect_error', (err) => {
                if (err.message === 'unauthorized')
                    resolve();
            });
        }), 15000, 'the reconnection to be refused by hub2');

        const down = cluster.proxy.waitForServer('hub1', 'DOWN');
        await hub1.kill('SIGKILL');
        await down;
        assert.deepStrictEqual(await cluster.proxy.serverStatus(), { hub1: 'DOWN', hub2: 'UP' });
        await refusedThere;
        connectedClient.close();

        // Its cookie now names a dead hub: HAProxy sends it to hub2 and gives it hub2's cookie.
        const again = await stale.request('GET', '/api/me');
        assert.equal(again.status, 401, 'hub2 does not know hub1\'s token');
        assert.equal(stale.hub, 'hub2');

        // Every new client lands on hub2, and socket.io-client works there as before.
        for (let i = 0; i < 4; ++i)
            assert.equal((await loggedIn()).hub, 'hub2', `login ${i}`);
        const browser = await loggedIn();
        const socket = browser.client();
        await connected(socket);
        await upgraded(socket);
        const ack = await emitWithAck(socket, 'location:update', HOME);
        assert.equal(ack?.error?.code, 'forbidden');
        assert.equal(hub2.exitCode, undefined, 'hub2 still runs');
    });
});
