// The tracking page in headless Chromium through HAProxy (docs/cluster/haproxy.cfg) in front of
// two hubs: the browser keeps HAProxy's cookie by itself, so the page, its REST calls, its
// long-polling and its WebSocket upgrade all reach one hub, and its live updates arrive.
// Each hub has its own store here, so the package is made on the hub the browser's cookie names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../e2e/cluster.mjs';
import { assertNoProblems, launchBrowser, openPage } from './browser.mjs';

let cluster;
let browser;
before(async () => {
    cluster = await startCluster(2, { args: ['--tile-url', 'none'] });
    browser = await launchBrowser();
});
after(async () => {
    await browser?.close();
    await cluster?.stop();
});

const timelineStatuses = (page) => page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.dataset.status));

async function waitForTimeline(page, statuses) {
    await page.locator(`#timeline li:nth-child(${statuses.length})[data-status="${statuses.at(-1)}"]`).waitFor();
    assert.deepEqual(await timelineStatuses(page), statuses);
}

test('the tracking page lives through HAProxy on whichever hub its cookie names', async () => {
    const served = new Set();
    for (let attempt = 0; attempt < 6 && served.size < 2; ++attempt) {
        const { context, page } = await openPage(browser);
        try {
            const polls = [];
            const sockets = [];
            page.on('response', (response) => {
                if (response.url().includes('/socket.io/') && response.url().includes('transport=polling'))
                    polls.push(response.status());
            });
            page.on('websocket', (ws) => sockets.push(ws.url()));

            // Any first answer carries the cookie (here a request of the browser's own, which
            // shares its cookies); it names the hub the browser now sticks to.
            assert.equal((await context.request.get(`${cluster.url}/healthz`)).status(), 200);
            const cookie = (await context.cookies()).find((c) => c.name === 'DEPOT_HUB');
            assert.ok(cookie, 'HAProxy set its cookie');
            const hub = cluster.hubs.find((h) => h.name === cookie.value);
            assert.ok(hub, `the cookie names a hub: ${cookie.value}`);
            served.add(hub.name);

            const courier = await hub.createCourier('Cluster Courier');
            const parcel = await hub.createPackage({ recipientName: 'Ada Lovelace' });
            await page.goto(`${cluster.url}/track/${parcel.trackingCode}`);
            await page.locator('#details').waitFor();
            await page.locator('#live[data-state="connected"]').waitFor();
            await waitForTimeline(page, ['PENDING']);

            // Live events from the hub, after the upgrade.
            await hub.assign(parcel.id, courier.id);
            await waitForTimeline(page, ['PENDING', 'ASSIGNED']);
            await hub.act(parcel.id, 'start', { token: courier.token });
            await waitForTimeline(page, ['PENDING', 'ASSIGNED', 'IN_PROGRESS']);

            assert.ok(polls.length > 0 && polls.every((status) => status === 200),
                      `every long-polling request succeeded: ${JSON.stringify(polls)}`);
            assert.ok(sockets.some((url) => url.startsWith(cluster.url.replace(/^http/, 'ws'))),
                      `the page upgraded to a WebSocket through HAProxy: ${JSON.stringify(sockets)}`);
            assert.equal((await context.cookies()).find((c) => c.name === 'DEPOT_HUB')?.value, hub.name,
                         'the browser stayed on its hub');
            assertNoProblems(page);
        } finally {
            await context.close();
        }
    }
    assert.deepEqual([...served].sort(), ['hub1', 'hub2'], 'pages were served by both hubs');
});
