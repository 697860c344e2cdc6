/** The mixture-weight policy (build/mix.ts): snapping the data fraction, resolving λ, and the weights it gives. */
import { describe, expect, it } from 'vitest';
import { checkMix, mixWeights, scaleToLambda, snapFraction, type MixLayout, FALLBACK_CACHE_WEIGHT, CACHE_HALF_TOKENS, cacheScale } from '../../src/build/mix.ts';

const FRACTIONS = [0.125, 0.25, 0.5, 1];
// Two groups (python, javascript) at four fractions: components [base, py×4, js×4, cache].
const layout: MixLayout = { groups: ['python', 'javascript'], fractions: FRACTIONS, component: (g, j) => 1 + 4 * g + j, size: 10 };
// Python's fitted weights at fraction j: base 0.4 − j/10, python 0.5 + j/10, javascript 0.1.
const fits = [
  { language: 'python' as const, fractions: FRACTIONS.map((fraction, j) => ({ fraction, weights: [0.4 - j / 10, 0.5 + j / 10, 0.1] })) },
  { language: 'javascript' as const, fractions: FRACTIONS.map((fraction) => ({ fraction, weights: [0.2, 0.1, 0.7] })) },
];
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
  it('uses the fitted weights of the language and snapped fraction when λ is not set, with the cache weight shared by both answers', () => {
    const w = mixWeights(layout, fits, { language: 'python', lambda: null, dataFraction: 0.3, cacheWeight: 0.1 });
    // 0.3 snaps to 25% (j = 1): python [0.3, 0.6, 0.1].
    expect(w.finetuned.map((x) => +x.toFixed(12))).toEqual([0.27, 0, 0.54, 0, 0, 0, 0.09, 0, 0, 0.1]);
    expect(w.base).toEqual([0.9, 0, 0, 0, 0, 0, 0, 0, 0, 0.1]);
    expect(sum(w.finetuned)).toBeCloseTo(1, 12);
    expect(w.state).toMatchObject({ language: 'python', dataFraction: 0.25, cacheWeight: 0.1 });
    expect(w.state.lambda).toBeCloseTo(0.7, 12);
    expect(w.state.fittedLambda).toBeCloseTo(0.7, 12);
    expect(w.state.weights!.map((c) => c.name)).toEqual(['base', 'python', 'javascript']);
  });

  it("switches to another language's fitted weights at once; no language means Python", () => {
    const js = mixWeights(layout, fits, { language: 'javascript', lambda: null, dataFraction: 1, cacheWeight: 0 });
    expect(js.finetuned.map((x) => +x.toFixed(12))).toEqual([0.2, 0, 0, 0, 0.1, 0, 0, 0, 0.7, 0]);
    expect(mixWeights(layout, fits, { lambda: null, dataFraction: 1, cacheWeight: 0 }).state.language).toBe('python');
  });

  it('scales the fitted code weights to sum to a set λ, keeping their proportions; fraction 0 is the base alone', () => {
    const w = mixWeights(layout, fits, { language: 'javascript', lambda: 0.4, dataFraction: 1, cacheWeight: 0 });
    // Fitted code weights 0.1 : 0.7, scaled to sum to 0.4: 0.05 and 0.35.
    expect(w.finetuned.map((x) => +x.toFixed(12))).toEqual([0.6, 0, 0, 0, 0.05, 0, 0, 0, 0.35, 0]);
    expect(w.state.fittedWeights!.map((c) => c.weight)).toEqual([0.2, 0.1, 0.7]);
    const none = mixWeights(layout, fits, { language: 'python', lambda: 0.9, dataFraction: 0, cacheWeight: 0 });
    expect(none.finetuned).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(none.state).toMatchObject({ lambda: 0, fittedLambda: 0, dataFraction: 0 });
  });

  it("gives λ to the language's own group when EM gave code nothing", () => {
    expect(scaleToLambda([1, 0, 0], 0.5, ['python', 'javascript'], 'javascript')).toEqual([0.5, 0, 0.5]);
    expect(scaleToLambda([1, 0, 0], 0.5, ['python', 'javascript'], 'typescript')).toEqual([0.5, 0.25, 0.25]);
  });

  it.each([
    [{ lambda: 1.5, dataFraction: 1, cacheWeight: 0 }, /strength must be from 0 to 1, got 1.5/],
    [{ lambda: null, dataFraction: -0.1, cacheWeight: 0 }, /data fraction must be from 0 to 1/],
    [{ lambda: null, dataFraction: 1, cacheWeight: 0.96 }, /cache weight must be from 0 to 0.95/],
    [{ lambda: NaN, dataFraction: 1, cacheWeight: 0 }, /strength/],
    [{ language: 'cobol', lambda: null, dataFraction: 1, cacheWeight: 0 }, /language must be one of python, javascript, typescript/],
  ])('refuses %o', (mix, message) => {
    expect(() => checkMix(mix as never)).toThrow(message);
    expect(() => mixWeights(layout, fits, mix as never)).toThrow(message);
  });
});

