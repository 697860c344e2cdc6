/**
 * Four ways to turn the same raw n-gram counts into a next-token distribution, behind one `Scorer` shape, so
 * the site can show them side by side (and tests can check every one with the same property):
 *
 *   maximum likelihood   P(w | h) = c(h w) / c(h)                        on the longest context h seen in training
 *   add-k (Lidstone)     P(w | h) = (c(h w) + k) / (c(h) + k·|V|)        same context
 *   stupid backoff       S(w | h) = c(h w) / c(h) if c(h w) > 0, else α · S(w | h′), down to c(w) / N
 *                        (Brants et al. 2007, α = 0.4; a score, not a probability: it does not sum to one)
 *   modified Kneser-Ney  the model's own estimate (Chen & Goodman 1999, eq. 26 discounts; see kneser-ney.ts)
 *
 * The counts are the trie's raw counts (`ModelOrder.counts`); c(h) is the sum of the counts of h's children, so
 * maximum likelihood sums to one over the tokens seen after h. |V| is the vocabulary without <s> (which is never
 * predicted). Pure: no DOM or worker here.
 *
 * Worked example (whitespace tokens, one document per line, order 2): "a b", "a b", "b a". After "a" the counts
 * are b: 2, </s>: 1, so ML gives b 2/3, </s> 1/3 and every other token 0; add-1 over |V| = 4 (<unk> a b </s>)
 * gives b 3/7, </s> 2/7, a 1/7, <unk> 1/7.
 */
import { TopHeap, type NgramModel } from './model.ts';
import { BOS, type TokenId } from './types.ts';

export type SmoothingMethod = 'ml' | 'add-k' | 'stupid-backoff' | 'kneser-ney';

export const SMOOTHING_METHODS: readonly SmoothingMethod[] = ['ml', 'add-k', 'stupid-backoff', 'kneser-ney'];

/** One estimator over one model's counts. `distribution(h)[w] === prob(h, w)` for every token w. */
export interface Scorer {
  readonly method: SmoothingMethod;
  /** Whether the values sum to one over the vocabulary (stupid backoff's do not). */
  readonly normalized: boolean;
  prob(context: readonly TokenId[], word: TokenId): number;
  /** Every token's value after the context, index = token id (<s> is 0). */
  distribution(context: readonly TokenId[]): Float64Array;
}

/** The longest suffix of a context that was followed by something in training, with its children. */
export interface SeenContext {
  /** Tokens of the context used (0: none, the unigram level). */
  length: number;
  /** c(h): the summed counts of the tokens seen after it (all unigram tokens but <s> when length is 0). */
  total: number;
  /** Tokens seen after it and their counts c(h w). */
  words: Uint32Array;
  counts: Uint32Array;
}

/** The unigram level's counts: every token but <s>. */
function unigramLevel(model: NgramModel): SeenContext {
  const uni = model.orders[0];
  const n = uni.counts.length;
  const words = new Uint32Array(n - 1);
  const counts = new Uint32Array(n - 1);
  let total = 0;
  for (let w = 0, j = 0; w < n; w++) {
    if (w === BOS) continue;
    words[j] = w;
    counts[j] = uni.counts.get(w);
    total += counts[j++];
  }
  return { length: 0, total, words, counts };
}

/** Every context level that has children, longest first, ending with the unigram level. */
export function seenContexts(model: NgramModel, context: readonly TokenId[]): SeenContext[] {
  const nodes = model.contextNodes(context);
  const levels: SeenContext[] = [];
  for (let L = nodes.length; L >= 1; L--) {
    const o = model.orders[L - 1];
    const next = model.orders[L];
    const from = o.childStart.get(nodes[L - 1]);
    const to = o.childStart.get(nodes[L - 1] + 1);
    if (to <= from) continue;
    const counts = next.counts.unpack(from, to);
    let total = 0;
    for (let j = 0; j < counts.length; j++) total += counts[j];
    levels.push({ length: L, total, words: next.words.unpack(from, to), counts });
  }
  levels.push(unigramLevel(model));
  return levels;
}

/** |V| for add-k: every token the model can predict (<unk> and </s> included, <s> not). */
const predictable = (model: NgramModel) => model.vocab.size - 1;

