import { bearer, storage, useTestApp } from './support/app';

/** The settings API serves each setting's JSON Schema, so that the 系统设置 page can offer a control that fits the value. */
const { t, tokens } = useTestApp({ roles: ['admin'] });

interface SettingView {
  key: string;
  value: unknown;
  schema: Record<string, unknown>;
}

describe(`settings (${storage})`, () => {
  test("each setting comes with the schema its value must meet: the closure rate's two denominators, a whole number's bounds, a share that may be left unset", async () => {
    const settings = (await t.http.get('/api/v1/settings').set(bearer(tokens.admin)).expect(200)).body as SettingView[];
    const schema = (key: string) => settings.find((s) => s.key === key)?.schema;
    expect(schema('assessment.closureDenominator')).toEqual({
      anyOf: [
        { const: 'close_due', type: 'string' },
        { const: 'reply_due', type: 'string' },
      ],
    });
    expect(schema('supervision.slipWorkingDays')).toEqual({ type: 'integer', minimum: 1, maximum: 60 });
    expect(schema('routing.targetAccuracy')).toEqual({ anyOf: [{ type: 'number', minimum: 0.5, maximum: 1 }, { type: 'null' }] });
    expect(schema('assessment.unitKinds')).toMatchObject({ type: 'array', minItems: 1, uniqueItems: true, items: { anyOf: expect.arrayContaining([{ const: 'station', type: 'string' }]) } });
    expect(settings.every((s) => typeof s.schema === 'object')).toBe(true);
  });

  test('the answer to a change carries the schema too, and a value outside it is refused in its words', async () => {
    const changed = (await t.http.put('/api/v1/settings/assessment.closureDenominator').set(bearer(tokens.admin)).send({ value: 'reply_due' }).expect(200)).body as SettingView;
    expect(changed).toMatchObject({ value: 'reply_due', schema: { anyOf: [{ const: 'close_due' }, { const: 'reply_due' }] } });
    const refused = await t.http.put('/api/v1/settings/assessment.closureDenominator').set(bearer(tokens.admin)).send({ value: 'sign_due' }).expect(422);
    expect(refused.body).toMatchObject({ code: 'invalid_setting', detail: expect.stringContaining('assessment.closureDenominator') });
  });
});
