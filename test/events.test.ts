import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { bearer, intakeBody, startTestApp, storage, useTestApp, type TestApp } from './support/app';

/** Live work-order events for the workspace: Server-Sent Events, caught up from the database on reconnection. */
const { t, tokens, units } = useTestApp({ roles: ['operator'], units: ['CQ-CG'] });

interface Frame {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** An open event stream, read frame by frame as a browser's EventSource would. */
class Stream {
  private buffer = '';
  private connected = false;
  private readonly frames: Frame[] = [];
  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly abort: AbortController,
    readonly contentType: string | null,
  ) {}

  static async open(base: string, headers: Record<string, string>): Promise<Stream> {
    const abort = new AbortController();
    const res = await fetch(`${base}/api/v1/events`, { headers, signal: abort.signal });
    expect(res.status).toBe(200);
    const stream = new Stream(res.body!.getReader(), abort, res.headers.get('content-type'));
    await stream.until(() => stream.connected);
    return stream;
  }

  /** Reads until a frame matches; returns it and every frame before it. */
  async next(match: (f: Frame) => boolean): Promise<{ frame: Frame; before: Frame[] }> {
    for (;;) {
      const i = this.frames.findIndex(match);
      if (i >= 0) {
        const before = this.frames.splice(0, i + 1);
        return { frame: before.pop()!, before };
      }
      await this.read();
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done()) await this.read();
  }

  private async read(): Promise<void> {
    const { value, done } = await this.reader.read();
    if (done) throw new Error('the event stream ended');
    this.buffer += new TextDecoder().decode(value);
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
      if (fields.data) this.frames.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      else if (block.includes(': connected')) this.connected = true;
    }
  }
}

let base = '';
beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

const intake = async (body = intakeBody()) => (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(body).expect(201)).body as { id: string; externalNo: string };
const dispatch = (id: string, unit: string) => t.http.post(`/api/v1/work-orders/${id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: unit }).expect(200);

describe(`live events (${storage})`, () => {
  test('an order taken in appears on the operators\' stream with its event id and kind, and no citizen data', async () => {
    const stream = await Stream.open(base, bearer(tokens.operator));
    try {
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      const body = intakeBody();
      const order = await intake(body);
      const { frame } = await stream.next((f) => f.data.orderId === order.id);
      expect(frame.event).toBe('order.received');
      expect(frame.id).toMatch(/^[0-9]+$/);
      expect(frame.data).toEqual({ orderId: order.id, externalNo: body.externalNo, kind: 'order.received', at: expect.any(String), unitCode: null });
      await dispatch(order.id, 'CQ-CG');
      const next = await stream.next((f) => f.data.orderId === order.id);
      expect(next.frame.event).toBe('order.dispatched');
      expect(next.frame.data.unitCode).toBe('CQ-CG');
      expect(BigInt(next.frame.id)).toBeGreaterThan(BigInt(frame.id));
      expect(JSON.stringify([frame, next.frame])).not.toMatch(/李四|139\d{8}/);
    } finally {
      stream.close();
    }
  });

  test('the metrics count the open streams and say whether the database wakes the feed, for an alert on streams left to the poll', async () => {
    const stream = await Stream.open(base, bearer(tokens.operator));
    try {
      const text = (await t.http.get('/metrics').expect(200)).text;
      expect(text).toMatch(/^hotline_event_feed_listening 1$/m);
      expect(Number(/^hotline_event_streams (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    } finally {
      stream.close();
    }
  });

  test('a browser that reconnects with Last-Event-ID first gets the events it missed, in order, from the database', async () => {
    const stream = await Stream.open(base, bearer(tokens.operator));
    const first = await intake();
    const { frame: seen } = await stream.next((f) => f.data.orderId === first.id);
    stream.close();

    const missed = await intake();
    await dispatch(missed.id, 'CQ-CG');
    await t.http.post(`/api/v1/work-orders/${missed.id}/sign`).set(bearer(units['CQ-CG'])).send({}).expect(200);

    const again = await Stream.open(base, { ...bearer(tokens.operator), 'last-event-id': seen.id });
    try {
      const { frame, before } = await again.next((f) => f.event === 'order.signed');
      const replayed = [...before, frame];
      expect(replayed.map((f) => [f.event, f.data.orderId])).toEqual([
        ['order.received', missed.id],
        ['order.dispatched', missed.id],
        ['order.signed', missed.id],
      ]);
      expect(replayed.every((f) => BigInt(f.id) > BigInt(seen.id))).toBe(true);
      // And it goes on live.
      const later = await intake();
      expect((await again.next((f) => f.data.orderId === later.id)).before).toEqual([]);
    } finally {
      again.close();
    }
  });

  test('a unit\'s stream (a signed-in browser) carries the events of its own orders only', async () => {
    await t.http.post('/api/v1/accounts').set(bearer(await t.token('admin'))).send({ username: 'cg.duty', name: '执法局值班员', role: 'unit', unitCode: 'CQ-CG', password: 'correct horse 1' }).expect(201);
    const signIn = await t.http.post('/api/v1/session').send({ username: 'cg.duty', password: 'correct horse 1' }).expect(200);
    const cookie = (signIn.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const stream = await Stream.open(base, { cookie });
    try {
      const others = await intake();
      await dispatch(others.id, 'CQ-PS-WENCHANG');
      const own = await intake();
      await dispatch(own.id, 'CQ-CG');
      const { frame, before } = await stream.next((f) => f.event === 'order.dispatched' && f.data.orderId === own.id);
      expect(frame.data.unitCode).toBe('CQ-CG');
      expect([...before, frame].every((f) => f.data.orderId === own.id)).toBe(true);
    } finally {
      stream.close();
    }
  });

  (storage === 'postgresql' ? test : test.skip)('an order taken in by another API process reaches this process\'s stream (LISTEN/NOTIFY)', async () => {
    let other: TestApp | undefined;
    const stream = await Stream.open(base, bearer(tokens.operator));
    try {
      other = await startTestApp();
      const order = (await other.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201)).body;
      expect((await stream.next((f) => f.data.orderId === order.id)).frame.event).toBe('order.received');
    } finally {
      stream.close();
      await other?.close();
    }
  });

  (storage === 'postgresql' ? test : test.skip)('an event whose transaction commits after a newer one is not skipped: the stream keeps id order', async () => {
    const stream = await Stream.open(base, bearer(tokens.operator));
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const early = await intake();
      await stream.next((f) => f.data.orderId === early.id);
      await client.query('BEGIN');
      const slow = await client.query<{ id: string }>(
        `INSERT INTO work_order_events (work_order_id, version, action, to_state, actor_name, actor_role) VALUES ($1, 1, 'note', 'received', 'test', 'system') RETURNING id::text AS id`,
        [early.id],
      );
      const late = await intake();
      // The feed has read the newer event, and the gap below it, before the older one commits.
      await t.app.eventFeed.wake();
      await client.query('COMMIT');
      const { frame, before } = await stream.next((f) => f.data.orderId === late.id);
      expect([...before, frame].map((f) => [f.id, f.event])).toEqual([
        [slow.rows[0].id, 'order.note'],
        [expect.any(String), 'order.received'],
      ]);
    } finally {
      await client.end();
      stream.close();
    }
  });
});
