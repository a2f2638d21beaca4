import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SESSION_COOKIE, type Authenticator } from '../../plugins/auth';
import { problems, sendProblem } from '../../plugins/problem';
import { ROLES } from './principal.entity';

/**
 * Signing a browser in: a commander pastes the API token once on /login and then opens the
 * bulletin, the trends page and the spreadsheet like any web page. The token goes into an
 * HttpOnly, SameSite=Strict cookie that only reading requests honour (see requestToken).
 */
const tags = ['access'];
const open = { access: 'public' as const };

export const sessionRoutes: FastifyPluginAsyncTypebox<{ authenticate: Authenticator; maxAgeSeconds: number }> = async (
  app,
  { authenticate, maxAgeSeconds },
) => {
  app.get('/login', {
    config: open,
    schema: {
      tags,
      summary: 'The sign-in page for browsers (Chinese)',
      description: 'Where a browser without a session is sent when it asks for a page; `next` is where it goes once signed in.',
      querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
      produces: ['text/html'],
      response: { 200: Type.String({ description: 'The sign-in page (text/html)' }), ...problems(400) },
    },
    handler: async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(LOGIN_PAGE),
  });

  app.post('/api/v1/session', {
    // Tokens are 192 random bits, so guessing is hopeless; the limit keeps it so for weak ADMIN_TOKENs too.
    config: { ...open, rateLimit: { max: 20, timeWindow: 60_000, keyGenerator: (request) => `login:${request.ip}` } },
    schema: {
      tags,
      summary: 'Sign a browser in with an API token: sets the session cookie',
      description:
        'The cookie is HttpOnly and SameSite=Strict (Secure over HTTPS) and lasts SESSION_HOURS. It stands in for the bearer header on GET requests only: pages, spreadsheets and reads, never a change.',
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({ name: Type.String(), role: Type.Union(ROLES.map((r) => Type.Literal(r))), expiresAt: Type.String({ format: 'date-time' }) }),
        ...problems(400, 401),
      },
    },
    handler: async (request, reply) => {
      const actor = await authenticate(request.body.token);
      if (!actor || actor.role === 'system') return sendProblem(reply, 401, 'unauthenticated', 'the API token is unknown or revoked');
      reply.setCookie(SESSION_COOKIE, request.body.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: '/',
        maxAge: maxAgeSeconds,
      });
      return { name: actor.name, role: actor.role, expiresAt: new Date(Date.now() + maxAgeSeconds * 1000).toISOString() };
    },
  });

  app.delete('/api/v1/session', {
    config: open,
    schema: { tags, summary: 'Sign the browser out: clears the session cookie', response: { 204: Type.Null() } },
    handler: async (_request, reply) => reply.clearCookie(SESSION_COOKIE, { path: '/' }).code(204).send(null),
  });
};

/** Static: `next` is read by the page's script and followed only when it is a path on this site. */
const LOGIN_PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 12345 热线工单</title>
<style>
  body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 420px; margin: 12vh auto; background: #fff; padding: 32px 36px; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  h1 { font-size: 20px; margin: 0 0 6px; }
  p { color: #555; font-size: 14px; margin: 0 0 20px; }
  label { display: block; font-size: 14px; margin-bottom: 6px; }
  input { width: 100%; box-sizing: border-box; padding: 8px 10px; font-size: 15px; border: 1px solid #bbb; border-radius: 4px; }
  button { margin-top: 16px; width: 100%; padding: 9px; font-size: 16px; color: #fff; background: #1f5fbf; border: 0; border-radius: 4px; cursor: pointer; }
  #error { color: #b00020; font-size: 14px; min-height: 20px; margin-top: 12px; }
</style>
</head>
<body>
<main>
  <h1>12345 热线工单</h1>
  <p>请输入您的 API 令牌以查看通报、排名和趋势。令牌只保存在本浏览器的会话中。</p>
  <form id="login">
    <label for="token">API 令牌</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">登录</button>
    <div id="error" role="alert"></div>
  </form>
</main>
<script>
  const lastMonth = () => { const d = new Date(); d.setDate(1); d.setMonth(d.getMonth() - 1); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0'); };
  const next = new URLSearchParams(location.search).get('next');
  const target = next && /^\\/(?![\\/\\\\])/.test(next) ? next : '/api/v1/reports/bulletin?month=' + lastMonth();
  document.getElementById('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = document.getElementById('error');
    error.textContent = '';
    const response = await fetch('/api/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: document.getElementById('token').value.trim() }),
    });
    if (response.ok) location.replace(target);
    else error.textContent = response.status === 429 ? '尝试次数过多，请稍后再试。' : '令牌无效或已被吊销。';
  });
</script>
</body>
</html>
`;
