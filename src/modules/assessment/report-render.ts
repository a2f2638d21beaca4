import type * as Echarts from 'echarts';
import type ExcelJSModule from 'exceljs';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns/format';
import type { RankingReport, Trends } from './assessment.service';
import { lastTied, type UnitResult } from './formulas';

/**
 * The commanders' reports in Chinese: the ranking as a spreadsheet, the printable bulletin
 * (通报) with a chart of the three rates per unit, and the trends page. Charts are drawn on
 * the server as SVG (ECharts' server-side renderer): the pages need no script and print as seen.
 *
 * ExcelJS and ECharts are loaded on first use: together they take about a second to load, which
 * every start-up would otherwise pay for reports that most processes never draw.
 */
const echarts = (): typeof Echarts => require('echarts') as typeof Echarts;
const excel = (): typeof ExcelJSModule => require('exceljs') as typeof ExcelJSModule;

const LEVEL_NAMES: Record<string, string> = {
  very_satisfied: '非常满意',
  satisfied: '满意',
  basically_satisfied: '基本满意',
  unsatisfied: '不满意',
  very_unsatisfied: '非常不满意',
};

export function periodName(period: RankingReport['period']): string {
  const [year, part] = period.label.split('-');
  if (period.kind === 'month') return `${year}年${Number(part)}月`;
  if (period.kind === 'quarter') return `${year}年第${'一二三四'[Number(part.slice(1)) - 1]}季度`;
  return `${year}年度`;
}

/** "2026-08-01 09:30" in Beijing time (UTC+8). */
/** An instant as the bureau's wall clock shows it (TZ_BUREAU). */
const bureauTime = (iso: string, timeZone: string) => format(new TZDate(iso, timeZone), 'yyyy-MM-dd HH:mm');

const percent = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
/** Scores always with two decimals (87.50), as a bulletin prints them. */
const score = (x: number | null) => (x === null ? '—' : x.toFixed(2));

/** 2026年8月3日: a date as Chinese documents write it, in the bureau's zone. */
export function chineseDate(instant: Date | string, timeZone: string): string {
  const d = new TZDate(new Date(instant).getTime(), timeZone);
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
}

/** Whether another ranked unit shares the unit's rank (并列). */
const tied = (u: UnitResult, units: UnitResult[]) => u.rank !== null && units.some((o) => o !== u && o.rank === u.rank);
/** "2" or "2（并列）". */
const rankText = (u: UnitResult, units: UnitResult[]) => (u.rank === null ? '不排名' : tied(u, units) ? `${u.rank}（并列）` : u.rank);

const COLUMNS: { header: string; width: number; value: (u: UnitResult, all: UnitResult[]) => string | number | null }[] = [
  { header: '名次', width: 9, value: (u, all) => rankText(u, all) },
  { header: '单位', width: 22, value: (u) => u.unitName },
  { header: '单位代码', width: 18, value: (u) => u.unitCode },
  { header: '应回复件数', width: 11, value: (u) => u.replyDue },
  { header: '按时回复', width: 10, value: (u) => u.repliedOnTime },
  { header: '回复率', width: 9, value: (u) => u.replyRate },
  { header: '应办结件数', width: 11, value: (u) => u.closeDue },
  { header: '按时办结', width: 10, value: (u) => u.closedOnTime },
  { header: '办结率', width: 9, value: (u) => u.closureRate },
  { header: '回访件数', width: 9, value: (u) => u.callbacksMade },
  { header: '回访成功', width: 9, value: (u) => u.successfulCallbacks },
  { header: '未接通', width: 8, value: (u) => u.unreachable },
  { header: '满意件数', width: 9, value: (u) => u.satisfiedCallbacks },
  { header: '满意率', width: 9, value: (u) => u.satisfactionRate },
  { header: '综合得分', width: 9, value: (u) => u.score },
  { header: '备注', width: 30, value: (u) => (u.notRankedBecause ? `不排名：${notRankedName(u.notRankedBecause)}` : '') },
];
const RATE_COLUMNS = new Set(['回复率', '办结率', '满意率']);

function notRankedName(reason: string): string {
  if (reason.startsWith('no orders')) return '本期无工单';
  if (reason.startsWith('no closing')) return '本期无应办结工单';
  const n = /(\d+)/.exec(reason)?.[1];
  return reason.includes('callbacks') ? `回访成功不足 ${n} 件` : `应办件数不足 ${n} 件`;
}

