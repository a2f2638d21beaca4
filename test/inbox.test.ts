import { Client } from 'pg';
import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens, units } = useTestApp({ roles: ['operator'], units: ['CQ-CG'] });

interface InboxItem {
  id: string;
  version: number;
  state: string;
  inboxReason: string;
}

const createAndDispatch = async (unit = 'CQ-CG'): Promise<string> => {
  const created = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201);
  await t.http.post(`/api/v1/work-orders/${created.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: unit }).expect(200);
  return created.body.id;
};

const poll = async (cursor: string | null, limit: number) => {
  const res = await t.http.get(`/api/v1/inbox?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).set(bearer(units['CQ-CG']));
  expect(res.status).toBe(200);
  return res.body as { items: InboxItem[]; nextCursor: string | null };
};

describe(`the partner inbox (${storage})`, () => {
  test('an order dispatched to the unit is there to sign, then in hand; another unit\'s order never is', async () => {
    const mine = await createAndDispatch('CQ-CG');
    await createAndDispatch('CQ-ZJ');
    const first = await poll(null, 100);
    expect(first.items.map((i) => [i.id, i.inboxReason])).toEqual([[mine, 'to_sign']]);
    await t.http.post(`/api/v1/work-orders/${mine}/sign`).set(bearer(units['CQ-CG'])).send({}).expect(200);
    const next = await poll(first.nextCursor, 100);
    expect(next.items.map((i) => [i.id, i.inboxReason, i.version])).toEqual([[mine, 'in_hand', 3]]);
    expect((await poll(next.nextCursor, 100)).items).toEqual([]);
  });

  test('an order the unit assists on is in its inbox as assisting; a closed one leaves', async () => {
    const created = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201);
    await t.http.post(`/api/v1/work-orders/${created.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-PS-WENCHANG', assistingUnitCodes: ['CQ-CG'] }).expect(200);
    expect((await poll(null, 10)).items.map((i) => i.inboxReason)).toEqual(['assisting']);
  });

  test('a poller that keeps its cursor sees every change once and skips none, while orders change between and during polls', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await createAndDispatch());
    const delivered = new Set<string>();
    const duplicates: string[] = [];
    let cursor: string | null = null;
    const record = (items: InboxItem[]) => {
      for (const item of items) {
        const key = `${item.id}@${item.version}`;
        if (delivered.has(key)) duplicates.push(key);
        delivered.add(key);
      }
    };
    // Each round: a poll racing with signs of orders already delivered and new dispatches.
    for (let round = 0; round < 8; round++) {
      const toSign = ids.slice(round * 3, round * 3 + 3);
      const [page]: [{ items: InboxItem[]; nextCursor: string | null }, ...unknown[]] = await Promise.all([
        poll(cursor, 7),
        ...toSign.map((id) => t.http.post(`/api/v1/work-orders/${id}/sign`).set(bearer(units['CQ-CG'])).send({})),
        createAndDispatch().then((id) => ids.push(id)),
      ]);
      record(page.items);
      cursor = page.nextCursor;
    }
    // Catch up: poll until an empty page.
    for (;;) {
      const page: { items: InboxItem[]; nextCursor: string | null } = await poll(cursor, 7);
      if (page.items.length === 0) break;
      record(page.items);
      cursor = page.nextCursor;
    }
    expect(duplicates).toEqual([]);
    const latest = await Promise.all(ids.map(async (id) => (await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(tokens.operator))).body));
    const missed = latest.filter((o: { id: string; version: number }) => !delivered.has(`${o.id}@${o.version}`)).map((o: { id: string }) => o.id);
    expect(missed).toEqual([]);
  });

  // PGlite is one connection in one process: no transaction runs beside another there.
  (storage === 'postgresql' ? test : test.skip)(
    'a long write in another database of the cluster does not hold the inbox still; one in this database does, until it ends',
    async () => {
      const open = async (database: string) => {
        const url = new URL(process.env.DATABASE_URL!);
        url.pathname = `/${database}`;
        const client = new Client({ connectionString: url.toString() });
        await client.connect();
        await client.query('BEGIN');
        await client.query('SELECT pg_current_xact_id()');
        return client;
      };
      const elsewhere = await open('postgres');
      try {
        const first = await createAndDispatch();
        expect((await poll(null, 100)).items.map((i) => i.id)).toEqual([first]);
        const here = await open(new URL(process.env.DATABASE_URL!).pathname.slice(1));
        let second: string;
        try {
          second = await createAndDispatch();
          // The transaction here began before the second dispatch and may still write: the inbox waits for it.
          expect((await poll(null, 100)).items.map((i) => i.id)).toEqual([first]);
        } finally {
          await here.query('COMMIT');
          await here.end();
        }
        expect((await poll(null, 100)).items.map((i) => i.id)).toEqual([first, second]);
      } finally {
        await elsewhere.query('COMMIT');
        await elsewhere.end();
      }
    },
  );

  test('a cursor the service did not give is a 400', async () => {
    const res = await t.http.get('/api/v1/inbox?cursor=bm9wZQ').set(bearer(units['CQ-CG']));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_cursor');
  });
});
