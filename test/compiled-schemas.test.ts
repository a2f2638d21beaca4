import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { writeCompiledSchemas } from '../src/openapi';
import { compiledSchemas, type SchemaCacheStats } from '../src/plugins/compiled-schemas';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { Database } from '../src/db/database';
import { InProcessQueue } from '../src/jobs/in-process-queue';
import type { DataSource } from 'typeorm';
import pino from 'pino';

// Route schemas are compiled by `npm ci` and loaded at start (plugins/compiled-schemas); the whole
// suite runs on what the build compiled. These tests hold the two promises that make that safe.
describe('route schemas compiled ahead of time', () => {
  let dir: string;
  beforeAll(() => {
    // Beside the build, so the generated code finds the libraries it requires, as dist/compiled-schemas does.
    mkdirSync(path.resolve(__dirname, '../dist'), { recursive: true });
    dir = mkdtempSync(path.resolve(__dirname, '../dist/compiled-schemas-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a start after the build compiles no route schema: every one is loaded from what the build wrote', async () => {
    await writeCompiledSchemas(dir);
    expect(readdirSync(dir).length).toBeGreaterThan(50);
    const stats: SchemaCacheStats = { loaded: 0, compiled: 0 };
    const log = pino({ level: 'silent' });
    const offline = new Database({ isInitialized: false } as DataSource, false);
    const app = await buildApp({ ...loadConfig({}), workerInProcess: false }, { db: offline, jobs: new InProcessQueue(log) }, {
      logger: false,
      compiledSchemas: { dir, mode: 'read', stats },
    });
    await app.ready();
    await app.close();
    expect(stats.compiled).toBe(0);
    expect(stats.loaded).toBeGreaterThan(50);
  });

  test('a schema changed since the build is compiled afresh, never served by the old code', () => {
    const route = (maximum: number) => ({ schema: Type.Object({ limit: Type.Integer({ maximum }) }), method: 'GET', url: '/x', httpPart: 'querystring' });
    const ajv = { customOptions: { coerceTypes: 'array' } };
    const built = compiledSchemas(dir, 'write').buildValidator!({}, ajv as never) as (r: unknown) => (v: unknown) => boolean;
    expect(built(route(10))({ limit: 50 })).toBe(false);

    const stats: SchemaCacheStats = { loaded: 0, compiled: 0 };
    const started = compiledSchemas(dir, 'read', stats).buildValidator!({}, ajv as never) as (r: unknown) => (v: unknown) => boolean;
    expect(started(route(100))({ limit: 50 })).toBe(true);
    expect(started(route(10))({ limit: 50 })).toBe(false);
    expect(stats).toEqual({ loaded: 1, compiled: 1 });
  });
});
