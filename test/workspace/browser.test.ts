import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { workspaceRoot } from '../../src/plugins/workspace';
import { bearer, intakeBody, storage, useTestApp } from '../support/app';
import { chooseTab, describeWithBrowser, haveBrowser, OUT, untilStill, useBrowser } from '../support/browser';

/**
 * The staff workspace (web/, served at /app/) in a real headless browser: Debian's chromium
 * through playwright-core, as the report pages are tested. CI installs chromium and sets
 * CI_REQUIRE_BROWSER; elsewhere, without a browser, these skip. The app must have been built
 * (`npm ci` does it; by hand `npm run build:web`). Screenshots land in test-output/workspace-*.png.
 */
if (haveBrowser && !existsSync(path.join(workspaceRoot(), 'index.html'))) throw new Error('the workspace is not built: run `npm run build:web`');
const WENCHANG = 'CQ-PS-WENCHANG';

const { t, tokens, units } = useTestApp({ roles: ['operator', 'commander', 'admin'], units: [WENCHANG, 'CQ-PS-PINGAN'] });
const session = useBrowser(t);
const bj = (local: string) => new Date(`${local}+08:00`);

async function intake(overrides: Record<string, unknown>) {
  const response = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody(overrides)).expect(201);
  await t.jobs.settled();
  return response.body as { id: string; externalNo: string };
}

/** Signs in on the login page's token tab (until people have accounts of their own). */
async function signIn(page: Page, token: string, next?: string) {
  await page.goto(`${session.base}/app/${next ? `login?next=${encodeURIComponent(next)}` : ''}`);
  await page.waitForURL(/\/app\/login/);
  await page.getByRole('tab', { name: '令牌登录' }).click();
  await page.fill('#token', token);
  await page.getByRole('button', { name: '登 录' }).click();
}

