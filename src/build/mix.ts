/**
 * The mixture-weight policy: from the live knobs (strength λ, data fraction, document-cache weight μ) to the
 * weights of the base and fine-tuned answers over the components [base, code at each fraction…, cache]:
 *   base      = (1 − μ) · P_base + μ · P_cache
 *   finetuned = (1 − μ) · [(1 − λ) · P_base + λ · P_code(f)] + μ · P_cache
 * Pure: ModelSet applies the weights; tests check the snapping and the sums here.
 */
import { CodegramError } from '../lm/errors.ts';

/** Live knobs that change answers without a rebuild. */
export interface MixSettings {
  /** Fine-tuning strength λ in [0, 1]; null means the EM-fitted value (of the chosen data fraction). */
  lambda: number | null;
  /** Share of the code corpus the fine-tuned model has seen, 0..1; snapped to the nearest built fraction. */
  dataFraction: number;
  /** Weight of the document cache (the editor's own text) in [0, MAX_CACHE_WEIGHT]; 0 switches it off. */
  cacheWeight: number;
}

export const DEFAULT_MIX: MixSettings = { lambda: null, dataFraction: 1, cacheWeight: 0.1 };
export const MAX_CACHE_WEIGHT = 0.95;

/** What the mixture uses now, after snapping and resolving `lambda: null`. */
export interface MixState {
  lambda: number;
  fittedLambda: number;
  dataFraction: number;
  cacheWeight: number;
  /** Tokens of the editor text in the document cache. */
  cacheTokens: number;
}

/** Refuses knobs outside their ranges with a message naming the knob (a link or a test may send anything). */
export function checkMix(mix: MixSettings): void {
  if (mix.lambda !== null && !(mix.lambda >= 0 && mix.lambda <= 1)) throw new CodegramError('bad-input', `fine-tuning strength must be from 0 to 1, got ${mix.lambda}`);
  if (!(mix.dataFraction >= 0 && mix.dataFraction <= 1)) throw new CodegramError('bad-input', `data fraction must be from 0 to 1, got ${mix.dataFraction}`);
  if (!(mix.cacheWeight >= 0 && mix.cacheWeight <= MAX_CACHE_WEIGHT)) {
    throw new CodegramError('bad-input', `document cache weight must be from 0 to ${MAX_CACHE_WEIGHT}, got ${mix.cacheWeight}`);
  }
}

/**
 * Index of the built fraction nearest to `wanted`, or −1 for "no code at all": 0, or nearer 0 than to the
 * smallest fraction. Ties go to the smaller fraction.
 */
export function snapFraction(fractions: readonly number[], wanted: number): number {
  let j = -1;
  let best = Math.abs(wanted);
  fractions.forEach((f, i) => {
    const d = Math.abs(f - wanted);
    if (d < best) {
      best = d;
      j = i;
    }
  });
  return j;
}

export interface MixWeights {
  /** Weights of [base, code fractions…, cache] for the base answer and the fine-tuned answer. */
  base: number[];
  finetuned: number[];
  /** The state these weights stand for (cacheTokens left to the caller, who owns the cache). */
  state: Omit<MixState, 'cacheTokens'>;
}

/** The weights for `mix` given the built fractions and their fitted λ. Throws on knobs out of range. */
export function mixWeights(fractions: readonly { fraction: number; fittedLambda: number }[], mix: MixSettings): MixWeights {
  checkMix(mix);
  const j = snapFraction(
    fractions.map((f) => f.fraction),
    mix.dataFraction,
  );
  const fitted = j >= 0 ? fractions[j].fittedLambda : 0;
  const lambda = j < 0 ? 0 : (mix.lambda ?? fitted);
  const mu = mix.cacheWeight;
  return {
    base: [1 - mu, ...fractions.map(() => 0), mu],
    finetuned: [(1 - mu) * (1 - lambda), ...fractions.map((_, i) => (i === j ? (1 - mu) * lambda : 0)), mu],
    state: { lambda, fittedLambda: fitted, dataFraction: j < 0 ? 0 : fractions[j].fraction, cacheWeight: mu },
  };
}
