/**
 * The mixture-weight policy: from the live knobs (editor language L, strength λ, data fraction f, document-cache
 * weight μ) to the weights of the base and fine-tuned answers over the components
 * [base, every code group at every fraction…, cache] (ModelSet's layout):
 *   base      = (1 − μ) · P_base + μ · P_cache
 *   finetuned = (1 − μ) · [w_0 · P_base + Σ_g w_g · P_g(f)] + μ · P_cache
 * where w = (w_0, w_g…) are the weights fitted by EM for language L at fraction f (build/fit.ts). λ is the total
 * weight of code, 1 − w_0: at λ = null the fitted weights are used as they are; at a set λ the fitted code
 * weights are scaled to sum to λ (their proportions kept) and the base gets 1 − λ.
 * Pure: ModelSet applies the weights; tests check the snapping and the sums here.
 */
import { CODE_LANGUAGES, type CodeGroup, type CodeLanguage } from '../corpus/types.ts';
import { CodegramError } from '../lm/errors.ts';

/** Live knobs that change answers without a rebuild. */
export interface MixSettings {
  /**
   * The editor's language: whose fitted mixture the fine-tuned model is. Absent: the language in force stays
   * (Python at first). Plain text in the editor keeps the language chosen before it.
   */
  language?: CodeLanguage;
  /** Fine-tuning strength λ (total weight of code) in [0, 1]; null means the EM-fitted value. */
  lambda: number | null;
  /** Share of the code corpus the fine-tuned model has seen, 0..1; snapped to the nearest built fraction. */
  dataFraction: number;
  /**
   * Weight μ of the document cache (the editor's own text) in [0, MAX_CACHE_WEIGHT]; 0 switches it off; null
   * means the value EM fitted for the language (build/fit.ts), or FALLBACK_CACHE_WEIGHT without one.
   */
  cacheWeight: number | null;
}

export const DEFAULT_LANGUAGE: CodeLanguage = 'python';
export const DEFAULT_MIX: MixSettings = { lambda: null, dataFraction: 1, cacheWeight: null };
/** μ when nothing was fitted (no held-out code of the language, or models loaded from a file). */
export const FALLBACK_CACHE_WEIGHT = 0.1;
/**
 * The cache's weight grows with the text it holds: μ · n / (n + CACHE_HALF_TOKENS) for n tokens of document. A
 * cache of a one-line prompt knows little, and at full weight it would make the models copy the prompt (the
 * fitted μ for Python is about 0.4); EM fits μ with the same scale, token by token, as the cache fills.
 */
export const CACHE_HALF_TOKENS = 100;

/** The share of μ in force for a cache of `tokens` tokens. */
export const cacheScale = (tokens: number): number => tokens / (tokens + CACHE_HALF_TOKENS);
export const MAX_CACHE_WEIGHT = 0.95;

/** One component of the fine-tuned mixture and its weight (of the code mixture, before the cache's μ). */
export interface ComponentWeight {
  name: 'base' | CodeGroup;
  weight: number;
}

/** What the mixture uses now, after snapping and resolving `lambda: null`. */
export interface MixState {
  lambda: number;
  /** Total code weight fitted by EM for this language and fraction (1 − the base's fitted weight). */
  fittedLambda: number;
  dataFraction: number;
  /**
   * μ asked for (the fitted one, or the slider's), the one fitted by EM for the language (FALLBACK_CACHE_WEIGHT
   * when none was), and the weight in force for the text the cache holds now: μ · cacheScale(cacheTokens).
   */
  cacheWeight: number;
  fittedCacheWeight?: number;
  cacheWeightInForce?: number;
  /** Tokens of the editor text in the document cache. */
  cacheTokens: number;
  /**
   * The language whose mixture is in force, the weights in force and the EM-fitted ones ([base, groups…],
   * summing to 1, before μ). Optional only so that a MixState written before languages existed still reads.
   */
  language?: CodeLanguage;
  weights?: ComponentWeight[];
  fittedWeights?: ComponentWeight[];
}

