import { createHash } from 'node:crypto';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';

/**
 * A naive Bayes text model over jieba words, trained from labelled orders (the deployment's
 * closed orders, operator corrections, imported history). Small, fast, serialisable as JSON
 * with a version id.
 *
 * The units are learned as complement naive Bayes (Rennie et al. 2003, §3.1): each unit's
 * weights come from the examples of every other unit, which are many even for a unit with few,
 * so a unit the history rarely names is not judged on a handful of letters, and no unit's
 * weights lean on how many examples it happened to get. Police or not is plain naive Bayes with
 * equal priors (for two labels the two are the same model).
 *
 * Texts are length-normalised (Rennie et al. 2003, "Tackling the poor assumptions of naive
 * Bayes text classifiers"): a text's word counts are scaled to the same Euclidean length, so a
 * long letter outvotes neither the short ones in training nor its own title in prediction.
 */

let jieba: Jieba | undefined;
const segmenter = () => (jieba ??= Jieba.withDict(dict));

/** Words too common in citizen messages to tell units apart. */
const STOP_WORDS = new Set(
  '我们 你们 他们 这个 那个 什么 怎么 如何 为什么 可以 没有 已经 现在 问题 反映 希望 请求 领导 相关 部门 市民 群众 我的 一个 我家 情况 要求 处理 解决 尽快 关于 进行 是否 目前 由于 因为 所以 但是 而且 还是 以及 以上 这样 这些 那些 今年 去年 时候 一直 还有 非常 严重 影响 存在 能否 谢谢 您好 你好 给予 工作 相关部门 有关部门'.split(' '),
);

export function tokenize(text: string): string[] {
  const words = /\S\s+\S/.test(text) && !/[，。、！？]/.test(text) ? text.split(/\s+/) : segmenter().cut(text, false);
  return words.filter((w) => w.length >= 2 && hasHan(w) && !STOP_WORDS.has(w));
}

/**
 * The character pairs of a text's words of three characters or more, each pair with a CJK
 * character in it: 噪音扰民 gives 噪音, 音扰 and 扰民. The segmenter keeps many compounds whole
 * (小区噪音, 扰民问题) that another letter splits, and a model that learned only whole words
 * does not know one from the other; the pairs let the parts be read. The pairs share the words'
 * namespace on purpose: 噪音 from 噪音扰民 is the same feature as the word 噪音. They are never
 * shown as a reason, nor taken as having seen a text (`WeighedTokens.whole`).
 */
export function wordPairs(features: readonly string[]): string[] {
  const pairs: string[] = [];
  for (const word of features) {
    if (word.length < 3) continue;
    for (let i = 0; i + 1 < word.length; i++) if (pairAt(word, i) >= 0) pairs.push(word.slice(i, i + 2));
  }
  return pairs;
}

/**
 * The pair of a word's characters at `i` and `i + 1` as one number (their two UTF-16 code
 * units), or -1 when neither is a CJK character: the one rule of `wordPairs`, for training, and
 * of `WeighedTokens`, which counts a decision's pairs without making strings of them.
 */
function pairAt(word: string, i: number): number {
  const c = word.charCodeAt(i);
  const d = word.charCodeAt(i + 1);
  return isHan(c) || isHan(d) ? c * 0x10000 + d : -1;
}

/** Whether a UTF-16 code unit is a CJK unified ideograph (U+4E00 to U+9FFF). */
const isHan = (c: number) => c >= 0x4e00 && c <= 0x9fff;

/** Whether a word has a CJK unified ideograph (U+4E00 to U+9FFF) in it; a loop costs less than a regular expression per word. */
function hasHan(word: string): boolean {
  for (let i = 0; i < word.length; i++) if (isHan(word.charCodeAt(i))) return true;
  return false;
}

/** A text's features: its words, and whatever else the caller adds (the router adds duty-list evidence). */
export type Features = (text: string) => string[];

export interface TrainingExample {
  /** Raw text, or words already separated by spaces. */
  text: string;
  unitCode: string;
}

