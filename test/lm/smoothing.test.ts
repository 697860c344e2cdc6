import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addK, compareSmoothing, maximumLikelihood, scorer, SMOOTHING_METHODS, stupidBackoff } from '../../src/lm/smoothing.ts';
import { train } from '../../src/lm/train.ts';

// Sentences "a b", "a b", "b a" (one per line), order 2, whitespace tokens. Vocabulary: <unk> <s> </s> a b,
// so |V| = 4 without <s>. Bigram counts: <s> a 2, <s> b 1, a b 2, a </s> 1, b </s> 2, b a 1.
// Unigram counts (without <s>): a 3, b 3, </s> 3, <unk> 0, N = 9.
const model = train(['a b\na b\nb a\n'], { order: 2, tokenizer: 'whitespace', lines: true });
const id = (t: string) => model.vocab.id(t);
const ctx = (...ts: string[]) => ts.map(id);

describe('smoothing methods on a corpus small enough to work out by hand', () => {
  it('maximum likelihood: relative frequency after the context, zero for anything unseen', () => {
    const ml = maximumLikelihood(model);
    expect(ml.prob(ctx('a'), id('b'))).toBeCloseTo(2 / 3, 12);
    expect(ml.prob(ctx('a'), id('</s>'))).toBeCloseTo(1 / 3, 12);
    expect(ml.prob(ctx('a'), id('a'))).toBe(0);
    expect(ml.prob(ctx('b'), id('</s>'))).toBeCloseTo(2 / 3, 12);
  });

  it('add-one: (c + 1) / (c(h) + |V|)', () => {
    const add1 = addK(model, 1);
    expect(add1.prob(ctx('a'), id('b'))).toBeCloseTo(3 / 7, 12);
    expect(add1.prob(ctx('a'), id('</s>'))).toBeCloseTo(2 / 7, 12);
    expect(add1.prob(ctx('a'), id('a'))).toBeCloseTo(1 / 7, 12);
    expect(add1.prob(ctx('a'), id('<unk>'))).toBeCloseTo(1 / 7, 12);
    expect(addK(model, 0.5).prob(ctx('a'), id('a'))).toBeCloseTo(0.5 / 5, 12);
  });

  it('stupid backoff: relative frequency where seen, else 0.4 times the unigram frequency', () => {
    const sb = stupidBackoff(model);
    expect(sb.prob(ctx('a'), id('b'))).toBeCloseTo(2 / 3, 12);
    expect(sb.prob(ctx('a'), id('a'))).toBeCloseTo(0.4 * (3 / 9), 12);
    expect(sb.prob(ctx('a'), id('<unk>'))).toBe(0);
    // 2/3 + 1/3 + 0.4 · 3/9: more than one, which is why it is a score and not a probability.
    const sum = sb.distribution(ctx('a')).reduce((s, p) => s + p, 0);
    expect(sum).toBeCloseTo(1 + 0.4 / 3, 12);
  });

  it('a context never seen falls back to the longest seen suffix (here: none, the unigram level)', () => {
    const ml = maximumLikelihood(model);
    expect(ml.prob(ctx('never-seen'), id('a'))).toBeCloseTo(3 / 9, 12);
    const c = compareSmoothing(model, ctx('never-seen'), 3);
    expect(c.contextLength).toBe(0);
    expect(c.contextCount).toBe(9);
  });

  it('compares the four methods: ML leaves nothing for unseen tokens, the others do', () => {
    const c = compareSmoothing(model, ctx('a'), 10);
    expect(c.contextTokens).toEqual(['a']);
    expect(c.contextCount).toBe(3);
    expect(c.seenTypes).toBe(2);
    expect(c.vocabulary).toBe(4);
    const by = Object.fromEntries(c.methods.map((m) => [m.method, m]));
    expect(by.ml.unseenMass).toBe(0);
    expect(by.ml.top.map((t) => t.token)).toEqual(['b', '</s>']);
    expect(by['add-k'].unseenMass).toBeCloseTo(2 / 7, 12);
    expect(by['stupid-backoff'].unseenMass).toBeCloseTo(0.4 / 3, 12);
    expect(by['kneser-ney'].unseenMass).toBeGreaterThan(0);
    expect(by['kneser-ney'].seenMass + by['kneser-ney'].unseenMass).toBeCloseTo(1, 6);
  });

  it('property, every method: distribution(h)[w] equals prob(h, w); normalized ones sum to one', () => {
    const tokens = ['a', 'b', '</s>', '<s>', 'zzz'];
    fc.assert(
      fc.property(fc.constantFrom(...SMOOTHING_METHODS), fc.array(fc.constantFrom(...tokens), { maxLength: 3 }), (method, context) => {
        const s = scorer(model, method, { k: 0.25 });
        const h = context.map(id);
        const p = s.distribution(h);
        for (let w = 0; w < p.length; w++) expect(s.prob(h, w)).toBeCloseTo(p[w], 12);
        const sum = p.reduce((a, x) => a + x, 0);
        if (s.normalized) expect(sum).toBeCloseTo(1, 6); // Kneser-Ney is stored in float32
        else expect(sum).toBeGreaterThanOrEqual(1 - 1e-9);
      }),
    );
  });
});
