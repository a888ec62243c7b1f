// Test harness: runs a real depot-hub on a free port and drives it over REST and Socket.IO.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

export { sleep };

export const PASSWORD = 'e2e-admin-password';
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Default waits. Every wait in these tests has a timeout so that a silent hub fails a test
// instead of hanging it.
export const WAIT_MS = 8000;
export const QUIET_MS = 750;

const live = new Set();
process.on('exit', () => {
    for (const child of live)
        child.kill('SIGKILL');
});

/** The depot-hub executable: $DEPOT_HUB, `--hub=PATH` on the command line, or the build tree. */
export function hubExecutable() {
    const arg = process.argv.find((a) => a.startsWith('--hub='));
    const candidates = [
        process.env.DEPOT_HUB,
        arg?.slice('--hub='.length),
        path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/server/depot-hub'),
    ].filter(Boolean);
    const found = candidates.find((p) => existsSync(p));
    if (!found)
        throw new Error(`depot-hub not found (set DEPOT_HUB); tried ${candidates.join(', ')}`);
    return found;
}

/** Rejects after `ms` with a message naming what was awaited. */
export function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Calls `onLine` for each line of `stream`, keeping the last 2000 in `sink`. */
export function readLines(stream, sink, onLine) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
        rest += chunk;
        let nl;
        while ((nl = rest.indexOf('\n')) >= 0) {
            const line = rest.slice(0, nl);
            rest = rest.slice(nl + 1);
            sink.push(line);
            if (sink.length > 2000)
                sink.shift();
            onLine?.(line);
        }
    });
}

/** A running hub with REST helpers. Create with `Hub.start()`, end with `stop()`. */
export class Hub {
    /**
     * With `cluster` (default: $DEPOT_E2E_CLUSTER) above 0, a ClusterHub (cluster.mjs): the same
     * helpers, with HAProxy's URL in front of that many hubs.
     */
    static async start({ args = [], timeoutMs = 15000, cluster = Number(process.env.DEPOT_E2E_CLUSTER ?? 0) } = {}) {
        if (cluster > 0) {
            const { ClusterHub } = await import('./cluster.mjs');
            return ClusterHub.startCluster({ n: cluster, args, timeoutMs });
        }
        const hub = new Hub();
        await hub.#spawn(args, timeoutMs);
        try {
            const { token } = await hub.login('dispatcher', PASSWORD);
            hub.token = token;
        } catch (err) {
            await hub.stop();
            throw err;
        }
        return hub;
    }

    sockets = new Set();
    /** Options every client() gets (before its own). */
    clientDefaults = {};
    stdout = [];
    stderr = [];
    exitCode = undefined;
    #child;
    #exited;
    #dataDir;
    #args = [];
    #serial = 0;