/** The ranking as an .xlsx workbook: the table, the consequences, and how the figures are computed. */
export async function rankingWorkbook(report: RankingReport): Promise<Buffer> {
  const book = new (excel().Workbook)();
  book.creator = '12345 热线工单系统';
  book.created = new Date(report.generatedAt);
  const sheet = book.addWorksheet('排名', { views: [{ state: 'frozen', ySplit: 2 }] });
  sheet.mergeCells(1, 1, 1, COLUMNS.length);
  sheet.getCell(1, 1).value = `${periodName(report.period)} 12345 热线工单办理情况排名（${report.document.number}）${report.final ? '' : '（本期尚未结束，数据仅供参考）'}`;
  sheet.getCell(1, 1).font = { bold: true, size: 14 };
  sheet.getRow(2).values = COLUMNS.map((c) => c.header);
  sheet.getRow(2).font = { bold: true };
  COLUMNS.forEach((c, i) => (sheet.getColumn(i + 1).width = c.width));
  for (const unit of report.units) sheet.addRow(COLUMNS.map((c) => c.value(unit, report.units)));
  COLUMNS.forEach((c, i) => {
    if (RATE_COLUMNS.has(c.header)) sheet.getColumn(i + 1).numFmt = '0.0%';
    if (c.header === '综合得分') sheet.getColumn(i + 1).numFmt = '0.00';
  });

  const consequences = book.addWorksheet('通报');
  const names = new Map(report.units.map((u) => [u.unitCode, u.unitName]));
  const list = (codes: string[]) => (codes.length ? codes.map((c) => names.get(c) ?? c).join('、') : '无');
  consequences.columns = [
    { header: '事项', width: 28 },
    { header: '单位', width: 80 },
  ];
  for (const [what, who] of consequenceLines(report, list)) consequences.addRow([what, who]);

  const method = book.addWorksheet('计算口径');
  method.columns = [
    { header: '项目', width: 24 },
    { header: '口径', width: 90 },
  ];
  for (const [what, how] of methodLines(report)) method.addRow([what, how]);
  return Buffer.from(await book.xlsx.writeBuffer());
}

function consequenceLines(report: RankingReport, list: (codes: string[]) => string): [string, string][] {
  const last = lastTied(report.units);
  const lines: [string, string][] = [
    ['通报表扬（满意率100%）', list(report.consequences.praised)],
    ['通报批评（排名末位）', last.length > 1 ? `末位并列：${list(last)}，由局领导研究确定` : list(report.consequences.criticised ? [report.consequences.criticised] : [])],
  ];
  if (report.period.kind === 'month') lines.push(['连续三个月排名后三位（在局长办公会作检查报告）', list(report.consequences.bottomThreeStreak)]);
  if (report.period.kind === 'quarter') lines.push(['季度优秀单位', list(report.consequences.excellent)]);
  if (report.period.kind === 'year') {
    lines.push(['各季度优秀单位', list(report.consequences.excellent)]);
    lines.push(['年度三次及以上优秀（年终奖励）', list(report.consequences.yearlyRewarded)]);
  }
  return lines;
}

function methodLines(report: RankingReport): [string, string][] {
  const f = report.formula;
  return [
    ['回复率', `${f.replyOnTimeOnly ? '按时回复' : '已回复'}件数 ÷ 本期应回复件数`],
    ['办结率', `${f.closureOnTimeOnly ? '按时办结' : '已办结'}件数 ÷ 本期${f.closureDenominator === 'close_due' ? '应办结' : '应回复'}件数`],
    ['满意率', `满意件数（${f.satisfiedLevels.map((l) => LEVEL_NAMES[l]).join('、')}）÷ 回访成功件数（未接通另计）`],
    ['综合得分', `回复率×${f.weights.reply} + 办结率×${f.weights.closure} + 满意率×${f.weights.satisfaction}（折合百分制，保留两位小数）`],
    ['排名条件', `应办件数不少于 ${f.minOrders} 件且回访成功不少于 ${f.minCallbacks} 件；不足者列出不排名`],
    ['并列处理', '综合得分高者在前；相同时依次比较满意率、回复率、回访成功件数；各项均相同者名次并列'],
    ['核减', '经热线中心批准核减的工单不计入该单位'],
  ];
}

