import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workspace } from '../../src/plugins/workspace';
import { bearer, useTestApp } from '../support/app';
import Fastify from 'fastify';
import supertest from 'supertest';

/** How the API process serves the built workspace beside its own routes. */
const { t, tokens } = useTestApp({ roles: ['operator'] });

describe('the workspace is served by the API process', () => {
  test('/ leads to the workspace; the API, /docs, /login, /health and the report pages keep their own answers', async () => {
    expect((await t.http.get('/')).headers.location).toBe('/app/');
    expect((await t.http.get('/docs/')).status).toBe(200);
    expect((await t.http.get('/login')).text).toContain('<title>登录');
    expect((await t.http.get('/health')).status).toBe(200);
    const missing = await t.http.get('/api/v1/no-such-route').set(bearer(tokens.operator));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('route_not_found');
    const report = await t.http.get('/api/v1/reports/bulletin?month=2026-07').set(bearer(tokens.operator));
    expect(report.status).toBe(200);
    expect(report.text).toContain('通报');
  });

  test("every path under /app/ that is not a file is the app's own route: index.html, never cached; hashed assets are cached; a missing asset is a 404", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'workspace-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>工作台</title>');
    writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = Fastify();
    await app.register(workspace, { root });
    await app.ready();
    const http = supertest(app.server);
    for (const route of ['/app/', '/app/triage', '/app/orders/3f1b0c9e-0000-4000-8000-000000000000']) {
      const page = await http.get(route);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>工作台</title>');
      expect(page.headers['cache-control']).toBe('no-store');
    }
    const asset = await http.get('/app/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await http.get('/app/assets/gone-000.js')).status).toBe(404);
    expect((await http.get('/app/..%2f..%2fpackage.json')).text).not.toContain('"name"');
    await app.close();
  });

  test('without a build, /app/ says how to build it instead of failing', async () => {
    const app = Fastify();
    await app.register(workspace, { root: mkdtempSync(path.join(tmpdir(), 'workspace-empty-')) });
    await app.ready();
    const page = await supertest(app.server).get('/app/triage');
    expect(page.status).toBe(503);
    expect(page.text).toContain('npm run build:web');
    await app.close();
  });
});
