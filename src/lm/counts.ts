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
  /** Index of the context ((n-1)-gram) in the previous order; empty for unigrams. */
  parents: Uint32Array;
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
export function* countNgrams(
  stream: Int32Array,
  vocabSize: number,
  order: number,
): Generator<CountProgress, OrderCounts[]> {
  const T = stream.length;
  const result: OrderCounts[] = [];

  // Unigrams: index = word id.
  const uniCounts = new Uint32Array(vocabSize);
  for (let i = 0; i < T; i++) uniCounts[stream[i]]++;
  const uniAdjusted = new Uint32Array(vocabSize);
  result.push({
    words: identity(vocabSize),
    parents: new Uint32Array(0),
    counts: uniCounts,
    adjusted: uniAdjusted,
    suffix: new Uint32Array(0),
    childStart: new Uint32Array(0),
  });

  // ids of the (n-1)-grams ending at each position, -1 where none (too close to the sentence start).
  let prev: Int32Array = stream;
  for (let n = 2; n <= order; n++) {
    const cur = new Int32Array(T).fill(-1);
    const counted = yield* countOrder(stream, prev, result[n - 2], vocabSize, cur, (f) => ({ order: n, fraction: (n - 2 + f) / (order - 1) }));
    result.push(counted);
    prev = cur;
  }

  // Highest order and <s>-initial n-grams keep raw counts (KenLM adjust_counts.cc does the same).
  result[order - 1].adjusted = result[order - 1].counts.slice();
  let startsWithBos = new Uint8Array(vocabSize);
  startsWithBos[BOS] = 1;
  result[0].adjusted[BOS] = 0; // <s> is never predicted; KenLM gives it count 0.
  for (let n = 2; n <= order; n++) {
    const o = result[n - 1];
    const bos = new Uint8Array(o.words.length);
    for (let j = 0; j < bos.length; j++) {
      if (startsWithBos[o.parents[j]]) {
        bos[j] = 1;
        o.adjusted[j] = o.counts[j];
      }
    }
    startsWithBos = bos;
  }

  return result;
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
 * position (`prev`). Fills `cur` with the new ids, `lower.childStart` and `lower.adjusted`; yields between chunks.
 */
function* countOrder(
  stream: Int32Array,
  prev: Int32Array,
  lower: OrderCounts,
  vocabSize: number,
  cur: Int32Array,
  progress: (fraction: number) => CountProgress,
): Generator<CountProgress, OrderCounts> {
  const T = stream.length;
  const P = lower.words.length;
  // Pass 1: how many positions end an n-gram, by word. (An n-gram needs a context, and <s> is never predicted.)
  const byWordStart = new Uint32Array(vocabSize + 1);
  let M = 0;
  for (let start = 1; start < T; start += CHUNK) {
    const end = Math.min(T, start + CHUNK);
    for (let i = start; i < end; i++) {
      const w = stream[i];
      if (prev[i - 1] >= 0 && w !== BOS) {
        byWordStart[w + 1]++;
        M++;
      }
    }
    yield progress((0.25 * end) / T);
  }
  for (let w = 0; w < vocabSize; w++) byWordStart[w + 1] += byWordStart[w];
  // Pass 2: the positions sorted by word.
  const byWord = new Int32Array(M);
  for (let start = 1; start < T; start += CHUNK) {
    const end = Math.min(T, start + CHUNK);
    for (let i = start; i < end; i++) {
      const w = stream[i];
      if (prev[i - 1] >= 0 && w !== BOS) byWord[byWordStart[w]++] = i;
    }
    yield progress(0.25 + (0.25 * end) / T);
  }
  // Pass 3: stably by parent, so by (parent, word).
  const byParentStart = new Uint32Array(P + 1);
  for (let r = 0; r < M; r++) byParentStart[prev[byWord[r] - 1] + 1]++;
  for (let p = 0; p < P; p++) byParentStart[p + 1] += byParentStart[p];
  const sorted = new Int32Array(M);
  for (let start = 0; start < M; start += CHUNK) {
    const end = Math.min(M, start + CHUNK);
    for (let r = start; r < end; r++) {
      const i = byWord[r];
      sorted[byParentStart[prev[i - 1]]++] = i;
    }
    yield progress(0.5 + (0.25 * end) / Math.max(1, M));
  }
  // Pass 4: each run of equal (parent, word) is one n-gram, numbered in trie order.
  const words = new Uint32Array(M);
  const parents = new Uint32Array(M);
  const counts = new Uint32Array(M);
  const suffix = new Uint32Array(M);
  const childStart = new Uint32Array(P + 1);
  const adjusted = lower.adjusted;
  let size = 0;
  let lastParent = -1;
  let lastWord = -1;
  for (let start = 0; start < M; start += CHUNK) {
    const end = Math.min(M, start + CHUNK);
    for (let r = start; r < end; r++) {
      const i = sorted[r];
      const p = prev[i - 1];
      const w = stream[i];
      if (p !== lastParent || w !== lastWord) {
        // A new n-gram: its suffix (the (n-1)-gram ending at i) gains one distinct left extension.
        const s = prev[i];
        words[size] = w;
        parents[size] = p;
        suffix[size] = s;
        adjusted[s]++;
        childStart[p + 1]++;
        size++;
        lastParent = p;
        lastWord = w;
      }
      counts[size - 1]++;
      cur[i] = size - 1;
    }
    yield progress(0.75 + (0.25 * end) / Math.max(1, M));
  }
  for (let p = 0; p < P; p++) childStart[p + 1] += childStart[p];
  lower.childStart = childStart;
  return {
    words: words.slice(0, size),
    parents: parents.slice(0, size),
    counts: counts.slice(0, size),
    adjusted: new Uint32Array(size),
    suffix: suffix.slice(0, size),
    childStart: new Uint32Array(0),
  };
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
