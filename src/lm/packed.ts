/**
 * Bit-packed unsigned integers: how a model's word ids, child offsets and counts are held (model.ts), in memory and
 * in the model file (format.ts), as KenLM's trie packs them (`lm/bhiksha.hh`, `util/bit_packing.hh`).
 *
 * `PackedUints`: n values of `bits` bits each (0 to 32), value i at bits i·bits .. i·bits+bits−1 of a little-endian
 * stream of 32-bit words. A Brown order-5 model needs 16 bits for a word id and 20 for a child offset, where plain
 * arrays spend 32 on each. One padding word at the end lets `get` read two words without a branch.
 *
 * `PackedCounts`: raw counts are mostly small (most n-grams of a high order occur once), so each order stores them
 * in the width b that minimises n·b + 64·(values that do not fit); a value that does not fit is stored as the
 * all-ones b-bit value and found in a sorted overflow table of (index, count) pairs.
 */

/** 32-bit words holding `length` values of `bits` bits, padding word included. */
export function packedWords(length: number, bits: number): number {
  return Math.ceil((length * bits) / 32) + 1;
}

/** Bits needed to store every value from 0 to `max`: 0 for max 0, ceil(log2(max + 1)) otherwise. */
export function bitsFor(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

/**
 * The value of `mask`'s width at bit `bit` of `data` (PackedUints.get, its scans and model.ts's child search read
 * through this; V8 inlines it in their loops). The high part is data[w+1] << (32 − s), written as (x << 1) << (31 − s)
 * so that s = 0 gives 0 (a shift by 32 is a shift by 0 in JS).
 */
export function bitsAt(data: Uint32Array, bit: number, mask: number): number {
  const s = bit & 31;
  const w = bit >>> 5;
  return (((data[w] >>> s) | ((data[w + 1] << 1) << (31 - s))) & mask) >>> 0;
}

/** Largest array `get` can address with 32-bit shifts: 2^32 bits (512 MB). */
const MAX_BITS_TOTAL = 2 ** 32;

export class PackedUints {
  readonly length: number;
  readonly bits: number;
  /** The packed words (`packedWords(length, bits)` of them); may be a view into a model file. */
  readonly data: Uint32Array;
  /** The low `bits` bits set (−1 at 32 bits: then `& mask` is a no-op on a signed value). */
  readonly mask: number;

  constructor(length: number, bits: number, data?: Uint32Array) {
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new RangeError(`packed width must be 0 to 32 bits, got ${bits}`);
    if (length * bits >= MAX_BITS_TOTAL) throw new RangeError(`packed array of ${length} values of ${bits} bits exceeds 512 MB`);
    const words = packedWords(length, bits);
    if (data && data.length !== words) throw new RangeError(`packed array of ${length} × ${bits} bits needs ${words} words, got ${data.length}`);
    this.length = length;
    this.bits = bits;
    this.data = data ?? new Uint32Array(words);
    this.mask = bits === 32 ? -1 : (1 << bits) - 1;
  }

  /** Packs `values` (each below 2^bits) in `bits` bits each, by default the fewest that hold the largest. */
  static from(values: ArrayLike<number>, bits?: number): PackedUints {
    const max = maxOf(values);
    const b = bits ?? bitsFor(max);
    if (bitsFor(max) > b) throw new RangeError(`value ${max} does not fit in ${b} bits`);
    const p = new PackedUints(values.length, b);
    if (b > 0) packInto(values, b, p.data, 0xffffffff);
    return p;
  }

  /** Value i (unchecked: i must be below length). */
  get(i: number): number {
    return bitsAt(this.data, i * this.bits, this.mask);
  }

  /** Sets value i; only while building (an array viewing a file is read-only by convention). */
  set(i: number, value: number): void {
    if (this.bits === 0) return;
    const bit = i * this.bits;
    const w = bit >>> 5;
    const s = bit & 31;
    const data = this.data;
    const v = (value & this.mask) >>> 0;
    data[w] = ((data[w] & ~(this.mask << s)) | (v << s)) >>> 0;
    if (s + this.bits > 32) {
      const hiBits = s + this.bits - 32;
      const hiMask = (1 << hiBits) - 1;
      data[w + 1] = ((data[w + 1] & ~hiMask) | (v >>> (32 - s))) >>> 0;
    }
  }

  /** Values from..to−1 as a plain array. */
  unpack(from = 0, to = this.length): Uint32Array {
    const out = new Uint32Array(Math.max(0, to - from));
    for (let i = from; i < to; i++) out[i - from] = this.get(i);
    return out;
  }

  /*
   * Whole-array scans for checking a model as it loads (format.ts): one pass each with the fields in locals, where a
   * `get` per value cost a fresh process about 50 ms for the 3.1 M n-grams of a Brown order-5 model (now about 35,
   * the float checks included).
   */

  /** The largest value, or −1 when there are none. */
  max(): number {
    const { data, bits, mask, length } = this;
    if (bits === 0) return length > 0 ? 0 : -1; // no words to read: every value is 0
    let max = -1;
    for (let i = 0, bit = 0; i < length; i++, bit += bits) {
      const v = bitsAt(data, bit, mask);
      if (v > max) max = v;
    }
    return max;
  }

  /** Whether no value is smaller than the one before it. */
  nondecreasing(): boolean {
    const { data, bits, mask, length } = this;
    if (bits === 0) return true;
    let prev = 0;
    for (let i = 0, bit = 0; i < length; i++, bit += bits) {
      const v = bitsAt(data, bit, mask);
      if (v < prev) return false;
      prev = v;
    }
    return true;
  }

  /** The indices whose value is `value`, ascending; stops after `limit` + 1 of them (enough to tell "too many"). */
  indicesOf(value: number, limit: number): number[] {
    const { data, bits, mask, length } = this;
    const found: number[] = [];
    if (bits === 0) {
      for (let i = 0; i < length && value === 0 && found.length <= limit; i++) found.push(i);
      return found;
    }
    for (let i = 0, bit = 0; i < length; i++, bit += bits) {
      if (bitsAt(data, bit, mask) !== value) continue;
      found.push(i);
      if (found.length > limit) break;
    }
    return found;
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.data.byteLength;
  }
}

// The loops of the `from`s are functions of their own: V8 compiled a `from` for a loop's sake (on-stack replacement) and
// again for the lines after it, which had not run yet: 24 compilations and 0.35 s of compile time in a first visit's
// log (Chromium's --trace-opt).

/** The largest of `values` (0 for none). */
function maxOf(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

/** How many of `counts` are at least `min`. */
function countAtLeast(counts: ArrayLike<number>, min: number): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] >= min) n++;
  return n;
}

