/**
 * Repeat complaints (domain.md §11) as pure functions: the place an address names, how alike
 * two messages are, and which earlier order a new one repeats.
 */

/** Prefixes every address in the district shares; they say nothing about the place. */
const REGION_PREFIXES = /^(中国)?(山东省|山东)?(济南市|济南)?(长清区|长清)?/;
/** Where the place ends: an estate, a community, a village, a square... House numbers after it vary from caller to caller. */
const PLACE_END = /(小区|社区|花园|家园|公寓|大厦|广场|市场|公园|学校|医院|号院|村|苑)/;
/** A street's house number ("清河街88号"), not a building inside an estate ("3号楼"). */
const HOUSE_NUMBER = /\d+号(?![楼院])/;
/** Social-life noise and dogs, as citizens name them: the matters a noise source is about (domain.md §5, §11). Also POSIX regular expressions, for SQL. */
export const NOISE_WORDS = '噪音|噪声|扰民|太吵|吵闹|喧哗|广场舞|音响|喇叭|高音';
export const DOG_WORDS = '狗|犬|吠';
const NOISE_MATTER = new RegExp(`${NOISE_WORDS}|${DOG_WORDS}`);

/** Whether a message is about noise or dogs, the matters the noise-source register follows. */
export function isNoiseMatter(text: string): boolean {
  return NOISE_MATTER.test(text);
}

/** The place names of a unit's area worth matching: one character ("东") would match half the district. */
export function areaPlaces(jurisdiction: readonly string[]): string[] {
  return jurisdiction.map((p) => p.trim()).filter((p) => p.length >= 2);
}

/** Whether a place (an address) lies in an area: it names one of the area's places. Matches the SQL `strpos` of the repeat service. */
export function inArea(place: string, places: readonly string[]): boolean {
  return places.some((p) => place.includes(p));
}

const toHalfWidth = (s: string) => s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

/**
 * The place key of an address: without the region, punctuation and spaces, cut after the
 * estate or village it names ("长清区文昌街道清河街幸福小区3号楼" → "文昌街道清河街幸福小区",
 * "清河街4号院2单元301" → "清河街4号院"), else after the street's house number ("清河街88号3楼"
 * → "清河街88号"), else before the first number. Empty when the address names nothing more than the district.
 */
export function placeKey(address: string): string {
  const plain = toHalfWidth(address)
    .replace(/[\s,，。.、;；:：()（）\-—#]/g, '')
    .replace(REGION_PREFIXES, '');
  const end = plain.match(PLACE_END);
  const house = plain.match(HOUSE_NUMBER);
  let key: string;
  if (end?.index) key = plain.slice(0, end.index + end[0].length);
  else if (house?.index) key = plain.slice(0, house.index + house[0].length);
  else key = plain.replace(/\d.*$/, '');
  return key.length >= 2 ? key : '';
}

function bigrams(text: string): Set<string> {
  const chars = toHalfWidth(text).replace(/[^\p{L}\p{N}]/gu, '');
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars.slice(i, i + 2));
  return grams;
}

/** Dice's coefficient over character bigrams: 1 for the same words, 0 for nothing in common. */
export function textSimilarity(a: string, b: string): number {
  return dice(bigrams(a), bigrams(b));
}

function dice(x: ReadonlySet<string>, y: ReadonlySet<string>): number {
  if (!x.size || !y.size) return 0;
  let common = 0;
  for (const g of x) if (y.has(g)) common++;
  return (2 * common) / (x.size + y.size);
}

export interface RepeatCandidate {
  id: string;
  content: string;
  placeKey: string;
  sameCaller: boolean;
  /** The original this candidate itself repeats or was merged into, if any. */
  rootId: string | null;
}

export interface RepeatMatch {
  /** The original the new order repeats: the candidate's own original when it has one. */
  originalId: string;
  matchedId: string;
  similarity: number;
  sameCaller: boolean;
  samePlace: boolean;
}

/**
 * The earlier order a new one repeats: about the same place or from the same caller, and
 * saying much the same. Among several, the most alike wins; a shared place and a shared
 * caller each count for a quarter. Candidates come newest first, and of equally alike ones the
 * earliest wins: most often the original itself, routed already, rather than a later order whose
 * own routing may yet link it elsewhere (and move its repeats along).
 */
export function findRepeat(order: { content: string; placeKey: string }, candidates: RepeatCandidate[], minSimilarity: number): RepeatMatch | null {
  let best: (RepeatMatch & { score: number }) | null = null;
  // The new order's bigrams once, not once per candidate (a busy place has up to 200).
  const mine = bigrams(order.content);
  for (const c of candidates) {
    const samePlace = order.placeKey !== '' && c.placeKey === order.placeKey;
    if (!samePlace && !c.sameCaller) continue;
    const similarity = dice(mine, bigrams(c.content));
    if (similarity < minSimilarity) continue;
    const score = similarity + (samePlace ? 0.25 : 0) + (c.sameCaller ? 0.25 : 0);
    if (!best || score >= best.score) best = { originalId: c.rootId ?? c.id, matchedId: c.id, similarity: Number(similarity.toFixed(3)), sameCaller: c.sameCaller, samePlace, score };
  }
  if (!best) return null;
  const { score: _score, ...match } = best;
  return match;
}
