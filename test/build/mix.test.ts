/** The mixture-weight policy (build/mix.ts): snapping the data fraction, resolving λ, and the weights it gives. */
import { describe, expect, it } from 'vitest';
import { checkMix, mixWeights, snapFraction } from '../../src/build/mix.ts';

const FRACTIONS = [0.125, 0.25, 0.5, 1];
const built = FRACTIONS.map((fraction, i) => ({ fraction, fittedLambda: 0.6 + i / 10 }));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('snapFraction', () => {
  it.each([
    [0, -1],
    [0.06, -1], // nearer 0 than 12.5%: no code at all
    [0.07, 0],
    [0.125, 0],
    [0.1875, 0], // a tie goes to the smaller fraction
    [0.2, 1],
    [0.74, 2],
    [0.76, 3],
    [1, 3],
  ])('snaps %f to fraction index %i', (wanted, index) => {
    expect(snapFraction(FRACTIONS, wanted)).toBe(index);
  });

  it('has nothing to snap to without fractions', () => {
    expect(snapFraction([], 1)).toBe(-1);
  });
});

describe('mixWeights', () => {
  it('uses the fitted λ of the snapped fraction when λ is not set, with the cache weight shared by both answers', () => {
    const w = mixWeights(built, { lambda: null, dataFraction: 0.3, cacheWeight: 0.1 });
    expect(w.state).toEqual({ lambda: 0.7, fittedLambda: 0.7, dataFraction: 0.25, cacheWeight: 0.1 });
    expect(w.base).toEqual([0.9, 0, 0, 0, 0, 0.1]);
    // (1 − μ)(1 − λ) base, (1 − μ)λ on the 25% code model only, μ cache.
    expect(w.finetuned[0]).toBeCloseTo(0.9 * 0.3, 12);
    expect(w.finetuned[2]).toBeCloseTo(0.9 * 0.7, 12);
    expect([w.finetuned[1], w.finetuned[3], w.finetuned[4]]).toEqual([0, 0, 0]);
    expect(w.finetuned[5]).toBe(0.1);
    expect(sum(w.base)).toBeCloseTo(1, 12);
    expect(sum(w.finetuned)).toBeCloseTo(1, 12);
  });

  it('a set strength overrides the fitted one; 0% of the code makes the fine-tuned model the base', () => {
    expect(mixWeights(built, { lambda: 0.25, dataFraction: 1, cacheWeight: 0 }).finetuned).toEqual([0.75, 0, 0, 0, 0.25, 0]);
    const none = mixWeights(built, { lambda: 0.9, dataFraction: 0, cacheWeight: 0 });
    expect(none.state).toMatchObject({ lambda: 0, fittedLambda: 0, dataFraction: 0 });
    expect(none.finetuned).toEqual(none.base);
  });

  it.each([
    [{ lambda: 1.5, dataFraction: 1, cacheWeight: 0 }, /strength must be from 0 to 1, got 1.5/],
    [{ lambda: null, dataFraction: -0.1, cacheWeight: 0 }, /data fraction must be from 0 to 1/],
    [{ lambda: null, dataFraction: 1, cacheWeight: 0.96 }, /cache weight must be from 0 to 0.95/],
    [{ lambda: NaN, dataFraction: 1, cacheWeight: 0 }, /strength/],
  ])('refuses knobs out of range: %j', (mix, message) => {
    expect(() => checkMix(mix)).toThrow(message);
    expect(() => mixWeights(built, mix)).toThrow(expect.objectContaining({ code: 'bad-input' }));
  });
});