/** The indices and values of `counts` at least `min`, ascending, into `at` and `value` (as many as they hold). */
function collectAtLeast(counts: ArrayLike<number>, min: number, at: Uint32Array, value: Uint32Array): void {
  for (let i = 0, j = 0; i < counts.length && j < at.length; i++) {
    const c = counts[i];
    if (c >= min) {
      at[j] = i;
      value[j++] = c;
    }
  }
}

/** Writes `values`, each at most `max`, one after another, `bits` (1 to 32) each, into `data` (zeroed), a word at a time. */
function packInto(values: ArrayLike<number>, bits: number, data: Uint32Array, max: number): void {
  let word = 0; // the bits of the word being filled
  let used = 0; // how many of them are filled
  let w = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(values[i], max) >>> 0;
    word = (word | (v << used)) >>> 0; // bits that do not fit fall off the top: they start the next word
    used += bits;
    if (used >= 32) {
      data[w++] = word;
      used -= 32;
      word = used > 0 ? v >>> (bits - used) : 0;
    }
  }
  if (used > 0) data[w] = word;
}

/** Counts in a per-order width with a sorted overflow table for the large ones. */
export class PackedCounts {
  readonly small: PackedUints;
  /** Indices whose count does not fit in `small` (stored there as all ones), ascending, and their counts. */
  readonly overflowAt: Uint32Array;
  readonly overflowValue: Uint32Array;
  /** The all-ones value of `small`, or −1 (never read back) when `small` is 32 bits wide and anything fits. */
  private readonly sentinel: number;

