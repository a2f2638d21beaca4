import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/database';
import { notFound, unprocessable } from '../../errors';
import { hashToken, type Actor } from './actor';
import { Unit } from '../directory/unit.entity';
import { Principal, type Role } from './principal.entity';
import type { PrincipalView } from './principal.schemas';

const MAX_CACHED_TOKENS = 10_000;

/** API tokens: stored as SHA-256 hashes; the token itself is returned once, at creation. */
export class PrincipalService {
  /** Recently checked tokens: a revocation reaches other processes within `cacheMs`. */
  private readonly cache = new Map<string, { actor: Actor | null; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly cacheMs = 0,
  ) {}

  async authenticate(tokenHash: string): Promise<Actor | null> {
    const now = Date.now();
    const hit = this.cache.get(tokenHash);
    if (hit && hit.until > now) return hit.actor;
    const p = await this.db.read((m) => m.findOneBy(Principal, { tokenHash }));
    const actor = p && !p.revokedAt ? { id: p.id, name: p.name, role: p.role, unitId: p.unitId } : null;
    if (this.cacheMs > 0) {
      if (this.cache.size >= MAX_CACHED_TOKENS) this.cache.clear();
      this.cache.set(tokenHash, { actor, until: now + this.cacheMs });
    }
    return actor;
  }

  async create(input: { name: string; role: Role; unitCode?: string; token?: string }): Promise<{ principal: PrincipalView; token: string }> {
    const token = input.token ?? `hot_${randomBytes(24).toString('base64url')}`;
    const principal = await this.db.write(async (m) => {
      let unit: Unit | null = null;
      if (input.role === 'unit') {
        if (!input.unitCode) throw unprocessable('unit_required', 'a unit-staff token must name its unitCode');
        unit = await m.findOneBy(Unit, { code: input.unitCode });
        if (!unit) throw unprocessable('unknown_unit', `no unit with code ${input.unitCode}`);
      } else if (input.unitCode) {
        throw unprocessable('unit_not_allowed', `only unit-staff tokens are bound to a unit, not ${input.role}`);
      }
      const saved = await m.save(m.create(Principal, { name: input.name, role: input.role, unitId: unit?.id ?? null, tokenHash: hashToken(token) }));
      return toView(saved, unit?.code ?? null);
    });
    return { principal, token };
  }

  async list(): Promise<PrincipalView[]> {
    return this.db.read(async (m) => {
      const rows = await m
        .createQueryBuilder(Principal, 'p')
        .leftJoin(Unit, 'u', 'u.id = p.unit_id')
        .addSelect('u.code', 'unit_code')
        .orderBy('p.created_at', 'ASC')
        .getRawAndEntities();
      return rows.entities.map((p, i) => toView(p, (rows.raw[i] as { unit_code: string | null }).unit_code));
    });
  }

  async revoke(id: string): Promise<void> {
    await this.db.write(async (m) => {
      const p = await m.findOneBy(Principal, { id });
      if (!p) throw notFound('principal', id);
      if (!p.revokedAt) await m.update(Principal, { id }, { revokedAt: new Date() });
    });
    this.cache.clear();
  }
}

function toView(p: Principal, unitCode: string | null): PrincipalView {
  return {
    id: p.id,
    name: p.name,
    role: p.role,
    unitCode,
    createdAt: p.createdAt.toISOString(),
    revokedAt: p.revokedAt ? p.revokedAt.toISOString() : null,
  };
}
