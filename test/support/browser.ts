import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestApp } from './app';

/**
 * Debian's chromium through playwright-core, for the tests of pages. CI installs chromium and sets
 * CI_REQUIRE_BROWSER; elsewhere, without a browser, the tests skip. Screenshots go to test-output/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI_REQUIRE_BROWSER) throw new Error(`CI_REQUIRE_BROWSER is set but there is no browser at ${CHROMIUM}`);
export const describeWithBrowser = haveBrowser ? describe : describe.skip;
export const OUT = path.resolve(__dirname, '../../test-output');

/** Listens on a free port and opens the browser before the file's tests; closes it after. `base` and `browser` are filled in then. */
export function useBrowser(t: TestApp): { base: string; browser: Browser } {
  const session = {} as { base: string; browser: Browser };
  beforeAll(async () => {
    if (!haveBrowser) return;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    session.base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    session.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => session.browser?.close());
  return session;
}

/** The little of the DOM that chooseTab's page function reads: tests compile without the DOM's types. */
interface DomElement {
  closest(selector: string): DomElement | null;
  querySelector(selector: string): DomElement | null;
  getBoundingClientRect(): { left: number; right: number; width: number };
  getAnimations(): unknown[];
}

/**
 * Chooses a tab of an el-tabs, as a person taps it, and waits until its underline (the active bar)
 * has come to rest under it: the bar slides there by a 0.3 s CSS transition, and a screenshot taken
 * before the transition ends shows it still under the tab that was left.
 */
export async function chooseTab(page: Page, name: string | RegExp): Promise<void> {
  const tab = page.getByRole('tab', { name, exact: typeof name === 'string' });
  await tab.click();
  await page.waitForFunction((el: DomElement | null) => {
    const bar = el?.closest('.el-tabs')?.querySelector('.el-tabs__active-bar');
    // Card tabs have no underline.
    if (!el || !bar) return true;
    if (bar.getAnimations().length > 0) return false;
    const under = bar.getBoundingClientRect();
    const over = el.getBoundingClientRect();
    return under.width > 0 && under.left >= over.left - 0.5 && under.right <= over.right + 0.5;
  }, await tab.elementHandle());
}

/**
 * Waits until nothing on the page is moving (an opening dialog, a fading overlay), so that a
 * screenshot shows where things come to rest; endless animations (a spinner) do not count.
 */
export async function untilStill(page: Page): Promise<void> {
  // A string, evaluated in the page: tests compile without the DOM's types.
  await page.waitForFunction(`document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)`);
}

/**
 * Opens a page from the phone's menu drawer (☰) and waits until the drawer has closed: it slides out
 * and its dark overlay fades after the page is already there, and a screenshot taken meanwhile has a
 * dark strip across it.
 */
export async function openFromPhoneMenu(page: Page, title: string): Promise<void> {
  await page.getByRole('button', { name: '菜单' }).click();
  const drawer = page.locator('.menu-drawer');
  await drawer.getByRole('menuitem', { name: title }).click();
  await drawer.waitFor({ state: 'hidden' });
}
