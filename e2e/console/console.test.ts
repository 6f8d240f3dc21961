import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { mintToken } from '@switchboard/auth';
import { CloseCode } from '@switchboard/protocol';
import { type Cluster, connectSocket, freePort, startCluster, type TestSocket } from '@switchboard/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type ApiProcess, startApiProcess } from '../observability/api-process.js';

/**
 * The ops console (docs/operations.md) in headless Chromium against a real cluster: the api
 * service serves it on SB_CONSOLE_PORT; the test signs in with the API key and checks the nodes,
 * rooms, presence and live tail it shows, and that its actions reach real clients. With
 * SWITCHBOARD_UPDATE_SCREENSHOTS=1 it also writes the screenshots in docs/images/.
 */

const CHROMIUM = process.env['SWITCHBOARD_CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCI = Boolean(process.env['CI']);
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const updateScreenshots = process.env['SWITCHBOARD_UPDATE_SCREENSHOTS'] === '1';

/** Page code as text: this file is type-checked against Node's lib, without `document`. */
async function until(page: Page, condition: string): Promise<void> {
  await page.waitForFunction(condition, null, { timeout: 20_000 });
}
const text = (selector: string) => `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`;

if (!haveChromium && !inCI)
  console.warn(`console test SKIPPED: ${CHROMIUM} not found (set SWITCHBOARD_CHROMIUM_PATH)`);

describe.skipIf(!haveChromium && !inCI)('ops console in headless Chromium', () => {
  let cluster: Cluster;
  let api: ApiProcess | undefined;
  let consoleUrl = '';
  let browser: Browser;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ edges: 1, routers: 1 });
    const port = await freePort();
    consoleUrl = `http://127.0.0.1:${port}`;
    api = await startApiProcess(cluster, { SB_CONSOLE_PORT: String(port) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 60_000,
    });
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    api?.stop();
    await cluster?.stop();
  }, 60_000);

  it('refuses the API without a key, and a wrong key at the login form', async () => {
    expect((await fetch(`${consoleUrl}/api/overview`)).status).toBe(401);
    const wrong = await fetch(`${consoleUrl}/api/overview`, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const index = await fetch(consoleUrl);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    // The test's own waits evaluate strings, which that policy forbids in the page.
    const page = await browser.newPage({ bypassCSP: true });
    await page.goto(consoleUrl);
    await page.fill('#api-key', 'not-the-key');
    await page.click('button[type=submit]');
    await until(page, `${text('[role=alert]')}.includes('refused')`);
    await page.close();
  });

  it('shows nodes, rooms with presence and a live tail, and its actions reach clients', async () => {
    const edgeUrl = cluster.edgeUrls[0]!;
    const alice = await connectSocket(edgeUrl, cluster.token('alice', { meta: { name: 'Alice' } }));
    const bob = await connectSocket(edgeUrl, cluster.token('bob'));
    sockets.push(alice, bob);
    await alice.call({ op: 'join', room: 'lobby' });
    await bob.call({ op: 'join', room: 'lobby' });
    await alice.call({ op: 'join', room: 'support' });
    await alice.call({ op: 'publish', room: 'lobby', event: 'chat', data: { text: 'hi bob' } });

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
    await page.goto(consoleUrl);
    await page.fill('#api-key', API_KEY);
    await page.click('button[type=submit]');

    // Nodes and versions, from the heartbeats the api hears.
    await until(page, `${text('#nodes')}.includes('edge-1') && ${text('#nodes')}.includes('api-1')`);
    const nodes = await page.locator('#nodes tbody tr').allTextContents();
    expect(nodes.some((row) => row.includes('edge-1') && row.includes('edge') && row.includes('0.1.0'))).toBe(
      true,
    );
    // Every role of the cluster beats on sb.nodes.<role>, the services as much as edges and api.
    await until(
      page,
      ['auth-1', 'router-1', 'presence-1'].map((n) => `${text('#nodes')}.includes('${n}')`).join(' && '),
    );
    const rows = await page.locator('#nodes tbody tr').allTextContents();
    for (const [node, role] of [
      ['edge-1', 'edge'],
      ['api-1', 'api'],
      ['auth-1', 'auth'],
      ['router-1', 'router'],
      ['presence-1', 'presence'],
    ] as const) {
      expect(rows.some((row) => row.startsWith(`${node}${role}0.1.0`))).toBe(true);
    }
    expect(await page.textContent('#stat-nodes b')).toBe('5');
    await until(page, `${text('#stat-connections')}.startsWith('2')`);
    // Rooms with their members.
    await until(page, `${text('#rooms')}.includes('lobby') && ${text('#rooms')}.includes('support')`);
    const lobbyRow = await page.locator('#rooms tbody tr', { hasText: 'lobby' }).textContent();
    expect(lobbyRow).toContain('lobby22');

    // A room: presence, then the live tail while messages flow.
    await page.locator('#rooms tbody tr', { hasText: 'lobby' }).click();
    await until(page, `${text('#members')}.includes('alice') && ${text('#members')}.includes('bob')`);
    expect(await page.textContent('#room-stats')).toContain('2 connections, 2 users');
    await page.waitForTimeout(300); // the tail's subscription is in place
    for (let i = 1; i <= 3; i++) {
      await alice.call({ op: 'publish', room: 'lobby', event: 'chat', data: { text: `message ${i}` } });
    }
    await until(page, `${text('#tail')}.includes('message 3')`);
    // Live rates: the api counts room deliveries per window.
    for (let i = 0; i < 20; i++) await bob.call({ op: 'publish', room: 'lobby', event: 'chat', data: i });
    await until(page, `Number(${text('#stat-messages b')}) > 0`);
    if (updateScreenshots) {
      await mkdir(IMAGES, { recursive: true });
      await page.screenshot({ path: `${IMAGES}console-overview.png`, fullPage: true });
    }

    // Publish a test message: a real member receives it, and the tail shows it.
    await page.fill('#publish input[aria-label="event"]', 'console.test');
    await page.fill('#publish input[aria-label="data (JSON)"]', '{"from":"ops"}');
    await page.click('#publish button');
    const pushed = await bob.push('msg', (m) => m.event === 'console.test');
    expect(pushed.data).toEqual({ from: 'ops' });
    expect(pushed.from?.user).toBe('@console');
    await until(page, `${text('#note')}.includes('published at offset')`);
    await until(page, `${text('#tail')}.includes('console.test')`);

    // Disconnect a user: bob's connection is closed by his edge.
    await page.fill('#disconnect input', 'bob');
    await page.click('#disconnect button');
    const closed = await bob.closed;
    expect(closed.code).toBeGreaterThanOrEqual(4000);
    await until(page, `${text('#note')}.includes('disconnected bob')`);
    await until(page, `!${text('#members')}.includes('bob')`);
    if (updateScreenshots) await page.screenshot({ path: `${IMAGES}console-room.png`, fullPage: true });

    // The key stays in this tab's sessionStorage only; signing out forgets it.
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    await page.click('header button');
    await until(page, `document.querySelector('#api-key') !== null`);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.close();
  }, 90_000);

  it('revokes a token by jti and every token of a user: their clients are closed with 4501', async () => {
    const edgeUrl = cluster.edgeUrls[0]!;
    const withJti = (user: string, jti: string) =>
      mintToken(cluster.secret, { user, jti, join: ['*'], publish: ['*'], ttlS: 600 });
    const carol = await connectSocket(edgeUrl, withJti('carol', 'console-jti-1'));
    const carolElsewhere = await connectSocket(edgeUrl, withJti('carol', 'console-jti-2'));
    const dave = await connectSocket(edgeUrl, cluster.token('dave'));
    sockets.push(carol, carolElsewhere, dave);

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
    await page.goto(consoleUrl);
    await page.fill('#api-key', API_KEY);
    await page.click('button[type=submit]');
    await until(page, `document.querySelector('#revoke-token') !== null`);

    // One token by its jti: only the connection holding it is closed, within a second.
    await page.fill('#revoke-token input[aria-label="jti"]', 'console-jti-1');
    const started = Date.now();
    await page.click('#revoke-token button');
    const closed = await carol.closed;
    expect(closed.code).toBe(CloseCode.Forbidden);
    expect(Date.now() - started).toBeLessThan(1_000);
    await until(page, `${text('#revoke-note')}.includes('revoked token console-jti-1 until')`);
    expect(await page.getAttribute('#revoke-note', 'role')).toBe('status');
    expect(carolElsewhere.isOpen()).toBe(true);

    // A refused request shows the error with its code.
    await page.fill('#revoke-token input[aria-label="jti"]', 'x'.repeat(300));
    await page.click('#revoke-token button');
    await until(page, `${text('#revoke-note')}.includes('bad_request')`);
    expect(await page.getAttribute('#revoke-note', 'role')).toBe('alert');

    // Every token of a user issued before now.
    await page.fill('#revoke-user input', 'dave');
    const userStarted = Date.now();
    await page.click('#revoke-user button');
    expect((await dave.closed).code).toBe(CloseCode.Forbidden);
    expect(Date.now() - userStarted).toBeLessThan(1_000);
    await until(page, `${text('#revoke-note')}.includes('revoked every token of dave issued before')`);
    expect(carolElsewhere.isOpen()).toBe(true);
    if (updateScreenshots) await page.screenshot({ path: `${IMAGES}console-revoke.png`, fullPage: true });
    await page.close();
  }, 60_000);
});
