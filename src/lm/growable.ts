/** An append-only Int32Array that doubles its capacity: token streams of unknown length. */
export class GrowableInt32 {
  private data: Int32Array;
  length = 0;

  /** `shared`: held in a SharedArrayBuffer, so that its view can go to another thread as it is, not copied. */
  constructor(
    initialCapacity = 1 << 16,
    private readonly shared = false,
  ) {
    this.data = this.allocate(Math.max(16, initialCapacity));
  }

  private allocate(capacity: number): Int32Array {
    return this.shared ? new Int32Array(new SharedArrayBuffer(4 * capacity)) : new Int32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  /** Makes room for `capacity` values in all, at once (a caller that knows about how many are coming). */
  reserve(capacity: number): void {
    if (capacity > this.data.length) this.grow(capacity);
  }

  private grow(min: number): void {
    let cap = this.data.length * 2;
    while (cap < min) cap *= 2;
    const next = this.allocate(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  /** A view of the filled part (shares memory until the next push that grows). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
