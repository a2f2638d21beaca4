import { createHmac } from 'node:crypto';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';

/**
 * Search terms of work orders, pure: what is stored for an order, what a query becomes, and
 * the keyed hashes that let a caller's phone be looked up without being indexed in clear.
 *
 * An order's words are what the router's segmenter (jieba, the same dictionary as
 * routing/model.ts `tokenize`) makes of its content and address, kept whole — stop words and
 * single characters too, so that a phrase is found where the segmenter split it — plus one
 * tokens for the UTC day and hour it was received. PostgreSQL and PGlite both index them as a `tsvector`
 * of the `simple` configuration in a GIN index: no extension, no locale that must know CJK.
 *
 * The time tokens keep a search's cost independent of how many years of orders pile up: a
 * search asks for the words AND one of the hours or days of a recent span ("slab"), so the
 * index walks the postings of that span only, and only the matches of that span are ranked.
 */

let jieba: Jieba | undefined;
const segmenter = () => (jieba ??= Jieba.withDict(dict));

/** A token worth indexing: it has a letter, a digit or a CJK character. */
const MEANINGFUL = /[\p{L}\p{N}]/u;
/**
 * The `simple` parser would split a token at a quote or a backslash anyway; they are dropped so
 * that the stored and the queried forms are parsed alike.
 */
const UNPARSED = /['\\:&|!()<>*]/g;

/** The words of a text as the router's segmenter splits them, lower-cased, punctuation dropped. */
export function words(text: string): string[] {
  if (!text) return [];
  return kept(segmenter().cut(text.normalize('NFKC').toLowerCase(), false));
}

/** The segmenter's tokens worth indexing, trimmed and cleaned, in one pass. */
function kept(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const w = token.trim();
    // A token with a letter or digit keeps it once the unparsed characters are gone.
    if (MEANINGFUL.test(w)) out.push(w.replace(UNPARSED, ''));
  }
  return out;
}

/** The day token of an instant: `d20261124` (UTC). */
export function dayToken(at: Date): string {
  return `d${at.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** The hour token of an instant: `h2026112409` (UTC). */
export function hourToken(at: Date): string {
  return `h${at.toISOString().slice(0, 13).replace(/[-T]/g, '')}`;
}

/** The text given to `to_tsvector('simple', …)` for an order: its words, then its day and hour. */
export function searchDocument(content: string, address: string, receivedAt: Date): string {
  // One cut for both: the segmenter splits at a line break whatever surrounds it, and the break
  // itself is no word, so this is words(content) then words(address), at one call's cost (intake's hot path).
  return [...words(address ? `${content}\n${address}` : content), dayToken(receivedAt), hourToken(receivedAt)].join(' ');
}

/**
 * What a free-text query becomes. Each whitespace-separated term must be found (AND); a term's
 * words must be found next to one another (a phrase, `<->`), as the segmenter split the term.
 * `prefix` is the fallback for a term the segmenter splits otherwise inside an order than
 * alone (长清 alone is 长 + 清, in 长清区大学路 it is part of 长清区): the term whole as the
 * beginning of a word (`:*`), or each of its words as the beginning of one, in any position.
 * `null` when the query has no word.
 */
export function textQuery(q: string): { exact: string; prefix: string } | null {
  const terms = q
    .split(/\s+/)
    .map(words)
    .filter((ws) => ws.length > 0);
  if (terms.length === 0) return null;
  const quote = (w: string) => `'${w}'`;
  return {
    exact: terms.map((ws) => (ws.length === 1 ? quote(ws[0]) : `(${ws.map(quote).join(' <-> ')})`)).join(' & '),
    prefix: terms
      .map((ws) => (ws.length === 1 ? `${quote(ws[0])}:*` : `(${quote(ws.join(''))}:* | (${ws.map((w) => `${quote(w)}:*`).join(' & ')}))`))
      .join(' & '),
  };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A span of time searched together, newest first: its index and the hour or day tokens it covers. */
export interface Slab {
  index: number;
  tokens: string[];
}

/**
 * The spans a search walks, from the newest hour back to the oldest day. The last two days go
 * by hours (6, 6, 12, then the rest back to the start of yesterday), older ones by days (2, 4,
 * 8, 16, 32, then 56 at a time): a common query fills a page from the last hours, ranking a few
 * hundred matches; a rare one walks back through the years a few thousand postings at a time.
 */
export function slabs(newest: Date, oldest: Date, from = 0): Slab[] {
  const result: Slab[] = [];
  const push = (tokens: string[]) => {
    if (tokens.length) result.push({ index: result.length, tokens });
  };
  const stop = Math.floor(oldest.getTime() / HOUR_MS) * HOUR_MS;
  let end = Math.floor(newest.getTime() / HOUR_MS) * HOUR_MS;
  const dayPhase = Math.floor(newest.getTime() / DAY_MS) * DAY_MS - DAY_MS;
  const hourSizes = [6, 6, 12];
  for (let i = 0; end >= dayPhase && end >= stop; i++) {
    const size = hourSizes[i] ?? 24;
    const tokens: string[] = [];
    for (let h = 0; h < size && end >= dayPhase && end >= stop; h++, end -= HOUR_MS) tokens.push(hourToken(new Date(end)));
    push(tokens);
  }
  const daySizes = [2, 4, 8, 16, 32];
  end = dayPhase - DAY_MS;
  const stopDay = Math.floor(stop / DAY_MS) * DAY_MS;
  for (let i = 0; end >= stopDay; i++) {
    const size = daySizes[i] ?? 56;
    const tokens: string[] = [];
    for (let d = 0; d < size && end >= stopDay; d++, end -= DAY_MS) tokens.push(dayToken(new Date(end)));
    push(tokens);
  }
  return result.slice(from);
}

/** The digits of a phone number as dialled in China: no separators, no +86 / 0086 prefix. */
export function normalisePhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  const national = digits.replace(/^(0086|86)(?=1\d{10}$)/, '');
  return national;
}

/**
 * Keyed hashes of a caller's phone (HMAC-SHA256 under the deployment's search key): one of the
 * whole number, for an exact look-up, and one of its last four digits, for a partial one. The
 * index holds neither the number nor a plain hash of it (which anyone could reverse by
 * hashing the few billion mobile numbers).
 */
export function phoneHashes(key: Buffer, phone: string): { full: string; last4: string | null } {
  const digits = normalisePhone(phone);
  return { full: phoneHash(key, digits), last4: digits.length >= 4 ? last4Hash(key, digits.slice(-4)) : null };
}

export const phoneHash = (key: Buffer, phone: string) => hmac(key, `phone:${normalisePhone(phone)}`);
export const last4Hash = (key: Buffer, last4: string) => hmac(key, `last4:${last4}`);

function hmac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url').slice(0, 22);
}
