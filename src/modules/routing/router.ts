import { PARTNER_SIDE, POLICE_SIDE, tokenize, type TextModel } from './model';

/**
 * The router (domain.md §1, §5): from an order's text, address and platform category to
 * police or not, the lead unit, a confidence and the reasons. Pure: the knowledge and the
 * learned model come in as data, nothing is read from elsewhere.
 */

export interface Term {
  term: string;
  /** 3: the unit's core matter, 2: typical, 1: a hint. */
  weight: number;
  /**
   * A core police matter (crime and fraud, violence, ID cards and household registration, traffic
   * violations and accidents, emergencies: domain.md §5): never sent to a partner agency because of a model.
   */
  core?: boolean;
}

/** Routing knowledge as data (src/modules/routing/data/knowledge.json), editable by administrators. */
export interface Knowledge {
  version: string;
  /** Each partner agency's duty list (职责清单). */
  agencies: Record<string, Term[]>;
  /** Community matters: they go to the sub-district office of the address. */
  subdistrictDuties: Term[];
  /** The police scope by internal unit. */
  police: Record<string, Term[]>;
  /** Police units whose matters belong to the station of the address (public order, noise, dogs). */
  stationMatters: string[];
  /** Where a station matter goes when no place in the order names a station's area. */
  fallbackPoliceUnit: string;
  /** Words that, just before a term, say the matter is not that ("不是噪音问题"). */
  negations: string[];
  /** Words that, just after a term, make it a landmark rather than the matter ("学校附近的垃圾箱"); absent in versions saved before. */
  placeMarkers?: string[];
  /** Place names of each station's area. */
  gazetteer: Record<string, string[]>;
  /** Place names of each sub-district office's area. */
  subdistrictGazetteer: Record<string, string[]>;
}

export interface RoutingInput {
  content: string;
  address?: string;
  category?: string | null;
}

export interface Alternative {
  unitCode: string;
  score: number;
}

export interface RoutingDecision {
  police: boolean;
  /** How sure the router is that this is a police matter, 0 to 1. */
  policeProbability: number;
  leadUnitCode: string | null;
  /** The unit whose matter it is before the address picks a station or a sub-district office (what a model learns). */
  matterUnitCode: string | null;
  assistingUnitCodes: string[];
  /** 0 to 1, calibrated once a model is evaluated; below the auto-dispatch threshold the order waits for an operator. */
  confidence: number;
  /** Set when the order waits for an operator whatever its confidence. */
  hold: HoldReason | null;
  alternatives: Alternative[];
  /** In Chinese, for the operators. */
  reasons: string[];
  evidence: Evidence;
  knowledgeVersion: string;
  modelVersion: string | null;
}

interface CompiledTerm {
  term: string;
  weight: number;
  unit: string;
  police: boolean;
  core: boolean;
  /** `unit:term`, built once: a decision counts the repeats of each term of each unit by it. */
  key: string;
}

/**
 * The knowledge made ready for matching once: every duty term, negation and place marker in one
 * Aho–Corasick automaton (the terms first, then the negations, then the markers), every place name
 * in another.
 */
export interface CompiledKnowledge {
  knowledge: Knowledge;
  terms: CompiledTerm[];
  automaton: Automaton;
  places: { place: string; unit: string; station: boolean }[];
  placeAutomaton: Automaton;
}

/**
 * A trie of the terms with its failure links already followed, so that one pass over a text
 * finds every term in it with at most one hash look-up per character. Keyed by UTF-16 code unit.
 */
interface Automaton {
  /** Each code unit's symbol: its index in the terms' alphabet plus one, 0 for one no term contains. */
  symbols: Int32Array;
  /** The root's move on each symbol (0: stay at the root). */
  root: Int32Array;
  /** Every other node's moves, failure links followed, keyed node × (alphabet size + 1) + symbol; missing: the root's move. */
  moves: IntTable;
  width: number;
  /**
   * Indexes of the terms ending at each node: those of node n are `ends[endsFrom[n]]` up to
   * `ends[endsFrom[n + 1]]`. Two flat arrays rather than an array per node, because they are read
   * at every character and an array per node is another object to fetch into the cache each time.
   */
  endsFrom: Int32Array;
  ends: Int32Array;
}

