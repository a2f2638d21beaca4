import fc from 'fast-check';
import openapi from '../openapi/openapi.json';
import { bearer, intakeBody, storage, useTestApp } from './support/app';

/**
 * Property-based fuzzing of every route the committed OpenAPI document lists: requests drawn
 * from each route's own schemas (path, query, body, headers), mostly valid, with hostile
 * values mixed in at any leaf. Whatever is sent: no 5xx, every 4xx a problem with a `code`,
 * no request holds the event loop (a /health sent meanwhile answers within a generous bound),
 * and a refused intake writes nothing.
 */

/** Requests per route; FUZZ_RUNS raises it for a longer run by hand. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 3);
/** A /health sent while a request runs must answer within this (ms): the reported defect held it 17 s. Generous for a loaded CI machine. */
const HEALTH_BOUND_MS = 5_000;
/** The longest any fuzzed request may take to answer at all (ms). */
const REQUEST_BOUND_MS = 30_000;

const { t, tokens, units } = useTestApp({ roles: ['admin', 'operator', 'commander'], units: ['CQ-CG'] });

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}
interface Operation {
  description?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses?: Record<string, unknown>;
}

const doc = openapi as unknown as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/** Ids of records that exist, so that some requests get past the 404 into the rules. */
const known = { uuids: [] as string[] };

/** What an attacker or a careless client sends in place of any value. */
const hostile = fc.constantFrom<unknown>(
  '1e999', 'Infinity', '-Infinity', '0x10', 'NaN', '', ' ', '\u0000', 'null', '噪音', '%ZZ', '../../etc/passwd', "'; DROP TABLE work_orders; --",
  'x'.repeat(5_000), '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '275760-09-13T00:00:00Z', -1, 0, 2 ** 31, 2 ** 53, 1e308, -1e308, 0.5, true, null, [], {},
);

const leaf = (arbitrary: fc.Arbitrary<unknown>) => fc.oneof({ weight: 6, arbitrary }, { weight: 1, arbitrary: hostile });

const resolve = (schema: Schema): Schema => (schema.$ref ? resolve(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]) : schema);

const SAMPLES = ['广场舞音响太吵', '长清区文昌街道清河街', '小区门口烧烤摊油烟扰民', 'CQ-CG', 'CQ-PS-WENCHANG'];
/** Text within the bounds; no filter (a filter that rejects every value would spin the generator for ever). */
const text = (min = 0, max = 30) => {
  const plain = fc.string({ minLength: min, maxLength: Math.max(min, max) });
  const fitting = SAMPLES.filter((s) => s.length >= min && s.length <= max);
  return fitting.length ? fc.oneof(plain, fc.constantFrom(...fitting)) : plain;
};

function stringArbitrary(s: Schema): fc.Arbitrary<unknown> {
  const recent = fc.date({ min: new Date('2025-06-01T00:00:00Z'), max: new Date(Date.now() + 60_000), noInvalidDate: true });
  switch (s.format) {
    case 'date-time':
      return recent.map((d) => d.toISOString());
    case 'date':
      return recent.map((d) => d.toISOString().slice(0, 10));
    case 'uuid':
      return fc.oneof(fc.uuid(), fc.constantFrom(...known.uuids));
    case 'uri':
      return fc.webUrl();
  }
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).map((v) => v.slice(0, s.maxLength ?? 200));
    } catch {
      // A pattern fast-check cannot generate from: plain text will do.
    }
  }
  return text(s.minLength ?? 0, Math.min(s.maxLength ?? 40, 40));
}

/** An arbitrary for the values a JSON schema describes, mostly valid, hostile now and then. */
function arbitraryOf(input: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(input);
  if (depth > 6) return fc.constant(null);
  if (s.const !== undefined) return leaf(fc.constant(s.const));
  if (s.enum) return leaf(fc.constantFrom(...s.enum));
  const union = s.anyOf ?? s.oneOf;
  if (union) return fc.oneof(...union.map((b) => arbitraryOf(b, depth + 1)));
  if (s.allOf) return arbitraryOf(Object.assign({}, ...s.allOf.map(resolve)), depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : (s.type ?? (s.properties ? 'object' : undefined));
  switch (type) {
    case 'string':
      return leaf(stringArbitrary(s));
    case 'integer':
      return leaf(fc.integer({ min: s.minimum ?? -1_000, max: s.maximum ?? 1_000 }));
    case 'number':
      return leaf(fc.double({ min: s.minimum ?? -1_000, max: s.maximum ?? 1_000, noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return leaf(fc.boolean());
    case 'null':
      return fc.constant(null);
    case 'array':
      return leaf(fc.array(s.items ? arbitraryOf(s.items, depth + 1) : fc.anything(), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, Math.max(3, s.minItems ?? 0)) }));
    case 'object': {
      if (s.properties) {
        const record = fc.record(Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, arbitraryOf(v, depth + 1)])), { requiredKeys: s.required ?? [] });
        // Now and then a field the schema does not know.
        return fc.oneof({ weight: 8, arbitrary: record }, { weight: 1, arbitrary: record.map((r) => ({ ...(r as object), unexpected: 1 })) });
      }
      const values = typeof s.additionalProperties === 'object' ? arbitraryOf(s.additionalProperties, depth + 1) : fc.string();
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), values, { maxKeys: 3 });
    }
    default:
      return fc.anything({ maxDepth: 2 });
  }
}

interface Drawn {
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body?: unknown;
}

const asParam = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

