/**
 * Continuation of a context by greedy search, beam search or sampling (temperature, top-k, top-p)
 * from a seeded generator. Works on any LanguageModel, so base, fine-tuned and cached models share it.
 */
import { TopHeap, type LanguageModel } from './model.ts';
import { seededRandom } from './random.ts';
import { BOS, EOS, UNK, type TokenId } from './types.ts';

export type GenerateMethod = 'greedy' | 'beam' | 'sample';

export interface GenerateOptions {
  method: GenerateMethod;
  maxTokens: number;
  beamWidth?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Stop after a token for which this returns true (for example one holding a newline). */
  stopAfter?: (token: string) => boolean;
}

export interface Generation {
  ids: TokenId[];
  tokens: string[];
  /** Sum of log2 probabilities of the generated tokens. */
  log2Prob: number;
}

/** The whole continuation at once. */
export function generate(model: LanguageModel, context: readonly TokenId[], options: GenerateOptions): Generation {
  const steps = generateSteps(model, context, options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same continuation one step (token, or beam extension) at a time: a driver may pause between steps and
 * stop a generation nobody waits for any more (the worker's slice scheduler). Yields the steps done so far.
 */
export function generateSteps(model: LanguageModel, context: readonly TokenId[], options: GenerateOptions): Generator<number, Generation> {
  switch (options.method) {
    case 'greedy':
      return greedy(model, context, options);
    case 'beam':
      return beam(model, context, options);
    case 'sample':
      return sample(model, context, options);
    default: {
      const never: never = options.method;
      throw new Error(`unknown generation method ${String(never)}`);
    }
  }
}

function window(model: LanguageModel, ids: readonly TokenId[]): TokenId[] {
  return ids.slice(Math.max(0, ids.length - (model.order - 1)));
}

function finish(model: LanguageModel, ids: TokenId[], log2Prob: number): Generation {
  return { ids, tokens: ids.map((id) => model.vocab.token(id)), log2Prob };
}

function* greedy(model: LanguageModel, context: readonly TokenId[], o: GenerateOptions): Generator<number, Generation> {
  const all = [...context];
  const out: TokenId[] = [];
  let lp = 0;
  for (let i = 0; i < o.maxTokens; i++) {
    const [best] = model.topK(window(model, all), 1, { includeEnd: true });
    if (!best || best.id === EOS) break;
    out.push(best.id);
    all.push(best.id);
    lp += best.log2Prob;
    if (o.stopAfter?.(best.token)) break;
    yield i + 1;
  }
  return finish(model, out, lp);
}

interface Beam {
  ids: TokenId[];
  log2Prob: number;
  done: boolean;
}

function* beam(model: LanguageModel, context: readonly TokenId[], o: GenerateOptions): Generator<number, Generation> {
  const width = Math.max(1, o.beamWidth ?? 4);
  let beams: Beam[] = [{ ids: [], log2Prob: 0, done: false }];
  for (let step = 0; step < o.maxTokens && beams.some((b) => !b.done); step++) {
    const next: Beam[] = [];
    for (const b of beams) {
      if (b.done) {
        next.push(b);
        continue;
      }
      for (const p of model.topK(window(model, [...context, ...b.ids]), width, { includeEnd: true })) {
        const ended = p.id === EOS;
        const ids = ended ? b.ids : [...b.ids, p.id];
        next.push({ ids, log2Prob: b.log2Prob + p.log2Prob, done: ended || !!o.stopAfter?.(p.token) });
      }
    }
    next.sort((a, b) => b.log2Prob - a.log2Prob);
    beams = next.slice(0, width);
    yield step + 1;
  }
  const best = beams[0];
  return finish(model, best.ids, best.log2Prob);
}

function* sample(model: LanguageModel, context: readonly TokenId[], o: GenerateOptions): Generator<number, Generation> {
  const random = seededRandom(o.seed ?? 1);
  const temperature = Math.max(1e-3, o.temperature ?? 1);
  const topK = o.topK ?? 0;
  const topP = o.topP ?? 1;
  const all = [...context];
  const out: TokenId[] = [];
  let lp = 0;
  for (let i = 0; i < o.maxTokens; i++) {
    const ctx = window(model, all);
    let id: number;
    let log2Prob: number;
    if (topK > 0) {
      // Top-k sampling needs only the k best: the model's exact topK (microseconds; BOS and <unk> are never
      // listed) instead of the whole distribution over the vocabulary (milliseconds per token).
      const best = model.topK(ctx, topK, { includeEnd: true });
      const r = drawRanked(best.map((b) => b.prob), temperature, topP, random);
      if (r < 0) break;
      id = best[r].id;
      log2Prob = best[r].log2Prob;
    } else {
      const p = model.distribution(ctx);
      p[BOS] = 0;
      p[UNK] = 0;
      id = drawFrom(p, temperature, 0, topP, random);
      if (id < 0) break;
      log2Prob = model.score(ctx, id).log2Prob;
    }
    if (id === EOS) break;
    lp += log2Prob;
    out.push(id);
    all.push(id);
    if (o.stopAfter?.(model.vocab.token(id))) break;
    yield i + 1;
  }
  return finish(model, out, lp);
}

/**
 * Draws an index from weights p after temperature, top-k and nucleus (top-p) truncation. Only what a setting
 * needs is ordered: top-k keeps a bounded heap (O(V log k)), top-p sorts what is left, plain sampling sorts
 * nothing — a vocabulary of 100k tokens is drawn from in about a millisecond.
 */
export function drawFrom(p: Float64Array, temperature: number, topK: number, topP: number, random: () => number): number {
  let ids: number[] = [];
  for (let i = 0; i < p.length; i++) if (p[i] > 0) ids.push(i);
  if (ids.length === 0) return -1;
  // Temperature is monotone, so the order by p is the order by weight: rank on p, weigh after.
  if (topK > 0 && topK < ids.length) {
    const heap = new TopHeap(topK);
    for (const i of ids) heap.push(p[i], i, 0, 0);
    ids = heap.sorted().map((e) => e.id);
  } else if (topP < 1) {
    ids.sort((a, b) => p[b] - p[a] || a - b);
  }
  const r = drawRanked(
    ids.map((i) => p[i]),
    temperature,
    topP,
    random,
  );
  return r < 0 ? -1 : ids[r];
}

/**
 * Draws a rank from weights (all of them, or the top k; in descending order when topP < 1): temperature, then
 * the nucleus (the shortest head holding topP of the tempered mass). -1 when there is nothing to draw.
 */
export function drawRanked(ranked: readonly number[], temperature: number, topP: number, random: () => number): number {
  if (ranked.length === 0) return -1;
  const w = ranked.map((x) => Math.exp(Math.log(x) / temperature));
  let keep = w.length;
  if (topP < 1) {
    const total = w.reduce((s, x) => s + x, 0);
    let acc = 0;
    for (let r = 0; r < keep; r++) {
      acc += w[r];
      if (acc >= topP * total) {
        keep = r + 1;
        break;
      }
    }
  }
  let total = 0;
  for (let r = 0; r < keep; r++) total += w[r];
  let u = random() * total;
  for (let r = 0; r < keep; r++) {
    u -= w[r];
    if (u < 0) return r;
  }
  return keep - 1;
}
