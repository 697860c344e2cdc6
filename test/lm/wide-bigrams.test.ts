import { describe, expect, it } from 'vitest';
import { deserializeModel, serializeModel } from '../../src/lm/format.ts';
import { childIndex } from '../../src/lm/model.ts';
import { train } from '../../src/lm/train.ts';
import { WideBigrams } from '../../src/lm/wide-bigrams.ts';

/** "x" is followed by 1,500 different words (a wide context); "y" by three (a narrow one). */
const lines = [
  ...Array.from({ length: 1500 }, (_, i) => `x w${i} y a`),
  ...Array.from({ length: 300 }, (_, i) => `y b w${(i * 7) % 1500} x w${i % 40}`),
];
const model = train([lines.join('\n')], { order: 3, tokenizer: 'whitespace', lines: true });
const x = model.vocab.id('x');
const y = model.vocab.id('y');

describe('wide bigram rows', () => {
  it('give a row to a context with over 1,024 children and none to a narrow one', () => {
    const wide = WideBigrams.build(model.orders[0].childStart, model.orders[1].words);
    expect(wide).not.toBeNull();
    expect(wide!.has(x)).toBe(true);
    expect(wide!.has(y)).toBe(false);
    // One row of 2 bytes per word, beside the row index: far less than a row for every word.
    expect(wide!.byteLength).toBeLessThan(2 * model.vocab.size * 4 + 64);
  });

  it('answer as the binary search does, for every word after the wide context', () => {
    const wide = WideBigrams.build(model.orders[0].childStart, model.orders[1].words)!;
    let found = 0;
    for (let w = 0; w < model.vocab.size; w++) {
      const expected = childIndex(model.orders, 0, x, w);
      expect(wide.child(x, w)).toBe(expected);
      if (expected >= 0) found++;
    }
    expect(found).toBe(1500);
  });

  it('leave every score of a sequence as it was', () => {
    // A fresh copy scores token by token before any sequence is scored: without rows (score builds none).
    const plain = deserializeModel(serializeModel(model));
    const tokens = 'x w5 y a x w1499 x w40 y b w7 x nope x w3'.split(' ').map((t) => model.vocab.id(t));
    const expected = tokens.map((w, i) => plain.score([1, ...tokens.slice(0, i)].slice(-2), w).log2Prob);
    const out = new Float64Array(tokens.length);
    model.log2ProbSequence(tokens, out);
    expect([...out]).toEqual(expected);
  });

  it('are not built for a model whose contexts are all narrow, or of order 1', () => {
    const small = train(['the cat sat on the mat\nthe dog sat\n'], { order: 3, tokenizer: 'whitespace', lines: true });
    expect(WideBigrams.build(small.orders[0].childStart, small.orders[1].words)).toBeNull();
    // Order 1: no bigrams, and the model builds no rows (its sequences still score).
    const unigrams = train([lines.join('\n')], { order: 1, tokenizer: 'whitespace', lines: true });
    const out = new Float64Array(2);
    unigrams.log2ProbSequence([x, y], out);
    expect([...out]).toEqual([unigrams.score([], x).log2Prob, unigrams.score([], y).log2Prob]);
  });
});
