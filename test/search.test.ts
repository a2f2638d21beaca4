import { Search1765020000000 } from '../migrations/1765020000000-search';
import { ExternalNoFirst1765120000000 } from '../migrations/1765120000000-external-no-first';
import fc from 'fast-check';
import { dayToken, hourToken, searchDocument, slabs, textQuery, words } from '../src/modules/work-orders/search';
import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens, units } = useTestApp({ roles: ['operator', 'commander'], units: ['CQ-PS-WENCHANG', 'CQ-CG'] });

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

const create = async (overrides: Record<string, unknown> = {}) => {
  const res = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody(overrides));
  expect(res.status).toBe(201);
  return res.body as { id: string; externalNo: string };
};
const find = async (query: Record<string, string | number | boolean>, token = tokens.operator) => {
  const res = await t.http.get('/api/v1/work-orders').query(query).set(bearer(token));
  expect(res.status).toBe(200);
  return res.body as { items: { id: string; content: string }[]; nextCursor: string | null };
};
const ids = (page: { items: { id: string }[] }) => page.items.map((o) => o.id);

describe('search terms (pure)', () => {
  test("an order's words are the segmenter's, punctuation dropped, the query's terms all required", () => {
    expect(words('小区噪音扰民。')).toEqual(['小区', '噪音', '扰民']);
    expect(textQuery('噪音 广场舞')).toEqual({ exact: "'噪音' & ('广场' <-> '舞')", prefix: "'噪音':* & ('广场舞':* | ('广场':* & '舞':*))" });
    expect(textQuery(' ，。 ')).toBeNull();
  });

  test("an order's document is its content's words, then its address's, then its day and hour, however the two meet", () => {
    const pieces = ['小区', '噪音', '扰民', '长清区', '文昌街道', '12号', 'A3区', 'ＡＢ', 'x', '7', ' ', '\n', '，', '。', "'", ':', '&', '\\', '-', '#', '广场舞', '楼下'];
    const text = fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((p) => p.join(''));
    const at = new Date('2026-11-24T09:30:00Z');
    fc.assert(
      fc.property(text, text, (content, address) => {
        expect(searchDocument(content, address, at)).toBe([...words(content), ...words(address), dayToken(at), hourToken(at)].join(' '));
      }),
      { numRuns: 500 },
    );
  });

  test('the walk covers every hour of the last two days, then every day back to the oldest, in widening spans', () => {
    const walk = slabs(new Date('2026-11-30T10:20:00Z'), new Date('2026-01-01T08:00:00Z'));
    expect(walk[0].tokens[0]).toBe('h2026113010');
    expect(walk.map((s) => s.tokens.length).slice(0, 10)).toEqual([6, 6, 12, 11, 2, 4, 8, 16, 32, 56]);
    expect(walk[3].tokens.at(-1)).toBe('h2026112900');
    expect(walk[4].tokens[0]).toBe('d20261128');
    const all = walk.flatMap((s) => s.tokens);
    expect(new Set(all).size).toBe(all.length);
    expect(all.at(-1)).toBe('d20260101');
    expect(all.filter((x) => x.startsWith('d'))).toHaveLength(332);
    expect(slabs(new Date('2026-11-30T10:20:00Z'), new Date('2026-11-30T09:00:00Z'))).toEqual([{ index: 0, tokens: ['h2026113010', 'h2026113009'] }]);
  });
});

