import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_COOKIE, SESSION_COOKIE, type Authenticator } from '../../plugins/auth';
import { problems, sendProblem } from '../../plugins/problem';
import type { AccountService } from './account.service';
import { SessionBody, type SessionView } from './account.schemas';
import { ROLES } from './principal.entity';

/**
 * Signing a browser in, with a user name and password (people) or a pasted API token (a
 * commander's old habit). Either way the browser gets an opaque random session id in an
 * HttpOnly, SameSite=Lax cookie and the session's CSRF token in a readable cookie; the session
 * lives in the database, bound to the role and unit of sign-in, and ends there at once.
 */
const tags = ['access'];
const open = { access: 'public' as const };
const anyone = { access: ROLES };

export const sessionRoutes: FastifyPluginAsyncTypebox<{ authenticate: Authenticator; accounts: AccountService; maxAgeSeconds: number }> = async (
  app,
  { authenticate, accounts, maxAgeSeconds },
) => {
  const setCookies = (request: FastifyRequest, reply: FastifyReply, sessionId: string, view: SessionView) => {
    const common = { sameSite: 'lax' as const, secure: request.protocol === 'https', path: '/', maxAge: maxAgeSeconds };
    reply.setCookie(SESSION_COOKIE, sessionId, { ...common, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, view.csrfToken, { ...common, httpOnly: false });
  };
  const clearCookies = (reply: FastifyReply) => reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });

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
    // Passwords are slow to check and accounts lock after repeated failures; the limit per address keeps guessing slow across accounts.
    config: { ...open, rateLimit: { max: 20, timeWindow: 60_000, keyGenerator: (request) => `login:${request.ip}` } },
    schema: {
      tags,
      summary: 'Sign a browser in with a user name and password (or an API token): sets the session cookies',
      description:
        'Sets `hotline_session` (HttpOnly, SameSite=Lax, Secure over HTTPS; an opaque id of a server-side session lasting SESSION_HOURS) and `hotline_csrf` (readable; the CSRF token). ' +
        'Every sign-in, failed or not, is recorded. A wrong name or password is a 401 `invalid-credentials`; after `accounts.maxFailedAttempts` failures in a row the account is locked for `accounts.lockMinutes` (423 `account-locked`). ' +
        'A sign-in from a page of another site (Origin) is a 403 `csrf`.',
      body: Type.Union([
        Type.Object({ username: Type.String({ minLength: 1, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      ]),
      response: { 200: SessionBody, ...problems(400, 401, 403, 423, 429) },
    },
    handler: async (request, reply) => {
      const body = request.body;
      let opened: { sessionId: string; view: SessionView };
      if ('token' in body) {
        const actor = await authenticate(body.token);
        if (!actor || actor.role === 'system') {
          await accounts.recordFailedToken(request.ip);
          return sendProblem(reply, 401, 'unauthenticated', 'the API token is unknown or revoked');
        }
        // The bootstrap ADMIN_TOKEN names no principal whose revocation could end the session.
        if (actor.id === null) return sendProblem(reply, 403, 'forbidden', 'the bootstrap ADMIN_TOKEN opens no browser session; sign in with an account');
        opened = await accounts.signInWithToken(actor, request.ip);
      } else {
        opened = await accounts.signIn({ username: body.username, password: body.password, ip: request.ip });
      }
      setCookies(request, reply, opened.sessionId, opened.view);
      return opened.view;
    },
  });

  app.get('/api/v1/session', {
    config: anyone,
    schema: { tags, summary: 'The current browser session: who is signed in, and its CSRF token', response: { 200: SessionBody, ...problems(401) } },
    handler: async (request, reply) => {
      if (!request.browserSession) return sendProblem(reply, 401, 'unauthenticated', 'no browser session: sign in with POST /api/v1/session');
      return request.browserSession.view;
    },
  });

  app.delete('/api/v1/session', {
    config: open,
    schema: {
      tags,
      summary: 'Sign the browser out: the session ends on the server at once and the cookies are cleared',
      description: 'With a live session cookie this is a change like any other: it needs x-csrf-token and a same-site Origin.',
      response: { 204: Type.Null(), ...problems(403) },
    },
    handler: async (request, reply) => {
      const cookie = request.cookies?.[SESSION_COOKIE];
      if (cookie) await accounts.endSession(cookie);
      return clearCookies(reply).code(204).send(null);
    },
  });

  app.put('/api/v1/session/password', {
    config: anyone,
    schema: {
      tags,
      summary: 'Change your own password',
      description: 'The current password must be given; the new one has at least `accounts.minPasswordLength` characters. Your other sessions end.',
      body: Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problems(400, 401, 403, 422) },
    },
    handler: async (request, reply) => {
      await accounts.changePassword(request.actor, request.browserSession?.sessionId ?? null, request.body.currentPassword, request.body.newPassword);
      return reply.code(204).send(null);
    },
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
