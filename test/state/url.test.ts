import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeUrlState, pageUrlState, UrlSync } from '../../src/state/url.ts';

afterEach(() => vi.useRealTimers());

describe('UrlSync', () => {
  it('writes the latest state to the hash once the page has been quiet for 300 ms', async () => {
    vi.useFakeTimers();
    const written: string[] = [];
    const sync = new UrlSync((hash) => written.push(hash));
    sync.update(pageUrlState({ text: 'x = 1', language: 'python', model: 'finetuned', lambda: null, order: 5 }));
    await vi.advanceTimersByTimeAsync(200);
    sync.update(pageUrlState({ text: 'x = 12', language: 'python', model: 'base', lambda: 0.25, order: 3 }));
    await vi.advanceTimersByTimeAsync(299);
    expect(written).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toHaveLength(1);
    expect(decodeUrlState(written[0], ['python'])).toEqual({ state: { text: 'x = 12', language: 'python', model: 'base', strength: 0.25, order: 3 }, problems: [] });
  });

  it('leaves the fitted strength and the default order out of the link', () => {
    expect(pageUrlState({ text: '', language: 'python', model: 'finetuned', lambda: null, order: 5 })).toEqual({ text: '', language: 'python', model: 'finetuned', strength: undefined, order: undefined });
  });

  it('writes nothing after cancel', async () => {
    vi.useFakeTimers();
    const written: string[] = [];
    const sync = new UrlSync((hash) => written.push(hash));
    sync.update({ text: 'a' });
    sync.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([]);
  });
});
