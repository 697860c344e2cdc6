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

/**
 * fitWeights one E-step per step (yielding the number of E-steps so far), so a worker can answer between them.
 *
 * Plain EM needed 55–105 steps on the held-out code (linear convergence, slowest where a weight heads for 0), a dozen
 * fits on a first visit. It is accelerated by SQUAREM (Varadhan and Roland 2008, scheme S3): from w0, two EM steps
 * give w1 and w2, r = w1 − w0 and v = w2 − 2w1 + w0; the extrapolation w' = w0 − 2αr + α²v with α = −|r|/|v| (at most
 * −1; α = −1 gives w2) is moved back towards w2 while a weight would go negative, and one EM step from it is the next
 * point, unless its likelihood is below w0's: then w2 is (plain EM never lowers it). The fixed point is EM's, reached
 * in about a third of the steps. A weight at 0 stays 0: r and v are 0 there.
 */
export function* fitWeightsSteps(probs: readonly Float64Array[], options: EmOptions = {}): Generator<number, WeightsFit> {
  const K = probs.length;
  if (K === 0) throw new Error('fitWeights: no components');
  const T = probs[0].length;
  if (probs.some((p) => p.length !== T)) throw new Error('fitWeights: the probability arrays differ in length');
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 5000;
  const initial = options.initial ? [...options.initial] : probs.map(() => 1 / K);
  if (initial.length !== K) throw new Error(`fitWeights: expected ${K} initial weights, got ${initial.length}`);
  const rows = interleaved(probs);
  const sum = new Float64Array(K);
  let iterations = 0;
  /** One EM step from `w`: the next weights and w's log-likelihood (null: no token any component can produce). */
  const em = (w: Float64Array, withLogLik: boolean): { next: Float64Array; logLik: number } | null => {
    iterations++;
    const { n, logLik } = expectation(rows, K, w, sum, withLogLik);
    return n === 0 ? null : { next: sum.map((x) => x / n), logLik };
  };
  const moved = (a: Float64Array, b: Float64Array) => a.reduce((m, x, k) => Math.max(m, Math.abs(x - b[k])), 0);
  let w: Float64Array = Float64Array.from(initial);
  while (iterations < maxIterations) {
    const s1 = em(w, true);
    if (!s1 || moved(s1.next, w) < tolerance) {
      if (s1) w = s1.next;
      break;
    }
    yield iterations;
    const w1 = s1.next;
    const s2 = em(w1, false);
    if (!s2 || moved(s2.next, w1) < tolerance) {
      w = s2 ? s2.next : w1;
      break;
    }
    yield iterations;
    const w2 = s2.next;
    const r = w1.map((x, k) => x - w[k]);
    const v = w2.map((x, k) => x - 2 * w1[k] + w[k]);
    const rNorm = Math.hypot(...r);
    const vNorm = Math.hypot(...v);
    let next = w2;
    if (vNorm > 0) {
      let alpha = Math.min(-1, -rNorm / vNorm);
      let jump = w.map((x, k) => x - 2 * alpha * r[k] + alpha * alpha * v[k]);
      for (let tries = 0; tries < 50 && jump.some((x) => x < 0); tries++) {
        alpha = (alpha - 1) / 2;
        jump = w.map((x, k) => x - 2 * alpha * r[k] + alpha * alpha * v[k]);
      }
      if (!jump.some((x) => x < 0)) {
        const s3 = em(jump.map((x) => Math.max(0, x)), true);
        if (s3 && s3.logLik >= s1.logLik) next = s3.next;
        yield iterations;
      }
    }
    w = next;
  }
  const weights = [...w];
  return { weights, iterations, meanLog2: mixtureLog2Of(probs, weights) };
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
 * One E-step: sum[k] = Σ_t r_k(t) over the tokens these weights give mass, how many those are, and the weights'
 * log-likelihood when asked (natural log; −∞ when a token some component can produce has no mass under them; 0 when
 * not asked). A plain function, not a loop inside the generator: V8 optimises a generator's loops late.
 */
function expectation(rows: Float64Array, K: number, w: Float64Array, sum: Float64Array, withLogLik: boolean): { n: number; logLik: number } {
  sum.fill(0);
  let n = 0;
  let logLik = 0;
  // The log of a running product, taken before it can underflow: a logarithm per token cost as much as the rest of
  // the step. Every mix is at most 1 (weights and probabilities are), so the product only falls.
  let product = 1;
  for (let at = 0; at < rows.length; at += K) {
    let mix = 0;
    for (let k = 0; k < K; k++) mix += w[k] * rows[at + k];
    if (!(mix > 0)) {
      // Out of the M-step (no posterior to share); for the likelihood, a token some component could produce but
      // these weights cannot makes it −∞ (an extrapolation that zeroed a needed weight is refused).
      if (withLogLik) for (let k = 0; k < K; k++) if (rows[at + k] > 0) logLik = -Infinity;
      continue;
    }
    n++;
    if (withLogLik) {
      if (mix < 1e-30) logLik += Math.log(mix);
      else if ((product *= mix) < 1e-250) {
        logLik += Math.log(product);
        product = 1;
      }
    }
    const inv = 1 / mix;
    for (let k = 0; k < K; k++) sum[k] += w[k] * rows[at + k] * inv;
  }
  return { n, logLik: logLik + Math.log(product) };
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
 * mean log-likelihood is concave in μ (the log of a function linear in μ), so its slope falls as μ rises and the
 * maximum over [0, maxWeight] is where the slope crosses 0 (or an end). Found by Newton's method on the slope, kept
 * inside a bisection bracket: 5–10 passes over the tokens, none with a logarithm, where a ternary search on the
 * likelihood took about 100 passes with one per token (0.1–0.3 s per language in the page's worker).
 */
export function fitScaledWeight(pCache: Float64Array, pModel: Float64Array, scale: Float64Array, maxWeight = 0.95): { weight: number; meanLog2: number } {
  return runToEnd(fitScaledWeightSteps(pCache, pModel, scale, maxWeight));
}

/** fitScaledWeight one pass at a time. */
export function* fitScaledWeightSteps(pCache: Float64Array, pModel: Float64Array, scale: Float64Array, maxWeight = 0.95): Generator<number, { weight: number; meanLog2: number }> {
  if (pCache.length !== pModel.length || scale.length !== pModel.length) throw new Error('fitScaledWeight: the arrays differ in length');
  const done = (weight: number) => ({ weight, meanLog2: scaledMixtureLog2(pCache, pModel, scale, weight) });
  let lo = 0;
  let hi = maxWeight;
  // Rising at the top end: the maximum is there.
  if (scaledSlope(pCache, pModel, scale, hi).slope >= 0) return done(hi);
  let mu = hi / 2;
  for (let i = 0; i < 100 && hi - lo > 1e-12; i++) {
    const { slope, curvature } = scaledSlope(pCache, pModel, scale, mu);
    if (slope > 0) lo = mu;
    else hi = mu;
    const newton = curvature < 0 ? mu - slope / curvature : NaN;
    // Newton's next step would not move it: this is the maximum.
    if (Math.abs(newton - mu) < 1e-12) break;
    mu = newton > lo && newton < hi ? newton : (lo + hi) / 2;
    yield i;
  }
  return done(Math.min(maxWeight, Math.max(0, mu)));
}

/**
 * The slope and curvature in μ of the summed log-likelihood of the scaled mixture (up to the constant factor of the
 * log's base): Σ d_t / m_t and −Σ (d_t / m_t)², with d_t = s_t·(p_cache − p_model) and m_t the mixture. Tokens the
 * mixture gives no mass at any μ (s_t·p_cache and p_model both 0) do not depend on μ and are skipped; at μ = 0 a token
 * only the cache can produce makes the slope +∞ (the bracket then rises from 0).
 */
function scaledSlope(pCache: Float64Array, pModel: Float64Array, scale: Float64Array, weight: number): { slope: number; curvature: number } {
  let slope = 0;
  let curvature = 0;
  for (let t = 0; t < pModel.length; t++) {
    const d = scale[t] * (pCache[t] - pModel[t]);
    if (d === 0) continue;
    const m = pModel[t] + weight * d;
    if (!(m > 0)) {
      if (pModel[t] === 0 && scale[t] * pCache[t] === 0) continue;
      return { slope: d > 0 ? Infinity : -Infinity, curvature: -Infinity };
    }
    const r = d / m;
    slope += r;
    curvature -= r * r;
  }
  return { slope, curvature };
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

