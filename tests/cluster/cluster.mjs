// Helpers for hubs on one Redis: hubs that share their accounts, waits on Redis and on logs.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Hub, WAIT_MS, withTimeout } from './harness.mjs';

const dirs = [];
process.on('exit', () => {
    for (const dir of dirs)
        rmSync(dir, { recursive: true, force: true });
});

/**
 * `count` hubs on one Redis whose data dirs start as copies of one, so that they know the same
 * accounts (the `dispatcher` account has one id everywhere), as hubs on one database would.
 */
export async function hubsOnRedis(redisUrl, count = 2, extraArgs = []) {
    const seedDir = mkdtempSync(path.join(tmpdir(), 'depot-cluster-'));
    dirs.push(seedDir);
    const seed = await Hub.start({ args: ['--data-dir', seedDir] });
    await seed.stop();
    const hubs = [];
    for (let i = 0; i < count; ++i) {
        const dir = mkdtempSync(path.join(tmpdir(), 'depot-cluster-'));
        dirs.push(dir);
        cpSync(seedDir, dir, { recursive: true });
        const hub = await Hub.start({ args: ['--data-dir', dir, '--redis', redisUrl, ...extraArgs] });
        hub.dataDir = dir;
        hubs.push(hub);
    }
    return hubs;
}

/** A Redis client for the test's own looks. */
export function redisClient(url) {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    return client;
}

/** Resolves once check() is true; it is asked again every few ms (a state in another process). */
export async function until(check, what, ms = WAIT_MS) {
    await withTimeout((async () => {
        for (;;) {
            if (await check())
                return;
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
    })(), ms, what);
}

/** Until `n` clients block in XREAD on the stream: every hub and peer reads it. */
export async function readersOn(client, n) {
    await until(async () => {
        const list = await client.client('LIST').catch(() => '');
        return list.split('\n').filter((l) => / cmd=xread /.test(l)).length >= n;
    }, `${n} readers on the stream`);
}

/** Until a line of the hub's log matches. */
export function logged(hub, pattern, ms = WAIT_MS) {
    return until(() => hub.stderr.some((l) => pattern.test(l)), `${pattern} in the hub's log`, ms);
}

/** The pid of the depot-hub process that runs on this data dir (Linux: from /proc). */
export function hubPid(hub) {
    for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry))
            continue;
        try {
            const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
            if (argv[0].endsWith('depot-hub') && argv.includes(hub.dataDir))
                return Number(entry);
        } catch {
            // gone meanwhile
        }
    }
    throw new Error(`no depot-hub runs on ${hub.dataDir}`);
}