describe(`search on ${storage}`, () => {
  test('finds 噪音 in 小区噪音扰民 and 广场舞 in 楼下跳广场舞, and not the other', async () => {
    const noise = await create({ content: '小区噪音扰民' });
    const dance = await create({ content: '楼下跳广场舞' });
    await create({ content: '路灯不亮,晚上出行不便' });
    expect(ids(await find({ q: '噪音' }))).toEqual([noise.id]);
    expect(ids(await find({ q: '广场舞' }))).toEqual([dance.id]);
    expect(ids(await find({ q: '广场舞 噪音' }))).toEqual([]);
  });

  test('searches the address as well as the content, every term required', async () => {
    const there = await create({ content: '夜间施工噪音', address: '长清区文昌街道清河街8号' });
    await create({ content: '夜间施工噪音', address: '长清区平安街道' });
    expect(ids(await find({ q: '噪音 文昌' }))).toEqual([there.id]);
  });

  test('a word the segmenter cuts otherwise in the order is still found, by its beginning', async () => {
    // 长清区 is one word to jieba; 长清 alone is two.
    const order = await create({ content: '道路积水', address: '长清区大学路' });
    expect(words('长清')).toEqual(['长', '清']);
    expect(ids(await find({ q: '长清' }))).toEqual([order.id]);
  });

  test('ranks the more relevant first, then the newer, within a span of time', async () => {
    // Minutes apart: the first span holds the last six hours.
    const once = await create({ content: '烧烤摊油烟', receivedAt: daysAgo(10 / 1440) });
    const twice = await create({ content: '烧烤摊油烟太大,烧烤到凌晨,烧烤味道刺鼻', receivedAt: daysAgo(50 / 1440) });
    const onceOlder = await create({ content: '烧烤摊油烟', receivedAt: daysAgo(30 / 1440) });
    expect(ids(await find({ q: '烧烤' }))).toEqual([twice.id, once.id, onceOlder.id]);
  });

  test('pages through every match once, across spans of days, with the cursor', async () => {
    const made: string[] = [];
    for (const ago of [0.2, 1, 3, 9, 20, 45, 100, 400]) made.push((await create({ content: '电动车充电线私拉乱接', receivedAt: daysAgo(ago) })).id);
    await create({ content: '宠物狗扰民' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await find({ q: '充电', limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    // Equal relevance: newest first, the whole way back.
    expect(seen).toEqual(made);
  });

  test('combines the text with state, dates and the lead unit', async () => {
    const dispatched = await create({ content: '工地夜间施工噪音' });
    const waiting = await create({ content: '工地夜间施工噪音' });
    const old = await create({ content: '工地夜间施工噪音', receivedAt: daysAgo(30) });
    await t.http.post(`/api/v1/work-orders/${dispatched.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
    expect(ids(await find({ q: '施工', state: 'dispatched' }))).toEqual([dispatched.id]);
    expect(ids(await find({ q: '施工', unitCode: 'CQ-CG' }))).toEqual([dispatched.id]);
    expect(ids(await find({ q: '施工', state: 'received' }))).toEqual([waiting.id, old.id]);
    expect(ids(await find({ q: '施工', receivedTo: daysAgo(10) }))).toEqual([old.id]);
    expect(ids(await find({ q: '施工', receivedFrom: daysAgo(10), state: 'received' }))).toEqual([waiting.id]);
  });

  test("a unit's search never returns another unit's orders", async () => {
    const ours = await create({ content: '商铺占道经营' });
    const theirs = await create({ content: '商铺占道经营' });
    const nobody = await create({ content: '商铺占道经营' });
    await t.http.post(`/api/v1/work-orders/${ours.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${theirs.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-PS-WENCHANG' }).expect(200);
    expect(ids(await find({ q: '占道' }, units['CQ-CG']))).toEqual([ours.id]);
    expect(ids(await find({ q: '占道 商铺', limit: 1 }, units['CQ-PS-WENCHANG']))).toEqual([theirs.id]);
    expect(ids(await find({ externalNo: theirs.externalNo }, units['CQ-CG']))).toEqual([]);
    expect(ids(await find({ externalNo: nobody.externalNo }, units['CQ-CG']))).toEqual([]);
    expect(new Set(ids(await find({ q: '占道' })))).toEqual(new Set([ours.id, theirs.id, nobody.id]));
  });

  test('looks an order up by its 12345 number, whatever its source', async () => {
    const order = await create({ source: 'wechat', externalNo: 'WX2026112400042' });
    await create();
    expect(ids(await find({ externalNo: 'WX2026112400042' }))).toEqual([order.id]);
    expect(ids(await find({ externalNo: 'WX2026112400043' }))).toEqual([]);
  });

  test("looks orders up by the caller's phone, written any way, or by its last four digits; the phone is not indexed in clear", async () => {
    const first = await create({ citizen: { name: '王五', phone: '138-0013-4567' }, receivedAt: daysAgo(2) });
    const second = await create({ citizen: { name: '王五', phone: '+86 13800134567' }, receivedAt: daysAgo(1) });
    const sameTail = await create({ citizen: { name: '赵六', phone: '13900004567' } });
    await create({ citizen: { name: '钱七', phone: '13900004568' } });
    expect(ids(await find({ phone: '13800134567' }))).toEqual([second.id, first.id]);
    expect(ids(await find({ phone: '13800134567', limit: 1 })).length).toBe(1);
    expect(ids(await find({ phoneLast4: '4567' }))).toEqual([sameTail.id, second.id, first.id]);
    const [row] = (await t.db.statement(`SELECT citizen_phone_hash, citizen_phone_last4_hash FROM work_orders WHERE id = $1`, [first.id])) as Record<string, string>[];
    expect(row.citizen_phone_hash).not.toMatch(/\d{4}/);
    expect(row.citizen_phone_last4_hash).not.toContain('4567');
  });

  // PGlite has no JIT (no LLVM in WebAssembly).
  (storage === 'postgresql' ? test : test.skip)("the service's connections never JIT-compile: at ten million orders a search's estimate would pass jit_above_cost", async () => {
    const rows = await Promise.all(Array.from({ length: 3 }, () => t.db.statement<{ jit: string }>('SHOW jit')));
    expect(rows.map(([r]) => r.jit)).toEqual(['off', 'off', 'off']);
  });

  test('bad search input is a 400 problem, never a 500', async () => {
    for (const query of [{ phoneLast4: '45a7' }, { phone: 'abc' }, { cursor: 'bm9wZQ', q: '噪音' }, { q: '' }]) {
      const res = await t.http.get('/api/v1/work-orders').query(query).set(bearer(tokens.operator));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await find({ q: '，。' })).items).toEqual([]);
  });

  test('orders that are overdue, or under an open supervision slip, can be singled out', async () => {
    const late = await create({ content: '井盖缺失' });
    const fresh = await create({ content: '井盖缺失' });
    t.clock.set(new Date(Date.now() - 30 * DAY));
    await t.http.post(`/api/v1/work-orders/${late.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
    t.clock.real();
    await t.http.post(`/api/v1/work-orders/${fresh.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
    expect(ids(await find({ q: '井盖', overdue: true }))).toEqual([late.id]);
    expect(ids(await find({ q: '井盖', overdue: false }))).toEqual([fresh.id]);
    await t.http.post(`/api/v1/work-orders/${fresh.id}/mark-difficult`).set(bearer(tokens.operator)).send({ reason: '涉及多部门' }).expect(200);
    expect(ids(await find({ slip: true }))).toEqual([fresh.id]);
    expect(ids(await find({ slip: false, q: '井盖' }))).toEqual([late.id]);
  });

  test('the migration indexes orders taken in before it, and its down undoes it', async () => {
    const order = await create({ content: '小区噪音扰民', citizen: { name: '孙八', phone: '13712345678' } });
    const runner = t.db.dataSource.createQueryRunner();
    try {
      await new Search1765020000000().down(runner);
      const columns = await runner.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'work_orders' AND column_name LIKE '%search%'`);
      expect(columns).toEqual([]);
      await new Search1765020000000().up(runner);
    } finally {
      await runner.release();
    }
    // A new key was drawn: the service keeps the one it read until restarted, so ask by text only.
    expect(ids(await find({ q: '噪音' }))).toEqual([order.id]);
  });

  test('the unique key is indexed number first, its down puts it back, and a retried intake still finds its order', async () => {
    const body = intakeBody({ source: 'web', externalNo: 'WEB-2026-0077' });
    const order = await create(body);
    const key = async () =>
      (await t.db.statement(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'work_orders'::regclass AND contype = 'u'`)).map((r) => r.def);
    expect(await key()).toEqual(['UNIQUE (external_no, source)']);
    const runner = t.db.dataSource.createQueryRunner();
    try {
      await new ExternalNoFirst1765120000000().down(runner);
      expect(await key()).toEqual(['UNIQUE (source, external_no)']);
      await new ExternalNoFirst1765120000000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await key()).toEqual(['UNIQUE (external_no, source)']);
    const again = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(order.id);
    expect(ids(await find({ externalNo: 'WEB-2026-0077' }))).toEqual([order.id]);
  });
});
