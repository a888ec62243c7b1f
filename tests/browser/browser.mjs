// Headless Chromium for the page tests: Debian's chromium driven by playwright-core.
import { chromium } from 'playwright-core';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from '../e2e/harness.mjs';

export const CHROMIUM = process.env.DEPOT_CHROMIUM || '/usr/bin/chromium';

export function launchBrowser() {
    return chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
               '--disable-background-networking'],
    });
}

/**
 * Starts a depot-hub with `args` and a browser before a file's tests and stops both after them.
 * Returns `{ hub, browser }`, filled in once the tests run.
 */
export function useHubAndBrowser(args) {
    const env = { hub: undefined, browser: undefined };
    before(async () => {
        env.hub = await Hub.start({ args });
        env.browser = await launchBrowser();
    });
    after(async () => {
        await env.browser?.close();
        await env.hub?.stop();
    });
    return env;
}

/**
 * A fresh browser context (its own localStorage) and page. `geolocation` grants the permission
 * for `origin` and sets the first position; `acceptCertificate` accepts the hub's certificate, as
 * a courier does once on the phone. Script errors on the page are collected in
 * `page.problems`; `assertNoProblems(page)` fails the test on any.
 */
export async function openPage(browser, { origin, geolocation, acceptCertificate = false } = {}) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true,
                                               ignoreHTTPSErrors: acceptCertificate });
    if (geolocation) {
        await context.grantPermissions(['geolocation'], { origin });
        await context.setGeolocation({ accuracy: 10, ...geolocation });
    }
    const page = await context.newPage();
    // Generous: on two shared cores, under the suite's parallel load, software-rendered
    // Chromium may take more than 10 s for a step that takes one alone (shrinking a photo).
    page.setDefaultTimeout(30000);
    page.problems = [];
    page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
        // Chromium reports every refused API call (the page shows those itself), every tile a
        // hub without a tile source answers 404, and every failed connection attempt (the
        // socket's to retry; the tests check the page's indicator). Script errors still count.
        const url = msg.location()?.url ?? '';
        const expected = /\/(api|tiles|socket\.io)\//.test(url)
            || /WebSocket connection to .* failed/.test(msg.text());
        if (msg.type() === 'error' && !expected)
            page.problems.push(`console error: ${msg.text()} (${msg.location()?.url ?? ''})`);
    });
    return { context, page };
}

export function assertNoProblems(page) {
    assert.deepEqual(page.problems, [], 'the page reported errors');
}
