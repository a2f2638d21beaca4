/**
 * The Chinese names of a work order's codes, one copy for the service (the search export) and the
 * workspace (web/src/labels.ts re-exports them): plain data, so the browser build can import it.
 */
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
export const URGENCY: Record<string, string> = { normal: '一般', urgent: '紧急', critical: '特急' };
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
