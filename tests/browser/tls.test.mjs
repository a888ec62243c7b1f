// The pages over HTTPS, as couriers on the depot's Wi-Fi use them: the hub started with a
// certificate the e2e fixture made, accepted once by the browser. Geolocation works on the
// secure page and the socket runs over WSS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder } from '../e2e/harness.mjs';
import { assertNoProblems, openPage, useHubAndBrowser } from './browser.mjs';

const CERT = process.env.NODE_EXTRA_CA_CERTS;
const KEY = process.env.DEPOT_E2E_TLS_KEY;
const SKIP = CERT && KEY ? false : 'needs NODE_EXTRA_CA_CERTS and DEPOT_E2E_TLS_KEY (a test certificate)';
const DEPOT = { latitude: 53.5511, longitude: 9.9937 };

const env = SKIP ? {} : useHubAndBrowser(['--tls-cert', CERT, '--tls-key', KEY, '--tile-url', 'none']);

test('a courier shares a position over HTTPS and WSS, and the tracking page shows it', { skip: SKIP }, async () => {
    const { hub, browser } = env;
    assert.equal(hub.scheme, 'https');
    const courier = await hub.createCourier('Secure Courier');
    const parcel = await hub.createPackage({ recipientName: 'Secure Recipient' });
    await hub.assign(parcel.id, courier.id);
    const dispatcher = new Recorder(await hub.connect({ token: hub.token }), 'dispatcher');

    const { context, page } = await openPage(browser, { origin: hub.url, geolocation: DEPOT, acceptCertificate: true });
    const tracker = await openPage(browser, { acceptCertificate: true });
    const sockets = [];
    for (const p of [page, tracker.page])
        p.on('websocket', (ws) => sockets.push(ws.url()));
    try {
        await tracker.page.goto(`${hub.url}/track/${parcel.trackingCode}`);
        await tracker.page.locator('#live[data-state="connected"]').waitFor();

        await page.goto(`${hub.url}/courier?u=${courier.username}`);
        assert.equal(await page.evaluate(() => window.isSecureContext), true);
        await page.fill('#password', 'courier-password');
        await page.click('#login-button');
        await page.locator('#connection[data-state="connected"]').waitFor();
        await page.click('#share-toggle');

        const fix = await dispatcher.waitFor((e) => e.event === 'location:update' && e.data.deliveryPersonId === courier.id,
                                             'the courier\'s location:update');
        assert.deepEqual([fix.data.location.latitude, fix.data.location.longitude], [DEPOT.latitude, DEPOT.longitude]);
        await tracker.page.locator(`.courier-marker[data-latitude="${DEPOT.latitude}"]`).waitFor();

        // Both pages upgraded to WebSocket, over TLS.
        await page.locator('#pending-fixes[data-count="0"]').waitFor({ state: 'attached' });
        assert.ok(sockets.length >= 2, JSON.stringify(sockets));
        assert.ok(sockets.every((url) => url.startsWith('wss://')), JSON.stringify(sockets));
        assertNoProblems(page);
        assertNoProblems(tracker.page);
    } finally {
        await context.close();
        await tracker.context.close();
    }
});
