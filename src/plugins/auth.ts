import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../modules/auth/principal.entity';
import type { PrincipalService } from '../modules/auth/principal.service';
import { sendProblem } from './problem';

/** The caller of a request, as recorded on every event it causes. */
export interface Actor {
  /** The principal's id; null for the bootstrap ADMIN_TOKEN. */
  id: string | null;
  name: string;
  /** 'system' for what the service does by itself (warnings, urges, escalations). */
  role: Role | 'system';
  /** The unit a unit-staff token is bound to. */
  unitId: string | null;
}

/** The actor of what the service does by itself. */
export const SYSTEM_ACTOR: Actor = { id: null, name: 'system', role: 'system', unitId: null };

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

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The cookie a browser signed in through /login carries: the caller's own API token, HttpOnly. */
export const SESSION_COOKIE = 'hotline_session';

/**
 * The token of a request: the bearer header, or, for reading only (GET and HEAD), the session
 * cookie, so that a commander's browser opens the pages. A cookie never authorises a change,
 * so a forged cross-site request has nothing to gain.
 */
export function requestToken(request: FastifyRequest): string | undefined {
  const bearer = bearerToken(request);
  if (bearer) return bearer;
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  return request.cookies?.[SESSION_COOKIE] || undefined;
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

export function registerAuth(app: FastifyInstance, authenticate: Authenticator): void {
  app.decorateRequest('actor', null as unknown as Actor);

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
    if (access === 'public' || access === undefined) return;
    const token = requestToken(request);
    if (!token) {
      if (wantsPage(request)) return toLogin(request, reply);
      return sendProblem(reply, 401, 'unauthenticated', 'send an API token as "Authorization: Bearer <token>"');
    }
    const actor = await authenticate(token);
    if (!actor) {
      if (wantsPage(request) && !bearerToken(request)) return toLogin(request, reply);
      return sendProblem(reply, 401, 'unauthenticated', 'the API token is unknown or revoked');
    }
    if (actor.role === 'system' || !access.includes(actor.role)) {
      return sendProblem(reply, 403, 'forbidden', `role ${actor.role} may not call ${request.method} ${request.routeOptions.url}`);
    }
    request.actor = actor;
  });
}
