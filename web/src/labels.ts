/** Chinese for the API's codes (the work order's own are shared with the service's export). */
export { REQUEST_TYPE, SOURCE, STATE, URGENCY } from '../../src/modules/work-orders/names-zh';
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
export const URGENCY_TAG: Record<string, 'info' | 'warning' | 'danger'> = { normal: 'info', urgent: 'warning', critical: 'danger' };
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

export const UNIT_KIND: Record<string, string> = { brigade: '大队', station: '派出所', centre: '中心', agency: '职能部门', utility: '公共事业单位', subdistrict: '街道（镇）' };
export const DELIVERY_STATUS: Record<string, string> = { pending: '待发送', delivered: '已送达', failed: '发送失败' };
export const DELIVERY_TAG: Record<string, 'warning' | 'success' | 'danger'> = { pending: 'warning', delivered: 'success', failed: 'danger' };
export const MODEL_ACTION: Record<string, string> = {
  activated: '评估通过，自动启用',
  kept: '评估未通过，留待管理员决定',
  activated_by_admin: '管理员启用',
  deactivated: '管理员停用',
  replaced: '被新模型取代',
};

/** The orders the closure rate divides by (assessment.closureDenominator). */
export const CLOSURE_DENOMINATOR: Record<string, string> = { close_due: '当期到期应办结的工单', reply_due: '当期到期应回复的工单' };
/** The three rates of the composite score (assessment.weights), as the reports name them. */
export const RATE: Record<string, string> = { reply: '回复率', closure: '办结率', satisfaction: '满意率' };

/**
 * What each setting (GET /api/v1/settings) means, for administrators; the API's own description is in English.
 * `words`: the Chinese of the values a setting offers, or of its parts, for the page's choices and labelled inputs.
 */
export const SETTING: Record<string, { group: string; title: string; meaning: string; words?: Record<string, string> }> = {
  'supervision.leadName': { group: '督办', title: '督办牵头人', meaning: '局长督办单的牵头人（办公室主任），填写姓名或职务' },
  'supervision.slipWorkingDays': { group: '督办', title: '督办办理时限（工作日）', meaning: '自督办单发出至其期限的工作日数（1–60）' },
  'supervision.repeatThreshold': { group: '督办', title: '重复投诉督办门槛（件）', meaning: '同一问题源合并的重复投诉达到此件数即发督办单（1–1000）' },
  'supervision.slipOnFailedRedo': { group: '督办', title: '重办仍不满意发督办单', meaning: '重办后回访仍不满意时，是否自动发督办单' },
  'reports.issuer': { group: '通报', title: '发文机关', meaning: '印在通报和趋势页落款处的发文机关名称' },
  'reports.documentPrefix': { group: '通报', title: '通报文号字头', meaning: '通报文号的字头：如“长公热”得“长公热月通〔2026〕7号”“长公热季通〔2026〕3号”' },
  'routing.autoDispatchThreshold': { group: '智能分派', title: '自动派单置信度', meaning: '分派置信度（0–1）达到此值即自动派单，低于此值进入分派队列；大于 1 则全部人工分派' },
  'routing.targetAccuracy': { group: '智能分派', title: '自动派单目标准确率', meaning: '希望自动派单达到的准确率（0.5–1，如 0.97）：启用已评估模型时，按其留出样本曲线推算门槛；不设置则按“自动派单置信度”' },
  'routing.minExamplesPerSide': { group: '智能分派', title: '模型参与涉警判断的最少样本（每侧）', meaning: '模型须学过涉警、非警务各至少这么多样本，其“是否涉警”的判断才能单独定性；达到四分之一时，只用于与职责词不一致时转人工、或降低置信度，且只在被否定的一侧学过的样本与来件有相同词语时才算数' },
  'routing.minExamplesPerUnit': {
    group: '智能分派',
    title: '模型学习一个单位的最少样本',
    meaning: '某单位的样本少于此数时，模型暂不学习该单位，仍按职责清单分派；不足两个单位达到此数时，新模型学习全部单位，但不自动启用，留待管理员决定',
  },
  'repeats.windowDays': { group: '重复件', title: '重复件回溯天数', meaning: '新工单向前查找同一地点或同一来电人的早先工单的天数（1–365）' },
  'repeats.minSimilarity': { group: '重复件', title: '重复件文本相似度', meaning: '文本相似度（0–1）达到此值，同地点或同来电人的早先工单视为同一事项' },
  'callbacks.delayHours': { group: '回访', title: '回访时间（小时）', meaning: '单位回复后多少小时到期回访（0–720）' },
  'callbacks.maxAttempts': { group: '回访', title: '回访最多尝试次数', meaning: '未接通达到此次数，回访单列为“未接通”（1–10）' },
  'assessment.satisfiedLevels': { group: '考核', title: '计为满意的回访结果', meaning: '哪些回访结果计为满意（各地对“基本满意”口径不同）', words: SATISFACTION },
  'assessment.replyOnTimeOnly': { group: '考核', title: '回复率只计按时回复', meaning: '开启：回复率只计按时回复；关闭：计所有回复' },
  'assessment.closureOnTimeOnly': { group: '考核', title: '办结率只计按时办结', meaning: '开启：办结率只计按时办结；关闭：计所有办结' },
  'assessment.closureDenominator': { group: '考核', title: '办结率分母', meaning: '办结率除以当期到期应办结的工单，或当期到期应回复的工单', words: CLOSURE_DENOMINATOR },
  'assessment.weights': { group: '考核', title: '综合得分权重', meaning: '回复率、办结率、满意率在综合得分（0–100）中的权重', words: RATE },
  'assessment.minOrders': { group: '考核', title: '参与排名的最少工单数', meaning: '当期应办工单少于此数的单位列出但不排名' },
  'assessment.minCallbacks': { group: '考核', title: '参与排名的最少回访数', meaning: '成功回访少于此数的单位列出但不排名、不评优' },
  'assessment.unitKinds': { group: '考核', title: '参与排名的单位类别', meaning: '参与考核排名的单位类别（如派出所、大队）', words: UNIT_KIND },
  'assessment.excellentPerQuarter': { group: '考核', title: '每季度优秀单位数', meaning: '每季度按排名评选的优秀单位个数（1–50）' },
  'accounts.maxFailedAttempts': { group: '账号安全', title: '登录失败锁定次数', meaning: '连续登录失败达到此次数即锁定账号（1–100）' },
  'accounts.lockMinutes': { group: '账号安全', title: '锁定时长（分钟）', meaning: '登录失败过多后账号锁定的分钟数（1–1440）' },
  'accounts.minPasswordLength': { group: '账号安全', title: '密码最短长度', meaning: '账号密码至少的位数（8–128）' },
};
