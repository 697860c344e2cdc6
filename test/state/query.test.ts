import { afterEach, describe, expect, it, vi } from 'vitest';
import { CodegramError } from '../../src/lm/errors.ts';
import { DebouncedQuery } from '../../src/state/query.svelte.ts';

/** A query whose runs the test answers by hand, in any order. */
function scripted() {
  const runs: { args: string; resolve: (r: string | null) => void; reject: (e: unknown) => void }[] = [];
  const applied: string[] = [];
  const failed: string[] = [];
  const query = new DebouncedQuery<string, string>({
    delayMs: 50,
    run: (args) => new Promise((resolve, reject) => runs.push({ args, resolve, reject })),
    apply: (r, args) => applied.push(`${args}→${r}`),
    fail: (e) => failed.push(e.message),
  });
  return { query, runs, applied, failed };
}

afterEach(() => vi.useRealTimers());

describe('DebouncedQuery', () => {
  it('runs once, with the latest arguments, after a quiet delay', async () => {
    vi.useFakeTimers();
    const { query, runs } = scripted();
    query.ask('a');
    await vi.advanceTimersByTimeAsync(30);
    query.ask('ab');
    await vi.advanceTimersByTimeAsync(49);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.args)).toEqual(['ab']);
  });

  it('drops a query asked but not run when cancelled', async () => {
    vi.useFakeTimers();
    const { query, runs } = scripted();
    query.ask('a');
    query.cancel();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([]);
  });

  it('applies only the latest answer: an older one arriving later is dropped', async () => {
    const { query, runs, applied } = scripted();
    const first = query.now('a');
    const second = query.now('b');
    expect(query.running).toBe(2);
    runs[1].resolve('B');
    runs[0].resolve('A');
    await Promise.all([first, second]);
    expect(applied).toEqual(['b→B']);
    expect(query.running).toBe(0);
  });

  it('applies nothing for a null answer (no models, or superseded in the lane)', async () => {
    const { query, runs, applied } = scripted();
    const p = query.now('a');
    runs[0].resolve(null);
    await p;
    expect(applied).toEqual([]);
  });

  it('reports failures of the latest query, but not stopped work or failures of older queries', async () => {
    const { query, runs, failed } = scripted();
    let p = query.now('a');
    runs[0].reject(new CodegramError('cancelled', 'the models changed'));
    await p;
    p = query.now('b');
    runs[1].reject(new CodegramError('superseded', 'a newer request'));
    await p;
    const older = query.now('c');
    const newer = query.now('d');
    runs[2].reject(new CodegramError('internal', 'stale failure'));
    runs[3].reject(new CodegramError('bad-input', 'the text is too long'));
    await Promise.all([older, newer]);
    expect(failed).toEqual(['the text is too long']);
  });
});
