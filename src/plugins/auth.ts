import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, type Actor } from '../modules/auth/actor';
import type { Role } from '../modules/auth/principal.entity';
import type { PrincipalService } from '../modules/auth/principal.service';
import type { SessionView } from '../modules/auth/account.schemas';
import { sendProblem } from './problem';

/** Who may call a route: a list of roles, or 'public'. Every route must say. */
export type Access = readonly Role[] | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: Actor;
  }
}

/** Routes the documentation plugin registers; public. */
const PLUGIN_ROUTES = [/^\/docs(\/|$)/];

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The cookie of a signed-in browser: an opaque random session id (HttpOnly); the sessions table holds its hash. */
export const SESSION_COOKIE = 'hotline_session';
/** The cookie the page's script reads to send the session's CSRF token back as `x-csrf-token`. */
export const CSRF_COOKIE = 'hotline_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** What identifies the caller for rate limiting: the bearer token, else the session cookie. */
export function requestToken(request: FastifyRequest): string | undefined {
  return bearerToken(request) ?? (request.cookies?.[SESSION_COOKIE] || undefined);
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether the request comes from a page of this site: its Origin (or, lacking one, its Referer) names this host. */
export function sameOrigin(request: FastifyRequest): boolean {
  const source = request.headers.origin ?? request.headers.referer;
  if (!source || source === 'null') return false;
  try {
    return new URL(source).host === request.headers.host;
  } catch {
    return false;
  }
}

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A browser session the cookie names, as the account service resolves it. */
export interface BrowserSession {
  sessionId: string;
  actor: Actor;
  view: SessionView;
}
export type SessionResolver = (cookie: string) => Promise<BrowserSession | null>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The live session of a browser that sent the session cookie (and no bearer token). */
    browserSession: BrowserSession | null;
  }
}

/** Checks a token: the bootstrap ADMIN_TOKEN, else a principal's unrevoked token. */
export type Authenticator = (token: string) => Promise<Actor | null>;

export function createAuthenticator(principals: PrincipalService, adminToken: string | undefined): Authenticator {
  const adminHash = adminToken ? Buffer.from(hashToken(adminToken), 'hex') : undefined;
  return async (token) => {
    const hash = hashToken(token);
    if (adminHash && timingSafeEqual(adminHash, Buffer.from(hash, 'hex'))) return { id: null, name: 'bootstrap-admin', role: 'admin', unitId: null };
    return principals.authenticate(hash);
  };
}

/** A person in a browser asks for a page: send them to sign in rather than show a bare 401. */
const wantsPage = (request: FastifyRequest) => request.method === 'GET' && /\btext\/html\b/.test(request.headers.accept ?? '');
const toLogin = (request: FastifyRequest, reply: FastifyReply) => reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);

/** Signing in opens a new session: the old cookie, if any, is not asked for its CSRF token. */
const isSignIn = (request: FastifyRequest) => request.method === 'POST' && request.routeOptions.url === '/api/v1/session';

/**
 * Who calls: a bearer token (machines; no CSRF, a browser cannot send it cross-site), else
 * the session cookie (people in a browser). A change through a session (POST, PUT, PATCH,
 * DELETE) must carry the session's CSRF token in `x-csrf-token` (synchronizer token) and
 * come from a page of this host (Origin, else Referer), or it is a 403 `csrf` and nothing
 * runs.
 */
export function registerAuth(app: FastifyInstance, authenticate: Authenticator, resolveSession: SessionResolver): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('browserSession', null);

  app.addHook('onRoute', (route) => {
    if (route.config?.access) return;
    if (PLUGIN_ROUTES.some((p) => p.test(route.url))) {
      route.config = { ...route.config, access: 'public' };
      return;
    }
    throw new Error(`route ${route.method} ${route.url} does not declare who may call it (config.access)`);
  });

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) return;
    const bearer = bearerToken(request);
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (isSignIn(request)) {
      // Login CSRF: a foreign page may not sign a browser into someone else's account.
      if (request.headers.origin && !sameOrigin(request)) return sendProblem(reply, 403, 'csrf', 'a sign-in must come from a page of this site');
    } else if (!bearer && cookie) {
      const session = await resolveSession(cookie);
      if (session && CHANGES.has(request.method)) {
        if (!sameToken(request.headers[CSRF_HEADER] as string | undefined, session.view.csrfToken)) {
          return sendProblem(reply, 403, 'csrf', `a change made through a browser session must carry the session's CSRF token in the ${CSRF_HEADER} header`);
        }
        if (!sameOrigin(request)) return sendProblem(reply, 403, 'csrf', 'a change made through a browser session must come from a page of this site (Origin or Referer)');
      }
      request.browserSession = session;
    }
    if (access === 'public') return;
    let actor: Actor | null;
    if (bearer) {
      actor = await authenticate(bearer);
      if (!actor) return sendProblem(reply, 401, 'unauthenticated', 'the API token is unknown or revoked');
    } else if (request.browserSession) {
      actor = request.browserSession.actor;
    } else {
      if (wantsPage(request)) return toLogin(request, reply);
      return sendProblem(reply, 401, 'unauthenticated', cookie ? 'the session has ended; sign in again' : 'sign in, or send an API token as "Authorization: Bearer <token>"');
    }
    if (actor.role === 'system' || !access.includes(actor.role)) {
      return sendProblem(reply, 403, 'forbidden', `role ${actor.role} may not call ${request.method} ${request.routeOptions.url}`);
    }
    request.actor = actor;
  });
}
