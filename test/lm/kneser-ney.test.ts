import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countNgrams, runToEnd } from '../../src/lm/counts.ts';
import { countsOfCounts, discountsFromCounts, estimateKneserNeySteps, FALLBACK_DISCOUNTS } from '../../src/lm/kneser-ney.ts';
import { modelFromStream, tokenizeSteps, train, type TrainProgress } from '../../src/lm/train.ts';
import { BOS, EOS, UNK } from '../../src/lm/types.ts';
import { Vocab } from '../../src/lm/vocab.ts';

const ids = (model: ReturnType<typeof train>, words: string) => words.split(' ').map((w) => model.vocab.id(w));

describe('modified Kneser-Ney on a corpus small enough to work out by hand', () => {
  // Sentences: "a b", "a b", "b a". Worked out in the comments; discounts fall back to 0.5, 1, 1.5
  // because no unigram has adjusted count 1 and no bigram count 3.
  const model = train(['a b\na b\nb a\n'], { order: 2, tokenizer: 'whitespace', lines: true });
  const p = (context: string[], w: string) => 2 ** model.score(context.map((t) => model.vocab.id(t)), model.vocab.id(w)).log2Prob;

  it('uses the fallback discounts when counts-of-counts are zero', () => {
    expect(model.info.discounts).toEqual([
      [...FALLBACK_DISCOUNTS],
      [...FALLBACK_DISCOUNTS],
    ]);
  });

  it('gives unigrams continuation probabilities interpolated with the uniform distribution', () => {
    // adjusted counts a=2 (after <s>, b), b=2, </s>=2; γ(ε) = 1.0·3/6; |V| = 4 (<unk> a b </s>)
    expect(p([], 'a')).toBeCloseTo(1 / 6 + 0.5 / 4, 6);
    expect(p([], '</s>')).toBeCloseTo(7 / 24, 6);
    expect(p([], 'never-seen')).toBeCloseTo(1 / 8, 6);
  });

  it('interpolates bigrams with the unigram distribution through γ(h)', () => {
    // after <s>: a twice (D=1), b once (D=0.5): γ = (0.5 + 1)/3
    expect(p(['<s>'], 'a')).toBeCloseTo(23 / 48, 6);
    expect(p(['<s>'], 'b')).toBeCloseTo(15 / 48, 6);
    expect(p(['<s>'], '</s>')).toBeCloseTo(7 / 48, 6);
    expect(p(['a'], 'b')).toBeCloseTo(23 / 48, 6);
    expect(p(['b'], 'a')).toBeCloseTo(15 / 48, 6);
  });

  it('scores a sentence as the product of its tokens and </s>', () => {
    const scores = model.scoreSequence(ids(model, 'a b'), { eos: true });
    expect(scores.map((s) => s.orderUsed)).toEqual([2, 2, 2]);
    expect(scores.reduce((s, x) => s + x.log2Prob, 0)).toBeCloseTo(3 * Math.log2(23 / 48), 5);
  });

  it('reports the matched order and raw count of each answer', () => {
    const [top] = model.topK([BOS], 1);
    expect(top).toMatchObject({ token: 'a', orderUsed: 2, count: 2 });
  });
});

describe('discounts', () => {
  it('follow Chen and Goodman eq. 26', () => {
    const d = discountsFromCounts([0, 100, 40, 20, 10]);
    const y = 100 / (100 + 80);
    expect(d.fallback).toBe(false);
    expect(d.values[0]).toBeCloseTo(1 - 2 * y * 0.4, 12);
    expect(d.values[1]).toBeCloseTo(2 - 3 * y * 0.5, 12);
    expect(d.values[2]).toBeCloseTo(3 - 4 * y * 0.5, 12);
  });

  it('count adjusted counts of 1 to 4 only', () => {
    expect(countsOfCounts(Uint32Array.from([0, 1, 1, 2, 3, 4, 5, 9]))).toEqual([0, 2, 1, 1, 1]);
  });
});

const corpus = fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'the', 'cat'), { minLength: 0, maxLength: 12 }), {
  minLength: 1,
  maxLength: 25,
});

