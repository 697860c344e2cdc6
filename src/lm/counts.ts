/**
 * Counting n-grams of every order into typed arrays, KenLM-style.
 *
 * Input: a token stream of sentences, each `<s> w1 … wk </s>` (a document is one sentence in stream mode).
 * N-grams never cross a sentence boundary; `<s>` appears only as context.
 *
 * Output, per order n (index n-1), n-grams sorted by (context, last word), so the children of any
 * (n-1)-gram form one contiguous range: `childStart[c] .. childStart[c+1]` in the next order (a CSR trie).
 * No per-n-gram object or string exists at any point: an n-gram is (parent index, word id).
 *
 * How: order n is built from order n-1. The n-gram ending at position i is (the (n-1)-gram ending at i-1, w_i):
 * the positions are sorted by that pair, by word and then by parent, with two stable counting sorts (sequential
 * passes and independent writes: a hash table on the pair waited on memory at every position, and its n-grams then
 * had to be sorted anyway). Each run of equal pairs is one n-gram, numbered in trie order as it is found; its count
 * is the run's length. Its suffix is the (n-1)-gram ending at i, and each distinct n-gram adds one distinct left
 * extension to that suffix: these are Kneser-Ney's adjusted (continuation) counts, N1+(• w), for free.
 */
import { BOS } from './types.ts';

export interface OrderCounts {
  /** Last word of each n-gram; sorted within each context range. */
  words: Uint32Array;
  /** Raw occurrence counts. */
  counts: Uint32Array;
  /**
   * Kneser-Ney adjusted counts (Chen & Goodman section 3; KenLM's adjust_counts): the number of distinct
   * words seen before the n-gram, except at the highest order and for n-grams that start with <s>,
   * which nothing can precede: those keep their raw count.
   */
  adjusted: Uint32Array;
  /** Index of the suffix n-gram (w2..wn) in the previous order; empty for unigrams. */
  suffix: Uint32Array;
  /** CSR offsets into the next order, length size+1; empty at the highest order. */
  childStart: Uint32Array;
}

export interface CountProgress {
  order: number;
  fraction: number;
}

const CHUNK = 1 << 16;

/**
 * Counts all n-grams up to `order` of a sentence stream. A generator so callers (the web worker) can
 * report progress and stop between chunks; `runToEnd` drives it synchronously.
 */
export function* countNgrams(stream: Int32Array, vocabSize: number, order: number): Generator<CountProgress, OrderCounts[]> {
  return (yield* countWithPrefixes(stream, vocabSize, order, [])).all;
}

/**
 * The counts of the whole stream and of each of its prefixes `stream[0, cut)` (each cut at a sentence's end, so that
 * no n-gram crosses it), from one counting pass: the data-fraction models' counts (12.5%, 25% and 50% of the code),
 * which were counted one prefix after another. `below[k]` holds how often each n-gram of `all` occurs before cut k;
 * restrictCounts(all, below[k]) is then exactly what countNgrams of that prefix gives, so its model is the one trained
 * on the prefix alone. (Made one at a time by the caller: each prefix's counts are as large as a model's arrays.)
 */