describeWithBrowser(`the staff workspace in a browser (${storage})`, () => {
  test('an operator signs in, finds a new critical order at the top of the triage queue, dispatches it to another unit than suggested, and sees the correction in its routing record', async () => {
    await intake({ receivedAt: new Date(Date.now() - 3 * 3600_000).toISOString() });
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await signIn(page, tokens.operator);
    await page.waitForURL(/\/app\/triage$/);
    await page.locator('[data-test=triage-row]').first().waitFor();
    expect(await page.locator('[data-test=triage-row]').count()).toBe(1);

    const fresh = await intake({ urgency: 'critical', content: '工地夜间施工噪音扰民，凌晨还在打桩，影响休息。', category: undefined });
    await page.getByRole('button', { name: '刷新' }).click();
    await page.locator(`[data-test=triage-row][data-external-no="${fresh.externalNo}"]`).waitFor();
    const top = page.locator('[data-test=triage-row]').first();
    expect(await top.getAttribute('data-external-no')).toBe(fresh.externalNo);
    expect(await top.textContent()).toContain('特急');
    const suggested = (await top.locator('[data-test=suggested]').textContent())?.trim();

    const other = suggested === '平安派出所' ? '文昌派出所' : '平安派出所';
    await top.locator('[data-test=unit-select]').click();
    await page.keyboard.type(other.slice(0, 2));
    await page.locator('.el-select-dropdown__item:visible', { hasText: other }).click();
    await page.screenshot({ path: path.join(OUT, 'workspace-triage.png'), fullPage: true });
    await top.locator('[data-test=dispatch-other]').click();
    await page.locator('.el-message--success', { hasText: `已改派至 ${other}` }).waitFor();
    // The queue reloads after the dispatch: the order leaves it.
    await page.locator(`[data-test=triage-row][data-external-no="${fresh.externalNo}"]`).waitFor({ state: 'detached' });

    await page.goto(`${session.base}/app/orders/${fresh.id}`);
    await page.locator('[data-test=routing-outcome]', { hasText: '话务员改派（纠正）' }).waitFor();
    expect(await page.locator('[data-test=routing-resolved]').textContent()).toContain(other);
    expect(await page.locator('[data-test=state]').textContent()).toBe('已派单');
    expect(await page.locator('[data-test=event]').first().textContent()).toContain('派单');
    await page.screenshot({ path: path.join(OUT, 'workspace-order.png'), fullPage: true });
    await page.close();
  });

  test("a station signs in on a phone-sized window (390 px), sees its deadline's working-day time left and its month's figures, signs and replies", async () => {
    // Early September: an order handled, replied on time and called back satisfied, charged to the station's month.
    t.clock.set(bj('2026-09-01T09:00:00'));
    const earlier = await intake({ receivedAt: bj('2026-09-01T09:00:00').toISOString() });
    await t.http.post(`/api/v1/work-orders/${earlier.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: WENCHANG }).expect(200);
    await t.http.post(`/api/v1/work-orders/${earlier.id}/sign`).set(bearer(units[WENCHANG])).send({}).expect(200);
    await t.http.post(`/api/v1/work-orders/${earlier.id}/reply`).set(bearer(units[WENCHANG])).send({ result: 'resolved', text: '已处理' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${earlier.id}/close`).set(bearer(tokens.operator)).send({}).expect(200);
    const [callback] = (await t.http.get('/api/v1/callbacks?state=pending').set(bearer(tokens.operator)).expect(200)).body;
    await t.http.post(`/api/v1/callbacks/${callback.id}/attempts`).set(bearer(tokens.operator)).send({ result: 'satisfied' }).expect(200);
    // The day before National Day: the new order's sign deadline is Thursday 8 October, eight days away but one and a half working days.
    t.clock.set(bj('2026-09-30T10:00:00'));
    const order = await intake({ receivedAt: bj('2026-09-30T10:00:00').toISOString() });
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: WENCHANG }).expect(200);
    const page = await session.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    await signIn(page, units[WENCHANG]);
    await page.waitForURL(/\/app\/inbox$/);
    const card = page.locator(`[data-test=inbox-order][data-external-no="${order.externalNo}"]`);
    await card.waitFor();
    expect(await card.locator('[data-milestone=sign] [data-test=time-left]').textContent()).toBe('剩余 1个工作日7小时');

    const figures = page.locator('[data-test=own-figures]');
    await figures.locator('[data-test=own-reply]', { hasText: '%' }).waitFor();
    expect(await figures.locator('[data-test=own-month]').textContent()).toContain('文昌派出所 · 2026年9月（本月尚未结束');
    expect(await figures.locator('[data-test=own-reply]').textContent()).toBe('100.0%');
    expect(await figures.locator('[data-test=own-satisfaction]').textContent()).toBe('100.0%');
    // One order is below the ranking's minimum: the station is told why it has no rank yet.
    expect(await figures.textContent()).toContain('应办件数不足 5 件，不排名');
    // Nothing wider than the phone: no sideways scrolling.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(OUT, 'workspace-inbox-phone.png'), fullPage: true });

    await page.goto(`${session.base}/app/orders/${order.id}`);
    const deadlines = page.locator('[data-milestone=reply] [data-test=time-left]');
    await deadlines.waitFor();
    // Reply: five working days counted from 8 October, the make-up Saturday 10 October among them.
    expect(await deadlines.textContent()).toBe('剩余 5个工作日7小时');
    await page.screenshot({ path: path.join(OUT, 'workspace-order-deadlines-phone.png'), fullPage: true });
    await page.goBack();
    await card.waitFor();

    await card.locator('[data-action=sign]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '签收' }).click();
    await page.locator('.el-message--success', { hasText: '签收成功' }).waitFor();
    await chooseTab(page, /办理中/);
    await card.locator('[data-action=reply]').click();
    await page.locator('.el-dialog textarea').fill('已到现场核实，烧烤摊已劝离，夜间不再经营。');
    await untilStill(page);
    await page.screenshot({ path: path.join(OUT, 'workspace-reply-phone.png') });
    await page.locator('.el-dialog [data-test=submit-action]').click();
    await page.locator('.el-message--success', { hasText: '回复成功' }).waitFor();

    const after = await t.http.get(`/api/v1/work-orders/${order.id}`).set(bearer(tokens.operator)).expect(200);
    expect(after.body.state).toBe('replied');
    expect(after.body.reply.text).toBe('已到现场核实，烧烤摊已劝离，夜间不再经营。');
    await page.close();
  });

  test("a unit cannot open another unit's order through the pages", async () => {
    const order = await intake({});
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-PS-PINGAN' }).expect(200);
    const page = await session.browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    await signIn(page, units[WENCHANG]);
    await page.waitForURL(/\/app\/inbox$/);
    await page.goto(`${session.base}/app/orders/${order.id}`);
    await page.locator('.el-alert', { hasText: '不属于您的单位' }).waitFor();
    expect(await page.content()).not.toContain(order.externalNo);
    await page.close();
  });

  test('with the keyboard alone an operator moves through the queue and dispatches an order as the router suggests', async () => {
    const order = await intake({});
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await signIn(page, tokens.operator);
    await page.locator(`[data-test=triage-row][data-external-no="${order.externalNo}"]`).waitFor();
    const suggested = (await page.locator('[data-test=suggested]').first().textContent())?.trim();
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.locator('.el-message--success', { hasText: `已派至 ${suggested}` }).waitFor();
    const routing = await t.http.get(`/api/v1/work-orders/${order.id}/routing`).set(bearer(tokens.operator)).expect(200);
    expect(routing.body.outcome).toBe('confirmed');
    await page.close();
  });

  test('a commander opens the dashboard and, from it, the bulletin for last month', async () => {
    const order = await intake({});
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: WENCHANG }).expect(200);
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await signIn(page, tokens.commander);
    await page.waitForURL(/\/app\/dashboard$/);
    await page.locator('[data-test=by-unit] tr', { hasText: '文昌派出所' }).waitFor();
    expect(await page.locator('[data-test=open] .el-statistic__content').textContent()).toContain('1');
    await page.screenshot({ path: path.join(OUT, 'workspace-dashboard.png'), fullPage: true });

    await page.getByRole('button', { name: '上月通报' }).click();
    const now = new Date(Date.now() + 8 * 3600_000);
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const month = `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, '0')}`;
    await page.waitForURL(new RegExp(`/app/reports\\?month=${month}$`));
    const [bulletin] = await Promise.all([page.waitForEvent('popup'), page.locator('[data-test=bulletin]').click()]);
    await bulletin.waitForLoadState();
    expect(new URL(bulletin.url()).search).toBe(`?month=${month}`);
    expect(await bulletin.title()).toContain(`${last.getUTCFullYear()}年${last.getUTCMonth() + 1}月`);
    await page.screenshot({ path: path.join(OUT, 'workspace-reports.png'), fullPage: true });
    await page.close();
  });

  test('a commander raises a supervision slip from an order, sends the result back, closes it on the slips page, and exports the search as a spreadsheet', async () => {
    const order = await intake({});
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: WENCHANG }).expect(200);
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await signIn(page, tokens.commander);
    await page.waitForURL(/\/app\/dashboard$/);
    await page.goto(`${session.base}/app/orders/${order.id}`);
    await page.locator('[data-test=raise-slip]').click();
    await page.locator('.el-dialog textarea').fill('群众多次反映，局长批示督办');
    await page.locator('[data-test=slip-submit]').click();
    await page.locator('.el-message--success', { hasText: '已发起督办单' }).waitFor();
    await page.locator('[data-test=order-slips]', { hasText: '领导交办' }).waitFor();
    await page.screenshot({ path: path.join(OUT, 'workspace-order-slip.png'), fullPage: true });
    const [slip] = (await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander)).expect(200)).body as { id: string; number: string; reason: string }[];
    expect(slip.reason).toBe('群众多次反映，局长批示督办');

    const url = `/api/v1/supervision-slips/${slip.id}`;
    await t.http.post(`${url}/chief-callback`).set(bearer(units[WENCHANG])).send({ calledAt: new Date().toISOString(), satisfaction: 'satisfied', text: '所长亲自回访' }).expect(200);
    await t.http.post(`${url}/result`).set(bearer(units[WENCHANG])).send({ text: '已处理' }).expect(200);
    await page.goto(`${session.base}/app/slips`);
    const card = page.locator('[data-test=slip]', { hasText: slip.number });
    await card.getByRole('button', { name: '退回重办' }).click();
    await page.locator('.el-dialog textarea').fill('结果不具体，请补充现场照片');
    await page.locator('.el-dialog').getByRole('button', { name: '提交' }).click();
    await page.locator('.el-message--success', { hasText: '退回重办成功' }).waitFor();
    await card.locator('.el-tag', { hasText: '督办中' }).waitFor();

    await t.http.post(`${url}/result`).set(bearer(units[WENCHANG])).send({ text: '已补充现场照片，问题解决' }).expect(200);
    await page.getByRole('button', { name: '刷新' }).click();
    await card.getByRole('button', { name: '审核通过并办结' }).click();
    await page.locator('.el-dialog textarea').fill('同意办结');
    await page.locator('.el-dialog').getByRole('button', { name: '提交' }).click();
    await page.locator('.el-message--success', { hasText: '审核通过并办结成功' }).waitFor();
    expect((await t.http.get(url).set(bearer(tokens.commander)).expect(200)).body.state).toBe('closed');

    await page.goto(`${session.base}/app/orders`);
    await page.locator('[data-test=result-no]', { hasText: order.externalNo }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export]').click()]);
    expect(download.suggestedFilename()).toMatch(/^工单查询结果-\d{8}-\d{4}\.xlsx$/);
    await page.close();
  });

  test("an administrator enters next year's holidays from the State Council notice", async () => {
    const next = new Date(Date.now() + 8 * 3600_000).getUTCFullYear() + 1;
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await signIn(page, tokens.admin);
    await page.waitForURL(/\/app\/triage$/);
    await page.getByRole('menuitem', { name: '工作日历' }).click();
    await page.waitForURL(/\/app\/admin\/calendar$/);
    // Row 1 is 春节: its name, first and last day off, and the weekend day worked.
    const cells = page.locator('[data-test=notice] .el-table__body tr').nth(1).locator('input');
    expect(await cells.nth(0).inputValue()).toBe('春节');
    await cells.nth(1).fill(`${next}-02-06`);
    await cells.nth(1).press('Enter');
    await cells.nth(2).fill(`${next}-02-13`);
    await cells.nth(2).press('Enter');
    await cells.nth(3).fill(`${next}-02-20`);
    await page.locator('[data-test=save-notice]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '录入' }).click();
    await page.locator('[data-test=notice-result]').waitFor();
    await page.locator('[data-test=days] tr', { hasText: `${next}-02-20` }).waitFor();
    await page.screenshot({ path: path.join(OUT, 'workspace-calendar.png'), fullPage: true });

    const calendar = await t.http.get(`/api/v1/calendar?from=${next}-02-01&to=${next}-02-28`).set(bearer(tokens.admin)).expect(200);
    const days = calendar.body as { date: string; kind: string; name: string }[];
    expect(days.find((d) => d.date === `${next}-02-08`)).toMatchObject({ kind: 'holiday', name: '春节' });
    expect(days.find((d) => d.date === `${next}-02-20`)).toMatchObject({ kind: 'workday' });
    await page.close();
  });
});
