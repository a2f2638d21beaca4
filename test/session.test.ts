import { ADMIN_TOKEN, bearer, intakeBody, storage, useTestApp } from './support/app';

/** A commander signs in on /login with a token once; the session cookie then opens the pages. */
const { t, tokens } = useTestApp({ roles: ['commander'] });

/** Signs in with a token; returns the cookie to send back, as a browser would. */
async function signIn(token: string): Promise<string> {
  const res = await t.http.post('/api/v1/session').send({ token }).expect(200);
  const [setCookie] = res.headers['set-cookie'] as unknown as string[];
  return setCookie.split(';')[0];
}

describe(`browser sessions (${storage})`, () => {
  test('the sign-in page is a Chinese form anyone may open', async () => {
    const res = await t.http.get('/login?next=/api/v1/reports/bulletin%3Fmonth%3D2026-07').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<title>登录 · 12345 热线工单</title>');
    expect(res.text).toContain('type="password"');
  });

  test('signing in sets an HttpOnly, SameSite=Lax session cookie that opens the bulletin, the JSON ranking and the spreadsheet', async () => {
    const res = await t.http.post('/api/v1/session').send({ token: tokens.commander }).expect(200);
    expect(res.body).toMatchObject({ role: 'commander' });
    const [setCookie] = res.headers['set-cookie'] as unknown as string[];
    expect(setCookie).toMatch(/^hotline_session=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toContain(tokens.commander);
    expect(setCookie).toMatch(/Max-Age=43200/);
    const cookie = setCookie.split(';')[0];

    const page = await t.http.get('/api/v1/reports/bulletin?month=2026-07').set('cookie', cookie).set('accept', 'text/html').expect(200);
    expect(page.text).toContain('通报');
    expect((await t.http.get('/api/v1/reports/rankings?month=2026-07').set('cookie', cookie).expect(200)).body.period.label).toBeDefined();
    await t.http.get('/api/v1/reports/rankings.xlsx?month=2026-07').set('cookie', cookie).expect(200);
  });

  test('a token session may change things only with its CSRF token from this site', async () => {
    const res = await t.http.post('/api/v1/session').send({ token: await t.token('operator') }).expect(200);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const refused = await t.http.post('/api/v1/work-orders').set('cookie', cookie).send(intakeBody());
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('csrf');
    expect((await t.http.get('/api/v1/work-orders').set('cookie', cookie)).body.items).toEqual([]);
    await t.http
      .post('/api/v1/work-orders')
      .set({ cookie, host: 'hotline.test', origin: 'http://hotline.test', 'x-csrf-token': res.body.csrfToken })
      .send(intakeBody())
      .expect(201);
  });

  test('the cookie carries its role: a unit signed in still may not read the rankings', async () => {
    const cookie = await signIn(await t.token('unit', 'CQ-CG'));
    const res = await t.http.get('/api/v1/reports/rankings?month=2026-07').set('cookie', cookie);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
  });

  test('an unknown token signs nobody in and sets no cookie', async () => {
    const res = await t.http.post('/api/v1/session').send({ token: 'hot_not-a-real-token' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('unauthenticated');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await t.http.post('/api/v1/session').send({ token: '' })).status).toBe(400);
    const bootstrap = await t.http.post('/api/v1/session').send({ token: ADMIN_TOKEN });
    expect(bootstrap.status).toBe(403);
    expect(bootstrap.headers['set-cookie']).toBeUndefined();
  });

  test('a browser without a session asking for a page is sent to sign in; an API client gets a 401', async () => {
    const res = await t.http.get('/api/v1/reports/bulletin?month=2026-07').set('accept', 'text/html,application/xhtml+xml');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/api/v1/reports/bulletin?month=2026-07')}`);
    const api = await t.http.get('/api/v1/reports/bulletin?month=2026-07').set('accept', 'application/json');
    expect(api.status).toBe(401);
    expect(api.body.code).toBe('unauthenticated');
  });

  test('a revoked token\'s cookie opens nothing more; signing out clears the cookie', async () => {
    const admin = await t.token('admin');
    const created = (await t.http.post('/api/v1/principals').set(bearer(admin)).send({ name: '值班指挥长', role: 'commander' }).expect(201)).body;
    const cookie = await signIn(created.token);
    await t.http.get('/api/v1/reports/rankings?month=2026-07').set('cookie', cookie).expect(200);
    await t.http.delete(`/api/v1/principals/${created.principal.id}`).set(bearer(admin)).expect(204);
    expect((await t.http.get('/api/v1/reports/rankings?month=2026-07').set('cookie', cookie)).status).toBe(401);

    const out = await t.http.delete('/api/v1/session').expect(204);
    const [cleared] = out.headers['set-cookie'] as unknown as string[];
    expect(cleared).toMatch(/^hotline_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
  });
});
