import knowledge from '../../src/modules/routing/data/knowledge.json';
import referenceExamples from '../../src/modules/routing/data/reference-examples.json';
import { TextModel, tokenize, train, WeighedTokens, wordPairs } from '../../src/modules/routing/model';
import { compileKnowledge, findPlace, matchTerms, route, routingFeatures, type Knowledge } from '../../src/modules/routing/router';
import reference from '../../src/modules/directory/data/reference-district.json';

const compiled = compileKnowledge(knowledge as Knowledge);
const at = (content: string, address = '') => route({ content, address }, compiled, null);
const highestOf = (p: ReadonlyMap<string, number>) => [...p].reduce((a, b) => (b[1] > a[1] ? b : a))[0];

describe('police or not, and which unit (domain.md §5)', () => {
  test.each([
    ['小区广场舞音响太吵,晚上十点还在跳', '长清区大学路', true, 'CQ-PS-DAXUELU'],
    ['邻居家狗每天乱叫,遛狗不拴绳', '孝里镇大街村', true, 'CQ-PS-XIAOLI'],
    ['身份证丢了怎么补办', '', true, 'CQ-CRJ'],
    ['接到电话被骗了五万元,是电信诈骗', '', true, 'CQ-JZ'],
    ['派出所民警态度恶劣,不作为', '', true, 'CQ-DC'],
    ['路口红绿灯坏了,车辆乱停乱放,经常发生交通事故', '', true, 'CQ-JJ'],
    ['工地夜间施工噪音扰民,凌晨还在打桩', '文昌街道', false, 'CQ-CG'],
    ['公司拖欠工资三个月不发', '', false, 'CQ-RS'],
    ['小区突然停电,已经一天了', '张夏', false, 'CQ-POWER'],
    ['超市卖过期食品,要求退款', '', false, 'CQ-SCJG'],
    ['学校违规收取补课费', '', false, 'CQ-EDU'],
    // Police matters as citizens say them on the phone, not as a letter names them (duties.md, 2026.12-2).
    ['我家电动车昨晚在楼下被人偷了', '', true, 'CQ-XJ'],
    ['有人冒充客服让我转账，转了两万块钱', '', true, 'CQ-JZ'],
    ['我被人打了，脸上都是血', '', true, 'CQ-ZA'],
    ['十字路口两车相撞', '', true, 'CQ-JJ'],
    ['家里被人撬门进来，丢了现金和首饰', '', true, 'CQ-XJ'],
  ])('%s → %s', (content, address, police, unit) => {
    const d = at(content, address);
    expect({ police: d.police, lead: d.leadUnitCode }).toEqual({ police, lead: unit });
    expect(d.reasons.length).toBeGreaterThan(0);
    expect(d.knowledgeVersion).toBe(knowledge.version);
  });

  test('a station matter goes to the station whose area the address names, not a place mentioned in passing first', () => {
    expect(at('楼上装修噪音扰民,之前在崮云湖也遇到过', '长清区五峰山街道').leadUnitCode).toBe('CQ-PS-WUFENGSHAN');
    expect(at('楼上装修噪音扰民', '').leadUnitCode).toBe('CQ-ZA');
  });

  test('a negated matter does not count: "not a noise problem" is about the property fee', () => {
    const d = at('这不是噪音问题,是物业乱收物业费');
    expect(d).toMatchObject({ police: false, leadUnitCode: 'CQ-ZJ' });
  });

  test('"not their remit" does not count for the unit named: 不归城管管 is no vote for urban management', () => {
    expect(at('楼道里堆满杂物,这事不归城管管吧').leadUnitCode).not.toBe('CQ-CG');
    expect(at('楼道里堆满杂物,这事归城管管吧').leadUnitCode).toBe('CQ-CG');
  });

  test('a landmark is not the matter: a waste bin near a school goes to urban management; a fight outside a school is sure enough to dispatch', () => {
    expect(at('中学附近的垃圾箱长期没人清理').leadUnitCode).toBe('CQ-CG');
    expect(at('中学的垃圾箱长期没人清理').leadUnitCode).toBe('CQ-EDU');
    const fight = at('小学门口有人打架', '长清区文昌街道');
    expect(fight).toMatchObject({ police: true, leadUnitCode: 'CQ-PS-WENCHANG' });
    expect(fight.confidence).toBeGreaterThanOrEqual(0.8);
    // Knowledge saved before place markers existed still routes, taking the school for a matter of its own.
    const { placeMarkers: _, ...older } = knowledge as Knowledge;
    const before = compileKnowledge(older);
    expect(route({ content: '中学附近的垃圾箱长期没人清理' }, before, null).leadUnitCode).toBe('CQ-EDU');
    expect(route({ content: '小学门口有人打架', address: '长清区文昌街道' }, before, null).confidence).toBeLessThan(0.8);
  });

  test('a matter squarely in two duty lists names the second agency as assisting; a passing mention does not', () => {
    const both = at('小区物业公司拖欠保安工资三个月,物业费照收,农民工讨薪无门');
    expect(both.leadUnitCode).toBe('CQ-RS');
    expect(both.assistingUnitCodes).toEqual(['CQ-ZJ']);
    expect(both.reasons.some((r) => r.startsWith('协办：CQ-ZJ（'))).toBe(true);
    expect(at('公司拖欠工资三个月不发,住在小区里').assistingUnitCodes).toEqual([]);
  });

  test('emergency help is a police matter even when a utility is named: a gas leak with someone unconscious', () => {
    const d = at('楼道里燃气泄漏,有人晕倒了', '长清区文昌街道');
    expect({ police: d.police, lead: d.leadUnitCode }).toEqual({ police: true, lead: 'CQ-PS-WENCHANG' });
    expect(at('家里老人走失了,有老年痴呆', '孝里镇大街村')).toMatchObject({ police: true, leadUnitCode: 'CQ-PS-XIAOLI' });
  });

  test('with evidence on both sides of police-or-not, the confidence is bounded by the winning side\'s share, so a near tie goes to an operator', () => {
    const clear = at('楼上邻居半夜噪音扰民,音响太吵', '长清区文昌街道');
    const mixed = at('楼上邻居装修噪音扰民,物业不管,物业费照收', '长清区文昌街道');
    expect(clear.confidence).toBeGreaterThanOrEqual(0.8);
    expect(mixed.confidence).toBeLessThan(0.8);
    expect(mixed.reasons.join(' ')).toMatch(/涉警判断：(警务|非警务)职责词占全部证据的 \d+%/);
    expect(clear.reasons.join(' ')).not.toMatch(/涉警判断/);
  });

  test('an unclear message gets no unit and no confidence: an operator decides', () => {
    expect(at('你好,我想反映一个情况')).toMatchObject({ leadUnitCode: null, confidence: 0 });
  });

  test('every unit the knowledge names exists in the reference directory', () => {
    const codes = new Set(reference.units.map((u) => u.code));
    const named = [
      ...Object.keys(knowledge.agencies),
      ...Object.keys(knowledge.police),
      ...Object.keys(knowledge.gazetteer),
      ...Object.keys(knowledge.subdistrictGazetteer),
      knowledge.fallbackPoliceUnit,
    ];
    expect(named.filter((c) => !codes.has(c))).toEqual([]);
  });
});

