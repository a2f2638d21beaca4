import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens, units } = useTestApp({ roles: ['operator', 'commander'], units: ['CQ-CG', 'CQ-ZJ'] });

interface OrderSlip {
  id: string;
  number: string;
  trigger: string;
  state: string;
  dueAt: string;
  overdue: boolean;
}

async function dispatched(unitCode = 'CQ-CG'): Promise<string> {
  const created = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201);
  await t.http.post(`/api/v1/work-orders/${created.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: unitCode }).expect(200);
  return created.body.id;
}

const slipsOn = async (id: string, token = tokens.operator) => (await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(token)).expect(200)).body.slips as OrderSlip[];

async function raise(orderIds: string[], reason = '局长批示督办'): Promise<{ id: string; number: string; dueAt: string }> {
  return (await t.http.post('/api/v1/supervision-slips').set(bearer(tokens.commander)).send({ orderIds, reason }).expect(201)).body;
}

describe(`an order shows its supervision slips (${storage})`, () => {
  test('an order marked difficult shows its slip with number, state and deadline, and shows it closed once signed off', async () => {
    const id = await dispatched();
    expect(await slipsOn(id)).toEqual([]);
    const marked = await t.http.post(`/api/v1/work-orders/${id}/mark-difficult`).set(bearer(tokens.operator)).send({ reason: '涉及多部门,历史遗留' }).expect(200);
    const [slip] = (await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body as { id: string; number: string; dueAt: string }[];
    const shown = { id: slip.id, number: slip.number, trigger: 'difficult', state: 'open', dueAt: slip.dueAt, overdue: false };
    expect(marked.body.slips).toEqual([shown]);
    expect(await slipsOn(id)).toEqual([shown]);

    const url = `/api/v1/supervision-slips/${slip.id}`;
    await t.http.post(`${url}/chief-callback`).set(bearer(units['CQ-CG'])).send({ calledAt: new Date().toISOString(), satisfaction: 'satisfied', text: '群众表示满意' }).expect(200);
    await t.http.post(`${url}/result`).set(bearer(units['CQ-CG'])).send({ text: '已协调解决' }).expect(200);
    expect((await slipsOn(id, units['CQ-CG']))[0].state).toBe('result_submitted');
    await t.http.post(`${url}/close`).set(bearer(tokens.commander)).send({ text: '同意办结' }).expect(200);
    expect(await slipsOn(id)).toEqual([{ ...shown, state: 'closed' }]);
    // The slip's course is in the order's history too: who, when, what.
    const history = (await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body as { action: string; reason: string; actor: { role: string } }[];
    const course = history.filter((e) => e.action === 'escalate' || e.action.includes('slip')).map((e) => [e.action, e.actor.role, e.reason]);
    expect(course).toEqual([
      ['escalate', 'system', '涉及多部门,历史遗留'],
      ['slip-chief-callback', 'unit', 'satisfied: 群众表示满意'],
      ['slip-result', 'unit', '已协调解决'],
      ['close-slip', 'commander', '同意办结'],
    ]);
  });

  test('the order list shows each order its own slips, read in one query for the whole page', async () => {
    const [a, b, c] = [await dispatched(), await dispatched(), await dispatched()];
    const both = await raise([a, b]);
    const onlyA = await raise([a], '再次督办');
    const slipsOf = jest.spyOn(t.app.services.supervision, 'slipsOf');
    try {
      const page = (await t.http.get('/api/v1/work-orders?limit=50').set(bearer(tokens.operator)).expect(200)).body.items as { id: string; slips: OrderSlip[] }[];
      const numbers = (id: string) => page.find((o) => o.id === id)!.slips.map((s) => s.number);
      expect(numbers(a)).toEqual([both.number, onlyA.number]);
      expect(numbers(b)).toEqual([both.number]);
      expect(numbers(c)).toEqual([]);
      expect(slipsOf).toHaveBeenCalledTimes(1);
      expect(new Set(slipsOf.mock.calls[0][1])).toEqual(new Set(page.map((o) => o.id)));
    } finally {
      slipsOf.mockRestore();
    }
    const inbox = (await t.http.get('/api/v1/inbox').set(bearer(units['CQ-CG'])).expect(200)).body.items as { id: string; slips: OrderSlip[] }[];
    expect(inbox.find((o) => o.id === b)!.slips.map((s) => s.number)).toEqual([both.number]);
  });

  test("a unit that took an order over does not see the previous unit's slip on it", async () => {
    const id = await dispatched('CQ-CG');
    const slip = await raise([id]);
    await t.http.post(`/api/v1/work-orders/${id}/return`).set(bearer(units['CQ-CG'])).send({ reason: '不属于本单位职责' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${id}/approve-return`).set(bearer(tokens.operator)).send({}).expect(200);
    await t.http.post(`/api/v1/work-orders/${id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-ZJ' }).expect(200);
    expect((await slipsOn(id, units['CQ-ZJ'])).map((s) => s.number)).toEqual([]);
    expect((await slipsOn(id, units['CQ-CG'])).map((s) => s.number)).toEqual([slip.number]);
    expect((await slipsOn(id)).map((s) => s.number)).toEqual([slip.number]);
  });
});

describe(`a slip's own deadline (${storage})`, () => {
  test('the handling unit is warned a day before and told once it has passed, each an event on the order, once however often the sweep runs', async () => {
    const id = await dispatched();
    const slip = await raise([id]);
    const due = new Date(slip.dueAt).getTime();
    const sweep = () => t.app.services.supervision.sweep();
    const notices = async () =>
      ((await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body as { action: string; actor: { name: string }; details: Record<string, unknown> }[]).filter((e) =>
        e.action.startsWith('slip-'),
      );
    expect(await sweep()).toBe(0);
    t.clock.set(new Date(due - 12 * 3600_000));
    await Promise.all([sweep(), sweep(), t.app.services.supervision.checkDeadline(slip.id)]);
    expect((await notices()).map((e) => e.action)).toEqual(['slip-warn']);
    expect(await sweep()).toBe(0);

    t.clock.set(new Date(due + 60_000));
    await Promise.all([sweep(), sweep()]);
    const given = await notices();
    expect(given.map((e) => e.action)).toEqual(['slip-warn', 'slip-overdue']);
    expect(given[1]).toMatchObject({ actor: { name: 'system' }, details: { slip: slip.number, slipId: slip.id } });
    expect(await sweep()).toBe(0);
    expect((await slipsOn(id))[0]).toMatchObject({ state: 'open', overdue: true });
  });

  test('a slip whose result is in waits for the commander: no notice about its deadline', async () => {
    const id = await dispatched();
    const slip = await raise([id]);
    const url = `/api/v1/supervision-slips/${slip.id}`;
    await t.http.post(`${url}/chief-callback`).set(bearer(units['CQ-CG'])).send({ calledAt: new Date().toISOString(), satisfaction: 'satisfied', text: '群众表示满意' }).expect(200);
    await t.http.post(`${url}/result`).set(bearer(units['CQ-CG'])).send({ text: '已协调解决' }).expect(200);
    t.clock.set(new Date(new Date(slip.dueAt).getTime() + 60_000));
    expect(await t.app.services.supervision.sweep()).toBe(0);
  });
});
