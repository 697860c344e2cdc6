/** The live keystroke meter (state/typing-meter.svelte.ts), counted as the typing benchmark counts. */
import { describe, expect, it } from 'vitest';
import { TypingMeter } from '../../src/state/typing-meter.svelte.ts';

describe('TypingMeter', () => {
  it('counts typed characters and accepted ghosts, per model', () => {
    const m = new TypingMeter();
    expect(m.saved).toBe(0);
    for (let i = 0; i < 6; i++) m.keystroke();
    m.accepted('finetuned', 10); // one Tab entered 10 characters
    m.accepted('base', 3);
    m.accepted('base', 0); // nothing entered: not an acceptance
    expect(m.characters).toBe(19);
    expect(m.keystrokes).toBe(8);
    expect(m.saved).toBeCloseTo(1 - 8 / 19, 12);
    expect(m.savedBy('finetuned')).toBe(9);
    expect(m.savedBy('base')).toBe(2);
    m.reset();
    expect([m.characters, m.keystrokes, m.saved]).toEqual([0, 0, 0]);
  });
});
