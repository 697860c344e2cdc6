/**
 * Linear interpolation of language models over the union of their vocabularies: the fine-tuned model
 *   P_ft(w | h) = λ · P_code(w | h) + (1 − λ) · P_base(w | h)
 * and, with the document cache, P(w | h) = Σ_i λ_i · P_i(w | h) with Σ_i λ_i = 1.
 *
 * Vocabulary. The mixture's ids are those of a union vocabulary: <unk>, <s>, </s>, then every token of
 * every component (components whose `vocab` is the union itself, like the document cache, share it).
 * A component maps a union token it does not know to its own <unk>. Giving each such token the whole
 * P_i(<unk> | h), as SRILM's and KenLM's interpolation tools do, counts that mass once per unknown token,
 * and the mixture would no longer sum to one. Here component i splits its <unk> mass evenly over the
 * union <unk> and the U_i union tokens it does not know:
 *   P_i(w | h) = P_i(<unk> | h) / (1 + U_i)      for every w unknown to i,
 * so each component, and therefore the mixture, is a distribution over the union (tests check it).
 *
 * The union may grow after construction (the document cache adds the editor's new tokens to it); the
 * id maps are extended lazily, and U_i follows.
 *
 * Weights change in place (`setWeights`) and take effect on the next query: no rebuild.
 */
import type { LanguageModel, TopKOptions } from './model.ts';
import { BOS, EOS, UNK, type Prediction, type TokenId, type TokenScore } from './types.ts';
import { Vocab } from './vocab.ts';

/** Whether two vocabularies hold the same tokens under the same ids (one compare per token; the first difference ends it). */
function sameTokens(a: Vocab, b: Vocab): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  const x = a.words;
  const y = b.words;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The union vocabulary and, per component, its id maps. Shared by every view of one mixture. */
class UnionIndex {
  readonly vocab: Vocab;
  /** Union id → component id (UNK when the component does not know the token). */
  readonly toComponent: Int32Array[];
  /** Component id → union id. */
  readonly toUnion: Int32Array[];
  /** Per component: how many union ids its toComponent map covers. */
  private synced: number[];

  constructor(readonly components: readonly LanguageModel[], vocab?: Vocab) {
    this.vocab = vocab ?? new Vocab();
    // One union lookup per token of each component gives both maps (loading a cached set of models does this for
    // a few hundred thousand tokens: looking each union token up again in every component cost three times more).
    // Components with the same tokens share their maps, made once: a code group's data-fraction models have its full
    // model's tokens, each job's in a vocabulary of its own, and the site's complete set mixes 13 models of 4
    // vocabularies (interning all 13 took its model worker about 70 ms of a first visit). sync() replaces a map it
    // extends and never writes into one, so sharing them is safe.
    const own = (c: LanguageModel) => c.vocab !== this.vocab;
    // first[i]: the first component with component i's tokens (i itself when none before it has them).
    const first = components.map((c, i) => (own(c) ? components.findIndex((d) => own(d) && sameTokens(d.vocab, c.vocab)) : i));
    this.toUnion = [];
    for (const [i, c] of components.entries()) {
      let back: Int32Array = new Int32Array(0);
      if (own(c) && first[i] < i) back = this.toUnion[first[i]];
      else if (own(c)) {
        back = new Int32Array(c.vocab.size);
        const words = c.vocab.words;
        for (let id = 0; id < back.length; id++) back[id] = this.vocab.intern(words[id]);
      }
      this.toUnion.push(back);
    }
    const size = this.vocab.size;
    this.toComponent = [];
    for (const [i, c] of components.entries()) {
      let to: Int32Array = new Int32Array(0);
      if (own(c) && first[i] < i) to = this.toComponent[first[i]];
      else if (own(c)) {
        to = new Int32Array(size); // 0 is UNK: the component does not know the token
        const back = this.toUnion[i];
        for (let id = 0; id < back.length; id++) to[back[id]] = id;
      }
      this.toComponent.push(to);
    }
    // Components that share the union (the document cache) get their maps in sync(), and every map follows growth.
    this.synced = components.map((c) => (c.vocab === this.vocab ? 0 : size));
    this.sync();
  }

