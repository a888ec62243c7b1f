// The public tracking page in headless Chromium: each status change live, the moving courier,
// and nothing at all about any other package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offset, sleep } from '../e2e/harness.mjs';
import { assertNoProblems, openPage, useHubAndBrowser } from './browser.mjs';

const DEPOT = { latitude: 53.5511, longitude: 9.9937 };
const DESTINATION = offset(DEPOT, 2000, 500);

const env = useHubAndBrowser(['--location-interval', '1', '--location-distance', '20',
                               '--tile-url', 'none']);

/** Everything the page receives over Socket.IO, both transports, as text. */
function recordSocketTraffic(page) {
    const traffic = [];
    page.on('websocket', (ws) => ws.on('framereceived', (frame) => traffic.push(String(frame.payload))));
    page.on('response', async (response) => {
        if (response.url().includes('/socket.io/'))
            traffic.push(await response.text().catch(() => ''));
    });
    return traffic;
}

const timelineStatuses = (page) => page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.dataset.status));

async function waitForTimeline(page, statuses) {
    await page.locator(`#timeline li:nth-child(${statuses.length})[data-status="${statuses.at(-1)}"]`).waitFor();
    assert.deepEqual(await timelineStatuses(page), statuses);
    await page.locator(`#status[data-status="${statuses.at(-1)}"]`).waitFor();
}

async function courierAt(page, fix) {
    const marker = page.locator(`.courier-marker[data-latitude="${fix.latitude}"][data-longitude="${fix.longitude}"]`);
    await marker.waitFor();
    return marker.evaluate((node) => node.style.transform);
}

test('an unknown tracking code gets the not-found page', async () => {
    const { context, page } = await openPage(env.browser);
    try {
        await page.goto(`${env.hub.url}/track/ZZZZ-ZZZZZZ`);
        await page.locator('#not-found').waitFor();
        assert.equal(await page.isHidden('#details'), true);
        assert.equal(await page.textContent('#tracking-code'), 'ZZZZ-ZZZZZZ');
        assertNoProblems(page);
    } finally {
        await context.close();
    }
});

test('the tracking page follows its package live and shows nothing of another', async () => {
    const courier = await env.hub.createCourier('Track Courier');
    const stranger = await env.hub.createCourier('Stranger Courier');
    const mine = await env.hub.createPackage({ recipientName: 'Grace Hopper', destination: DESTINATION });
    const other = await env.hub.createPackage({ recipientName: 'Other Person', address: '9 Elsewhere Rd' });

    const { context, page } = await openPage(env.browser);
    const traffic = recordSocketTraffic(page);
    const framesFrom = [];
    page.on('websocket', (ws) => ws.on('framereceived', () => framesFrom.push(ws.url())));
    try {
        // The code as a person types it: lower case, with a dash.
        const typed = `${mine.trackingCode.slice(0, 4)}-${mine.trackingCode.slice(4)}`.toLowerCase();
        await page.goto(`${env.hub.url}/track/${typed}`);
        await page.locator('#details').waitFor();
        await page.locator('#live[data-state="connected"]').waitFor();
        assert.equal(await page.textContent('#tracking-code'), mine.trackingCode);
        assert.equal(await page.textContent('#recipient'), 'For Grace Hopper');
        await waitForTimeline(page, ['PENDING']);

        await env.hub.assign(mine.id, courier.id);
        await waitForTimeline(page, ['PENDING', 'ASSIGNED']);

        const first = { ...DEPOT, speed: 8 };
        await env.hub.postLocation(courier.id, first, { token: courier.token });
        const firstTransform = await courierAt(page, first);

        await env.hub.act(mine.id, 'start', { token: courier.token });
        await waitForTimeline(page, ['PENDING', 'ASSIGNED', 'IN_PROGRESS']);

        const second = { ...offset(DEPOT, 80, 30), speed: 8 };
        await env.hub.postLocation(courier.id, second, { token: courier.token });
        const secondTransform = await courierAt(page, second);
        assert.notEqual(secondTransform, firstTransform, 'the marker moved on the map');
        await page.locator('#eta:not([hidden])').waitFor();
        assert.match(await page.textContent('#eta'), /^Arriving in about \d+ minutes/);

        // Everything about another package: its courier moves, it is assigned, started, failed.
        const before = await timelineStatuses(page);
        await env.hub.assign(other.id, stranger.id);
        await env.hub.postLocation(stranger.id, offset(DEPOT, -500), { token: stranger.token });
        await env.hub.act(other.id, 'start', { token: stranger.token });
        await env.hub.postLocation(stranger.id, offset(DEPOT, -400), { token: stranger.token });
        await env.hub.act(other.id, 'fail', { token: stranger.token, body: { reason: 'nobody home' } });
        // Then one more thing about this package, so the page has surely seen what came before.
        const third = { ...offset(DEPOT, 160, 60), speed: 8 };
        await env.hub.postLocation(courier.id, third, { token: courier.token });
        await courierAt(page, third);
        assert.deepEqual(await timelineStatuses(page), before, 'the other package changed nothing');
        assert.equal(await page.locator('.courier-marker').count(), 1, 'one courier on the map');
        await sleep(300);
        const leaked = traffic.filter((text) => [other.id, other.trackingCode, stranger.id, 'Other Person']
            .some((secret) => text.includes(secret)));
        assert.deepEqual(leaked, [], 'the page received something about another package');
        assert.ok(traffic.some((text) => text.includes(mine.id)), 'the traffic recorder saw this package');
        // The page's policy allows connections to its own origin only ('self'): that covers ws:.
        assert.ok(framesFrom.some((url) => url.startsWith(env.hub.url.replace(/^http/, 'ws'))),
                  `the socket upgraded to its own hub over ws: ${JSON.stringify(framesFrom)}`);

        await env.hub.act(mine.id, 'complete', { token: courier.token });
        await waitForTimeline(page, ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'COMPLETED']);
        await page.locator('.courier-marker').waitFor({ state: 'detached' });
        assert.equal(await page.isHidden('#eta'), true);
        assert.equal(await page.textContent('#status'), 'Delivered');

        // A later visit rebuilds the same history from the env.hub.
        await page.reload();
        await waitForTimeline(page, ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'COMPLETED']);
        assertNoProblems(page);
    } finally {
        await context.close();
    }
});

test('a failed delivery shows its reason', async () => {
    const courier = await env.hub.createCourier('Failing Courier');
    const parcel = await env.hub.createPackage({ recipientName: 'Nobody Home' });
    await env.hub.assign(parcel.id, courier.id);
    const { context, page } = await openPage(env.browser);
    try {
        await page.goto(`${env.hub.url}/track/${parcel.trackingCode}`);
        await waitForTimeline(page, ['PENDING', 'ASSIGNED']);
        await page.locator('#live[data-state="connected"]').waitFor();
        await env.hub.act(parcel.id, 'fail', { token: courier.token, body: { reason: 'nobody home' } });
        await waitForTimeline(page, ['PENDING', 'ASSIGNED', 'FAILED']);
        assert.equal(await page.textContent('#status'), 'Delivery failed (nobody home)');
        assertNoProblems(page);
    } finally {
        await context.close();
    }
});
