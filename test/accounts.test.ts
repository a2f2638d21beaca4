import { bearer, intakeBody, storage, useTestApp } from './support/app';

/** People sign in with a user name and password; their browser session may change things, but only from this site. */
const { t, tokens } = useTestApp({ roles: ['admin', 'operator'], settings: { 'accounts.maxFailedAttempts': 3, 'accounts.lockMinutes': 15 } });

const SITE = { host: 'hotline.test', origin: 'http://hotline.test' };

interface Browser {
  cookie: string;
  csrf: string;
  body: Record<string, unknown>;
  /** Headers of a change made from the workspace's own page. */
  change: Record<string, string>;
}

async function createAccount(username: string, role: string, unitCode?: string, password = 'correct horse 1') {
  const res = await t.http.post('/api/v1/accounts').set(bearer(tokens.admin)).send({ username, name: `${username} 的名字`, role, unitCode, password });
  expect(res.status).toBe(201);
  return res.body as { id: string; username: string };
}

async function signIn(username: string, password = 'correct horse 1'): Promise<Browser> {
  const res = await t.http.post('/api/v1/session').set(SITE).send({ username, password });
  expect(res.status).toBe(200);
  const cookies = res.headers['set-cookie'] as unknown as string[];
  const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
  return { cookie, csrf: res.body.csrfToken, body: res.body, change: { ...SITE, cookie, 'x-csrf-token': res.body.csrfToken } };
}

const orderCount = async () => (await t.http.get('/api/v1/work-orders').set(bearer(tokens.operator)).expect(200)).body.items.length;