function buildAutomaton(terms: readonly string[]): Automaton {
  const symbols = new Int32Array(0x10000);
  let width = 1;
  for (const term of terms) for (let i = 0; i < term.length; i++) if (!symbols[term.charCodeAt(i)]) symbols[term.charCodeAt(i)] = width++;
  const next: Map<number, number>[] = [new Map()];
  const out: number[][] = [[]];
  terms.forEach((term, index) => {
    let node = 0;
    for (let i = 0; i < term.length; i++) {
      const symbol = symbols[term.charCodeAt(i)];
      let child = next[node].get(symbol);
      if (child === undefined) {
        child = next.length;
        next.push(new Map());
        out.push([]);
        next[node].set(symbol, child);
      }
      node = child;
    }
    out[node].push(index);
  });
  const root = new Int32Array(width);
  for (const [symbol, child] of next[0]) root[symbol] = child;
  // Breadth first, so that a node's failure target (shallower) has its moves resolved before it.
  const fail = new Array<number>(next.length).fill(0);
  const resolved: Map<number, number>[] = [new Map()];
  const pairs: number[] = [];
  const queue = [...next[0].values()];
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q];
    // The moves of a node other than the root's: its own, then those its failure target has (the root's are the fallback).
    const own = new Map(resolved[fail[node]]);
    for (const [symbol, child] of next[node]) {
      own.set(symbol, child);
      fail[child] = resolved[fail[node]].get(symbol) ?? root[symbol];
      out[child] = [...out[child], ...out[fail[child]]];
      queue.push(child);
    }
    resolved[node] = own;
    for (const [symbol, child] of own) pairs.push(node * width + symbol, child);
  }
  return { symbols, root, moves: intTable(pairs), width, ...flatten(out) };
}

/** Lists of numbers as one array and where each list starts in it (and where the last ends). */
function flatten(lists: readonly number[][]): { endsFrom: Int32Array; ends: Int32Array } {
  const endsFrom = new Int32Array(lists.length + 1);
  lists.forEach((list, i) => (endsFrom[i + 1] = endsFrom[i] + list.length));
  return { endsFrom, ends: Int32Array.from(lists.flat()) };
}

/**
 * Non-negative integer keys to positive values by open addressing: the automaton's moves are
 * looked up once per character of every order, where a Map of numbers costs several times more.
 * Each slot's key and value sit side by side (`slots[2s]`, `slots[2s + 1]`), so that a look-up
 * reads one place in memory rather than two.
 */
interface IntTable {
  slots: Int32Array;
  mask: number;
}

/** From [key, value, key, value...]. */
function intTable(pairs: readonly number[]): IntTable {
  let size = 16;
  while (size < pairs.length) size *= 2;
  const table = { slots: new Int32Array(2 * size).fill(-1), mask: size - 1 };
  for (let p = 0; p < pairs.length; p += 2) {
    let slot = Math.imul(pairs[p], 0x9e3779b1) & table.mask;
    while (table.slots[2 * slot] !== -1 && table.slots[2 * slot] !== pairs[p]) slot = (slot + 1) & table.mask;
    table.slots[2 * slot] = pairs[p];
    table.slots[2 * slot + 1] = pairs[p + 1];
  }
  return table;
}

/** The value of a key, 0 when absent. */
function lookUp(table: IntTable, key: number): number {
  for (let slot = Math.imul(key, 0x9e3779b1) & table.mask; ; slot = (slot + 1) & table.mask) {
    const k = table.slots[2 * slot];
    if (k === key) return table.slots[2 * slot + 1];
    if (k === -1) return 0;
  }
}

