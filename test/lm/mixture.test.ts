import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DocumentCache } from '../../src/lm/cache-model.ts';
import { fitLambda, fitScaledWeight, fitWeights, mixtureLog2, mixtureLog2Of, scaledMixtureLog2 } from '../../src/lm/em.ts';
import { deserializeModel, fromParts, serializeModel, toParts } from '../../src/lm/format.ts';
import { MixtureModel } from '../../src/lm/mixture.ts';
import { train } from '../../src/lm/train.ts';
import { Vocab } from '../../src/lm/vocab.ts';
import { BOS, EOS, type TokenId } from '../../src/lm/types.ts';

const opts = { order: 3, tokenizer: 'whitespace' as const, lines: true };
const english = train(['the cat sat on the mat\nthe dog sat on the log\na cat and a dog\nthe end of the day\n'], opts);
const code = train(['def f ( x ) :\nreturn x + 1\ndef g ( y ) :\nreturn f ( y )\nthe x is y\n'], opts);

function sum(p: Float64Array): number {
  return p.reduce((a, b) => a + b, 0);
}

function contexts(m: MixtureModel): TokenId[][] {
  const id = (w: string) => m.vocab.id(w);
  return [[BOS], [BOS, id('the')], [id('the'), id('cat')], [id('def'), id('f')], [id('return'), id('x')], [id('unseen-token')], [id('(')]];
}

describe('MixtureModel', () => {
  const mix = new MixtureModel([english, code], [0.6, 0.4]);

  it('has the union vocabulary of its components', () => {
    for (const w of [...english.vocab.words, ...code.vocab.words]) expect(mix.vocab.has(w)).toBe(true);
    expect(mix.vocab.size).toBe(new Set([...english.vocab.words, ...code.vocab.words]).size);
  });

  it('is a distribution over the union (sums to 1), for any weights and context', () => {
    for (const w of [[1, 0], [0, 1], [0.6, 0.4], [0.1, 0.9]]) {
      const m = mix.view(w);
      for (const ctx of contexts(m)) expect(sum(m.distribution(ctx))).toBeCloseTo(1, 5);
    }
  });

  it('scores a token as λ·P_code + (1 − λ)·P_base, with <unk> mass split over the tokens a model lacks', () => {
    const ctx = [BOS, mix.vocab.id('the')];
    const cat = mix.vocab.id('cat');
    const pe = 2 ** english.score([BOS, english.vocab.id('the')], english.vocab.id('cat')).log2Prob;
    const pcUnk = 2 ** code.score([BOS, code.vocab.id('the')], 0).log2Prob;
    const unknownToCode = mix.vocab.size - code.vocab.size;
    const expected = 0.6 * pe + 0.4 * (pcUnk / (1 + unknownToCode));
    expect(2 ** mix.score(ctx, cat).log2Prob).toBeCloseTo(expected, 10);
    // score, scoreSequence and distribution agree.
    expect(2 ** mix.score(ctx, cat).log2Prob).toBeCloseTo(mix.distribution(ctx)[cat], 10);
    const seq = mix.scoreSequence([mix.vocab.id('the'), cat], { eos: true });
    expect(seq[1].log2Prob).toBeCloseTo(mix.score(ctx, cat).log2Prob, 10);
    expect(seq[2].log2Prob).toBeCloseTo(mix.score([mix.vocab.id('the'), cat], EOS).log2Prob, 10);
  });

  it('topK is exactly the head of the sorted distribution, with and without a prefix', () => {
    for (const w of [[0.6, 0.4], [0.02, 0.98], [1, 0]]) {
      const m = mix.view(w);
      for (const ctx of contexts(m)) {
        for (const k of [1, 3, 10, 40]) {
          for (const prefix of [undefined, 't', 'x', 'zz']) {
            const fast = m.topK(ctx, k, { prefix, includeEnd: true });
            const brute = m.topKByDistribution(ctx, k, { prefix, includeEnd: true });
            expect(fast.map((p) => p.prob)).toEqual(brute.map((p) => expect.closeTo(p.prob, 12)));
            expect(fast.map((p) => p.id)).toEqual(brute.map((p) => p.id));
          }
        }
      }
    }
  });

  it('with a document cache stays a distribution and makes the document\'s new tokens likely', () => {
    const base = new MixtureModel([english, code], [0.5, 0.5]);
    const cache = new DocumentCache(base.vocab, 3);
    const all = new MixtureModel([english, code, cache], [0.35, 0.35, 0.3], base.vocab);
    const before = all.vocab.size;
    cache.update('let total = 0 ; total = total + 1 ; total'.split(' '));
    expect(all.vocab.size).toBeGreaterThan(before);
    const total = all.vocab.id('total');
    for (const ctx of [[BOS], [all.vocab.id('=')], [all.vocab.id(';'), total]]) {
      expect(sum(all.distribution(ctx))).toBeCloseTo(1, 5);
      expect(sum(cache.distribution(ctx))).toBeCloseTo(1, 10);
      const fast = all.topK(ctx, 5);
      expect(fast.map((p) => p.id)).toEqual(all.topKByDistribution(ctx, 5).map((p) => p.id));
    }
    expect(all.topK([all.vocab.id(';')], 1)[0].token).toBe('total');
    // Switching the cache off gives the document's new token only the <unk> shares.
    const off = all.view([0.5, 0.5, 0]);
    expect(off.score([all.vocab.id(';')], total).log2Prob).toBeLessThan(all.score([all.vocab.id(';')], total).log2Prob - 5);
  });
});

