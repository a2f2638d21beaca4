import type ExcelJSModule from 'exceljs';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { maskPhone } from './work-order.views';
import type { WorkOrderView } from './work-order.schemas';
import { REQUEST_TYPE, SOURCE, STATE, URGENCY } from './names-zh';

/**
 * Search results as an .xlsx workbook with Chinese headings. ExcelJS is loaded on first use, as
 * the rankings spreadsheet loads it (report-render.ts): most processes never export.
 * Every phone number is masked as the order view masks a confidential one (138****5678): a
 * spreadsheet leaves the service, and a callback is made from the order page, not from a file.
 */
const excel = (): typeof ExcelJSModule => require('exceljs') as typeof ExcelJSModule;

/** The most orders one export holds; a search with more is asked to narrow its filters. */
export const EXPORT_MAX_ROWS = 5000;


export function exportWorkbookName(now: Date, timeZone: string): string {
  return `工单查询结果-${format(new TZDate(now, timeZone), 'yyyyMMdd-HHmm')}.xlsx`;
}

export async function ordersWorkbook(orders: WorkOrderView[], timeZone: string, filters: string): Promise<Buffer> {
  const at = (iso: string | null) => (iso ? format(new TZDate(iso, timeZone), 'yyyy-MM-dd HH:mm') : '');
  const columns: { header: string; width: number; value: (o: WorkOrderView) => string | number }[] = [
    { header: '工单编号', width: 22, value: (o) => o.externalNo },
    { header: '受理时间', width: 17, value: (o) => at(o.receivedAt) },
    { header: '来源', width: 8, value: (o) => SOURCE[o.source] ?? o.source },
    { header: '诉求类型', width: 8, value: (o) => REQUEST_TYPE[o.requestType] ?? o.requestType },
    { header: '紧急程度', width: 8, value: (o) => URGENCY[o.urgency] ?? o.urgency },
    { header: '状态', width: 9, value: (o) => STATE[o.state] ?? o.state },
    { header: '主办单位', width: 18, value: (o) => o.leadUnit?.name ?? '' },
    { header: '市民', width: 8, value: (o) => o.citizen.name },
    { header: '电话', width: 14, value: (o) => maskPhone(o.citizen.phone) },
    { header: '地址', width: 30, value: (o) => o.address },
    { header: '分类', width: 12, value: (o) => o.category ?? '' },
    { header: '诉求内容', width: 60, value: (o) => o.content },
    { header: '超期', width: 6, value: (o) => (o.deadlines.some((d) => d.overdue) ? '是' : '') },
    { header: '督办单', width: 18, value: (o) => o.slips.map((s) => s.number).join('、') },
    { header: '答复', width: 40, value: (o) => o.reply?.text ?? '' },
    { header: '办结时间', width: 17, value: (o) => at(o.closedAt) },
  ];
  const book = new (excel().Workbook)();
  book.creator = '12345 热线工单系统';
  const sheet = book.addWorksheet('工单', { views: [{ state: 'frozen', ySplit: 2 }] });
  sheet.mergeCells(1, 1, 1, columns.length);
  sheet.getCell(1, 1).value = `工单查询结果（${orders.length} 件）${filters ? `：${filters}` : ''}`;
  sheet.getCell(1, 1).font = { bold: true, size: 13 };
  sheet.getRow(2).values = columns.map((c) => c.header);
  sheet.getRow(2).font = { bold: true };
  columns.forEach((c, i) => (sheet.getColumn(i + 1).width = c.width));
  for (const o of orders) sheet.addRow(columns.map((c) => c.value(o)));
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The filters of a search in Chinese, for the sheet's title line. */
export function filtersText(query: Record<string, unknown>, timeZone: string): string {
  const parts: string[] = [];
  const day = (iso: unknown) => format(new TZDate(String(iso), timeZone), 'yyyy-MM-dd HH:mm');
  if (query.externalNo) parts.push(`工单编号 ${String(query.externalNo)}`);
  if (query.phone) parts.push(`电话 ${maskPhone(String(query.phone))}`);
  if (query.phoneLast4) parts.push(`电话尾号 ${String(query.phoneLast4)}`);
  if (query.q) parts.push(`关键词“${String(query.q)}”`);
  if (query.unitCode) parts.push(`主办单位 ${String(query.unitCode)}`);
  if (Array.isArray(query.state) && query.state.length) parts.push(`状态 ${query.state.map((s) => STATE[String(s)] ?? s).join('、')}`);
  if (query.requestType) parts.push(`诉求类型 ${REQUEST_TYPE[String(query.requestType)] ?? query.requestType}`);
  if (query.urgency) parts.push(`紧急程度 ${URGENCY[String(query.urgency)] ?? query.urgency}`);
  if (query.receivedFrom) parts.push(`受理自 ${day(query.receivedFrom)}`);
  if (query.receivedTo) parts.push(`受理至 ${day(query.receivedTo)} 前`);
  if (query.overdue !== undefined) parts.push(query.overdue ? '超期' : '未超期');
  if (query.slip !== undefined) parts.push(query.slip ? '督办中' : '未督办');
  return parts.join('，');
}
