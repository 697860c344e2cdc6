/**
 * A trained n-gram model in the ARPA sense, stored as a CSR trie of bit-packed arrays, and its queries.
 *
 * Order index k (0-based) holds the (k+1)-grams. Unigram index = token id. The children of n-gram c
 * (its one-word right extensions) are `orders[k+1]` entries `childStart[c] .. childStart[c+1]`, sorted by
 * word, so a lookup is a binary search in a contiguous range.
 *
 * Scoring follows the backoff recursion (as KenLM's query does):
 *   log p(w | h) = log p(h_k w) + Σ_{j>k} log γ(h_j)
 * where h_k is the longest suffix of h such that (h_k w) is an n-gram and h_j the longer suffixes of h
 * that exist as contexts.
 *
 * Memory: probabilities and backoffs stay 32-bit floats (KenLM parity); word ids, child offsets and raw counts are
 * bit-packed (packed.ts), which brings a Brown order-5 model from 17.6 to under 12 bytes per n-gram.
 */
import { PackedCounts, PackedUints, bitsAt, bitsFor } from './packed.ts';
import { PrefixIndex } from './prefix-index.ts';
import { Vocab } from './vocab.ts';
import { WideBigrams } from './wide-bigrams.ts';
import { BOS, EOS, UNK, type Prediction, type TokenId, type TokenScore, type TokenizerName } from './types.ts';

export interface ModelOrder {
  /** Last word of each n-gram, in bitsFor(vocabulary size − 1) bits. */
  words: PackedUints;
  /** Raw occurrence count of each n-gram in training. */
  counts: PackedCounts;
  log2Prob: Float32Array;
  /** log2 γ of each n-gram as a context; empty at the highest order. */
  log2Backoff: Float32Array;
  /** CSR offsets into the next order (length size+1), in bitsFor(next order's size) bits; empty at the highest order. */
  childStart: PackedUints;
}

/** An order as counting and the ARPA reader build it, in plain arrays; `packOrder` turns it into the model's. */
export interface PlainOrder {
  words: Uint32Array;
  counts: Uint32Array;
  log2Prob: Float32Array;
  log2Backoff: Float32Array;
  childStart: Uint32Array;
}

/** Packs one order built in plain arrays: word ids in the vocabulary's width, offsets in the next order's. */
export function packOrder(o: PlainOrder, vocabSize: number): ModelOrder {
  return {
    words: PackedUints.from(o.words, bitsFor(vocabSize - 1)),
    counts: PackedCounts.from(o.counts),
    log2Prob: o.log2Prob,
    log2Backoff: o.log2Backoff,
    childStart: PackedUints.from(o.childStart),
  };
}

export interface ModelInfo {
  order: number;
  tokenizer: TokenizerName;
  /** KenLM's text convention: each line a sentence. Otherwise each document is one token stream. */
  lines: boolean;
  /** D1, D2, D3+ per order. */
  discounts: [number, number, number][];
  /** Tokens seen in training, <s> and </s> excluded. */
  trainingTokens: number;
  /** Estimation method, for display and the file header. */
  smoothing: 'modified-kneser-ney' | 'arpa';
}

export interface TopKOptions {
  /** Only tokens whose text starts with this (completing a half-typed word). */
  prefix?: string;
  /** Allow </s> among the answers (off for completions). */
  includeEnd?: boolean;
}

/** One interface for every scorer (n-gram model, mixture, cache): generation and evaluation use only this. */
export interface LanguageModel {
  readonly vocab: Vocab;
  readonly order: number;
  score(context: readonly TokenId[], word: TokenId): TokenScore;
  /** Scores of each token of one sentence after <s> (and of </s> when `eos`). */
  scoreSequence(tokens: ArrayLike<TokenId>, options?: { bos?: boolean; eos?: boolean }): TokenScore[];
  /**
   * Optional fast path of scoreSequence: only the log2 probabilities, into `out` (no object per token), of
   * tokens[from..to) (the whole array by default; a range saves a subarray per sentence of a long stream).
   */
  log2ProbSequence?(tokens: ArrayLike<TokenId>, out: Float64Array, options?: { bos?: boolean; eos?: boolean; from?: number; to?: number }): void;
  topK(context: readonly TokenId[], k: number, options?: TopKOptions): Prediction[];
  /** The whole next-token distribution (index = token id), <s> at 0. */
  distribution(context: readonly TokenId[]): Float64Array;
}

