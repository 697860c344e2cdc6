/**
 * Interpolated modified Kneser-Ney estimation, as KenLM's lmplz does it by default
 * (Chen & Goodman 1998, "An Empirical Study of Smoothing Techniques", eq. 17 and 26; Heafield et al. 2013).
 *
 * Input: counts of every order from counts.ts (raw and adjusted, sorted into a CSR trie).
 * Output: for each n-gram its interpolated probability p(w | h), and for each context h its backoff γ(h),
 * in the ARPA sense: p(w | h) for an unseen (h w) is γ(h) · p(w | h minus its first word).
 *
 *   u(w | h) = (a(h w) − D_n(a(h w))) / Σ_v a(h v)
 *   γ(h)     = (D_n1 · N1(h •) + D_n2 · N2(h •) + D_n3+ · N3+(h •)) / Σ_v a(h v)
 *   p(w | h) = u(w | h) + γ(h) · p(w | h')                 (h' = h without its first word)
 *   p(w)     = u(w) + γ(ε) / |V|                           (|V| counts <unk> but not <s>, like KenLM)
 *
 * where a(·) are adjusted counts and D_n from the counts-of-counts t_k of adjusted counts of order n:
 *   Y = t1 / (t1 + 2 t2),  D_k = k − (k + 1) · Y · t_{k+1} / t_k   for k = 1, 2, 3.
 */
import type { OrderCounts } from './counts.ts';
import { BOS, UNK } from './types.ts';

/** Discounts used when counts-of-counts cannot give valid ones (tiny or artificial data): KenLM's fallback. */
export const FALLBACK_DISCOUNTS: readonly [number, number, number] = [0.5, 1.0, 1.5];

export interface EstimatedOrder {
  /** log2 p(w | h) of each n-gram, interpolated with all lower orders. */
  log2Prob: Float32Array;
  /** log2 γ(h) of each n-gram used as a context (0 when it has no children); empty at the highest order. */
  log2Backoff: Float32Array;
}

export interface Discounts {
  /** D1, D2, D3+ of one order. */
  values: [number, number, number];
  /** True when the counts-of-counts were unusable and the fallback was taken. */
  fallback: boolean;
}

/** Counts-of-counts t1..t4 of the adjusted counts of one order (index k holds t_k; index 0 unused). */
export function countsOfCounts(adjusted: Uint32Array): [number, number, number, number, number] {
  const t: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (let i = 0; i < adjusted.length; i++) {
    const a = adjusted[i];
    if (a > 0 && a < 5) t[a]++;
  }
  return t;
}

/** Chen & Goodman eq. 26, with KenLM's range checks; falls back instead of failing or making NaN. */
export function discountsFromCounts(t: readonly number[]): Discounts {
  if (t[1] === 0 || t[2] === 0 || t[3] === 0) return { values: [...FALLBACK_DISCOUNTS], fallback: true };
  const y = t[1] / (t[1] + 2 * t[2]);
  const values: [number, number, number] = [0, 0, 0];
  for (let k = 1; k <= 3; k++) {
    const d = k - (k + 1) * y * (t[k + 1] / t[k]);
    if (!(d >= 0 && d <= k)) return { values: [...FALLBACK_DISCOUNTS], fallback: true };
    values[k - 1] = d;
  }
  return { values, fallback: false };
}

export interface Estimate {
  orders: EstimatedOrder[];
  discounts: Discounts[];
}

