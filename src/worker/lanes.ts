/**
 * Latest-wins lanes in the worker. The page drops superseded answers; this makes the worker stop computing
 * them too. A request is entered when its message arrives (before any await), so by the time an older request
 * of the same lane reaches its next check — before it starts, or between slices of a long job — it can see
 * that it was replaced and stop with the error code 'superseded'.
 */
import { CodegramError } from '../lm/errors.ts';
import type { Lane } from './protocol.ts';

export class Lanes {
  private readonly latest = new Map<Lane, number>();

  /** Records `id` as the newest request of `lane` (no lane: never superseded). */
  enter(lane: Lane | undefined, id: number): void {
    if (lane !== undefined) this.latest.set(lane, id);
  }

  /** The error to stop with when a newer request of the lane has arrived, else null. */
  stale(lane: Lane | undefined, id: number): CodegramError | null {
    if (lane === undefined) return null;
    const newest = this.latest.get(lane);
    return newest !== undefined && newest !== id ? new CodegramError('superseded', `a newer "${lane}" request replaced request ${id}`) : null;
  }

  /** Throws the 'superseded' error when a newer request of the lane has arrived. */
  check(lane: Lane | undefined, id: number): void {
    const e = this.stale(lane, id);
    if (e) throw e;
  }
}
