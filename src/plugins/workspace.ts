import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The staff workspace (工作台): the Vue app in web/, built by `npm run build:web` into dist/web
 * and served here under /app/. Any path under /app/ that is not a built file is one of the app's
 * own routes (/app/triage, /app/orders/…), so it gets index.html and the app's router takes over.
 * The API, /docs, /login, /metrics and the report pages keep their own routes.
 */
export const WORKSPACE_PREFIX = '/app/';

/** dist/web beside the compiled code (dist/src/plugins) or, from the sources, under the project root. */
export function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'web');
}

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>工作台未构建</title>
<p>工作台尚未构建：请运行 <code>npm run build:web</code>（<code>npm ci</code> 会自动构建）。</p></html>`;

export const workspace: FastifyPluginAsync<{ root?: string }> = async (app, options) => {
  const root = options.root ?? workspaceRoot();
  const built = existsSync(path.join(root, 'index.html'));
  const open = { access: 'public' as const };
  const hide = { hide: true };

  app.get('/', { config: open, schema: hide }, (_request, reply) => reply.redirect(WORKSPACE_PREFIX, 302));
  app.get('/app', { config: open, schema: hide }, (_request, reply) => reply.redirect(WORKSPACE_PREFIX, 301));
  if (!built) {
    app.get('/app/*', { config: open, schema: hide }, (_request, reply) => reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }

  // Only reply.sendFile: the route is ours, so that it declares who may call it like every other.
  await app.register(fastifyStatic, { root, serve: false, cacheControl: false });
  app.get('/app/*', { config: open, schema: hide }, (request, reply) => {
    const file = (request.params as { '*': string })['*'];
    // Vite names its assets by content hash: cache them for a year; index.html never.
    if (file.startsWith('assets/')) {
      if (!existsSync(path.join(root, file))) return reply.callNotFound();
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(file);
    }
    if (file && !file.includes('..') && /\.[a-z0-9]+$/i.test(file) && existsSync(path.join(root, file))) return reply.sendFile(file);
    return reply.header('cache-control', 'no-store').sendFile('index.html');
  });
};
