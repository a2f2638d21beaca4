import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp, loggerOptions } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { entities } from '../src/entities';
import { InProcessQueue } from '../src/jobs/in-process-queue';
import supertest from 'supertest';
import { ADMIN_TOKEN, bearer, intakeBody } from './support/app';

describe('operations', () => {
  test('logs carry request ids but never a citizen\'s name or phone, nor a query string', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({ ADMIN_TOKEN, LOG_LEVEL: 'debug', DATABASE_URL: process.env.DATABASE_URL });
    const db = await openDatabase(config, entities, { inMemory: true });
    await db.migrate();
    const app = await buildApp(config, { db, jobs: new InProcessQueue(pino({ level: 'silent' })) }, { logger: { ...(loggerOptions('debug') as object), stream: sink } as never });
    await app.ready();
    try {
      const http = supertest(app.server);
      const body = intakeBody({ citizen: { name: '欧阳秘密', phone: '13998765432' } });
      await http.post('/api/v1/work-orders').set(bearer(ADMIN_TOKEN)).send(body).expect(201);
      await http.post('/api/v1/work-orders').set(bearer(ADMIN_TOKEN)).send({ ...body, content: 'changed' }).expect(409);
      await http.post('/api/v1/work-orders').set(bearer(ADMIN_TOKEN)).send({ ...body, unknown: 1 }).expect(400);
      await http.get('/api/v1/work-orders?q=13998765432').set(bearer(ADMIN_TOKEN)).expect(200);
      const log = lines.join('');
      expect(log).toContain('"reqId"');
      expect(log).not.toContain('13998765432');
      expect(log).not.toContain('欧阳秘密');
      expect(log).not.toContain(ADMIN_TOKEN);
    } finally {
      await app.close();
    }
  });

  test('Prometheus metrics count requests by route and status', async () => {
    const config = loadConfig({ ADMIN_TOKEN, LOG_LEVEL: 'silent', DATABASE_URL: process.env.DATABASE_URL });
    const db = await openDatabase(config, entities, { inMemory: true });
    await db.migrate();
    const app = await buildApp(config, { db, jobs: new InProcessQueue(pino({ level: 'silent' })) }, { logger: false });
    await app.ready();
    try {
      const http = supertest(app.server);
      await http.get('/api/v1/units').set(bearer(ADMIN_TOKEN)).expect(200);
      const metrics = await http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/units"[^}]*\} 1/);
      expect((await http.get('/ready')).body).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    } finally {
      await app.close();
    }
  });
});