export function estimateKneserNey(counts: OrderCounts[]): Estimate {
  const steps = estimateKneserNeySteps(counts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Contexts estimated between two yields: keeps each slice of work to a few milliseconds. */
const CONTEXTS_PER_YIELD = 1 << 15;

/** The estimation as a generator yielding the fraction done, so a worker can report progress and cancel. */
export function* estimateKneserNeySteps(counts: OrderCounts[]): Generator<number, Estimate> {
  const N = counts.length;
  // One order's counts of counts a step: all at once, they were the longest step of a Brown-sized estimate (30–70 ms).
  const discounts: Discounts[] = [];
  for (const o of counts) {
    discounts.push(discountsFromCounts(countsOfCounts(o.adjusted)));
    yield 0;
  }
  const orders: EstimatedOrder[] = [];

  const V = counts[0].words.length;
  let lowerProb = unigramProbabilities(counts[0].adjusted, V, discounts[0].values);
  orders.push({ log2Prob: toLog2(lowerProb), log2Backoff: new Float32Array(N > 1 ? V : 0) });

  for (let n = 2; n <= N; n++) {
    const ctx = counts[n - 2];
    const o = counts[n - 1];
    const d = discounts[n - 1].values;
    const prob = new Float64Array(o.words.length);
    const backoff = orders[n - 2].log2Backoff;
    const contexts = ctx.words.length;
    for (let c = 0; c < contexts; c += CONTEXTS_PER_YIELD) {
      estimateContexts(ctx, o, d, lowerProb, prob, backoff, c, Math.min(contexts, c + CONTEXTS_PER_YIELD));
      if (c + CONTEXTS_PER_YIELD < contexts) yield (n - 2 + (c + CONTEXTS_PER_YIELD) / contexts) / Math.max(1, N - 1);
    }
    orders.push({ log2Prob: toLog2(prob), log2Backoff: new Float32Array(n < N ? o.words.length : 0) });
    lowerProb = prob;
  }
  return { orders, discounts };
}

/**
 * p(w) of each of the V words from the unigrams' adjusted counts (the formulas at the top; the lower distribution is
 * uniform over every token but <s>). A plain function, not loops inside the generator: V8 compiled the whole generator
 * for their sake (on-stack replacement) and again after them, 11 compilations and 0.25 s of compile time in a first
 * visit's log (Chromium's --trace-opt).
 */
function unigramProbabilities(adjusted: Uint32Array, V: number, d0: readonly number[]): Float64Array {
  let denom = 0;
  const nk = [0, 0, 0];
  for (let w = 0; w < V; w++) {
    const a = adjusted[w];
    denom += a;
    if (a > 0) nk[Math.min(a, 3) - 1]++;
  }
  const gamma0 = denom > 0 ? (d0[0] * nk[0] + d0[1] * nk[1] + d0[2] * nk[2]) / denom : 1;
  const uniform = 1 / Math.max(1, V - 1); // every token but <s>
  const prob = new Float64Array(V);
  for (let w = 0; w < V; w++) {
    const a = adjusted[w];
    // KenLM treats <unk> as a zeroton even when the text spelled it out.
    const u = a > 0 && w !== UNK ? (a - d0[Math.min(a, 3) - 1]) / denom : 0;
    prob[w] = w === BOS ? 0 : u + gamma0 * uniform;
  }
  return prob;
}

/**
 * p(w | h) of the children of contexts from..to−1 and γ(h) of each (the formulas at the top). A plain function, not
 * a loop inside the generator: V8 optimises it at once, a generator's loop only after many resumptions. The loops
 * over one context's children are functions of their own too: in Chromium's V8 a build worker compiled such an inner
 * loop alone (on-stack replacement) and threw the code away each time it ended, about 900 times in a first visit.
 */
function estimateContexts(
  ctx: OrderCounts,
  o: OrderCounts,
  d: readonly number[],
  lowerProb: Float64Array,
  prob: Float64Array,
  backoff: Float32Array,
  from: number,
  to: number,
): void {
  const d1 = d[0];
  const d2 = d[1];
  const d3 = d[2];
  const starts = ctx.childStart;
  const adjusted = o.adjusted;
  const tally = new Float64Array(4);
  for (let c = from; c < to; c++) {
    const first = starts[c];
    const last = starts[c + 1];
    if (first === last) continue;
    tallyChildren(adjusted, first, last, tally);
    const sum = tally[0];
    const gamma = (d1 * tally[1] + d2 * tally[2] + d3 * tally[3]) / sum;
    childProbabilities(o, lowerProb, prob, first, last, sum, gamma, d1, d2, d3);
    backoff[c] = Math.log2(gamma);
  }
}

/** The sum of the adjusted counts of children first..last−1, and how many are 1, 2 and 3 or more, into `tally`. */
function tallyChildren(adjusted: Uint32Array, first: number, last: number, tally: Float64Array): void {
  let sum = 0;
  let n1 = 0;
  let n2 = 0;
  let n3 = 0;
  for (let j = first; j < last; j++) {
    const a = adjusted[j];
    sum += a;
    if (a === 1) n1++;
    else if (a === 2) n2++;
    else if (a >= 3) n3++;
  }
  tally[0] = sum;
  tally[1] = n1;
  tally[2] = n2;
  tally[3] = n3;
}

/** p(w | h) of children first..last−1 of one context, whose adjusted counts sum to `sum` and whose γ is `gamma`. */
function childProbabilities(o: OrderCounts, lowerProb: Float64Array, prob: Float64Array, first: number, last: number, sum: number, gamma: number, d1: number, d2: number, d3: number): void {
  const adjusted = o.adjusted;
  const suffix = o.suffix;
  for (let j = first; j < last; j++) {
    const a = adjusted[j];
    const u = a > 0 ? (a - (a === 1 ? d1 : a === 2 ? d2 : d3)) / sum : 0;
    prob[j] = u + gamma * lowerProb[suffix[j]];
  }
}

function toLog2(p: Float64Array): Float32Array {
  const out = new Float32Array(p.length);
  // Clamp at 0: rounding can push a probability a hair above 1 (KenLM clamps too).
  for (let i = 0; i < p.length; i++) out[i] = Math.min(0, Math.log2(p[i]));
  return out;
}
