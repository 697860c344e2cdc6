/**
 * A value that changes faster than it is worth drawing (build progress: a message every 80 ms from each build job):
 * `apply` gets the latest value at most once per `ms`, the first at once, the last after the wait, and a value
 * `urgent` calls for (a new stage) at once. Each drawn progress update changed the status bar's text and bar, about
 * 30 frames a second of style, layout and paint on the page's main thread (about 2 s of it during a first visit's
 * build, on a machine whose two cores the build workers need).
 */
export class Throttled<T> {
  private last = -Infinity;
  private pending: { value: T } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ms: number,
    private readonly apply: (value: T) => void,
    private readonly urgent: (value: T) => boolean = () => false,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(value: T): void {
    const now = this.now();
    if (this.urgent(value) || now - this.last >= this.ms) {
      this.cancel();
      this.last = now;
      this.apply(value);
      return;
    }
    this.pending = { value };
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const held = this.pending;
      this.pending = null;
      if (!held) return;
      this.last = this.now();
      this.apply(held.value);
    }, this.ms - (now - this.last));
  }

  /** Drops a value still waiting (the progress it would show is over). */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }
}
