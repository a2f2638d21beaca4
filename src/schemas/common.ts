import { Type, type SchemaOptions, type TSchema } from '@sinclair/typebox';

/** A string enum as TypeBox literals (an OpenAPI enum per value). */
export const literals = <T extends string>(values: readonly T[], description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

export const Nullable = <T extends TSchema>(schema: T, options?: SchemaOptions) => Type.Union([schema, Type.Null()], options);
