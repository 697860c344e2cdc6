/**
 * One error class for every failure the layers above report by kind: a `code` the worker sends across and the
 * page acts on (a cancelled build is not shown as a failure; bad input names the file and the cause). Pure, so
 * the model, the corpus code, the build, the worker and the page all throw and catch the same class.
 */

export type ErrorCode =
  /** Stopped on purpose: a newer build, a cancel, models swapped under a running job. */
  | 'cancelled'
  /** A newer request of the same lane (the ghost text, the token colouring, …) replaced this one. */
  | 'superseded'
  /** The input is wrong: a file, a setting, a corpus. The message says what and where. */
  | 'bad-input'
  /** Asked before any models exist. */
  | 'not-ready'
  | 'network'
  | 'internal';

export class CodegramError extends Error {
  override name = 'CodegramError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** True for a failure nobody needs to see: the work was stopped or replaced on purpose. */
export function isStopped(e: unknown): boolean {
  return e instanceof CodegramError && (e.code === 'cancelled' || e.code === 'superseded');
}