  constructor(small: PackedUints, overflowAt: Uint32Array, overflowValue: Uint32Array) {
    if (overflowAt.length !== overflowValue.length) throw new RangeError('overflow indices and counts differ in length');
    this.small = small;
    this.overflowAt = overflowAt;
    this.overflowValue = overflowValue;
    this.sentinel = countSentinel(small.bits);
  }

  /** Packs raw counts in the width that takes the fewest bits, overflow table included. */
  static from(counts: ArrayLike<number>): PackedCounts {
    const bits = cheapestCountWidth(counts);
    const sentinel = countSentinel(bits);
    const overflow = sentinel >= 0 ? countAtLeast(counts, sentinel) : 0;
    const at = new Uint32Array(overflow);
    const value = new Uint32Array(overflow);
    if (overflow > 0) collectAtLeast(counts, sentinel, at, value);
    const small = new PackedUints(counts.length, bits);
    if (bits > 0) packInto(counts, bits, small.data, sentinel >= 0 ? sentinel : 0xffffffff);
    return new PackedCounts(small, at, value);
  }

  get length(): number {
    return this.small.length;
  }

  get bits(): number {
    return this.small.bits;
  }

  /** Count of n-gram i. */
  get(i: number): number {
    const v = this.small.get(i);
    return v === this.sentinel ? this.overflow(i) : v;
  }

  /** Counts from..to−1 as a plain array. */
  unpack(from = 0, to = this.length): Uint32Array {
    const out = new Uint32Array(Math.max(0, to - from));
    for (let i = from; i < to; i++) out[i - from] = this.get(i);
    return out;
  }

  get byteLength(): number {
    return this.small.byteLength + this.overflowAt.byteLength + this.overflowValue.byteLength;
  }

  /** The overflow table's count of index i (binary search); 0 if absent, which a checked table never is. */
  private overflow(i: number): number {
    const at = this.overflowAt;
    let lo = 0;
    let hi = at.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = at[mid];
      if (v === i) return this.overflowValue[mid];
      if (v < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }
}

/** The b-bit value that marks "look in the overflow table": all ones, or −1 (no marker) at 32 bits. */
export function countSentinel(bits: number): number {
  return bits === 32 ? -1 : 2 ** bits - 1;
}

/**
 * The width b minimising n·b + 64·#{counts ≥ 2^b − 1} (each overflow entry costs two 32-bit words).
 * Worked example: counts [1, 1, 1, 1, 9] cost 5·1 + 64·1 = 69 bits at b = 1, 5·2 + 64·1 = 74 at b = 2 and
 * 5·4 = 20 at b = 4 (nothing overflows): b = 4.
 */
export function cheapestCountWidth(counts: ArrayLike<number>): number {
  // hist[k]: how many counts c have bitsFor(c + 1) − 1 = k, i.e. 2^k ≤ c + 1 < 2^(k+1); c ≥ 2^b − 1 ⟺ k ≥ b.
  const hist = new Float64Array(34);
  for (let i = 0; i < counts.length; i++) hist[counts[i] >= 0xffffffff ? 32 : bitsFor(counts[i] + 1) - 1]++;
  let best = 32;
  let bestCost = Infinity;
  let atLeast = counts.length; // counts with k ≥ b
  for (let b = 0; b <= 32; b++) {
    const cost = counts.length * b + (b < 32 ? 64 * atLeast : 0); // at 32 bits everything fits
    if (cost < bestCost) {
      bestCost = cost;
      best = b;
    }
    atLeast -= hist[b];
  }
  return best;
}
