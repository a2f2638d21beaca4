import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../src/modules/routing/csv';
import { compileKnowledge, route, type Knowledge } from '../src/modules/routing/router';
import { ACCEPTED, half } from './routing-labels';

/**
 * The duty lists at cold start, old against new, on halves of the labelled development files
 * (../shared/data, never copied into the project) that are fixed by a hash of each message id:
 * the "seen" half may be looked at while the lists are written, the "unseen" half only through
 * the aggregate figures printed here. Agency-group accuracy on topic-dev, police precision and
 * recall (decision.police) on handled-dev.
 *
 *   npx tsc --outDir dist --rootDir . --module commonjs --target ES2022 \
 *     --esModuleInterop --resolveJsonModule --skipLibCheck bench/duty-lists.ts
 *   ROUTING_DATA=/work/shared/data node dist/bench/duty-lists.js
 *
 * The term lists of knowledge.json are written from src/modules/routing/data/duties.md, where each
 * term stands under the duty it comes from: `--write` regenerates them (version, negations, place
 * markers and gazetteers are kept), `--check` exits 1 when the two disagree.
 *
 * `--seen` prints the seen half only (use it while writing the lists; look at the unseen half once, at the end).
 *
 * OLD_KNOWLEDGE_REF names the git revision of the old lists (default: 2026.11-7, the last
 * version tuned on the development file); NEW_KNOWLEDGE the file of the new ones.
 */
const ROOT = process.cwd();
const DATA = path.resolve(ROOT, process.env.ROUTING_DATA ?? '../shared/data');
const KNOWLEDGE_PATH = 'src/modules/routing/data/knowledge.json';
const OLD_REF = process.env.OLD_KNOWLEDGE_REF ?? 'fecea6b';
const NEW_FILE = path.resolve(ROOT, process.env.NEW_KNOWLEDGE ?? KNOWLEDGE_PATH);

export { half };

function read(file: string): Record<string, string>[] {
  return parseCsv(readFileSync(path.join(DATA, file), 'utf8')).rows;
}

function loadOld(): Knowledge {
  return JSON.parse(execFileSync('git', ['show', `${OLD_REF}:${KNOWLEDGE_PATH}`], { cwd: ROOT, encoding: 'utf8' })) as Knowledge;
}

const round = (x: number) => Number(x.toFixed(3));

function score(knowledge: Knowledge, topics: Record<string, string>[], handled: Record<string, string>[]) {
  const compiled = compileKnowledge(knowledge);
  const accuracy = (rows: Record<string, string>[]) => {
    const right = rows.filter((r) => {
      const lead = route({ content: r.text }, compiled).leadUnitCode;
      return lead !== null && ACCEPTED[r.label]?.includes(lead);
    }).length;
    return round(right / Math.max(1, rows.length));
  };
  const police = (rows: Record<string, string>[]) => {
    const said = rows.map((r) => ({ truth: r.police === '1', police: route({ content: r.text }, compiled).police }));
    const tp = said.filter((x) => x.truth && x.police).length;
    const fp = said.filter((x) => !x.truth && x.police).length;
    const fn = said.filter((x) => x.truth && !x.police).length;
    return { precision: round(tp / Math.max(1, tp + fp)), recall: round(tp / Math.max(1, tp + fn)), n: rows.length, police: tp + fn };
  };
  const out: Record<string, unknown> = {};
  // --seen: the seen half only, for use while the lists are being written.
  const parts = process.argv.includes('--seen') ? (['seen'] as const) : (['seen', 'unseen', 'all'] as const);
  for (const part of parts) {
    const t = part === 'all' ? topics : topics.filter((r) => half(r.id) === part);
    const h = part === 'all' ? handled : handled.filter((r) => half(r.id) === part);
    out[part] = { agencyGroupAccuracy: accuracy(t), topics: t.length, ...police(h) };
  }
  return out;
}

const DUTIES_PATH = 'src/modules/routing/data/duties.md';
const SUBDISTRICT = '街道办事处';

interface DutyTerm {
  term: string;
  weight: number;
  core?: true;
}

