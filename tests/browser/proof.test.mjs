// Proof of delivery in headless Chromium against a real depot-hub with --proof required: on the
// courier page the form (name, a signature drawn with pointer events, a camera photo shrunk to a
// 1600 px JPEG), the delivery kept in IndexedDB while the phone is offline or the depot out of
// reach (over a reload) and sent, proof first, when it is back; on the tracking page "Delivered
// to NAME" and the photo where the depot allows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { Hub, Recorder } from '../e2e/harness.mjs';
import { assertNoProblems, openPage, useHubAndBrowser } from './browser.mjs';

const env = useHubAndBrowser(['--proof', 'required']);

const card = (page, id) => page.locator(`li.card[data-id="${id}"]`);

/** A real PNG of width x height in one colour, as a phone camera might hand over (but larger). */
function pngOf(width, height) {
    const crcTable = Array.from({ length: 256 }, (_, n) => {
        let c = n;
        for (let k = 0; k < 8; ++k)
            c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        return c >>> 0;
    });
    const crc = (bytes) => {
        let c = 0xffffffff;
        for (const b of bytes)
            c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
        return (c ^ 0xffffffff) >>> 0;
    };
    const chunk = (type, data) => {
        const out = Buffer.alloc(12 + data.length);
        out.writeUInt32BE(data.length, 0);
        out.write(type, 4, 'latin1');
        data.copy(out, 8);
        out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
        return out;
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // RGB
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; ++x)
        row.set([200, 120, 40], 1 + x * 3);
    const raw = Buffer.concat(Array.from({ length: height }, () => row));
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header),
                          chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A JPEG's width and height from its SOF segment. */
function jpegSize(bytes) {
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
    let at = 2;
    while (at < bytes.length) {
        const marker = bytes[at + 1];
        const length = bytes.readUInt16BE(at + 2);
        if (marker >= 0xc0 && marker <= 0xc2)
            return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
        at += 2 + length;
    }
    throw new Error('no SOF segment');
}

async function fetchBytes(url, token) {
    const res = await fetch(`${env.hub.url}${url}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, url);
    return { type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

test('Delivered asks for a proof, which waits offline and goes out before the delivery', async () => {
    const courier = await env.hub.createCourier('Proof Courier');
    const pkg = await env.hub.createPackage({ recipientName: 'Ada Lovelace' });
    await env.hub.assign(pkg.id, courier.id);
    await env.hub.act(pkg.id, 'start', { token: courier.token });
    const dispatcher = new Recorder(await env.hub.connect({ token: env.hub.token }), 'dispatcher');

    const { context, page } = await openPage(env.browser);
    try {
        await page.goto(`${env.hub.url}/courier?u=${courier.username}`);
        await page.fill('#password', 'courier-password');
        await page.click('#login-button');
        await page.locator('#connection[data-state="connected"]').waitFor();

        // Delivered opens the form; confirming without a signature or photo sends nothing.
        await card(page, pkg.id).locator('button[data-action="complete"]').click();
        const form = card(page, pkg.id).locator('form.proof-form');
        await form.waitFor();
        assert.equal(await form.locator('input[name="recipientName"]').inputValue(), 'Ada Lovelace');
        assert.equal(await form.locator('input[type="file"]').getAttribute('accept'), 'image/*');
        assert.notEqual(await form.locator('input[type="file"]').getAttribute('capture'), null);
        await form.locator('button[data-action="confirm-proof"]').click();
        await form.locator('.error', { hasText: 'signature or a photo' }).waitFor();

        // A signature with the pointer, and a 3200 x 1800 photo.
        const box = await form.locator('canvas.signature').boundingBox();
        await page.mouse.move(box.x + 20, box.y + box.height / 2);
        await page.mouse.down();
        for (let i = 1; i <= 10; ++i)
            await page.mouse.move(box.x + 20 + i * (box.width - 40) / 10, box.y + box.height / 2 + (i % 2 ? 15 : -15));
        await page.mouse.up();
        await form.locator('input[type="file"]').setInputFiles(
            { name: 'camera.png', mimeType: 'image/png', buffer: pngOf(3200, 1800) });
        await form.locator('.photo-count[data-count="1"]').waitFor();
        await form.locator('input[name="recipientName"]').fill('Ada L. (neighbour)');

        // Offline: the delivery waits on the phone, in IndexedDB.
        await context.setOffline(true);
        await form.locator('button[data-action="confirm-proof"]').click();
        await page.locator('#pending-deliveries[data-count="1"]').waitFor();
        await page.locator(`li.card[data-id="${pkg.id}"][data-waiting="1"]`).waitFor();

        // The network back but the depot still out of reach, and the page opened again: still kept.
        await page.route('**/api/packages/*/proof', (route) => route.abort());
        await context.setOffline(false);
        await page.reload();
        await page.locator(`li.card[data-id="${pkg.id}"][data-waiting="1"]`).waitFor();
        await page.locator('#pending-deliveries[data-count="1"]').waitFor();
        const kept = await page.evaluate(() => new Promise((resolve, reject) => {
            const open = indexedDB.open('depot-courier');
            open.onsuccess = () => {
                const all = open.result.transaction('outbox').objectStore('outbox').getAll();
                all.onsuccess = () => resolve(all.result.map((j) => ({
                    packageId: j.packageId, recipientName: j.recipientName, photos: j.photos.length,
                    signature: j.signature?.type, photoType: j.photos[0]?.type })));
                all.onerror = () => reject(all.error);
            };
            open.onerror = () => reject(open.error);
        }));
        assert.deepEqual(kept, [{ packageId: pkg.id, recipientName: 'Ada L. (neighbour)', photos: 1,
                                  signature: 'image/png', photoType: 'image/jpeg' }]);
        assert.equal((await env.hub.package(pkg.id)).status, 'IN_PROGRESS', 'nothing reached the hub');

        // The depot reachable again: proof, then Delivered, and the page shows it finished.
        await page.unroute('**/api/packages/*/proof');
        await page.locator(`#finished li[data-id="${pkg.id}"][data-status="COMPLETED"]`).waitFor({ state: 'attached', timeout: 20000 });
        await page.locator('#pending-deliveries[data-count="0"]').waitFor({ state: 'attached' });
        const completed = await dispatcher.waitFor((e) => e.event === 'delivery:completed' && e.data.packageId === pkg.id,
                                                   'delivery:completed');
        assert.equal(completed.data.proof.recipientName, 'Ada L. (neighbour)', 'the proof was there first');
        assert.equal(completed.data.proof.photos.length, 1);

        const proof = await env.hub.call('GET', `/api/packages/${pkg.id}/proof`);
        const photo = await fetchBytes(proof.photos[0].url, env.hub.token);
        assert.equal(photo.type, 'image/jpeg');
        assert.deepEqual(jpegSize(photo.bytes), { width: 1600, height: 900 }, 'shrunk to 1600 px on the longest side');
        const signature = await fetchBytes(proof.signature.url, env.hub.token);
        assert.equal(signature.type, 'image/png');
        assert.ok(signature.bytes.length > 1000, 'a drawn signature');
        const outbox = await page.evaluate(() => new Promise((resolve) => {
            const open = indexedDB.open('depot-courier');
            open.onsuccess = () => {
                const all = open.result.transaction('outbox').objectStore('outbox').count();
                all.onsuccess = () => resolve(all.result);
            };
        }));
        assert.equal(outbox, 0, 'the outbox is empty once the depot has the delivery');
        assertNoProblems(page);
    } finally {
        await context.close();
    }
});

