/**
 * The document cache (Tu, Su and Devanbu 2014, "On the localness of software"): a small n-gram model of
 * the text in the editor, so that identifiers of the prompt and of the code written so far become likely.
 * It is meant to be interpolated with a global model (see mixture.ts), which supplies all smoothing
 * towards unseen tokens: the cache itself only gives mass to tokens of the document.
 *
 * Estimation: interpolated Witten-Bell (Chen & Goodman 1998, eq. 12) down to the document's unigram
 * maximum-likelihood distribution:
 *   P(w | h) = (c(h w) + N1+(h •) · P(w | h')) / (c(h) + N1+(h •))     when c(h) > 0
 *   P(w | h) = P(w | h')                                               when h was never seen
 *   P(w)     = c(w) / N
 * So Σ_w P(w | h) = 1 over the tokens of the document whenever the document is not empty.
 *
 * The cache works in the id space of a vocabulary it is given (the mixture's union vocabulary) and adds
 * the document's new tokens to it, so it needs no vocabulary of its own. Counting a few thousand tokens
 * takes well under a millisecond per thousand tokens: it is rebuilt on every document change.
 */
import type { LanguageModel, TopKOptions } from './model.ts';
import { TopHeap } from './model.ts';
import { BOS, EOS, UNK, type Prediction, type TokenId, type TokenScore } from './types.ts';
import type { Vocab } from './vocab.ts';

export const DEFAULT_CACHE_ORDER = 3;

interface ContextStats {
  /** c(h): occurrences of the context followed by a token. */
  total: number;
  /** c(h w) per following token. */
  next: Map<TokenId, number>;
}

export class DocumentCache implements LanguageModel {
  readonly vocab: Vocab;
  readonly order: number;
  /** contexts[L] maps the key of an L-token context (keyOf) to its statistics (L = 0: the empty context). */
  private contexts: Map<ContextKey, ContextStats>[] = [];
  private tokens = 0;
  /** `<s>` and the document's ids. */
  private ids: TokenId[] = [BOS];

  constructor(vocab: Vocab, order = DEFAULT_CACHE_ORDER) {
    if (!Number.isInteger(order) || order < 1) throw new RangeError(`cache order must be a positive integer, got ${order}`);
    this.vocab = vocab;
    this.order = order;
    this.reset();
  }

  /** Tokens counted from the current document. */
  get size(): number {
    return this.tokens;
  }

  get isEmpty(): boolean {
    return this.tokens === 0;
  }

  /** Replaces the document: counts every n-gram (up to the order) of `<s> tokens…`. New tokens join the vocabulary. */
  update(tokens: readonly string[]): void {
    this.reset();
    const ids = this.ids;
    for (const t of tokens) ids.push(this.vocab.add(t));
    for (let i = 1; i < ids.length; i++) this.countAt(ids, i);
  }

  /**
   * The probability of each token of `<s> tokens…` (and of </s> after them) under the cache as it fills while
   * the document is written: token i is scored by the cache of the tokens before it, then counted (the setting of
   * Tu, Su and Devanbu 2014). A token not yet in the document gets 0: the global model supplies it. What EM fits
   * the cache's weight on (build/fit.ts). Leaves the cache holding the whole document.
   */
  leftToRight(tokens: readonly string[]): Float64Array {
    this.reset();
    const ids: TokenId[] = [BOS];
    for (const t of tokens) ids.push(this.vocab.add(t));
    ids.push(EOS);
    const out = new Float64Array(ids.length - 1);
    for (let i = 1; i < ids.length; i++) {
      out[i - 1] = this.probAt(ids, i);
      this.countAt(ids, i);
    }
    this.ids = ids;
    return out;
  }

  /**
   * Appends one token to the document (`update([])` starts an empty one): the cache then holds the text so far,
   * for a left-to-right walk that asks the mixture at every position (bench/ranking.ts).
   */
  append(token: string): void {
    this.ids.push(this.vocab.add(token));
    this.countAt(this.ids, this.ids.length - 1);
  }

  /** Counts the n-grams (up to the order) that end at position i of `ids` (ids[0] is <s>). */
  private countAt(ids: readonly TokenId[], i: number): void {
    const w = ids[i];
    for (let L = 0; L < this.order && L <= i - 1; L++) {
      const key = keyOf(ids, i - L, i);
      let s = this.contexts[L].get(key);
      if (!s) {
        s = { total: 0, next: new Map() };
        this.contexts[L].set(key, s);
      }
      s.total++;
      s.next.set(w, (s.next.get(w) ?? 0) + 1);
    }
    this.tokens++;
  }

  /**
   * P(ids[i] | ids before it) under the cache as it is: probIn over chain's contexts, without their arrays and objects
   * (leftToRight asks this for every token of the held-out code).
   */
  private probAt(ids: readonly TokenId[], i: number): number {
    const w = ids[i];
    let p = 0;
    const longest = Math.min(this.order - 1, i);
    for (let L = 0; L <= longest; L++) {
      const s = this.contexts[L].get(keyOf(ids, i - L, i));
      if (!s) break;
      p = interpolated(s, s.next.get(w) ?? 0, L === 0 ? null : p);
    }
    return p;
  }

