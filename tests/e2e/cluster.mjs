// Cluster harness: several depot-hub processes behind HAProxy (configured from
// docs/cluster/haproxy.cfg), and the shared servers a cluster runs on (redis-server,
// PostgreSQL), each on a free port in a temporary folder and stopped on exit, also when a test
// fails. With DEPOT_E2E_CLUSTER=N, harness.mjs's Hub.start() returns a ClusterHub from here.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hub, PASSWORD, readLines, withTimeout } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository's source folder: $DEPOT_SOURCE_DIR (set by ctest), or two levels up. */
export function sourceDir() {
    return process.env.DEPOT_SOURCE_DIR ?? path.resolve(here, '../..');
}

/** The HAProxy configuration operators use (docs/cluster.md). */
export function haproxyConfigPath() {
    return path.join(sourceDir(), 'docs/cluster/haproxy.cfg');
}

/** HAProxy's executable: $DEPOT_HAPROXY (set by ctest), else `haproxy` on PATH or in /usr/sbin. */
export function haproxyExecutable() {
    if (process.env.DEPOT_HAPROXY)
        return process.env.DEPOT_HAPROXY;
    return existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
}

// Everything started here, for the exit handler: a failing or interrupted test leaves no server.
const cleanups = new Set();
process.on('exit', () => {
    for (const cleanup of [...cleanups].reverse())
        cleanup();
});
for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
}

/** A TCP port nobody listens on at the moment of asking. */
export async function freePort() {
    const server = net.createServer();
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address();
    await new Promise((resolve) => server.close(resolve));
    return port;
}

/**
 * A server process of a test. setpriv's parent-death signal (`deathSignal`) ends it even when
 * the test runner is killed before its exit handler can run; `setpriv` adds setpriv options
 * (another user).
 */
class ServerProcess {
    output = [];
    exitCode = undefined;
    #child;
    #exited;
    #lineWaiters = new Set();