describe('MixtureModel over components with the same tokens in vocabularies of their own', () => {
  // What the site's complete set is made of: a group's data-fraction models carry its full model's tokens, each
  // job's in a Vocab of its own; the mixture makes their maps once and shares them.
  const twin = deserializeModel(serializeModel(code));
  const smaller = train(['def f ( x ) :\nreturn x + 1\n'], opts);
  // The reference has no twins: `code` once, with both weights. The twin is the same model, so the two mixtures are
  // the same distribution, the reference's maps made one per component.
  const a = new MixtureModel([english, code, twin, smaller], [0.4, 0.3, 0.2, 0.1]);
  const b = new MixtureModel([english, code, smaller], [0.4, 0.5, 0.1]);

  it('has the union, the ids and the answers of a mixture with the model once', () => {
    expect(twin.vocab).not.toBe(code.vocab);
    expect(twin.vocab.words).toEqual(code.vocab.words);
    expect(a.vocab.words).toEqual(b.vocab.words);
    expect([...a.unionIds(2)]).toEqual([...b.unionIds(1)]);
    expect([...a.unionIds(3)]).toEqual([...b.unionIds(2)]);
    for (const ctx of contexts(a)) {
      const pa = a.distribution(ctx);
      const pb = b.distribution(ctx);
      for (let t = 0; t < pa.length; t++) expect(pa[t]).toBeCloseTo(pb[t], 12);
      expect(sum(pa)).toBeCloseTo(1, 5);
    }
  });

  it('keeps apart a vocabulary of the same size with other tokens', () => {
    const renamed = fromParts(toParts(code).parts, new Vocab(code.vocab.words.map((w, i) => (i < 3 ? w : `${w}_`))));
    const m = new MixtureModel([code, renamed], [0.5, 0.5]);
    expect(m.vocab.size).toBe(2 * code.vocab.size - 3);
    for (let id = 3; id < code.vocab.size; id++) expect(m.vocab.token(m.unionIds(1)[id])).toBe(`${code.vocab.words[id]}_`);
  });

  it('extends every twin\'s maps when a document cache adds tokens to the union', () => {
    const union = new Vocab();
    const cache = new DocumentCache(union, 3);
    const a = new MixtureModel([english, code, twin, cache], [0.3, 0.3, 0.2, 0.2], union);
    const unionB = new Vocab();
    const cacheB = new DocumentCache(unionB, 3);
    const b = new MixtureModel([english, code, cacheB], [0.3, 0.5, 0.2], unionB);
    const tokens = 'let total = 0 ; total = x + total ; total'.split(' ');
    cache.update(tokens);
    cacheB.update(tokens);
    const total = a.vocab.id('total');
    expect(total).toBeGreaterThan(0);
    expect(a.unionIds(1).length).toBe(code.vocab.size);
    expect(a.unionIds(2).length).toBe(code.vocab.size);
    for (const words of [['return', 'x'], [';', 'total'], ['='], ['the', 'cat']]) {
      const ctxA = words.map((w) => a.vocab.id(w));
      const ctxB = words.map((w) => b.vocab.id(w));
      expect(sum(a.distribution(ctxA))).toBeCloseTo(1, 5);
      // The twin knows `x` but not `total`: each gets its share of its <unk> mass, as the reference's code does.
      for (const w of ['total', 'x', 'cat', 'let']) expect(a.score(ctxA, a.vocab.id(w)).log2Prob).toBeCloseTo(b.score(ctxB, b.vocab.id(w)).log2Prob, 10);
    }
  });
});