  private reset(): void {
    this.contexts = Array.from({ length: this.order }, () => new Map<ContextKey, ContextStats>());
    this.tokens = 0;
    this.ids = [BOS];
  }

  /** Statistics of the context suffixes that exist, shortest first (index 0: the empty context). */
  private chain(context: readonly TokenId[]): ContextStats[] {
    const out: ContextStats[] = [];
    const empty = this.contexts[0].get(keyOf(context, 0, 0));
    if (!empty) return out;
    out.push(empty);
    for (let L = 1; L < this.order && L <= context.length; L++) {
      const s = this.contexts[L].get(keyOf(context, context.length - L, context.length));
      if (!s) break;
      out.push(s);
    }
    return out;
  }

  private probIn(chain: readonly ContextStats[], w: TokenId): { p: number; orderUsed: number; count: number } {
    let p = 0;
    let orderUsed = 0;
    let count = 0;
    for (let L = 0; L < chain.length; L++) {
      const s = chain[L];
      const c = s.next.get(w) ?? 0;
      p = interpolated(s, c, L === 0 ? null : p);
      if (c > 0) {
        orderUsed = L + 1;
        count = c;
      }
    }
    return { p, orderUsed, count };
  }

  score(context: readonly TokenId[], word: TokenId): TokenScore {
    const { p, orderUsed, count } = this.probIn(this.chain(context), word);
    return { log2Prob: Math.log2(p), orderUsed, count };
  }

  scoreSequence(tokens: ArrayLike<TokenId>, options: { bos?: boolean; eos?: boolean } = {}): TokenScore[] {
    const context: TokenId[] = options.bos === false ? [] : [BOS];
    const out: TokenScore[] = [];
    const n = tokens.length + (options.eos ? 1 : 0);
    for (let i = 0; i < n; i++) {
      const w = i < tokens.length ? tokens[i] : EOS;
      out.push(this.score(context.slice(Math.max(0, context.length - (this.order - 1))), w));
      context.push(w);
    }
    return out;
  }

  topK(context: readonly TokenId[], k: number, options: TopKOptions = {}): Prediction[] {
    const chain = this.chain(context);
    if (chain.length === 0) return [];
    const heap = new TopHeap(k);
    const prefix = options.prefix ?? '';
    // Every token with mass is a token of the document, all listed in the empty context.
    for (const w of chain[0].next.keys()) {
      if (w === BOS || w === UNK || (w === EOS && !options.includeEnd)) continue;
      if (prefix && !this.vocab.token(w).startsWith(prefix)) continue;
      const r = this.probIn(chain, w);
      heap.push(Math.log2(r.p), w, r.orderUsed, r.count);
    }
    return heap.sorted().map((e) => ({
      id: e.id,
      token: this.vocab.token(e.id),
      log2Prob: e.score,
      prob: 2 ** e.score,
      orderUsed: e.order,
      count: e.count,
    }));
  }

  distribution(context: readonly TokenId[]): Float64Array {
    const p = new Float64Array(this.vocab.size);
    const chain = this.chain(context);
    if (chain.length === 0) return p;
    for (const w of chain[0].next.keys()) p[w] = this.probIn(chain, w).p;
    p[BOS] = 0;
    return p;
  }
}

/**
 * Witten-Bell: the estimate in context `s`, followed `c` times by the token, interpolated with `lower`, the next
 * shorter context's estimate (null for the empty context, which stands alone).
 */
function interpolated(s: ContextStats, c: number, lower: number | null): number {
  if (lower === null) return c / s.total;
  const types = s.next.size;
  return (c + types * lower) / (s.total + types);
}

/** Ids below this make a two-token context one number (id · 2^21 + id, below 2^53). */
const KEY_BASE = 2 ** 21;

type ContextKey = number | string;

/**
 * The key of the context ids[from..to): a number for up to two tokens (the default order's contexts), a string for
 * longer ones or ids past KEY_BASE. Keys of different lengths live in different maps. With a string built for every
 * context, scoring the held-out code left to right (build/fit.ts cacheScorings, 235,000 tokens) took 180 ms in a
 * warm Node; with numbers and leftToRight's allocation-free probAt, 135 ms.
 */
function keyOf(ids: readonly TokenId[], from: number, to: number): ContextKey {
  const length = to - from;
  if (length === 0) return 0;
  if (length === 1) return ids[from];
  if (length === 2 && ids[from] < KEY_BASE && ids[from + 1] < KEY_BASE) return ids[from] * KEY_BASE + ids[from + 1];
  let key = '';
  for (let i = from; i < to; i++) key += (i > from ? ',' : '') + ids[i];
  return key;
}
