import { Type, type Static } from '@sinclair/typebox';
import { UNIT_KINDS } from './unit.entity';

export const UnitCode = Type.String({ pattern: '^[A-Z0-9][A-Z0-9_-]{1,39}$', description: 'Unit code, e.g. CQ-PS-WENCHANG' });
export const UnitKindSchema = Type.Union(UNIT_KINDS.map((k) => Type.Literal(k)));

const Contact = Type.Object(
  {
    chief: Type.Optional(Type.String({ maxLength: 100, description: 'The chief (主要负责人): handler of supervision slips' })),
    deputy: Type.Optional(Type.String({ maxLength: 100, description: 'The deputy director (分管负责人): supervisor of supervision slips' })),
    person: Type.Optional(Type.String({ maxLength: 100 })),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
    email: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const WebhookUrl = Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: 500 }), Type.Null()]);
const WebhookSecret = Type.Union([Type.String({ minLength: 16, maxLength: 200 }), Type.Null()]);
const Jurisdiction = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 2000 });

export const UnitView = Type.Object({
  code: Type.String(),
  name: Type.String(),
  kind: UnitKindSchema,
  police: Type.Boolean({ description: 'Part of the police sub-bureau (dispatch) rather than a partner agency (transfer)' }),
  parentCode: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  contact: Contact,
  jurisdiction: Type.Array(Type.String()),
  webhookUrl: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type UnitView = Static<typeof UnitView>;

export const UnitCreateBody = Type.Object(
  {
    code: UnitCode,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    kind: UnitKindSchema,
    parentCode: Type.Optional(Type.Union([UnitCode, Type.Null()])),
    active: Type.Optional(Type.Boolean()),
    contact: Type.Optional(Contact),
    jurisdiction: Type.Optional(Jurisdiction),
    webhookUrl: Type.Optional(WebhookUrl),
    webhookSecret: Type.Optional(WebhookSecret),
  },
  { additionalProperties: false },
);
export type UnitCreateBody = Static<typeof UnitCreateBody>;

export const UnitPatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    kind: Type.Optional(UnitKindSchema),
    parentCode: Type.Optional(Type.Union([UnitCode, Type.Null()])),
    active: Type.Optional(Type.Boolean()),
    contact: Type.Optional(Contact),
    jurisdiction: Type.Optional(Jurisdiction),
    webhookUrl: Type.Optional(WebhookUrl),
    webhookSecret: Type.Optional(WebhookSecret),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** The directory file format (src/modules/directory/data/reference-district.json). */
export const DirectoryFile = Type.Object({
  district: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  units: Type.Array(UnitCreateBody, { minItems: 1 }),
});
