/** Throttled: the latest value a few times a second, the first and urgent ones at once, none after a cancel. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throttled } from '../../src/state/throttle.ts';

describe('Throttled', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies the first value at once, then the latest at most once per interval, the last one always', () => {
    const seen: number[] = [];
    const t = new Throttled<number>(250, (v) => seen.push(v), () => false, () => Date.now());
    t.push(1);
    expect(seen).toEqual([1]);
    // Within the interval: held, and only the latest is drawn when it ends.
    vi.advanceTimersByTime(50);
    t.push(2);
    vi.advanceTimersByTime(50);
    t.push(3);
    expect(seen).toEqual([1]);
    vi.advanceTimersByTime(150);
    expect(seen).toEqual([1, 3]);
    // A value after a quiet interval is drawn at once.
    vi.advanceTimersByTime(300);
    t.push(4);
    expect(seen).toEqual([1, 3, 4]);
  });

  it('applies an urgent value at once, dropping the one held, and applies nothing held after a cancel', () => {
    const seen: string[] = [];
    const t = new Throttled<string>(250, (v) => seen.push(v), (v) => v.startsWith('!'), () => Date.now());
    t.push('a');
    t.push('b');
    t.push('!stage');
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual(['a', '!stage']);
    vi.advanceTimersByTime(300);
    t.push('c');
    t.push('d');
    t.cancel();
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual(['a', '!stage', 'c']);
  });
});