describe('the learned model', () => {
  const examples = [
    ...['小区 物业 乱收费 停车费', '物业 公司 不作为 电梯 坏了', '开发商 延期 交房 房产证'].map((text) => ({ text, unitCode: 'CQ-ZJ' })),
    ...['医院 乱收费 医生 态度', '社区 卫生院 疫苗 接种', '医院 挂号 难 看病 贵'].map((text) => ({ text, unitCode: 'CQ-WJ' })),
  ];

  test('trains, predicts, explains and survives a JSON round trip with its version', () => {
    const model = train(examples, { minCount: 1 });
    const p = model.predict('医院 看病 医生');
    expect(p.get('CQ-WJ')!).toBeGreaterThan(p.get('CQ-ZJ')!);
    expect(model.explain('医院 看病 医生', 'CQ-WJ')).toContain('医院');
    const copy = new TextModel(JSON.parse(JSON.stringify(model)));
    expect(copy.version).toBe(model.version);
    expect(copy.predict('物业 电梯')).toEqual(model.predict('物业 电梯'));
  });

  test('the same examples give the same version; other examples another', () => {
    expect(train(examples, { minCount: 1 }).version).toBe(train(examples, { minCount: 1 }).version);
    expect(train(examples.slice(1), { minCount: 1 }).version).not.toBe(train(examples, { minCount: 1 }).version);
  });

  test('raw Chinese text is segmented into words; pre-segmented text is split on spaces', () => {
    expect(tokenize('小区物业乱收停车费')).toEqual(expect.arrayContaining(['小区', '物业']));
    expect(tokenize('小区 物业 乱收费')).toEqual(['小区', '物业', '乱收费']);
  });

  test('a model that learned enough of both sides votes on police or not: matters the duty lists miss', () => {
    const examples = [
      ...['小区门口有人吸笑气满地小钢瓶', '年轻人在车里吸笑气', '笑气钢瓶扔了一地有人吸食', '公园里有人吸食笑气', '吸笑气的人半夜聚集'].map((text) => ({ text, unitCode: 'CQ-JD' })),
      ...['公司拖欠工资不发', '老板拖欠农民工工资', '工资拖欠三个月', '拖欠工资讨薪无门', '单位拖欠工资'].map((text) => ({ text, unitCode: 'CQ-RS' })),
      ...['物业乱收物业费', '物业费上涨不合理', '物业公司不作为物业费', '物业费收费标准', '物业收费乱'].map((text) => ({ text, unitCode: 'CQ-ZJ' })),
    ];
    const model = train(examples, { minCount: 1, isPolice: (unit) => unit === 'CQ-JD' });
    const text = '楼下总有年轻人吸笑气,满地小钢瓶';
    const policy = { minExamplesPerSide: 5 };
    expect(at(text)).toMatchObject({ police: false, leadUnitCode: null });
    const learned = route({ content: text, address: '长清区文昌街道' }, compiled, model, { policy });
    expect(learned).toMatchObject({ police: true, leadUnitCode: 'CQ-JD', evidence: { side: { decidedBy: 'model' } } });
    expect(learned.reasons.join(' ')).toMatch(/判断涉警的概率为 \d+%/);
    // The partner matters stay with the partners.
    expect(route({ content: '公司拖欠工资三个月', address: '' }, compiled, model, { policy })).toMatchObject({ police: false, leadUnitCode: 'CQ-RS' });
    // With fewer police examples than the setting asks for, the model's vote cannot decide the side: an operator does.
    expect(route({ content: text, address: '长清区文昌街道' }, compiled, model, { policy: { minExamplesPerSide: 6 } })).toMatchObject({
      police: false,
      hold: 'side_unknown',
      evidence: { side: { decidedBy: 'default' } },
    });
    // With fewer than a quarter of them, it is not heard at all.
    expect(route({ content: text, address: '长清区文昌街道' }, compiled, model, { policy: { minExamplesPerSide: 21 } })).toMatchObject({ police: false, evidence: { side: { model: null } } });
  });

  test('police or not is learned with balanced priors: a history of partner matters with a handful of police ones is no evidence that fewer matters are police', () => {
    const partner = Array.from({ length: 300 }, (_, i) => ({ text: ['公司 拖欠 工资', '物业 乱收费', '商家 卖 假货 被骗'][i % 3] + ` 第${i}次`, unitCode: ['CQ-RS', 'CQ-ZJ', 'CQ-SCJG'][i % 3] }));
    const police = Array.from({ length: 6 }, (_, i) => ({ text: `有人 吸食 笑气 钢瓶 第${i}次`, unitCode: 'CQ-JD' }));
    const model = train([...partner, ...police], { minCount: 1, isPolice: (unit) => unit === 'CQ-JD' });
    // Six police examples against three hundred: still the police side for what they taught.
    expect(model.side!.predict('有人 吸食 笑气 钢瓶').get('police')!).toBeGreaterThan(0.9);
    expect(model.side!.predict('公司 拖欠 工资').get('police')!).toBeLessThan(0.1);
  });

  test('a text with no duty term of either side waits for an operator, however sure a model of partner agencies is of one of them', () => {
    // A history of partner agencies only: the unit model knows no police unit, and no side vote counts.
    const history = Array.from({ length: 300 }, (_, i) => ({ text: ['理发店 办卡 退款', '公司 拖欠 工资', '物业 电梯'][i % 3] + ` 第${i}次`, unitCode: ['CQ-SCJG', 'CQ-RS', 'CQ-ZJ'][i % 3] }));
    const model = train(history, { minCount: 1, isPolice: () => false, features: (text) => routingFeatures(text, compiled) });
    const content = '理发店收了钱就把我拉黑了';
    expect(matchTerms(content, compiled)).toEqual([]);
    const d = route({ content }, compiled, model);
    expect(d).toMatchObject({ leadUnitCode: 'CQ-SCJG', hold: 'side_unknown', evidence: { side: { decidedBy: 'default' } } });
    expect(d.reasons.join('')).toContain('无从判断是否涉警');
    // With a duty term, the same model's choice stands on its own.
    expect(route({ content: '理发店办卡后关门，要求退款' }, compiled, model).hold).toBeNull();
  });

  test('a core police matter stays a police matter whatever the model says: a disagreement goes to an operator', () => {
    // A centre whose operators sent online fraud to the market regulator, hundreds of times.
    const history = [
      ...Array.from({ length: 200 }, (_, i) => ({ text: `网购被人骗了${i}元，网络诈骗，商家不退款`, unitCode: 'CQ-SCJG' })),
      ...Array.from({ length: 200 }, (_, i) => ({ text: `小区里有人打架斗殴，第${i}次了`, unitCode: 'CQ-ZA' })),
    ];
    const model = train(history, { minCount: 1, isPolice: (unit) => unit === 'CQ-ZA', features: (text) => routingFeatures(text, compiled) });
    const d = route({ content: '被人骗了5000元，网络诈骗' }, compiled, model, { policy: { minExamplesPerSide: 100 } });
    expect(d).toMatchObject({ police: true, hold: 'side_disagreement' });
    expect(d.evidence.terms.some((t) => t.core)).toBe(true);
  });

  test('a citizen who says the same thing twice is routed the same: texts are weighed by length, not by word count', () => {
    const model = train(examples, { minCount: 1 });
    const once = '医院 看病 贵, 物业 电梯 坏了';
    const p = model.predict(once);
    const twice = model.predict(`${once} ${once} ${once}`);
    for (const [unit, probability] of p) expect(twice.get(unit)).toBeCloseTo(probability, 6);
  });

  test('a model stored before length normalisation still predicts from raw counts, as when it was trained', () => {
    const old = new TextModel({ version: 'nb-old', labels: ['A', 'B'], logPriors: [Math.log(0.5), Math.log(0.5)], words: { 路灯: [Math.log(0.9), Math.log(0.1)] }, unseen: [0, 0], trainedOn: 2 });
    // Two words: tempered by 1 + 2/6, so the odds are 9^(2 / (4/3)) = 27 to 1.
    expect(old.predictTokens(['路灯', '路灯']).get('A')).toBeCloseTo(27 / 28, 6);
  });

  test('words every unit\'s history uses alike lean to no unit, however many more orders one of them was sent', () => {
    // Complaints went to the property bureau 400 times and to tourism 24 times; each letter says 投诉 and 情况说明.
    const history = [
      ...Array.from({ length: 400 }, () => ({ text: '投诉 情况说明 物业 电梯', unitCode: 'A' })),
      ...Array.from({ length: 24 }, () => ({ text: '投诉 情况说明 景区 门票', unitCode: 'B' })),
      ...Array.from({ length: 400 }, () => ({ text: '投诉 情况说明 学校 补课', unitCode: 'C' })),
    ];
    const model = train(history);
    const p = model.predict('投诉 情况说明');
    for (const unit of ['A', 'B', 'C']) expect(p.get(unit)).toBeCloseTo(1 / 3, 2);
    // Its own words still decide, for the unit sent few orders as for the others.
    expect(highestOf(model.predict('投诉 景区'))).toBe('B');
    expect(highestOf(model.predict('投诉 物业'))).toBe('A');
  });

  test('a longer word the history never used whole is read by its parts, which are never given as a reason', () => {
    const history = [
      ...['乱 停车 堵路', '停车 收费 太贵', '停车场 收费 不合理'].map((text) => ({ text, unitCode: 'A' })),
      ...['路灯 不亮', '井盖 丢失', '道路 破损 积水'].map((text) => ({ text, unitCode: 'B' })),
    ];
    const model = train(history, { minCount: 1 });
    const text = '小区停车位不够'; // 小区 and 停车位: neither in the history, 停车 is
    expect(tokenize(text)).toContain('停车位');
    expect(model.predict(text).get('A')).toBeGreaterThan(0.75);
    expect(model.explain(text, 'A')).toEqual([]);
    // A model stored before it learned pairs reads whole words, as when it was trained: here none it knows.
    const wordsOnly = new TextModel({ ...model.data, wordPairs: undefined });
    expect(wordsOnly.predict(text).get('A')).toBeCloseTo(0.5, 6);
  });

  test('confidence means what it says: where a third of the history went elsewhere, the model is about two thirds sure', () => {
    // Street lights went to unit A two times in three, manholes to unit B two times in three.
    const history = Array.from({ length: 200 }, (_, k) => [
      { text: '路灯 坏了 不亮', unitCode: k % 3 === 0 ? 'B' : 'A' },
      { text: '井盖 丢了 危险', unitCode: k % 3 === 0 ? 'A' : 'B' },
    ]).flat();
    const p = train(history).predict('路灯 坏了 不亮').get('A')!;
    expect(p).toBeGreaterThan(0.55);
    expect(p).toBeLessThan(0.8);
  });

  test("the model learns how far a duty list is trusted: where the centre sends food safety to health, so does the router", () => {
    // The operators here send food complaints to the health bureau, whatever the market regulator's duty list says.
    const centre = [
      ...['饭店 食品安全 吃坏肚子', '食品卫生 餐馆 后厨 脏', '食品安全 学校 食堂 变质', '外卖 食品卫生 不合格'].map((text) => ({ text, unitCode: 'CQ-WJ' })),
      ...['公司 拖欠工资 不发', '拖欠 农民工 工资', '单位 不交 社保', '工资 拖欠 三个月'].map((text) => ({ text, unitCode: 'CQ-RS' })),
      ...['物业 乱收费', '物业费 上涨', '开发商 延期 交房', '小区 物业 不作为'].map((text) => ({ text, unitCode: 'CQ-ZJ' })),
    ];
    const text = '超市卖过期的面包'; // words the centre's history never used, whole or in part, but the market regulator's duty terms
    expect(at(text).leadUnitCode).toBe('CQ-SCJG');
    const withEvidence = train(centre, { minCount: 1, features: (t) => routingFeatures(t, compiled) });
    expect(route({ content: text }, compiled, withEvidence, { policy: { minExamplesPerSide: 1 } }).leadUnitCode).toBe('CQ-WJ');
    expect(routingFeatures(text, compiled)).toEqual(expect.arrayContaining(['duty:CQ-SCJG']));
    // Trained on the words alone, the model has nothing to say about it and the duty list decides.
    expect(route({ content: text }, compiled, train(centre, { minCount: 1 }), { policy: { minExamplesPerSide: 1 } }).leadUnitCode).toBe('CQ-SCJG');
  });

  test('a model that learned nothing about an order\'s words leaves it to the duty lists', () => {
    const peacocks = train(
      [...['孔雀 表演 太少', '孔雀 园区 门口'].map((text) => ({ text, unitCode: 'CQ-WL' })), ...['海豚 池塘 饲料', '海豚 养殖 池塘'].map((text) => ({ text, unitCode: 'CQ-NY' }))],
      { minCount: 1 },
    );
    const withModel = route({ content: '公司拖欠工资三个月' }, compiled, peacocks);
    expect(withModel).toMatchObject({ leadUnitCode: 'CQ-RS', confidence: at('公司拖欠工资三个月').confidence });
    expect(withModel.reasons.join(' ')).not.toContain('学习模型');
  });

  test('with a model, the router mixes learned and duty-list evidence and says so', () => {
    const model = train(examples, { minCount: 1 });
    const d = route({ content: '开发商延期交房,房产证办不下来' }, compiled, model, { policy: { minExamplesPerSide: 1 } });
    expect(d).toMatchObject({ police: false, leadUnitCode: 'CQ-ZJ', modelVersion: model.version });
    expect(d.reasons.some((r) => r.startsWith('学习模型'))).toBe(true);
    // A model that learned fewer examples of the side than the setting asks for leaves the unit to the duty lists.
    expect(route({ content: '开发商延期交房,房产证办不下来' }, compiled, model, { policy: { minExamplesPerSide: 100 } }).evidence.model).toBeNull();
  });
});