describe('fitLambda (EM)', () => {
  it('finds the λ that beats every other λ on a grid of held-out likelihoods', () => {
    const mix = new MixtureModel([english, code], [1, 0]);
    const heldOut = 'def h ( x ) : return the x'.split(' ').map((w) => mix.vocab.id(w));
    const pBase = mix.componentProbabilities(0, heldOut, { eos: true });
    const pCode = mix.componentProbabilities(1, heldOut, { eos: true });
    const fit = fitLambda(pCode, pBase);
    expect(fit.lambda).toBeGreaterThan(0);
    expect(fit.lambda).toBeLessThan(1);
    for (let i = 0; i <= 100; i++) {
      const l = i / 100;
      expect(fit.meanLog2).toBeGreaterThanOrEqual(mixtureLog2(pCode, pBase, l) - 1e-9);
    }
  });

  it('converges to the known optimum of a two-token example', () => {
    // Token 1: p_c = 1, p_b = 0; token 2: p_c = 0, p_b = 1. Likelihood λ(1 − λ): maximal at λ = 1/2.
    const fit = fitLambda(Float64Array.from([1, 0]), Float64Array.from([0, 1]), { initial: 0.9 });
    expect(fit.lambda).toBeCloseTo(0.5, 9);
  });
});

describe('fitWeights (EM over K components)', () => {
  // Six hand-made tokens under three components: each component is best on two of them.
  const probs = [Float64Array.from([0.8, 0.6, 0.1, 0.05, 0.2, 0.1]), Float64Array.from([0.1, 0.2, 0.7, 0.9, 0.1, 0.2]), Float64Array.from([0.05, 0.1, 0.1, 0.05, 0.6, 0.5])];

  it('beats every weight vector on a grid of the simplex', () => {
    const fit = fitWeights(probs);
    expect(fit.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const steps = 40;
    for (let i = 0; i <= steps; i++) {
      for (let j = 0; i + j <= steps; j++) {
        const w = [i / steps, j / steps, (steps - i - j) / steps];
        expect(fit.meanLog2).toBeGreaterThanOrEqual(mixtureLog2Of(probs, w) - 1e-9);
      }
    }
  });

  it('is a fixed point of the EM step, and agrees with fitLambda for two components', () => {
    const fit = fitWeights(probs);
    // One more EM step from the fitted weights moves nothing.
    const step = fit.weights.map((w, k) => probs[0].reduce((s, _, t) => s + (w * probs[k][t]) / probs.reduce((m, p, j) => m + fit.weights[j] * p[t], 0), 0) / probs[0].length);
    step.forEach((w, k) => expect(w).toBeCloseTo(fit.weights[k], 9));
    const two = fitWeights([probs[0], probs[1]], { initial: [0.3, 0.7] });
    expect(two.weights[0]).toBeCloseTo(fitLambda(probs[0], probs[1]).lambda, 9);
    expect(two.meanLog2).toBeCloseTo(mixtureLog2(probs[0], probs[1], two.weights[0]), 12);
  });

  it('gives no weight to a component that never helps, and keeps a component started at 0 at 0', () => {
    // Component 2 is dominated everywhere by component 0: its ML weight is 0.
    const dominated = [Float64Array.from([0.5, 0.1]), Float64Array.from([0.1, 0.5]), Float64Array.from([0.25, 0.05])];
    expect(fitWeights(dominated).weights[2]).toBeLessThan(1e-3);
    expect(fitWeights(probs, { initial: [0.5, 0.5, 0] }).weights[2]).toBe(0);
  });

  it('leaves out of the M-step a token only a component held at 0 can produce: the weights still sum to 1', () => {
    const onlyThird = [Float64Array.from([0.5, 0.1, 0]), Float64Array.from([0.1, 0.5, 0]), Float64Array.from([0.2, 0.2, 0.9])];
    const fit = fitWeights(onlyThird, { initial: [0.5, 0.5, 0] });
    expect(fit.weights[2]).toBe(0);
    expect(fit.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // The same weights as EM on the two tokens the other components can produce.
    const two = fitWeights([onlyThird[0].subarray(0, 2), onlyThird[1].subarray(0, 2)]);
    expect(fit.weights[0]).toBeCloseTo(two.weights[0], 9);
  });
});

describe('DocumentCache.leftToRight', () => {
  it('scores each token by the document before it (Witten-Bell, worked by hand)', () => {
    // <s> a b a b </s>: a and b are new (0); then a after "b" backs off to the unigrams (1 of 2);
    // b after "a" has c(a b) = 1 of c(a) = 1 with one type: (1 + 1·1/3) / 2; </s> is new (0).
    const p = new DocumentCache(new Vocab()).leftToRight(['a', 'b', 'a', 'b']);
    expect([...p]).toEqual([0, 0, 0.5, expect.closeTo(2 / 3, 12), 0]);
  });

  it('gives what update() then score() give, position by position', () => {
    const tokens = 'x = f ( x ) + f ( y ) + f ( x )'.split(' ');
    const p = new DocumentCache(new Vocab()).leftToRight(tokens);
    for (let i = 1; i < tokens.length; i++) {
      const cache = new DocumentCache(new Vocab());
      cache.update(tokens.slice(0, i));
      const ids = [BOS, ...tokens.slice(0, i).map((t) => cache.vocab.id(t))];
      expect(2 ** cache.score(ids.slice(-2), cache.vocab.id(tokens[i])).log2Prob).toBeCloseTo(p[i], 12);
    }
  });
});

/**
 * The cache's probability of each token of <s> tokens </s> by the textbook: the n-grams of the document before it
 * counted from scratch, interpolated Witten-Bell down to the unigrams (cache-model.ts), with plain string keys.
 */
function wittenBellByHand(tokens: readonly string[], order: number): number[] {
  const seq = ['<s>', ...tokens, '</s>'];
  const out: number[] = [];
  for (let i = 1; i < seq.length; i++) {
    const next = new Map<string, Map<string, number>>(); // context → next token → count
    for (let j = 1; j < i; j++) {
      for (let L = 0; L < order && L <= j - 1; L++) {
        const h = seq.slice(j - L, j).join(' ');
        const m = next.get(h) ?? new Map<string, number>();
        m.set(seq[j], (m.get(seq[j]) ?? 0) + 1);
        next.set(h, m);
      }
    }
    let p = 0;
    for (let L = 0; L < order && L <= i - 1; L++) {
      const m = next.get(seq.slice(i - L, i).join(' '));
      if (!m) break;
      const total = [...m.values()].reduce((a, b) => a + b, 0);
      const c = m.get(seq[i]) ?? 0;
      p = L === 0 ? c / total : (c + m.size * p) / (total + m.size);
    }
    out.push(p);
  }
  return out;
}

describe('DocumentCache.leftToRight against the textbook', () => {
  it('agrees with Witten-Bell counted from scratch at every position, for orders 1 to 4 (number and string context keys)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', '(', ')'), { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (tokens, order) => {
        const p = new DocumentCache(new Vocab(), order).leftToRight(tokens);
        const want = wittenBellByHand(tokens, order);
        expect(p.length).toBe(want.length);
        want.forEach((q, i) => expect(p[i]).toBeCloseTo(q, 12));
      }),
      { numRuns: 200 },
    );
  });
});