export function* countWithPrefixes(
  stream: Int32Array,
  vocabSize: number,
  order: number,
  cuts: readonly number[],
): Generator<CountProgress, { all: OrderCounts[]; below: Uint32Array[][] }> {
  const T = stream.length;
  if (cuts.some((c, k) => !Number.isInteger(c) || c < 0 || c > T || (k > 0 && c < cuts[k - 1]))) throw new RangeError('prefix cuts must rise within the stream');
  /** below[k][n - 1]: how often each n-gram occurs in stream[0, cuts[k]), from the ids of the n-grams ending at each position. */
  const below: Uint32Array[][] = cuts.map((c) => [histogram(stream.subarray(0, c), vocabSize)]);
  const countBelow = (ids: Int32Array, size: number) =>
    cuts.forEach((c, k) => {
      const h = new Uint32Array(size);
      for (let i = 0; i < c; i++) if (ids[i] >= 0) h[ids[i]]++;
      below[k].push(h);
    });
  const result: OrderCounts[] = [];

  // Unigrams: index = word id.
  const uniCounts = histogram(stream, vocabSize);
  const uniAdjusted = new Uint32Array(vocabSize);
  result.push({
    words: identity(vocabSize),
    counts: uniCounts,
    adjusted: uniAdjusted,
    suffix: new Uint32Array(0),
    childStart: new Uint32Array(0),
  });

  // ids of the (n-1)-grams ending at each position, -1 where none (too close to the sentence start).
  let prev: Int32Array = stream;
  // Working memory shared by the orders: two id arrays in turn, and the positions sorted twice.
  // With prefixes, the highest order's ids are needed too (in the array that held the order before the last's).
  const prefixes = cuts.length > 0;
  const ids = [order > 2 || (prefixes && order === 2) ? new Int32Array(T) : new Int32Array(0), order > 3 || (prefixes && order === 3) ? new Int32Array(T) : new Int32Array(0)];
  const scratch = order > 1 ? [new SortedPositions(T), new SortedPositions(T)] : [];
  for (let n = 2; n <= order; n++) {
    // The highest order's ids are otherwise never read: no array to fill for them.
    const cur = n < order || prefixes ? ids[n % 2].fill(-1) : null;
    const counted = yield* countOrder(stream, prev, result[n - 2], vocabSize, cur, scratch, n, order);
    result.push(counted);
    if (cur) {
      if (prefixes) countBelow(cur, counted.words.length);
      prev = cur;
    }
  }

  // Highest order and <s>-initial n-grams keep raw counts (KenLM adjust_counts.cc does the same).
  keepRawCounts(result);

  return { all: result, below };
}

/**
 * The counts of a part of the stream from the whole stream's (`all`) and how often each n-gram occurs in the part
 * (`below`, per order): the n-grams that do not occur are dropped and the rest renumbered in the same trie order, so
 * child offsets and suffixes are mapped, and the adjusted counts are counted again over the kept n-grams, as
 * countNgrams does. Every word keeps its unigram (the part's model has the whole stream's vocabulary, as a model
 * counted from the part in that vocabulary does).
 */
export function restrictCounts(all: readonly OrderCounts[], below: readonly Uint32Array[]): OrderCounts[] {
  const order = all.length;
  const vocabSize = all[0].words.length;
  const unigrams = identity(vocabSize);
  const out: OrderCounts[] = [{ words: unigrams, counts: below[0], adjusted: new Uint32Array(vocabSize), suffix: new Uint32Array(0), childStart: new Uint32Array(0) }];
  // New index of each n-gram of the order below, -1 where dropped; the unigrams keep theirs (the unigrams' words, read
  // only). An array for the unigrams too, not a null that the loop tests: a loop compiled for one case is thrown away
  // at the other.
  let lowerIndex = new Int32Array(unigrams.buffer);
  // The loops are functions of their own, not loops in here: V8 compiled this function for a loop's sake (on-stack
  // replacement) and threw the code away at the first line after it that had not run yet ("insufficient type
  // feedback"): 14 compilations and 0.48 s of compile time in a first visit's log (Chromium's --trace-opt).
  for (let n = 2; n <= order; n++) {
    const lower = out[n - 2];
    const b = below[n - 1];
    const size = countNonZero(b);
    const kept: OrderCounts = { words: new Uint32Array(size), counts: new Uint32Array(size), adjusted: new Uint32Array(size), suffix: new Uint32Array(size), childStart: new Uint32Array(0) };
    const index = new Int32Array(b.length).fill(-1);
    const childStart = new Uint32Array(lower.words.length + 1);
    keepOccurring(all[n - 1], all[n - 2].childStart, b, lowerIndex, kept, index, lower.adjusted, childStart);
    accumulate(childStart);
    lower.childStart = childStart;
    out.push(kept);
    lowerIndex = index;
  }
  keepRawCounts(out);
  return out;
}

/** How many of `a` are not 0. */
function countNonZero(a: Uint32Array): number {
  let n = 0;
  for (let j = 0; j < a.length; j++) if (a[j] > 0) n++;
  return n;
}