    constructor(name, command, args, { stopSignal = 'SIGTERM', deathSignal = 'KILL', setpriv = [] } = {}) {
        this.name = name;
        this.stopSignal = stopSignal;
        const child = spawn('setpriv', [...setpriv, '--pdeathsig', deathSignal, '--', command, ...args],
                            { stdio: ['ignore', 'pipe', 'pipe'] });
        this.#child = child;
        this.pid = child.pid;
        this.#exited = new Promise((resolve) => {
            child.on('exit', (code, signal) => {
                this.exitCode = code ?? signal;
                resolve(this.exitCode);
            });
            child.on('error', (err) => {
                this.output.push(String(err));
                this.exitCode = -1;
                resolve(this.exitCode);
            });
        });
        const onLine = (line) => {
            for (const waiter of this.#lineWaiters)
                waiter(line);
        };
        readLines(child.stdout, this.output, onLine);
        readLines(child.stderr, this.output, onLine);
        this.kill = () => {
            if (this.exitCode === undefined)
                child.kill('SIGKILL');
        };
        cleanups.add(this.kill);
    }

    /** Resolves with the first line (from now on) matching `re`; rejects if the process exits. */
    waitForLine(re, ms, what) {
        let waiter;
        const found = new Promise((resolve, reject) => {
            waiter = (line) => {
                if (re.test(line))
                    resolve(line);
            };
            this.#lineWaiters.add(waiter);
            this.#exited.then((code) => reject(new Error(
                `${this.name} exited (${code}) while waiting for ${what}: ${this.log(5)}`)));
        });
        return withTimeout(found, ms, `${what} (${this.name}: ${this.log(5)})`)
            .finally(() => this.#lineWaiters.delete(waiter));
    }

    log(n = 20) {
        return this.output.slice(-n).join(' | ');
    }

    /** Sends the stop signal (SIGKILL after 5 s) and resolves with the exit code. */
    async stop() {
        if (this.exitCode === undefined) {
            this.#child.kill(this.stopSignal);
            try {
                await withTimeout(this.#exited, 5000, `${this.name} to exit`);
            } catch {
                this.#child.kill('SIGKILL');
                await withTimeout(this.#exited, 5000, `${this.name} to be killed`).catch(() => {});
            }
        }
        cleanups.delete(this.kill);
        return this.exitCode;
    }
}

/** A temporary folder removed on exit (or by the returned `remove`). */
function tempDir(prefix) {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    const remove = () => rmSync(dir, { recursive: true, force: true });
    cleanups.add(remove);
    return { dir, remove: () => { remove(); cleanups.delete(remove); } };
}

// HAProxy

/**
 * docs/cluster/haproxy.cfg with this machine's ports: the frontends bind to 127.0.0.1 on
 * `port` and `osmandPort`, each backend gets one `server` line per hub (made from the file's
 * first one: name hubN, cookie hubN, the hub's ports), the stats socket is `statsSocket`.
 * Without an OsmAnd port (or when no hub has one) the OsmAnd frontend and backend are left out.
 * Run by another user than root, HAProxy cannot change to the `user` and `group` of the file,
 * so these lines are left out then.
 * `sticky: false` gives the same configuration without its cookie, balanced round-robin: the
 * setup socket.io's long-polling does not survive.
 */
export function renderHAProxyConfig(text, { port, osmandPort, statsSocket, hubs, sticky = true }) {
    const withOsmand = osmandPort !== undefined && hubs.every((h) => h.osmandPort);
    const out = [];
    let section = '';
    let serversWritten = false;
    for (const line of text.split('\n')) {
        if (/^\S/.test(line) && !line.startsWith('#')) {
            section = line.trim();
            serversWritten = false;
        }
        const osmandSection = /^(frontend|backend) depot_osmand/.test(section);
        if (osmandSection && !withOsmand)
            continue;
        if (/^\s*(user|group) /.test(line) && process.getuid?.() !== 0)
            continue;
        if (/^\s*stats socket /.test(line)) {
            out.push(line.replace(/stats socket \S+/, `stats socket ${statsSocket}`));
        } else if (/^\s*bind /.test(line)) {
            out.push(line.replace(/bind \S+/, `bind 127.0.0.1:${osmandSection ? osmandPort : port}`));
        } else if (/^\s*server /.test(line)) {
            if (serversWritten)
                continue;
            serversWritten = true;
            hubs.forEach((hub, i) => {
                const target = osmandSection ? hub.osmandPort : hub.port;
                const server = line.replace(/server \S+ \S+/, `server hub${i + 1} 127.0.0.1:${target}`)
                    .replace(/ cookie \S+/, sticky ? ` cookie hub${i + 1}` : '')
                    .replace(/ port \d+/, ` port ${hub.port}`);
                out.push(server);
            });
        } else if (!sticky && /^\s*cookie /.test(line)) {
            continue;
        } else if (!sticky && /^\s*balance /.test(line)) {
            out.push(line.replace(/balance .*/, 'balance roundrobin'));
        } else {
            out.push(line);
        }
    }
    return `${out.join('\n').trimEnd()}\n`;
}

/** The rows of HAProxy's `show stat`, as objects keyed by the CSV header's names. */
export async function haproxyStats(statsSocket) {
    const text = await withTimeout(new Promise((resolve, reject) => {
        const socket = net.createConnection(statsSocket);
        let data = '';
        socket.setEncoding('utf8');
        socket.on('connect', () => socket.write('show stat\n'));
        socket.on('data', (chunk) => { data += chunk; });
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
    }), 5000, 'HAProxy\'s stats socket');
    const [header, ...rows] = text.trim().split('\n');
    const names = header.replace(/^# /, '').split(',');
    return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [names[i], v])));
}

/**
 * HAProxy (`haproxy -f CFG -db`) in front of `hubs` (objects with `port` and optional
 * `osmandPort`), configured from docs/cluster/haproxy.cfg. Resolves once every hub's health
 * check has passed. `url` is the frontend's, `osmandUrl` the OsmAnd frontend's.
 */
