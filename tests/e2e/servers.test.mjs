// The cluster harness's own servers: redis-server and PostgreSQL start on free ports in
// temporary folders, answer as the hubs will use them, and are gone after stop(), after a test
// that fails, and after the test process is killed.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { withTimeout } from './harness.mjs';
import { clusterArgsFromEnv, startPostgres, startRedis } from './cluster.mjs';

const PSQL = '/usr/lib/postgresql/15/bin/psql';

/** One Redis command over RESP; resolves with the raw reply. */
function redisCommand(port, ...words) {
    return withTimeout(new Promise((resolve, reject) => {
        const socket = net.createConnection(port, '127.0.0.1');
        let reply = '';
        socket.setEncoding('utf8');
        socket.on('connect', () => socket.write(`*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`));
        socket.on('data', (chunk) => {
            reply += chunk;
            if (reply.endsWith('\r\n')) {
                socket.end();
                resolve(reply);
            }
        });
        socket.on('error', reject);
    }), 5000, `redis ${words[0]}`);
}

/** Resolves once nothing accepts connections on `port` (a killed server's port closes at once). */
async function portClosed(port) {
    const refused = async () => {
        for (;;) {
            const open = await new Promise((resolve) => {
                const socket = net.createConnection(port, '127.0.0.1');
                socket.on('connect', () => { socket.destroy(); resolve(true); });
                socket.on('error', () => resolve(false));
            });
            if (!open)
                return;
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    };
    await withTimeout(refused(), 10000, `port ${port} to close`);
}

/** psql over TCP with the URL's password: resolves with the exit status and output. */
function psqlUrl(url, sql) {
    return spawnSync(PSQL, [url, '-At', '-c', sql], { encoding: 'utf8', timeout: 10000 });
}

it('starts redis-server without persistence, and stops it', async () => {
    const redis = await startRedis();
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await redisCommand(redis.port, 'PING'), '+PONG\r\n');
    assert.match(await redisCommand(redis.port, 'CONFIG', 'GET', 'save'), /save\r\n\$0\r\n\r\n$/);
    assert.match(await redisCommand(redis.port, 'CONFIG', 'GET', 'appendonly'), /\r\nno\r\n$/);
    const dir = (await redisCommand(redis.port, 'CONFIG', 'GET', 'dir')).split('\r\n')[4];
    assert.ok(existsSync(dir), dir);
    assert.equal(await redis.stop(), 0);
    await portClosed(redis.port);
    assert.ok(!existsSync(dir), 'its folder is removed');
});

it('starts PostgreSQL 15 as postgres with a password-protected database, and stops it', async () => {
    const pg = await startPostgres();
    const url = new URL(pg.url);
    assert.equal(url.protocol, 'postgres:');
    assert.equal(url.hostname, '127.0.0.1');
    const ok = psqlUrl(pg.url, 'select current_user, current_database(), current_setting(\'server_version_num\')::int / 10000');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'depot|depot|15');
    const wrong = new URL(pg.url);
    wrong.password = 'wrong';
    const refused = psqlUrl(wrong.href, 'select 1');
    assert.notEqual(refused.status, 0, 'a wrong password is refused');
    assert.match(refused.stderr, /password authentication failed/);
    const owner = spawnSync('stat', ['-c', '%U', pg.socketDir], { encoding: 'utf8' }).stdout.trim();
    assert.equal(owner, 'postgres', 'the folder belongs to postgres');
    assert.equal(await pg.stop(), 0);
    await portClosed(pg.port);
    assert.ok(!existsSync(pg.socketDir), 'its folder is removed');
});

for (const ending of ['fails', 'is killed']) {
    it(`stops both servers when the test process ${ending}`, async () => {
        const script = `
            import { startPostgres, startRedis } from './cluster.mjs';
            const redis = await startRedis();
            const pg = await startPostgres();
            console.log(JSON.stringify({ redis: redis.port, pg: pg.port, dirs: [redis.dir, pg.dir] }));
            ${ending === 'fails' ? "throw new Error('a failing test');" : 'setInterval(() => {}, 1000);'}`;
        const child = spawn(process.execPath, ['--input-type=module', '-e', script],
                            { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
        const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
        const started = await withTimeout(new Promise((resolve, reject) => {
            let out = '';
            child.stdout.on('data', (chunk) => {
                out += chunk;
                if (out.includes('\n'))
                    resolve(JSON.parse(out));
            });
            exited.then((code) => reject(new Error(`exited (${code}) before its servers ran`)));
        }), 60000, 'the servers of the child process');
        if (ending === 'is killed')
            child.kill('SIGKILL');
        assert.equal(await withTimeout(exited, 15000, 'the child to end'), ending === 'fails' ? 1 : 'SIGKILL');
        await portClosed(started.redis);
        await portClosed(started.pg);
        if (ending === 'fails') {
            for (const dir of started.dirs)
                assert.ok(!existsSync(dir), `the exit handler removed ${dir}`);
        }
        // A killed process removes nothing: its servers end, their folders are left to us.
        for (const dir of started.dirs)
            rmSync(dir, { recursive: true, force: true });
    });
}

it('reads DEPOT_E2E_CLUSTER_ARGS as words or as a JSON array', () => {
    assert.deepStrictEqual(clusterArgsFromEnv(''), []);
    assert.deepStrictEqual(clusterArgsFromEnv(' --database {postgres}  --redis {redis} '),
                           ['--database', '{postgres}', '--redis', '{redis}']);
    assert.deepStrictEqual(clusterArgsFromEnv('["--tile-url", "none", "--guess-limit", "5"]'),
                           ['--tile-url', 'none', '--guess-limit', '5']);
});
