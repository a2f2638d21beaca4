import ExcelJS from 'exceljs';
import type { Response } from 'supertest';
import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens, units } = useTestApp({ roles: ['operator', 'commander'], units: ['CQ-PS-WENCHANG', 'CQ-PS-PINGAN'] });

async function order(unit: string | null, extra: Record<string, unknown> = {}) {
  const { id, externalNo } = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody(extra)).expect(201)).body;
  if (unit) await t.http.post(`/api/v1/work-orders/${id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: unit }).expect(200);
  return externalNo as string;
}

/** Reads the download's sheet: the title line, the headings, then one row per order. */
function binary(res: Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
async function sheet(path: string, token: string) {
  const res = await t.http.get(path).set(bearer(token)).buffer(true).parse(binary).expect(200);
  expect(res.headers['content-type']).toContain('spreadsheetml');
  expect(decodeURIComponent(res.headers['content-disposition'])).toContain('工单查询结果-');
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(res.body);
  const ws = book.getWorksheet('工单')!;
  const rows: string[][] = [];
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
  const [title, headings, ...data] = rows;
  const column = (name: string) => data.map((r) => r[headings.indexOf(name)]);
  return { title: title[0], headings, data, column };
}

describe(`search results as a spreadsheet (${storage})`, () => {
  test('the export holds what the search finds with the same filters, newest first, with Chinese headings and masked phones', async () => {
    const a = await order('CQ-PS-WENCHANG', { citizen: { name: '王五', phone: '13812345678' } });
    await order(null);
    const b = await order('CQ-PS-PINGAN', { urgency: 'urgent' });
    const listed = (await t.http.get('/api/v1/work-orders?state=dispatched').set(bearer(tokens.operator)).expect(200)).body.items.map((o: { externalNo: string }) => o.externalNo);
    expect(listed).toEqual([b, a]);

    const xlsx = await sheet('/api/v1/work-orders.xlsx?state=dispatched', tokens.operator);
    expect(xlsx.title).toBe('工单查询结果（2 件）：状态 已派单');
    expect(xlsx.headings.slice(0, 9)).toEqual(['工单编号', '受理时间', '来源', '诉求类型', '紧急程度', '状态', '主办单位', '市民', '电话']);
    expect(xlsx.column('工单编号')).toEqual(listed);
    expect(xlsx.column('主办单位')).toEqual(['平安派出所', '文昌派出所']);
    expect(xlsx.column('紧急程度')).toEqual(['紧急', '一般']);
    expect(xlsx.column('电话')[1]).toBe('138****5678');
    for (const phone of xlsx.column('电话')) expect(phone).toMatch(/^\d{3}\*{4}\d{4}$/);

    const urgent = await sheet('/api/v1/work-orders.xlsx?urgency=urgent', tokens.commander);
    expect(urgent.column('工单编号')).toEqual([b]);
  });

  test("a station's export holds only its own orders, whatever it asks for", async () => {
    const own = await order('CQ-PS-WENCHANG');
    await order('CQ-PS-PINGAN');
    const station = units['CQ-PS-WENCHANG'];
    expect((await sheet('/api/v1/work-orders.xlsx', station)).column('工单编号')).toEqual([own]);
    expect((await sheet('/api/v1/work-orders.xlsx?unitCode=CQ-PS-PINGAN', station)).data).toEqual([]);
  });

  test('filters are checked as the search checks them, and an export too large is refused, not cut short', async () => {
    const bad = await t.http.get('/api/v1/work-orders.xlsx?limit=10').set(bearer(tokens.operator)).expect(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    await order('CQ-PS-WENCHANG');
    await order('CQ-PS-WENCHANG');
    const operator = { id: null, name: 'op', role: 'operator' as const, unitId: null };
    await expect(t.app.services.workOrders.exportList(operator, {}, 1)).rejects.toMatchObject({ status: 422, code: 'export_too_large' });
  });
});
