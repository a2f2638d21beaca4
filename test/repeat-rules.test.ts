import { findRepeat, isNoiseMatter, placeKey, textSimilarity } from '../src/modules/repeats/similarity';

describe('repeat complaints as rules (domain.md §11)', () => {
  test.each([
    ['长清区文昌街道清河街幸福小区3号楼2单元', '文昌街道清河街幸福小区'],
    ['山东省济南市长清区 文昌街道清河街幸福小区', '文昌街道清河街幸福小区'],
    ['孝里镇大街村', '孝里镇大街村'],
    ['长清区大学路１２号', '大学路12号'],
    ['长清区大学路12号3楼', '大学路12号'],
    ['长清区文昌街道清河街4号院2单元301', '文昌街道清河街4号院'],
    ['长清区文昌街道清河街3号楼2单元', '文昌街道清河街'],
    ['长清区', ''],
  ])('the place key of %s is %s', (address, key) => {
    expect(placeKey(address)).toBe(key);
  });

  test('the noise-source register follows noise and dogs, not every matter at the place', () => {
    expect(isNoiseMatter('楼下广场舞音响太吵')).toBe(true);
    expect(isNoiseMatter('邻居家的狗半夜一直叫')).toBe(true);
    expect(isNoiseMatter('物业乱收停车费')).toBe(false);
  });

  test('messages about the same matter are alike; different matters are not', () => {
    const a = '小区楼下广场舞音响太吵,晚上十点还在跳';
    expect(textSimilarity(a, '楼下广场舞音响声音太大,晚上十点多还在跳')).toBeGreaterThan(0.5);
    expect(textSimilarity(a, '公司拖欠工资三个月不发')).toBeLessThan(0.1);
  });

  test('a repeat needs the same place or the same caller, and much the same words; the original of a repeat is the root', () => {
    const order = { content: '广场舞音响太吵晚上十点还在跳', placeKey: '文昌街道幸福小区' };
    const alike = '广场舞音响太吵,晚上还在跳';
    expect(findRepeat(order, [{ id: 'a', content: alike, placeKey: '别处', sameCaller: false, rootId: null }], 0.35)).toBeNull();
    expect(findRepeat(order, [{ id: 'a', content: '拖欠工资', placeKey: '文昌街道幸福小区', sameCaller: true, rootId: null }], 0.35)).toBeNull();
    expect(findRepeat(order, [{ id: 'b', content: alike, placeKey: '文昌街道幸福小区', sameCaller: false, rootId: 'root' }], 0.35)).toMatchObject({
      originalId: 'root',
      matchedId: 'b',
      samePlace: true,
      sameCaller: false,
    });
  });

  test('of equally alike earlier orders (given newest first) the earliest is the match: the original, not a later repeat not yet linked', () => {
    const order = { content: '小区门口烧烤摊油烟很大', placeKey: '文昌街道幸福小区' };
    const at = (id: string) => ({ id, content: order.content, placeKey: order.placeKey, sameCaller: false, rootId: null });
    expect(findRepeat(order, [at('newest'), at('middle'), at('earliest')], 0.35)).toMatchObject({ originalId: 'earliest', matchedId: 'earliest' });
  });
});