  /** Extends the maps to tokens added to the union (or to a component sharing it) since the last call. */
  sync(): void {
    const size = this.vocab.size;
    if (this.synced.every((n) => n === size) && this.components.every((c, i) => c.vocab.size === this.toUnion[i].length)) return;
    const words = this.vocab.words;
    this.components.forEach((c, i) => {
      const from = this.synced[i];
      if (from < size) {
        const to = new Int32Array(size);
        to.set(this.toComponent[i].subarray(0, Math.min(from, size)));
        const shared = c.vocab === this.vocab;
        for (let u = from; u < size; u++) to[u] = shared ? u : c.vocab.id(words[u]);
        this.toComponent[i] = to;
        this.synced[i] = size;
      }
      if (this.toUnion[i].length < c.vocab.size) {
        const back = new Int32Array(c.vocab.size);
        back.set(this.toUnion[i]);
        const shared = c.vocab === this.vocab;
        for (let id = this.toUnion[i].length; id < c.vocab.size; id++) back[id] = shared ? id : this.vocab.id(c.vocab.words[id]);
        this.toUnion[i] = back;
      }
    });
  }

  /** Share of component i's <unk> mass given to each union token it does not know: 1 / (1 + U_i). */
  unknownShare(i: number): number {
    const known = this.components[i].vocab === this.vocab ? this.vocab.size : this.components[i].vocab.size;
    return 1 / (1 + Math.max(0, this.vocab.size - known));
  }

  mapContext(i: number, context: readonly TokenId[]): TokenId[] {
    const to = this.toComponent[i];
    return context.map((u) => (u < to.length ? to[u] : UNK));
  }
}

/** One component's answer for one token in union terms. */
interface Part {
  prob: number;
  orderUsed: number;
  count: number;
}

export class MixtureModel implements LanguageModel {
  private readonly index: UnionIndex;
  private weights: number[];

  /**
   * @param components the models to mix; their vocabularies are merged into a new union unless `vocab` is
   *   given (then their tokens are added to it: pass the vocabulary a DocumentCache component works in).
   * @param weights one per component, non-negative; normalised to sum to 1.
   */
  constructor(components: readonly LanguageModel[], weights: readonly number[], vocab?: Vocab) {
    if (components.length === 0) throw new Error('a mixture needs at least one component');
    this.index = new UnionIndex(components, vocab);
    this.weights = normalise(weights, components.length);
  }

  /** Another mixture of the same components with other weights, sharing the union and its maps. */
  view(weights: readonly number[]): MixtureModel {
    const m = Object.create(MixtureModel.prototype) as MixtureModel;
    (m as unknown as { index: UnionIndex }).index = this.index;
    m.weights = normalise(weights, this.index.components.length);
    return m;
  }

  get vocab(): Vocab {
    return this.index.vocab;
  }

  get components(): readonly LanguageModel[] {
    return this.index.components;
  }

  /**
   * Component i's ids in the union: entry id is the union id of its token id. Empty for a component that works in
   * the union itself (the document cache). Shared, not a copy: read it, never write it.
   */
  unionIds(i: number): Int32Array {
    this.index.sync();
    return this.index.toUnion[i];
  }

  get order(): number {
    return Math.max(...this.index.components.map((c) => c.order));
  }

  /** The weights as given, normalised. */
  getWeights(): number[] {
    return [...this.weights];
  }

  setWeights(weights: readonly number[]): void {
    this.weights = normalise(weights, this.index.components.length);
  }

  /**
   * The weights queries use: a component that can give no mass (an empty document cache) drops out and
   * the others are renormalised, so the mixture stays a distribution.
   */
  private active(): { i: number; w: number }[] {
    this.index.sync();
    const live = this.weights.map((w, i) => ({ i, w: isEmptyModel(this.index.components[i]) ? 0 : w }));
    const total = live.reduce((s, x) => s + x.w, 0);
    if (total === 0) return [{ i: 0, w: 1 }];
    return live.filter((x) => x.w > 0).map((x) => ({ i: x.i, w: x.w / total }));
  }

