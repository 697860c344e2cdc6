/**
 * The one slice scheduler of every long computation (training, the analysis views, the token colouring,
 * sampling, reading a model file): work runs in slices of about SLICE_MS and yields to the event loop between
 * them, so the worker's message handler runs (a cancel, a newer request, a query against the current models),
 * and after each yield the scheduler asks whether the work should stop.
 *
 * Stopping is a thrown CodegramError: 'cancelled' when the AbortSignal fired, or whatever `stale()` returns
 * (a newer request of the same lane: 'superseded'; models swapped under the job: 'cancelled').
 */
import { CodegramError } from '../lm/errors.ts';

export const SLICE_MS = 25;

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
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
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
