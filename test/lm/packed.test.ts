import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitsFor, cheapestCountWidth, countSentinel, PackedCounts, PackedUints, packedWords } from '../../src/lm/packed.ts';

/** A width from 0 to 32 bits and up to 200 values that fit in it. */
const widthAndValues = fc
  .integer({ min: 0, max: 32 })
  .chain((bits) => fc.tuple(fc.constant(bits), fc.array(fc.integer({ min: 0, max: bits === 32 ? 0xffffffff : 2 ** bits - 1 }), { maxLength: 200 })));

describe('PackedUints', () => {
  it('gives back every value at every width from 0 to 32 bits (property)', () => {
    fc.assert(
      fc.property(
        widthAndValues,
        ([bits, values]) => {
          const p = PackedUints.from(values, bits);
          expect(p.length).toBe(values.length);
          expect(p.data.length).toBe(packedWords(values.length, bits));
          for (let i = 0; i < values.length; i++) expect(p.get(i)).toBe(values[i]);
          expect([...p.unpack()]).toEqual(values);
          // A copy of the words read back through a new view answers the same (how a model file is loaded).
          const view = new PackedUints(values.length, bits, p.data.slice());
          expect([...view.unpack()]).toEqual(values);
        },
      ),
    );
  });

  it('overwrites a value without touching its neighbours', () => {
    const p = PackedUints.from([7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7], 3);
    p.set(5, 0);
    p.set(10, 2); // straddles a word boundary at bit 30
    expect([...p.unpack()]).toEqual([7, 7, 7, 7, 7, 0, 7, 7, 7, 7, 2]);
  });

  it('chooses the fewest bits that hold the largest value, and refuses a value too wide', () => {
    expect(PackedUints.from([0, 0]).bits).toBe(0);
    expect(PackedUints.from([1]).bits).toBe(1);
    expect(PackedUints.from([53393]).bits).toBe(16);
    expect(PackedUints.from([930973]).bits).toBe(20);
    expect(PackedUints.from([0xffffffff]).bits).toBe(32);
    expect([bitsFor(0), bitsFor(1), bitsFor(2), bitsFor(255), bitsFor(256)]).toEqual([0, 1, 2, 8, 9]);
    expect(() => PackedUints.from([8], 3)).toThrow(/does not fit in 3 bits/);
    expect(() => new PackedUints(10, 33)).toThrow(RangeError);
    expect(() => new PackedUints(10, 4, new Uint32Array(1))).toThrow(/needs 3 words/);
  });
});

describe('PackedUints scans (how a model is checked as it loads)', () => {
  it('answer as a value-by-value reading does, at every width (property)', () => {
    fc.assert(
      fc.property(
        widthAndValues,
        fc.nat({ max: 5 }),
        ([bits, values], limit) => {
          const p = PackedUints.from(values, bits);
          expect(p.max()).toBe(values.length === 0 ? -1 : Math.max(...values));
          expect(p.nondecreasing()).toBe(values.every((v, i) => i === 0 || v >= values[i - 1]));
          const target = values.length > 0 ? values[values.length >> 1] : 0;
          const all = values.flatMap((v, i) => (v === target ? [i] : []));
          expect(p.indicesOf(target, limit)).toEqual(all.slice(0, limit + 1));
        },
      ),
    );
  });

  it('see a rise or fall that straddles two words', () => {
    // 20-bit values: value 1 lies at bits 20..39, across the first two words.
    expect(PackedUints.from([5, 1 << 19, (1 << 19) + 1], 20).nondecreasing()).toBe(true);
    expect(PackedUints.from([5, 1 << 19, 3], 20).nondecreasing()).toBe(false);
    expect(PackedUints.from([0, 0xfffff, 7], 20).max()).toBe(0xfffff);
    expect(new PackedUints(3, 0).max()).toBe(0); // zero-width values are all 0
    expect(new PackedUints(0, 7).max()).toBe(-1);
  });
});

describe('PackedCounts', () => {
  it('picks the width that minimises bits, overflow table included', () => {
    // n·b + 64·(counts ≥ 2^b − 1): [1,1,1,1,9] costs 69 bits at b = 1, 74 at b = 2, 20 at b = 4.
    expect(cheapestCountWidth([1, 1, 1, 1, 9])).toBe(4);
    // Many ones and one huge count: one overflow entry (64 bits) beats widening 1,000 counts.
    const ones = new Array<number>(1000).fill(1);
    expect(cheapestCountWidth([...ones, 123_456_789])).toBe(2);
    expect(cheapestCountWidth(new Array<number>(100).fill(0))).toBe(1);
    expect(cheapestCountWidth([])).toBe(0);
    expect(cheapestCountWidth([0xffffffff])).toBe(32);
  });

  it('stores the counts that do not fit in a sorted overflow table and gives every count back', () => {
    const counts = [...new Array<number>(1000).fill(1), 3, 2, 123_456_789, 1, 0, 0xffffffff, 4];
    const p = PackedCounts.from(counts);
    expect(p.bits).toBe(2);
    // 3 (the all-ones marker at 2 bits) and everything above it overflow, in index order.
    expect([...p.overflowAt]).toEqual([1000, 1002, 1005, 1006]);
    expect([...p.overflowValue]).toEqual([3, 123_456_789, 0xffffffff, 4]);
    for (let i = 0; i < counts.length; i++) expect(p.get(i)).toBe(counts[i]);
    expect([...p.unpack(998, 1004)]).toEqual(counts.slice(998, 1004));
    expect(p.byteLength).toBe(p.small.byteLength + 4 * 4 * 2);
  });

  it('gives back any counts (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 300 }), (counts) => {
        const p = PackedCounts.from(counts);
        expect([...p.unpack()]).toEqual(counts);
        const sentinel = countSentinel(p.bits);
        expect(p.overflowAt.length).toBe(sentinel < 0 ? 0 : counts.filter((c) => c >= sentinel).length);
        for (let j = 1; j < p.overflowAt.length; j++) expect(p.overflowAt[j]).toBeGreaterThan(p.overflowAt[j - 1]);
      }),
    );
  });
});
