/** Chinese for the API's codes. */
export const STATE: Record<string, string> = {
  received: '待分派',
  dispatched: '已派单',
  signed: '办理中',
  returned: '退单待审',
  replied: '已回复',
  closed: '已办结',
  reopened: '重办',
  merged: '已合并',
  cancelled: '已作废',
};
export const STATE_TAG: Record<string, 'primary' | 'success' | 'warning' | 'danger' | 'info'> = {
  received: 'warning',
  dispatched: 'primary',
  signed: 'primary',
  returned: 'danger',
  replied: 'success',
  closed: 'info',
  reopened: 'danger',
  merged: 'info',
  cancelled: 'info',
};
export const URGENCY: Record<string, string> = { normal: '一般', urgent: '紧急', critical: '特急' };
export const URGENCY_TAG: Record<string, 'info' | 'warning' | 'danger'> = { normal: 'info', urgent: 'warning', critical: 'danger' };
export const REQUEST_TYPE: Record<string, string> = {
  consultation: '咨询',
  help: '求助',
  complaint: '投诉',
  report: '举报',
  suggestion: '建议',
  praise: '表扬',
  other: '其他',
};
export const SOURCE: Record<string, string> = { phone: '电话', web: '网站', wechat: '微信', transfer_110: '110 转接', walk_in: '来访', app: '移动应用' };
export const MILESTONE: Record<string, string> = { sign: '签收', reply: '回复', close: '办结' };
export const REPLY_RESULT: Record<string, string> = { resolved: '已解决', partly_resolved: '部分解决', unresolved: '未解决', explained: '已解释说明' };
export const INBOX_REASON: Record<string, string> = { to_sign: '待签收', in_hand: '办理中', reopened: '重办', return_pending: '退单待审', assisting: '协办' };
export const ROLE: Record<string, string> = { operator: '热线话务员', unit: '承办单位', commander: '局领导', admin: '系统管理员' };
export const OUTCOME: Record<string, string> = {
  auto_dispatched: '系统自动派单',
  triage: '待人工分派',
  confirmed: '话务员采纳建议',
  corrected: '话务员改派（纠正）',
  withdrawn: '已撤回（合并或作废）',
};
export const SATISFACTION: Record<string, string> = {
  very_satisfied: '非常满意',
  satisfied: '满意',
  basically_satisfied: '基本满意',
  unsatisfied: '不满意',
  very_unsatisfied: '非常不满意',
  unreachable: '未接通',
};
export const SLIP_STATE: Record<string, string> = { open: '督办中', result_submitted: '已报结果', closed: '已办结' };
export const SLIP_TRIGGER: Record<string, string> = { difficult: '疑难工单', overdue: '超期', redo_failed: '重办仍不满意', repeats: '重复投诉', commander: '领导交办' };
/** Actions of the life cycle (buttons) and of the history (events). */
export const ACTION: Record<string, string> = {
  create: '受理',
  dispatch: '派单',
  sign: '签收',
  return: '退单',
  'approve-return': '同意退单',
  'reject-return': '驳回退单',
  'request-extension': '申请延期',
  'approve-extension': '同意延期',
  'refuse-extension': '驳回延期',
  reply: '回复',
  close: '办结',
  reopen: '重办',
  cancel: '作废',
  merge: '合并重复件',
  'mark-difficult': '标记疑难',
  warn: '期限预警',
  overdue: '超期',
  urge: '催办',
  escalate: '升级督办',
  'link-repeat': '关联重复件',
  'link-noise-source': '关联噪音源',
  callback: '回访',
  'request-exemption': '申请核减',
  'approve-exemption': '同意核减',
  'refuse-exemption': '驳回核减',
  'close-slip': '督办单办结',
  'send-back-slip': '督办单退回',
  'slip-warn': '督办单预警',
  'slip-overdue': '督办单超期',
  'slip-progress': '督办进展',
  'slip-chief-callback': '负责人回访',
  'slip-result': '督办结果',
  'deadlines-moved': '期限调整',
};
export const label = (table: Record<string, string>, key: string | null | undefined) => (key ? (table[key] ?? key) : '—');

/**
 * The router gives its reasons in English for the API; staff read them in Chinese. Each known form
 * is rewritten with unit names; anything else is shown as it came.
 */
export function reasonText(reason: string, name: (code: string) => string): string {
  const rules: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/^police scope (\S+): (.*)$/, (m) => `涉警职责（${name(m[1])}）：${m[2]}`],
    [/^duty list (\S+): (.*)$/, (m) => `职责清单（${name(m[1])}）：${m[2]}`],
    [/^police or not: police terms weigh (\d+)% of the evidence$/, (m) => `涉警判断：涉警用语占依据的 ${m[1]}%`],
    [/^police or not: partner terms weigh (\d+)% of the evidence$/, (m) => `涉警判断：非警务用语占依据的 ${m[1]}%`],
    [/^place (.+) is in the area of (\S+)$/, (m) => `地点：${m[1]} 属 ${name(m[2])} 辖区`],
    [/^no place names a station's area: (\S+)$/, (m) => `地址未指明派出所辖区，默认 ${name(m[1])}`],
    [/^community matter in (.+)$/, (m) => `社区事务：${m[1]}`],
    [/^no duty term matched: an operator decides$/, () => '未匹配任何职责用语，请人工判断'],
    [/^assisting (\S+): (.*)$/, (m) => `协办（${name(m[1])}）：${m[2]}`],
    [/^learned model (\S+): a police matter \((\d+)% police\)$/, (m) => `学习模型 ${m[1]}：判断为涉警（涉警概率 ${m[2]}%）`],
    [/^learned model (\S+): not a police matter \((\d+)% police\)$/, (m) => `学习模型 ${m[1]}：判断为非警务（涉警概率 ${m[2]}%）`],
    [/^learned model (\S+): (\S+) (\d+)% \((.*)\)$/, (m) => `学习模型 ${m[1]}：${name(m[2])} ${m[3]}%（${m[4]}）`],
    [/^repeat of an earlier order \(similarity ([\d.]+)(.*)\): an operator decides whether to merge$/, (m) =>
      `疑似重复件（相似度 ${m[1]}${m[2].replace(', same caller', '，同一来电人').replace(', same place', '，同一地点')}），请判断是否合并`],
  ];
  for (const [pattern, render] of rules) {
    const m = reason.match(pattern);
    if (m) return render(m);
  }
  return reason;
}