    async #spawn(args, timeoutMs, port = 0) {
        this.#args = args;
        this.#dataDir ??= mkdtempSync(path.join(tmpdir(), 'depot-e2e-'));
        const argv = ['--host', '127.0.0.1', '--port', String(port), '--data-dir', this.#dataDir,
                      '--admin-password', PASSWORD, '--osmand-port', '0', ...args];
        const child = spawn(hubExecutable(), argv, { stdio: ['ignore', 'pipe', 'pipe'] });
        this.#child = child;
        live.add(child);
        this.#exited = new Promise((resolve) => {
            child.on('exit', (code, signal) => {
                live.delete(child);
                this.exitCode = code ?? signal;
                resolve(this.exitCode);
            });
        });
        const listening = new Promise((resolve, reject) => {
            readLines(child.stdout, this.stdout, (line) => {
                const m = /^listening on (https?):\/\/(\S+):(\d+)\s*$/.exec(line);
                if (m)
                    resolve({ scheme: m[1], port: Number(m[3]) });
            });
            readLines(child.stderr, this.stderr);
            child.on('error', reject);
            this.#exited.then((code) => reject(new Error(
                `depot-hub exited (${code}) before listening: ${this.stderr.slice(-5).join(' | ')}`)));
        });
        try {
            const { scheme, port } =
                await withTimeout(listening, timeoutMs, 'depot-hub to print its port');
            this.port = port;
            this.scheme = scheme;
        } catch (err) {
            await this.stop();
            throw err;
        }
        this.url = `${this.scheme}://127.0.0.1:${this.port}`;
    }

    /** Closes every client, then SIGTERM (SIGKILL after 5 s); resolves with the exit code. */
    async stop() {
        for (const s of this.sockets)
            s.close();
        this.sockets.clear();
        await this.#terminate();
        if (this.#dataDir)
            rmSync(this.#dataDir, { recursive: true, force: true });
        this.#dataDir = undefined;
        return this.exitCode;
    }

    /**
     * Stops the hub process (clients stay, as they would over a real outage), runs `whileDown`,
     * and starts the hub again on the same port with the same data dir.
     */
    async restart({ whileDown = async () => {}, timeoutMs = 15000 } = {}) {
        await this.#terminate();
        await whileDown();
        this.exitCode = undefined;
        await this.#spawn(this.#args, timeoutMs, this.port);
    }

    /** Sends `signal` to the hub process (no clean shutdown for SIGKILL) and awaits its exit. */
    async kill(signal = 'SIGKILL') {
        if (this.#child && this.exitCode === undefined) {
            this.#child.kill(signal);
            await withTimeout(this.#exited, 5000, `depot-hub to exit on ${signal}`);
        }
        return this.exitCode;
    }

    async #terminate() {
        if (this.#child && this.exitCode === undefined) {
            this.#child.kill('SIGTERM');
            try {
                await withTimeout(this.#exited, 5000, 'depot-hub to exit');
            } catch {
                this.#child.kill('SIGKILL');
                await withTimeout(this.#exited, 5000, 'depot-hub to be killed').catch(() => {});
            }
        }
    }

    /** The last lines the hub wrote to stderr, for failure messages. */
    log(n = 20) {
        return this.stderr.slice(-n).join('\n');
    }

    unique(prefix) {
        return `${prefix}${++this.#serial}`;
    }

    // REST

    async request(method, pathname, { token = this.token, body } = {}) {
        const headers = {};
        if (token)
            headers.Authorization = `Bearer ${token}`;
        if (body !== undefined)
            headers['Content-Type'] = 'application/json';
        const res = await fetch(this.url + pathname, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(WAIT_MS),
        });
        const text = await res.text();
        let json = null;
        if (text) {
            try {
                json = JSON.parse(text);
            } catch {
                json = text;
            }
        }
        return { status: res.status, body: json };
    }

    /** Like request(), but asserts the status and returns the body. */
    async call(method, pathname, { expect = 200, ...opts } = {}) {
        const res = await this.request(method, pathname, opts);
        assert.equal(res.status, expect,
                     `${method} ${pathname}: expected ${expect}, got ${res.status} ${JSON.stringify(res.body)}`);
        return res.body;
    }

    async login(username, password) {
        return this.call('POST', '/api/auth/login', { token: null, body: { username, password } });
    }

    /** Creates a courier and logs them in: `{ id, username, token, courier }`. */
    async createCourier(name = 'Courier') {
        const username = this.unique('courier');
        const password = 'courier-password';
        const courier = await this.call('POST', '/api/couriers', {
            expect: 201, body: { name, username, password },
        });
        const { token } = await this.login(username, password);
        return { id: courier.id, username, token, courier };
    }

    /** Creates a PENDING package (dispatcher view, with its trackingToken). */
    async createPackage({ recipientName = 'Recipient', address = '1 Harbour St',
                          destination = { latitude: 52.52, longitude: 13.405 }, notes } = {}) {
        const body = { recipientName, address, destination };
        if (notes !== undefined)
            body.notes = notes;
        return this.call('POST', '/api/packages', { expect: 201, body });
    }

    async package(id, token = this.token) {
        return this.call('GET', `/api/packages/${id}`, { token });
    }

    /** POST /api/packages/{id}/{action}; returns the package after the change. */
    async act(id, action, { token = this.token, body, expect = 200 } = {}) {
        return this.call('POST', `/api/packages/${id}/${action}`, { token, body, expect });
    }

    async assign(id, courierId, opts = {}) {
        return this.act(id, 'assign', { ...opts, body: { deliveryPersonId: courierId } });
    }

    async postLocation(courierId, fix, { token = this.token, expect = 202 } = {}) {
        return this.call('POST', `/api/couriers/${courierId}/location`, { token, body: fix, expect });
    }

    // Socket.IO

    /**
     * An unmodified socket.io-client socket. `token` goes into `auth`; `auth: null` sends none.
     * `forceNew` keeps every test client on its own connection.
     */
    client({ token, auth, nsp = '/', ...opts } = {}) {
        const options = { forceNew: true, ...this.clientDefaults, ...opts };
        if (auth !== null)
            options.auth = auth ?? { token };
        const socket = io(this.url + nsp, options);
        this.sockets.add(socket);
        return socket;
    }

    /** A connected client; rejects with the connect_error or on timeout. */
    async connect(opts = {}) {
        const socket = this.client(opts);
        await connected(socket);
        return socket;
    }
}

/** Resolves on `connect`, rejects on `connect_error` or timeout. */
export function connected(socket, ms = WAIT_MS) {
    if (socket.connected)
        return Promise.resolve(socket);
    return withTimeout(new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (err) =>
            reject(new Error(`connect_error: ${err.message} ${JSON.stringify(err.data ?? null)}`)));
    }), ms, 'connect');
}

