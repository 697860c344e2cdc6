/**
 * λ per data fraction, fitted by EM (lm/em.ts) on per-token probabilities of held-out code computed once
 * under the base and each code model, in the union vocabulary of their mixture.
 */
import { fitLambda, mixtureLog2 } from '../lm/em.ts';
import { MixtureModel } from '../lm/mixture.ts';
import type { NgramModel } from '../lm/model.ts';
import { sentencesOf } from '../lm/text.ts';
import type { TokenId } from '../lm/types.ts';
import { TEXT_OPTIONS } from './settings.ts';

/** Per-token probabilities of the held-out code under the base and each code model, then EM for each. */
export async function fitAll(
  base: NgramModel,
  codes: readonly NgramModel[],
  heldOut: readonly string[],
  scheduler?: { pause(): Promise<void> },
  onFraction?: (fraction: number) => void,
): Promise<{ lambdas: number[]; bits: number[]; baseBits: number; tokens: number; probabilities: { base: Float64Array; code: Float64Array[] } }> {
  const { base: pBase, code: pCode } = await heldOutProbabilities(base, codes, heldOut, scheduler, (f) => onFraction?.(0.8 * f));
  if (pBase.length === 0) {
    // No held-out code: no evidence either way, an even blend.
    return { lambdas: codes.map(() => 0.5), bits: codes.map(() => NaN), baseBits: NaN, tokens: 0, probabilities: { base: pBase, code: pCode } };
  }
  const fits = [];
  for (const pc of pCode) {
    fits.push(fitLambda(pc, pBase));
    onFraction?.(0.8 + (0.2 * fits.length) / pCode.length);
    await scheduler?.pause();
  }
  return {
    lambdas: fits.map((f) => f.lambda),
    bits: fits.map((f) => -f.meanLog2),
    baseBits: -mixtureLog2(pBase, pBase, 0),
    tokens: pBase.length,
    probabilities: { base: pBase, code: pCode },
  };
}

/**
 * Per-token probabilities (every token plus </s> of each document) of `docs` under the base and each code
 * model, in the union vocabulary of their mixture: what EM fits λ on, and what the analysis views'
 * curves and tables are computed from.
 */
export async function heldOutProbabilities(
  base: NgramModel,
  codes: readonly NgramModel[],
  docs: readonly string[],
  scheduler?: { pause(): Promise<void> },
  onFraction?: (fraction: number) => void,
): Promise<{ base: Float64Array; code: Float64Array[] }> {
  const mixture = new MixtureModel([base, ...codes], [1, ...codes.map(() => 0)]);
  const vocab = mixture.vocab;
  await scheduler?.pause();
  const pieces: { base: Float64Array; code: Float64Array[] }[] = [];
  for (let d = 0; d < docs.length; d++) {
    onFraction?.(d / docs.length);
    for (const sentence of sentencesOf(docs[d], TEXT_OPTIONS)) {
      const ids: TokenId[] = sentence.map((t) => vocab.id(t));
      pieces.push({ base: mixture.componentProbabilities(0, ids, { eos: true }), code: codes.map((_, j) => mixture.componentProbabilities(j + 1, ids, { eos: true })) });
    }
    await scheduler?.pause();
  }
  return { base: concat(pieces.map((p) => p.base)), code: codes.map((_, j) => concat(pieces.map((p) => p.code[j]))) };
}

/** Joins typed arrays end to end. */
export function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