/** Calls `found(termIndex, end)` for every term of the automaton in the text, `end` the index of its last character. */
function scan(text: string, automaton: Automaton, found: (index: number, end: number) => void): void {
  const { symbols, root, moves, width, endsFrom, ends } = automaton;
  let node = 0;
  for (let i = 0; i < text.length; i++) {
    const symbol = symbols[text.charCodeAt(i)];
    if (symbol === 0) {
      node = 0;
      continue;
    }
    node = (node && lookUp(moves, node * width + symbol)) || root[symbol];
    for (let k = endsFrom[node]; k < endsFrom[node + 1]; k++) found(ends[k], i);
  }
}

const SUBDISTRICT = '@subdistrict';
/** How far before a term a negation still applies, in characters. */
const NEGATION_REACH = 4;

export function compileKnowledge(knowledge: Knowledge): CompiledKnowledge {
  const terms: CompiledTerm[] = [
    ...Object.entries(knowledge.agencies).flatMap(([unit, list]) => list.map((t) => ({ ...t, unit, police: false, core: false, key: `${unit}:${t.term}` }))),
    ...knowledge.subdistrictDuties.map((t) => ({ ...t, unit: SUBDISTRICT, police: false, core: false, key: `${SUBDISTRICT}:${t.term}` })),
    ...Object.entries(knowledge.police).flatMap(([unit, list]) => list.map((t) => ({ ...t, unit, police: true, core: t.core === true, key: `${unit}:${t.term}` }))),
  ].sort((a, b) => b.term.length - a.term.length);
  // The negations and the place markers go in after the terms, so that one pass over a text finds all three.
  const automaton = buildAutomaton([...terms.map((t) => t.term), ...knowledge.negations, ...(knowledge.placeMarkers ?? [])]);
  const places = [
    ...Object.entries(knowledge.gazetteer).flatMap(([unit, list]) => list.map((place) => ({ place, unit, station: true }))),
    ...Object.entries(knowledge.subdistrictGazetteer).flatMap(([unit, list]) => list.map((place) => ({ place, unit, station: false }))),
  ].sort((a, b) => b.place.length - a.place.length);
  return {
    knowledge,
    terms,
    automaton,
    places,
    placeAutomaton: buildAutomaton(places.map((p) => p.place)),
  };
}

interface Match {
  /** The same for every match of the same term of the same unit. */
  key: string;
  term: string;
  unit: string;
  weight: number;
  police: boolean;
  core: boolean;
  /** Where in the text the term starts. */
  at: number;
}

/**
 * Stretches of a text, [from, to) each, as [from, to, from, to...]. A text has a few of each kind
 * (negated stretches, terms taken): a short list to search costs less than a typed array marking
 * every character, which is allocated outside the heap at about a microsecond each.
 */
type Stretches = number[];

function covers(stretches: Stretches, at: number): boolean {
  for (let s = 0; s < stretches.length; s += 2) if (stretches[s] <= at && at < stretches[s + 1]) return true;
  return false;
}

/**
 * The duty terms found in the text. A longer term hides the shorter ones inside it
 * ("施工噪音" is not also "噪音"), a term just after a negation does not count, and neither
 * does a term that only says where ("中学附近的垃圾箱" is about a waste bin, not a school).
 */
export function matchTerms(text: string, compiled: CompiledKnowledge): Match[] {
  // Each occurrence as one number, term index × (text length + 1) + start, so that sorting them
  // numerically puts them by term (longest first), then by position.
  const stride = text.length + 1;
  const found: number[] = [];
  const { terms, knowledge } = compiled;
  const { negations, placeMarkers = [] } = knowledge;
  // Where a term would start just after a negation (within NEGATION_REACH characters), and where a place marker starts.
  const negated: Stretches = [];
  const markers: number[] = [];
  scan(text, compiled.automaton, (index, end) => {
    if (index < terms.length) found.push(index * stride + end - terms[index].term.length + 1);
    else if (index < terms.length + negations.length) {
      const start = end - negations[index - terms.length].length + 1;
      negated.push(end + 1, Math.min(text.length, start + NEGATION_REACH) + 1);
    } else markers.push(end - placeMarkers[index - terms.length - negations.length].length + 1);
  });
  if (!found.length) return [];
  // Terms are indexed longest first: sorting by index lets longer terms take their characters first.
  found.sort((a, b) => a - b);
  const taken: Stretches = [];
  const matches: Match[] = [];
  for (const key of found) {
    const index = Math.floor(key / stride);
    const at = key - index * stride;
    const t = compiled.terms[index];
    if (covers(taken, at) && covers(taken, at + t.term.length - 1)) continue;
    if (covers(negated, at)) continue;
    taken.push(at, at + t.term.length);
    if (markers.includes(at + t.term.length)) continue;
    matches.push({ key: t.key, term: t.term, unit: t.unit, weight: t.weight, police: t.police, core: t.core, at });
  }
  return matches;
}

