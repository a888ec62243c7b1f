// The courier page in headless Chromium against a real depot-hub: logging in, the deliveries
// and their buttons, location sharing with acks, and fixes kept over an outage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, Recorder, offset } from '../e2e/harness.mjs';
import { assertNoProblems, openPage, useHubAndBrowser } from './browser.mjs';

const DEPOT = { latitude: 53.5511, longitude: 9.9937 };
const COURIER_PASSWORD = 'courier-password';

const env = useHubAndBrowser(['--location-interval', '2', '--location-distance', '25']);

const card = (page, id) => page.locator(`li.card[data-id="${id}"]`);
const near = (a, b) => Math.abs(a - b) < 1e-6;

/** Opens the QR link of `courier` and logs in through the form. */
async function logIn(page, courier) {
    await page.goto(`${env.hub.url}/courier?u=${encodeURIComponent(courier.username)}`);
    assert.equal(await page.inputValue('#username'), courier.username, 'the QR link fills in the username');
    await page.fill('#password', COURIER_PASSWORD);
    await page.click('#login-button');
    await page.locator('#app-view').waitFor();
    await page.locator('#connection[data-state="connected"]').waitFor();
}

async function waitForLocation(recorder, courierId, fix) {
    return recorder.waitFor((e) => e.event === 'location:update' && e.data.deliveryPersonId === courierId
                                   && near(e.data.location.latitude, fix.latitude)
                                   && near(e.data.location.longitude, fix.longitude),
                            `location:update at ${JSON.stringify(fix)}`);
}

test('a wrong password is refused with a message and nothing is stored', async () => {
    const courier = await env.hub.createCourier('Wrong Password');
    const { context, page } = await openPage(env.browser);
    try {
        await page.goto(`${env.hub.url}/courier?u=${courier.username}`);
        await page.fill('#password', 'not-the-password');
        await page.click('#login-button');
        await page.locator('#login-error', { hasText: 'Wrong username or password.' }).waitFor();
        assert.equal(await page.isHidden('#app-view'), true);
        assert.equal(await page.evaluate(() => localStorage.getItem('depot.courier.session')), null);

        // A dispatcher's account is not a courier's: refused, and its token is not kept.
        await page.fill('#username', 'dispatcher');
        await page.fill('#password', 'e2e-admin-password');
        await page.click('#login-button');
        await page.locator('#login-error', { hasText: 'This page is for couriers' }).waitFor();
        assert.equal(await page.evaluate(() => localStorage.getItem('depot.courier.session')), null);
        assertNoProblems(page);
    } finally {
        await context.close();
    }
});

