// An unmodified socket.io-client 4.8 over HTTPS and WSS: the hub started with a certificate the
// test fixture made (e2e_tls_certificate), trusted through NODE_EXTRA_CA_CERTS as a phone
// trusts it once accepted. Client options stay the defaults.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Hub, Recorder, emitWithAck, upgraded } from './harness.mjs';

const CERT = process.env.NODE_EXTRA_CA_CERTS;
const KEY = process.env.DEPOT_E2E_TLS_KEY;
const HOME = { latitude: 52.52, longitude: 13.405 };
const MODES = [
    { name: 'default options (polling, then upgrade to WSS)', opts: {}, last: 'websocket' },
    { name: 'transports: ["polling"]', opts: { transports: ['polling'] }, last: 'polling' },
    { name: 'transports: ["websocket"]', opts: { transports: ['websocket'] }, last: 'websocket' },
];

// By hand: make a certificate for 127.0.0.1 and set both variables (see README.md).
const SKIP = CERT && KEY ? false : 'needs NODE_EXTRA_CA_CERTS and DEPOT_E2E_TLS_KEY (a test certificate)';

describe('HTTPS and WSS', { skip: SKIP }, () => {
    let hub;
    before(async () => {
        hub = await Hub.start({ args: ['--tls-cert', CERT, '--tls-key', KEY] });
    });
    after(async () => {
        assert.equal(await hub?.stop(), hub ? 0 : undefined, hub?.log());
    });

    it('listens on https:// and prints the certificate\'s fingerprint', async () => {
        assert.equal(hub.scheme, 'https');
        const openssl = spawnSync('openssl', ['x509', '-in', CERT, '-noout', '-fingerprint', '-sha256'],
                                  { encoding: 'utf8' });
        const fingerprint = openssl.stdout.trim().split('=')[1];
        assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        assert.ok(hub.stdout.includes(`TLS certificate SHA-256 fingerprint: ${fingerprint}`), hub.stdout.join('\n'));
        const res = await fetch(`${hub.url}/healthz`, { signal: AbortSignal.timeout(5000) });
        assert.deepStrictEqual(await res.json(), { status: 'ok' });
    });

    it('refuses plain HTTP on the TLS port', async () => {
        await assert.rejects(fetch(`http://127.0.0.1:${hub.port}/healthz`, { signal: AbortSignal.timeout(5000) }));
    });

    for (const mode of MODES) {
        describe(mode.name, () => {
            it(`carries a courier's fix to the dispatcher and ends on ${mode.last}`, async () => {
                const courier = await hub.createCourier('Ada Lovelace');
                const dispatcher = await hub.connect({ token: hub.token, ...mode.opts });
                const seen = new Recorder(dispatcher, 'the dispatcher');
                const phone = await hub.connect({ token: courier.token, ...mode.opts });
                if (mode.last === 'websocket') {
                    await upgraded(phone);
                    await upgraded(dispatcher);
                }
                assert.equal(phone.io.engine.transport.name, mode.last);
                assert.deepStrictEqual(await emitWithAck(phone, 'location:update', HOME), { ok: true });
                const update = await seen.waitFor(
                    (e) => e.event === 'location:update' && e.data.deliveryPersonId === courier.id,
                    'the courier\'s location:update');
                assert.equal(update.data.location.latitude, HOME.latitude);
                phone.close();
                dispatcher.close();
            });
        });
    }
});