/** The learned model's feature for a matched duty term: the term's unit, once per point of weight. */
const EVIDENCE = 'duty:';
/** One string per unit, built once: the models look each feature up in a Map, which hashes a string once per string. */
const evidenceFeatures = new Map<string, string>();
const evidenceOf = (unit: string) => evidenceFeatures.get(unit) ?? (evidenceFeatures.set(unit, EVIDENCE + unit), evidenceFeatures.get(unit)!);

/**
 * What the learned model reads: the words, and the duty-list evidence as features of their own,
 * so that training learns how far each duty list is to be trusted (a centre whose operators send
 * food safety to the health bureau teaches the model so, whatever the market regulator's list says).
 * Terms are matched across the spaces of text that comes already split into words.
 */
export function routingFeatures(text: string, compiled: CompiledKnowledge, matches = matchTerms(text.replace(/\s+/g, ''), compiled)): string[] {
  const features = tokenize(text);
  for (const m of matches) for (let i = 0; i < m.weight; i++) features.push(evidenceOf(m.unit));
  return features;
}

/** The first place of a kind named in the address, else in the content (the longest name first, as `compiled.places` lists them). */
export function findPlace(compiled: CompiledKnowledge, station: boolean, ...texts: string[]): { place: string; unit: string } | null {
  for (const text of texts) {
    let first = -1;
    scan(text, compiled.placeAutomaton, (index) => {
      if (compiled.places[index].station === station && (first < 0 || index < first)) first = index;
    });
    if (first >= 0) return compiled.places[first];
  }
  return null;
}

function softmax(scores: ReadonlyMap<string, number>, temperature: number): Map<string, number> {
  let max = -Infinity;
  for (const v of scores.values()) max = Math.max(max, v);
  const probabilities = new Map<string, number>();
  let sum = 0;
  for (const [k, v] of scores) {
    const e = Math.exp((v - max) / temperature);
    probabilities.set(k, e);
    sum += e;
  }
  for (const [k, e] of probabilities) probabilities.set(k, e / sum);
  return probabilities;
}

/** How much each repetition of a term adds, on a log scale: twice counts 1.35 times, eight times 2 times. */
const REPEAT_GAIN = 0.5;
/** A term in the opening sentence weighs this much more. */
const OPENING_GAIN = 1.5;

/** The length of the opening sentence (the platform's title, or the citizen's first sentence), at most 60 characters. */
function openingLength(text: string): number {
  const end = text.slice(0, 60).search(/[。！？!?\n]/);
  return end < 0 ? Math.min(text.length, 60) : end;
}

/** Another agency assists when its duty terms score at least this share of the lead's, and at least the minimum. */
const ASSIST_SHARE = 0.6;
const ASSIST_MIN_SCORE = 4;
const MAX_ASSISTING = 2;

/**
 * A police-or-not vote from a model that has seen this share of routing.minExamplesPerSide of
 * each side is heard where it can only be cautious: a disagreement with the duty lists holds the
 * order for an operator, and a doubt lowers the confidence. Deciding the side alone, where the
 * duty lists say nothing, takes the full minimum.
 */
const CAUTIOUS_SHARE = 0.25;

/** The share of the unit choice the learned model carries, on a side where it may vote. */
const MODEL_SHARE = 0.75;

