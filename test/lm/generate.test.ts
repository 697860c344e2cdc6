import { describe, expect, it } from 'vitest';
import { drawFrom, generate } from '../../src/lm/generate.ts';
import { seededRandom } from '../../src/lm/random.ts';
import { train } from '../../src/lm/train.ts';
import { BOS } from '../../src/lm/types.ts';

const model = train(['one two three four\none two three five\none two six\n'], { order: 3, tokenizer: 'whitespace', lines: true });
const ctx = [BOS, model.vocab.id('one')];

describe('generation', () => {
  it('greedy follows the most likely token at each step', () => {
    const g = generate(model, ctx, { method: 'greedy', maxTokens: 5 });
    expect(g.tokens).toEqual(['two', 'three', 'four']);
    const lp = model.score(ctx, model.vocab.id('two')).log2Prob;
    expect(g.log2Prob).toBeLessThan(lp + 1e-9);
  });

  it('beam search of width 1 equals greedy, and a wider beam finds at least as likely a continuation', () => {
    const greedy = generate(model, ctx, { method: 'greedy', maxTokens: 4 });
    const b1 = generate(model, ctx, { method: 'beam', beamWidth: 1, maxTokens: 4 });
    const b4 = generate(model, ctx, { method: 'beam', beamWidth: 4, maxTokens: 4 });
    expect(b1.tokens).toEqual(greedy.tokens);
    expect(b4.log2Prob).toBeGreaterThanOrEqual(b1.log2Prob - 1e-9);
  });

  it('sampling is reproducible from its seed and stops at the token limit', () => {
    const a = generate(model, ctx, { method: 'sample', maxTokens: 6, seed: 42, temperature: 1.5 });
    const b = generate(model, ctx, { method: 'sample', maxTokens: 6, seed: 42, temperature: 1.5 });
    expect(a).toEqual(b);
    expect(a.ids.length).toBeLessThanOrEqual(6);
  });

  it('top-k 1 sampling is greedy', () => {
    const s = generate(model, ctx, { method: 'sample', maxTokens: 5, seed: 7, topK: 1 });
    expect(s.tokens).toEqual(generate(model, ctx, { method: 'greedy', maxTokens: 5 }).tokens);
  });

  it('top-k sampling draws only from the model\'s k best, in proportion to their probabilities', () => {
    // The first token drawn after "one" under 3000 seeds.
    const best = model.topK(ctx, 2, { includeEnd: true });
    const counts = new Map<string, number>();
    for (let seed = 1; seed <= 3000; seed++) {
      const t = generate(model, ctx, { method: 'sample', maxTokens: 1, seed, topK: 2 }).tokens[0] ?? '</s>'; // the end ends it with no token
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(best.map((b) => b.token).sort());
    const share = best[0].prob / (best[0].prob + best[1].prob);
    expect(counts.get(best[0].token)! / 3000).toBeCloseTo(share, 1);
  });

  it('stops after a token the caller marks as a stop', () => {
    const g = generate(model, ctx, { method: 'greedy', maxTokens: 9, stopAfter: (t) => t === 'three' });
    expect(g.tokens).toEqual(['two', 'three']);
  });
});

describe('drawFrom', () => {
  it('keeps only the nucleus under top-p and never draws a zero-probability index', () => {
    const p = Float64Array.from([0, 0.5, 0.3, 0.15, 0.05]);
    const random = seededRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(drawFrom(p, 1, 0, 0.75, random));
    expect([...seen].sort()).toEqual([1, 2]);
  });

  it('draws in proportion to the weights', () => {
    const p = Float64Array.from([0.25, 0.75]);
    const random = seededRandom(11);
    let ones = 0;
    for (let i = 0; i < 4000; i++) ones += drawFrom(p, 1, 0, 1, random);
    expect(ones / 4000).toBeGreaterThan(0.72);
    expect(ones / 4000).toBeLessThan(0.78);
  });
});
