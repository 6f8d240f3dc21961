import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../../packages/client/demo/server.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The SDK in a real browser: the demo chat page, bundled by esbuild and served by the demo
 * dev server, in headless Chromium. Two pages chat; one page's network is cut (its traffic
 * goes through a TCP proxy that resets every link and refuses new ones, and its browser
 * context is switched offline) while the other keeps talking; once restored, the cut page
 * must show every message exactly once, in order.
 */

// Debian's package; SWITCHBOARD_CHROMIUM_PATH points elsewhere (another distribution, a laptop).
const CHROMIUM = process.env['SWITCHBOARD_CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCI = Boolean(process.env['CI']);
const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));

/**
 * Waits for a condition evaluated in the page. Page code is passed as text: this file is
 * type-checked against Node's lib, where `document` does not exist.
 */
async function until(page: Page, condition: string): Promise<void> {
  await page.waitForFunction(condition, null, { timeout: 30_000 });
}

if (!haveChromium && !inCI) {
  console.warn(
    `browser test SKIPPED: ${CHROMIUM} not found (Debian: apt-get install -y chromium, or set SWITCHBOARD_CHROMIUM_PATH)`,
  );
}

describe.skipIf(!haveChromium && !inCI)('demo chat in headless Chromium', () => {
  let sb: TestSwitchboard;
  let demo: DemoServer;
  let browser: Browser;
  let link: TcpProxy;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(`CI is set but ${CHROMIUM} is missing: install it (apt-get install -y chromium)`);
    }
    sb = await startSwitchboard({ config: { pingIntervalMs: 1_000, historySize: 1_000 } });
    link = await TcpProxy.start(Number(new URL(sb.wsUrl).port));
    demo = await startDemoServer({ wsUrl: sb.wsUrl, secret: sb.secret, room: 'chat:browser' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Playwright gives every launch a fresh temporary profile (user-data-dir).
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 60_000,
    });
  }, 90_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await demo?.close();
    await link?.close();
    await sb?.stop();
  });

  async function openChat(user: string, wsUrl?: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 900, height: 560 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const query = new URLSearchParams({ user, ...(wsUrl ? { ws: wsUrl, grace: '1500' } : {}) });
    await page.goto(`${demo.url}/?${query}`);
    await until(page, "document.body.dataset.ready === 'true' || document.body.dataset.failed !== undefined");
    expect(await page.evaluate('document.body.dataset.failed ?? null')).toBeNull();
    expect(errors).toEqual([]);
    return page;
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#text', text);
    await page.click('button[type=submit]');
  }

  /** The texts the page shows, in display order, with their offsets. */
  async function shown(page: Page): Promise<Array<{ offset: number; text: string }>> {
    return (await page.evaluate(
      `[...document.querySelectorAll('#messages li')].map((li) => ({
        offset: Number(li.dataset.offset),
        text: li.querySelector('.text')?.textContent ?? '',
      }))`,
    )) as Array<{ offset: number; text: string }>;
  }

  function waitForTexts(page: Page, count: number): Promise<void> {
    return until(page, `document.querySelectorAll('#messages li').length >= ${count}`);
  }

  function waitForState(page: Page, test: string): Promise<void> {
    return until(page, `document.getElementById('status')?.dataset.state ${test}`);
  }

  it('two pages chat; the cut page recovers every missed message exactly once', async () => {
    const alice = await openChat('alice');
    // Bob's page reaches the server through the proxy, so his network can be cut alone.
    const bob = await openChat('bob', link.url);
    await until(alice, "document.querySelectorAll('#members li').length === 2");

    const expected: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const text = `before cut ${i}`;
      await say(i % 2 ? alice : bob, text);
      expected.push(text);
      // One at a time, so the expected order is the publish order.
      await waitForTexts(alice, i);
      await waitForTexts(bob, i);
    }

    // Cut Bob off: the browser goes offline and every link through the proxy is reset.
    await bob.context().setOffline(true);
    link.cut();
    await waitForState(bob, "!== 'connected'");
    for (let i = 1; i <= 5; i++) {
      const text = `while bob is away ${i}`;
      await say(alice, text);
      expected.push(text);
    }
    // Bob writes while offline: queued by the SDK, sent after reconnect.
    await say(bob, 'bob typed this offline');
    await waitForTexts(alice, 8);
    expect((await shown(bob)).map((m) => m.text)).toEqual(expected.slice(0, 3));

    await mkdir(RESULTS, { recursive: true });
    await bob.screenshot({ path: `${RESULTS}demo-offline.png` });

    await bob.context().setOffline(false);
    link.restore();
    expected.push('bob typed this offline');
    await waitForState(bob, "=== 'connected'");
    await waitForTexts(bob, expected.length);
    await waitForTexts(alice, expected.length);
    await say(alice, 'after restore');
    expected.push('after restore');
    await waitForTexts(bob, expected.length);
    await waitForTexts(alice, expected.length);
    // Settle: a duplicate arriving late would show up here.
    await bob.waitForTimeout(300);

    for (const page of [alice, bob]) {
      const messages = await shown(page);
      expect(messages.map((m) => m.text)).toEqual(expected);
      expect(messages.map((m) => m.offset)).toEqual(expected.map((_, i) => i + 1));
    }

    const screenshot = `${RESULTS}demo.png`;
    await bob.screenshot({ path: screenshot });
    expect((await stat(screenshot)).size).toBeGreaterThan(1_000);
  }, 120_000);
});