/** Refuses knobs outside their ranges with a message naming the knob (a link or a test may send anything). */
export function checkMix(mix: MixSettings): void {
  if (mix.language !== undefined && !(CODE_LANGUAGES as readonly string[]).includes(mix.language)) {
    throw new CodegramError('bad-input', `language must be one of ${CODE_LANGUAGES.join(', ')}, got ${JSON.stringify(mix.language)}`);
  }
  if (mix.lambda !== null && !(mix.lambda >= 0 && mix.lambda <= 1)) throw new CodegramError('bad-input', `fine-tuning strength must be from 0 to 1, got ${mix.lambda}`);
  if (!(mix.dataFraction >= 0 && mix.dataFraction <= 1)) throw new CodegramError('bad-input', `data fraction must be from 0 to 1, got ${mix.dataFraction}`);
  if (mix.cacheWeight !== null && !(mix.cacheWeight >= 0 && mix.cacheWeight <= MAX_CACHE_WEIGHT)) {
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

/** Where each (group, fraction) model sits among the mixture's components, and how many components there are. */
export interface MixLayout {
  groups: readonly CodeGroup[];
  fractions: readonly number[];
  /** Component index of group g at fraction j (components may be shared: a loaded model file). */
  component(g: number, j: number): number;
  /** Components in all, the cache last. */
  size: number;
}

/** Fitted weights [base, groups…] of one language at each fraction, and its fitted cache weight μ. */
export interface LanguageWeights {
  language: CodeLanguage;
  fractions: readonly { fraction: number; weights: readonly number[] }[];
  cacheWeight?: number;
}

export interface MixWeights {
  /** Weights of every component for the base answer and the fine-tuned answer. */
  base: number[];
  finetuned: number[];
  /** The state these weights stand for (cacheTokens left to the caller, who owns the cache). */
  state: Omit<MixState, 'cacheTokens'>;
}

/**
 * The code weights at strength λ: the fitted ones scaled to sum to λ. Fitted code weights that are all 0 (EM gave
 * code nothing) cannot be scaled: λ then goes to the language's own group, or evenly to all groups.
 */
export function scaleToLambda(fitted: readonly number[], lambda: number, groups: readonly CodeGroup[], language: CodeLanguage): number[] {
  const code = fitted.slice(1);
  const total = code.reduce((a, b) => a + b, 0);
  const own = groups.indexOf(language);
  const shares = total > 0 ? code.map((w) => w / total) : code.map((_, g) => (own >= 0 ? (g === own ? 1 : 0) : 1 / code.length));
  return [1 - lambda, ...shares.map((s) => s * lambda)];
}

/**
 * The weights for `mix` given the layout and the fitted weights, for a cache of `cacheTokens` tokens (omitted:
 * the cache's full weight μ). Throws on knobs out of range.
 */
export function mixWeights(layout: MixLayout, fits: readonly LanguageWeights[], mix: MixSettings, cacheTokens = Infinity): MixWeights {
  checkMix(mix);
  const language = mix.language ?? DEFAULT_LANGUAGE;
  const j = snapFraction(layout.fractions, mix.dataFraction);
  const G = layout.groups.length;
  const fit = fits.find((f) => f.language === language);
  const fittedAt = fit?.fractions[j]?.weights;
  const fitted = j < 0 || !fittedAt ? [1, ...layout.groups.map(() => 0)] : [...fittedAt];
  const fittedLambda = 1 - fitted[0];
  const lambda = j < 0 ? 0 : (mix.lambda ?? fittedLambda);
  const inForce = mix.lambda === null || j < 0 ? fitted : scaleToLambda(fitted, lambda, layout.groups, language);
  const fittedCacheWeight = fit?.cacheWeight ?? FALLBACK_CACHE_WEIGHT;
  const asked = mix.cacheWeight ?? fittedCacheWeight;
  const mu = cacheTokens === Infinity ? asked : asked * cacheScale(cacheTokens);
  const base = new Array<number>(layout.size).fill(0);
  const finetuned = new Array<number>(layout.size).fill(0);
  base[0] = 1 - mu;
  base[layout.size - 1] = mu;
  finetuned[0] = (1 - mu) * inForce[0];
  if (j >= 0) for (let g = 0; g < G; g++) finetuned[layout.component(g, j)] += (1 - mu) * inForce[g + 1];
  finetuned[layout.size - 1] = mu;
  const named = (w: readonly number[]): ComponentWeight[] => [{ name: 'base', weight: w[0] }, ...layout.groups.map((name, g) => ({ name, weight: w[g + 1] }))];
  return {
    base,
    finetuned,
    state: { language, lambda, fittedLambda, dataFraction: j < 0 ? 0 : layout.fractions[j], cacheWeight: asked, fittedCacheWeight, cacheWeightInForce: mu, weights: named(inForce), fittedWeights: named(fitted) },
  };
}