/**
 * restrictCounts for one order: the n-grams of `full` that occur in the part (`b`, how often each does), into `kept`
 * in the same trie order, with their new indices in `index`; each one's context (found by `starts`, the full order
 * below's child offsets) and suffix renumbered by `lowerIndex`; the order below's adjusted counts and the per-context
 * child counts (`childStart`, offsets once accumulated) counted as it goes.
 */
function keepOccurring(
  full: OrderCounts,
  starts: Uint32Array,
  b: Uint32Array,
  lowerIndex: Int32Array,
  kept: OrderCounts,
  index: Int32Array,
  lowerAdjusted: Uint32Array,
  childStart: Uint32Array,
): void {
  const { words, counts, suffix } = kept;
  // One loop over the n-grams, the context p found as it goes (children are in context order). Not a loop over the
  // contexts with one over each one's children inside: V8 in Chromium compiled that inner loop alone (on-stack
  // replacement) and threw the code away each time it ended, hundreds of times per data-fraction job.
  for (let j = 0, p = 0, k = 0; j < b.length; j++) {
    if (b[j] === 0) continue;
    while (starts[p + 1] <= j) p++;
    const parent = lowerIndex[p];
    const s = lowerIndex[full.suffix[j]];
    // An n-gram in the part has its context and its suffix in the part too.
    if (parent < 0 || s < 0) throw new Error('restrictCounts: an n-gram occurs without its context or suffix');
    index[j] = k;
    words[k] = full.words[j];
    counts[k] = b[j];
    suffix[k] = s;
    lowerAdjusted[s]++; // one more distinct left extension of its suffix
    childStart[parent + 1]++;
    k++;
  }
}

/**
 * Running sums in place, a[i + 1] += a[i]: bucket sizes into offsets. A function of its own, not a loop in its callers:
 * V8 compiled the counting generator whole for these loops' sake (12 compilations and 0.42 s of compile time in a
 * first visit's log), as it did restrictCounts.
 */
function accumulate(a: Uint32Array): void {
  for (let i = 0; i + 1 < a.length; i++) a[i + 1] += a[i];
}

/**
 * The adjusted counts' exceptions, once the distinct left extensions are counted: the highest order and the n-grams
 * that start with <s> keep their raw counts (KenLM adjust_counts.cc does the same), and <s> itself counts 0.
 */
function keepRawCounts(orders: OrderCounts[]): void {
  const order = orders.length;
  orders[order - 1].adjusted = orders[order - 1].counts.slice();
  let startsWithBos = new Uint8Array(orders[0].words.length);
  startsWithBos[BOS] = 1;
  orders[0].adjusted[BOS] = 0; // <s> is never predicted; KenLM gives it count 0.
  for (let n = 2; n <= order; n++) startsWithBos = keepRawCountsAfterBos(orders[n - 1], orders[n - 2].childStart, startsWithBos);
}

function histogram(stream: Int32Array, range: number): Uint32Array {
  const counts = new Uint32Array(range);
  for (let i = 0; i < stream.length; i++) counts[stream[i]]++;
  return counts;
}

/** n-grams whose context starts with <s> keep their raw count as adjusted count; returns which of them start with <s>. */
function keepRawCountsAfterBos(o: OrderCounts, parentChildStart: Uint32Array, parentStartsWithBos: Uint8Array): Uint8Array<ArrayBuffer> {
  const bos = new Uint8Array(o.words.length);
  for (let p = 0; p < parentStartsWithBos.length; p++) {
    if (!parentStartsWithBos[p]) continue;
    for (let j = parentChildStart[p]; j < parentChildStart[p + 1]; j++) {
      bos[j] = 1;
      o.adjusted[j] = o.counts[j];
    }
  }
  return bos;
}

/** Drives a generator to its return value, ignoring progress. */
export function runToEnd<T>(gen: Generator<unknown, T>): T {
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
}