export interface TextModelData {
  version: string;
  labels: string[];
  logPriors: number[];
  /**
   * Each known word's weight for each label: log P(word | label), or, in a complement model,
   * -log P(word | any other label).
   */
  words: Record<string, number[]>;
  /** The same for a word it does not know: a decision weighs only the words it knows, and a known word above this was seen with the label. */
  unseen: number[];
  /** 'complement': `words` holds complement weights, and `logPriors` are zeros (absent in models trained before). */
  estimator?: 'complement';
  /** Whether it learned the character pairs of longer words beside the words (`wordPairs`); absent in models trained before, which read whole words only. */
  wordPairs?: true;
  trainedOn: number;
  /** The Euclidean length every text's word counts were scaled to; absent in models trained on raw counts. */
  textLength?: number;
  /** Divides the scores before they become probabilities; fitted on held-back examples (see `calibrate`). */
  temperature?: number;
  /** How many examples of each label it learned from; absent in models trained before gating. */
  examples?: Record<string, number>;
  /**
   * Units it had a few examples of, too few to learn (routing.minExamplesPerUnit): they handle
   * such matters at this centre, so the router leaves them the share the duty lists give them.
   */
  leftToDutyLists?: string[];
  /** Police or not, learned apart from the units with balanced priors; absent in models trained before. */
  side?: SideModelData;
  /** Maps the router's raw confidence to the share of held-back decisions that were right; absent until evaluated. */
  calibration?: Calibration;
}

/** The share of held-back decisions that were right at this raw confidence; the raw value without a calibration. */
export function applyCalibration(c: Calibration | undefined, confidence: number): number {
  if (!c || !c.from.length) return confidence;
  let i = 0;
  while (i + 1 < c.from.length && c.from[i + 1] <= confidence) i++;
  return confidence < c.from[0] ? c.to[0] : c.to[i];
}

/** The police-or-not model: labels `partner` and `police`, equal priors whatever the mix it learned from. */
export type SideModelData = Omit<TextModelData, 'side' | 'calibration'>;

/** A monotone map from raw confidence to accuracy: `to[i]` applies from `from[i]` up to the next point. */
export interface Calibration {
  from: number[];
  to: number[];
}

export const POLICE_SIDE = 'police';
export const PARTNER_SIDE = 'partner';

/** The length texts are scaled to: about the weight of ten distinct words. */
const TEXT_LENGTH = 10;
/**
 * The temperature of a model trained on too few examples to fit one: the one fitted on the
 * 7,457 labelled messages of the routing benchmark. Length-normalised naive Bayes is far too sure
 * of itself at 1 (98 % of texts above 0.8 confidence, 90 % of those right); complement weights,
 * each learned from the other units together, are flatter and need less.
 */
const DEFAULT_TEMPERATURE = 8;
const DEFAULT_COMPLEMENT_TEMPERATURE = 4;
/** Fitting a temperature needs this many examples: a tenth of them is held back to fit it on. */
const CALIBRATION_MIN_EXAMPLES = 200;
const TEMPERATURES = [1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32];

/**
 * A text's distinct tokens and their weights, counted and scaled once: the unit model and the
 * police-or-not model of one router decision both read it, and training reads each example's.
 * Counts are scaled to a Euclidean length of `length` when one is given.
 */
export class WeighedTokens {
  /** The distinct tokens, in the order they first occur; with `paired`, then the distinct pairs that are not also a token. */
  readonly words: string[] = [];
  /** The weight of each of `words`: its count, with `paired` the pairs' counts too, scaled to `length`. */
  readonly weights: number[] = [];
  /** How many of `words`, from the first, are whole tokens (words, duty evidence); the rest are pairs of a longer word. */
  readonly whole: number;
  /** The weights of the whole tokens alone, counted and scaled without the pairs: what a model of whole words reads. */
  readonly wholeWeights: number[];
  /** How many tokens the text had, repeats included (models trained on raw counts are tempered by it). */
  readonly count: number;
  /** The rows of `words` in a vocabulary (-1 for a word it does not have), looked up once per vocabulary. */
  private readonly rows = new Map<Vocabulary, number[]>();

