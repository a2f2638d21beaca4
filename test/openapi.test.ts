import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateOpenApi } from '../src/openapi';

describe('the OpenAPI document', () => {
  let doc: { paths: Record<string, Record<string, { tags?: string[]; responses?: Record<string, unknown>; security?: unknown[] }>> };
  let generated: string;

  beforeAll(async () => {
    generated = await generateOpenApi();
    doc = JSON.parse(generated);
  });

  test('the committed openapi/openapi.json is what the code declares (run `npm run openapi` after changing a route)', () => {
    const committed = readFileSync(path.join(__dirname, '../openapi/openapi.json'), 'utf8');
    expect(JSON.parse(committed)).toEqual(doc);
  });

  test('every operation has a tag and its responses, and every non-public one asks for a token', () => {
    const publicPaths = ['/health', '/ready', '/metrics', '/login', '/api/v1/session'];
    for (const [url, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect({ url, method, tags: op.tags?.length ?? 0 }).toEqual({ url, method, tags: 1 });
        expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
        // A browser's session cookie stands in for the bearer token (changes also carry its CSRF token).
        const security = [{ bearer: [] }, { session: [] }];
        if (!publicPaths.includes(url)) expect({ url, method, security: op.security }).toEqual({ url, method, security });
      }
    }
  });
});
