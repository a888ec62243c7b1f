// The e2e suite, unchanged, against hubs that share their traffic over a redis-server of this
// script's own (DEPOT_REDIS): a hub on Redis serves its clients exactly as a hub alone.
import { spawn } from 'node:child_process';
import { RedisServer } from './redis.mjs';

const files = process.argv.slice(2);
const redis = await RedisServer.start();
let code = 1;
try {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
        stdio: 'inherit',
        env: { ...process.env, DEPOT_REDIS: redis.url },
    });
    code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
    await redis.stop();
}
process.exit(code);
