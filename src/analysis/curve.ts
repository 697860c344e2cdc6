/**
 * The fine-tuning curve: held-out code and held-out English cross-entropy of the fine-tuned model
 *   P_ft = λ · P_code(f) + (1 − λ) · P_base
 * as the share f of the code corpus grows (each at its EM-fitted λ) and as λ goes from 0 to 1.
 *
 * Input:  per-token probabilities of the held-out code and of the held-out English under the base model and
 *         each code model (pipeline.heldOutProbabilities: the numbers EM fits λ on), scored once.
 * Output: CurvePoints in bits per token (perplexity = 2^bits). Every point is a weighted mean over the cached
 *         probabilities (mixtureLog2): no model is queried again, so the whole curve costs a few passes over
 *         a few hundred thousand floats.
 */
import { mixtureLog2 } from '../lm/em.ts';

export interface ComponentProbabilities {
  base: Float64Array;
  /** One array per code model (data fraction), aligned with `base`. */
  code: Float64Array[];
}

export interface CurvePoint {
  /** Share of the code corpus the code component was trained on; 0 is the base model alone. */
  fraction: number;
  lambda: number;
  /** Cross-entropy of the held-out code and the held-out English, bits per token. */
  codeBits: number;
  englishBits: number;
}

export interface FineTuningCurve {
  /** 0 (base alone), then each built fraction at its fitted λ. */
  byFraction: CurvePoint[];
  /** For each built fraction (same order as `fractions`), λ = 0, 1/steps, …, 1. */
  byLambda: CurvePoint[][];
  fractions: number[];
  fittedLambdas: number[];
  /** Scored tokens (every token plus one </s> per file). */
  codeTokens: number;
  englishTokens: number;
}

/** Cross-entropy, bits per token, of λ·p_code + (1 − λ)·p_base. */
export function mixtureBits(pCode: Float64Array, pBase: Float64Array, lambda: number): number {
  return -mixtureLog2(pCode, pBase, lambda);
}

export function fineTuningCurve(
  code: ComponentProbabilities,
  english: ComponentProbabilities,
  fractions: readonly number[],
  fittedLambdas: readonly number[],
  steps = 20,
): FineTuningCurve {
  if (code.code.length !== fractions.length || english.code.length !== fractions.length || fittedLambdas.length !== fractions.length) {
    throw new Error('fineTuningCurve: one probability array and one fitted λ per fraction are needed');
  }
  const point = (j: number, lambda: number): CurvePoint => ({
    fraction: fractions[j],
    lambda,
    codeBits: mixtureBits(code.code[j], code.base, lambda),
    englishBits: mixtureBits(english.code[j], english.base, lambda),
  });
  const baseOnly: CurvePoint = { fraction: 0, lambda: 0, codeBits: mixtureBits(code.base, code.base, 0), englishBits: mixtureBits(english.base, english.base, 0) };
  return {
    byFraction: [baseOnly, ...fractions.map((_, j) => point(j, fittedLambdas[j]))],
    byLambda: fractions.map((_, j) => Array.from({ length: steps + 1 }, (_, i) => point(j, i / steps))),
    fractions: [...fractions],
    fittedLambdas: [...fittedLambdas],
    codeTokens: code.base.length,
    englishTokens: english.base.length,
  };
}
