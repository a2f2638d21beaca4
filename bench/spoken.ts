import { dispatchesItself } from '../src/modules/routing/evaluation';
import type { TextModel } from '../src/modules/routing/model';
import { route, type CompiledKnowledge, type RouterPolicy } from '../src/modules/routing/router';

/**
 * Hotline matters as citizens say them on the phone: short, in everyday words, unlike the long
 * letters of ../shared/data, which nearly always name some duty term. Written for the project
 * (no data file copied). `first` (30 police matters) was written on 2026-12-02 to try the router
 * as an operator would, and the spoken police terms of knowledge 2026.12-2 were written after
 * seeing how it fared; `later` (25 police, 15 partner matters) was written before those terms and
 * not looked at while writing them: its figures are the honest ones.
 */
export const SPOKEN = {
  first: [
    '我在网上买东西，对方收了钱就把我拉黑了',
    '有人冒充客服让我转账，转了两万块钱',
    '我家电动车昨晚在楼下被人偷了',
    '手机在公交车上被扒了',
    '邻居家男人天天打老婆，孩子在哭',
    '有个男的在小区门口拿着刀晃来晃去',
    '我儿子今天放学没回家，电话也打不通',
    '我老父亲有老年痴呆，早上出门到现在没回来',
    '身份证快过期了，在哪里换领新证',
    '孩子出生了要上户口需要什么材料',
    '想办个护照去旅游，要带什么',
    '我的车被人刮了，对方开车跑了',
    '十字路口两车相撞，有人受伤',
    '有人酒后开车，车子歪歪扭扭',
    '楼上每天半夜拖椅子，吵得睡不着',
    '小区里有人在偷偷开设赌场',
    '有人在出租屋里吸毒',
    '我收到短信说我中奖了，要先交手续费',
    '网上刷单被骗了三千',
    '有人在网上散布我的照片和个人信息',
    '民警出警态度很差，还骂人',
    '我被人打了，脸上都是血',
    '家里被人撬门进来，丢了现金和首饰',
    '有人在路边拉客卖淫',
    '高速路上有辆车着火了',
    '小孩在河边玩掉进水里了',
    '一个人站在天台边上想跳下去',
    '快递员送货时威胁我要弄死我',
    '有人往我家门上泼油漆，还写了欠债还钱',
    '借给朋友五万块钱不还，人也找不到了',
  ],
  later: [
    ['昨天晚上我家被小偷光顾了，抽屉里的钱全没了', true],
    ['我在菜市场买菜，钱包被人摸走了', true],
    ['对方自称是公安局的，说我涉嫌洗钱要我把钱转到安全账户', true],
    ['朋友介绍投资虚拟货币，现在平台提不了现，联系人也失联了', true],
    ['有个陌生人一直跟踪我下班回家，我很害怕', true],
    ['楼下有两伙人在互殴，有人拿了棍子', true],
    ['前夫喝醉了跑到我家砸东西，还扬言要杀了我', true],
    ['我女儿十五岁，昨晚离家后一直联系不上', true],
    ['一位老人在公园迷路了，说不清家在哪里', true],
    ['我的驾驶证被扣了12分，怎么恢复', true],
    ['电动车在小区车棚里充电时被人剪了电瓶偷走', true],
    ['出了交通事故，对方不肯赔钱，交警的认定书什么时候出', true],
    ['一辆面包车在学校门口撞倒了一个学生后逃跑了', true],
    ['有人在微信群里发赌博链接拉人下注', true],
    ['隔壁出租屋每晚都有很多人进出，怀疑在搞传销', true],
    ['我被人用假冒的二维码骗走了一千多块钱', true],
    ['老家户口想迁到城里来，需要办理什么手续', true],
    ['我的居民身份证被别人冒用办了手机卡', true],
    ['有人半夜在小区里大喊大叫砸车窗', true],
    ['一个醉汉躺在马路中间不肯走', true],
    ['邻居养的大狗没拴绳，把我孩子咬伤了', true],
    ['我借钱给别人，结果对方雇人天天上门催债恐吓', true],
    ['我报警三天了，派出所一直没人联系我', true],
    ['网上有人冒充我的名字借钱', true],
    ['河里有个人好像在挣扎，快来救人', true],
    ['小区电梯经常坏，物业不管', false],
    ['公司拖欠我三个月工资不发', false],
    ['在超市买到过期食品，商家拒绝退款', false],
    ['路边摊占道经营，晚上烧烤烟很大', false],
    ['我家楼下工地晚上十一点还在施工', false],
    ['医保卡在外地住院怎么报销', false],
    ['孩子学校食堂饭菜质量差', false],
    ['网购的衣服质量有问题，店家不给退货', false],
    ['小区停水两天了也没有通知', false],
    ['培训机构收了学费后关门跑路了', false],
    ['老旧小区改造进度太慢', false],
    ['快递被快递员弄丢了，快递公司不赔', false],
    ['手机号被运营商乱扣费', false],
    ['公交车司机开车打电话，很危险', false],
    ['低保申请一直没有批下来', false],
  ] as [string, boolean][],
};

export interface SpokenFigures {
  police: number;
  decidedPolice: number;
  /** Police matters the router would dispatch by itself to a partner agency. */
  autoToPartner: number;
  /** Police matters it would dispatch by itself to a police unit; the others wait for an operator. */
  autoToPolice: number;
  /** Police matters held for an operator because the learned side vote disagreed with the duty lists. */
  heldOnDisagreement: number;
  partner: number;
  decidedPartner: number;
  /** Partner matters it would dispatch by itself. */
  partnerAuto: number;
}

/** How the router decides the spoken matters of one set with this model (or the duty lists alone). */
export function spokenFigures(rows: [string, boolean][], compiled: CompiledKnowledge, model: TextModel | null, policy: RouterPolicy, threshold: number): SpokenFigures {
  const f: SpokenFigures = { police: 0, decidedPolice: 0, autoToPartner: 0, autoToPolice: 0, heldOnDisagreement: 0, partner: 0, decidedPartner: 0, partnerAuto: 0 };
  for (const [content, police] of rows) {
    const d = route({ content }, compiled, model, { policy });
    const auto = dispatchesItself(d, threshold);
    if (police) {
      f.police++;
      if (d.police) f.decidedPolice++;
      if (auto && d.police) f.autoToPolice++;
      else if (auto) f.autoToPartner++;
      if (d.hold === 'side_disagreement') f.heldOnDisagreement++;
    } else {
      f.partner++;
      if (!d.police) f.decidedPartner++;
      if (auto) f.partnerAuto++;
    }
  }
  return f;
}

export const spokenLine = (name: string, f: SpokenFigures): string =>
  `  ${name}: police matters decided police ${f.decidedPolice} of ${f.police}, dispatched by itself to a police unit ${f.autoToPolice}, to a partner agency ${f.autoToPartner}, held on a side disagreement ${f.heldOnDisagreement}` +
  (f.partner ? `; partner matters decided partner ${f.decidedPartner} of ${f.partner}, dispatched by itself ${f.partnerAuto}` : '');
