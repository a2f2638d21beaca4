import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signPayload } from '../src/modules/notifications/webhook.service';
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

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const { t, tokens } = useTestApp({ roles: ['operator', 'admin'] });

async function dispatchToWenchang(): Promise<string> {
  const order = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ citizen: { name: '李四', phone: '13912345678' } })).expect(201);
  await t.http.post(`/api/v1/work-orders/${order.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-PS-WENCHANG' }).expect(200);
  return order.body.id;
}

const deliveries = async (token: string) => (await t.http.get('/api/v1/units/CQ-PS-WENCHANG/webhook-deliveries').set(bearer(token))).body;

describe(`webhook notifications through the job queue (${storage})`, () => {
  test('a dispatch reaches the unit signed with HMAC, without the citizen, and the log shows it delivered', async () => {
    const receiver = new Receiver();
    const url = await receiver.start();
    try {
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
    } finally {
      await receiver.stop();
    }
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
    const receiver = new Receiver();
    const url = await receiver.start();
    try {
      await t.http.patch('/api/v1/units/CQ-PS-WENCHANG').set(bearer(tokens.admin)).send({ webhookUrl: url, webhookSecret: SECRET }).expect(200);
      const enqueue = jest.spyOn(t.app.services.webhooks, 'enqueue').mockResolvedValueOnce(undefined);
      await dispatchToWenchang();
      enqueue.mockRestore();
      expect((await deliveries(tokens.admin))[0]).toMatchObject({ status: 'pending', attempts: 0 });
      await Promise.all([t.app.services.webhooks.sweep(), t.app.services.webhooks.sweep()]);
      await receiver.waitFor(1);
      await waitForStatus(tokens.admin, 'delivered');
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  test("a unit's staff read their own delivery log, not another unit's", async () => {
    const wenchang = await t.token('unit', 'CQ-PS-WENCHANG');
    const cg = await t.token('unit', 'CQ-CG');
    expect((await t.http.get('/api/v1/units/CQ-PS-WENCHANG/webhook-deliveries').set(bearer(wenchang))).status).toBe(200);
    expect((await t.http.get('/api/v1/units/CQ-PS-WENCHANG/webhook-deliveries').set(bearer(cg))).status).toBe(404);
  });
});

/** Re-reads the log until the newest delivery has the status: the job finishes just after the receiver answers. */
async function waitForStatus(token: string, status: string): Promise<{ status: string }[]> {
  for (;;) {
    const log = await deliveries(token);
    if (log[0]?.status === status) return log;
    await new Promise((r) => setImmediate(r));
  }
}