  /**
   * `paired`: the character pairs of the longer tokens (`wordPairs`) are counted too; one such
   * object then serves a model that learned pairs and one that did not (the side model).
   */
  constructor(
    readonly tokens: readonly string[],
    readonly length: number | undefined,
    readonly paired = false,
  ) {
    // One look-up per token into a map of positions, and plain arrays after it: a map of counts
    // would be read and written again for every token. (Plain arrays rather than typed ones: a
    // typed array of a few hundred bytes is allocated outside the heap, at about a microsecond.)
    const positions = new Map<string, number>();
    for (const token of tokens) {
      const at = positions.get(token);
      if (at === undefined) {
        positions.set(token, this.words.length);
        this.words.push(token);
        this.weights.push(1);
      } else this.weights[at]++;
    }
    this.whole = this.words.length;
    this.count = tokens.length;
    this.wholeWeights = paired ? this.weights.slice() : this.weights;
    if (paired) this.countPairs(tokens);
    if (length !== undefined) {
      scaleToLength(this.weights, length);
      if (paired) scaleToLength(this.wholeWeights, length);
    }
  }

  /**
   * Adds the pairs of `wordPairs(tokens)`, keyed by their two UTF-16 code units rather than as
   * strings: a decision's pairs are mostly repeats and pairs equal to a two-character word, and
   * neither then costs a string or a string hash. A pair equal to a word counts as that word.
   */
  private countPairs(tokens: readonly string[]): void {
    const byCodes = new Map<number, number>();
    for (let j = 0; j < this.whole; j++) {
      const word = this.words[j];
      if (word.length === 2) byCodes.set(word.charCodeAt(0) * 0x10000 + word.charCodeAt(1), j);
    }
    for (const token of tokens) {
      if (token.length < 3) continue;
      for (let i = 0; i + 1 < token.length; i++) {
        const key = pairAt(token, i);
        if (key < 0) continue;
        const at = byCodes.get(key);
        if (at === undefined) {
          byCodes.set(key, this.words.length);
          this.words.push(token.slice(i, i + 2));
          this.weights.push(1);
        } else this.weights[at]++;
      }
    }
  }

  /** The rows of the first `count` of `words` in a vocabulary. */
  rowsIn(vocabulary: Vocabulary, count = this.words.length): readonly number[] {
    let rows = this.rows.get(vocabulary);
    if (!rows || rows.length < count) {
      rows = this.words.slice(0, count).map((word) => vocabulary.rowOf(word));
      this.rows.set(vocabulary, rows);
    }
    return rows;
  }
}

/** Scales counts, in place, to a Euclidean length of `length`. */
function scaleToLength(counts: number[], length: number): void {
  let squares = 0;
  for (let j = 0; j < counts.length; j++) squares += counts[j] * counts[j];
  const factor = length / Math.sqrt(squares || 1);
  for (let j = 0; j < counts.length; j++) counts[j] *= factor;
}

/**
 * Each known word's row, by open addressing over the words' UTF-16 code units kept in one
 * array. Every decision looks up each of its distinct words, new strings from jieba each time;
 * a Map<string, number> of tens of thousands of words (or a plain object, slower still) reaches
 * a string object of its own at each probe, and took about 1.5 times as long per look-up.
 */
export class Vocabulary {
  /** Each slot's row plus one; 0 for an empty slot. */
  private readonly slots: Int32Array;
  /** Where each row's word starts in `chars`, and one more: where the last one ends. */
  private readonly starts: Int32Array;
  private readonly chars: Uint16Array;

  /** `words` holds each word once; a word's row is its index. */
  constructor(readonly words: readonly string[]) {
    this.starts = new Int32Array(words.length + 1);
    words.forEach((word, row) => (this.starts[row + 1] = this.starts[row] + word.length));
    this.chars = new Uint16Array(this.starts[words.length]);
    words.forEach((word, row) => {
      for (let i = 0; i < word.length; i++) this.chars[this.starts[row] + i] = word.charCodeAt(i);
    });
    let size = 16;
    while (size < 2 * words.length) size *= 2;
    this.slots = new Int32Array(size);
    words.forEach((word, row) => {
      let slot = hashWord(word) & (size - 1);
      while (this.slots[slot]) slot = (slot + 1) & (size - 1);
      this.slots[slot] = row + 1;
    });
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.rowOf(word) >= 0;
  }

