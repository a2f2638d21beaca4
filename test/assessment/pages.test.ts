import path from 'node:path';
import { bearer, intakeBody, storage, useTestApp } from '../support/app';
import { describeWithBrowser, OUT, useBrowser } from '../support/browser';

/**
 * The commanders' pages in a real headless browser (Debian's chromium through playwright-core).
 * CI installs chromium and sets CI_REQUIRE_BROWSER; elsewhere, without a browser, these skip.
 * Screenshots land in test-output/ for a person to look at.
 */

const { t, tokens } = useTestApp({ roles: ['commander', 'admin', 'operator'], settings: { 'assessment.minOrders': 1, 'assessment.minCallbacks': 1 } });
const session = useBrowser(t);

const bj = (local: string) => new Date(`${local}+08:00`);

async function month() {
  for (const [code, replyAt, result] of [
    ['CQ-PS-WENCHANG', '2026-07-01T11:00:00', 'satisfied'],
    ['CQ-PS-PINGAN', '2026-07-20T11:00:00', 'unsatisfied'],
    ['CQ-PS-GUIDE', '2026-07-01T11:00:00', 'basically_satisfied'],
  ] as const) {
    const unit = await t.token('unit', code);
    t.clock.set(bj('2026-07-01T09:00:00'));
    const { id } = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: bj('2026-07-01T09:00:00').toISOString(), category: '噪音扰民' }))).body;
    await t.http.post(`/api/v1/work-orders/${id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: code });
    await t.http.post(`/api/v1/work-orders/${id}/sign`).set(bearer(unit)).send({});
    t.clock.set(bj(replyAt));
    await t.http.post(`/api/v1/work-orders/${id}/reply`).set(bearer(unit)).send({ result: 'resolved', text: '已处理' });
    await t.http.post(`/api/v1/work-orders/${id}/close`).set(bearer(tokens.operator)).send({});
    const [callback] = (await t.http.get('/api/v1/callbacks?state=pending').set(bearer(tokens.operator))).body;
    await t.http.post(`/api/v1/callbacks/${callback.id}/attempts`).set(bearer(tokens.operator)).send({ result, unitFault: result === 'unsatisfied' ? false : undefined });
  }
  t.clock.real();
}

describeWithBrowser(`the commanders' pages in a browser (${storage})`, () => {
  test('the bulletin renders in Chinese with the ranking table, the chart of three rates and the consequences', async () => {
    await month();
    const page = await session.browser.newPage({ extraHTTPHeaders: bearer(tokens.commander), viewport: { width: 1100, height: 900 } });
    const response = await page.goto(`${session.base}/api/v1/reports/bulletin?month=2026-07`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('2026年7月 12345 热线工单办理情况通报');
    const rows = await page.locator('tr.ranked td:nth-child(2)').allTextContents();
    // 归德 and 文昌 tie at 100 on every count: they share the first place, listed by unit code.
    expect(rows).toEqual(['归德派出所', '文昌派出所', '平安派出所']);
    expect(await page.locator('.chart svg rect, .chart svg path').count()).toBeGreaterThan(9);
    expect(await page.locator('.chart svg').textContent()).toContain('满意率');
    const consequences = await page.locator('li').allTextContents();
    expect(consequences.find((l) => l.startsWith('通报批评'))).toContain('平安派出所');
    await page.screenshot({ path: path.join(OUT, 'bulletin.png'), fullPage: true });
    await page.close();
  });

  test('a commander reads the bulletin of a finished month: tied units 并列, scores with two decimals, full-width punctuation, 文号, issuing office and a Chinese date', async () => {
    await month();
    t.clock.set(bj('2026-08-03T09:00:00'));
    const page = await session.browser.newPage({ extraHTTPHeaders: bearer(tokens.commander), viewport: { width: 1280, height: 900 } });
    expect((await page.goto(`${session.base}/api/v1/reports/bulletin?month=2026-07`))?.status()).toBe(200);
    const ranks = await page.locator('tr.ranked td:nth-child(1)').allTextContents();
    expect(ranks).toEqual(['1（并列）', '1（并列）', '3']);
    for (const score of await page.locator('tr.ranked td:nth-child(14)').allTextContents()) expect(score).toMatch(/^\d+\.\d{2}$/);
    expect(await page.locator('tr.ranked td:nth-child(14)').first().textContent()).toBe('100.00');
    expect(await page.locator('[data-test=docno]').textContent()).toBe('长公热月通〔2026〕7号');
    expect(await page.locator('[data-test=signature]').innerText()).toBe('济南市公安局长清分局\n2026年8月3日');
    expect(await page.locator('[data-test=provisional]').count()).toBe(0);
    // No half-width comma, colon, semicolon or parenthesis next to a Chinese character in what a reader reads.
    const text = (await page.evaluate(`[...document.querySelectorAll('h1, h2, p, li, td, th')].map((e) => e.innerText).join('\\n')`)) as string;
    expect(text.match(/[\u4e00-\u9fff][,;:()]|[,;:()][\u4e00-\u9fff]/g)).toBeNull();
    await page.close();

    // On a phone the table scrolls within itself and the page does not: the unit's name stays in sight.
    const phone = await session.browser.newPage({ extraHTTPHeaders: bearer(tokens.commander), viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(`${session.base}/api/v1/reports/bulletin?month=2026-07`);
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    const name = await phone.locator('tr.ranked td:nth-child(2)').first().boundingBox();
    expect(name!.x + name!.width).toBeLessThanOrEqual(390);
    expect(await phone.locator('.chart svg').boundingBox().then((b) => b!.width)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: path.join(OUT, 'bulletin-phone.png'), fullPage: true });
    await phone.close();
  });

  test('a month not over yet is marked provisional before the bulletin names anyone for praise or criticism', async () => {
    await month();
    t.clock.set(bj('2026-07-25T10:00:00'));
    const page = await session.browser.newPage({ extraHTTPHeaders: bearer(tokens.commander), viewport: { width: 1280, height: 900 } });
    await page.goto(`${session.base}/api/v1/reports/bulletin?month=2026-07`);
    const mark = page.locator('[data-test=provisional]');
    expect(await mark.textContent()).toContain('本期尚未结束');
    expect(await mark.textContent()).toContain('2026年7月25日 10:00');
    // The mark comes first in the page, then the ranking and the consequences, headed 暂定.
    const order = (await page.evaluate(`(() => {
      const all = [...document.body.querySelectorAll('*')];
      const at = (el) => (el ? all.indexOf(el) : -1);
      const criticism = [...document.querySelectorAll('li')].find((li) => li.textContent.startsWith('通报批评'));
      return { mark: at(document.querySelector('[data-test=provisional]')), table: at(document.querySelector('table')), criticism: at(criticism) };
    })()`)) as { mark: number; table: number; criticism: number };
    expect(order.mark).toBeGreaterThan(-1);
    expect(order.mark).toBeLessThan(order.table);
    expect(order.mark).toBeLessThan(order.criticism);
    expect(await page.locator('h2', { hasText: '三、表扬与批评' }).textContent()).toContain('暂定');
    await page.screenshot({ path: path.join(OUT, 'bulletin-provisional.png'), fullPage: true });
    await page.close();
  });

  test('without parameters the bulletin opens last month and the trends the twelve months up to it; a period without data says 本期无数据', async () => {
    t.clock.set(bj('2026-08-03T09:00:00'));
    const page = await session.browser.newPage({ extraHTTPHeaders: bearer(tokens.commander), viewport: { width: 1280, height: 900 } });
    expect((await page.goto(`${session.base}/api/v1/reports/bulletin`))?.status()).toBe(200);
    expect(await page.title()).toBe('2026年7月 12345 热线工单办理情况通报');
    expect(await page.locator('[data-test=nodata]').textContent()).toBe('本期无数据');
    expect(await page.locator('.chart svg').count()).toBe(0);
    expect((await page.goto(`${session.base}/api/v1/reports/trends.html`))?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('12345 热线诉求趋势（2025年8月至2026年7月）');
    expect(await page.locator('[data-test=nodata]').textContent()).toBe('本期无数据');
    expect(await page.locator('[data-test=signature]').innerText()).toBe('济南市公安局长清分局\n2026年8月3日');
    await page.close();
  });

  test('the trends page renders the monthly counts per category and the hot spots', async () => {
    await month();
    const page = await session.browser.newPage({ extraHTTPHeaders: bearer(tokens.commander), viewport: { width: 1100, height: 900 } });
    expect((await page.goto(`${session.base}/api/v1/reports/trends.html?from=2026-05&to=2026-08`))?.status()).toBe(200);
    const categoryRow = page.locator('table').first().locator('tr', { hasText: '噪音扰民' });
    expect(await categoryRow.locator('td').allTextContents()).toEqual(['噪音扰民', '0', '0', '3', '0', '3']);
    // Read from the text too, so that orders without a platform category count.
    const matterRow = page.locator('table').nth(1).locator('tr', { hasText: '噪音扰民' });
    expect(await matterRow.locator('td').allTextContents()).toEqual(['噪音扰民', '0', '0', '3', '0', '3']);
    expect(await page.locator('.chart svg').count()).toBe(1);
    await page.screenshot({ path: path.join(OUT, 'trends.png'), fullPage: true });
    await page.close();
  });

  test('without a session the browser is sent to sign in; a wrong token is refused there, the right one opens the bulletin', async () => {
    await month();
    const page = await session.browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`${session.base}/api/v1/reports/bulletin?month=2026-07`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.title()).toBe('登录 · 12345 热线工单');
    await page.fill('#token', 'hot_not-a-real-token');
    await page.click('button[type=submit]');
    await page.locator('#error', { hasText: '令牌无效' }).waitFor();
    await page.screenshot({ path: path.join(OUT, 'login.png') });
    await page.fill('#token', tokens.commander);
    await Promise.all([page.waitForURL(/\/api\/v1\/reports\/bulletin\?month=2026-07$/), page.click('button[type=submit]')]);
    expect(await page.title()).toBe('2026年7月 12345 热线工单办理情况通报');
    // The cookie opens the spreadsheet too, as a download from the same session.browser.
    const xlsx = await page.request.get(`${session.base}/api/v1/reports/rankings.xlsx?month=2026-07`);
    expect(xlsx.status()).toBe(200);
    await page.close();
  });
});
