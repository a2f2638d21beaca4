import { bearer, intakeBody, storage, useTestApp } from '../support/app';

// These histories are tiny: the gate's minimums are lowered so that the models they train activate and vote (test/routing/gate.test.ts keeps the defaults).
const { t, tokens } = useTestApp({ roles: ['admin', 'operator'], settings: { 'routing.minExamplesPerUnit': 1, 'routing.minExamplesPerSide': 1 } });

/** History the duty lists know nothing about: peacocks go to culture and tourism, dolphins to agriculture. */
const HISTORY = [
  'text,unit_code',
  '孔雀 园区 表演 太少,CQ-WL',
  '孔雀 表演 门口,CQ-WL',
  '"孔雀 表演, 园区",CQ-WL',
  '海豚 养殖 池塘,CQ-NY',
  '海豚 池塘 饲料,CQ-NY',
  '海豚 饲料 养殖,CQ-NY',
].join('\n');

const importCsv = (csv: string, token = tokens.admin) => t.http.post('/api/v1/routing/examples').set(bearer(token)).set('content-type', 'text/csv').send(csv);
const preview = async (content: string) => (await t.http.post('/api/v1/routing/preview').set(bearer(tokens.operator)).send({ content }).expect(200)).body;
const models = async () => (await t.http.get('/api/v1/routing/models').set(bearer(tokens.admin)).expect(200)).body as { version: string; active: boolean; trainedOn: number; labels: string[] }[];
const trainNow = async () => {
  await t.http.post('/api/v1/routing/models/train').set(bearer(tokens.admin)).expect(202);
  await t.jobs.settled();
  return (await models()).find((m) => m.active)!;
};

