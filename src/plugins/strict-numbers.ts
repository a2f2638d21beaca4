import type { FastifyInstance, FastifySchema } from 'fastify';

/**
 * ajv coerces any string that `+s` turns into a number: "1e999" and "Infinity" become
 * Infinity (which then passes `maximum`), "0x10" becomes 16, " 5" becomes 5. Query strings
 * and path parameters need coercion, so it stays on; this guard runs before validation on
 * every route and lets only plain decimal strings reach it where the schema wants a number.
 * (ajv's `strictNumbers` refuses the Infinity a JSON body's `1e999` parses to.)
 */
const PLAIN_INTEGER = /^-?\d{1,16}$/;
const PLAIN_NUMBER = /^-?\d{1,16}(\.\d{1,16})?$/;

type Schema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema | Schema[];
};

export interface NumericStringError {
  instancePath: string;
  message: string;
}

/** The schema and the branches of its unions (Nullable, Optional literals...), flattened. */
function alternatives(schema: Schema, into: Schema[] = []): Schema[] {
  into.push(schema);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) alternatives(branch, into);
  return into;
}

function typesOf(schemas: Schema[]): Set<string> {
  const types = new Set<string>();
  for (const s of schemas) {
    for (const t of Array.isArray(s.type) ? s.type : s.type ? [s.type] : []) types.add(t);
    for (const v of s.const !== undefined ? [s.const] : (s.enum ?? [])) types.add(typeof v);
  }
  return types;
}

const pointer = (key: string) => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** Strings in `value` where `schema` wants a number and would coerce anything but a plain decimal. */
export function numericStringErrors(schema: Schema, value: unknown, path = '', errors: NumericStringError[] = []): NumericStringError[] {
  if (errors.length >= 20) return errors;
  const options = alternatives(schema);
  if (typeof value === 'string') {
    const types = typesOf(options);
    if (types.has('string')) return errors;
    if (types.has('number') && !PLAIN_NUMBER.test(value)) errors.push({ instancePath: path, message: 'must be a plain decimal number' });
    else if (types.has('integer') && !types.has('number') && !PLAIN_INTEGER.test(value)) errors.push({ instancePath: path, message: 'must be a plain decimal integer' });
    return errors;
  }
  if (Array.isArray(value)) {
    const itemSchemas = options.flatMap((s) => (s.items === undefined ? [] : Array.isArray(s.items) ? s.items : [s.items]));
    // With coerceTypes 'array' a one-element array stands for its element: check it as one.
    const each = itemSchemas.length ? itemSchemas : [schema];
    value.forEach((item, i) => each.forEach((s) => numericStringErrors(s, item, `${path}/${i}`, errors)));
    return errors;
  }
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      for (const s of options) {
        const property = s.properties?.[key];
        if (property) numericStringErrors(property, child, path + pointer(key), errors);
        for (const [pattern, p] of Object.entries(s.patternProperties ?? {})) if (new RegExp(pattern, 'u').test(key)) numericStringErrors(p, child, path + pointer(key), errors);
        if (!property && typeof s.additionalProperties === 'object') numericStringErrors(s.additionalProperties, child, path + pointer(key), errors);
      }
    }
  }
  return errors;
}

const PARTS = [
  ['params', 'params'],
  ['querystring', 'query'],
  ['body', 'body'],
  ['headers', 'headers'],
] as const;

/** Registers the guard for every route of the app. */
export function registerStrictNumbers(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema as FastifySchema | undefined;
    if (!schema) return;
    for (const [part, field] of PARTS) {
      const partSchema = schema[part] as Schema | undefined;
      const value = request[field];
      if (!partSchema || value === undefined || value === null) continue;
      const errors = numericStringErrors(partSchema, value);
      if (errors.length) {
        throw Object.assign(new Error(errors.map((e) => `${part}${e.instancePath} ${e.message}`).join('; ')), {
          statusCode: 400,
          validation: errors.map((e) => ({ ...e, keyword: 'type', schemaPath: '', params: {} })),
          validationContext: part,
        });
      }
    }
  });
}
