import { tokenize } from '../src/modules/routing/model';

/**
 * A reference learner for bench:routing, not the service's model: a linear support vector
 * machine, one label against the rest, over TF-IDF of the router's words and of the text's CJK
 * character pairs, trained by stochastic sub-gradient descent (Pegasos: Shalev-Shwartz et al.,
 * 2007) in a fixed pseudo-random order, so that every run gives the same figures.
 *
 * It answers one question beside the router's figures: would a stronger learner of words read
 * more out of the same history? Where it scores as the service's naive Bayes does, the ceiling
 * is in the labels and the words, not in the choice of learner.
 */
export interface ReferenceModel {
  predict(text: string): string;
}

/** The L2 penalty, the passes over the examples and the fewest examples a feature must occur in. */
const LAMBDA = 1e-4;
const EPOCHS = 15;
const MIN_DOCUMENTS = 2;

/** The router's words, and every pair of adjacent CJK characters of the text. */
function features(text: string): string[] {
  const out = tokenize(text).map((w) => `w:${w}`);
  for (let i = 0; i + 1 < text.length; i++) {
    if (isHan(text.charCodeAt(i)) && isHan(text.charCodeAt(i + 1))) out.push(`p:${text.slice(i, i + 2)}`);
  }
  return out;
}

const isHan = (c: number) => c >= 0x4e00 && c <= 0x9fff;

/** A text as sparse TF-IDF (sublinear counts), scaled to unit length. */
interface Sparse {
  index: number[];
  value: number[];
}

export function trainReference(examples: readonly { text: string; label: string }[]): ReferenceModel {
  const labels = [...new Set(examples.map((e) => e.label))];
  const texts = examples.map((e) => features(e.text));
  const documents = new Map<string, number>();
  for (const f of texts) for (const w of new Set(f)) documents.set(w, (documents.get(w) ?? 0) + 1);
  const column = new Map<string, number>();
  for (const [w, n] of documents) if (n >= MIN_DOCUMENTS) column.set(w, column.size);
  const idf = new Float64Array(column.size);
  for (const [w, j] of column) idf[j] = Math.log((texts.length + 1) / (documents.get(w)! + 1)) + 1;

  const vector = (f: string[]): Sparse => {
    const counts = new Map<number, number>();
    for (const w of f) {
      const j = column.get(w);
      if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    const index = [...counts.keys()];
    const value = index.map((j) => (1 + Math.log(counts.get(j)!)) * idf[j]);
    const norm = Math.hypot(...value) || 1;
    return { index, value: value.map((v) => v / norm) };
  };
  const xs = texts.map(vector);
  const ys = examples.map((e) => labels.indexOf(e.label));
  const weights = labels.map(() => new Float64Array(column.size));
  // The weights are kept as scale × stored, so that the penalty's shrinking at each step costs one multiplication.
  const scales = labels.map(() => 1);
  const score = (k: number, x: Sparse) => {
    let s = 0;
    for (let i = 0; i < x.index.length; i++) s += weights[k][x.index[i]] * x.value[i];
    return s * scales[k];
  };

  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const order = xs.map((_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const n of order) {
      step++;
      const rate = 1 / (LAMBDA * (step + 1000));
      for (let k = 0; k < labels.length; k++) {
        const y = ys[n] === k ? 1 : -1;
        const margin = y * score(k, xs[n]);
        scales[k] *= 1 - rate * LAMBDA;
        if (margin < 1) {
          const x = xs[n];
          for (let i = 0; i < x.index.length; i++) weights[k][x.index[i]] += (rate * y * x.value[i]) / scales[k];
        }
      }
    }
  }
  return {
    predict(text) {
      const x = vector(features(text));
      const scores = labels.map((_, k) => score(k, x));
      return labels[scores.indexOf(Math.max(...scores))];
    },
  };
}