/** Resolves with the connect_error; rejects if the socket connects instead, or on timeout. */
export function connectError(socket, ms = WAIT_MS) {
    return withTimeout(new Promise((resolve, reject) => {
        socket.once('connect', () => reject(new Error('connected, but a connect_error was expected')));
        socket.once('connect_error', resolve);
    }), ms, 'connect_error').finally(() => socket.close());
}

/** Resolves once the client's Engine.IO transport is a WebSocket. */
export function upgraded(socket, ms = WAIT_MS) {
    const engine = socket.io.engine;
    if (engine?.transport?.name === 'websocket')
        return Promise.resolve();
    return withTimeout(new Promise((resolve) => engine.once('upgrade', () => resolve())),
                       ms, 'the upgrade to WebSocket');
}

/** Emits with an ack; rejects if the hub does not answer in time. */
export function emitWithAck(socket, event, ...args) {
    return socket.timeout(WAIT_MS).emitWithAck(event, ...args);
}

/**
 * Records every event a client receives, in order. socket.io-client appends the recovery offset
 * as an extra last argument; it is kept apart in `offset`.
 */
export class Recorder {
    events = [];
    #cursor = 0;
    #waiters = new Set();

    constructor(socket, name) {
        this.socket = socket;
        this.name = name;
        socket.onAny((event, ...args) => {
            const last = args.length > 1 ? args[args.length - 1] : undefined;
            this.events.push({ event, data: args[0], offset: typeof last === 'string' ? last : undefined });
            for (const w of this.#waiters)
                w();
        });
    }

    /** Events since the last take(), waiting up to `ms` until there are at least `n`. */
    async take(n, ms = WAIT_MS) {
        if (n > 0) {
            await withTimeout(new Promise((resolve) => {
                const check = () => {
                    if (this.events.length - this.#cursor >= n) {
                        this.#waiters.delete(check);
                        resolve();
                    }
                };
                this.#waiters.add(check);
                check();
            }), ms, `${n} event(s) at ${this.name} (has ${JSON.stringify(this.pending().map((e) => e.event))})`)
                .catch((err) => {
                    this.#waiters.clear();
                    throw err;
                });
        }
        const got = this.events.slice(this.#cursor);
        this.#cursor = this.events.length;
        return got;
    }

    /** Events not yet taken. */
    pending() {
        return this.events.slice(this.#cursor);
    }

    /** Waits for the first not-yet-taken event matching `pred`, skipping and dropping others. */
    async waitFor(pred, what = 'an event', ms = WAIT_MS) {
        await withTimeout(new Promise((resolve) => {
            const check = () => {
                if (this.pending().some(pred)) {
                    this.#waiters.delete(check);
                    resolve();
                }
            };
            this.#waiters.add(check);
            check();
        }), ms, `${what} at ${this.name}`).catch((err) => {
            this.#waiters.clear();
            throw err;
        });
        const pending = this.pending();
        const i = pending.findIndex(pred);
        this.#cursor += i + 1;
        return pending[i];
    }
}

/**
 * Asserts that `events` are exactly `expected`, in order: each expected entry names the event
 * and the payload fields to compare; other payload fields are ignored.
 */
export function assertEvents(events, expected, label) {
    const project = (e, x) => {
        if (!x)
            return { event: e.event, ...(typeof e.data === 'object' && e.data ? e.data : { data: e.data }) };
        const out = { event: e.event };
        for (const key of Object.keys(x)) {
            if (key !== 'event')
                out[key] = e.data?.[key];
        }
        return out;
    };
    const actual = events.map((e, i) => project(e, expected[i]));
    assert.deepStrictEqual(actual, expected, `${label}: events differ`);
}

const PAYLOAD_KEYS = {
    'package:update': ['packageId', 'status', 'timestamp', 'deliveryPersonId', 'reason'],
    'delivery:assigned': ['packageId', 'deliveryPersonId', 'timestamp'],
    'delivery:started': ['packageId', 'deliveryPersonId', 'timestamp'],
    'delivery:completed': ['packageId', 'deliveryPersonId', 'timestamp'],
    'delivery:failed': ['packageId', 'deliveryPersonId', 'reason', 'timestamp'],
    'package:cancelled': ['packageId', 'reason', 'timestamp'],
    'location:update': ['deliveryPersonId', 'packageId', 'location', 'timestamp', 'heading', 'speed',
                        'etaSeconds'],
    'courier:update': ['deliveryPersonId', 'online', 'timestamp'],
};
const STATUSES = ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'];

const isUuid = (v) => typeof v === 'string' && UUID.test(v);
const isNumberOrNull = (v) => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Asserts that an event's payload has the contract's shape. */
export function assertShape(e, label = '') {
    const where = `${label} ${e.event} ${JSON.stringify(e.data)}`;
    const keys = PAYLOAD_KEYS[e.event];
    assert.ok(keys, `unknown event ${where}`);
    assert.ok(e.data && typeof e.data === 'object' && !Array.isArray(e.data), `payload is not an object: ${where}`);
    for (const k of keys)
        assert.ok(k in e.data, `missing ${k}: ${where}`);
    const d = e.data;
    assert.match(d.timestamp, ISO_MS, `timestamp: ${where}`);
    if ('packageId' in d && e.event !== 'location:update')
        assert.ok(isUuid(d.packageId), `packageId: ${where}`);
    if (e.event === 'location:update') {
        assert.ok(d.packageId === null || isUuid(d.packageId), `packageId: ${where}`);
        assert.ok(isUuid(d.deliveryPersonId), `deliveryPersonId: ${where}`);
        assert.equal(typeof d.location?.latitude, 'number', `latitude: ${where}`);
        assert.equal(typeof d.location?.longitude, 'number', `longitude: ${where}`);
        assert.ok(isNumberOrNull(d.heading) && isNumberOrNull(d.speed), `heading/speed: ${where}`);
        assert.ok(d.etaSeconds === null || (typeof d.etaSeconds === 'number' && d.etaSeconds >= 0),
                  `etaSeconds: ${where}`);
    } else if (e.event === 'courier:update') {
        assert.ok(isUuid(d.deliveryPersonId), `deliveryPersonId: ${where}`);
        assert.equal(typeof d.online, 'boolean', `online: ${where}`);
    } else if (e.event === 'package:update') {
        assert.ok(STATUSES.includes(d.status), `status: ${where}`);
        assert.ok(d.deliveryPersonId === null || isUuid(d.deliveryPersonId), `deliveryPersonId: ${where}`);
        assert.ok(d.reason === null || typeof d.reason === 'string', `reason: ${where}`);
    } else if (e.event === 'package:cancelled') {
        assert.ok(d.reason === null || typeof d.reason === 'string', `reason: ${where}`);
    } else {
        assert.ok(isUuid(d.deliveryPersonId), `deliveryPersonId: ${where}`);
    }
}

/** A point `metres` north and `east` metres east of (lat, lon). */
export function offset({ latitude, longitude }, north, east = 0) {
    const R = 6371008.8;
    const dLat = (north / R) * (180 / Math.PI);
    const dLon = (east / (R * Math.cos((latitude * Math.PI) / 180))) * (180 / Math.PI);
    return { latitude: latitude + dLat, longitude: longitude + dLon };
}