  /** P_i(w | h) in union terms, for every active component. */
  private parts(context: readonly TokenId[], word: TokenId, active: { i: number }[]): Part[] {
    return active.map(({ i }) => {
      const comp = this.index.components[i];
      const to = this.index.toComponent[i];
      const cw = word < to.length ? to[word] : UNK;
      const s = comp.score(this.index.mapContext(i, context), cw);
      const prob = cw === UNK && comp.vocab !== this.index.vocab ? 2 ** s.log2Prob * this.index.unknownShare(i) : 2 ** s.log2Prob;
      return { prob, orderUsed: s.orderUsed, count: s.count };
    });
  }

  score(context: readonly TokenId[], word: TokenId): TokenScore {
    const active = this.active();
    return combine(this.parts(context, word, active), active);
  }

  /**
   * Per-token probabilities of a token sequence under component i alone, in union terms (the E-step of
   * EM needs these once per component; see fitLambda).
   */
  componentProbabilities(i: number, tokens: ArrayLike<TokenId>, options: { bos?: boolean; eos?: boolean } = {}): Float64Array {
    this.index.sync();
    const comp = this.index.components[i];
    const to = this.index.toComponent[i];
    const mapped = new Int32Array(tokens.length);
    for (let t = 0; t < tokens.length; t++) mapped[t] = tokens[t] < to.length ? to[tokens[t]] : UNK;
    const scores = comp.scoreSequence(mapped, options);
    const share = comp.vocab === this.index.vocab ? 1 : this.index.unknownShare(i);
    const out = new Float64Array(scores.length);
    for (let t = 0; t < scores.length; t++) {
      const known = t >= mapped.length || mapped[t] !== UNK;
      out[t] = 2 ** scores[t].log2Prob * (known ? 1 : share);
    }
    return out;
  }

  scoreSequence(tokens: ArrayLike<TokenId>, options: { bos?: boolean; eos?: boolean } = {}): TokenScore[] {
    const active = this.active();
    const per = active.map(({ i }) => {
      const comp = this.index.components[i];
      const to = this.index.toComponent[i];
      const mapped = new Int32Array(tokens.length);
      for (let t = 0; t < tokens.length; t++) mapped[t] = tokens[t] < to.length ? to[tokens[t]] : UNK;
      const share = comp.vocab === this.index.vocab ? 1 : this.index.unknownShare(i);
      return comp.scoreSequence(mapped, options).map((s, t) => ({
        prob: 2 ** s.log2Prob * (t < mapped.length && mapped[t] === UNK ? share : 1),
        orderUsed: s.orderUsed,
        count: s.count,
      }));
    });
    const n = per[0].length;
    const out: TokenScore[] = [];
    for (let t = 0; t < n; t++) out.push(combine(per.map((p) => p[t]), active));
    return out;
  }

  distribution(context: readonly TokenId[]): Float64Array {
    const active = this.active();
    const V = this.index.vocab.size;
    const out = new Float64Array(V);
    for (const { i, w } of active) {
      const comp = this.index.components[i];
      const d = comp.distribution(this.index.mapContext(i, context));
      const to = this.index.toComponent[i];
      const unk = comp.vocab === this.index.vocab ? 0 : d[UNK] * this.index.unknownShare(i);
      for (let u = 0; u < V; u++) {
        const c = to[u];
        out[u] += w * (c === UNK && comp.vocab !== this.index.vocab ? unk : d[c] ?? 0);
      }
    }
    out[BOS] = 0;
    return out;
  }