function requestArbitrary(template: string, op: Operation): fc.Arbitrary<Drawn> {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const valueOf = (p: Parameter) => (p.name === 'code' ? fc.oneof(fc.constantFrom('CQ-CG', 'CQ-PS-WENCHANG'), arbitraryOf(p.schema)) : arbitraryOf(p.schema));
  const path = fc.tuple(...pathParams.map(valueOf)).map((values) =>
    pathParams.reduce((url, p, i) => url.replace(`{${p.name}}`, encodeURIComponent(asParam(values[i])) || 'x'), template),
  );
  const query = fc.tuple(...params.filter((p) => p.in === 'query').map((p) => fc.option(valueOf(p), { nil: undefined, freq: 2 }).map((v) => [p.name, v] as const))).map(
    (pairs) => pairs.filter(([, v]) => v !== undefined).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, asParam(x)] as [string, string]) : [[k, asParam(v)] as [string, string]])),
  );
  const headers = fc.tuple(...params.filter((p) => p.in === 'header').map((p) => fc.option(valueOf(p), { nil: undefined }).map((v) => [p.name, v] as const))).map((pairs) =>
    Object.fromEntries(pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [k, asParam(v).replace(/[^\x20-\x7e]/g, '')])),
  );
  const content = op.requestBody?.content ?? {};
  const body = content['application/json'] ? arbitraryOf(content['application/json'].schema) : content['text/csv'] ? fc.string({ maxLength: 200 }) : fc.constant(undefined);
  return fc.record({ path, query, headers, body }).map((r) => ({ ...r, body: r.body }));
}

/** A token of a role the route admits, so that requests get past authentication. */
function tokenFor(op: Operation): string | undefined {
  if (!op.security) return undefined;
  const roles = /Roles: ([a-z, ]+)\./.exec(op.description ?? '')?.[1].split(', ') ?? [];
  for (const role of ['admin', 'operator', 'commander'] as const) if (roles.includes(role)) return tokens[role];
  return units['CQ-CG'];
}

const counts = async () => {
  await t.jobs.settled();
  return (await t.db.read((m) => m.query('SELECT (SELECT count(*) FROM work_orders)::int AS orders, (SELECT count(*) FROM work_order_events)::int AS events')))[0];
};

/** A live stream (GET /api/v1/events) answers with its headers and never ends by design: its own tests (events.test.ts) cover it. */
const streams = (op: Operation) => Object.values(op.responses ?? {}).some((r) => 'text/event-stream' in ((r as { content?: Record<string, unknown> }).content ?? {}));
const routes = Object.entries(doc.paths)
  .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method, path, op })))
  .filter(({ op }) => !streams(op));

describe(`every route of openapi.json, fuzzed (${storage})`, () => {
  beforeEach(async () => {
    const order = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201)).body;
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
    known.uuids = [order.id];
  });

  test(`${routes.length} routes, ${RUNS} requests each: no 5xx, every 4xx a problem, /health never held, a refused intake writes nothing`, async () => {
    const failures: string[] = [];
    for (const { method, path, op } of routes) {
      if (process.env.FUZZ_TRACE) process.stderr.write(`fuzz ${method} ${path}\n`);
      const token = tokenFor(op);
      await fc.assert(
        fc.asyncProperty(requestArbitrary(path, op), async (drawn) => {
          const intake = method === 'post' && path === '/api/v1/work-orders';
          const before = intake ? await counts() : undefined;
          const search = new URLSearchParams(drawn.query).toString();
          let req = t.http[method as 'get'](`${drawn.path}${search ? `?${search}` : ''}`).set(drawn.headers);
          if (token) req = req.set(bearer(token));
          if (drawn.body !== undefined) {
            const csv = !!op.requestBody?.content['text/csv'];
            req = req.set('content-type', csv ? 'text/csv' : 'application/json').send(csv ? String(drawn.body) : JSON.stringify(drawn.body));
          }
          const what0 = `${method.toUpperCase()} ${drawn.path}?${search} ${JSON.stringify(drawn.body)?.slice(0, 300)}`;
          // A request that never answers is a finding too, not a stalled test run.
          const sent = req.timeout(REQUEST_BOUND_MS).then(
            (r) => r,
            (err: Error) => {
              throw new Error(`${what0} → no answer within ${REQUEST_BOUND_MS} ms (${err.message})`);
            },
          );
          // Sent once the request is under way: it must be answered while the request runs.
          await new Promise((r) => setImmediate(r));
          const healthStart = performance.now();
          const [res, health] = await Promise.all([sent, t.http.get('/health')]);
          const healthMs = performance.now() - healthStart;
          const what = `${method.toUpperCase()} ${drawn.path}?${search} ${JSON.stringify(drawn.body)?.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
          expect({ what, server: res.status >= 500 }).toEqual({ what, server: false });
          if (res.status >= 400) {
            expect({ what, type: res.headers['content-type'] }).toEqual({ what, type: expect.stringMatching(/^application\/problem\+json/) });
            expect({ what, code: typeof res.body.code }).toEqual({ what, code: 'string' });
          }
          expect({ what, health: health.status, held: healthMs > HEALTH_BOUND_MS }).toEqual({ what, health: 200, held: false });
          if (intake && res.status >= 400) expect({ what, after: await counts() }).toEqual({ what, after: before });
        }),
        { numRuns: RUNS, endOnFailure: true },
      ).catch((err: Error) => failures.push(err.message.split('\n').slice(0, 12).join('\n')));
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
