import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { In, type EntityManager } from 'typeorm';
import type { Database } from '../../db/database';
import { notFound, unprocessable } from '../../errors';
import type { Actor } from '../auth/actor';
import { SETTING_KEYS, SETTINGS, type SettingKey, type SettingValue } from './settings.catalogue';
import { Setting } from './setting.entity';

export interface SettingView {
  key: SettingKey;
  value: unknown;
  default: unknown;
  description: string;
  schema: TSchema;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** Reads and changes settings; every process reads the database, so a change applies everywhere at once. */
export class SettingsService {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A setting's value inside a unit of work. */
  async get<K extends SettingKey>(m: EntityManager, key: K): Promise<SettingValue<K>> {
    const row = await m.findOneBy(Setting, { key });
    return (row ? row.value : SETTINGS[key].default) as SettingValue<K>;
  }

  /** Several settings' values in one query (a routed order reads four). */
  async getMany<K extends SettingKey>(m: EntityManager, keys: readonly K[]): Promise<{ [P in K]: SettingValue<P> }> {
    const rows = new Map((await m.findBy(Setting, { key: In([...keys]) })).map((r) => [r.key, r.value]));
    return Object.fromEntries(keys.map((key) => [key, rows.has(key) ? rows.get(key) : SETTINGS[key].default])) as { [P in K]: SettingValue<P> };
  }

  list(): Promise<SettingView[]> {
    return this.db.read(async (m) => {
      const rows = new Map((await m.find(Setting)).map((r) => [r.key, r]));
      return SETTING_KEYS.map((key) => toView(key, rows.get(key)));
    });
  }

  set(actor: Actor, key: string, value: unknown): Promise<SettingView> {
    if (!isKey(key)) throw notFound('setting', key);
    const errors = [...Value.Errors(SETTINGS[key].schema, value)];
    if (errors.length) throw unprocessable('invalid_setting', `${key}: ${errors[0].message}`);
    return this.db.write(async (m) => {
      await m.upsert(Setting, { key, value: value as never, updatedBy: actor.name, updatedAt: this.now() }, ['key']);
      return toView(key, await m.findOneBy(Setting, { key }));
    });
  }
}

function isKey(key: string): key is SettingKey {
  return (SETTING_KEYS as string[]).includes(key);
}

function toView(key: SettingKey, row: Setting | null | undefined): SettingView {
  const spec = SETTINGS[key];
  return {
    key,
    value: row ? row.value : spec.default,
    default: spec.default,
    description: spec.description,
    schema: spec.schema,
    updatedBy: row?.updatedBy ?? null,
    updatedAt: row ? row.updatedAt.toISOString() : null,
  };
}