  /**
   * Exact top-k by the threshold algorithm (Fagin, Lotem and Naor 2003). Each active component lists its
   * own top-M (same prefix filter); every token outside all lists has P_i(w) ≤ max(t_i, u_i) in each
   * component, where t_i is the last listed probability (0 once the list is exhausted) and u_i the
   * per-token share of <unk>. If the k-th best candidate, scored exactly, reaches Σ_i λ_i max(t_i, u_i),
   * no unlisted token can beat it; otherwise M doubles. Past a limit the whole distribution is sorted.
   */
  topK(context: readonly TokenId[], k: number, options: TopKOptions = {}): Prediction[] {
    if (k <= 0) return [];
    const active = this.active();
    const unkShares = active.map(({ i }) => {
      const comp = this.index.components[i];
      if (comp.vocab === this.index.vocab) return 0;
      return 2 ** comp.score(this.index.mapContext(i, context), UNK).log2Prob * this.index.unknownShare(i);
    });
    for (let M = k + 8; M <= 4096; M *= 4) {
      const candidates = new Set<TokenId>();
      let bound = 0;
      let exhausted = true;
      active.forEach(({ i, w }, a) => {
        const comp = this.index.components[i];
        const list = comp.topK(this.index.mapContext(i, context), M, options);
        const back = this.index.toUnion[i];
        for (const p of list) candidates.add(back[p.id]);
        const full = list.length >= M;
        if (full) exhausted = false;
        bound += w * Math.max(full ? list[list.length - 1].prob : 0, unkShares[a]);
      });
      const scored = [...candidates].map((id) => ({ id, s: combine(this.parts(context, id, active), active) }));
      scored.sort((a, b) => b.s.log2Prob - a.s.log2Prob || a.id - b.id);
      const top = scored.slice(0, k);
      const unknownPossible = unkShares.some((u) => u > 0);
      if ((top.length === k && 2 ** top[k - 1].s.log2Prob >= bound) || (exhausted && !unknownPossible)) {
        return top.map(({ id, s }) => this.prediction(id, s));
      }
      if (exhausted) break; // longer lists cannot help: only unlisted unknown tokens remain
    }
    return this.topKByDistribution(context, k, options);
  }

  /** The brute-force top-k: sort the whole distribution (the fallback, and what tests compare with). */
  topKByDistribution(context: readonly TokenId[], k: number, options: TopKOptions = {}): Prediction[] {
    const p = this.distribution(context);
    const words = this.index.vocab.words;
    const ids: TokenId[] = [];
    for (let u = 0; u < p.length; u++) {
      if (!(p[u] > 0) || u === UNK || u === BOS || (u === EOS && !options.includeEnd)) continue;
      if (options.prefix && !words[u].startsWith(options.prefix)) continue;
      ids.push(u);
    }
    ids.sort((a, b) => p[b] - p[a] || a - b);
    const active = this.active();
    return ids.slice(0, k).map((id) => this.prediction(id, combine(this.parts(context, id, active), active)));
  }

  private prediction(id: TokenId, s: TokenScore): Prediction {
    return { id, token: this.index.vocab.token(id), log2Prob: s.log2Prob, prob: 2 ** s.log2Prob, orderUsed: s.orderUsed, count: s.count };
  }
}

/** Mixture score; the matched order and count are those of the component contributing most. */
function combine(parts: readonly Part[], active: readonly { w: number }[]): TokenScore {
  let p = 0;
  let best = 0;
  let bestMass = -1;
  for (let a = 0; a < parts.length; a++) {
    const mass = active[a].w * parts[a].prob;
    p += mass;
    if (mass > bestMass) {
      bestMass = mass;
      best = a;
    }
  }
  return { log2Prob: Math.log2(p), orderUsed: parts[best].orderUsed, count: parts[best].count };
}

function normalise(weights: readonly number[], n: number): number[] {
  if (weights.length !== n) throw new Error(`expected ${n} mixture weights, got ${weights.length}`);
  if (weights.some((w) => !(w >= 0) || !Number.isFinite(w))) throw new RangeError(`mixture weights must be finite and non-negative: ${weights.join(', ')}`);
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) throw new RangeError('mixture weights must not all be zero');
  return weights.map((w) => w / total);
}

function isEmptyModel(m: LanguageModel): boolean {
  return 'isEmpty' in m && (m as { isEmpty: unknown }).isEmpty === true;
}
