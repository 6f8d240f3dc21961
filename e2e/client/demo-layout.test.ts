import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../../packages/client/demo/server.js';

/**
 * The demo chat as people see it: on a phone (390 px wide) and on a desktop. No sideways
 * scrolling, tap targets of at least 44 px, own messages set apart from others', a time on
 * every message, and the server's reason shown when the connect is refused. Writes the
 * screenshots docs/client.md shows (copied from e2e/test-results/ to docs/images/).
 */

const CHROMIUM = process.env['SWITCHBOARD_CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCI = Boolean(process.env['CI']);
const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

/** Page code as text: this file is type-checked against Node's lib, without `document`. */
async function until(page: Page, condition: string): Promise<void> {
  await page.waitForFunction(condition, null, { timeout: 30_000 });
}

describe.skipIf(!haveChromium && !inCI)('demo chat layout', () => {
  let sb: TestSwitchboard;
  let demo: DemoServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI is set but ${CHROMIUM} is missing (apt-get install -y chromium)`);
    sb = await startSwitchboard();
    demo = await startDemoServer({ wsUrl: sb.wsUrl, secret: sb.secret, room: 'chat:layout' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 60_000,
    });
    await mkdir(RESULTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await demo?.close();
    await sb?.stop();
  });

  async function open(query: Record<string, string>, phone: boolean): Promise<Page> {
    const context = await browser.newContext(
      phone
        ? { viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
        : { viewport: DESKTOP },
    );
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${demo.url}/?${new URLSearchParams(query)}`);
    return page;
  }

  async function chat(user: string, phone: boolean): Promise<Page> {
    const page = await open({ user }, phone);
    await until(page, "document.body.dataset.ready === 'true' || document.body.dataset.failed !== undefined");
    expect(await page.evaluate('document.body.dataset.failed ?? null')).toBeNull();
    return page;
  }

  async function say(page: Page, text: string, count: number): Promise<void> {
    await page.fill('#text', text);
    await page.click('button[type=submit]');
    await until(page, `document.querySelectorAll('#messages li').length >= ${count}`);
  }

  it('fits a 390 px phone: no sideways scroll, 44 px tap targets, own messages apart, times shown', async () => {
    const desktop = await chat('bob', false);
    const phone = await chat('alice', true);
    await until(phone, "document.querySelectorAll('#members li').length === 2");
    await say(phone, 'Hi Bob! Writing from my phone.', 1);
    await say(
      desktop,
      'Hello Alice — a longer line from the desktop, to see how messages wrap on a narrow screen.',
      2,
    );
    await say(phone, 'Looks good here!', 3);
    await until(desktop, "document.querySelectorAll('#messages li').length >= 3");

    const layout = (await phone.evaluate(`(() => {
      const box = (selector) => {
        const r = document.querySelector(selector).getBoundingClientRect();
        return { width: r.width, height: r.height, right: r.right };
      };
      const items = [...document.querySelectorAll('#messages li')];
      return {
        viewport: window.innerWidth,
        scrollWidth: document.documentElement.scrollWidth,
        bodyScrollWidth: document.body.scrollWidth,
        button: box('button[type=submit]'),
        input: box('#text'),
        widest: Math.max(...[...document.querySelectorAll('body *')].map((e) => e.getBoundingClientRect().right)),
        own: items.map((li) => li.classList.contains('own')),
        who: items.map((li) => li.querySelector('.who').textContent),
        backgrounds: items.map((li) => getComputedStyle(li).backgroundColor),
        times: items.map((li) => ({ text: li.querySelector('time')?.textContent ?? '', iso: li.querySelector('time')?.dateTime ?? '' })),
      };
    })()`)) as {
      viewport: number;
      scrollWidth: number;
      bodyScrollWidth: number;
      button: { width: number; height: number; right: number };
      input: { width: number; height: number; right: number };
      widest: number;
      own: boolean[];
      who: string[];
      backgrounds: string[];
      times: Array<{ text: string; iso: string }>;
    };
    expect(layout.viewport).toBe(390);
    expect(layout.scrollWidth).toBeLessThanOrEqual(390);
    expect(layout.bodyScrollWidth).toBeLessThanOrEqual(390);
    expect(layout.widest).toBeLessThanOrEqual(390);
    for (const target of [layout.button, layout.input]) {
      expect(target.height).toBeGreaterThanOrEqual(44);
      expect(target.width).toBeGreaterThanOrEqual(44);
    }
    expect(layout.own).toEqual([true, false, true]);
    expect(layout.who).toEqual(['you', 'bob', 'you']);
    expect(layout.backgrounds[0]).toBe(layout.backgrounds[2]);
    expect(layout.backgrounds[0]).not.toBe(layout.backgrounds[1]);
    for (const time of layout.times) {
      expect(time.text).toMatch(/\d{1,2}:\d{2}/);
      expect(Math.abs(Date.parse(time.iso) - Date.now())).toBeLessThan(5 * 60_000);
    }

    await phone.screenshot({ path: `${RESULTS}demo-phone.png` });
    await desktop.screenshot({ path: `${RESULTS}demo-desktop.png` });
  }, 120_000);

  it("shows the server's reason when the connect is refused", async () => {
    const page = await open({ user: 'mallory', token: 'not-a-real-token' }, true);
    await until(
      page,
      "document.querySelector('#notice')?.dataset.kind === 'rejected' && document.body.dataset.stopped !== undefined",
    );
    const notice = (await page.textContent('#notice')) ?? '';
    expect(notice).toMatch(/^connect rejected: .+ \(1100\) — not reconnecting\.$/);
    expect(await page.isVisible('#notice')).toBe(true);
    expect(await page.getAttribute('#status', 'data-state')).toBe('disconnected');
    await page.screenshot({ path: `${RESULTS}demo-rejected.png` });
  }, 60_000);
});
