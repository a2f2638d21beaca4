import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { loggerOptions } from '../src/app';
import { bearer, storage, useTestApp } from './support/app';

const lines: string[] = [];
const stream = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
const { t, tokens } = useTestApp({ roles: ['operator'], logger: { ...(loggerOptions('info') as object), stream } });
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

/** Sends bytes as they are, as curl does with a URL it is given in raw UTF-8; the whole answer. */
async function raw(request: Buffer): Promise<{ status: number; type: string; body: Record<string, string> }> {
  if (!t.app.server.listening) await new Promise<void>((resolve) => t.app.server.listen(0, '127.0.0.1', resolve));
  const { port } = t.app.server.address() as AddressInfo;
  const answer = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), type: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '', body: JSON.parse(body) };
}

beforeEach(() => void lines.splice(0));

describe(`requests refused before any route runs are problems too, logged without their URL (${storage})`, () => {
  test('a bad percent-encoding in the path is a 400 bad_url that does not echo the path', async () => {
    const res = await t.http.get('/api/v1/work-orders/%ZZsecret').set(bearer(tokens.operator));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'bad_url', type: 'urn:problem:bad_url' });
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(logged()).toContainEqual(expect.objectContaining({ code: 'bad_url', errCode: 'FST_ERR_BAD_URL' }));
  });

  test('a path parameter over the router\'s limit is a 414 path_param_too_long that does not echo it', async () => {
    const res = await t.http.get(`/api/v1/work-orders/${'x'.repeat(150)}?phone=13912345678`).set(bearer(tokens.operator));
    expect(res.status).toBe(414);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 414, code: 'path_param_too_long' });
    expect(JSON.stringify(res.body)).not.toContain('xxxxxxxxxx');
    expect(logged()).toContainEqual(expect.objectContaining({ code: 'path_param_too_long' }));
    expect(lines.join('')).not.toContain('13912345678');
  });

  test('a query in raw UTF-8 is a 400 url_not_encoded saying how to encode it, logged without the query', async () => {
    const res = await raw(Buffer.from(`GET /api/v1/work-orders?q=噪音&phone=13912345678 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.operator}\r\n\r\n`));
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'url_not_encoded' });
    expect(res.body.detail).toContain('--data-urlencode');
    expect(logged()).toContainEqual(expect.objectContaining({ code: 'url_not_encoded', errCode: 'HPE_INVALID_URL' }));
    expect(lines.join('')).not.toMatch(/13912345678|噪音|phone=/);
  });

  test('another malformed request is a 400 problem too', async () => {
    const res = await raw(Buffer.from('GET /health HTTP/1.1\r\nHo st: x\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('malformed_request');
  });

  test("the README's search, percent-encoded as curl -G --data-urlencode sends it, works", async () => {
    const res = await t.http.get(`/api/v1/work-orders?state=signed&unitCode=CQ-CG&limit=20&q=${encodeURIComponent('噪音')}`).set(bearer(tokens.operator));
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });
});
