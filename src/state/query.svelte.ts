/**
 * One query that follows its inputs (the next-token panel, the token colouring, the smoothing view, the
 * prompting panel, the document cache): asked again on every change, run after a quiet `delayMs`, and only the
 * answer to the latest query run is applied. Stale answers and stopped work (a superseded lane request, a
 * build that cancelled the models a request was running on) are dropped silently; other failures go to `fail`.
 *
 *   ask(a); ask(b)        within delayMs: only b runs
 *   now(a); now(b)        both run; a's answer, arriving after b was sent, is dropped
 */
import { isStopped } from '../lm/errors.ts';

export interface QueryOptions<A, R> {
  /** Quiet time after the last `ask` before the query runs. */
  delayMs: number;
  /** Runs the query; null means "no answer" (no models yet, or superseded in the client's lane). */
  run: (args: A) => Promise<R | null>;
  /** The answer to the latest query run, with the arguments it was asked with. */
  apply: (result: R, args: A) => void;
  /** A failure of the latest query, other than stopped work. */
  fail: (error: Error) => void;
}

export class DebouncedQuery<A, R> {
  /** Queries running now (a view shows "busy" while its latest one runs). */
  running = $state(0);

  private timer: ReturnType<typeof setTimeout> | undefined;
  private latest = 0;

  constructor(private readonly options: QueryOptions<A, R>) {}

  /** Runs the query with `args` after `delayMs` without a newer `ask` (a newer one replaces this one). */
  ask(args: A): void {
    this.cancel();
    this.timer = setTimeout(() => void this.now(args), this.options.delayMs);
  }

  /** Runs the query now (a pending `ask` is dropped); resolves when it has been answered or has failed. */
  async now(args: A): Promise<void> {
    this.cancel();
    const id = ++this.latest;
    this.running++;
    try {
      const result = await this.options.run(args);
      if (result !== null && id === this.latest) this.options.apply(result, args);
    } catch (e) {
      if (id === this.latest && !isStopped(e)) this.options.fail(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.running--;
    }
  }

  /** Drops a query asked and not run yet (one already running still lands, unless a newer one is run). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * How long the views beside the editor (smoothing, why this suggestion) wait after the last keystroke: longer than
 * the gap between two keystrokes of a person typing (about 150-250 ms), so their heavier requests run when the
 * typing pauses and never queue in the worker ahead of the next keystroke's completion request.
 */
export const VIEW_PAUSE_MS = 350;
