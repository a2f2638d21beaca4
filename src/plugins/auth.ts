import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

export function registerAuth(app: FastifyInstance, principals: PrincipalService, adminToken: string | undefined): void {
  const adminHash = adminToken ? Buffer.from(hashToken(adminToken), 'hex') : undefined;
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
    const token = bearerToken(request);
    if (!token) return sendProblem(reply, 401, 'unauthenticated', 'send an API token as "Authorization: Bearer <token>"');
    const hash = hashToken(token);
    let actor: Actor | null;
    if (adminHash && timingSafeEqual(adminHash, Buffer.from(hash, 'hex'))) {
      actor = { id: null, name: 'bootstrap-admin', role: 'admin', unitId: null };
    } else {
      actor = await principals.authenticate(hash);
    }
    if (!actor) return sendProblem(reply, 401, 'unauthenticated', 'the API token is unknown or revoked');
    if (actor.role === 'system' || !access.includes(actor.role)) {
      return sendProblem(reply, 403, 'forbidden', `role ${actor.role} may not call ${request.method} ${request.routeOptions.url}`);
    }
    request.actor = actor;
  });
}