/** What the settings say about trusting a learned model (routing.minExamplesPerSide). */
export interface RouterPolicy {
  /** A learned vote on police or not, or on the units of a side, counts only past this many examples of that side. */
  minExamplesPerSide: number;
}
export const DEFAULT_POLICY: RouterPolicy = { minExamplesPerSide: 100 };

/**
 * Why an order waits for an operator whatever its confidence: rules and model disagree on the
 * side; a core police matter would go to a partner agency; or nothing in the text says which
 * side it is on (no duty term, no learned side vote), so that a unit model that only knows
 * partner agencies cannot send an unlisted police matter ("有人冒充客服让我转账") to one of them.
 */
export type HoldReason = 'side_disagreement' | 'core_police_to_partner' | 'side_unknown';

/** What the decision rests on, for machines; `reasons` says the same in Chinese for people. */
export interface Evidence {
  /** The duty terms found, once each. */
  terms: { term: string; unitCode: string; weight: number; police: boolean; core: boolean }[];
  side: {
    decidedBy: 'rules' | 'model' | 'rules_and_model' | 'default';
    policeScore: number;
    partnerScore: number;
    /** The learned police-or-not vote, when the model may cast one. */
    model: { policeProbability: number } | null;
    /** Whether rules and model said the same side; null when one of them said nothing. */
    agree: boolean | null;
  };
  /** The learned model's top unit on the chosen side, when it voted there. */
  model: { unitCode: string; probability: number; words: string[] } | null;
  place: { place: string; unitCode: string } | null;
  /** The confidence before calibration. */
  rawConfidence: number;
  hold: HoldReason | null;
}

export interface RouteOptions {
  policy?: RouterPolicy;
  /** Unit names by code, for the reasons people read; codes are shown where a name is missing. */
  names?: ReadonlyMap<string, string>;
}

const percent = (p: number) => `${Math.round(p * 100)}%`;

/** The strongest police unit's and the strongest partner unit's rule score among the matched terms (0 for a side with none). */
function sideScores(matches: readonly Match[], ruleScores: ReadonlyMap<string, number>): { policeScore: number; agencyScore: number } {
  let policeScore = 0;
  let agencyScore = 0;
  for (const m of matches) {
    const score = ruleScores.get(m.unit) ?? 0;
    if (m.police) policeScore = Math.max(policeScore, score);
    else agencyScore = Math.max(agencyScore, score);
  }
  return { policeScore, agencyScore };
}

/** The terms of the matches that pass, each once, in the order they were found. */
function distinctTerms(matches: readonly Match[], passes: (m: Match) => boolean): string[] {
  const terms: string[] = [];
  for (const m of matches) if (passes(m) && !terms.includes(m.term)) terms.push(m.term);
  return terms;
}

/** The entry with the highest value, the first among equals (what a stable sort would put first). */
export function highest(entries: ReadonlyMap<string, number>): [string, number] {
  let best: [string, number] | null = null;
  for (const entry of entries) if (!best || entry[1] > best[1]) best = entry;
  return best!;
}