describe(`accounts and browser sessions (${storage})`, () => {
  test('a person signs in with a user name and password: an HttpOnly session cookie, a readable CSRF cookie, and the session says who they are', async () => {
    await createAccount('zhang.san', 'unit', 'CQ-PS-WENCHANG');
    const res = await t.http.post('/api/v1/session').set(SITE).send({ username: 'Zhang.San', password: 'correct horse 1' }).expect(200);
    expect(res.body).toMatchObject({ username: 'zhang.san', name: 'zhang.san 的名字', role: 'unit', unitCode: 'CQ-PS-WENCHANG', unitName: '文昌派出所', kind: 'account' });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const [session, csrf] = res.headers['set-cookie'] as unknown as string[];
    expect(session).toMatch(/^hotline_session=[A-Za-z0-9_-]{40,};/);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(csrf).toMatch(new RegExp(`^hotline_csrf=${res.body.csrfToken};`));
    expect(csrf).not.toMatch(/HttpOnly/);

    const cookie = [session, csrf].map((c) => c.split(';')[0]).join('; ');
    const current = await t.http.get('/api/v1/session').set('cookie', cookie).expect(200);
    expect(current.body).toEqual(res.body);
    await t.http.get('/api/v1/inbox').set('cookie', cookie).expect(200);
    expect((await t.http.get('/api/v1/session')).status).toBe(401);

    const record = (await t.http.get('/api/v1/sign-ins?username=zhang.san').set(bearer(tokens.admin)).expect(200)).body;
    expect(record).toEqual([expect.objectContaining({ username: 'zhang.san', success: true, reason: 'password' })]);
    expect(JSON.stringify(record)).not.toContain('correct horse');
  });

  test('an operator\'s browser takes in an order with its CSRF token from the workspace, and the history names the person', async () => {
    await createAccount('li.si', 'operator');
    const browser = await signIn('li.si');
    const created = await t.http.post('/api/v1/work-orders').set(browser.change).send(intakeBody()).expect(201);
    const events = (await t.http.get(`/api/v1/work-orders/${created.body.id}/events`).set('cookie', browser.cookie).expect(200)).body;
    expect(events[0].actor).toMatchObject({ name: 'li.si 的名字', role: 'operator' });
    // The Referer stands in for a missing Origin.
    const { origin: _o, ...noOrigin } = browser.change;
    await t.http.post('/api/v1/work-orders').set({ ...noOrigin, referer: 'http://hotline.test/workspace/triage' }).send(intakeBody()).expect(201);
  });

  test('a wrong password is a recorded 401; the third in a row locks the account, even against the right password, until the lock runs out', async () => {
    await createAccount('wang.wu', 'operator');
    for (let i = 0; i < 2; i++) {
      const res = await t.http.post('/api/v1/session').send({ username: 'wang.wu', password: 'wrong password' });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('invalid-credentials');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const locking = await t.http.post('/api/v1/session').send({ username: 'wang.wu', password: 'wrong password' });
    expect(locking.status).toBe(423);
    expect(locking.body.code).toBe('account-locked');
    const refused = await t.http.post('/api/v1/session').send({ username: 'wang.wu', password: 'correct horse 1' });
    expect(refused.status).toBe(423);
    expect(refused.body.code).toBe('account-locked');
    expect(refused.headers['set-cookie']).toBeUndefined();
    // An unknown name answers as a wrong password does.
    expect((await t.http.post('/api/v1/session').send({ username: 'nobody', password: 'whatever1' })).body.code).toBe('invalid-credentials');

    const record = (await t.http.get('/api/v1/sign-ins?username=wang.wu').set(bearer(tokens.admin)).expect(200)).body as { success: boolean; reason: string }[];
    expect(record.map((r) => r.reason)).toEqual(['locked', 'wrong_password', 'wrong_password', 'wrong_password']);
    expect(record.every((r) => !r.success)).toBe(true);
    const accounts = (await t.http.get('/api/v1/accounts').set(bearer(tokens.admin)).expect(200)).body as { username: string; lockedUntil: string | null }[];
    expect(accounts.find((a) => a.username === 'wang.wu')!.lockedUntil).not.toBeNull();

    t.clock.set(new Date(Date.now() + 16 * 60_000));
    await t.http.post('/api/v1/session').send({ username: 'wang.wu', password: 'correct horse 1' }).expect(200);
  });

  test('a cross-site change with the session cookie fails with 403 csrf and changes nothing: without the token, with a foreign Origin, or with neither Origin nor Referer', async () => {
    await createAccount('zhao.liu', 'operator');
    const browser = await signIn('zhao.liu');
    const attempts = [
      { ...SITE, cookie: browser.cookie },
      { ...browser.change, 'x-csrf-token': 'forged' },
      { ...browser.change, origin: 'http://evil.example' },
      { host: SITE.host, cookie: browser.cookie, 'x-csrf-token': browser.csrf },
    ];
    for (const headers of attempts) {
      const res = await t.http.post('/api/v1/work-orders').set(headers).send(intakeBody());
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('csrf');
    }
    expect(await orderCount()).toBe(0);
    // Signing out is a change too; so is another site signing the browser in.
    expect((await t.http.delete('/api/v1/session').set({ ...SITE, cookie: browser.cookie })).status).toBe(403);
    await t.http.get('/api/v1/session').set('cookie', browser.cookie).expect(200);
    const loginCsrf = await t.http.post('/api/v1/session').set({ host: SITE.host, origin: 'http://evil.example' }).send({ username: 'zhao.liu', password: 'correct horse 1' });
    expect(loginCsrf.status).toBe(403);
    expect(loginCsrf.body.code).toBe('csrf');
  });

  test('signing out ends the session on the server at once: the same cookie opens nothing afterwards', async () => {
    await createAccount('sun.qi', 'commander');
    const browser = await signIn('sun.qi');
    const out = await t.http.delete('/api/v1/session').set(browser.change).expect(204);
    expect((out.headers['set-cookie'] as unknown as string[]).join('\n')).toMatch(/hotline_session=;/);
    const after = await t.http.get('/api/v1/session').set('cookie', browser.cookie);
    expect(after.status).toBe(401);
    expect((await t.http.get('/api/v1/work-orders').set('cookie', browser.cookie)).status).toBe(401);
  });

  test('an administrator disabling an account ends its session at once, and it cannot sign in again; a role change ends sessions too', async () => {
    const account = await createAccount('zhou.ba', 'operator');
    const browser = await signIn('zhou.ba');
    await t.http.patch(`/api/v1/accounts/${account.id}`).set(bearer(tokens.admin)).send({ disabled: true }).expect(200);
    expect((await t.http.get('/api/v1/session').set('cookie', browser.cookie)).status).toBe(401);
    expect((await t.http.post('/api/v1/work-orders').set(browser.change).send(intakeBody())).status).toBe(401);
    expect(await orderCount()).toBe(0);
    const again = await t.http.post('/api/v1/session').send({ username: 'zhou.ba', password: 'correct horse 1' });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('invalid-credentials');

    await t.http.patch(`/api/v1/accounts/${account.id}`).set(bearer(tokens.admin)).send({ disabled: false }).expect(200);
    const second = await signIn('zhou.ba');
    const changed = await t.http.patch(`/api/v1/accounts/${account.id}`).set(bearer(tokens.admin)).send({ role: 'unit', unitCode: 'CQ-CG' }).expect(200);
    expect(changed.body).toMatchObject({ role: 'unit', unitCode: 'CQ-CG' });
    expect((await t.http.get('/api/v1/session').set('cookie', second.cookie)).status).toBe(401);
    expect((await signIn('zhou.ba')).body).toMatchObject({ role: 'unit', unitCode: 'CQ-CG' });
  });

  test('a unit\'s session reads its own orders and not another unit\'s', async () => {
    await createAccount('wenchang.duty', 'unit', 'CQ-PS-WENCHANG');
    const own = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201)).body;
    const other = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201)).body;
    await t.http.post(`/api/v1/work-orders/${own.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-PS-WENCHANG' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${other.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
    const browser = await signIn('wenchang.duty');
    await t.http.get(`/api/v1/work-orders/${own.id}`).set('cookie', browser.cookie).expect(200);
    const res = await t.http.get(`/api/v1/work-orders/${other.id}`).set('cookie', browser.cookie);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('李四');
    expect((await t.http.post(`/api/v1/work-orders/${other.id}/sign`).set(browser.change).send({})).status).toBe(404);
    await t.http.post(`/api/v1/work-orders/${own.id}/sign`).set(browser.change).send({}).expect(200);
  });

  test('staff change their own password; an administrator resets one; short passwords are refused; only administrators keep accounts', async () => {
    const account = await createAccount('wu.jiu', 'operator');
    const browser = await signIn('wu.jiu');
    const wrong = await t.http.put('/api/v1/session/password').set(browser.change).send({ currentPassword: 'not it at all', newPassword: 'a new secret 2' });
    expect(wrong.status).toBe(403);
    const short = await t.http.put('/api/v1/session/password').set(browser.change).send({ currentPassword: 'correct horse 1', newPassword: 'short' });
    expect(short.status).toBe(422);
    expect(short.body.code).toBe('password_too_short');
    await t.http.put('/api/v1/session/password').set(browser.change).send({ currentPassword: 'correct horse 1', newPassword: 'a new secret 2' }).expect(204);
    await t.http.get('/api/v1/session').set('cookie', browser.cookie).expect(200);
    expect((await t.http.post('/api/v1/session').send({ username: 'wu.jiu', password: 'correct horse 1' })).status).toBe(401);
    await signIn('wu.jiu', 'a new secret 2');

    await t.http.post(`/api/v1/accounts/${account.id}/password`).set(bearer(tokens.admin)).send({ password: 'reset by admin 3' }).expect(204);
    expect((await t.http.get('/api/v1/session').set('cookie', browser.cookie)).status).toBe(401);
    await signIn('wu.jiu', 'reset by admin 3');

    expect((await t.http.get('/api/v1/accounts').set('cookie', browser.cookie)).status).toBe(401);
    const operator = await signIn('wu.jiu', 'reset by admin 3');
    const forbidden = await t.http.get('/api/v1/accounts').set('cookie', operator.cookie);
    expect(forbidden.status).toBe(403);
    expect((await t.http.post('/api/v1/accounts').set(operator.change).send({ username: 'x.y', name: 'x', role: 'admin', password: 'whatever 123' })).status).toBe(403);
    const taken = await t.http.post('/api/v1/accounts').set(bearer(tokens.admin)).send({ username: 'WU.JIU', name: '重名', role: 'operator', password: 'whatever 123' });
    expect(taken.status).toBe(409);
    const unitless = await t.http.post('/api/v1/accounts').set(bearer(tokens.admin)).send({ username: 'no.unit', name: '无单位', role: 'unit', password: 'whatever 123' });
    expect(unitless.status).toBe(422);
  });
});
