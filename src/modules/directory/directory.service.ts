import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { readRows, type Database } from '../../db/database';
import { conflict, notFound, unprocessable } from '../../errors';
import { POLICE_UNIT_KINDS, Unit, type UnitKind } from './unit.entity';
import type { UnitCreateBody, UnitView } from './directory.schemas';

/** A unit as created or loaded from a directory file. */
export type UnitInput = UnitCreateBody;

export type UnitPatch = Partial<Omit<UnitInput, 'code'>>;

export interface UnitRef {
  code: string;
  name: string;
}

/** The unit directory: internal police units and partner agencies. */
export class DirectoryService {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(filter: { kind?: UnitKind; active?: boolean }): Promise<UnitView[]> {
    return this.db.read(async (m) => {
      const where = { ...(filter.kind && { kind: filter.kind }), ...(filter.active !== undefined && { active: filter.active }) };
      const units = await m.find(Unit, { where, order: { code: 'ASC' } });
      const codes = await unitRefs(m, units.map((u) => u.parentId));
      return units.map((u) => toView(u, codes));
    });
  }

  get(code: string): Promise<UnitView> {
    return this.db.read(async (m) => {
      const unit = await m.findOneBy(Unit, { code });
      if (!unit) throw notFound('unit', code);
      return toView(unit, await unitRefs(m, [unit.parentId]));
    });
  }

  create(input: UnitInput): Promise<UnitView> {
    return this.db.write(async (m) => {
      if (await m.existsBy(Unit, { code: input.code })) throw conflict('unit_exists', `a unit with code ${input.code} already exists`);
      const unit = m.create(Unit, { code: input.code, active: true, contact: {}, jurisdiction: [], webhookUrl: null, webhookSecret: null, createdAt: this.now(), updatedAt: this.now() });
      await applyPatch(m, unit, input);
      const saved = await m.save(unit);
      return toView(saved, await unitRefs(m, [saved.parentId]));
    });
  }

  update(code: string, patch: UnitPatch): Promise<UnitView> {
    return this.db.write(async (m) => {
      const unit = await m.findOneBy(Unit, { code });
      if (!unit) throw notFound('unit', code);
      await applyPatch(m, unit, patch);
      unit.updatedAt = this.now();
      const saved = await m.save(unit);
      return toView(saved, await unitRefs(m, [saved.parentId]));
    });
  }

  /** Creates or updates every unit of a directory file by code, parents first; all or nothing. */
  load(units: UnitInput[]): Promise<{ created: number; updated: number }> {
    return this.db.write(async (m) => {
      let created = 0;
      let updated = 0;
      for (const input of orderParentsFirst(units)) {
        let unit = await m.findOneBy(Unit, { code: input.code });
        if (unit) updated++;
        else {
          created++;
          unit = m.create(Unit, { code: input.code, active: true, contact: {}, jurisdiction: [], webhookUrl: null, webhookSecret: null, createdAt: this.now() });
        }
        await applyPatch(m, unit, input);
        unit.updatedAt = this.now();
        await m.save(unit);
      }
      return { created, updated };
    });
  }
}

/** Units by code, for a command: every code must name an active unit, else 422. */
export async function resolveActiveUnits(m: EntityManager, codes: string[]): Promise<Unit[]> {
  const units = codes.length ? await m.findBy(Unit, { code: In(codes) }) : [];
  const byCode = new Map(units.map((u) => [u.code, u]));
  const unknown = codes.filter((c) => !byCode.has(c));
  if (unknown.length) throw unprocessable('unknown_unit', `no unit with code ${unknown.join(', ')}`, { unknownCodes: unknown });
  const inactive = units.filter((u) => !u.active).map((u) => u.code);
  if (inactive.length) throw unprocessable('inactive_unit', `unit ${inactive.join(', ')} is inactive`);
  return codes.map((c) => byCode.get(c)!);
}

/** Code and name of each unit id, for views (every order's view asks: plain SQL, prepared). */
export async function unitRefs(m: EntityManager, ids: Iterable<string | null>): Promise<Map<string, UnitRef>> {
  const wanted = [...new Set([...ids].filter((id): id is string => !!id))];
  if (!wanted.length) return new Map();
  const units = await readRows<{ id: string; code: string; name: string }>(m, `SELECT id, code, name FROM units WHERE id = ANY($1::uuid[])`, [wanted]);
  return new Map(units.map((u) => [u.id, { code: u.code, name: u.name }]));
}

async function applyPatch(m: EntityManager, unit: Unit, patch: UnitPatch): Promise<void> {
  if (patch.name !== undefined) unit.name = patch.name;
  if (patch.kind !== undefined) unit.kind = patch.kind;
  if (patch.active !== undefined) unit.active = patch.active;
  if (patch.contact !== undefined) unit.contact = patch.contact;
  if (patch.jurisdiction !== undefined) unit.jurisdiction = patch.jurisdiction;
  if (patch.parentCode !== undefined) {
    if (patch.parentCode === null) unit.parentId = null;
    else {
      if (patch.parentCode === unit.code) throw unprocessable('invalid_parent', 'a unit cannot be its own parent');
      const parent = await m.findOneBy(Unit, { code: patch.parentCode });
      if (!parent) throw unprocessable('unknown_unit', `no parent unit with code ${patch.parentCode}`);
      unit.parentId = parent.id;
    }
  }
  if (patch.webhookUrl !== undefined) unit.webhookUrl = patch.webhookUrl;
  if (patch.webhookSecret !== undefined) unit.webhookSecret = patch.webhookSecret;
  if ((unit.webhookUrl === null) !== (unit.webhookSecret === null)) {
    throw unprocessable('webhook_incomplete', 'a webhook needs both webhookUrl and webhookSecret (or neither)');
  }
}

function orderParentsFirst(units: UnitInput[]): UnitInput[] {
  const byCode = new Map(units.map((u) => [u.code, u]));
  const done = new Set<string>();
  const out: UnitInput[] = [];
  const visit = (u: UnitInput, path: Set<string>) => {
    if (done.has(u.code)) return;
    if (path.has(u.code)) throw unprocessable('invalid_parent', `units ${[...path].join(' → ')} form a cycle`);
    path.add(u.code);
    const parent = u.parentCode ? byCode.get(u.parentCode) : undefined;
    if (parent) visit(parent, path);
    done.add(u.code);
    out.push(u);
  };
  for (const u of units) visit(u, new Set());
  return out;
}

function toView(u: Unit, refs: Map<string, UnitRef>): UnitView {
  return {
    code: u.code,
    name: u.name,
    kind: u.kind,
    police: POLICE_UNIT_KINDS.includes(u.kind),
    parentCode: u.parentId ? (refs.get(u.parentId)?.code ?? null) : null,
    active: u.active,
    contact: u.contact,
    jurisdiction: u.jurisdiction,
    webhookUrl: u.webhookUrl,
    updatedAt: u.updatedAt.toISOString(),
  };
}