/** The three rates per ranked unit as a grouped bar chart (SVG). */
export function ratesChart(units: UnitResult[], width = 1000, height = 420): string {
  const shown = units.filter((u) => u.ranked);
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({
    animation: false,
    title: { text: '各单位回复率、办结率、满意率', left: 'center', textStyle: { fontSize: 15 } },
    legend: { top: 28, data: ['回复率', '办结率', '满意率'] },
    grid: { left: 50, right: 20, top: 70, bottom: 90 },
    xAxis: { type: 'category', data: shown.map((u) => u.unitName), axisLabel: { rotate: 35, fontSize: 11 } },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: (['replyRate', 'closureRate', 'satisfactionRate'] as const).map((key, i) => ({
      name: ['回复率', '办结率', '满意率'][i],
      type: 'bar',
      data: shown.map((u) => Number(((u[key] ?? 0) * 100).toFixed(1))),
    })),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/** Monthly counts per category (the top ones) as a line chart (SVG). */
export function trendsChart(trends: Trends, width = 1000, height = 420): string {
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  const top = trends.byCategory.slice(0, 8);
  chart.setOption({
    animation: false,
    title: { text: '各类诉求月度件数', left: 'center', textStyle: { fontSize: 15 } },
    legend: { top: 28, data: top.map((c) => c.category) },
    grid: { left: 50, right: 20, top: 80, bottom: 40 },
    xAxis: { type: 'category', data: trends.months },
    yAxis: { type: 'value', minInterval: 1 },
    series: top.map((c) => ({ name: c.category, type: 'line', data: c.counts })),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const PAGE_STYLE = `
  body { font-family: "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 24px auto; max-width: 1040px; padding: 0 12px; color: #222; }
  h1 { text-align: center; font-size: 24px; color: #b00; margin-bottom: 4px; }
  .docno { text-align: center; margin: 0 0 6px; }
  .rule { border-bottom: 3px solid #b00; margin-bottom: 10px; }
  .provisional { border: 2px solid #e6a23c; background: #fdf6ec; color: #8a5a00; padding: 8px 12px; font-weight: bold; }
  .nodata { text-align: center; color: #777; padding: 40px 0; border: 1px dashed #ccc; }
  .signature { text-align: right; margin-top: 28px; line-height: 1.8; }
  .scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
  .chart svg { max-width: 100%; height: auto; }
  h2 { font-size: 17px; margin-top: 24px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { border: 1px solid #999; padding: 4px 6px; text-align: center; }
  th { background: #f3f3f3; }
  td.name { text-align: left; }
  tr.unranked td { color: #777; }
  .meta { text-align: center; color: #555; }
  .method { font-size: 12px; color: #555; }
  @media (max-width: 600px) {
    body { margin: 8px auto; }
    h1 { font-size: 19px; }
    table { font-size: 12px; }
    th, td { padding: 3px 4px; white-space: nowrap; }
    .scroll th:nth-child(2), .scroll td:nth-child(2) { position: sticky; left: 0; background: #fff; }
  }
  @media print { body { margin: 0; } h2 { page-break-after: avoid; } table, svg { page-break-inside: avoid; } .scroll { overflow: visible; } }`;
const HEAD = '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">';

/** 通报: the printable bulletin of a month's, quarter's or year's ranking. */
export function bulletinPage(report: RankingReport, timeZone: string): string {
  const names = new Map(report.units.map((u) => [u.unitCode, u.unitName]));
  const list = (codes: string[]) => (codes.length ? codes.map((c) => escape(names.get(c) ?? c)).join('、') : '无');
  const ranked = report.units.filter((u) => u.ranked);
  const sum = (key: 'replyDue' | 'repliedOnTime' | 'closeDue' | 'closedOnTime' | 'successfulCallbacks' | 'satisfiedCallbacks') => report.units.reduce((a, u) => a + u[key], 0);
  const overall = (a: number, b: number) => (b ? `${((a / b) * 100).toFixed(1)}%` : '—');
  const idle = report.units.filter((u) => u.notRankedBecause === 'no orders in the period');
  const shown = COLUMNS.filter((c) => c.header !== '单位代码');
  const rows = report.units
    .filter((u) => !idle.includes(u))
    .map(
      (u) => `<tr class="${u.ranked ? 'ranked' : 'unranked'}">${shown
        .map((c) => {
          const v = c.value(u, report.units);
          const text = RATE_COLUMNS.has(c.header) ? percent(v as number | null) : c.header === '综合得分' ? score(v as number | null) : v === null ? '—' : String(v);
          return `<td${c.header === '单位' || c.header === '备注' ? ' class="name"' : ''}>${escape(text)}</td>`;
        })
        .join('')}</tr>`,
    )
    .join('\n');
  const title = `${periodName(report.period)} 12345 热线工单办理情况通报`;
  const asOf = chineseDate(report.generatedAt, timeZone);
  // Before the period ends, nothing in it is a verdict: said before the ranking names anyone.
  const provisional = report.final
    ? ''
    : `<p class="provisional" data-test="provisional">本期尚未结束，以下为截至${escape(asOf)} ${escape(bureauTime(report.generatedAt, timeZone).slice(11))}的数据，排名及表扬、批评、优秀等结果仅供参考，以期满后的正式通报为准。</p>`;
  const empty = rows === '';
  return `<!doctype html>
<html lang="zh-CN"><head>${HEAD}<title>${escape(title)}</title><style>${PAGE_STYLE}</style></head>
<body>
<h1>${escape(title)}</h1>
<p class="docno" data-test="docno">${escape(report.document.number)}</p>
<div class="rule"></div>
${provisional}
<h2>一、总体情况</h2>
<p>本期应回复工单 ${sum('replyDue')} 件，按时回复 ${sum('repliedOnTime')} 件，回复率 ${overall(sum('repliedOnTime'), sum('replyDue'))}；
应办结 ${sum('closeDue')} 件，按时办结 ${sum('closedOnTime')} 件，办结率 ${overall(sum('closedOnTime'), sum('closeDue'))}；
回访成功 ${sum('successfulCallbacks')} 件，满意 ${sum('satisfiedCallbacks')} 件，满意率 ${overall(sum('satisfiedCallbacks'), sum('successfulCallbacks'))}。
参与排名单位 ${ranked.length} 个。</p>
<h2>二、各单位排名${report.final ? '' : '（暂定）'}</h2>
${ranked.length ? `<div class="chart">${ratesChart(report.units)}</div>` : '<p class="nodata" data-test="nodata">本期无数据</p>'}
${
  empty
    ? ''
    : `<div class="scroll"><table><thead><tr>${shown.map((c) => `<th>${c.header}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table></div>`
}
${idle.length ? `<p class="method">本期无工单、不参与排名的单位：${idle.map((u) => escape(u.unitName)).join('、')}</p>` : ''}
<h2>三、表扬与批评${report.final ? '' : '（暂定，期满后以正式通报为准）'}</h2>
<ul>${consequenceLines(report, list)
    .map(([what, who]) => `<li><b>${escape(what)}</b>：${who}</li>`)
    .join('')}</ul>
<h2>四、计算口径</h2>
<ul class="method">${methodLines(report)
    .map(([what, how]) => `<li>${escape(what)}：${escape(how)}</li>`)
    .join('')}</ul>
<div class="signature" data-test="signature">${escape(report.document.issuer)}<br>${escape(chineseDate(report.generatedAt, timeZone))}</div>
<p class="meta">生成时间 ${escape(bureauTime(report.generatedAt, timeZone))}</p>
</body></html>`;
}

/** "2026年7月" for "2026-07". */
const monthName = (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5))}月`;

/** 趋势: monthly counts per category, the hot spots and the top repeat sources. */
export function trendsPage(trends: Trends, issuer: string, timeZone: string, now: Date): string {
  const head = trends.months.map((m) => `<th>${escape(monthName(m))}</th>`).join('');
  const table = (rows: { name: string; counts: number[]; total: number }[]) =>
    rows.length === 0
      ? '<p class="nodata">本期无数据</p>'
      : `<div class="scroll"><table><thead><tr><th>名称</th>${head}<th>合计</th></tr></thead><tbody>${rows
          .map((r) => `<tr><td class="name">${escape(r.name)}</td>${r.counts.map((n) => `<td>${n}</td>`).join('')}<td>${r.total}</td></tr>`)
          .join('')}</tbody></table></div>`;
  const repeats = trends.repeatSources
    .map((g) => `<tr><td class="name">${escape(g.original.address || '—')}</td><td class="name">${escape(g.original.content.slice(0, 60))}</td><td>${g.count}</td><td>${g.callers}</td></tr>`)
    .join('');
  const span = `${monthName(trends.from)}至${monthName(trends.to)}`;
  const any = trends.byCategory.some((c) => c.total > 0);
  return `<!doctype html>
<html lang="zh-CN"><head>${HEAD}<title>诉求趋势 ${escape(span)}</title><style>${PAGE_STYLE}</style></head>
<body>
<h1>12345 热线诉求趋势（${escape(span)}）</h1>
<div class="rule"></div>
${any ? `<div class="chart">${trendsChart(trends)}</div>` : '<p class="nodata" data-test="nodata">本期无数据</p>'}
<h2>一、各类诉求月度件数</h2>
${table(trends.byCategory.map((c) => ({ name: c.category, counts: c.counts, total: c.total })))}
<h2>二、噪音扰民与不文明养犬（按诉求内容识别，含未分类工单）</h2>
${table(trends.byMatter.map((c) => ({ name: c.matter, counts: c.counts, total: c.total })))}
<h2>三、热点地点</h2>
${table(trends.hotSpots.map((p) => ({ name: p.place, counts: p.counts, total: p.total })))}
<h2>四、噪音与犬只投诉热点</h2>
${table(trends.noiseHotSpots.map((p) => ({ name: p.place, counts: p.counts, total: p.total })))}
<h2>五、重复投诉最多的问题（一点多投诉）</h2>
<div class="scroll"><table><thead><tr><th>地点</th><th>诉求</th><th>重复件数</th><th>来电人数</th></tr></thead><tbody>${repeats || '<tr><td colspan="4">无</td></tr>'}</tbody></table></div>
<div class="signature" data-test="signature">${escape(issuer)}<br>${escape(chineseDate(now, timeZone))}</div>
</body></html>`;
}
