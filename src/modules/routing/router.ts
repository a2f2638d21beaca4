import { tokenize, type TextModel } from './model';

/**
 * The router (domain.md §1, §5): from an order's text, address and platform category to
 * police or not, the lead unit, a confidence and the reasons. Pure: the knowledge and the
 * learned model come in as data, nothing is read from elsewhere.
 */

export interface Term {
  term: string;
  /** 3: the unit's core matter, 2: typical, 1: a hint. */
  weight: number;
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
  assistingUnitCodes: string[];
  /** 0 to 1; below the auto-dispatch threshold the order waits for an operator. */
  confidence: number;
  alternatives: Alternative[];
  reasons: string[];
  knowledgeVersion: string;
  modelVersion: string | null;
}

interface CompiledTerm {
  term: string;
  weight: number;
  unit: string;
  police: boolean;
}

/** The knowledge made ready for matching once: every duty term in one Aho–Corasick automaton. */
export interface CompiledKnowledge {
  knowledge: Knowledge;
  terms: CompiledTerm[];
  automaton: Automaton;
  places: { place: string; unit: string; station: boolean }[];
}

/** A trie of the terms with failure links: one pass over a text finds every term in it. Keyed by UTF-16 code unit. */
interface Automaton {
  next: Map<number, number>[];
  fail: number[];
  /** Indexes into `terms` of the terms ending at each node. */
  out: number[][];
}

function buildAutomaton(terms: readonly { term: string }[]): Automaton {
  const next: Map<number, number>[] = [new Map()];
  const out: number[][] = [[]];
  terms.forEach(({ term }, index) => {
    let node = 0;
    for (let i = 0; i < term.length; i++) {
      const ch = term.charCodeAt(i);
      let child = next[node].get(ch);
      if (child === undefined) {
        child = next.length;
        next.push(new Map());
        out.push([]);
        next[node].set(ch, child);
      }
      node = child;
    }
    out[node].push(index);
  });
  const fail = new Array<number>(next.length).fill(0);
  const queue = [...next[0].values()];
  while (queue.length) {
    const node = queue.shift()!;
    for (const [ch, child] of next[node]) {
      let f = fail[node];
      while (f && !next[f].has(ch)) f = fail[f];
      fail[child] = next[f].get(ch) ?? 0;
      out[child] = [...out[child], ...out[fail[child]]];
      queue.push(child);
    }
  }
  return { next, fail, out };
}

const SUBDISTRICT = '@subdistrict';
/** How far before a term a negation still applies, in characters. */
const NEGATION_REACH = 4;

export function compileKnowledge(knowledge: Knowledge): CompiledKnowledge {
  const terms: CompiledTerm[] = [
    ...Object.entries(knowledge.agencies).flatMap(([unit, list]) => list.map((t) => ({ ...t, unit, police: false }))),
    ...knowledge.subdistrictDuties.map((t) => ({ ...t, unit: SUBDISTRICT, police: false })),
    ...Object.entries(knowledge.police).flatMap(([unit, list]) => list.map((t) => ({ ...t, unit, police: true }))),
  ].sort((a, b) => b.term.length - a.term.length);
  const automaton = buildAutomaton(terms);
  const places = [
    ...Object.entries(knowledge.gazetteer).flatMap(([unit, list]) => list.map((place) => ({ place, unit, station: true }))),
    ...Object.entries(knowledge.subdistrictGazetteer).flatMap(([unit, list]) => list.map((place) => ({ place, unit, station: false }))),
  ].sort((a, b) => b.place.length - a.place.length);
  return { knowledge, terms, automaton, places };
}

interface Match {
  term: string;
  unit: string;
  weight: number;
  police: boolean;
  /** Where in the text the term starts. */
  at: number;
}

/** Where a term would start just after a negation (within NEGATION_REACH characters); null when the text has none. */
function negatedPositions(text: string, negations: readonly string[]): Uint8Array | null {
  let negated: Uint8Array | null = null;
  for (const n of negations) {
    for (let start = text.indexOf(n); start >= 0; start = text.indexOf(n, start + 1)) {
      negated ??= new Uint8Array(text.length + 1);
      negated.fill(1, start + n.length, Math.min(text.length, start + NEGATION_REACH) + 1);
    }
  }
  return negated;
}

/**
 * The duty terms found in the text. A longer term hides the shorter ones inside it
 * ("施工噪音" is not also "噪音"), a term just after a negation does not count, and neither
 * does a term that only says where ("中学附近的垃圾箱" is about a waste bin, not a school).
 */
