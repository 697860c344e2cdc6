import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idsByDescendingValue } from '../../src/lm/model.ts';
import { PrefixIndex } from '../../src/lm/prefix-index.ts';
import { Vocab } from '../../src/lm/vocab.ts';

/** Tokens that share first characters and prefixes, with multi-byte characters, astral ones and lone surrogates. */
const tokenArb = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', 'ab', ' ', 'é', 'Z', '(', '😀', '\ud800', '\u00a0', '_'), maxLength: 4 }),
  fc.string({ maxLength: 3 }),
);
const wordsArb = fc.uniqueArray(tokenArb, { maxLength: 60 });
/** Prefixes drawn from the same characters, so that many match and many do not. */
const prefixArb = fc.oneof(tokenArb, fc.constantFrom('', 'a', 'ab', ' ', '😀', '\ud83d', 'zz'));

describe('the prefix index', () => {
  it('finds exactly the tokens that start with a prefix, sorted as numbers or with a comparator (property)', () => {
    fc.assert(
      fc.property(wordsArb, fc.array(prefixArb, { minLength: 1, maxLength: 6 }), fc.boolean(), (words, prefixes, packed) => {
        const index = new PrefixIndex(words, packed ? undefined : 0);
        for (const prefix of prefixes) {
          const { ids, from, to } = index.range(prefix);
          const got = [...ids.subarray(from, to)].sort((a, b) => a - b);
          expect(got).toEqual(words.map((_, id) => id).filter((id) => words[id].startsWith(prefix)));
        }
      }),
    );
  });

  it('is made once per vocabulary, and again when the vocabulary has grown', () => {
    const vocab = new Vocab();
    for (const w of ['apple', 'apply', 'banana']) vocab.add(w);
    const first = PrefixIndex.of(vocab);
    expect(PrefixIndex.of(vocab)).toBe(first);
    expect(first.idsWith('appl').map((id) => vocab.token(id)).sort()).toEqual(['apple', 'apply']);
    vocab.add('applet');
    const grown = PrefixIndex.of(vocab);
    expect(grown).not.toBe(first);
    expect(grown.idsWith('appl').map((id) => vocab.token(id)).sort()).toEqual(['apple', 'applet', 'apply']);
    expect(grown.idsWith('c')).toEqual([]);
  });
});

describe('ranking by descending value', () => {
  it("gives a comparator sort's order: value descending, then index ascending (property)", () => {
    const valueArb = fc.oneof(fc.constantFrom(-1, -2.5, 0, -0, -Infinity, -99), fc.float({ noNaN: true }));
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 80 }), (list) => {
        const values = Float32Array.from(list);
        const expected = [...values.keys()].sort((a, b) => (values[a] === values[b] ? a - b : values[b] - values[a]));
        expect([...idsByDescendingValue(values)]).toEqual(expected);
      }),
    );
  });

  it('puts NaN last', () => {
    expect([...idsByDescendingValue(Float64Array.from([NaN, -1, NaN, 2, -1]))]).toEqual([3, 1, 4, 0, 2]);
  });
});
