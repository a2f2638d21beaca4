import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { JobQueue } from '../src/jobs/catalogue';
import { signPayload, WebhookService } from '../src/modules/notifications/webhook.service';
import { bearer, intakeBody, storage, useTestApp } from './support/app';

const SECRET = 'wenchang-webhook-secret-0001';

/** A unit's webhook receiver: answers with the scripted statuses, then 204. */
class Receiver {
  readonly received: { headers: IncomingMessage['headers']; body: string }[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private server!: Server;
  constructor(private readonly statuses: number[] = []) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body });
        res.statusCode = this.statuses.shift() ?? 204;
        res.end();
        this.waiters = this.waiters.filter((w) => (this.received.length >= w.count ? (w.resolve(), false) : true));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** The payloads received so far, parsed. */
  payloads(): Payload[] {
    return this.received.map((r) => JSON.parse(r.body) as Payload);
  }

  /** Waits until the payloads received satisfy `test`; fails after `ms` rather than hang. */
  async until(test: (payloads: Payload[]) => boolean, ms = 10_000): Promise<Payload[]> {
    const end = Date.now() + ms;
    while (!test(this.payloads())) {
      if (Date.now() > end) throw new Error(`the receiver got ${this.received.length} deliveries, not the ones expected: ${this.payloads().map((p) => p.event.action).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.payloads();
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Runs a test body against a receiving server, stopped afterwards whatever happens. */
async function withReceiver(run: (receiver: Receiver, url: string) => Promise<void>): Promise<void> {
  const receiver = new Receiver();
  const url = await receiver.start();
  try {
    await run(receiver, url);
  } finally {
    await receiver.stop();
  }
}

interface Payload {
  deliveryId: string;
  event: { id: string; action: string; fromState: string | null; toState: string; reason: string | null; details: Record<string, unknown>; actor: { role: string }; at: string };
  workOrder: { id: string; externalNo: string; state: string };
}

const { t, tokens } = useTestApp({ roles: ['operator', 'admin', 'commander'] });

/** An instant written in Beijing time. */
const bj = (local: string) => new Date(`${local}+08:00`);

async function hook(unitCode: string, url: string): Promise<void> {
  await t.http.patch(`/api/v1/units/${unitCode}`).set(bearer(tokens.admin)).send({ webhookUrl: url, webhookSecret: SECRET }).expect(200);
}

async function dispatched(unitCode: string, extra: Record<string, unknown> = {}): Promise<{ id: string; externalNo: string }> {
  const order = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody(extra)).expect(201);
  await t.http.post(`/api/v1/work-orders/${order.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: unitCode }).expect(200);
  return { id: order.body.id, externalNo: order.body.externalNo };
}

const actionsOf = (payloads: Payload[], orderId: string) => payloads.filter((p) => p.workOrder.id === orderId).map((p) => p.event.action);

async function dispatchToWenchang(): Promise<string> {
  const order = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ citizen: { name: '李四', phone: '13912345678' } })).expect(201);
  await t.http.post(`/api/v1/work-orders/${order.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-PS-WENCHANG' }).expect(200);
  return order.body.id;
}

const deliveries = async (token: string) => (await t.http.get('/api/v1/units/CQ-PS-WENCHANG/webhook-deliveries').set(bearer(token))).body;

describe(`webhook notifications through the job queue (${storage})`, () => {
  test('a dispatch reaches the unit signed with HMAC, without the citizen, and the log shows it delivered', async () => {
    await withReceiver(async (receiver, url) => {
      await t.http.patch('/api/v1/units/CQ-PS-WENCHANG').set(bearer(tokens.admin)).send({ webhookUrl: url, webhookSecret: SECRET }).expect(200);
      const orderId = await dispatchToWenchang();
      await receiver.waitFor(1);
      const [hit] = receiver.received;
      const payload = JSON.parse(hit.body);
      expect(payload).toMatchObject({ event: { action: 'dispatch', toState: 'dispatched' }, workOrder: { id: orderId, state: 'dispatched' } });
      expect(hit.body).not.toContain('13912345678');
      expect(hit.body).not.toContain('李四');
      expect(hit.headers['x-hotline-signature']).toBe(signPayload(SECRET, String(hit.headers['x-hotline-timestamp']), hit.body));
      const log = await waitForStatus(tokens.admin, 'delivered');
      expect(log[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204 });
    });
  });

  test('a failing webhook is retried with back-off until it answers', async () => {
    const receiver = new Receiver([500, 503]);
    const url = await receiver.start();
    try {
      await t.http.patch('/api/v1/units/CQ-PS-WENCHANG').set(bearer(tokens.admin)).send({ webhookUrl: url, webhookSecret: SECRET }).expect(200);
      await dispatchToWenchang();
      await receiver.waitFor(3);
      const log = await waitForStatus(tokens.admin, 'delivered');
      expect(log[0]).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
      expect(new Set(receiver.received.map((r) => r.headers['x-hotline-delivery'])).size).toBe(1);
    } finally {
      await receiver.stop();
    }
  });

  test('a delivery whose job was lost is found by the sweep and sent once', async () => {
    await withReceiver(async (receiver, url) => {
      await t.http.patch('/api/v1/units/CQ-PS-WENCHANG').set(bearer(tokens.admin)).send({ webhookUrl: url, webhookSecret: SECRET }).expect(200);
      const enqueue = jest.spyOn(t.app.services.webhooks, 'enqueue').mockResolvedValueOnce(undefined);
      await dispatchToWenchang();
      enqueue.mockRestore();
      expect((await deliveries(tokens.admin))[0]).toMatchObject({ status: 'pending', attempts: 0 });
      await Promise.all([t.app.services.webhooks.sweep(), t.app.services.webhooks.sweep()]);
      await receiver.waitFor(1);
      await waitForStatus(tokens.admin, 'delivered');
      expect(receiver.received).toHaveLength(1);
    });
  });

  test('a unit is told which milestone, deadline, urge and slip a notice is about', async () => {
    await withReceiver(async (receiver, url) => {
      await hook('CQ-CG', url);
      t.clock.set(bj('2026-11-24T10:00:00'));
      // Received long ago: overdue on dispatch, urged, and escalated to a supervision slip.
      const late = await dispatched('CQ-CG', { receivedAt: bj('2026-11-09T09:00:00').toISOString() });
      // Deliveries arrive in no set order: wait for the sign deadline's overdue mark and urge, and the escalation.
      const has = (ps: Payload[], action: string, milestone?: string) =>
        ps.some((p) => p.workOrder.id === late.id && p.event.action === action && (!milestone || p.event.details.milestone === milestone));
      const payloads = await receiver.until((ps) => has(ps, 'overdue', 'sign') && has(ps, 'urge', 'sign') && has(ps, 'escalate'));
      // Each payload carries the event as the order's history records it.
      const history = (await t.http.get(`/api/v1/work-orders/${late.id}/events`).set(bearer(tokens.operator))).body as Payload['event'][];
      for (const p of payloads) {
        const recorded = history.find((e) => e.id === p.event.id)!;
        expect(p.event).toMatchObject({ action: recorded.action, fromState: recorded.fromState, toState: recorded.toState, reason: recorded.reason, details: recorded.details, at: recorded.at });
        expect(p.workOrder).toMatchObject({ id: late.id, externalNo: late.externalNo });
      }
      const about = (action: string, milestone?: string) => payloads.find((p) => p.workOrder.id === late.id && p.event.action === action && (!milestone || p.event.details.milestone === milestone))!;
      const order = (await t.http.get(`/api/v1/work-orders/${late.id}`).set(bearer(tokens.operator))).body as { deadlines: { milestone: string; dueAt: string }[] };
      const signDue = order.deadlines.find((d) => d.milestone === 'sign')!.dueAt;
      expect(about('overdue', 'sign').event).toMatchObject({ fromState: 'dispatched', toState: 'dispatched', details: { milestone: 'sign', milestoneId: expect.any(String), dueAt: signDue }, at: bj('2026-11-24T10:00:00').toISOString() });
      expect(about('urge', 'sign').event.details).toMatchObject({ milestone: 'sign', milestoneId: expect.any(String), number: 1 });
      expect(about('escalate').event.details).toMatchObject({ slip: expect.stringMatching(/^督办〔2026〕\d+号$/), slipId: expect.any(String), trigger: 'overdue', slipState: 'open' });

      // Due later: warned once the warning time has come.
      const soon = await dispatched('CQ-CG', { receivedAt: bj('2026-11-24T09:00:00').toISOString() });
      const sign = ((await t.http.get(`/api/v1/work-orders/${soon.id}`).set(bearer(tokens.operator))).body.deadlines as { milestone: string; warnAt: string; dueAt: string }[]).find((d) => d.milestone === 'sign')!;
      t.clock.set(new Date(new Date(sign.warnAt).getTime() + 60_000));
      await t.app.services.deadlines.sweep();
      const warned = await receiver.until((ps) => actionsOf(ps, soon.id).includes('warn'));
      expect(warned.find((p) => p.workOrder.id === soon.id && p.event.action === 'warn')!.event.details).toMatchObject({ milestone: 'sign', dueAt: sign.dueAt });
    });
  });

  test("a confidential citizen's name and phone are in no payload, masked or not", async () => {
    await withReceiver(async (receiver, url) => {
      await hook('CQ-PS-WENCHANG', url);
      const { id } = await dispatched('CQ-PS-WENCHANG', { confidential: true, citizen: { name: '王小明', phone: '13800138000' } });
      await t.http.post(`/api/v1/work-orders/${id}/mark-difficult`).set(bearer(tokens.operator)).send({ reason: '涉及多部门' }).expect(200);
      await receiver.until((ps) => ['dispatch', 'escalate'].every((a) => actionsOf(ps, id).includes(a)));
      for (const { body } of receiver.received) {
        for (const secret of ['王小明', '王**', '13800138000', '138****8000', 'citizen']) expect(body).not.toContain(secret);
      }
    });
  });

  test('raising, sending back and closing a slip reach the handling unit, each recorded on the order', async () => {
    await withReceiver(async (receiver, url) => {
      await hook('CQ-CG', url);
      const cg = await t.token('unit', 'CQ-CG');
      const { id } = await dispatched('CQ-CG');
      const raised = await t.http.post('/api/v1/supervision-slips').set(bearer(tokens.commander)).send({ orderIds: [id], reason: '局长批示督办' }).expect(201);
      const slip = `/api/v1/supervision-slips/${raised.body.id}`;
      await receiver.until((ps) => actionsOf(ps, id).includes('escalate'));

      // Closing an open slip is refused and leaves nothing behind.
      const eventsBefore = (await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body.length;
      expect((await t.http.post(`${slip}/close`).set(bearer(tokens.commander)).send({ text: '同意' })).body).toMatchObject({ status: 409, code: 'slip_state' });
      expect((await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body).toHaveLength(eventsBefore);

      await t.http.post(`${slip}/chief-callback`).set(bearer(cg)).send({ calledAt: new Date().toISOString(), satisfaction: 'satisfied', text: '群众表示满意' }).expect(200);
      await t.http.post(`${slip}/result`).set(bearer(cg)).send({ text: '已取缔' }).expect(200);
      await t.http.post(`${slip}/send-back`).set(bearer(tokens.commander)).send({ text: '整改不到位,重新办理' }).expect(200);
      await t.http.post(`${slip}/result`).set(bearer(cg)).send({ text: '已取缔,现场恢复正常' }).expect(200);
      await t.http.post(`${slip}/close`).set(bearer(tokens.commander)).send({ text: '同意办结' }).expect(200);
      const payloads = await receiver.until((ps) => actionsOf(ps, id).includes('close-slip'));

      expect(actionsOf(payloads, id)).toEqual(['dispatch', 'escalate', 'send-back-slip', 'close-slip']);
      const number = raised.body.number as string;
      const of = (action: string) => payloads.find((p) => p.event.action === action)!;
      expect(of('escalate').event).toMatchObject({ actor: { role: 'commander' }, reason: '局长批示督办', details: { slip: number, slipId: raised.body.id, trigger: 'commander', slipState: 'open', dueAt: raised.body.dueAt } });
      expect(of('send-back-slip').event).toMatchObject({ reason: '整改不到位,重新办理', details: { slip: number, slipState: 'open' } });
      expect(of('close-slip').event).toMatchObject({ reason: '同意办结', details: { slip: number, slipState: 'closed' } });
      for (const hit of receiver.received) expect(hit.headers['x-hotline-signature']).toBe(signPayload(SECRET, String(hit.headers['x-hotline-timestamp']), hit.body));

      const history = (await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body as { action: string }[];
      expect(history.map((e) => e.action).filter((a) => a.endsWith('-slip'))).toEqual(['send-back-slip', 'close-slip']);
      const log = await waitForStatus(tokens.admin, 'delivered', 'CQ-CG');
      expect(log.filter((d) => d.status === 'delivered')).toHaveLength(4);
    });
  });

  test('a delivery whose job failed before it claimed its row is delivered after the next sweep', async () => {
    await withReceiver(async (receiver, url) => {
      await hook('CQ-PS-WENCHANG', url);
      // A database blip: the job fails before the delivery row is claimed, its attempts still 0.
      const deliver = jest.spyOn(t.app.services.webhooks, 'deliver').mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
      await dispatchToWenchang();
      await t.jobs.settled();
      expect(deliver).toHaveBeenCalledTimes(1);
      deliver.mockRestore();
      expect((await deliveries(tokens.admin))[0]).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await t.app.services.webhooks.sweep()).toBe(1);
      await receiver.until((ps) => ps.length === 1, 5_000);
      expect((await waitForStatus(tokens.admin, 'delivered'))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    });
  });

  test('after the first job of a delivery failed, the sweep queues one that a queue keeping failed job ids accepts', async () => {
    // Bull keeps a failed job and drops a new job under the same id as a duplicate.
    const held = new Set<string>();
    const accepted: string[] = [];
    const queue: JobQueue = {
      kind: 'bull',
      async enqueue(_name, _data, options = {}) {
        if (options.jobId && held.has(options.jobId)) return;
        if (options.jobId) held.add(options.jobId);
        accepted.push(options.jobId ?? '');
      },
      consume() {},
      async ping() {},
      async settled() {},
      async close() {},
    };
    const webhooks = new WebhookService(t.db, queue, t.config, pino({ level: 'silent' }), t.clock.now);
    await hook('CQ-PS-WENCHANG', 'http://127.0.0.1:9/hook');
    const enqueue = jest.spyOn(t.app.services.webhooks, 'enqueue').mockResolvedValueOnce(undefined);
    await dispatchToWenchang();
    enqueue.mockRestore();
    const [pending] = await deliveries(tokens.admin);
    await webhooks.enqueue([pending.id]);
    expect(accepted).toHaveLength(1);
    // That job failed before claiming the row (nothing ran it here): the row is still pending, attempts 0.
    await webhooks.sweep();
    expect(accepted).toHaveLength(2);
    await webhooks.sweep();
    expect(accepted).toHaveLength(2);
  });

  test("a unit's staff read their own delivery log, not another unit's", async () => {
    const wenchang = await t.token('unit', 'CQ-PS-WENCHANG');
    const cg = await t.token('unit', 'CQ-CG');
    expect((await t.http.get('/api/v1/units/CQ-PS-WENCHANG/webhook-deliveries').set(bearer(wenchang))).status).toBe(200);
    expect((await t.http.get('/api/v1/units/CQ-PS-WENCHANG/webhook-deliveries').set(bearer(cg))).status).toBe(404);
  });
});

/** Re-reads the log until the newest delivery has the status: the job finishes just after the receiver answers. */
async function waitForStatus(token: string, status: string, unitCode = 'CQ-PS-WENCHANG'): Promise<{ id: string; status: string }[]> {
  const end = Date.now() + 10_000;
  for (;;) {
    const log = (await t.http.get(`/api/v1/units/${unitCode}/webhook-deliveries`).set(bearer(token))).body as { id: string; status: string }[];
    if (log.length > 0 && log.every((d) => d.status === status)) return log;
    if (Date.now() > end) throw new Error(`deliveries still ${log.map((d) => d.status).join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