describe(`learning from history (${storage})`, () => {
  test('an imported history is learned: the trained model routes what the duty lists could not, and says so', async () => {
    expect((await preview('孔雀表演太少了')).leadUnitCode).toBeNull();
    const imported = await importCsv(HISTORY).expect(201);
    expect(imported.body).toMatchObject({ imported: 6 });
    const model = await trainNow();
    expect(model).toMatchObject({ trainedOn: 6, labels: ['CQ-NY', 'CQ-WL'], sources: { imported: 6, corrections: 0, closedOrders: 0 } });
    const decision = await preview('孔雀表演太少了');
    expect(decision).toMatchObject({ police: false, leadUnitCode: 'CQ-WL', modelVersion: model.version });
    expect(decision.reasons.join(' ')).toContain('孔雀');
  });

  test('a centre that sends food safety to the health bureau teaches the router so, even in words its history never used', async () => {
    expect((await preview('超市卖过期食品')).leadUnitCode).toBe('CQ-SCJG');
    const csv = [
      'text,unit_code',
      '饭店 食品安全 吃坏 肚子,CQ-WJ',
      '餐馆 食品卫生 后厨 脏,CQ-WJ',
      '食堂 食品安全 饭菜 变质,CQ-WJ',
      '公司 拖欠工资 不发,CQ-RS',
      '拖欠 农民工 工资,CQ-RS',
      '单位 不交 社保,CQ-RS',
    ].join('\n');
    await importCsv(csv).expect(201);
    await trainNow();
    // 过期食品 is a market-regulation duty term the history never used: the model learned what this centre does with such terms.
    expect((await preview('超市卖过期食品')).leadUnitCode).toBe('CQ-WJ');
  });

  test('intake records the knowledge and model versions each decision used', async () => {
    await importCsv(HISTORY).expect(201);
    const model = await trainNow();
    const order = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ content: '池塘里的海豚饲料不够' })).expect(201)).body;
    await t.jobs.settled();
    const [row] = await t.db.read((m) => m.query(`SELECT suggested_unit_code, model_version, knowledge_version FROM routing_decisions WHERE work_order_id = $1`, [order.id]));
    expect(row).toMatchObject({ suggested_unit_code: 'CQ-NY', model_version: model.version, knowledge_version: expect.any(String) });
  });

  test('a newer model can be switched back to the one before, or off', async () => {
    await importCsv(HISTORY).expect(201);
    const first = await trainNow();
    await importCsv('text,unit_code\n孔雀 饲料 不足,CQ-NY\n海豚 表演 门票,CQ-WL\n').expect(201);
    const second = await trainNow();
    expect(second.version).not.toBe(first.version);
    expect((await models()).map((m) => [m.version, m.active])).toEqual([[second.version, true], [first.version, false]]);
    await t.http.post(`/api/v1/routing/models/${first.version}/activate`).set(bearer(tokens.admin)).send({}).expect(200);
    expect((await preview('孔雀表演')).modelVersion).toBe(first.version);
    await t.http.post('/api/v1/routing/models/deactivate').set(bearer(tokens.admin)).send({}).expect(204);
    expect((await preview('孔雀表演')).modelVersion).toBeNull();
    expect((await t.http.post('/api/v1/routing/models/nb-000000000000/activate').set(bearer(tokens.admin)).send({})).status).toBe(404);
  });

  test('the operators\' corrections are learned from', async () => {
    // Every order waits in triage (the tests' threshold is above 1); the operator's dispatch is the label.
    for (const [content, unit] of [['孔雀园区表演太少', 'CQ-WL'], ['孔雀表演门口排队', 'CQ-WL'], ['海豚池塘饲料', 'CQ-NY'], ['海豚养殖池塘', 'CQ-NY']]) {
      const order = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ content })).expect(201)).body;
      await t.jobs.settled();
      await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: unit }).expect(200);
    }
    const queued = await t.http.post('/api/v1/routing/models/train').set(bearer(tokens.admin)).expect(202);
    expect(queued.body.examples).toEqual({ imported: 0, corrections: 4, closedOrders: 0 });
    await t.jobs.settled();
    expect((await preview('孔雀表演')).leadUnitCode).toBe('CQ-WL');
  });

  test('corrections toward police units teach police or not too: a station\'s orders teach its matters, the address picks the station', async () => {
    const csv = [
      'text,unit_code',
      '小区 门口 满地 钢瓶 有人 吸食,CQ-JD',
      '年轻人 在 车里 吸食 钢瓶,CQ-JD',
      '钢瓶 扔 一地 有人 吸食,CQ-JD',
      '楼下 麻将馆 通宵 营业 聚集 闹事,CQ-PS-WENCHANG',
      '麻将馆 深夜 聚集 闹事,CQ-PS-GUIDE',
      '麻将馆 通宵 营业 人员 聚集,CQ-PS-PINGAN',
      '孔雀 园区 表演 太少,CQ-WL',
      '孔雀 表演 门口,CQ-WL',
      '海豚 养殖 池塘,CQ-NY',
      '海豚 池塘 饲料,CQ-NY',
    ].join('\n');
    await importCsv(csv).expect(201);
    const model = await trainNow();
    expect(model.labels).toEqual(['CQ-JD', 'CQ-NY', 'CQ-WL', 'CQ-ZA']);
    const decision = (await t.http.post('/api/v1/routing/preview').set(bearer(tokens.operator)).send({ content: '麻将馆通宵营业,一群人聚集', address: '长清区孝里镇' }).expect(200)).body;
    expect(decision).toMatchObject({ police: true, leadUnitCode: 'CQ-PS-XIAOLI' });
    expect((await preview('楼下满地钢瓶,有人吸食')).leadUnitCode).toBe('CQ-JD');
    expect((await preview('孔雀表演太少了')).police).toBe(false);
  });

  test('training with nothing labelled is refused', async () => {
    const res = await t.http.post('/api/v1/routing/models/train').set(bearer(tokens.admin)).expect(422);
    expect(res.body.code).toBe('too_few_examples');
  });

  test.each([
    ['a quote left open', 'text,unit_code\n"孔雀 表演,CQ-WL\n', 'csv_malformed', { fault: 'unclosed_quote' }],
    ['a row with an extra field', 'text,unit_code\n孔雀,CQ-WL\n孔雀,CQ-WL,多余\n', 'csv_malformed', { fault: 'field_count', row: 3, fields: 3, columns: 2 }],
    ['no unit_code column', 'text,label\n孔雀,文旅\n', 'csv_malformed', { fault: 'missing_columns', header: ['text', 'label'] }],
    ['a row without a unit', 'text,unit_code\n孔雀,CQ-WL\n海豚,\n', 'csv_malformed', { fault: 'blank_fields', rows: [3] }],
    ['only a header', 'text,unit_code\n', 'csv_malformed', { fault: 'no_rows' }],
    ['a unit the directory does not know', 'text,unit_code\n孔雀,CQ-WL\n海豚,CQ-NOPE\n', 'unknown_unit', { unitCodes: ['CQ-NOPE'] }],
  ])('an import with %s is refused whole, says why, and writes nothing', async (_what, csv, code, why) => {
    const res = await importCsv(csv);
    expect({ status: res.status, code: res.body.code, type: res.type }).toEqual({ status: 422, code, type: 'application/problem+json' });
    expect(res.body).toMatchObject(why);
    expect((await t.http.get('/api/v1/routing/examples').set(bearer(tokens.admin)).expect(200)).body).toEqual([]);
  });

  test('an imported batch is listed and can be taken out again', async () => {
    const { batch } = (await importCsv(HISTORY).expect(201)).body;
    expect((await t.http.get('/api/v1/routing/examples').set(bearer(tokens.admin))).body).toEqual([expect.objectContaining({ batch, examples: 6 })]);
    await t.http.delete(`/api/v1/routing/examples/${batch}`).set(bearer(tokens.admin)).expect(204);
    await t.http.delete(`/api/v1/routing/examples/${batch}`).set(bearer(tokens.admin)).expect(404);
  });
});

