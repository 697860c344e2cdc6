/**
 * The one slice scheduler of every long computation (training, the analysis views, the token colouring,
 * sampling, reading a model file): work runs in slices of about SLICE_MS and yields to the event loop between
 * them (backgroundTask: after whatever messages wait), so the worker's message handler runs (a cancel, a newer
 * request, a query against the current models), and after each yield the scheduler asks whether the work should stop.
 *
 * Stopping is a thrown CodegramError: 'cancelled' when the AbortSignal fired, or whatever `stale()` returns
 * (a newer request of the same lane: 'superseded'; models swapped under the job: 'cancelled').
 */
import { CodegramError } from '../lm/errors.ts';

export const SLICE_MS = 25;

interface TaskScheduler {
  postTask(callback: () => void, options: { priority: 'background' }): Promise<void>;
}

/**
 * Resolves in a task of its own, after the messages this thread has waiting: where the Prioritized Task Scheduling
 * API is (browsers and their workers), a background-priority task, which Chromium runs after any message that is
 * waiting, even one that arrived after the task was queued. A timer runs in the order it was queued instead: in a
 * trace of a first visit, the first keystroke's query waited 0.1–0.2 s behind the build's slices and the warm-up's
 * queries that were queued before it arrived. Node has no such API: a timer there.
 */
export function backgroundTask(): Promise<void> {
  const tasks = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler;
  if (typeof tasks?.postTask === 'function') return tasks.postTask(() => undefined, { priority: 'background' });
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}

export interface SchedulerOptions {
  signal?: AbortSignal;
  /** Message of the 'cancelled' error when `signal` aborts. */
  cancelMessage?: string;
  /** Checked after every yield: an error to stop with, or null to go on. */
  stale?: () => CodegramError | null;
  sliceMs?: number;
}

export class Scheduler {
  private sliceStart = performance.now();
  private readonly sliceMs: number;

  constructor(private readonly options: SchedulerOptions = {}) {
    this.sliceMs = options.sliceMs ?? SLICE_MS;
  }

  /** Throws when the work should stop. */
  check(): void {
    if (this.options.signal?.aborted) throw new CodegramError('cancelled', this.options.cancelMessage ?? 'the build was cancelled');
    const stale = this.options.stale?.();
    if (stale) throw stale;
  }

  /** Yields to the event loop once a slice is used up, then checks; a cheap no-op within a slice. */
  readonly pause = async (): Promise<void> => {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await backgroundTask();
    this.check();
    this.sliceStart = performance.now();
  };

  /** Runs a generator to its end, one step at a time, pausing between steps. */
  async drive<P, T>(gen: Generator<P, T>, onStep?: (p: P) => void): Promise<T> {
    for (;;) {
      this.check();
      const r = gen.next();
      if (r.done) return r.value;
      onStep?.(r.value);
      await this.pause();
    }
  }
}