export function matchTerms(text: string, compiled: CompiledKnowledge): Match[] {
  const { next, fail, out } = compiled.automaton;
  const found: { at: number; index: number }[] = [];
  let node = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    while (node && !next[node].has(ch)) node = fail[node];
    node = next[node].get(ch) ?? 0;
    for (const index of out[node]) found.push({ at: i - compiled.terms[index].term.length + 1, index });
  }
  const negated = negatedPositions(text, compiled.knowledge.negations);
  const markers = compiled.knowledge.placeMarkers ?? [];
  // Terms are indexed longest first: sorting by index lets longer terms take their characters first.
  found.sort((a, b) => a.index - b.index || a.at - b.at);
  const taken = new Uint8Array(text.length);
  const matches: Match[] = [];
  for (const { at, index } of found) {
    const t = compiled.terms[index];
    if (taken[at] && taken[at + t.term.length - 1]) continue;
    if (negated?.[at]) continue;
    taken.fill(1, at, at + t.term.length);
    if (markers.some((marker) => text.startsWith(marker, at + t.term.length))) continue;
    matches.push({ term: t.term, unit: t.unit, weight: t.weight, police: t.police, at });
  }
  return matches;
}

/** The learned model's feature for a matched duty term: the term's unit, once per point of weight. */
const EVIDENCE = 'duty:';

/**
 * What the learned model reads: the words, and the duty-list evidence as features of their own,
 * so that training learns how far each duty list is to be trusted (a centre whose operators send
 * food safety to the health bureau teaches the model so, whatever the market regulator's list says).
 * Terms are matched across the spaces of text that comes already split into words.
 */
export function routingFeatures(text: string, compiled: CompiledKnowledge, matches = matchTerms(text.replace(/\s+/g, ''), compiled)): string[] {
  const features = tokenize(text);
  for (const m of matches) for (let i = 0; i < m.weight; i++) features.push(EVIDENCE + m.unit);
  return features;
}

/** The first place of a kind named in the address, else in the content. */
export function findPlace(compiled: CompiledKnowledge, station: boolean, ...texts: string[]): { place: string; unit: string } | null {
  for (const text of texts) {
    const hit = compiled.places.find((p) => p.station === station && text.includes(p.place));
    if (hit) return hit;
  }
  return null;
}

