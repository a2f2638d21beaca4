import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { loadConfig } from './config';
import { Database } from './db/database';
import { InProcessQueue } from './jobs/in-process-queue';
import type { DataSource } from 'typeorm';
import pino from 'pino';

/** The OpenAPI document as the code declares it, built without storage. */
export async function generateOpenApi(): Promise<string> {
  const config = { ...loadConfig({}), workerInProcess: false };
  const log = pino({ level: 'silent' });
  const offline = new Database({ isInitialized: false } as DataSource, false);
  const app: FastifyInstance = await buildApp(config, { db: offline, jobs: new InProcessQueue(log) }, { logger: false });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return `${JSON.stringify(doc, null, 2)}\n`;
}
