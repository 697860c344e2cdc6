import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeUrlState, encodeUrlState, HIDEABLE } from '../../src/state/url.ts';
import { TOUR_STEP_IDS } from '../../src/state/tour.svelte.ts';

const langs = ['python', 'javascript', 'typescript', 'plaintext'];

describe('URL state', () => {
  it('round-trips any text, language, model and strength', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.constantFrom(...langs), fc.constantFrom('base' as const, 'finetuned' as const), fc.double({ min: 0, max: 1, noNaN: true }), (text, language, model, strength) => {
        const { state, problems } = decodeUrlState('#' + encodeUrlState({ text, language, model, strength }), langs);
        expect(problems).toEqual([]);
        expect(state.text ?? '').toBe(text);
        expect(state).toMatchObject({ language, model });
        expect(state.strength).toBeCloseTo(strength, 3);
      }),
      { numRuns: 100 },
    );
  });

  it('clamps or refuses absurd values with a message', () => {
    const { state, problems } = decodeUrlState('#lang=cobol&model=gpt&s=7&t=!!!', langs);
    expect(state).toEqual({ strength: 1 });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/unknown language "cobol"/);
    expect(problems.join('\n')).toMatch(/clamped to 1/);
    expect(decodeUrlState('#s=abc', langs).problems[0]).toMatch(/not a number/);
    expect(decodeUrlState('#order=0', langs)).toEqual({ state: { order: 1 }, problems: ['n-gram order 0 is outside 1..8; clamped to 1'] });
    expect(decodeUrlState('#order=99', langs).state.order).toBe(8);
    expect(decodeUrlState('#order=2.5', langs)).toEqual({ state: {}, problems: ['n-gram order "2.5" is not a whole number; using the default'] });
    expect(decodeUrlState('#order=3', langs)).toEqual({ state: { order: 3 }, problems: [] });
  });

  it('carries a classroom scenario: the tour step and the controls to hide', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOUR_STEP_IDS), fc.subarray([...HIDEABLE], { minLength: 1 }), (step, hide) => {
        const { state, problems } = decodeUrlState('#' + encodeUrlState({ step, hide }), langs, TOUR_STEP_IDS);
        expect(problems).toEqual([]);
        expect(state).toEqual({ step, hide });
      }),
    );
  });

  it('refuses an unknown step or control with a message, keeping the known ones', () => {
    const { state, problems } = decodeUrlState('#step=nowhere&hide=order,secrets,,order,switch', langs, TOUR_STEP_IDS);
    expect(state).toEqual({ hide: ['order', 'switch'] });
    expect(problems).toEqual([
      'unknown tour step "nowhere" in the link; the tour opens as usual',
      '"secrets" in the link\'s hide list is not a control the page can hide',
    ]);
  });
});
