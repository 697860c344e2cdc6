/**
 * Interpolation weights fitted by expectation-maximisation: the weights of the fine-tuned mixture (the base
 * model and the code models) fitted on held-out text from per-token probabilities computed once under each
 * model. Pure arithmetic over Float64Arrays, so the build, the analysis views and the tests share it.
 */

export interface WeightsFit {
  /** One weight per component, non-negative, summing to 1. */
  weights: number[];
  iterations: number;
  /** Mean log2-likelihood per token at the fitted weights. */
  meanLog2: number;
}

export interface EmOptions {
  /** Starting weights (default: uniform). A component starting at 0 stays at 0. */
  initial?: readonly number[];
  /** Stop when no weight moves by more than this. */
  tolerance?: number;
  maxIterations?: number;
}

/**
 * Fits the weights w of Σ_k w_k p_k by EM (Dempster, Laird and Rubin 1977; Jelinek-Mercer deleted
 * interpolation), given p_k(t), the probability of held-out token t under component k:
 *   E-step: r_k(t) = w_k p_k(t) / Σ_j w_j p_j(t)        (the posterior that component k produced token t)
 *   M-step: w_k ← mean_t r_k(t)
 * Each step does not lower the likelihood, and the log-likelihood is concave in w (a log of a linear
 * function, summed), so from weights that are all positive this converges to the maximum-likelihood
 * weights. Tokens no component can produce are skipped.
 */
export function fitWeights(probs: readonly Float64Array[], options: EmOptions = {}): WeightsFit {
  const K = probs.length;
  if (K === 0) throw new Error('fitWeights: no components');
  const T = probs[0].length;
  if (probs.some((p) => p.length !== T)) throw new Error('fitWeights: the probability arrays differ in length');
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 5000;
  let w = options.initial ? [...options.initial] : probs.map(() => 1 / K);
  if (w.length !== K) throw new Error(`fitWeights: expected ${K} initial weights, got ${w.length}`);
  const sum = new Float64Array(K);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    sum.fill(0);
    let n = 0;
    for (let t = 0; t < T; t++) {
      let mix = 0;
      for (let k = 0; k < K; k++) mix += w[k] * probs[k][t];
      if (!(mix > 0)) continue;
      for (let k = 0; k < K; k++) sum[k] += (w[k] * probs[k][t]) / mix;
      n++;
    }
    if (n === 0) break;
    const next = Array.from(sum, (s) => s / n);
    const delta = Math.max(...next.map((x, k) => Math.abs(x - w[k])));
    w = next;
    if (delta < tolerance) break;
  }
  return { weights: w, iterations, meanLog2: mixtureLog2Of(probs, w) };
}

/** Mean log2-likelihood per token of Σ_k w_k p_k (tokens with zero mass under every component skipped). */
export function mixtureLog2Of(probs: readonly Float64Array[], weights: readonly number[]): number {
  const T = probs.length ? probs[0].length : 0;
  let sum = 0;
  let n = 0;
  for (let t = 0; t < T; t++) {
    let mix = 0;
    let any = 0;
    for (let k = 0; k < probs.length; k++) {
      mix += weights[k] * probs[k][t];
      any += probs[k][t];
    }
    if (!(any > 0)) continue;
    sum += Math.log2(mix);
    n++;
  }
  return n > 0 ? sum / n : 0;
}

export interface LambdaFit {
  /** The weight of the first distribution (the code model). */
  lambda: number;
  iterations: number;
  /** Mean log2-likelihood per token at the fitted λ. */
  meanLog2: number;
}

/**
 * λ of λ·p_code + (1 − λ)·p_base: fitWeights with two components,
 *   λ ← mean_t [ λ p_c(t) / (λ p_c(t) + (1 − λ) p_b(t)) ].
 */
export function fitLambda(pCode: Float64Array, pBase: Float64Array, options: { initial?: number; tolerance?: number; maxIterations?: number } = {}): LambdaFit {
  if (pCode.length !== pBase.length) throw new Error('fitLambda: the two probability arrays differ in length');
  const initial = options.initial ?? 0.5;
  const fit = fitWeights([pCode, pBase], { initial: [initial, 1 - initial], tolerance: options.tolerance, maxIterations: options.maxIterations });
  return { lambda: fit.weights[0], iterations: fit.iterations, meanLog2: fit.meanLog2 };
}

/** Mean log2-likelihood per token of λ·p_code + (1 − λ)·p_base (tokens with zero mass under both skipped). */
export function mixtureLog2(pCode: Float64Array, pBase: Float64Array, lambda: number): number {
  return mixtureLog2Of([pCode, pBase], [lambda, 1 - lambda]);
}