describe('the fast paths decide as the plain ones (issue 10: same decisions, only sooner)', () => {
  // A fixed pseudo-random sequence: the same texts every run.
  let seed = 12345;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const filler = '的了在是我有和就不人都一上也很到说要去你会着没看好自己这那里市区路号小区附近已经';
  const pieces = [...compiled.terms.map((t) => t.term), ...compiled.places.map((p) => p.place), ...(knowledge as Knowledge).negations, ...((knowledge as Knowledge).placeMarkers ?? [])];
  const texts = Array.from({ length: 400 }, () =>
    Array.from({ length: 1 + next(30) }, () => (next(3) ? pieces[next(pieces.length)] : filler.slice(next(filler.length), next(filler.length) + 4))).join(''),
  );

  /** matchTerms with every term found by indexOf, the way it was first written. */
  function plainMatches(text: string) {
    const found: { at: number; index: number }[] = [];
    compiled.terms.forEach((t, index) => {
      for (let at = text.indexOf(t.term); at >= 0; at = text.indexOf(t.term, at + 1)) found.push({ at, index });
    });
    found.sort((a, b) => a.index - b.index || a.at - b.at);
    const k = knowledge as Knowledge;
    const negated = new Uint8Array(text.length + 1);
    for (const n of k.negations) for (let s = text.indexOf(n); s >= 0; s = text.indexOf(n, s + 1)) negated.fill(1, s + n.length, Math.min(text.length, s + 4) + 1);
    const taken = new Uint8Array(text.length);
    const matches: { term: string; unit: string; at: number }[] = [];
    for (const { at, index } of found) {
      const t = compiled.terms[index];
      if ((taken[at] && taken[at + t.term.length - 1]) || negated[at]) continue;
      taken.fill(1, at, at + t.term.length);
      if ((k.placeMarkers ?? []).some((m) => text.startsWith(m, at + t.term.length))) continue;
      matches.push({ term: t.term, unit: t.unit, at });
    }
    return matches;
  }

  test('one automaton pass finds the duty terms a search for each term finds', () => {
    for (const text of texts) expect(matchTerms(text, compiled).map(({ term, unit, at }) => ({ term, unit, at }))).toEqual(plainMatches(text));
  });

  test('the place automaton picks the place a search through the gazetteer picks', () => {
    for (const text of texts) {
      for (const station of [true, false]) expect(findPlace(compiled, station, text)).toEqual(compiled.places.find((p) => p.station === station && text.includes(p.place)) ?? null);
    }
  });

  test('the model, its side model and its calibrated copies score as the sum over their word tables', () => {
    const isPolice = (unit: string) => unit in (knowledge as Knowledge).police;
    const model = train([...referenceExamples.police, ...referenceExamples.partner], { minCount: 1, isPolice, features: (t) => routingFeatures(t, compiled) });
    const plainScores = (m: TextModel, tokens: string[]) => {
      const counts = new Map<string, number>();
      for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
      const factor = m.data.textLength! / Math.sqrt([...counts.values()].reduce((s, c) => s + c * c, 0) || 1);
      const scores = [...m.data.logPriors];
      for (const [t, c] of counts) m.data.words[t]?.forEach((lp, i) => (scores[i] += c * factor * lp));
      return scores;
    };
    const copy = model.withCalibration({ from: [0, 0.5], to: [0.2, 0.9] });
    for (const text of texts.slice(0, 100)) {
      const tokens = routingFeatures(text, compiled);
      // The unit model reads the character pairs of the longer words beside the words themselves; the side model, the words.
      const features = [...tokens, ...wordPairs(tokens)];
      const weighed = new WeighedTokens(tokens, model.data.textLength, true);
      expect(model.scores(weighed)).toEqual(plainScores(model, features));
      expect(model.side!.scores(weighed)).toEqual(plainScores(model.side!, tokens));
      expect(model.scores(tokens)).toEqual(plainScores(model, features));
      expect(copy.predictTokens(tokens)).toEqual(model.predictTokens(weighed));
      expect(model.knowsAny(weighed)).toBe(features.some((t) => t in model.data.words));
    }
    expect(copy.calibrated(0.6)).toBe(0.9);
  });
});