export async function startHAProxy({ hubs, sticky = true, osmand = true, timeoutMs = 15000 }) {
    const { dir, remove } = tempDir('depot-haproxy-');
    const port = await freePort();
    const osmandPort = osmand ? await freePort() : undefined;
    const statsSocket = path.join(dir, 'stats.sock');
    const config = path.join(dir, 'haproxy.cfg');
    writeFileSync(config, renderHAProxyConfig(readFileSync(haproxyConfigPath(), 'utf8'),
                                              { port, osmandPort, statsSocket, hubs, sticky }));
    // SIGTERM stops HAProxy at once (SIGUSR1 would wait for every connection to end).
    const proc = new ServerProcess('haproxy', haproxyExecutable(), ['-f', config, '-db'], { stopSignal: 'SIGTERM' });
    const proxy = {
        process: proc,
        config,
        port,
        url: `http://127.0.0.1:${port}`,
        osmandUrl: osmandPort === undefined ? undefined : `http://127.0.0.1:${osmandPort}`,
        statsSocket,
        stats: () => haproxyStats(statsSocket),
        /** The `status` column (UP, DOWN, ...) of each hub in the main backend, by server name. */
        async serverStatus(backend = 'depot_hubs') {
            const rows = (await haproxyStats(statsSocket)).filter((r) => r.pxname === backend && r.svname.startsWith('hub'));
            return Object.fromEntries(rows.map((r) => [r.svname, r.status]));
        },
        /** Resolves when HAProxy reports `server` (hub1, ...) as `state` ('UP' or 'DOWN'). */
        waitForServer(server, state, ms = 15000, backend = 'depot_hubs') {
            return proc.waitForLine(new RegExp(`Server ${backend}/${server} is ${state}\\b`), ms,
                                    `HAProxy to report ${backend}/${server} ${state}`);
        },
        async stop() {
            const code = await proc.stop();
            remove();
            return code;
        },
    };
    // Ready when the stats socket answers and every check has passed once (no signal exists for
    // that, so the socket is asked every 100 ms).
    const ready = (async () => {
        for (;;) {
            if (proc.exitCode !== undefined)
                throw new Error(`haproxy exited (${proc.exitCode}): ${proc.log()}`);
            try {
                const rows = (await haproxyStats(statsSocket)).filter((r) => r.svname.startsWith('hub'));
                if (rows.length > 0 && rows.every((r) => r.status === 'UP' && r.check_status === 'L7OK'))
                    return;
            } catch {
                // not listening yet
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    })();
    try {
        await withTimeout(ready, timeoutMs, `HAProxy to see every hub healthy (${proc.log()})`);
    } catch (err) {
        await proxy.stop();
        throw err;
    }
    return proxy;
}

// Redis

/** redis-server on a free port, without persistence, in a temporary folder: `{ url, stop }`. */
export async function startRedis({ timeoutMs = 10000 } = {}) {
    const { dir, remove } = tempDir('depot-redis-');
    const port = await freePort();
    const proc = new ServerProcess('redis-server', 'redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--dir', dir, '--daemonize', 'no',
    ]);
    const redis = {
        process: proc,
        dir,
        port,
        url: `redis://127.0.0.1:${port}`,
        async stop() {
            const code = await proc.stop();
            remove();
            return code;
        },
    };
    try {
        await proc.waitForLine(/Ready to accept connections/, timeoutMs, 'redis-server to be ready');
    } catch (err) {
        await redis.stop();
        throw err;
    }
    return redis;
}

// PostgreSQL

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Runs `command` as the postgres user; throws with its output when it fails. */
function runAsPostgres(command, args, opts = {}) {
    const res = spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8', ...opts });
    if (res.status !== 0)
        throw new Error(`${path.basename(command)} failed (${res.status}): ${res.stderr || res.stdout || res.error}`);
    return res;
}

/**
 * A PostgreSQL 15 server of its own: initdb in a temporary folder owned by `postgres` (it refuses
 * to run as root), the postmaster in the foreground as a child of this process (so it ends with
 * the test), listening on 127.0.0.1 on a free port with its socket in that folder, and a database
 * `depot` owned by user `depot`. Resolves with `{ url: 'postgres://depot:PW@127.0.0.1:PORT/depot',
 * stop }`. `fsync=off` and initdb's `--no-sync`: a test never survives a power cut, and they
 * save the shared disk's time (a start takes 3 s instead of 7 s here).
 */
export async function startPostgres({ timeoutMs = 30000, database = 'depot' } = {}) {
    const { dir, remove } = tempDir('depot-postgres-');
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
    chownSync(dir, uid, gid);
    const data = path.join(dir, 'data');
    const socketDir = path.join(dir, 'run');
    mkdirSync(socketDir);
    chownSync(socketDir, uid, gid);
    const user = 'depot';
    const password = 'depot-e2e-password';
    const pwfile = path.join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`);
    chownSync(pwfile, uid, gid);
    runAsPostgres(`${PG_BIN}/initdb`, ['-D', data, '-U', user, `--pwfile=${pwfile}`, '-E', 'UTF8',
                                      '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync']);
    const port = await freePort();
    // The postmaster is this process's child, not pg_ctl's daemon, so that it ends with the test:
    // setpriv runs it as postgres (as runuser would, but without a process in between that
    // keeps the signals) with SIGQUIT, PostgreSQL's immediate shutdown, when the test's process
    // ends; SIGINT is its fast shutdown.
    const proc = new ServerProcess('postgres', `${PG_BIN}/postgres`, [
        '-D', data, '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir}`,
        '-c', 'fsync=off', '-c', 'full_page_writes=off',
    ], { stopSignal: 'SIGINT', deathSignal: 'QUIT',
         setpriv: ['--reuid=postgres', '--regid=postgres', '--init-groups'] });
    const pg = {
        process: proc,
        dir,
        port,
        user,
        password,
        database,
        socketDir,
        url: `postgres://${user}:${password}@127.0.0.1:${port}/${database}`,
        /** Runs SQL through psql on the server's socket; resolves with psql's stdout. */
        psql(sql, db = database) {
            return runAsPostgres(`${PG_BIN}/psql`, ['-h', socketDir, '-p', String(port), '-U', user,
                                                    '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql]).stdout;
        },
        async stop() {
            const code = await proc.stop();
            remove();
            return code;
        },
    };
    cleanups.add(() => {
        // A postmaster left behind by a killed runuser would keep the folder busy.
        if (existsSync(path.join(data, 'postmaster.pid')))
            spawnSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, 'stop', '-D', data, '-m', 'immediate'],
                      { timeout: 10000 });
    });
    try {
        await proc.waitForLine(/database system is ready to accept connections/, timeoutMs, 'PostgreSQL to be ready');
        runAsPostgres(`${PG_BIN}/createdb`, ['-h', socketDir, '-p', String(port), '-U', user, '-O', user, database]);
    } catch (err) {
        await pg.stop();
        throw err;
    }
    return pg;
}