/** Index of `word` among a level's (sorted) words, or -1. */
function find(level: SeenContext, word: TokenId): number {
  let lo = 0;
  let hi = level.words.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = level.words[mid];
    if (v === word) return mid;
    if (v < word) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Maximum likelihood on the longest seen context: zero for every token not seen after it. */
export function maximumLikelihood(model: NgramModel): Scorer {
  return {
    method: 'ml',
    normalized: true,
    prob(context, word) {
      if (word === BOS) return 0;
      const top = seenContexts(model, context)[0];
      const j = find(top, word);
      return top.total > 0 && j >= 0 ? top.counts[j] / top.total : 0;
    },
    distribution(context) {
      const top = seenContexts(model, context)[0];
      const p = new Float64Array(model.vocab.size);
      if (top.total > 0) for (let j = 0; j < top.words.length; j++) p[top.words[j]] = top.counts[j] / top.total;
      p[BOS] = 0;
      return p;
    },
  };
}

/** Add-k (Lidstone; k = 1 is Laplace's add-one) on the longest seen context. */
export function addK(model: NgramModel, k = 1): Scorer {
  if (!(k > 0)) throw new Error(`add-k needs k > 0, got ${k}`);
  const V = predictable(model);
  return {
    method: 'add-k',
    normalized: true,
    prob(context, word) {
      if (word === BOS) return 0;
      const top = seenContexts(model, context)[0];
      const j = find(top, word);
      return ((j >= 0 ? top.counts[j] : 0) + k) / (top.total + k * V);
    },
    distribution(context) {
      const top = seenContexts(model, context)[0];
      const denominator = top.total + k * V;
      const p = new Float64Array(model.vocab.size).fill(k / denominator);
      for (let j = 0; j < top.words.length; j++) p[top.words[j]] = (top.counts[j] + k) / denominator;
      p[BOS] = 0;
      return p;
    },
  };
}

/** Stupid backoff (Brants et al. 2007): relative frequency at the longest level that saw the token, times α per step down. */
export function stupidBackoff(model: NgramModel, alpha = 0.4): Scorer {
  return {
    method: 'stupid-backoff',
    normalized: false,
    prob(context, word) {
      if (word === BOS) return 0;
      let factor = 1;
      for (const level of seenContexts(model, context)) {
        const j = find(level, word);
        if (j >= 0 && level.counts[j] > 0) return (factor * level.counts[j]) / level.total;
        factor *= alpha;
      }
      return 0;
    },
    distribution(context) {
      const levels = seenContexts(model, context);
      const p = new Float64Array(model.vocab.size);
      // From the unigram level up: a longer level overwrites what it saw.
      for (let i = levels.length - 1; i >= 0; i--) fillLevel(p, levels[i], alpha ** i);
      p[BOS] = 0;
      return p;
    },
  };
}

/**
 * p[w] of each word seen after one level's context, scaled by `factor`. A function, not a loop inside distribution's
 * loop over the levels: V8 in Chromium compiled that inner loop alone and threw the code away each time it ended.
 */
function fillLevel(p: Float64Array, level: SeenContext, factor: number): void {
  for (let j = 0; j < level.words.length; j++) if (level.counts[j] > 0) p[level.words[j]] = (factor * level.counts[j]) / level.total;
}

/** Modified Kneser-Ney: the model's own interpolated estimate. */
export function kneserNey(model: NgramModel): Scorer {
  return {
    method: 'kneser-ney',
    normalized: true,
    prob: (context, word) => (word === BOS ? 0 : 2 ** model.score(context, word).log2Prob),
    distribution: (context) => model.distribution(context),
  };
}

export function scorer(model: NgramModel, method: SmoothingMethod, options: { k?: number; alpha?: number } = {}): Scorer {
  switch (method) {
    case 'ml':
      return maximumLikelihood(model);
    case 'add-k':
      return addK(model, options.k);
    case 'stupid-backoff':
      return stupidBackoff(model, options.alpha);
    case 'kneser-ney':
      return kneserNey(model);
    default: {
      const never: never = method;
      throw new Error(`unknown smoothing method ${String(never)}`);
    }
  }
}

/** One method's answer for the view: its top tokens, and how its mass splits between seen and unseen tokens. */
export interface SmoothedDistribution {
  method: SmoothingMethod;
  normalized: boolean;
  top: { id: TokenId; token: string; prob: number; seen: boolean }[];
  /** Sum over the tokens seen after the context used. */
  seenMass: number;
  /** Sum over every other token (what is left for continuations never seen after this context). */
  unseenMass: number;
}

export interface SmoothingComparison {
  /** Tokens of context the counts came from (the longest seen suffix), and c(h). */
  contextLength: number;
  contextTokens: string[];
  contextCount: number;
  /** Distinct tokens seen after that context. */
  seenTypes: number;
  vocabulary: number;
  methods: SmoothedDistribution[];
}

/** The four estimators side by side after one context (ids in the model's own vocabulary). */
export function compareSmoothing(model: NgramModel, context: readonly TokenId[], k: number, options: { addK?: number } = {}): SmoothingComparison {
  const top = seenContexts(model, context)[0];
  const seen = new Set(top.words);
  const methods = SMOOTHING_METHODS.map((method): SmoothedDistribution => {
    const s = scorer(model, method, { k: options.addK });
    const p = s.distribution(context);
    let seenMass = 0;
    let total = 0;
    for (let w = 0; w < p.length; w++) total += p[w];
    for (const w of seen) seenMass += p[w];
    const heap = new TopHeap(k);
    for (let w = 0; w < p.length; w++) if (p[w] > 0) heap.push(p[w], w, 0, 0);
    return {
      method,
      normalized: s.normalized,
      top: heap.sorted().map(({ id }) => ({ id, token: model.vocab.token(id), prob: p[id], seen: seen.has(id) })),
      seenMass,
      unseenMass: total - seenMass,
    };
  });
  const used = context.slice(context.length - top.length);
  return {
    contextLength: top.length,
    contextTokens: top.length ? used.map((id) => model.vocab.token(id)) : [],
    contextCount: top.total,
    seenTypes: top.words.length,
    vocabulary: predictable(model),
    methods,
  };
}