/** Index of n-gram `node` of order index k extended by `word` (a binary search among its children), or -1. */
export function childIndex(orders: readonly ModelOrder[], k: number, node: number, word: TokenId): number {
  // The packed arrays' fields read once (not through PackedUints.get): this search is most of scoring's time.
  const starts = orders[k].childStart;
  const bitAt = node * starts.bits;
  let lo = bitsAt(starts.data, bitAt, starts.mask);
  let hi = bitsAt(starts.data, bitAt + starts.bits, starts.mask) - 1;
  const words = orders[k + 1].words;
  const data = words.data;
  const bits = words.bits;
  const mask = words.mask;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = bitsAt(data, mid * bits, mask);
    if (v === word) return mid;
    if (v < word) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Token `w` after the context whose nodes are nodes[0..len) (nodes[L-1]: the node of its last L tokens): writes the
 * nodes of the extended context to next[0..found] and returns found, the longest L for which (last L tokens, w) is
 * an n-gram (0: only w's unigram).
 */
function extendContext(orders: readonly ModelOrder[], wide: WideBigrams | null, nodes: ArrayLike<number>, len: number, w: TokenId, next: Int32Array): number {
  next[0] = w;
  let found = 0;
  for (let L = 1; L <= len; L++) {
    const node = nodes[L - 1];
    const c = L === 1 && wide !== null && wide.has(node) ? wide.child(node, w) : childIndex(orders, L - 1, node, w);
    if (c < 0) break;
    next[L] = c;
    found = L;
  }
  return found;
}

/** log2 p(w | context) by the backoff recursion: the found n-gram's probability plus the longer contexts' backoffs. */
function log2ProbAfter(orders: readonly ModelOrder[], nodes: ArrayLike<number>, len: number, next: Int32Array, found: number): number {
  let log2Prob = orders[found].log2Prob[next[found]];
  for (let L = found + 1; L <= len; L++) log2Prob += orders[L - 1].log2Backoff[nodes[L - 1]];
  return log2Prob;
}

/**
 * Indices 0..n-1 by descending value, ties by ascending index (the order of a comparator sort on value then index),
 * as a counting sort over the distinct values: a model's unigram probabilities take a few hundred distinct values
 * (Kneser-Ney gives every token with the same continuation count the same one). The comparator sort it replaces took
 * about 20 ms for 53 K tokens in a fresh process, on the first completion of new models. NaN ranks last.
 */
export function idsByDescendingValue(values: Float32Array | Float64Array): Uint32Array {
  const n = values.length;
  const distinct = Float64Array.from(values).sort(); // ascending, NaN last
  let u = 0; // distinct values other than NaN (-0 and 0 count as one, as they compare equal)
  for (let i = 0; i < n && !Number.isNaN(distinct[i]); i++) if (u === 0 || distinct[i] !== distinct[u - 1]) distinct[u++] = distinct[i];
  // Rank 0: the largest value; rank u: NaN.
  const rankOf = new Uint32Array(n);
  const next = new Uint32Array(u + 2);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let r = u;
    if (!Number.isNaN(v)) {
      let lo = 0;
      let hi = u - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (distinct[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      r = u - 1 - lo;
    }
    rankOf[i] = r;
    next[r + 1]++;
  }
  for (let r = 0; r <= u; r++) next[r + 1] += next[r];
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[next[rankOf[i]]++] = i;
  return out;
}

/** What a query reports of one scored token: its log2 probability, the order that matched, the n-gram's count. */
function tokenScore(orders: readonly ModelOrder[], w: TokenId, next: Int32Array, found: number, log2Prob: number): TokenScore {
  const count = orders[found].counts.get(next[found]);
  return { log2Prob, orderUsed: w === UNK && count === 0 ? 0 : found + 1, count };
}

export class NgramModel implements LanguageModel {
  readonly vocab: Vocab;
  readonly orders: ModelOrder[];
  readonly info: ModelInfo;
  private stamp: Uint32Array;
  /** Context nodes of the token being scored and of the next one (walk), reused. */
  private readonly nodesA: Int32Array;
  private readonly nodesB: Int32Array;
  private generation = 0;
  private rankCache: Uint32Array | null = null;
  /** Rows for the widest contexts' bigrams, built when a sequence is first scored (undefined: not yet; null: none). */
  private wide: WideBigrams | null | undefined = undefined;

  constructor(vocab: Vocab, orders: ModelOrder[], info: ModelInfo) {
    if (orders.length !== info.order) throw new Error(`model has ${orders.length} orders, header says ${info.order}`);
    if (orders[0].words.length !== vocab.size) throw new Error('unigram table and vocabulary differ in size');
    this.vocab = vocab;
    this.orders = orders;
    this.info = info;
    this.stamp = new Uint32Array(vocab.size);
    this.nodesA = new Int32Array(orders.length + 1);
    this.nodesB = new Int32Array(orders.length + 1);
  }

  get order(): number {
    return this.orders.length;
  }

  /** Number of n-grams of each order. */
  get ngramCounts(): number[] {
    return this.orders.map((o) => o.words.length);
  }

  /** Bytes held by the typed arrays (the vocabulary strings excluded). */
  get byteLength(): number {
    let b = 0;
    for (const o of this.orders) {
      b += o.words.byteLength + o.counts.byteLength + o.log2Prob.byteLength + o.log2Backoff.byteLength + o.childStart.byteLength;
    }
    return b;
  }

  get bytesPerNgram(): number {
    return this.byteLength / this.ngramCounts.reduce((a, b) => a + b, 0);
  }

  /** Index of n-gram (node at order k) extended by `word`, in order k+1, or -1. */
  child(k: number, node: number, word: TokenId): number {
    return childIndex(this.orders, k, node, word);
  }

  /**
   * Nodes of the context suffixes that exist: result[L-1] is the node (at order index L-1) of the last
   * L tokens of `context`, for L = 1..K, with K as long as they exist (at most order-1).
   */
  contextNodes(context: readonly TokenId[]): number[] {
    const nodes: number[] = [];
    const maxLen = Math.min(this.order - 1, context.length);
    for (let L = 1; L <= maxLen; L++) {
      let node = context[context.length - L];
      if (node >= this.vocab.size) break;
      for (let k = 0; k < L - 1 && node >= 0; k++) node = this.child(k, node, context[context.length - L + 1 + k]);
      if (node < 0) break;
      nodes.push(node);
    }
    return nodes;
  }

  score(context: readonly TokenId[], word: TokenId): TokenScore {
    const nodes = this.contextNodes(context);
    const w = word < this.vocab.size ? word : UNK;
    const next = new Int32Array(nodes.length + 1);
    const found = extendContext(this.orders, this.wide ?? null, nodes, nodes.length, w, next);
    return tokenScore(this.orders, w, next, found, log2ProbAfter(this.orders, nodes, nodes.length, next, found));
  }

  /**
   * Scores a whole sentence stream quickly, carrying the context nodes from token to token (one binary
   * search per order per token). `tokens` are the words after <s>; `</s>` is scored at the end when asked.
   */
  scoreSequence(tokens: ArrayLike<TokenId>, options: { bos?: boolean; eos?: boolean } = {}): TokenScore[] {
    const out: TokenScore[] = [];
    this.walk(tokens, 0, tokens.length, options.bos !== false, !!options.eos, null, out);
    return out;
  }

  /** scoreSequence's log2 probabilities only, written to `out` from index 0, with no allocation per token (evaluation). */
  log2ProbSequence(tokens: ArrayLike<TokenId>, out: Float64Array, options: { bos?: boolean; eos?: boolean; from?: number; to?: number } = {}): void {
    this.walk(tokens, options.from ?? 0, options.to ?? tokens.length, options.bos !== false, !!options.eos, out, null);
  }

  /** The scoring loop behind both: node buffers reused, a TokenScore made only when `scores` asks for them. */
  private walk(tokens: ArrayLike<TokenId>, from: number, to: number, bos: boolean, eos: boolean, out: Float64Array | null, scores: TokenScore[] | null): void {
    const orders = this.orders;
    const wide = this.wide === undefined ? (this.wide = orders.length > 1 ? WideBigrams.build(orders[0].childStart, orders[1].words) : null) : this.wide;
    const V = this.vocab.size;
    const maxContext = this.order - 1;
    let nodes = this.nodesA;
    let next = this.nodesB;
    let len = 0;
    if (bos && maxContext > 0) {
      nodes[0] = BOS;
      len = 1;
    }
    const n = to - from + (eos ? 1 : 0);
    for (let i = 0; i < n; i++) {
      const word = from + i < to ? tokens[from + i] : EOS;
      const w = word < V ? word : UNK;
      const found = extendContext(orders, wide, nodes, len, w, next);
      const log2Prob = log2ProbAfter(orders, nodes, len, next, found);
      if (out) out[i] = log2Prob;
      if (scores) scores.push(tokenScore(orders, w, next, found, log2Prob));
      len = Math.min(found + 1, maxContext);
      const t = nodes;
      nodes = next;
      next = t;
    }
  }

  /** Sum of log2 backoffs of context lengths above each level: suffixSum[L] for L = 0..K. */
  private backoffSums(nodes: readonly number[]): number[] {
    const sums = new Array<number>(nodes.length + 1).fill(0);
    for (let L = nodes.length - 1; L >= 0; L--) sums[L] = sums[L + 1] + this.orders[L].log2Backoff[nodes[L]];
    return sums;
  }

  topK(context: readonly TokenId[], k: number, options: TopKOptions = {}): Prediction[] {
    const nodes = this.contextNodes(context);
    const sums = this.backoffSums(nodes);
    const heap = new TopHeap(k);
    const gen = this.nextGeneration();
    const stamp = this.stamp;
    const words = this.vocab.words;
    const prefix = options.prefix ?? '';
    stamp[BOS] = gen;
    stamp[UNK] = gen;
    if (!options.includeEnd) stamp[EOS] = gen;
    for (let L = nodes.length; L >= 1; L--) {
      const o = this.orders[L - 1];
      const next = this.orders[L];
      const from = o.childStart.get(nodes[L - 1]);
      const to = o.childStart.get(nodes[L - 1] + 1);
      for (let j = from; j < to; j++) {
        const w = next.words.get(j);
        if (stamp[w] === gen) continue;
        stamp[w] = gen;
        if (prefix && !words[w].startsWith(prefix)) continue;
        const score = next.log2Prob[j] + sums[L];
        if (heap.admits(score, w)) heap.push(score, w, L + 1, next.counts.get(j)); // the count only for an entry that gets in
      }
    }
    // Unigram level: every token not yet seen scores p(w) times all backoffs.
    const uni = this.orders[0];
    if (prefix) {
      const { ids: withPrefix, from, to } = PrefixIndex.of(this.vocab).range(prefix);
      for (let i = from; i < to; i++) {
        const w = withPrefix[i];
        const score = uni.log2Prob[w] + sums[0];
        if (stamp[w] !== gen && heap.admits(score, w)) heap.push(score, w, 1, uni.counts.get(w));
      }
    } else {
      const ranked = this.unigramRanking();
      for (let i = 0; i < ranked.length; i++) {
        const w = ranked[i];
        if (stamp[w] === gen) continue;
        const s = uni.log2Prob[w] + sums[0];
        if (heap.full && s <= heap.min) break; // the ranking is by descending probability
        if (heap.admits(s, w)) heap.push(s, w, 1, uni.counts.get(w));
      }
    }
    return heap.sorted().map((e) => ({
      id: e.id,
      token: words[e.id],
      log2Prob: e.score,
      prob: 2 ** e.score,
      orderUsed: e.order,
      count: e.count,
    }));
  }

  distribution(context: readonly TokenId[]): Float64Array {
    const nodes = this.contextNodes(context);
    const sums = this.backoffSums(nodes);
    const V = this.vocab.size;
    const p = new Float64Array(V);
    const uni = this.orders[0].log2Prob;
    for (let w = 0; w < V; w++) p[w] = 2 ** (uni[w] + sums[0]);
    for (let L = 1; L <= nodes.length; L++) {
      const o = this.orders[L - 1];
      const next = this.orders[L];
      const to = o.childStart.get(nodes[L - 1] + 1);
      for (let j = o.childStart.get(nodes[L - 1]); j < to; j++) p[next.words.get(j)] = 2 ** (next.log2Prob[j] + sums[L]);
    }
    p[BOS] = 0;
    return p;
  }

  private nextGeneration(): number {
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.stamp.fill(0);
      this.generation = 1;
    }
    return this.generation;
  }

  /** Token ids by descending unigram probability (computed once). */
  unigramRanking(): Uint32Array {
    return (this.rankCache ??= idsByDescendingValue(this.orders[0].log2Prob));
  }
}

interface HeapEntry {
  score: number;
  id: number;
  order: number;
  count: number;
}

/** A bounded min-heap keeping the k best entries; ties broken by smaller token id for determinism. */
export class TopHeap {
  private items: HeapEntry[] = [];
  constructor(private readonly k: number) {}

  get full(): boolean {
    return this.items.length >= this.k;
  }

  get min(): number {
    return this.items.length ? this.items[0].score : -Infinity;
  }

  /** Whether an entry of this score and id would be kept (so a caller can skip working out the rest of it). */
  admits(score: number, id: number): boolean {
    if (this.k <= 0 || !(score > -Infinity)) return false;
    if (this.items.length < this.k) return true;
    const m = this.items[0];
    return m.score < score || (m.score === score && m.id > id);
  }

  push(score: number, id: number, order: number, count: number): void {
    if (!this.admits(score, id)) return;
    const e = { score, id, order, count };
    const items = this.items;
    if (items.length < this.k) {
      items.push(e);
      this.up(items.length - 1);
    } else {
      items[0] = e;
      this.down(0);
    }
  }

  sorted(): HeapEntry[] {
    return [...this.items].sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
  }

  private up(i: number): void {
    const items = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(items[i], items[p])) break;
      [items[i], items[p]] = [items[p], items[i]];
      i = p;
    }
  }

  private down(i: number): void {
    const items = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && worse(items[l], items[m])) m = l;
      if (r < items.length && worse(items[r], items[m])) m = r;
      if (m === i) return;
      [items[i], items[m]] = [items[m], items[i]];
      i = m;
    }
  }
}

/** a ranks below b. */
function worse(a: HeapEntry, b: HeapEntry): boolean {
  return a.score < b.score || (a.score === b.score && a.id > b.id);
}