/** The term lists of duties.md: `## CODE name` headings, then `- weight[ 核心]：term、term` lines. */
export function parseDuties(markdown: string): { agencies: Record<string, DutyTerm[]>; subdistrictDuties: DutyTerm[]; police: Record<string, DutyTerm[]> } {
  const agencies: Record<string, DutyTerm[]> = {};
  const police: Record<string, DutyTerm[]> = {};
  const subdistrictDuties: DutyTerm[] = [];
  let section: 'agencies' | 'police' = 'agencies';
  let list: DutyTerm[] | null = null;
  for (const line of markdown.split('\n')) {
    if (/^# 公安/.test(line)) section = 'police';
    const heading = /^## (\S+)/.exec(line);
    if (heading) {
      if (heading[1] === SUBDISTRICT) list = subdistrictDuties;
      else if (/^CQ-/.test(heading[1])) list = (section === 'police' ? police : agencies)[heading[1]] = [];
      else list = null;
      continue;
    }
    const terms = /^- ([123])( 核心)?：(.+)$/.exec(line.trim());
    if (!terms || !list) continue;
    for (const term of terms[3].split('、').map((t) => t.trim()).filter(Boolean)) {
      list.push({ term, weight: Number(terms[1]), ...(terms[2] ? { core: true as const } : {}) });
    }
  }
  return { agencies, subdistrictDuties, police };
}

/** Where duties.md and knowledge.json disagree, and terms given to more than one unit. */
function differences(knowledge: Knowledge, duties: ReturnType<typeof parseDuties>): string[] {
  const flat = (k: Pick<Knowledge, 'agencies' | 'subdistrictDuties' | 'police'>) =>
    new Map(
      [
        ...Object.entries(k.agencies).flatMap(([u, l]) => l.map((t) => [u, t] as const)),
        ...k.subdistrictDuties.map((t) => ['@subdistrict', t] as const),
        ...Object.entries(k.police).flatMap(([u, l]) => l.map((t) => [u, t] as const)),
      ].map(([u, t]) => [t.term, `${u} ${t.weight}${(t as DutyTerm).core ? ' core' : ''}`]),
    );
  const a = flat(knowledge);
  const b = flat(duties);
  const out: string[] = [];
  for (const [term, v] of b) if (a.get(term) !== v) out.push(`${term}: duties.md ${v}, knowledge.json ${a.get(term) ?? 'absent'}`);
  for (const [term, v] of a) if (!b.has(term)) out.push(`${term}: knowledge.json ${v}, not in duties.md`);
  const seen = new Map<string, number>();
  for (const l of [...Object.values(duties.agencies), duties.subdistrictDuties, ...Object.values(duties.police)]) for (const t of l) seen.set(t.term, (seen.get(t.term) ?? 0) + 1);
  for (const [term, n] of seen) if (n > 1) out.push(`${term}: given ${n} times in duties.md`);
  return out;
}

function main(): void {
  const duties = parseDuties(readFileSync(path.resolve(ROOT, DUTIES_PATH), 'utf8'));
  if (process.argv.includes('--write')) {
    const current = JSON.parse(readFileSync(NEW_FILE, 'utf8')) as Knowledge;
    const { version, ...rest } = current;
    // The units in the order the file already has them, so that a rewrite changes only the terms.
    const ordered = <T>(was: Record<string, unknown>, now: Record<string, T>) =>
      Object.fromEntries([...Object.keys(was).filter((u) => u in now), ...Object.keys(now).filter((u) => !(u in was))].map((u) => [u, now[u]]));
    const written = { version, ...rest, ...duties, agencies: ordered(current.agencies, duties.agencies), police: ordered(current.police, duties.police) };
    writeFileSync(NEW_FILE, `${JSON.stringify(written, null, 1)}\n`);
    process.stdout.write(`wrote ${NEW_FILE} from ${DUTIES_PATH}\n`);
    return;
  }
  if (process.argv.includes('--check')) {
    const diff = differences(JSON.parse(readFileSync(NEW_FILE, 'utf8')) as Knowledge, duties);
    process.stdout.write(diff.length ? `${diff.join('\n')}\n` : 'duties.md and knowledge.json agree\n');
    process.exitCode = diff.length ? 1 : 0;
    return;
  }
  if (!existsSync(path.join(DATA, 'topic-dev.csv'))) {
    process.stdout.write(`duty-lists: no labelled data at ${DATA}; skipped\n`);
    return;
  }
  const topics = read('topic-dev.csv');
  const handled = read('handled-dev.csv');
  const newKnowledge = JSON.parse(readFileSync(NEW_FILE, 'utf8')) as Knowledge;
  const results = { [`old (${OLD_REF})`]: score(loadOld(), topics, handled), [`new (${newKnowledge.version})`]: score(newKnowledge, topics, handled) };
  for (const [name, parts] of Object.entries(results)) {
    process.stdout.write(`${name}\n`);
    for (const [part, r] of Object.entries(parts as Record<string, { agencyGroupAccuracy: number; topics: number; precision: number; recall: number; n: number; police: number }>)) {
      process.stdout.write(
        `  ${part.padEnd(6)} agency-group accuracy ${r.agencyGroupAccuracy.toFixed(3)} (${r.topics})   police precision ${r.precision.toFixed(3)} recall ${r.recall.toFixed(3)} (${r.police} police of ${r.n})\n`,
      );
    }
  }
  process.stdout.write(`DUTY_LISTS_RESULT ${JSON.stringify(results)}\n`);
}

main();
