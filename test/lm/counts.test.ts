/** Counting: the counts of a stream's prefixes from one pass equal counting each prefix alone. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countNgrams, countWithPrefixes, restrictCounts, runToEnd } from '../../src/lm/counts.ts';
import { BOS, EOS } from '../../src/lm/types.ts';

/** Sentences of word ids (from 3: 0–2 are <unk>, <s>, </s>) as a stream, and where each sentence ends. */
function streamOf(sentences: number[][]): { stream: Int32Array; ends: number[] } {
  const ids: number[] = [];
  const ends: number[] = [];
  for (const s of sentences) {
    ids.push(BOS, ...s, EOS);
    ends.push(ids.length);
  }
  return { stream: Int32Array.from(ids), ends };
}

/** Typed arrays as plain arrays, so that a view and a copy of the same numbers compare equal. */
const plain = (orders: { words: Uint32Array; counts: Uint32Array; adjusted: Uint32Array; suffix: Uint32Array; childStart: Uint32Array }[]) =>
  orders.map((o) => ({ words: [...o.words], counts: [...o.counts], adjusted: [...o.adjusted], suffix: [...o.suffix], childStart: [...o.childStart] }));

describe('counts of prefixes from one pass', () => {
  it('equal the counts of each prefix alone, at every order (property)', () => {
    const vocab = 9;
    const sentence = fc.array(fc.integer({ min: 0, max: vocab - 1 }).map((w) => (w === 1 || w === 2 ? 3 : w)), { minLength: 0, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(sentence, { minLength: 1, maxLength: 14 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), (sentences, order, picks) => {
        const { stream, ends } = streamOf(sentences);
        const cuts = [...new Set(picks.map((p) => ends[p % ends.length]))].sort((a, b) => a - b);
        const { all, below } = runToEnd(countWithPrefixes(stream, vocab, order, cuts));
        expect(plain(all)).toEqual(plain(runToEnd(countNgrams(stream, vocab, order))));
        cuts.forEach((c, k) => expect(plain(restrictCounts(all, below[k]))).toEqual(plain(runToEnd(countNgrams(stream.subarray(0, c), vocab, order)))));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses cuts that fall or leave the stream', () => {
    const { stream } = streamOf([[3, 4], [5]]);
    expect(() => runToEnd(countWithPrefixes(stream, 6, 2, [4, 2]))).toThrow(RangeError);
    expect(() => runToEnd(countWithPrefixes(stream, 6, 2, [stream.length + 1]))).toThrow(RangeError);
  });
});
