/**
 * The weights of every language's fine-tuned mixture, fitted by EM (lm/em.ts) on per-token probabilities of
 * held-out code computed once under the base model and every code model, in the union vocabulary of their
 * mixture. For language L at data fraction f the mixture is [base, every code group at f]; its weights are
 * fitted on the fit part of L's held-out files and its bits per token measured on the test part (held-out.ts).
 */
import { CODE_LANGUAGES, codeGroupOf, type CodeGroup, type CodeLanguage } from '../corpus/types.ts';
import { DocumentCache } from '../lm/cache-model.ts';
import { fitScaledWeightSteps, fitWeightsSteps, mixtureLog2Of, scaledMixtureLog2 } from '../lm/em.ts';
import { MixtureModel } from '../lm/mixture.ts';
import type { RegionCounts } from '../lm/regions.ts';
import type { NgramModel } from '../lm/model.ts';
import { sentencesOf } from '../lm/text.ts';
import type { TokenId } from '../lm/types.ts';
import { Vocab } from '../lm/vocab.ts';
import { heldOutPart, type HeldOutPart } from './held-out.ts';
import { cacheScale, MAX_CACHE_WEIGHT } from './mix.ts';
import { TEXT_OPTIONS } from './settings.ts';
import type { CodeFile } from './texts.ts';

/** The code models of one group: one per data fraction (FRACTIONS), sharing the group's vocabulary. */
export interface GroupModels {
  group: CodeGroup;
  fractions: { fraction: number; model: NgramModel }[];
  /**
   * Where each token of the group's vocabulary was written (code, string, comment), over all its training code:
   * completions weigh candidates by it (lm/regions.ts). Absent for a model loaded from a file.
   */
  regions?: RegionCounts;
}

/** One editor language's mixture at one data fraction. */
export interface FractionFit {
  fraction: number;
  /** Weights of [base, every group of BuiltModels.groups at this fraction], summing to 1 (EM on the fit part). */
  weights: number[];
  /** Bits per token of the language's test part under the mixture at these weights. */
  heldOutBitsPerToken: number;
}

/** The fitted mixtures of one editor language. */
export interface LanguageFit {
  language: CodeLanguage;
  /**
   * Weight μ of the document cache, fitted by EM on the fit part with the cache holding each file's text so far
   * (lm/cache-model.ts leftToRight) against the mixture at 100% of the code; and the test part's bits per token
   * with it (compare fractions[last].heldOutBitsPerToken, without). Absent without held-out code.
   */
  cacheWeight?: number;
  heldOutBitsPerTokenWithCache?: number;
  /** Scored tokens (every token plus one </s> per file) of the fit and test parts of its held-out files. */
  fitTokens: number;
  testTokens: number;
  /** Bits per token of the test part under the base model alone. */
  baseHeldOutBitsPerToken: number;
  /** One per FRACTIONS entry. */
  fractions: FractionFit[];
}

/** Held-out files of one language and part (fit or test). */
export function heldOutOf(heldOut: readonly CodeFile[], language: CodeGroup, part: 'fit' | 'test'): string[] {
  return heldOut.filter((f) => codeGroupOf(f.path, f.lang) === language && heldOutPart(f.path) === part).map((f) => f.text);
}

/**
 * Weights without evidence (no fit tokens: an upload-only build has no held-out code): half on the base,
 * half on the language's own model, or split evenly over the groups when it has none.
 */
export function defaultWeights(groups: readonly CodeGroup[], language: CodeLanguage): number[] {
  const own = groups.indexOf(language);
  return [0.5, ...groups.map((g, i) => (own >= 0 ? (i === own ? 0.5 : 0) : 0.5 / groups.length))];
}

/** Per-fraction component probabilities [base, group 0 at f, group 1 at f, …] out of one scoring. */
export function atFraction(p: { base: Float64Array; code: Float64Array[] }, groups: number, fractions: number, j: number): Float64Array[] {
  return [p.base, ...Array.from({ length: groups }, (_, g) => p.code[g * fractions + j])];
}

