import { afterEach, describe, expect, it, vi } from 'vitest';
import { CodegramError } from '../../src/lm/errors.ts';
import { Scheduler, backgroundTask } from '../../src/build/scheduler.ts';

afterEach(() => vi.unstubAllGlobals());

describe('the slice scheduler', () => {
  it('yields in background-priority tasks where the browser has them, and in timers elsewhere', async () => {
    const postTask = vi.fn((callback: () => void) => Promise.resolve().then(callback));
    vi.stubGlobal('scheduler', { postTask });
    await backgroundTask();
    expect(postTask).toHaveBeenCalledWith(expect.any(Function), { priority: 'background' });
    vi.unstubAllGlobals();
    vi.useFakeTimers();
    try {
      let done = false;
      void backgroundTask().then(() => (done = true));
      await Promise.resolve();
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(0);
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('yields once a slice is used up, and then stops work that went stale', async () => {
    const postTask = vi.fn((callback: () => void) => Promise.resolve().then(callback));
    vi.stubGlobal('scheduler', { postTask });
    let stale: CodegramError | null = null;
    const scheduler = new Scheduler({ sliceMs: 0, stale: () => stale });
    await scheduler.pause();
    expect(postTask).toHaveBeenCalledTimes(1);
    stale = new CodegramError('superseded', 'a newer request');
    await expect(scheduler.pause()).rejects.toThrow('a newer request');
    const patient = new Scheduler({ sliceMs: 60_000 });
    await patient.pause();
    expect(postTask).toHaveBeenCalledTimes(2); // within its slice: no yield
  });
});