test('a courier logs in, shares a position the dispatcher sees, and works through deliveries', async () => {
    const courier = await env.hub.createCourier('Page Courier');
    const toDeliver = await env.hub.createPackage({ recipientName: 'Ada Recipient' });
    const toFail = await env.hub.createPackage({ recipientName: 'Bob Recipient' });
    await env.hub.assign(toDeliver.id, courier.id);
    await env.hub.assign(toFail.id, courier.id);
    const dispatcher = new Recorder(await env.hub.connect({ token: env.hub.token }), 'dispatcher');

    const { context, page } = await openPage(env.browser, { origin: env.hub.url, geolocation: DEPOT });
    try {
        await logIn(page, courier);
        assert.equal(await page.textContent('#courier-name'), 'Page Courier');
        await card(page, toDeliver.id).waitFor();
        await card(page, toFail.id).waitFor();
        assert.ok(await page.evaluate(() => localStorage.getItem('depot.courier.session')), 'the token is kept');

        // Location sharing: the fix reaches the dispatcher live and is stored.
        await page.click('#share-toggle');
        const seen = await waitForLocation(dispatcher, courier.id, DEPOT);
        assert.equal(seen.data.packageId, toDeliver.id, 'the fix is about the courier\'s first package');
        const stored = await env.hub.call('GET', `/api/couriers/${courier.id}`);
        assert.ok(near(stored.lastLocation.latitude, DEPOT.latitude), JSON.stringify(stored.lastLocation));
        await page.locator('#pending-fixes[data-count="0"]').waitFor({ state: 'attached' });

        // Start, then Delivered, through the page's buttons.
        await card(page, toDeliver.id).locator('button[data-action="start"]').click();
        await page.locator(`#deliveries li[data-id="${toDeliver.id}"][data-status="IN_PROGRESS"]`).waitFor();
        assert.equal((await env.hub.package(toDeliver.id)).status, 'IN_PROGRESS');
        await dispatcher.waitFor((e) => e.event === 'delivery:started' && e.data.packageId === toDeliver.id,
                                 'delivery:started');
        await card(page, toDeliver.id).locator('button[data-action="complete"]').click();
        await page.locator(`#finished li[data-id="${toDeliver.id}"][data-status="COMPLETED"]`).waitFor({ state: 'attached' });
        assert.equal((await env.hub.package(toDeliver.id)).status, 'COMPLETED');

        // Failed needs a reason: without one nothing is sent.
        await card(page, toFail.id).locator('button[data-action="fail"]').click();
        await card(page, toFail.id).locator('button[data-action="confirm-fail"]').click();
        await card(page, toFail.id).locator('.error', { hasText: 'Say why the delivery failed.' }).waitFor();
        assert.equal((await env.hub.package(toFail.id)).status, 'ASSIGNED');
        await card(page, toFail.id).locator('textarea[name="reason"]').fill('nobody at home');
        await card(page, toFail.id).locator('button[data-action="confirm-fail"]').click();
        await page.locator(`#finished li[data-id="${toFail.id}"][data-status="FAILED"]`).waitFor({ state: 'attached' });
        const failed = await env.hub.package(toFail.id);
        assert.deepEqual([failed.status, failed.reason], ['FAILED', 'nobody at home']);

        // The dispatcher's changes reach the page live: a new delivery, then its cancellation.
        const later = await env.hub.createPackage({ recipientName: 'Cleo Recipient' });
        await env.hub.assign(later.id, courier.id);
        await page.locator(`#deliveries li[data-id="${later.id}"][data-status="ASSIGNED"]`).waitFor();
        await env.hub.act(later.id, 'cancel', { body: { reason: 'recipient moved' } });
        await page.locator(`#finished li[data-id="${later.id}"][data-status="CANCELLED"]`).waitFor({ state: 'attached' });
        assert.equal(await page.locator(`#deliveries li[data-id="${later.id}"]`).count(), 0);

        // A change the page has not heard of yet: the hub's refusal is shown on the card.
        const raced = await env.hub.createPackage({ recipientName: 'Eve Recipient' });
        await env.hub.assign(raced.id, courier.id);
        await card(page, raced.id).waitFor();
        await page.route(`**/api/packages/${raced.id}/start`, async (route) => {
            await env.hub.act(raced.id, 'cancel', { body: { reason: 'address unknown' } });
            await route.continue();
        });
        await card(page, raced.id).locator('button[data-action="start"]').click();
        await page.locator(`#finished li[data-id="${raced.id}"][data-status="CANCELLED"]`).waitFor({ state: 'attached' });
        assert.match(await card(page, raced.id).locator('.error').textContent(), /CANCELLED/);
        assert.equal((await env.hub.package(raced.id)).status, 'CANCELLED');

        // A package taken away from the courier leaves the page.
        const other = await env.hub.createCourier('Other Courier');
        const moved = await env.hub.createPackage({ recipientName: 'Dan Recipient' });
        await env.hub.assign(moved.id, courier.id);
        await card(page, moved.id).waitFor();
        await env.hub.assign(moved.id, other.id);
        await card(page, moved.id).waitFor({ state: 'detached' });

        // The page opens logged in next time.
        await page.reload();
        await page.locator('#connection[data-state="connected"]').waitFor();
        assert.equal(await page.isHidden('#login-view'), true);
        await card(page, toFail.id).waitFor({ state: 'attached' });

        // Logging out forgets the token and ends it at the env.hub.
        const token = JSON.parse(await page.evaluate(() => localStorage.getItem('depot.courier.session'))).token;
        await page.click('#logout');
        await page.locator('#login-view').waitFor();
        assert.equal(await page.evaluate(() => localStorage.getItem('depot.courier.session')), null);
        await assert.rejects(env.hub.call('GET', '/api/me', { token }), /expected 200, got 401/);

        // Logged in again, then another courier's QR link on the same phone: that courier logs in.
        await page.fill('#password', COURIER_PASSWORD);
        await page.click('#login-button');
        await page.locator('#connection[data-state="connected"]').waitFor();
        const second = JSON.parse(await page.evaluate(() => localStorage.getItem('depot.courier.session'))).token;
        await page.goto(`${env.hub.url}/courier?u=${other.username}`);
        await page.locator('#login-error', { hasText: `${courier.username} was logged in on this phone` }).waitFor();
        assert.equal(await page.inputValue('#username'), other.username);
        assert.equal(await page.evaluate(() => localStorage.getItem('depot.courier.session')), null);
        await assert.rejects(env.hub.call('GET', '/api/me', { token: second }), /expected 200, got 401/);
        assertNoProblems(page);
    } finally {
        await context.close();
    }
});

