import { describe, expect, it } from 'vitest';
import { toArpa } from '../../src/lm/arpa.ts';
import { ArpaError, readArpa } from '../../src/lm/arpa-read.ts';
import { train } from '../../src/lm/train.ts';
import { BOS } from '../../src/lm/types.ts';

// Written by hand; each expected value below follows from the ARPA backoff rule.
const HAND = `some tool's banner before the data section is ignored

\\data\\
ngram 1=5
ngram 2=3

\\1-grams:
-1.0\t<unk>\t0
-99\t<s>\t-0.30103
-0.69897\t</s>
-0.52288\ta\t-0.2
-0.60206\tb\t-0.1

\\2-grams:
-0.30103\t<s> a
-0.22185\ta b
-0.39794\tb </s>

\\end\\
`;

describe('ARPA import', () => {
  const model = readArpa(HAND);
  const log10 = (ctx: string[], w: string) => model.score(ctx.map((t) => model.vocab.id(t)), model.vocab.id(w)).log2Prob * Math.log10(2);

  it('scores listed n-grams by their own probability', () => {
    expect(log10(['<s>'], 'a')).toBeCloseTo(-0.30103, 5);
    expect(log10(['a'], 'b')).toBeCloseTo(-0.22185, 5);
    expect(model.score([model.vocab.id('a')], model.vocab.id('b')).orderUsed).toBe(2);
  });

  it('backs off through the context backoff for unlisted ones, and gives OOVs <unk>', () => {
    expect(log10(['<s>'], 'b')).toBeCloseTo(-0.30103 - 0.60206, 5);
    expect(log10(['a'], '</s>')).toBeCloseTo(-0.2 - 0.69897, 5);
    expect(log10(['a'], 'never-seen')).toBeCloseTo(-0.2 - 1.0, 5);
  });

  it('scores a sentence with </s> as KenLM would', () => {
    const s = model.scoreSequence(['a', 'b'].map((w) => model.vocab.id(w)), { eos: true });
    expect(s.reduce((t, x) => t + x.log2Prob, 0) * Math.log10(2)).toBeCloseTo(-0.30103 - 0.22185 - 0.39794, 5);
  });

  it('round-trips a trained code model through ARPA text', () => {
    const code = 'def f(x):\n    return x + 1\n\ndef g(y):\n    return f(y) * 2\n';
    const trained = train([code, 'x = f(1)\ny = g(x)\n'], { order: 4, tokenizer: 'code' });
    const back = readArpa(toArpa(trained), { tokenizer: 'code', lines: false });
    expect(back.vocab.words.slice().sort()).toEqual(trained.vocab.words.slice().sort());
    expect(back.ngramCounts).toEqual(trained.ngramCounts);
    const text = ['def', ' h', '(', 'x', '):', '\n    ', 'return', ' f', '(', 'x', ')'];
    const a = trained.scoreSequence(text.map((t) => trained.vocab.id(t)), { eos: true });
    const b = back.scoreSequence(text.map((t) => back.vocab.id(t)), { eos: true });
    a.forEach((x, i) => {
      expect(b[i].log2Prob).toBeCloseTo(x.log2Prob, 4);
      expect(b[i].orderUsed).toBe(x.orderUsed);
    });
    const top = (m: typeof trained) => m.topK([BOS, m.vocab.id('def')], 3).map((p) => p.token);
    expect(top(back)).toEqual(top(trained));
  });

  it.each([
    ['no \\data\\ section', 'hello\n', /not an ARPA file/],
    ['a line with too many fields', HAND.replace('-0.22185\ta b', '-0.22185\ta b c d'), /line 16: a 2-gram line needs/],
    ['a bad probability', HAND.replace('-0.52288\ta', 'x\ta'), /line 11: probability "x"/],
    // A missing context is no longer refused (it is filled in as KenLM fills in blanks: test/lm/arpa-kenlm.test.ts);
    // a word missing from the unigrams still is, as KenLM refuses it.
    ['a word that is not among the unigrams', HAND.replace('-0.22185\ta b', '-0.22185\ta zebra'), /line 16: word "zebra" is not among the unigrams/],
    ['a truncated file', HAND.slice(0, HAND.indexOf('-0.39794')), /ends after 2 of the 3 2-grams/],
  ])('refuses %s with a message naming the line', (_, text, message) => {
    expect(() => readArpa(text)).toThrow(ArpaError);
    expect(() => readArpa(text)).toThrow(message);
  });
});
