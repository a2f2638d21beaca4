import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../src/demo';
import { workspaceRoot } from '../../src/plugins/workspace';
import { bearer, storage, useTestApp } from '../support/app';
import { chooseTab, describeWithBrowser, haveBrowser, OUT, openFromPhoneMenu, useBrowser } from '../support/browser';

/**
 * The administrator's pages of the workspace (单位目录, 系统设置, 办理时限, 智能分派) in a real
 * browser, signed in as the demo administrator with a user name and password. Screenshots land in
 * test-output/workspace-admin-*.png.
 */
if (haveBrowser && !existsSync(path.join(workspaceRoot(), 'index.html'))) throw new Error('the workspace is not built: run `npm run build:web`');

// A real browser on a machine that may be shared: a page test has taken up to 50 s there, near jest's 60 s default.
jest.setTimeout(120_000);

const { t, tokens } = useTestApp({ roles: ['admin'] });
const session = useBrowser(t);
/** Each page, its path under /app/admin/, and what a person acts on there once its data is in. */
const PAGES = [
  ['单位目录', 'units', '[data-test=units] .el-table__body tr:first-child button:has-text("修改")'],
  ['系统设置', 'settings', '[data-test="setting-routing.autoDispatchThreshold"] [data-test=save]'],
  ['办理时限', 'deadlines', '[data-test=policies] .el-table__body tr:first-child button:has-text("修改")'],
  ['智能分派', 'routing', '[data-test=active-model]'],
] as const;

async function signInAsAdmin(width = 1280): Promise<Page> {
  // The demo administrator as `npm start` creates it (seedDemo), without the demo's sample orders.
  await t.app.services.accounts.ensure({ ...DEMO_ACCOUNTS.find((a) => a.username === 'demo-admin')!, password: DEMO_PASSWORD });
  const page = await session.browser.newPage({ viewport: { width, height: 900 }, locale: 'zh-CN', ...(width < 768 ? { isMobile: true, hasTouch: true } : {}) });
  await page.goto(`${session.base}/app/login`);
  await page.fill('#username', 'demo-admin');
  await page.fill('#password', DEMO_PASSWORD);
  await page.getByRole('button', { name: '登 录' }).click();
  await page.waitForURL(/\/app\/triage$/);
  return page;
}

const api = (method: 'get' | 'put' | 'post', url: string) => t.http[method](url).set(bearer(tokens.admin));

/** Partner agencies' history in their own words and a little of a station's: enough for a held-back evaluation (test/routing/gate.test.ts). */
function history(): string {
  const places = ['小区', '街道', '村里', '镇上', '路口', '楼下', '市场', '广场', '学校旁', '工业园'];
  const rows = (unit: string, subjects: string[], matters: string[], count: number) =>
    Array.from({ length: count }, (_, i) => `${places[i % places.length]}${subjects[i % subjects.length]}${matters[(i * 7 + 3) % matters.length]}第${i}次反映,${unit}`);
  return [
    'text,unit_code',
    ...rows('CQ-SCJG', ['网店', '商家', '超市', '理发店', '培训机构'], ['卖假货被骗了要求退款', '虚假宣传欺骗消费者', '办卡以后跑路退不了钱', '价格欺诈多收钱', '缺斤短两骗人'], 60),
    ...rows('CQ-RS', ['公司', '工地', '饭店', '工厂'], ['拖欠工资不发', '不签劳动合同', '不交社保', '克扣工资'], 50),
    ...rows('CQ-ZJ', ['物业', '开发商', '小区'], ['乱收物业费', '电梯坏了不修', '房子漏水不管', '证件照办不下来房产证'], 50),
    ...rows('CQ-PS-WENCHANG', ['广场舞', '楼上邻居'], ['音响太吵', '半夜噪音扰民'], 6),
  ].join('\n');
}