test('the page sends no more fixes than the env.hub uses', async () => {
    // Its own hub: a minute between fixes unless the courier moved 50 m.
    const quiet = await Hub.start({ args: ['--location-interval', '60', '--location-distance', '50'] });
    const { context, page } = await openPage(env.browser, { origin: quiet.url, geolocation: DEPOT });
    try {
        const { username, password } = { username: quiet.unique('courier'), password: COURIER_PASSWORD };
        const courier = await quiet.call('POST', '/api/couriers', { expect: 201, body: { name: 'Quiet', username, password } });
        const dispatcher = new Recorder(await quiet.connect({ token: quiet.token }), 'dispatcher');
        await page.goto(`${quiet.url}/courier?u=${username}`);
        await page.fill('#password', password);
        await page.click('#login-button');
        await page.locator('#connection[data-state="connected"]').waitFor();
        await page.click('#share-toggle');
        await waitForLocation(dispatcher, courier.id, DEPOT);

        // 20 m and then 40 m from the last fix sent, within the minute: seen, not sent.
        for (const [n, north] of [20, 40].entries()) {
            await context.setGeolocation({ ...offset(DEPOT, north), accuracy: 10 });
            await page.locator(`#sharing-status[data-positions="${n + 2}"]`).waitFor({ state: 'attached' });
        }
        assert.equal(await page.getAttribute('#pending-fixes', 'data-count'), '0');
        // 60 m: sent, and it is the next fix the dispatcher gets.
        const far = offset(DEPOT, 60);
        await context.setGeolocation({ ...far, accuracy: 10 });
        const next = await dispatcher.waitFor((e) => e.event === 'location:update', 'the next location:update');
        assert.deepEqual([next.data.location.latitude, next.data.location.longitude], [far.latitude, far.longitude]);
        assertNoProblems(page);
    } finally {
        await context.close();
        await quiet.stop();
    }
});

test('fixes taken while the env.hub is down are kept and delivered in order', async () => {
    const courier = await env.hub.createCourier('Outage Courier');
    const { context, page } = await openPage(env.browser, { origin: env.hub.url, geolocation: DEPOT });
    try {
        await logIn(page, courier);
        const before = new Recorder(await env.hub.connect({ token: env.hub.token }), 'dispatcher before');
        await page.click('#share-toggle');
        await waitForLocation(before, courier.id, DEPOT);

        // Steps of 60 m: past the page's 25 m, within what the hub's jump filter accepts.
        const route = [1, 2, 3].map((n) => offset(DEPOT, 60 * n));
        await env.hub.restart({
            whileDown: async () => {
                await page.locator('#connection:not([data-state="connected"])').waitFor();
                // Keeps the page from reconnecting before the dispatcher below listens again.
                await page.route('**/socket.io/**', (r) => r.abort());
                for (const [i, fix] of route.entries()) {
                    await context.setGeolocation({ ...fix, accuracy: 10 });
                    await page.locator(`#pending-fixes[data-count="${i + 1}"]`).waitFor();
                }
                assert.match(await page.textContent('#pending-fixes'), /^3 positions waiting to be sent$/);
                const kept = await page.evaluate((id) => JSON.parse(localStorage.getItem(`depot.courier.fixes.${id}`)),
                                                 courier.id);
                assert.deepEqual(kept.map((f) => [f.latitude, f.longitude]),
                                 route.map((f) => [f.latitude, f.longitude]), 'kept in localStorage, in order');
            },
        });
        await page.locator('#connection[data-state="offline"]').waitFor();
        // The queue outlives the page: reloaded from the restarted env.hub, it still holds the fixes.
        await page.reload();
        await page.locator('#app-view').waitFor();
        const reloaded = await page.evaluate((id) => JSON.parse(localStorage.getItem(`depot.courier.fixes.${id}`)),
                                             courier.id);
        assert.deepEqual(reloaded.slice(0, 3).map((f) => [f.latitude, f.longitude]),
                         route.map((f) => [f.latitude, f.longitude]));
        assert.ok(Number(await page.getAttribute('#pending-fixes', 'data-count')) >= 3);

        const after = new Recorder(await env.hub.connect({ token: env.hub.token }), 'dispatcher after');
        await page.unroute('**/socket.io/**');
        await page.locator('#connection[data-state="connected"]').waitFor({ timeout: 20000 });
        await page.locator('#pending-fixes[data-count="0"]').waitFor({ state: 'attached' });

        // The env.hub announces only fixes newer than the courier's position: all three in order.
        const events = [];
        for (let i = 0; i < route.length; ++i)
            events.push(await after.waitFor((e) => e.event === 'location:update' && e.data.deliveryPersonId === courier.id,
                                            `location:update ${i + 1}`));
        assert.deepEqual(events.map((e) => [e.data.location.latitude, e.data.location.longitude]),
                         route.map((f) => [f.latitude, f.longitude]));
        const stored = await env.hub.call('GET', `/api/couriers/${courier.id}`);
        assert.ok(near(stored.lastLocation.latitude, route[2].latitude), JSON.stringify(stored.lastLocation));
        assertNoProblems(page);
    } finally {
        await context.close();
    }
});
