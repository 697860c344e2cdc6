/**
 * Interpolation weights fitted by expectation-maximisation: the weights of the fine-tuned mixture (the base
 * model and the code models) fitted on held-out text from per-token probabilities computed once under each
 * model. Pure arithmetic over Float64Arrays, so the build, the analysis views and the tests share it.
 */
import { runToEnd } from './counts.ts';

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
  return runToEnd(fitWeightsSteps(probs, options));
}

/** fitWeights one iteration per step (yielding the iteration's number), so a worker can answer between them. */
export function* fitWeightsSteps(probs: readonly Float64Array[], options: EmOptions = {}): Generator<number, WeightsFit> {
  const K = probs.length;
  if (K === 0) throw new Error('fitWeights: no components');
  const T = probs[0].length;
  if (probs.some((p) => p.length !== T)) throw new Error('fitWeights: the probability arrays differ in length');
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 5000;
  let w = options.initial ? [...options.initial] : probs.map(() => 1 / K);
  if (w.length !== K) throw new Error(`fitWeights: expected ${K} initial weights, got ${w.length}`);
  const rows = interleaved(probs);
  const sum = new Float64Array(K);
  const weights = Float64Array.from(w);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const n = expectation(rows, K, weights, sum);
    if (n === 0) break;
    const next = Array.from(sum, (s) => s / n);
    const delta = Math.max(...next.map((x, k) => Math.abs(x - w[k])));
    w = next;
    weights.set(w);
    if (delta < tolerance) break;
    yield iterations;
  }
  return { weights: w, iterations, meanLog2: mixtureLog2Of(probs, w) };
}

/**
 * The tokens' probabilities as rows of K, token after token (row t holds p_1(t) … p_K(t)), for the E-step to read in
 * one sequential pass: from K separate arrays it took about 1 ms per step on Python's 59,000 held-out tokens, and a
 * fit takes 50–100 steps, a dozen fits per first visit.
 */
function interleaved(probs: readonly Float64Array[]): Float64Array {
  const K = probs.length;
  const T = probs[0].length;
  const rows = new Float64Array(T * K);
  for (let k = 0; k < K; k++) {
    const p = probs[k];
    for (let t = 0, at = k; t < T; t++, at += K) rows[at] = p[t];
  }
  return rows;
}

/**
 * One E-step: sum[k] = Σ_t r_k(t) over the tokens some component can produce; returns how many those are. A plain
 * function, not a loop inside the generator: V8 optimises a generator's loops late.
 */
function expectation(rows: Float64Array, K: number, w: Float64Array, sum: Float64Array): number {
  sum.fill(0);
  let n = 0;
  for (let at = 0; at < rows.length; at += K) {
    let mix = 0;
    for (let k = 0; k < K; k++) mix += w[k] * rows[at + k];
    if (!(mix > 0)) continue;
    const inv = 1 / mix;
    for (let k = 0; k < K; k++) sum[k] += w[k] * rows[at + k] * inv;
    n++;
  }
  return n;
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

/**
 * Fits μ of (1 − μ·s_t)·p_model(t) + μ·s_t·p_cache(t), where s_t in [0, 1] scales the weight per token (the
 * document cache's confidence in how much text it holds: build/mix.ts cacheScale), by maximum likelihood. The
 * mean log-likelihood is concave in μ (the log of a function linear in μ), so a ternary search over
 * [0, maxWeight] finds the maximum; tokens with zero mass under both are skipped.
 */
export function fitScaledWeight(pCache: Float64Array, pModel: Float64Array, scale: Float64Array, maxWeight = 0.95): { weight: number; meanLog2: number } {
  return runToEnd(fitScaledWeightSteps(pCache, pModel, scale, maxWeight));
}

/** fitScaledWeight one step of the search at a time. */
export function* fitScaledWeightSteps(pCache: Float64Array, pModel: Float64Array, scale: Float64Array, maxWeight = 0.95): Generator<number, { weight: number; meanLog2: number }> {
  if (pCache.length !== pModel.length || scale.length !== pModel.length) throw new Error('fitScaledWeight: the arrays differ in length');
  let lo = 0;
  let hi = maxWeight;
  for (let i = 0; i < 100 && hi - lo > 1e-9; i++) {
    const a = lo + (hi - lo) / 3;
    const b = hi - (hi - lo) / 3;
    if (scaledMixtureLog2(pCache, pModel, scale, a) < scaledMixtureLog2(pCache, pModel, scale, b)) lo = a;
    else hi = b;
    yield i;
  }
  const weight = (lo + hi) / 2;
  return { weight, meanLog2: scaledMixtureLog2(pCache, pModel, scale, weight) };
}

/** Mean log2-likelihood per token of (1 − μ·s_t)·p_model + μ·s_t·p_cache (tokens with zero mass under both skipped). */
export function scaledMixtureLog2(pCache: Float64Array, pModel: Float64Array, scale: Float64Array, weight: number): number {
  let sum = 0;
  let n = 0;
  for (let t = 0; t < pModel.length; t++) {
    if (!(pCache[t] + pModel[t] > 0)) continue;
    const w = weight * scale[t];
    sum += Math.log2((1 - w) * pModel[t] + w * pCache[t]);
    n++;
  }
  return n > 0 ? sum / n : 0;
}