function identity(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/**
 * One order: the n-grams ending at each position of the stream, from the ids of the (n-1)-grams ending at each
 * position (`prev`). Fills `cur` (when given) with the new ids, `lower.childStart` and `lower.adjusted`; yields
 * between chunks.
 * The loops are plain functions called per chunk, not loops inside this generator: V8 optimises a plain function's
 * hot loop at once (on-stack replacement), a generator's only after many resumptions, which a fresh process paid for.
 */
function* countOrder(
  stream: Int32Array,
  prev: Int32Array,
  lower: OrderCounts,
  vocabSize: number,
  cur: Int32Array | null,
  scratch: SortedPositions[],
  n: number,
  order: number,
): Generator<CountProgress, OrderCounts> {
  // The order comes as plain numbers and the progress closure is made here, from this one literal: made by the caller
  // for each order, it was a new call target for this function's optimised code at each order, which V8 threw away
  // and compiled again (6 deoptimisations per job in Node's --trace-deopt, none now).
  const progress = (f: number): CountProgress => ({ order: n, fraction: (n - 2 + f) / (order - 1) });
  const T = stream.length;
  const P = lower.words.length;
  // Pass 1: how many positions end an n-gram, by word.
  const byWordStart = new Uint32Array(vocabSize + 1);
  let M = 0;
  for (let start = 1; start < T; start += CHUNK) {
    const end = Math.min(T, start + CHUNK);
    M += histogramByWord(stream, prev, start, end, byWordStart);
    yield progress((0.25 * end) / T);
  }
  accumulate(byWordStart);
  // Pass 2: the positions sorted by word, each with its word and parent (so later passes read them in order).
  const byWord = scratch[0];
  for (let start = 1; start < T; start += CHUNK) {
    const end = Math.min(T, start + CHUNK);
    scatterByWord(stream, prev, start, end, byWordStart, byWord);
    yield progress(0.25 + (0.25 * end) / T);
  }
  // Pass 3: stably by parent, so by (parent, word).
  const byParentStart = new Uint32Array(P + 1);
  histogramByParent(byWord.parent, M, byParentStart);
  accumulate(byParentStart);
  const sorted = scratch[1];
  for (let start = 0; start < M; start += CHUNK) {
    const end = Math.min(M, start + CHUNK);
    scatterByParent(byWord, start, end, byParentStart, sorted);
    yield progress(0.5 + (0.25 * end) / Math.max(1, M));
  }
  // Pass 4: each run of equal (parent, word) is one n-gram, numbered in trie order. After the scatter,
  // byParentStart[p] is where parent p's positions end: the parent of each sorted position is read from there.
  const runs = new Runs(M, P);
  for (let start = 0; start < M; start += CHUNK) {
    const end = Math.min(M, start + CHUNK);
    runs.add(sorted, start, end, byParentStart, lower.adjusted, cur);
    yield progress(0.75 + (0.25 * end) / Math.max(1, M));
  }
  return runs.finish(lower);
}

/** Positions where an n-gram ends, with its word, parent and suffix, side by side (the first M entries in use). */
class SortedPositions {
  readonly position: Int32Array;
  readonly word: Int32Array;
  readonly parent: Int32Array;
  readonly suffix: Int32Array;
  constructor(size: number) {
    this.position = new Int32Array(size);
    this.word = new Int32Array(size);
    this.parent = new Int32Array(size);
    this.suffix = new Int32Array(size);
  }
}

/** An n-gram ends at i when there is a context before it and the word is not <s> (never predicted). */
function histogramByWord(stream: Int32Array, prev: Int32Array, start: number, end: number, byWordStart: Uint32Array): number {
  let m = 0;
  for (let i = start; i < end; i++) {
    const w = stream[i];
    if (prev[i - 1] >= 0 && w !== BOS) {
      byWordStart[w + 1]++;
      m++;
    }
  }
  return m;
}

function scatterByWord(stream: Int32Array, prev: Int32Array, start: number, end: number, next: Uint32Array, out: SortedPositions): void {
  const { position, word, parent, suffix } = out;
  for (let i = start; i < end; i++) {
    const w = stream[i];
    const p = prev[i - 1];
    if (p >= 0 && w !== BOS) {
      const k = next[w]++;
      position[k] = i;
      word[k] = w;
      parent[k] = p;
      suffix[k] = prev[i]; // read here in order, not later at random
    }
  }
}

function histogramByParent(parents: Int32Array, m: number, byParentStart: Uint32Array): void {
  for (let r = 0; r < m; r++) byParentStart[parents[r] + 1]++;
}

function scatterByParent(from: SortedPositions, start: number, end: number, next: Uint32Array, out: SortedPositions): void {
  const { position, word, suffix } = out;
  for (let r = start; r < end; r++) {
    const k = next[from.parent[r]]++;
    position[k] = from.position[r];
    word[k] = from.word[r];
    suffix[k] = from.suffix[r]; // (the parent is known from where the bucket ends)
  }
}

/** The n-grams of one order as runs of equal (parent, word) in the sorted positions are found. */
class Runs {
  size = 0;
  private lastParent = -1;
  private lastWord = -1;
  private readonly words: Uint32Array;
  private readonly counts: Uint32Array;
  private readonly suffix: Uint32Array;
  private readonly childStart: Uint32Array;

  constructor(positions: number, parentCount: number) {
    this.words = new Uint32Array(positions);
    this.counts = new Uint32Array(positions);
    this.suffix = new Uint32Array(positions);
    this.childStart = new Uint32Array(parentCount + 1);
  }

  add(sorted: SortedPositions, start: number, end: number, parentEnds: Uint32Array, adjusted: Uint32Array, cur: Int32Array | null): void {
    const { words, counts, suffix, childStart } = this;
    const { position, word } = sorted;
    const suffixOf = sorted.suffix;
    let size = this.size;
    let lastParent = this.lastParent;
    let lastWord = this.lastWord;
    let p = Math.max(0, lastParent);
    for (let r = start; r < end; r++) {
      while (r >= parentEnds[p]) p++;
      const i = position[r];
      const w = word[r];
      if (p !== lastParent || w !== lastWord) {
        // A new n-gram: its suffix (the (n-1)-gram ending at i) gains one distinct left extension.
        const s = suffixOf[r];
        words[size] = w;
        suffix[size] = s;
        adjusted[s]++;
        childStart[p + 1]++;
        size++;
        lastParent = p;
        lastWord = w;
      }
      counts[size - 1]++;
      if (cur) cur[i] = size - 1;
    }
    this.size = size;
    this.lastParent = lastParent;
    this.lastWord = lastWord;
  }

  /** The order's arrays; the order below gets its child offsets. */
  finish(lower: OrderCounts): OrderCounts {
    const n = this.size;
    const childStart = this.childStart;
    accumulate(childStart);
    lower.childStart = childStart;
    // Views, not copies: the model packs them at the end, and a copy of each costs time and fresh memory.
    return {
      words: this.words.subarray(0, n),
      counts: this.counts.subarray(0, n),
      adjusted: new Uint32Array(n),
      suffix: this.suffix.subarray(0, n),
      childStart: new Uint32Array(0),
    };
  }
}

/**
 * The permutation that sorts n-grams by (parent, word), and the CSR offsets of each parent's children
 * (`starts`, length parentCount+1).
 */
export function trieOrder(parents: Uint32Array, words: Uint32Array, parentCount: number, vocabSize: number): { order: Uint32Array; starts: Uint32Array } {
  const byWord = countingSort(identity(words.length), words, vocabSize);
  const starts = new Uint32Array(parentCount + 1);
  const order = countingSort(byWord, parents, parentCount, starts);
  return { order, starts };
}

/** Stable counting sort of `items` by `keys[item]` in [0, range); optionally returns bucket starts. */
function countingSort(items: Uint32Array, keys: Uint32Array, range: number, starts = new Uint32Array(range + 1)): Uint32Array {
  starts.fill(0);
  for (let i = 0; i < items.length; i++) starts[keys[items[i]] + 1]++;
  for (let r = 0; r < range; r++) starts[r + 1] += starts[r];
  const next = starts.slice(0, range);
  const out = new Uint32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    out[next[keys[item]]++] = item;
  }
  return out;
}

export function permute<A extends Uint32Array | Float32Array>(a: A, order: Uint32Array): A {
  const out = new (a.constructor as new (n: number) => A)(a.length);
  for (let r = 0; r < order.length; r++) out[r] = a[order[r]];
  return out;
}
