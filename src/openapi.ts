import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { loadConfig } from './config';
import { Database } from './db/database';
import { InProcessQueue } from './jobs/in-process-queue';
import type { DataSource } from 'typeorm';
import pino from 'pino';

/** The application with every route, built without storage: enough to describe and compile it. */
async function offlineApp(options: Parameters<typeof buildApp>[2] = {}): Promise<FastifyInstance> {
  const config = { ...loadConfig({}), workerInProcess: false };
  const log = pino({ level: 'silent' });
  const offline = new Database({ isInitialized: false } as DataSource, false);
  const app = await buildApp(config, { db: offline, jobs: new InProcessQueue(log) }, { logger: false, ...options });
  await app.ready();
  return app;
}

/** The OpenAPI document as the code declares it. */
export async function generateOpenApi(): Promise<string> {
  const app = await offlineApp();
  const doc = app.swagger();
  await app.close();
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes every route's validators and serializers into `dir` as code (plugins/compiled-schemas). */
export async function writeCompiledSchemas(dir: string): Promise<void> {
  const app = await offlineApp({ compiledSchemas: { dir, mode: 'write' } });
  await app.close();
}
