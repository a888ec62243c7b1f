// A redis-server of the test's own: a free port, a temporary folder, no persistence. It can be
// killed and started again on the same port, as an outage would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withTimeout } from './harness.mjs';

const live = new Set();
process.on('exit', () => {
    for (const child of live)
        child.kill('SIGKILL');
});

/** A free TCP port on 127.0.0.1 (redis-server --port 0 would turn TCP off). */
export function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

export class RedisServer {
    static async start() {
        const redis = new RedisServer();
        redis.port = await freePort();
        redis.dir = mkdtempSync(path.join(tmpdir(), 'depot-redis-'));
        await redis.#spawn();
        return redis;
    }

    get url() {
        return `redis://127.0.0.1:${this.port}`;
    }

    #child;
    #exited;
    log = [];

    async #spawn() {
        const child = spawn(process.env.DEPOT_REDIS_SERVER || 'redis-server',
                            ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '',
                             '--appendonly', 'no', '--dir', this.dir],
                            { stdio: ['ignore', 'pipe', 'pipe'] });
        this.#child = child;
        live.add(child);
        this.#exited = new Promise((resolve) => child.on('exit', () => {
            live.delete(child);
            resolve();
        }));
        const ready = new Promise((resolve, reject) => {
            let out = '';
            child.stdout.setEncoding('utf8');
            child.stdout.on('data', (chunk) => {
                out += chunk;
                this.log.push(chunk);
                if (out.includes('Ready to accept connections'))
                    resolve();
            });
            child.on('error', reject);
            this.#exited.then(() => reject(new Error(`redis-server exited: ${out.slice(-500)}`)));
        });
        await withTimeout(ready, 10000, 'redis-server to accept connections');
    }

    /** SIGKILL: connections drop at once, nothing is saved. */
    async kill() {
        this.#child.kill('SIGKILL');
        await withTimeout(this.#exited, 5000, 'redis-server to die');
    }

    /** SIGSTOP: connections stay open, nothing is answered, as a hung server. */
    pause() {
        this.#child.kill('SIGSTOP');
    }

    resume() {
        this.#child.kill('SIGCONT');
    }

    /** Starts again on the same port, empty. */
    async restart() {
        await this.#spawn();
    }

    async stop() {
        if (live.has(this.#child)) {
            this.#child.kill('SIGCONT');
            this.#child.kill('SIGTERM');
            await withTimeout(this.#exited, 5000, 'redis-server to stop').catch(() => this.#child.kill('SIGKILL'));
        }
        rmSync(this.dir, { recursive: true, force: true });
    }
}