describe('the document cache weight μ', () => {
  it('is the fitted one of the language when not set, the fallback without one, and a set one overrides both', () => {
    const withFit = [{ ...fits[0], cacheWeight: 0.23 }, fits[1]];
    const py = mixWeights(layout, withFit, { language: 'python', lambda: null, dataFraction: 1, cacheWeight: null });
    expect(py.state).toMatchObject({ cacheWeight: 0.23, fittedCacheWeight: 0.23 });
    expect(py.base[0]).toBeCloseTo(0.77, 12);
    expect(py.base[9]).toBe(0.23);
    expect(py.finetuned[9]).toBe(0.23);
    expect(sum(py.finetuned)).toBeCloseTo(1, 12);
    const js = mixWeights(layout, withFit, { language: 'javascript', lambda: null, dataFraction: 1, cacheWeight: null });
    expect(js.state).toMatchObject({ cacheWeight: FALLBACK_CACHE_WEIGHT, fittedCacheWeight: FALLBACK_CACHE_WEIGHT });
    const set = mixWeights(layout, withFit, { language: 'python', lambda: null, dataFraction: 1, cacheWeight: 0.05 });
    expect(set.state).toMatchObject({ cacheWeight: 0.05, fittedCacheWeight: 0.23 });
    expect(mixWeights(layout, withFit, { language: 'python', lambda: null, dataFraction: 1, cacheWeight: 0 }).finetuned[9]).toBe(0);
  });
});

describe('the cache weight follows the text the cache holds', () => {
  it('is μ · n / (n + CACHE_HALF_TOKENS) for n tokens', () => {
    const withFit = [{ ...fits[0], cacheWeight: 0.4 }, fits[1]];
    const small = mixWeights(layout, withFit, { language: 'python', lambda: null, dataFraction: 1, cacheWeight: null }, 12);
    expect(small.state.cacheWeight).toBe(0.4);
    expect(small.state.cacheWeightInForce).toBeCloseTo((0.4 * 12) / (12 + CACHE_HALF_TOKENS), 12);
    expect(small.finetuned[9]).toBeCloseTo(small.state.cacheWeightInForce!, 12);
    expect(sum(small.finetuned)).toBeCloseTo(1, 12);
    const empty = mixWeights(layout, withFit, { language: 'python', lambda: null, dataFraction: 1, cacheWeight: null }, 0);
    expect(empty.finetuned[9]).toBe(0);
    const big = mixWeights(layout, withFit, { language: 'python', lambda: null, dataFraction: 1, cacheWeight: null }, 1e9);
    expect(big.state.cacheWeightInForce).toBeCloseTo(0.4, 6);
    expect(cacheScale(CACHE_HALF_TOKENS)).toBe(0.5);
  });
});
