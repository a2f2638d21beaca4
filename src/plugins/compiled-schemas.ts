import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyServerOptions } from 'fastify';

/**
 * Route schemas compiled ahead of time. Compiling every route's validators (ajv) and response
 * serializers (fast-json-stringify) took about a second of each start; `npm ci` (prepare) now
 * writes the generated code once with the libraries' own standalone mode, and a start loads it.
 *
 * Each file is named after a hash of everything its code depends on (the schema, the part of the
 * request or the response status, the compiler options and the compilers' versions), so stale
 * code cannot be used: a schema changed since the build simply has no file, and is compiled at
 * start as before. A missing or empty directory therefore only costs time.
 */
export type SchemaCacheMode = 'read' | 'write';

/** How many route schemas a start loaded ready-made and how many it had to compile. */
export interface SchemaCacheStats {
  loaded: number;
  compiled: number;
}

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type RouteSchema = { schema?: unknown; httpPart?: string; httpStatus?: string; contentType?: string };

// The compilers (ajv, fast-json-stringify) are loaded only when something has to be compiled.
/* eslint-disable @typescript-eslint/no-require-imports */
const ajvCompiler = () => require('@fastify/ajv-compiler') as typeof import('@fastify/ajv-compiler');
const fjsCompiler = () => require('@fastify/fast-json-stringify-compiler') as typeof import('@fastify/fast-json-stringify-compiler');
const versionOf = (pkg: string): string => (require(`${pkg}/package.json`) as { version: string }).version;
const COMPILERS = ['ajv', 'ajv-formats', 'fast-json-stringify', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'].map(versionOf).join();

/** The file a compiled route schema lives in: a content hash, never a route name. */
function fileFor(dir: string, kind: 'validator' | 'serializer', shared: string, route: RouteSchema): string {
  const hash = createHash('sha256')
    .update(COMPILERS)
    .update(shared)
    .update(JSON.stringify([kind, route.httpPart, route.httpStatus, route.contentType, route.schema]))
    .digest('base64url')
    .slice(0, 32);
  return path.join(dir, `${kind}-${hash}.js`);
}

/** Loads a stored compiled function, or compiles (and in write mode stores) it. */
function cachedCompiler<F>(
  dir: string,
  kind: 'validator' | 'serializer',
  shared: string,
  compile: () => (route: never) => F,
  stats: SchemaCacheStats,
): (route: RouteSchema) => F {
  let compiler: ((route: never) => F) | undefined;
  return (route) => {
    const file = fileFor(dir, kind, shared, route);
    if (existsSync(file)) {
      stats.loaded += 1;
      return require(file) as F;
    }
    stats.compiled += 1;
    compiler ??= compile();
    return compiler(route as never);
  };
}

/* eslint-enable @typescript-eslint/no-require-imports */

/** The schema controller's compilers for `dir`: 'read' loads what is there, 'write' stores what it compiles. */
export function compiledSchemas(dir: string, mode: SchemaCacheMode, stats: SchemaCacheStats = { loaded: 0, compiled: 0 }): CompilersFactory {
  if (mode === 'write') mkdirSync(dir, { recursive: true });
  const store = (kind: 'validator' | 'serializer', shared: string) => (route: RouteSchema, code: string) => {
    writeFileSync(fileFor(dir, kind, shared, route), code);
  };
  return {
    buildValidator(externalSchemas: unknown, ajvOptions: unknown) {
      const shared = JSON.stringify([externalSchemas, ajvOptions]);
      const build = () =>
        mode === 'write'
          ? ajvCompiler().StandaloneValidator({ readMode: false, storeFunction: store('validator', shared) })(externalSchemas as never, { ...(ajvOptions as object) } as never)
          : ajvCompiler().AjvCompiler()(externalSchemas as never, ajvOptions as never);
      return mode === 'write' ? build() : cachedCompiler(dir, 'validator', shared, build, stats);
    },
    buildSerializer(externalSchemas: unknown, serializerOptions: unknown) {
      const shared = JSON.stringify([externalSchemas, serializerOptions ?? {}]);
      const build = () =>
        mode === 'write'
          ? fjsCompiler().StandaloneSerializer({ readMode: false, storeFunction: store('serializer', shared) })(externalSchemas as never, { ...(serializerOptions ?? {}) } as never)
          : fjsCompiler().SerializerSelector()(externalSchemas as never, serializerOptions as never);
      return mode === 'write' ? build() : cachedCompiler(dir, 'serializer', shared, build, stats);
    },
  } as unknown as CompilersFactory;
}

/** Where `npm ci` (prepare) writes them: dist/compiled-schemas, beside the built code. */
export const COMPILED_SCHEMAS_DIR = path.resolve(__dirname, '../../compiled-schemas');