function softmax(scores: Map<string, number>, temperature: number): Map<string, number> {
  const max = Math.max(...scores.values());
  const exp = new Map([...scores].map(([k, v]) => [k, Math.exp((v - max) / temperature)]));
  const sum = [...exp.values()].reduce((a, b) => a + b, 0);
  return new Map([...exp].map(([k, v]) => [k, v / sum]));
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

/** The share of the decision the learned model carries when it knows the order's unit. */
const MODEL_SHARE = 0.75;
/** A unit matched by no term still keeps this score, so that the model can outvote the rules. */
const NO_MATCH_SCORE = 0;

export function route(input: RoutingInput, compiled: CompiledKnowledge, model?: TextModel | null): RoutingDecision {
  const { knowledge } = compiled;
  const address = input.address ?? '';
  const text = `${input.category ?? ''} ${input.content}`;
  const matches = matchTerms(text, compiled);
  const reasons: string[] = [];

  // A term said again counts for less each time (a message that says 车 twenty times is not twenty
  // times about traffic), and a term in the opening sentence, where citizens say what they want, for more.
  const opening = openingLength(text);
  const seen = new Map<string, { m: Match; times: number; opening: boolean }>();
  for (const m of matches) {
    const key = `${m.unit}:${m.term}`;
    const s = seen.get(key) ?? { m, times: 0, opening: false };
    s.times++;
    s.opening ||= m.at < opening;
    seen.set(key, s);
  }
  const ruleScores = new Map<string, number>();
  for (const { m, times, opening: early } of seen.values()) {
    const score = m.weight * (1 + REPEAT_GAIN * Math.log(times)) * (early ? OPENING_GAIN : 1);
    ruleScores.set(m.unit, (ruleScores.get(m.unit) ?? 0) + score);
  }
  const policeScore = Math.max(0, ...matches.filter((m) => m.police).map((m) => ruleScores.get(m.unit) ?? 0));
  const agencyScore = Math.max(0, ...matches.filter((m) => !m.police).map((m) => ruleScores.get(m.unit) ?? 0));

  // Police or not: the rules, and the model too once it has learned police units as well as partners
  // (from the centre's own dispatches and corrections); a model of partners only leaves it to the rules.
  const isPoliceUnit = (unit: string) => unit in knowledge.police;
  const tokens = model ? routingFeatures(text, compiled, matches) : [];
  // A model that learned nothing about any word of this text has only its priors to offer: the rules decide.
  const learned = model?.knowsAny(tokens) ? model.predictTokens(tokens) : null;
  let policeProbability = policeScore + agencyScore === 0 ? 0.1 : policeScore / (policeScore + agencyScore + 1);
  let police = policeScore > 0 && policeScore >= agencyScore;
  const learnedPolice = learned ? [...learned].filter(([unit]) => isPoliceUnit(unit)).reduce((sum, [, p]) => sum + p, 0) : 0;
  const modelKnowsBothSides = learned !== null && [...learned.keys()].some(isPoliceUnit) && [...learned.keys()].some((u) => !isPoliceUnit(u));
  if (modelKnowsBothSides) {
    const ruleSaid = police;
    policeProbability = (1 - MODEL_SHARE) * (policeScore + agencyScore === 0 ? learnedPolice : policeProbability) + MODEL_SHARE * learnedPolice;
    police = policeProbability >= 0.5;
    if (police !== ruleSaid) reasons.push(`learned model ${model!.version}: ${police ? 'a police matter' : 'not a police matter'} (${(learnedPolice * 100).toFixed(0)}% police)`);
  }

  const candidates = new Map<string, number>();
  for (const [unit, score] of ruleScores) {
    if (isPoliceUnit(unit) === police) candidates.set(unit, score);
  }
  let probabilities = candidates.size ? softmax(candidates, 2) : new Map<string, number>();
  if (learned && (!police || modelKnowsBothSides)) {
    // The model's view of this side only, renormalised.
    const side = new Map([...learned].filter(([unit]) => isPoliceUnit(unit) === police));
    const total = [...side.values()].reduce((a, b) => a + b, 0);
    if (total > 0) {
      for (const [unit, p] of side) side.set(unit, p / total);
      const mixed = new Map<string, number>();
      for (const unit of new Set([...probabilities.keys(), ...side.keys()])) {
        const rule = probabilities.get(unit) ?? NO_MATCH_SCORE;
        mixed.set(unit, probabilities.size ? (1 - MODEL_SHARE) * rule + MODEL_SHARE * (side.get(unit) ?? 0) : (side.get(unit) ?? 0));
      }
      probabilities = mixed;
      const [top] = [...side].sort((a, b) => b[1] - a[1]);
      reasons.push(`learned model ${model!.version}: ${top[0]} ${(top[1] * 100).toFixed(0)}% (${model!.explainTokens(tokens, top[0]).join('、')})`);
    }
  }

  const ranked = [...probabilities].sort((a, b) => b[1] - a[1]);
  const byUnit = (unit: string) => [...new Set(matches.filter((m) => m.unit === unit).map((m) => m.term))];
  let lead: string | null = ranked[0]?.[0] ?? null;
  let confidence = ranked[0]?.[1] ?? 0;
  if (lead && byUnit(lead).length) reasons.unshift(`${police ? 'police scope' : 'duty list'} ${lead}: ${byUnit(lead).join('、')}`);
  // Evidence matters as much as the spread: one weak term is not enough to be sure.
  const evidence = lead ? (candidates.get(lead) ?? 0) : 0;
  if (!learned || (police && !modelKnowsBothSides)) confidence *= Math.min(1, evidence / 4);
  // Police or not is a decision too: with evidence on both sides, the winner's share of it bounds
  // the confidence, so that a near tie goes to an operator (domain.md §5), never silently to a guess.
  if (policeScore > 0 && agencyScore > 0) {
    const share = Math.max(policeScore, agencyScore) / (policeScore + agencyScore);
    confidence *= share;
    reasons.push(`police or not: ${police ? 'police' : 'partner'} terms weigh ${(share * 100).toFixed(0)}% of the evidence`);
  }

  if (lead && police && knowledge.stationMatters.includes(lead)) {
    const place = findPlace(compiled, true, address, input.content);
    if (place) {
      reasons.push(`place ${place.place} is in the area of ${place.unit}`);
      lead = place.unit;
    } else {
      reasons.push(`no place names a station's area: ${knowledge.fallbackPoliceUnit}`);
      lead = knowledge.fallbackPoliceUnit;
      confidence *= 0.8;
    }
  } else if (lead === SUBDISTRICT) {
    const place = findPlace(compiled, false, address, input.content);
    lead = place?.unit ?? null;
    if (place) reasons.push(`community matter in ${place.place}`);
    else confidence = 0;
  }
  if (!lead) reasons.push('no duty term matched: an operator decides');

  // A partner matter that also falls squarely in another agency's duty list: that agency assists.
  const assisting: string[] = [];
  const leadScore = lead ? (candidates.get(ranked[0][0]) ?? 0) : 0;
  if (lead && !police && leadScore > 0) {
    for (const [unit, score] of [...candidates].sort((a, b) => b[1] - a[1])) {
      if (unit === ranked[0][0] || unit === SUBDISTRICT || score < ASSIST_MIN_SCORE || score < ASSIST_SHARE * leadScore) continue;
      assisting.push(unit);
      reasons.push(`assisting ${unit}: ${byUnit(unit).join('、')}`);
      if (assisting.length === MAX_ASSISTING) break;
    }
  }

  return {
    police,
    policeProbability: Number(Math.min(1, policeProbability).toFixed(3)),
    leadUnitCode: lead,
    assistingUnitCodes: assisting,
    confidence: Number(confidence.toFixed(3)),
    alternatives: ranked.slice(0, 5).map(([unitCode, score]) => ({ unitCode, score: Number(score.toFixed(3)) })),
    reasons,
    knowledgeVersion: knowledge.version,
    modelVersion: model?.version ?? null,
  };
}