  /** The word's row; -1 for a word it does not have. */
  rowOf(word: string): number {
    const mask = this.slots.length - 1;
    for (let slot = hashWord(word) & mask; ; slot = (slot + 1) & mask) {
      const row = this.slots[slot] - 1;
      if (row < 0) return -1;
      if (this.isAt(row, word)) return row;
    }
  }

  private isAt(row: number, word: string): boolean {
    const start = this.starts[row];
    if (this.starts[row + 1] - start !== word.length) return false;
    for (let i = 0; i < word.length; i++) if (this.chars[start + i] !== word.charCodeAt(i)) return false;
    return true;
  }
}

/** FNV-1a over a word's UTF-16 code units. */
function hashWord(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export class TextModel {
  /** Shared with the side model when both learned the same words (they do: the same texts, the same cut-off). */
  private readonly vocabulary: Vocabulary;
  /** log P(word | label), one row of `labels.length` values per word of the vocabulary. */
  private readonly table: Float64Array;
  /** Each word's mean log-probability over the labels, computed when first asked for (NaN until then). */
  private means: Float64Array | null = null;
  /** The police-or-not model learned beside the units; null in models trained before. */
  readonly side: TextModel | null;

  /**
   * `sameWords`: a model with the same words and side model, whose tables are shared rather than
   * rebuilt; `vocabulary`: word rows to reuse, when it holds exactly this model's words.
   */
  constructor(
    readonly data: TextModelData,
    sameWords?: TextModel,
    vocabulary?: Vocabulary,
  ) {
    if (sameWords) {
      this.vocabulary = sameWords.vocabulary;
      this.table = sameWords.table;
      this.means = sameWords.means;
      this.side = sameWords.side;
      return;
    }
    const width = data.labels.length;
    this.vocabulary = vocabulary ?? new Vocabulary(Object.keys(data.words));
    this.table = new Float64Array(this.vocabulary.size * width);
    this.vocabulary.words.forEach((word, row) => this.table.set(data.words[word], row * width));
    const side = data.side;
    this.side = side ? new TextModel(side, undefined, sameKeys(side.words, this.vocabulary) ? this.vocabulary : undefined) : null;
  }

  get version(): string {
    return this.data.version;
  }

  /** Examples it learned of a label (a unit, or a side of the police-or-not model); unknown for models trained before: Infinity. */
  examplesOf(label: string): number {
    return this.data.examples ? (this.data.examples[label] ?? 0) : this.data.labels.includes(label) ? Infinity : 0;
  }

  /** The same model with another calibration (the one fitted on its held-back examples); the word tables are shared, not rebuilt. */
  withCalibration(calibration: Calibration | undefined): TextModel {
    return new TextModel({ ...this.data, calibration }, this);
  }

  /** The share of held-back decisions that were right at this raw confidence; the raw value when not calibrated. */
  calibrated(confidence: number): number {
    return applyCalibration(this.data.calibration, confidence);
  }

  /** P(label | text) for every label the model knows. */
  predict(text: string): Map<string, number> {
    return this.predictTokens(tokenize(text));
  }

  /** The tokens counted and scaled the way this model reads them: with the pairs of the longer words when it learned them. */
  weigh(tokens: readonly string[] | WeighedTokens): WeighedTokens {
    // Tokens weighed with their pairs serve a model of whole words too (`wholeWeights`).
    if (tokens instanceof WeighedTokens && tokens.length === this.data.textLength && (tokens.paired || !this.pairs)) return tokens;
    return new WeighedTokens(tokens instanceof WeighedTokens ? tokens.tokens : tokens, this.data.textLength, this.pairs);
  }

  /** Whether it learned the pairs of the longer words (`wordPairs`). */
  private get pairs(): boolean {
    return this.data.wordPairs === true;
  }

  /** How many of a weighed text's `words` this model reads: the pairs too, or the whole tokens only. */
  private read(weighed: WeighedTokens): { rows: readonly number[]; weights: readonly number[]; count: number } {
    const count = this.pairs ? weighed.words.length : weighed.whole;
    return { rows: weighed.rowsIn(this.vocabulary, count), weights: this.pairs ? weighed.weights : weighed.wholeWeights, count };
  }

  /** Whether the model learned anything about one of these tokens; if not, its prediction is only the priors. */
  knowsAny(tokens: readonly string[] | WeighedTokens): boolean {
    if (!(tokens instanceof WeighedTokens)) return tokens.some((t) => this.vocabulary.has(t));
    const { rows, count } = this.read(tokens);
    for (let j = 0; j < count; j++) if (rows[j] >= 0) return true;
    return false;
  }

  /**
   * Whether any of these tokens occurred in the examples of this label (a word's weight above
   * that of an unseen word). Whole features only: a shared pair of characters (电动 of 电动车 and
   * 电动门) is too little to say the label's examples have seen a text like it.
   */
  sawAnyWithLabel(tokens: WeighedTokens, label: string): boolean {
    const i = this.data.labels.indexOf(label);
    if (i < 0) return false;
    const width = this.data.labels.length;
    const unseen = this.data.unseen[i];
    const rows = tokens.rowsIn(this.vocabulary, tokens.whole);
    for (let j = 0; j < tokens.whole; j++) if (rows[j] >= 0 && this.table[rows[j] * width + i] > unseen) return true;
    return false;
  }

  predictTokens(tokens: readonly string[] | WeighedTokens): Map<string, number> {
    const { labels, temperature } = this.data;
    const weighed = this.weigh(tokens);
    // Naive Bayes on raw counts is overconfident on long texts: those models are tempered by the number of words.
    return new Map(softmax(this.scores(weighed), temperature ?? 1 + weighed.count / 6).map((p, i) => [labels[i], p]));
  }

  /** log P(label) + the weighed sum of log P(word | label) over the words the model knows. */
  scores(tokens: readonly string[] | WeighedTokens): number[] {
    const { labels, logPriors } = this.data;
    const { rows, weights, count } = this.read(this.weigh(tokens));
    const { table } = this;
    const scores = [...logPriors];
    const width = labels.length;
    for (let j = 0; j < count; j++) {
      if (rows[j] < 0) continue;
      const at = rows[j] * width;
      const weight = weights[j];
      for (let i = 0; i < width; i++) scores[i] += weight * table[at + i];
    }
    return scores;
  }

  /** The words of the text that weigh most for a label. */
  explain(text: string, label: string, count = 3): string[] {
    return this.explainTokens(tokenize(text), label, count);
  }

  explainTokens(tokens: readonly string[] | WeighedTokens, label: string, count = 3): string[] {
    const i = this.data.labels.indexOf(label);
    if (i < 0) return [];
    const weighed = tokens instanceof WeighedTokens ? tokens : new WeighedTokens(tokens, undefined);
    const rows = weighed.rowsIn(this.vocabulary, weighed.whole);
    // The `count` highest whole words, an earlier word first among equals (what a stable sort
    // would keep), without sorting them all: a pair of characters is no reason a person reads.
    const best: [string, number][] = [];
    for (let j = 0; j < weighed.whole; j++) {
      if (rows[j] < 0) continue;
      const value = this.table[rows[j] * this.data.labels.length + i] - this.rowMean(rows[j]);
      let at = best.length;
      while (at > 0 && best[at - 1][1] < value) at--;
      if (at < count) {
        best.splice(at, 0, [weighed.words[j], value]);
        if (best.length > count) best.pop();
      }
    }
    return best.map(([t]) => t);
  }

  private rowMean(row: number): number {
    const width = this.data.labels.length;
    this.means ??= new Float64Array(this.vocabulary.size).fill(NaN);
    let mean = this.means[row];
    if (Number.isNaN(mean)) {
      let sum = 0;
      for (let i = 0; i < width; i++) sum += this.table[row * width + i];
      this.means[row] = mean = sum / width;
    }
    return mean;
  }

  toJSON(): TextModelData {
    return this.data;
  }
}

function sameKeys(words: Record<string, unknown>, vocabulary: Vocabulary): boolean {
  const keys = Object.keys(words);
  return keys.length === vocabulary.size && keys.every((k) => vocabulary.has(k));
}

function softmax(scores: readonly number[], temperature: number): number[] {
  const max = Math.max(...scores);
  const exp = scores.map((s) => Math.exp((s - max) / temperature));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}

interface Tokenized {
  tokens: string[];
  unitCode: string;
}

/** An example as training holds it: `tokens` are its whole features, then the pairs of the longer words. */
interface Paired extends Tokenized {
  /** The whole features alone. */
  whole: string[];
}

interface TrainingOptions {
  minCount?: number;
  alpha?: number;
  features?: Features;
  /** Which labels are police units: given, a police-or-not model is learned beside the units. */
  isPolice?: (label: string) => boolean;
  /** Which units the unit model learns (all when absent); the police-or-not model learns from every example. */
  learnsUnit?: (label: string) => boolean;
}

/**
 * Trains with Laplace smoothing; words seen fewer than `minCount` times are left out. `features`
 * must be what the model will be asked about later: the router trains on `routingFeatures`.
 * The temperature is fitted on a held-back tenth of the examples, so that the confidence the
 * router compares with its auto-dispatch threshold means what it says.
 */
export function train(examples: TrainingExample[], options: TrainingOptions = {}): TextModel {
  const features = options.features ?? tokenize;
  // Every example's tokens are held until training ends, and the segmenter returns a new string
  // for each occurrence: one string per distinct token keeps a year of history in memory once.
  const strings = new Map<string, string>();
  const intern = (tokens: string[]) => tokens.map((t) => strings.get(t) ?? (strings.set(t, t), t));
  const tokenized = examples.map((e): Paired => {
    const whole = intern(features(e.text));
    return { tokens: [...whole, ...intern(wordPairs(whole))], whole, unitCode: e.unitCode };
  });
  const learnsUnit = options.learnsUnit;
  const units = learnsUnit ? tokenized.filter((e) => learnsUnit(e.unitCode)) : tokenized;
  const data: Omit<TextModelData, 'version'> = {
    ...estimate(units, options, true),
    trainedOn: tokenized.length,
    temperature: calibrate(units, options, { complement: true }),
    examples: countLabels(units),
    wordPairs: true,
  };
  if (learnsUnit) data.leftToDutyLists = [...new Set(tokenized.map((e) => e.unitCode))].filter((unit) => !learnsUnit(unit)).sort();
  if (options.isPolice) data.side = trainSide(tokenized, options.isPolice, options);
  const version = `nb-${createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 12)}`;
  return new TextModel({ version, ...data });
}

/** How many examples each label has. */
export function countLabels(examples: readonly { unitCode: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of examples) counts[e.unitCode] = (counts[e.unitCode] ?? 0) + 1;
  return counts;
}

/**
 * Police or not as a model of its own. Its priors are equal, whatever the mix of examples: an
 * import of partner history with no police orders in it is no evidence that fewer matters are
 * police, only that the centre has not yet taught the model what police matters look like.
 * The word likelihoods of each side are estimated from that side's examples alone, so the
 * imbalance does not reach them either; the temperature is fitted on a class-balanced loss.
 */
function trainSide(examples: readonly Paired[], isPolice: (label: string) => boolean, options: TrainingOptions): SideModelData {
  // Whole words only: the police side may have learned from a few dozen examples, and against
  // thousands of partner ones every pair the partner side knows and it does not would count
  // against it (with pairs, 我报警三天了，派出所一直没人联系我 fell from 0.99 police to 0.002).
  const sided = examples.map((e) => ({ tokens: e.whole, unitCode: isPolice(e.unitCode) ? POLICE_SIDE : PARTNER_SIDE }));
  const estimated = estimate(sided, options);
  const balanced = { ...estimated, logPriors: estimated.labels.map(() => Math.log(1 / estimated.labels.length)) };
  return { version: 'side', ...balanced, temperature: calibrate(sided, options, { balanced: true }), examples: countLabels(sided) };
}

/**
 * The temperature that makes the model's probabilities fit held-back examples best (least log
 * loss): trained on nine tenths, tried on every tenth example (temperature scaling, Guo et al. 2017).
 */
function calibrate(examples: readonly Tokenized[], options: TrainingOptions, { balanced = false, complement = false } = {}): number {
  const fallback = complement ? DEFAULT_COMPLEMENT_TEMPERATURE : DEFAULT_TEMPERATURE;
  if (examples.length < CALIBRATION_MIN_EXAMPLES) return fallback;
  const estimated = estimate(examples.filter((_, i) => i % 10 !== 0), options, complement);
  if (balanced) estimated.logPriors = estimated.logPriors.map(() => Math.log(1 / estimated.labels.length));
  const model = new TextModel({ version: 'calibration', ...estimated });
  const heldBack = examples
    .filter((_, i) => i % 10 === 0)
    .map((e) => ({ scores: model.scores(e.tokens), label: model.data.labels.indexOf(e.unitCode) }))
    .filter((e) => e.label >= 0);
  // A balanced loss weighs each label's examples as a whole equally: the rare side is not drowned.
  const perLabel = new Map<number, number>();
  for (const e of heldBack) perLabel.set(e.label, (perLabel.get(e.label) ?? 0) + 1);
  if (balanced && perLabel.size < 2) return fallback;
  const weight = (label: number) => (balanced ? 1 / perLabel.get(label)! : 1);
  const logLoss = (temperature: number) => heldBack.reduce((sum, e) => sum - weight(e.label) * Math.log(Math.max(1e-12, softmax(e.scores, temperature)[e.label])), 0);
  return TEMPERATURES.reduce((best, t) => (logLoss(t) < logLoss(best) ? t : best));
}

/**
 * Word weights per label from length-normalised counts: log P(word | label), or with `complement`
 * -log P(word | the other labels), counted over the other labels' examples together.
 */
function estimate(examples: readonly Tokenized[], options: TrainingOptions, complement = false): Omit<TextModelData, 'version' | 'temperature'> {
  const minCount = options.minCount ?? 2;
  const alpha = options.alpha ?? 0.5;
  const labels = [...new Set(examples.map((e) => e.unitCode))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const docCounts = new Array<number>(labels.length).fill(0);
  const counts = new Map<string, number[]>();
  const seen = new Map<string, number>();
  for (const e of examples) {
    const li = index.get(e.unitCode)!;
    docCounts[li]++;
    for (const token of e.tokens) seen.set(token, (seen.get(token) ?? 0) + 1);
    const weighed = new WeighedTokens(e.tokens, TEXT_LENGTH);
    for (let j = 0; j < weighed.words.length; j++) {
      let row = counts.get(weighed.words[j]);
      if (!row) counts.set(weighed.words[j], (row = new Array<number>(labels.length).fill(0)));
      row[li] += weighed.weights[j];
    }
  }
  for (const token of counts.keys()) if (seen.get(token)! < minCount) counts.delete(token);
  const totals = labels.map((_, i) => [...counts.values()].reduce((sum, row) => sum + row[i], 0));
  const vocabulary = counts.size;
  // Each label's weights are read from its own counts, or with `complement` from everyone else's
  // (a word common among the other units then counts against the label). Complement models
  // leave the priors out (Rennie et al.): they would bring back the lean towards the units the
  // history names most.
  const all = totals.reduce((a, b) => a + b, 0);
  const countOf = (c: number, sum: number) => (complement ? sum - c : c);
  const totalOf = (i: number) => (complement ? all - totals[i] : totals[i]);
  const sign = complement ? -1 : 1;
  const words: Record<string, number[]> = {};
  for (const [token, row] of counts) {
    const sum = row.reduce((a, b) => a + b, 0);
    words[token] = row.map((c, i) => sign * Math.log((countOf(c, sum) + alpha) / (totalOf(i) + alpha * vocabulary)));
  }
  return {
    labels,
    logPriors: complement ? labels.map(() => 0) : docCounts.map((c) => Math.log((c + 1) / (examples.length + labels.length))),
    words,
    unseen: labels.map((_, i) => sign * Math.log(alpha / (totalOf(i) + alpha * vocabulary))),
    trainedOn: examples.length,
    textLength: TEXT_LENGTH,
    ...(complement && { estimator: 'complement' as const }),
  };
}