// Clusters of hubs

/**
 * The extra hub arguments of DEPOT_E2E_CLUSTER_ARGS: a JSON array, or words split at spaces.
 * `{redis}` and `{postgres}` in them stand for the URL of a redis-server and a PostgreSQL that
 * the cluster starts for itself; `{i}` for the hub's number (1, 2, ...).
 */
export function clusterArgsFromEnv(value = process.env.DEPOT_E2E_CLUSTER_ARGS ?? '') {
    const text = value.trim();
    if (!text)
        return [];
    return text.startsWith('[') ? JSON.parse(text) : text.split(/\s+/);
}

/**
 * `n` depot-hub processes (Hub objects of harness.mjs, each with its own data dir, the e2e admin
 * password and `args`), started one after another so that the first creates a shared store's
 * schema and admin account alone, and HAProxy in front of them.
 * Options: `args` for every hub (with `{redis}`, `{postgres}`, `{i}` as in
 * clusterArgsFromEnv()), `hubArgs(i)` for hub i's own, `sticky` for HAProxy, `osmand` to give
 * every hub an OsmAnd port behind HAProxy's OsmAnd frontend.
 * Resolves with `{ hubs, proxy, url, redis, postgres, stop }`.
 */
export async function startCluster(n, { args = [], hubArgs = () => [], sticky = true, osmand = false,
                                        timeoutMs = 15000 } = {}) {
    const cluster = { hubs: [], proxy: undefined, redis: undefined, postgres: undefined };
    cluster.stop = async () => {
        const codes = [];
        if (cluster.proxy)
            await cluster.proxy.stop();
        for (const hub of cluster.hubs)
            codes.push(await hub.stop());
        if (cluster.redis)
            await cluster.redis.stop();
        if (cluster.postgres)
            await cluster.postgres.stop();
        return codes;
    };
    try {
        const joined = args.join('\n');
        if (joined.includes('{redis}'))
            cluster.redis = await startRedis();
        if (joined.includes('{postgres}'))
            cluster.postgres = await startPostgres();
        for (let i = 1; i <= n; ++i) {
            const own = [...args, ...hubArgs(i)].map((a) => a
                .replaceAll('{redis}', cluster.redis?.url ?? '{redis}')
                .replaceAll('{postgres}', cluster.postgres?.url ?? '{postgres}')
                .replaceAll('{i}', String(i)));
            const osmandPort = osmand ? await freePort() : undefined;
            if (osmandPort)
                own.push('--osmand-port', String(osmandPort));
            const hub = await Hub.start({ args: own, timeoutMs, cluster: 0 });
            hub.name = `hub${i}`;
            hub.osmandPort = osmandPort;
            cluster.hubs.push(hub);
        }
        cluster.proxy = await startHAProxy({ hubs: cluster.hubs, sticky, osmand, timeoutMs });
        cluster.url = cluster.proxy.url;
    } catch (err) {
        await cluster.stop();
        throw err;
    }
    return cluster;
}

