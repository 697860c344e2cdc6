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
 * How: order n is built from order n-1 by a pass over the stream. The n-gram ending at position i
 * is (the (n-1)-gram ending at i-1, w_i); a hash table on that pair gives its index. Its suffix is the
 * (n-1)-gram ending at i, so the first time an n-gram is seen it adds one distinct left extension to
 * that suffix: these are Kneser-Ney's adjusted (continuation) counts, N1+(• w), for free.
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
  const total = Math.max(1, T * (order - 1));
  for (let n = 2; n <= order; n++) {
    const lower = result[n - 2];
    const table = new NgramTable(Math.min(T, 1 << 20));
    const cur = new Int32Array(T).fill(-1);
    for (let start = 1; start < T; start += CHUNK) {
      const end = Math.min(T, start + CHUNK);
      for (let i = start; i < end; i++) {
        const p = prev[i - 1];
        const w = stream[i];
        if (p < 0 || w === BOS) continue;
        const before = table.size;
        const j = table.insert(p, w);
        if (table.size !== before) {
          // First sighting: record its suffix and give that suffix one more distinct left extension.
          const s = prev[i];
          table.setSuffix(j, s);
          lower.adjusted[s]++;
        }
        cur[i] = j;
      }
      yield { order: n, fraction: ((n - 2) * T + end) / total };
    }
    result.push(table.finish());
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

  yield* sortIntoTrie(result, vocabSize);
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
 * Reorders every order by (context, word) and fills `childStart`, remapping parent and suffix indices
 * to the new positions. Two stable counting sorts (word, then parent): O(n-grams + vocabulary).
 */
function* sortIntoTrie(orders: OrderCounts[], vocabSize: number): Generator<CountProgress, void> {
  let prevNewIndex: Uint32Array | null = null; // old -> new index of the previous order
  for (let k = 1; k < orders.length; k++) {
    const o = orders[k];
    const M = o.words.length;
    const parentCount = orders[k - 1].words.length;
    if (prevNewIndex) {
      for (let j = 0; j < M; j++) {
        o.parents[j] = prevNewIndex[o.parents[j]];
        o.suffix[j] = prevNewIndex[o.suffix[j]];
      }
    }
    const { order: byParent, starts } = trieOrder(o.parents, o.words, parentCount, vocabSize);
    orders[k - 1].childStart = starts;
    const newIndex = new Uint32Array(M);
    for (let r = 0; r < M; r++) newIndex[byParent[r]] = r;
    o.words = permute(o.words, byParent);
    o.parents = permute(o.parents, byParent);
    o.counts = permute(o.counts, byParent);
    o.adjusted = permute(o.adjusted, byParent);
    o.suffix = permute(o.suffix, byParent);
    prevNewIndex = newIndex;
    // Sorting one order of a few million n-grams takes tens of milliseconds: let callers cancel between orders.
    yield { order: k + 1, fraction: 1 };
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

/** Open-addressing hash table from (parent, word) to a dense n-gram index, with typed-array storage. */
class NgramTable {
  size = 0;
  private slots: Int32Array;
  private mask: number;
  private parents: Uint32Array;
  private words: Uint32Array;
  private counts: Uint32Array;
  private suffix: Uint32Array;

  constructor(expected: number) {
    const cap = nextPow2(Math.max(1024, expected * 2));
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    const store = Math.max(1024, expected);
    this.parents = new Uint32Array(store);
    this.words = new Uint32Array(store);
    this.counts = new Uint32Array(store);
    this.suffix = new Uint32Array(store);
  }

  /** Index of (parent, word), inserted with count 0 if new; increments its count. */
  insert(parent: number, word: number): number {
    const mask = this.mask;
    let h = hash(parent, word) & mask;
    for (;;) {
      const s = this.slots[h];
      if (s === 0) break;
      const j = s - 1;
      if (this.words[j] === word && this.parents[j] === parent) {
        this.counts[j]++;
        return j;
      }
      h = (h + 1) & mask;
    }
    const j = this.size++;
    if (j === this.words.length) this.growStore();
    this.parents[j] = parent;
    this.words[j] = word;
    this.counts[j] = 1;
    this.slots[h] = j + 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    return j;
  }

  setSuffix(j: number, s: number): void {
    this.suffix[j] = s;
  }

  finish(): OrderCounts {
    const n = this.size;
    return {
      words: this.words.slice(0, n),
      parents: this.parents.slice(0, n),
      counts: this.counts.slice(0, n),
      adjusted: new Uint32Array(n),
      suffix: this.suffix.slice(0, n),
      childStart: new Uint32Array(0),
    };
  }

  private growStore(): void {
    const cap = this.words.length * 2;
    const grow = (a: Uint32Array) => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    this.parents = grow(this.parents);
    this.words = grow(this.words);
    this.counts = grow(this.counts);
    this.suffix = grow(this.suffix);
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let j = 0; j < this.size; j++) {
      let h = hash(this.parents[j], this.words[j]) & mask;
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = j + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function hash(parent: number, word: number): number {
  let h = Math.imul(parent ^ Math.imul(word, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