/** Per-token probabilities of held-out text under the base model and every code model ([g · F + j]: group g at fraction j). */
export interface HeldOutScores {
  base: Float64Array;
  code: Float64Array[];
}

/** Every language's weights at every fraction, the held-out text scored here under one mixture of the models. */
export async function fitLanguages(
  base: NgramModel,
  groups: readonly GroupModels[],
  heldOut: readonly CodeFile[],
  scheduler?: { pause(): Promise<void> },
  onFraction?: (fraction: number) => void,
): Promise<LanguageFit[]> {
  const codes = groups.flatMap((g) => g.fractions.map((f) => f.model));
  const mixture = new MixtureModel([base, ...codes], [1, ...codes.map(() => 0)]);
  return fitFromScores(
    groups.map((g) => g.group),
    groups[0]?.fractions.map((f) => f.fraction) ?? [],
    heldOut,
    (language, part, progress) => heldOutProbabilities(base, codes, heldOutOf(heldOut, language, part), scheduler, progress, mixture),
    scheduler,
    onFraction,
  );
}

/**
 * Every language's weights at every fraction from held-out scores however they were computed (here, or by the
 * build jobs next to their models: staged.ts). `score` gives the scores of one part of one language's held-out files.
 */
export async function fitFromScores(
  names: readonly CodeGroup[],
  fractions: readonly number[],
  heldOut: readonly CodeFile[],
  score: (language: CodeLanguage, part: HeldOutPart, onFraction?: (fraction: number) => void) => Promise<HeldOutScores>,
  scheduler?: { pause(): Promise<void> },
  onFraction?: (fraction: number) => void,
  /** Fits made before at 100% of the code (the full stage): their document-cache weights are reused, not refitted. */
  before?: readonly LanguageFit[],
  /** The document cache's scoring of each language's parts, when computed ahead (cacheScorings); else computed here. */
  cacheScored?: CacheScorings,
): Promise<LanguageFit[]> {
  const F = fractions.length;
  const G = names.length;
  // EM a step at a time, so the worker answers between steps (a fit of Python's held-out code takes a few hundred of them).
  const drive = async <T>(steps: Generator<unknown, T>): Promise<T> => {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      await scheduler?.pause();
    }
  };
  const fits: LanguageFit[] = [];
  for (const [l, language] of CODE_LANGUAGES.entries()) {
    const step = (k: number) => (f: number) => onFraction?.((2 * l + k + f) / (2 * CODE_LANGUAGES.length));
    const fit = await score(language, 'fit', step(0));
    const test = await score(language, 'test', step(1));
    const per: FractionFit[] = [];
    const known = before?.find((b) => b.language === language);
    for (let j = 0; j < F; j++) {
      // At 100% of the code the fit before saw the same models (the fraction models share their group's
      // vocabulary, so the mixture's union is the same) and the same scores: the same EM, already run.
      const done = fractions[j] === 1 ? known?.fractions.find((f) => f.fraction === 1) : undefined;
      if (done) {
        per.push(done);
        continue;
      }
      const weights = fit.base.length > 0 ? (await drive(fitWeightsSteps(atFraction(fit, G, F, j)))).weights : defaultWeights(names, language);
      per.push({ fraction: fractions[j], weights, heldOutBitsPerToken: test.base.length > 0 ? -mixtureLog2Of(atFraction(test, G, F, j), weights) : NaN });
      await scheduler?.pause();
    }
    // The document cache, at 100% of the code: its weight by EM on the fit part, its effect on the test part.
    const full = per[F - 1];
    let cache: { cacheWeight?: number; heldOutBitsPerTokenWithCache?: number } = {};
    if (known && full && fractions[F - 1] === 1) {
      cache = { cacheWeight: known.cacheWeight, heldOutBitsPerTokenWithCache: known.heldOutBitsPerTokenWithCache };
    } else if (full && fit.base.length > 0) {
      const fitMix = mixed(atFraction(fit, G, F, F - 1), full.weights);
      const fitCache = cacheScored?.get(`${language}:fit`) ?? cacheScoring(heldOutOf(heldOut, language, 'fit'));
      const cacheWeight = (await drive(fitScaledWeightSteps(fitCache.p, fitMix, fitCache.scale, MAX_CACHE_WEIGHT))).weight;
      const testMix = mixed(atFraction(test, G, F, F - 1), full.weights);
      const testCache = cacheScored?.get(`${language}:test`) ?? cacheScoring(heldOutOf(heldOut, language, 'test'));
      const withCache = test.base.length > 0 ? -scaledMixtureLog2(testCache.p, testMix, testCache.scale, cacheWeight) : NaN;
      cache = { cacheWeight, heldOutBitsPerTokenWithCache: withCache };
      await scheduler?.pause();
    }
    fits.push({
      language,
      ...cache,
      fitTokens: fit.base.length,
      testTokens: test.base.length,
      baseHeldOutBitsPerToken: test.base.length > 0 ? -mixtureLog2Of([test.base], [1]) : NaN,
      fractions: per,
    });
  }
  return fits;
}