/** Gives `pkg` (IN_PROGRESS, the courier's) a proof with one photo over REST, then completes it. */
async function deliverWithProof(hub, courier, pkg, name) {
    const form = new FormData();
    form.append('recipientName', name);
    form.append('photo', new Blob([pngOf(40, 30)], { type: 'image/png' }), 'door.png');
    const res = await fetch(`${hub.url}/api/packages/${pkg.id}/proof`, {
        method: 'PUT', headers: { Authorization: `Bearer ${courier.token}` }, body: form });
    assert.equal(res.status, 201, await res.text());
    await hub.act(pkg.id, 'complete', { token: courier.token });
}

test('the tracking page says who took the parcel, and shows the photo only where the depot allows it', async () => {
    const photos = await Hub.start({ args: ['--proof-photos-for-trackers', '--tile-url', 'none'] });
    try {
        for (const [hub, shown] of [[env.hub, false], [photos, true]]) {
            const courier = await hub.createCourier('Track Courier');
            const pkg = await hub.createPackage({ recipientName: 'Grace Hopper' });
            await hub.assign(pkg.id, courier.id);
            await hub.act(pkg.id, 'start', { token: courier.token });
            const { context, page } = await openPage(env.browser);
            try {
                await page.goto(`${hub.url}/track/${pkg.trackingCode}`);
                await page.locator('#status[data-status="IN_PROGRESS"]').waitFor();
                assert.equal(await page.isHidden('#proof'), true);
                // Live: delivered while the page is open (and its socket joined, so it hears it).
                await page.locator('#live[data-state="connected"]').waitFor();
                await deliverWithProof(hub, courier, pkg, 'Grace (front desk)');
                await page.locator('#delivered-to', { hasText: 'Delivered to Grace (front desk)' }).waitFor();
                if (shown) {
                    await page.locator('#proof-photo:not([hidden])').waitFor();
                    assert.ok(await page.locator('#proof-photo').evaluate((img) => img.complete && img.naturalWidth === 40));
                } else {
                    assert.equal(await page.isHidden('#proof-photo'), true);
                }
                // And on a fresh visit.
                await page.reload();
                await page.locator('#delivered-to', { hasText: 'Delivered to Grace (front desk)' }).waitFor();
                assertNoProblems(page);
            } finally {
                await context.close();
            }
        }
    } finally {
        await photos.stop();
    }
});