/**
 * What Hub.start() returns with DEPOT_E2E_CLUSTER=N: the e2e suite's Hub, whose URL is HAProxy's
 * in front of N hubs. Clients keep HAProxy's cookie (socket.io-client's `withCredentials`, what a
 * browser does by itself on the hub's own origin), so a polling session stays on its hub; REST
 * goes to any hub, which a shared store (DEPOT_E2E_CLUSTER_ARGS) makes equal.
 */
export class ClusterHub extends Hub {
    static async startCluster({ n, args = [], timeoutMs = 15000 } = {}) {
        const cluster = await startCluster(n, { args: [...clusterArgsFromEnv(), ...args], timeoutMs });
        const hub = new ClusterHub(cluster);
        try {
            const { token } = await hub.login('dispatcher', PASSWORD);
            hub.token = token;
        } catch (err) {
            await hub.stop();
            throw err;
        }
        return hub;
    }

    constructor(cluster) {
        super();
        this.cluster = cluster;
        this.url = cluster.url;
        this.port = cluster.proxy.port;
        this.scheme = 'http';
        this.clientDefaults = { withCredentials: true };
        // Every hub's output, in hub order: a line any of them logged is in the cluster's log.
        Object.defineProperty(this, 'stdout', { get: () => cluster.hubs.flatMap((h) => h.stdout) });
        Object.defineProperty(this, 'stderr', { get: () => cluster.hubs.flatMap((h) => h.stderr) });
    }

    /** Stops HAProxy and every hub; resolves with the first non-zero exit code, else 0. */
    async stop() {
        for (const s of this.sockets)
            s.close();
        this.sockets.clear();
        const codes = await this.cluster.stop();
        this.exitCode = codes.find((c) => c !== 0) ?? 0;
        return this.exitCode;
    }

    /** Restarts every hub on its port and data dir (HAProxy stays), `whileDown` in between. */
    async restart({ whileDown = async () => {}, timeoutMs = 15000 } = {}) {
        for (const hub of this.cluster.hubs)
            await hub.kill('SIGTERM');
        await whileDown();
        for (const hub of this.cluster.hubs)
            await hub.restart({ timeoutMs });
    }

    log(n = 20) {
        return this.cluster.hubs.map((h) => `${h.name}:\n${h.log(n)}`).join('\n') +
            `\nhaproxy:\n${this.cluster.proxy?.process.log(n)}`;
    }
}
