/**
 * Interpolation weights fitted by expectation-maximisation: the λ of the fine-tuned model (code blended into the
 * base), fitted on held-out text from per-token probabilities computed once under each model. Pure arithmetic
 * over Float64Arrays, so the build, the analysis views and the tests share it.
 */

export interface LambdaFit {
  /** The weight of the first distribution (the code model). */
  lambda: number;
  iterations: number;
  /** Mean log2-likelihood per token at the fitted λ. */
  meanLog2: number;
}

/**
 * Fits λ of λ·p_code + (1 − λ)·p_base by expectation-maximisation (Dempster, Laird and Rubin 1977; as in
 * Jelinek-Mercer deleted interpolation): given per-token probabilities under both models, iterate
 *   λ ← mean_t [ λ p_c(t) / (λ p_c(t) + (1 − λ) p_b(t)) ]
 * Each step does not lower the likelihood, and the log-likelihood is concave in λ, so this converges to
 * the maximum-likelihood λ. Tokens neither model can produce are skipped.
 */
export function fitLambda(pCode: Float64Array, pBase: Float64Array, options: { initial?: number; tolerance?: number; maxIterations?: number } = {}): LambdaFit {
  if (pCode.length !== pBase.length) throw new Error('fitLambda: the two probability arrays differ in length');
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 5000;
  let lambda = options.initial ?? 0.5;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let sum = 0;
    let n = 0;
    for (let t = 0; t < pCode.length; t++) {
      const c = lambda * pCode[t];
      const mix = c + (1 - lambda) * pBase[t];
      if (!(mix > 0)) continue;
      sum += c / mix;
      n++;
    }
    const next = n > 0 ? sum / n : lambda;
    const delta = Math.abs(next - lambda);
    lambda = next;
    if (delta < tolerance) break;
  }
  return { lambda, iterations, meanLog2: mixtureLog2(pCode, pBase, lambda) };
}

/** Mean log2-likelihood per token of λ·p_code + (1 − λ)·p_base (tokens with zero mass under both skipped). */
export function mixtureLog2(pCode: Float64Array, pBase: Float64Array, lambda: number): number {
  let sum = 0;
  let n = 0;
  for (let t = 0; t < pCode.length; t++) {
    const mix = lambda * pCode[t] + (1 - lambda) * pBase[t];
    if (!(pCode[t] + pBase[t] > 0)) continue;
    sum += Math.log2(mix);
    n++;
  }
  return n > 0 ? sum / n : 0;
}
