/**
 * The held-out code is split again, by file, into a fit part and a test part: EM fits the mixture weights on
 * the fit part only, and every figure (held-out bits per token, the fine-tuning curve, the naturalness table)
 * is measured on the test part, so nothing is measured on the text its weights were fitted on.
 *
 * The part is a pure function of the path (a hash, not the order the files came in): the same file is in the
 * same part in every build, in the worker, the bench and the tests.
 */
import { fnv1a } from './fractions.ts';

export type HeldOutPart = 'fit' | 'test';

/**
 * 'fit' or 'test' by the top bit of a hash of the path (about half each; FNV-1a's low bits mix poorly). The
 * salt keeps this split independent of fractionOrder's, which hashes the same paths.
 */
export function heldOutPart(path: string): HeldOutPart {
  return fnv1a(`held-out part:${path}`) >>> 31 === 0 ? 'fit' : 'test';
}