/** Per-token probabilities of a mixture: Σ_k w_k p_k. */
function mixed(components: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const out = new Float64Array(components[0].length);
  components.forEach((p, k) => {
    for (let t = 0; t < p.length; t++) out[t] += weights[k] * p[t];
  });
  return out;
}

/**
 * Per-token probabilities (every token plus </s> of each document, as heldOutProbabilities scores them) under a
 * document cache that holds the document so far: 0 for a token the document has not had yet.
 */
export function cacheProbabilities(docs: readonly string[]): Float64Array {
  return cacheScoring(docs).p;
}

/** cacheProbabilities, with each token's share of μ for the text the cache held then (build/mix.ts cacheScale). */
export function cacheScoring(docs: readonly string[]): { p: Float64Array; scale: Float64Array } {
  const parts: Float64Array[] = [];
  const scales: Float64Array[] = [];
  for (const doc of docs) addCacheScoring(doc, parts, scales);
  return { p: concat(parts), scale: concat(scales) };
}

function addCacheScoring(doc: string, parts: Float64Array[], scales: Float64Array[]): void {
  for (const sentence of sentencesOf(doc, TEXT_OPTIONS)) {
    const p = new DocumentCache(new Vocab()).leftToRight(sentence);
    parts.push(p);
    scales.push(Float64Array.from(p, (_, i) => cacheScale(i)));
  }
}

/** cacheScoring of every editor language's fit and test parts, by `${language}:${part}`. */
export type CacheScorings = Map<string, { p: Float64Array; scale: Float64Array }>;

/**
 * CacheScorings of the held-out code, a document at a time between pauses. It needs the held-out text alone, so
 * the full stage computes it while its models are counted elsewhere instead of after them (about half a second
 * of the model worker's time in the page, before the full models could answer).
 */
export async function cacheScorings(heldOut: readonly CodeFile[], scheduler?: { pause(): Promise<void> }): Promise<CacheScorings> {
  const out: CacheScorings = new Map();
  for (const language of CODE_LANGUAGES) {
    for (const part of ['fit', 'test'] as const) {
      const parts: Float64Array[] = [];
      const scales: Float64Array[] = [];
      for (const doc of heldOutOf(heldOut, language, part)) {
        addCacheScoring(doc, parts, scales);
        await scheduler?.pause();
      }
      out.set(`${language}:${part}`, { p: concat(parts), scale: concat(scales) });
    }
  }
  return out;
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
  /** The mixture of exactly [base, ...codes], when the caller has one (building its union vocabulary costs). */
  mixture = new MixtureModel([base, ...codes], [1, ...codes.map(() => 0)]),
): Promise<HeldOutScores> {
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