describe('any model trained on any corpus', () => {
  it('is a probability distribution for every context (no NaN, sums to 1)', () => {
    fc.assert(
      fc.property(corpus, fc.integer({ min: 1, max: 6 }), fc.array(fc.constantFrom('a', 'b', 'c', 'x', 'cat'), { maxLength: 6 }), (sents, order, ctx) => {
        const model = train([sents.map((s) => s.join(' ')).join('\n')], { order, tokenizer: 'whitespace', lines: true });
        const context = [BOS, ...ctx.map((w) => model.vocab.id(w))].slice(-(order - 1) || 0);
        const dist = model.distribution(order === 1 ? [] : context);
        let sum = 0;
        for (const x of dist) {
          expect(Number.isFinite(x)).toBe(true);
          sum += x;
        }
        expect(sum).toBeCloseTo(1, 4);
      }),
      { numRuns: 60 },
    );
  });

  it('ranks top-k exactly as sorting the whole distribution does, with and without a prefix', () => {
    fc.assert(
      fc.property(corpus, fc.integer({ min: 1, max: 5 }), fc.array(fc.constantFrom('a', 'b', 'the', 'q'), { maxLength: 4 }), fc.constantFrom('', 'c', 't', 'th', 'z'), (sents, order, ctx, prefix) => {
        const model = train([sents.map((s) => s.join(' ')).join('\n')], { order, tokenizer: 'whitespace', lines: true });
        const context = order === 1 ? [] : [BOS, ...ctx.map((w) => model.vocab.id(w))].slice(-(order - 1));
        const dist = model.distribution(context);
        const expected = [...dist.keys()]
          .filter((w) => w !== BOS && w !== UNK && w !== EOS && model.vocab.token(w).startsWith(prefix))
          .sort((a, b) => dist[b] - dist[a] || a - b)
          .slice(0, 3);
        const got = model.topK(context, 3, { prefix });
        expect(got.map((g) => g.id)).toEqual(expected);
        for (const g of got) expect(g.prob).toBeCloseTo(dist[g.id], 5);
      }),
      { numRuns: 60 },
    );
  });

  it('scores a sequence exactly as token-by-token queries do', () => {
    fc.assert(
      fc.property(corpus, fc.integer({ min: 1, max: 6 }), fc.array(fc.constantFrom('a', 'b', 'c', 'zz'), { maxLength: 10 }), (sents, order, test) => {
        const model = train([sents.map((s) => s.join(' ')).join('\n')], { order, tokenizer: 'whitespace', lines: true });
        const seq = test.map((w) => model.vocab.id(w));
        const fast = model.scoreSequence(seq, { eos: true });
        const full = [BOS, ...seq, EOS];
        fast.forEach((s, i) => {
          const slow = model.score(order === 1 ? [] : full.slice(Math.max(0, i + 1 - (order - 1)), i + 1), full[i + 1]);
          expect(s.log2Prob).toBeCloseTo(slow.log2Prob, 9);
          expect(s.orderUsed).toBe(slow.orderUsed);
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe('long sequences', () => {
  it('score a sequence of hundreds of tokens (a code file is one sentence) exactly as token-by-token queries do, from any offset', () => {
    const words = fc.constantFrom('a', 'b', 'c', 'zz');
    fc.assert(
      fc.property(fc.array(fc.array(words, { minLength: 1, maxLength: 12 }), { minLength: 5, maxLength: 30 }), fc.integer({ min: 2, max: 5 }), fc.array(words, { minLength: 300, maxLength: 700 }), (sents, order, test) => {
        const model = train([sents.map((s) => s.join(' ')).join('\n')], { order, tokenizer: 'whitespace', lines: true });
        const seq = test.map((w) => model.vocab.id(w));
        const fast = model.scoreSequence(seq, { eos: true });
        const full = [BOS, ...seq, EOS];
        fast.forEach((s, i) => {
          const slow = model.score(full.slice(Math.max(0, i + 1 - (order - 1)), i + 1), full[i + 1]);
          expect(s.log2Prob).toBeCloseTo(slow.log2Prob, 9);
          expect(s.orderUsed).toBe(slow.orderUsed);
        });
        // The allocation-free path, reading the sequence from inside a longer array, gives the same.
        const out = new Float64Array(seq.length + 1);
        model.log2ProbSequence(Int32Array.from([UNK, UNK, ...seq, UNK]), out, { eos: true, from: 2, to: 2 + seq.length });
        expect([...out]).toEqual(fast.map((s) => s.log2Prob));
      }),
      { numRuns: 15 },
    );
  });
});

describe('degenerate corpora', () => {
  it('train without NaN on a single token, an empty document and at order 8', () => {
    for (const docs of [['x'], [''], ['a a a a a a a a a a']]) {
      const model = train(docs, { order: 8, tokenizer: 'whitespace', lines: true });
      const s = model.scoreSequence([model.vocab.id('a'), model.vocab.id('x')], { eos: true });
      for (const x of s) expect(Number.isFinite(x.log2Prob)).toBe(true);
    }
  });

  it('refuses an order outside 1..10 with a clear message', () => {
    expect(() => train(['a'], { order: 0 })).toThrow(/order must be an integer from 1 to 10/);
    expect(() => train(['a'], { order: 99 })).toThrow(/order must be an integer/);
  });
});

describe('training in steps a driver pauses between', () => {
  it('takes each order\'s discounts and each order\'s packing in a step of its own, and trains the same model', () => {
    const docs = ['the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n'];
    const options = { order: 4, tokenizer: 'whitespace', lines: true } as const;
    const vocab = new Vocab();
    const stream = runToEnd(tokenizeSteps(docs, vocab, options)).view();
    // The estimate's first steps are the orders' discounts (fraction 0), one each, before any context is estimated.
    const estimating = estimateKneserNeySteps(runToEnd(countNgrams(stream, vocab.size, options.order)));
    const first: number[] = [];
    for (let r = estimating.next(); !r.done && first.length < options.order + 1; r = estimating.next()) first.push(r.value);
    expect(first.slice(0, options.order)).toEqual(Array(options.order).fill(0));
    // Packing comes last, one order a step: as many steps at fraction 1 as orders.
    const steps: TrainProgress[] = [];
    const training = modelFromStream(stream, vocab, options, stream.length);
    let r = training.next();
    for (; !r.done; r = training.next()) steps.push(r.value);
    expect(steps.slice(-options.order).every((s) => s.stage === 'estimate' && s.fraction === 1)).toBe(true);
    const whole = train(docs, options);
    expect(r.value.ngramCounts).toEqual(whole.ngramCounts);
    expect(r.value.scoreSequence(ids(whole, 'the cat sat on the log'), { eos: true })).toEqual(whole.scoreSequence(ids(whole, 'the cat sat on the log'), { eos: true }));
  });
});
