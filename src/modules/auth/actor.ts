import { createHash } from 'node:crypto';
import type { Role } from './principal.entity';

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

/** What the database keeps of a token or session id: its SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