describeWithBrowser(`the administrator's pages in a browser (${storage})`, () => {
  test('an administrator changes settings through controls that fit them (a number held in its range, ticked unit kinds, a chosen denominator), is told in the page why the server refuses no unit kind at all, and finds the changes kept after reloading', async () => {
    const page = await signInAsAdmin();
    await page.getByRole('menuitem', { name: '系统设置' }).click();
    await page.waitForURL(/\/app\/admin\/settings$/);
    const row = page.locator('[data-test="setting-supervision.slipWorkingDays"]');
    expect(await row.textContent()).toContain('督办办理时限（工作日）');
    const input = row.locator('[data-test=value] input');
    expect(await input.inputValue()).toBe('5');

    // The number control keeps to the setting's range (1–60 working days): 70 becomes 60.
    await input.fill('70');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('60');
    await input.fill('7');
    await row.locator('[data-test=save]').click();
    await page.locator('.el-message--success', { hasText: '已保存：督办办理时限（工作日）' }).waitFor();

    // Unit kinds are ticked by their Chinese names; with none ticked the server refuses, in its words under the field.
    const kinds = page.locator('[data-test="setting-assessment.unitKinds"]');
    const kind = (name: string) => kinds.locator('.el-checkbox', { hasText: name });
    for (const name of ['派出所', '大队']) await kind(name).click();
    await kinds.locator('[data-test=save]').click();
    await kinds.locator('[data-test=error]', { hasText: '服务器未接受此值' }).waitFor();
    await kind('派出所').click();
    await kinds.locator('[data-test=save]').click();
    await page.locator('.el-message--success', { hasText: '已保存：参与排名的单位类别' }).waitFor();
    await kinds.locator('[data-test=error]').waitFor({ state: 'detached' });

    const denominator = page.locator('[data-test="setting-assessment.closureDenominator"]');
    await denominator.locator('.el-select').click();
    await page.locator('.el-select-dropdown__item', { hasText: '当期到期应回复的工单' }).click();
    await denominator.locator('[data-test=save]').click();
    await page.locator('.el-message--success', { hasText: '已保存：办结率分母' }).waitFor();

    await page.reload();
    expect(await input.inputValue()).toBe('7');
    expect(await row.textContent()).toContain('系统管理员（演示）');
    expect(await kinds.locator('.el-checkbox.is-checked').allTextContents()).toEqual(['派出所']);
    expect(await denominator.locator('.el-select').textContent()).toContain('当期到期应回复的工单');
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-settings.png'), fullPage: true });
    const settings = (await api('get', '/api/v1/settings').expect(200)).body as { key: string; value: unknown }[];
    const value = (key: string) => settings.find((s) => s.key === key)?.value;
    expect([value('supervision.slipWorkingDays'), value('assessment.unitKinds'), value('assessment.closureDenominator')]).toEqual([7, ['station'], 'reply_due']);
    await page.close();
  });

  test('an administrator sees the knowledge version and the model the router works with, reads the model\'s evaluation and which units it leaves to the duty lists, and turns the model off and on again with a reason', async () => {
    // A unit with fewer than 10 examples is left to the duty lists by the model: the station's few, which teach the station matters' unit (治安管理大队).
    for (const [key, value] of [['routing.minExamplesPerUnit', 10], ['routing.minExamplesPerSide', 1]] as const) await api('put', `/api/v1/settings/${key}`).send({ value }).expect(200);
    await api('post', '/api/v1/routing/examples').set('content-type', 'text/csv').send(history()).expect(201);
    await api('post', '/api/v1/routing/models/train').expect(202);
    await t.jobs.settled();
    const [model] = (await api('get', '/api/v1/routing/models').expect(200)).body as { version: string; active: boolean }[];
    expect(model.active).toBe(true);
    const knowledge = ((await api('get', '/api/v1/routing/knowledge/versions').expect(200)).body as { version: string; active: boolean }[]).find((k) => k.active)!;

    const page = await signInAsAdmin();
    await page.getByRole('menuitem', { name: '智能分派' }).click();
    await page.waitForURL(/\/app\/admin\/routing$/);
    await page.locator('[data-test=active-model]', { hasText: model.version }).waitFor();
    expect(await page.locator('[data-test=active-knowledge]').textContent()).toBe(knowledge.version);
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-routing.png'), fullPage: true });

    await chooseTab(page, '学习模型');
    const row = page.locator('[data-test=models] .el-table__body tr', { hasText: model.version });
    await row.locator('[data-test=report]').click();
    const report = page.locator('[data-test=model-report]');
    await report.locator('[data-test=comparison] tr', { hasText: '涉警查准率' }).waitFor();
    for (const figure of ['涉警查全率', '自动派单占比', '自动派单准确率', '错派到另一侧（每千件）']) expect(await report.locator('[data-test=comparison]').textContent()).toContain(figure);
    expect(await report.locator('[data-test=reliability] .el-table__body tr').count()).toBeGreaterThan(0);
    expect(await report.locator('[data-test=curve] .el-table__body tr').count()).toBeGreaterThan(0);
    const { gate } = (await api('get', `/api/v1/routing/models/${model.version}`).expect(200)).body as { gate: { leftToDutyLists: boolean; unitsBelowMinimum: { unitCode: string; examples: number }[] } };
    expect({ leftToDutyLists: gate.leftToDutyLists, units: gate.unitsBelowMinimum.length > 0 }).toEqual({ leftToDutyLists: true, units: true });
    const leftOut = await Promise.all(gate.unitsBelowMinimum.map(async (u) => `${(await api('get', `/api/v1/units/${u.unitCode}`).expect(200)).body.name} ${u.examples} 条`));
    expect(await report.locator('[data-test=gate]').textContent()).toContain(`暂不由模型学习，仍按职责清单分派：${leftOut.join('、')}`);
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-model.png'), fullPage: true });
    await page.locator('.el-drawer__close-btn').click();

    await page.locator('[data-test=deactivate]').click();
    await page.locator('.el-message-box textarea').fill('核对改派记录期间暂停');
    await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
    await page.locator('[data-test=active-model]', { hasText: '未启用（仅职责清单）' }).waitFor();

    await row.locator('[data-test=activate]').click();
    await page.locator('.el-message-box textarea').fill('核对完毕，恢复使用');
    await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
    await page.locator('[data-test=active-model]', { hasText: model.version }).waitFor();
    const detail = (await api('get', `/api/v1/routing/models/${model.version}`).expect(200)).body as { events: { action: string; reason: string }[] };
    expect(detail.events.map((e) => [e.action, e.reason])).toEqual(
      expect.arrayContaining([
        ['deactivated', '核对改派记录期间暂停'],
        ['activated_by_admin', '核对完毕，恢复使用'],
      ]),
    );
    await page.close();
  });

  test('an administrator imports history from a CSV file in the page and is told in Chinese why a malformed one is refused, follows a training to its evaluation\'s verdict, finds it in 训练记录, is told that training again on the same examples changes nothing, and removes the batch', async () => {
    for (const [key, value] of [['routing.minExamplesPerUnit', 1], ['routing.minExamplesPerSide', 1]] as const) await api('put', `/api/v1/settings/${key}`).send({ value }).expect(200);
    const page = await signInAsAdmin();
    await page.getByRole('menuitem', { name: '智能分派' }).click();
    await page.waitForURL(/\/app\/admin\/routing$/);
    await chooseTab(page, '训练样本');
    await page.locator('[data-test=batches]', { hasText: '尚未导入样本' }).waitFor();
    expect(await page.locator('[data-test=csv-format]').textContent()).toContain('text,unit_code');

    // A text with a comma left unquoted, then a unit the directory does not know: refused whole, the reason in Chinese.
    const file = page.locator('[data-test=import-file]');
    const note = page.locator('[data-test=import-note]');
    await file.setInputFiles({ name: '历史工单.csv', mimeType: 'text/csv', buffer: Buffer.from('text,unit_code\n公司拖欠工资三个月,要求处理,CQ-RS\n') });
    await note.filter({ hasText: '第 2 行有 3 列，与表头的 2 列不符' }).waitFor();
    expect(await note.textContent()).toContain('历史工单.csv 未导入');
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-examples-refused.png'), fullPage: true });
    await file.setInputFiles({ name: '历史工单.csv', mimeType: 'text/csv', buffer: Buffer.from('text,unit_code\n公司拖欠工资,CQ-RS\n网店卖假货,CQ-NOPE\n') });
    await note.filter({ hasText: '单位不存在：CQ-NOPE' }).waitFor();
    expect((await api('get', '/api/v1/routing/examples').expect(200)).body).toEqual([]);

    await file.setInputFiles({ name: '历史工单.csv', mimeType: 'text/csv', buffer: Buffer.from(history()) });
    await note.filter({ hasText: '已导入 166 条样本' }).waitFor();
    const [batch] = (await api('get', '/api/v1/routing/examples').expect(200)).body as { batch: string; examples: number }[];
    expect(batch.examples).toBe(166);
    const batchRow = page.locator('[data-test=batches] .el-table__body tr', { hasText: batch.batch });
    expect(await batchRow.textContent()).toContain('166');

    await page.locator('[data-test=to-models]').click();
    await page.locator('[data-test=train]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '开始训练' }).click();
    await page.locator('[data-test=training]', { hasText: '学习来源：导入样本 166 条，话务员改派与确认 0 条，已办结工单 0 件' }).waitFor();
    // The page reads the run every 2 s until it has succeeded or failed; training takes a while on a shared machine.
    const result = page.locator('[data-test=training-result]');
    await result.waitFor({ timeout: 110_000 });
    const [model] = (await api('get', '/api/v1/routing/models').expect(200)).body as { version: string; active: boolean; gate: { activated: boolean; reasons: string[] } }[];
    expect({ active: model.active, activated: model.gate.activated }).toEqual({ active: true, activated: true });
    const verdict = await result.textContent();
    expect(verdict).toContain(`新模型 ${model.version} 评估通过，已启用`);
    for (const reason of model.gate.reasons) expect(verdict).toContain(reason);
    await page.locator('[data-test=models] .el-table__body tr', { hasText: model.version }).getByText('启用中').waitFor();
    await page.locator('[data-test=active-model]', { hasText: model.version }).waitFor();
    const runs = page.locator('[data-test=training-runs] .el-table__body tr');
    await runs.filter({ hasText: model.version }).filter({ hasText: '已启用' }).waitFor();
    expect(await runs.first().textContent()).toContain('系统管理员（演示）');
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-training.png'), fullPage: true });
    await result.locator('[data-test=training-report]').click();
    await page.locator('[data-test=model-report] [data-test=comparison]').waitFor();
    await page.locator('.el-drawer__close-btn').click();

    // The same examples give the same model: the run succeeds and says so, and the models stay as they were.
    await page.locator('[data-test=train]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '开始训练' }).click();
    await result.filter({ hasText: `样本与上次训练相同，所得模型 ${model.version} 已存在，未作改变` }).waitFor({ timeout: 110_000 });
    await runs.nth(1).waitFor();
    expect(await runs.count()).toBe(2);
    expect(await runs.first().textContent()).toContain('未改变');
    expect(await page.locator('[data-test=models] .el-table__body tr').count()).toBe(1);
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-training-unchanged.png'), fullPage: true });

    // 训练记录 on a phone: the time, the state, the outcome and under it the model, nothing wider than the phone.
    const phone = await signInAsAdmin(390);
    await phone.goto(`${session.base}/app/admin/routing`);
    await chooseTab(phone, '学习模型');
    const phoneRuns = phone.locator('[data-test=training-runs] .el-table__body tr');
    await phoneRuns.filter({ hasText: '未改变' }).waitFor();
    expect(await phoneRuns.locator('[data-test=run-model]').allTextContents()).toEqual([model.version, model.version]);
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBe(390);
    await phone.screenshot({ path: path.join(OUT, 'workspace-admin-training-phone.png'), fullPage: true });
    await phone.close();

    await chooseTab(page, '训练样本');
    await batchRow.locator('[data-test=remove-batch]').click();
    await page.locator('.el-message-box', { hasText: `删除批次 ${batch.batch} 的 166 条样本` }).getByRole('button', { name: '删除' }).click();
    await page.locator('[data-test=batches]', { hasText: '尚未导入样本' }).waitFor();
    expect((await api('get', '/api/v1/routing/examples').expect(200)).body).toEqual([]);
    await page.close();
  }, 240_000);

  test("an administrator gives a station's chief and webhook in the unit directory, adds a partner agency, and shortens the reply limit of consultations", async () => {
    const page = await signInAsAdmin();
    await page.getByRole('menuitem', { name: '单位目录' }).click();
    await page.waitForURL(/\/app\/admin\/units$/);
    const station = page.locator('[data-test=units] .el-table__body tr', { hasText: '文昌派出所' });
    await station.getByRole('button', { name: '修改' }).click();
    const dialog = page.locator('.el-dialog', { hasText: '修改单位：文昌派出所' });
    await dialog.getByLabel('主要负责人').fill('张所长');
    await dialog.getByLabel('推送地址（Webhook，留空则不推送）').fill('https://example.invalid/hotline');
    await dialog.locator('[data-test=save-unit]').click();
    // The API wants a webhook's address and its signing secret together.
    await page.locator('.el-message--error', { hasText: '推送地址与签名密钥须同时填写' }).waitFor();
    await dialog.getByLabel('推送签名密钥（至少 16 位；留空则不修改）').fill('0123456789abcdef-wenchang');
    await dialog.locator('[data-test=save-unit]').click();
    await page.locator('.el-message--success', { hasText: '已保存：文昌派出所' }).waitFor();
    await station.getByText('已配置').waitFor();
    const unit = (await api('get', '/api/v1/units/CQ-PS-WENCHANG').expect(200)).body;
    expect(unit).toMatchObject({ contact: { chief: '张所长' }, webhookUrl: 'https://example.invalid/hotline' });
    await station.getByRole('button', { name: '推送' }).click();
    await page.locator('.el-drawer', { hasText: 'https://example.invalid/hotline' }).waitFor();
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-units.png'), fullPage: true });
    await page.locator('.el-drawer__close-btn').click();

    // A new partner agency, added on the partner tab, is listed there.
    await chooseTab(page, /协作单位/);
    await page.locator('[data-test=add-unit]').click();
    const added = page.locator('.el-dialog', { hasText: '新增单位' });
    await added.getByLabel(/单位代码/).fill('CQ-SW-TEST');
    await added.getByLabel('名称').fill('区水务集团');
    await added.locator('[data-test=save-unit]').click();
    await page.locator('.el-message--success', { hasText: '已保存：区水务集团' }).waitFor();
    await page.locator('[data-test=units] .el-table__body tr', { hasText: 'CQ-SW-TEST' }).waitFor();
    expect((await api('get', '/api/v1/units/CQ-SW-TEST').expect(200)).body).toMatchObject({ name: '区水务集团', police: false, active: true });

    await page.getByRole('menuitem', { name: '办理时限' }).click();
    await page.waitForURL(/\/app\/admin\/deadlines$/);
    const consultation = page.locator('[data-test=policies] .el-table__body tr', { hasText: '咨询' });
    await consultation.getByRole('button', { name: '修改' }).click();
    const form = page.locator('.el-dialog', { hasText: '修改时限规则：咨询' });
    const reply = form.locator('.el-form-item', { hasText: '回复时限' }).locator('.el-input-number input');
    expect(await reply.inputValue()).toBe('1');
    await reply.fill('2');
    await reply.press('Tab');
    await form.locator('[data-test=save-policy]').click();
    await page.locator('.el-message--success', { hasText: '时限规则已保存' }).waitFor();
    await consultation.getByText('2 个工作日').waitFor();
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-deadlines.png'), fullPage: true });
    const policies = (await api('get', '/api/v1/deadline-policies').expect(200)).body as { name: string; rules: { reply: { days: number } } }[];
    expect(policies.find((p) => p.name === '咨询')?.rules.reply.days).toBe(2);
    await page.close();
  });

  test('on a phone-sized window (390 px) every administrator page opens from the menu, nothing is wider than the phone and its buttons are on screen', async () => {
    const page = await signInAsAdmin(390);
    for (const [title, name, control] of PAGES) {
      await openFromPhoneMenu(page, title);
      await page.waitForURL(new RegExp(`/app/admin/${name}$`));
      await page.locator('.page-title', { hasText: title }).waitFor();
      await page.locator(control).first().waitFor();
      const box = await page.locator(control).first().boundingBox();
      expect({ title, width: await page.evaluate('document.documentElement.scrollWidth'), right: Math.ceil(box!.x + box!.width) <= 390 }).toEqual({ title, width: 390, right: true });
      await page.screenshot({ path: path.join(OUT, `workspace-admin-${name}-phone.png`), fullPage: true });
    }
    // The last page is 智能分派: its training examples, with the file format, fit the phone too.
    await chooseTab(page, '训练样本');
    const upload = page.locator('[data-test=import]');
    await upload.waitFor();
    const box = await upload.boundingBox();
    expect({ width: await page.evaluate('document.documentElement.scrollWidth'), right: Math.ceil(box!.x + box!.width) <= 390 }).toEqual({ width: 390, right: true });
    await page.screenshot({ path: path.join(OUT, 'workspace-admin-routing-examples-phone.png'), fullPage: true });
    await page.close();
  });
});