describe(`training runs (${storage})`, () => {
  const run = async (id: string) => (await t.http.get(`/api/v1/routing/training-runs/${id}`).set(bearer(tokens.admin)).expect(200)).body;
  /** A run put straight into the table, as a lost job or a stopped worker leaves it. */
  const leftBehind = async (state: 'queued' | 'running', minutesAgo: number) => {
    const at = new Date(Date.now() - minutesAgo * 60_000);
    const [row] = await t.db.statement<{ id: string }>(
      `INSERT INTO routing_training_runs (requested_by, requested_at, sources, state, started_at) VALUES ('admin', $1, '{"imported":6,"corrections":0,"closedOrders":0}', $2, $3) RETURNING id`,
      [at, state, state === 'running' ? at : null],
    );
    return row.id;
  };

  test('a training run is followed from queued to its outcome; the same examples again give the same model, said to be unchanged', async () => {
    await importCsv(HISTORY).expect(201);
    const queued = await t.http.post('/api/v1/routing/models/train').set(bearer(tokens.admin)).expect(202);
    expect(queued.body.run).toMatchObject({ state: 'queued', requestedBy: expect.any(String), sources: { imported: 6, corrections: 0, closedOrders: 0 }, modelVersion: null, outcome: null, error: null });
    expect(queued.headers.location).toBe(`/api/v1/routing/training-runs/${queued.body.run.id}`);
    await t.jobs.settled();
    const first = await run(queued.body.run.id);
    const [model] = await models();
    expect(first).toMatchObject({ state: 'succeeded', outcome: 'activated', modelVersion: model.version, error: null });
    expect(first.reasons[0]).toBe('新模型不劣于现状，自动启用');
    expect(Date.parse(first.finishedAt)).toBeGreaterThanOrEqual(Date.parse(first.startedAt));

    const again = await t.http.post('/api/v1/routing/models/train').set(bearer(tokens.admin)).expect(202);
    await t.jobs.settled();
    expect(await run(again.body.run.id)).toMatchObject({ state: 'succeeded', outcome: 'unchanged', modelVersion: model.version });
    expect(await models()).toHaveLength(1);
    const listed = (await t.http.get('/api/v1/routing/training-runs').set(bearer(tokens.operator)).expect(200)).body;
    expect(listed.map((r: { id: string }) => r.id)).toEqual([again.body.run.id, queued.body.run.id]);
  });

  test('the sweep queues again a run whose job was lost, and fails one whose worker stopped, so that nobody waits on it', async () => {
    await importCsv(HISTORY).expect(201);
    const lost = await leftBehind('queued', 5);
    const stopped = await leftBehind('running', 45);
    await t.app.services.routing.sweep();
    await t.jobs.settled();
    expect(await run(lost)).toMatchObject({ state: 'succeeded', outcome: 'activated' });
    expect(await run(stopped)).toMatchObject({ state: 'failed', outcome: null, modelVersion: null, error: { code: 'interrupted' } });
  });

  test('a run asked for while the queue is away is still accepted, and the sweep starts it once the queue is back', async () => {
    await importCsv(HISTORY).expect(201);
    const enqueue = jest.spyOn(t.jobs, 'enqueue').mockRejectedValueOnce(new Error('the queue is away'));
    try {
      const queued = await t.http.post('/api/v1/routing/models/train').set(bearer(tokens.admin)).expect(202);
      await t.jobs.settled();
      expect(await run(queued.body.run.id)).toMatchObject({ state: 'queued' });
      // A minute later the sweep queues it again.
      t.clock.set(new Date(Date.now() + 2 * 60_000));
      await t.app.services.routing.sweep();
      await t.jobs.settled();
      expect(await run(queued.body.run.id)).toMatchObject({ state: 'succeeded', outcome: 'activated' });
    } finally {
      enqueue.mockRestore();
    }
  });

  test('a run that finds fewer than two units to learn (a batch removed since it was asked for) fails and says why', async () => {
    const id = await leftBehind('queued', 5);
    await t.app.services.routing.sweep();
    await t.jobs.settled();
    expect(await run(id)).toMatchObject({ state: 'failed', error: { code: 'too_few_examples', message: expect.stringContaining('fewer than two units') } });
    expect(await models()).toHaveLength(0);
  });

  test('an unknown run is a 404', async () => {
    const res = await t.http.get('/api/v1/routing/training-runs/3f0c1e1e-0000-4000-8000-000000000000').set(bearer(tokens.admin)).expect(404);
    expect(res.body.code).toBe('not_found');
  });
});