export function route(input: RoutingInput, compiled: CompiledKnowledge, model?: TextModel | null, options: RouteOptions = {}): RoutingDecision {
  const { knowledge } = compiled;
  const policy = options.policy ?? DEFAULT_POLICY;
  const name = (unit: string) => (unit === SUBDISTRICT ? '街道办事处' : (options.names?.get(unit) ?? unit));
  const address = input.address ?? '';
  const text = `${input.category ?? ''} ${input.content}`;
  const matches = matchTerms(text, compiled);
  const reasons: string[] = [];

  // A term said again counts for less each time (a message that says 车 twenty times is not twenty
  // times about traffic), and a term in the opening sentence, where citizens say what they want, for more.
  const opening = openingLength(text);
  const seen = new Map<string, { m: Match; times: number; opening: boolean }>();
  for (const m of matches) {
    const s = seen.get(m.key);
    if (s) {
      s.times++;
      s.opening ||= m.at < opening;
    } else seen.set(m.key, { m, times: 1, opening: m.at < opening });
  }
  const ruleScores = new Map<string, number>();
  for (const { m, times, opening: early } of seen.values()) {
    const score = m.weight * (1 + REPEAT_GAIN * Math.log(times)) * (early ? OPENING_GAIN : 1);
    ruleScores.set(m.unit, (ruleScores.get(m.unit) ?? 0) + score);
  }
  const isPoliceUnit = (unit: string) => unit in knowledge.police;
  const { policeScore, agencyScore } = sideScores(matches, ruleScores);
  const core = distinctTerms(matches, (m) => m.police && m.core);

  // 1. Police or not, before any unit: the duty lists, and a learned vote once the model has seen
  // enough of each side. The vote is the balanced police-or-not model's, never the unit model's
  // share of police labels, which only says how many police orders the centre has taught it.
  // Segmented once, counted and scaled once, for both models (the side model, which learns whole
  // words only, reads the same tokens without their pairs).
  const tokens = model ? model.weigh(routingFeatures(text, compiled, matches)) : null;
  const sideModel = model?.side ?? null;
  const fewestOfASide = sideModel ? Math.min(sideModel.examplesOf('police'), sideModel.examplesOf('partner')) : 0;
  const sideVoteHeard = sideModel !== null && fewestOfASide >= policy.minExamplesPerSide * CAUTIOUS_SHARE && sideModel.knowsAny(tokens!);
  let learnedPolice = sideVoteHeard ? sideModel.predictTokens(tokens!).get('police') ?? 0 : null;
  // Below the full minimum the vote may only hold an order back or lower its confidence.
  const sideVoteDecides = learnedPolice !== null && fewestOfASide >= policy.minExamplesPerSide;
  // And only about what it has seen: a few dozen examples of a side (a station's noise and dog
  // complaints) that share no word with the text cannot say it is unlike them. Without this, the
  // demo's 52 station orders held 32 of 55 plain police calls (theft, fraud, assault) for an operator.
  if (learnedPolice !== null && !sideVoteDecides && !sideModel!.sawAnyWithLabel(tokens!, learnedPolice < 0.5 ? POLICE_SIDE : PARTNER_SIDE)) learnedPolice = null;
  const rulesSide = policeScore > 0 && policeScore >= agencyScore ? true : agencyScore > 0 ? false : null;
  const rulesPolice = policeScore + agencyScore === 0 ? 0.1 : policeScore / (policeScore + agencyScore + 1);
  let police: boolean;
  let policeProbability: number;
  let decidedBy: Evidence['side']['decidedBy'];
  let hold: HoldReason | null = null;
  const agree = rulesSide === null || learnedPolice === null ? null : rulesSide === learnedPolice >= 0.5;
  if (rulesSide === null) {
    police = sideVoteDecides && learnedPolice! >= 0.5;
    policeProbability = sideVoteDecides ? learnedPolice! : rulesPolice;
    decidedBy = sideVoteDecides ? 'model' : 'default';
  } else {
    police = rulesSide;
    policeProbability = learnedPolice === null ? rulesPolice : (rulesPolice + learnedPolice) / 2;
    decidedBy = learnedPolice === null ? 'rules' : 'rules_and_model';
  }
  if (core.length && !police) {
    // Core police matters are never sent to a partner agency because of a model (domain.md §5);
    // when the partner terms outweigh them, a person decides.
    if (rulesSide === null || agree === false) police = true;
    else hold = 'core_police_to_partner';
  }
  if (agree === false) hold = 'side_disagreement';
  // Unclear orders go to a person, never silently to a guess (domain.md §5).
  if (decidedBy === 'default') hold = 'side_unknown';
  if (learnedPolice !== null) {
    reasons.push(`学习模型（${model!.version}）判断涉警的概率为 ${percent(learnedPolice)}${sideVoteDecides ? '' : '（学过的样本尚少，只作提示，不单独定性）'}`);
  }
  if (hold === 'side_disagreement') {
    reasons.push(`职责词判断为${rulesSide ? '涉警' : '非警务'}，学习模型判断为${rulesSide ? '非警务' : '涉警'}：两者不一致，转人工分拣`);
  } else if (hold === 'core_police_to_partner') {
    reasons.push(`含核心警情词（${core.join('、')}），不自动转办给非警务单位：转人工分拣`);
  } else if (hold === 'side_unknown') {
    reasons.push('未命中任何职责词，无从判断是否涉警：转人工分拣');
  }

  // 2. The unit on that side: the duty lists, and the learned model where it has learned enough of
  // that side and more than one unit of it (a model that knows one police unit says nothing about which).
  const candidates = new Map<string, number>();
  for (const [unit, score] of ruleScores) {
    if (isPoliceUnit(unit) === police) candidates.set(unit, score);
  }
  let probabilities = candidates.size ? softmax(candidates, 2) : new Map<string, number>();
  const learned = model && tokens && model.knowsAny(tokens) ? model.predictTokens(tokens) : null;
  const sideLabels = learned ? [...learned.keys()].filter((unit) => isPoliceUnit(unit) === police) : [];
  const sideExamples = model ? sideLabels.reduce((sum, unit) => sum + Math.min(model.examplesOf(unit), 1e9), 0) : 0;
  const unitVoteCounts = sideExamples >= policy.minExamplesPerSide && (sideLabels.length >= 2 || (sideLabels.length === 1 && candidates.size === 0));
  let modelEvidence: Evidence['model'] = null;
  const leftOut = model?.data.leftToDutyLists ?? [];
  if (learned && unitVoteCounts) {
    // The model's view of this side only, renormalised.
    const side = new Map(sideLabels.map((unit) => [unit, learned.get(unit)!]));
    const total = [...side.values()].reduce((a, b) => a + b, 0);
    if (total > 0) {
      for (const [unit, p] of side) side.set(unit, p / total);
      // A unit the model left to the duty lists keeps the share they give it; the model speaks
      // over the rest. A unit missing from the history altogether gets no such share: the
      // history is the centre's record of who handles what.
      let kept = 0;
      for (const unit of leftOut) kept += probabilities.get(unit) ?? 0;
      const mixed = new Map<string, number>();
      for (const unit of new Set([...probabilities.keys(), ...side.keys()])) {
        const rule = probabilities.get(unit) ?? 0;
        const learnedShare = MODEL_SHARE * (side.get(unit) ?? 0) * (1 - kept);
        mixed.set(unit, !probabilities.size ? (side.get(unit) ?? 0) : leftOut.includes(unit) ? rule : (1 - MODEL_SHARE) * rule + learnedShare);
      }
      probabilities = mixed;
      const top = highest(side);
      const words = model!.explainTokens(tokens!, top[0]).filter((w) => !w.startsWith(EVIDENCE));
      modelEvidence = { unitCode: top[0], probability: Number(top[1].toFixed(3)), words };
      reasons.push(`学习模型（${model!.version}）：${name(top[0])} ${percent(top[1])}${words.length ? `（依据：${words.join('、')}）` : ''}`);
    }
  }

  const ranked = [...probabilities].sort((a, b) => b[1] - a[1]);
  const byUnit = (unit: string) => distinctTerms(matches, (m) => m.unit === unit);
  let lead: string | null = ranked[0]?.[0] ?? null;
  const matterUnit = lead === SUBDISTRICT ? null : lead;
  let confidence = ranked[0]?.[1] ?? 0;
  const leadTerms = lead ? byUnit(lead) : [];
  if (lead && leadTerms.length) reasons.unshift(`命中${police ? '警务' : '职责'}词：${leadTerms.join('、')}（${name(lead)}）`);
  if (lead && modelEvidence && leftOut.includes(lead)) reasons.push(`${name(lead)}的样本太少，学习模型尚未学习：按职责清单分派`);
  // Evidence matters as much as the spread: one weak term is not enough to be sure.
  const evidence = lead ? (candidates.get(lead) ?? 0) : 0;
  if (!modelEvidence) confidence *= Math.min(1, evidence / 4);
  // The same holds for the side when only the duty lists decided it: a unit model that knows
  // one side cannot say a text is on it, so one weak term ("小区") cannot make it sure.
  else if (decidedBy === 'rules') confidence *= Math.min(1, Math.max(policeScore, agencyScore) / 4);
  // Police or not is a decision too: with evidence on both sides, the winner's share of it bounds
  // the confidence, so that a near tie goes to an operator (domain.md §5), never silently to a guess.
  if (policeScore > 0 && agencyScore > 0) {
    const share = Math.max(policeScore, agencyScore) / (policeScore + agencyScore);
    confidence *= share;
    reasons.push(`涉警判断：${police ? '警务' : '非警务'}职责词占全部证据的 ${percent(share)}`);
  }
  // The learned side vote bounds it the same way: a side the model doubts is no place for certainty.
  if (learnedPolice !== null && agree !== false) {
    const sideP = police ? learnedPolice : 1 - learnedPolice;
    confidence *= agree === null ? sideP : (1 + sideP) / 2;
  }

  let place: Evidence['place'] = null;
  if (lead && police && knowledge.stationMatters.includes(lead)) {
    const found = findPlace(compiled, true, address, input.content);
    if (found) {
      place = { place: found.place, unitCode: found.unit };
      reasons.push(`地点“${found.place}”属${name(found.unit)}辖区`);
      lead = found.unit;
    } else {
      reasons.push(`地址未指明派出所辖区：先交${name(knowledge.fallbackPoliceUnit)}`);
      lead = knowledge.fallbackPoliceUnit;
      confidence *= 0.8;
    }
  } else if (lead === SUBDISTRICT) {
    const found = findPlace(compiled, false, address, input.content);
    lead = found?.unit ?? null;
    if (found) {
      place = { place: found.place, unitCode: found.unit };
      reasons.push(`社区事务：地点“${found.place}”属${name(found.unit)}`);
    } else confidence = 0;
  }
  if (!lead && hold !== 'side_unknown') reasons.push('未命中任何职责词：由人工分拣');

  // A partner matter that also falls squarely in another agency's duty list: that agency assists.
  const assisting: string[] = [];
  const leadScore = lead ? (candidates.get(ranked[0][0]) ?? 0) : 0;
  if (lead && !police && leadScore > 0) {
    for (const [unit, score] of [...candidates].sort((a, b) => b[1] - a[1])) {
      if (unit === ranked[0][0] || unit === SUBDISTRICT || score < ASSIST_SHARE * leadScore || score < ASSIST_MIN_SCORE) continue;
      assisting.push(unit);
      reasons.push(`协办：${name(unit)}（${byUnit(unit).join('、')}）`);
      if (assisting.length === MAX_ASSISTING) break;
    }
  }

  const raw = Math.min(1, confidence);
  const terms = [...seen.values()].map(({ m }) => ({ term: m.term, unitCode: m.unit, weight: m.weight, police: m.police, core: m.core }));
  return {
    police,
    policeProbability: Number(Math.min(1, policeProbability).toFixed(3)),
    leadUnitCode: lead,
    matterUnitCode: matterUnit,
    assistingUnitCodes: assisting,
    confidence: Number((model && modelEvidence ? model.calibrated(raw) : raw).toFixed(3)),
    hold,
    alternatives: ranked.slice(0, 5).map(([unitCode, score]) => ({ unitCode, score: Number(score.toFixed(3)) })),
    reasons,
    evidence: {
      terms,
      side: { decidedBy, policeScore: Number(policeScore.toFixed(2)), partnerScore: Number(agencyScore.toFixed(2)), model: learnedPolice === null ? null : { policeProbability: Number(learnedPolice.toFixed(3)) }, agree },
      model: modelEvidence,
      place,
      rawConfidence: Number(raw.toFixed(3)),
      hold,
    },
    knowledgeVersion: knowledge.version,
    modelVersion: model?.version ?? null,
  };
}
