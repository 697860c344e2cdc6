/**
 * The fine-tuning curve of one editor language: cross-entropy of that language's held-out test files and of the
 * held-out English under its fine-tuned mixture
 *   P_ft = w_0 · P_base + Σ_g w_g · P_g(f)          (build/mix.ts; w fitted by EM on the fit part)
 * as the share f of the code corpus grows (each at its fitted weights) and as the total code weight λ goes from
 * 0 to 1 (the fitted code weights scaled to sum to λ, as the strength slider does).
 *
 * Input:  per-token probabilities of the test part and of the held-out English under the base model and every
 *         code group at every fraction (build/fit.ts heldOutProbabilities, the scoring the fit uses), scored once.
 * Output: CurvePoints in bits per token (perplexity = 2^bits). Every point is a weighted mean over the cached
 *         probabilities (mixtureLog2Of): no model is queried again.
 */
import { scaleToLambda } from '../build/mix.ts';
import type { CodeGroup, CodeLanguage } from '../corpus/types.ts';
import { mixtureLog2Of } from '../lm/em.ts';

export interface ComponentProbabilities {
  base: Float64Array;
  /** Per data fraction, one array per code group (the mixture's code components at that fraction), aligned with `base`. */
  code: Float64Array[][];
}

export interface CurvePoint {
  /** Share of the code corpus the code components were trained on; 0 is the base model alone. */
  fraction: number;
  /** Total code weight. */
  lambda: number;
  /** Cross-entropy of the language's held-out test files and of the held-out English, bits per token. */
  codeBits: number;
  englishBits: number;
}

export interface LanguageCurve {
  language: CodeLanguage;
  /** 0 (base alone), then each built fraction at its fitted weights. */
  byFraction: CurvePoint[];
  /** For each built fraction (same order as `fractions`), λ = 0, 1/steps, …, 1. */
  byLambda: CurvePoint[][];
  fractions: number[];
  /** Total fitted code weight at each fraction. */
  fittedLambdas: number[];
  /** Scored tokens (every token plus one </s> per file). */
  codeTokens: number;
  englishTokens: number;
}

/** The curves of every editor language (the view shows the one in force). */
export interface FineTuningCurve {
  languages: LanguageCurve[];
}

export interface CurveInput {
  language: CodeLanguage;
  groups: readonly CodeGroup[];
  fractions: readonly number[];
  /** Fitted weights [base, groups…] at each fraction. */
  fitted: readonly (readonly number[])[];
  code: ComponentProbabilities;
  english: ComponentProbabilities;
}

/** Cross-entropy, bits per token, of Σ_k w_k p_k over [base, code…]. */
export function mixtureBits(p: ComponentProbabilities, j: number, weights: readonly number[]): number {
  return -mixtureLog2Of([p.base, ...p.code[j]], weights);
}

export function fineTuningCurve(input: CurveInput, steps = 20): LanguageCurve {
  const { code, english, fractions, fitted, groups, language } = input;
  if (code.code.length !== fractions.length || english.code.length !== fractions.length || fitted.length !== fractions.length) {
    throw new Error('fineTuningCurve: one set of probability arrays and one weight vector per fraction are needed');
  }
  const point = (j: number, lambda: number, weights: readonly number[]): CurvePoint => ({ fraction: fractions[j], lambda, codeBits: mixtureBits(code, j, weights), englishBits: mixtureBits(english, j, weights) });
  const alone = (p: ComponentProbabilities) => -mixtureLog2Of([p.base], [1]);
  const baseOnly: CurvePoint = { fraction: 0, lambda: 0, codeBits: alone(code), englishBits: alone(english) };
  const fittedLambdas = fitted.map((w) => 1 - w[0]);
  return {
    language,
    byFraction: [baseOnly, ...fractions.map((_, j) => point(j, fittedLambdas[j], fitted[j]))],
    byLambda: fractions.map((_, j) => Array.from({ length: steps + 1 }, (_, i) => point(j, i / steps, scaleToLambda(fitted[j], i / steps, groups, language)))),
    fractions: [...fractions],
    fittedLambdas,
    codeTokens: code.base.length,
    englishTokens: english.base.length,
  };
}