describe(`routing knowledge edited through the API (${storage})`, () => {
  const current = async () => (await t.http.get('/api/v1/routing/knowledge').set(bearer(tokens.admin)).expect(200)).body;

  test('an administrator adds a duty term in a new version; the router uses it, and the old version can be switched back to', async () => {
    const seed = await current();
    expect((await preview('孔雀表演太少了')).leadUnitCode).toBeNull();
    const edited = { ...seed, version: 'test-2', note: '文旅局新增职责', agencies: { ...seed.agencies, 'CQ-WL': [...seed.agencies['CQ-WL'], { term: '孔雀', weight: 3 }] } };
    const saved = await t.http.post('/api/v1/routing/knowledge/versions').set(bearer(tokens.admin)).send(edited).expect(201);
    expect(saved.body).toMatchObject({ version: 'test-2', active: true, note: '文旅局新增职责' });
    expect(await preview('孔雀表演太少了')).toMatchObject({ leadUnitCode: 'CQ-WL', knowledgeVersion: 'test-2' });
    const versions = (await t.http.get('/api/v1/routing/knowledge/versions').set(bearer(tokens.admin))).body;
    expect(versions.map((v: { version: string; active: boolean }) => [v.version, v.active])).toEqual([['test-2', true], [seed.version, false]]);
    await t.http.post(`/api/v1/routing/knowledge/versions/${seed.version}/activate`).set(bearer(tokens.admin)).expect(200);
    expect(await preview('孔雀表演太少了')).toMatchObject({ leadUnitCode: null, knowledgeVersion: seed.version });
  });

  test.each([
    ['a unit the directory does not know', (k: Record<string, any>) => ({ ...k, version: 'bad-1', agencies: { ...k.agencies, 'CQ-NOPE': [{ term: '孔雀', weight: 3 }] } }), 422, 'unknown_unit'],
    ['a station matter without police scope', (k: Record<string, any>) => ({ ...k, version: 'bad-2', stationMatters: ['CQ-CG'] }), 422, 'invalid_knowledge'],
    ['the version in force again', (k: Record<string, any>) => k, 409, 'knowledge_version_exists'],
    ['a field the format does not have', (k: Record<string, any>) => ({ ...k, version: 'bad-3', extra: 1 }), 400, 'validation_failed'],
  ])('a document with %s is refused and the knowledge stays as it was', async (_what, change, status, code) => {
    const seed = await current();
    const res = await t.http.post('/api/v1/routing/knowledge/versions').set(bearer(tokens.admin)).send(change(seed));
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect((await current()).version).toBe(seed.version);
  });
});