describe('fitScaledWeight', () => {
  it('finds the maximum-likelihood weight when each token scales it, and is fitLambda when every scale is 1', () => {
    const pCache = Float64Array.from([0, 0.5, 0.9, 0.8, 0, 0.7]);
    const pModel = Float64Array.from([0.2, 0.1, 0.05, 0.2, 0.3, 0.1]);
    const scale = Float64Array.from([0, 0.2, 0.4, 0.5, 0.6, 0.7]);
    const fit = fitScaledWeight(pCache, pModel, scale);
    for (let i = 0; i <= 95; i++) expect(fit.meanLog2).toBeGreaterThanOrEqual(scaledMixtureLog2(pCache, pModel, scale, i / 100) - 1e-9);
    const ones = new Float64Array(6).fill(1);
    expect(fitScaledWeight(pCache, pModel, ones, 1).weight).toBeCloseTo(fitLambda(pCache, pModel).lambda, 6);
  });

  it('stops at an end when the likelihood only falls or only rises, and agrees with a fine search inside', () => {
    const scale = Float64Array.from([0.5, 0.5, 0.5]);
    // The cache is worse on every token: no weight. Better on every token: as much as allowed.
    expect(fitScaledWeight(Float64Array.from([0.01, 0.02, 0]), Float64Array.from([0.2, 0.3, 0.1]), scale).weight).toBeLessThan(1e-9);
    expect(fitScaledWeight(Float64Array.from([0.9, 0.8, 0.7]), Float64Array.from([0.1, 0.05, 0]), scale, 0.9).weight).toBe(0.9);
    // Inside: the weight where a search over a fine grid peaks, to the grid's step.
    const pCache = Float64Array.from({ length: 200 }, (_, t) => (t % 3 === 0 ? 0.6 : 0.01 * (t % 7)));
    const pModel = Float64Array.from({ length: 200 }, (_, t) => 0.05 + 0.1 * ((t * 13) % 5));
    const s = Float64Array.from({ length: 200 }, (_, t) => (t % 10) / 10);
    const grid = Array.from({ length: 9501 }, (_, i) => i / 10_000);
    const best = grid.reduce((b, mu) => (scaledMixtureLog2(pCache, pModel, s, mu) > scaledMixtureLog2(pCache, pModel, s, b) ? mu : b), 0);
    expect(best).toBeGreaterThan(0);
    expect(Math.abs(fitScaledWeight(pCache, pModel, s).weight - best)).toBeLessThanOrEqual(1e-4);
  });
});
