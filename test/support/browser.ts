import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
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
