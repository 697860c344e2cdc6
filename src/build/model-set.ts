/**
 * The live models: base, every code group at every fraction and the document cache, all components of one
 * mixture over one union vocabulary; the base and fine-tuned answers are two weightings of it (mix.ts), and the
 * editor's language, like the other knobs, only changes the weights. Pure: the worker keeps one ModelSet and
 * swaps it whole (worker/models.ts); the analysis views and the lesson computations read it.
 */
import { CODE_LANGUAGES, type CodeGroup, type CodeLanguage } from '../corpus/types.ts';
import { DocumentCache } from '../lm/cache-model.ts';
import { MixtureModel } from '../lm/mixture.ts';
import { RegionCounts } from '../lm/regions.ts';
import type { NgramModel } from '../lm/model.ts';
import { getTokenizer } from '../lm/tokenizer.ts';
import { BOS, UNK, type TokenId } from '../lm/types.ts';
import { Vocab } from '../lm/vocab.ts';
import type { BuiltModels, ModelsStage } from './build.ts';
import { DEFAULT_LANGUAGE, DEFAULT_MIX, mixWeights, type ComponentWeight, type MixLayout, type MixSettings, type MixState } from './mix.ts';
import { FRACTIONS, TEXT_OPTIONS } from './settings.ts';

/** Which model answers: the base ("pretrained" on English) or the fine-tuned one (base blended with code). */
export type ModelKind = 'base' | 'finetuned';

export interface ModelSummary {
  order: number;
  vocabulary: number;
  ngrams: number[];
  trainingTokens: number;
  bytes: number;
}

/** A code model trained on the first `fraction` of the (shuffled) code training files of the language in force. */
export interface FractionSummary {
  fraction: number;
  model: ModelSummary;
  /** Total code weight fitted by EM for the language in force at this fraction. */
  fittedLambda: number;
  /** Mean bits per token of the language's held-out test part under its fitted mixture. */
  heldOutBitsPerToken: number;
}

/** One editor language's fitted mixtures (fit.ts). */
export interface LanguageSummary {
  language: CodeLanguage;
  fitTokens: number;
  testTokens: number;
  baseHeldOutBitsPerToken: number;
  fractions: { fraction: number; weights: ComponentWeight[]; heldOutBitsPerToken: number }[];
  /** The document cache's fitted weight, and the test part's bits per token with it at 100% of the code (fit.ts). */
  cacheWeight?: number;
  heldOutBitsPerTokenWithCache?: number;
}

/** What the page learns of a model set when it becomes the live one. */
export interface ModelsReady {
  base: ModelSummary;
  /** The code models of the language in force when the set went live, with its figures (see `languages`). */
  fractions: FractionSummary[];
  /** Test-part tokens of that language. */
  heldOutTokens: number;
  /** That language's test part, bits per token, under the base model alone. */
  baseHeldOutBitsPerToken: number;
  /** Every language's fitted mixtures, and every code group's models (optional only for older senders). */
  languages?: LanguageSummary[];
  groups?: { group: CodeGroup; fractions: { fraction: number; model: ModelSummary }[] }[];
  mix: MixState;
  /**
   * How far the build has come (build.ts ModelsStage): 'quick' models answer while the full ones build, 'full'
   * ones lack the data-fraction models until asked for, 'complete' ones have them (a model file counts as complete).
   */
  stage: ModelsStage;
  /** The data fractions the fraction control offers: those with models, or, at 'full', those that can be built. */
  plannedFractions: number[];
  fromCache: boolean;
  elapsedMs: number;
  /**
   * Which base and full code models these are: a new number for every set that goes live, except that the same
   * models with their data-fraction models added keep it (what depends on those two alone stays valid).
   */
  modelsId: number;
}

export function summarize(m: NgramModel): ModelSummary {
  return { order: m.order, vocabulary: m.vocab.size, ngrams: m.ngramCounts, trainingTokens: m.info.trainingTokens, bytes: m.byteLength };
}

/** The build seen from one language: its own code models at each fraction (what single-model callers use). */
export interface LanguageView {
  language: CodeLanguage;
  base: NgramModel;
  /** The language's own group (or, when it has no training files, the first group) at each fraction. */
  code: { fraction: number; model: NgramModel; fittedLambda: number; heldOutBitsPerToken: number }[];
  heldOutTokens: number;
  baseHeldOutBitsPerToken: number;
}

/**
 * The last ModelsReady.modelsId given out, in this thread. It starts at random: a model worker started after a crash
 * counts anew, and must not give the page a number it already holds for other models.
 */
let lastModelsId = Math.floor(Math.random() * 2 ** 40);

export class ModelSet {
  readonly cache: DocumentCache;
  /** Where each token (union ids) was written in the code corpora; null when no group counted it (a loaded file). */
  readonly regions: RegionCounts | null;
  readonly base: MixtureModel;
  readonly finetuned: MixtureModel;
  private readonly layout: MixLayout;
  private mixSettings: MixSettings = DEFAULT_MIX;
  private documentText = '';
  private state!: Omit<MixState, 'cacheTokens'>;

  /**
   * @param all      the whole build: every group's models and every language's fitted weights.
   * @param modelsId that of the set these models extend with their data-fraction models; else a new one.
   */
  constructor(
    readonly all: BuiltModels,
    readonly modelsId = ++lastModelsId,
  ) {
    // One component per distinct model (a loaded model file stands for every group: it is one component).
    const models: NgramModel[] = [];
    const at = all.groups.map((g) =>
      g.fractions.map((f) => {
        let k = models.indexOf(f.model);
        if (k < 0) k = models.push(f.model) - 1;
        return 1 + k;
      }),
    );
    const components = [all.base, ...models];
    // The cache works in the union's ids: it is made over the union vocabulary before the mixture fills it, in one
    // pass over the components' tokens. (A first mixture without the cache, to learn the union, took a second pass:
    // about 35–50 ms of the model worker for the full set and again for the complete one on a first visit.)
    const union = new Vocab();
    this.cache = new DocumentCache(union);
    const every = new MixtureModel([...components, this.cache], [1, ...models.map(() => 0), 0], union);
    this.layout = {
      groups: all.groups.map((g) => g.group),
      fractions: all.groups[0]?.fractions.map((f) => f.fraction) ?? [],
      component: (g, j) => at[g][j],
      size: components.length + 1,
    };
    // Where each token of the union was written, pooled over every group's code (lm/regions.ts).
    let regions: RegionCounts | null = null;
    all.groups.forEach((g, gi) => {
      if (!g.regions || g.fractions.length === 0) return;
      regions ??= new RegionCounts();
      // The group's ids in the union, from the mixture's own map (a string lookup per token took 30–80 ms).
      const toUnion = every.unionIds(at[gi][0]);
      regions.addMapped(g.regions, (id) => toUnion[id] ?? UNK);
    });
    this.regions = regions;
    this.base = every.view(every.getWeights());
    this.finetuned = every.view(every.getWeights());
    this.setMix(DEFAULT_MIX);
  }

  get mix(): MixState {
    return { ...this.state, cacheTokens: this.cache.size };
  }

  /** The settings in force, the language resolved. */
  get settings(): MixSettings {
    return this.mixSettings;
  }

  get language(): CodeLanguage {
    return this.mixSettings.language ?? DEFAULT_LANGUAGE;
  }

  /** A language absent from `mix` keeps the one in force. */
  setMix(mix: MixSettings): MixState {
    const settings = { ...mix, language: mix.language ?? this.mixSettings.language ?? DEFAULT_LANGUAGE };
    const w = mixWeights(this.layout, this.all.fits, settings, this.cache.size);
    this.mixSettings = settings;
    this.base.setWeights(w.base);
    this.finetuned.setWeights(w.finetuned);
    this.state = w.state;
    return this.mix;
  }

  /** The text the document cache holds (set by setDocument). */
  get document(): string {
    return this.documentText;
  }

  /** The editor's text into the cache; the cache's weight follows how much text it holds (build/mix.ts cacheScale). */
  setDocument(text: string): MixState {
    this.documentText = text;
    this.cache.update(getTokenizer(TEXT_OPTIONS.tokenizer)(text));
    return this.setMix(this.mixSettings);
  }

  /** One more token at the end of the cache's document (a left-to-right walk, bench/ranking.ts); its weight follows. */
  appendToDocument(token: string): MixState {
    this.cache.append(token);
    return this.setMix(this.mixSettings);
  }

  model(kind: ModelKind): MixtureModel {
    return kind === 'base' ? this.base : this.finetuned;
  }

  /** The build seen from `language` (default: the one in force). */
  view(language: CodeLanguage = this.language): LanguageView {
    const all = this.all;
    const g = Math.max(0, all.groups.findIndex((x) => x.group === language));
    const fit = all.fits.find((f) => f.language === language);
    return {
      language,
      base: all.base,
      code: (all.groups[g]?.fractions ?? []).map((f, j) => ({
        fraction: f.fraction,
        model: f.model,
        fittedLambda: fit ? 1 - fit.fractions[j].weights[0] : 0,
        heldOutBitsPerToken: fit?.fractions[j].heldOutBitsPerToken ?? NaN,
      })),
      heldOutTokens: fit?.testTokens ?? 0,
      baseHeldOutBitsPerToken: fit?.baseHeldOutBitsPerToken ?? NaN,
    };
  }

  /** The build seen from the language in force (the lesson views, exports and single-model callers read this). */
  get built(): LanguageView {
    return this.view();
  }

  /** The code model of the language in force trained on all its code (exported, indexed, the naturalness row). */
  get fullCode(): NgramModel {
    const code = this.view().code;
    return code[code.length - 1].model;
  }

  /** Union ids of a text's tokens (unknown tokens are <unk>; the union is not grown). */
  ids(tokens: readonly string[]): TokenId[] {
    const v = this.base.vocab;
    return tokens.map((t) => v.id(t));
  }

  /** `<s>` and the ids of the text's tokens, cut to what the longest model can use. */
  context(text: string): TokenId[] {
    const ids = [BOS, ...this.ids(getTokenizer(TEXT_OPTIONS.tokenizer)(text))];
    return ids.slice(Math.max(0, ids.length - (this.finetuned.order - 1)));
  }

  /** What the page is told when this set goes live. */
  ready(fromCache: boolean, elapsedMs: number): ModelsReady {
    const b = this.built;
    const names = ['base' as const, ...this.layout.groups];
    return {
      base: summarize(b.base),
      fractions: b.code.map((c) => ({ fraction: c.fraction, model: summarize(c.model), fittedLambda: c.fittedLambda, heldOutBitsPerToken: c.heldOutBitsPerToken })),
      heldOutTokens: b.heldOutTokens,
      baseHeldOutBitsPerToken: b.baseHeldOutBitsPerToken,
      languages: CODE_LANGUAGES.map((language) => {
        const fit = this.all.fits.find((f) => f.language === language)!;
        return {
          language,
          fitTokens: fit.fitTokens,
          testTokens: fit.testTokens,
          baseHeldOutBitsPerToken: fit.baseHeldOutBitsPerToken,
          cacheWeight: fit.cacheWeight,
          heldOutBitsPerTokenWithCache: fit.heldOutBitsPerTokenWithCache,
          fractions: fit.fractions.map((f) => ({ fraction: f.fraction, weights: f.weights.map((weight, k) => ({ name: names[k], weight })), heldOutBitsPerToken: f.heldOutBitsPerToken })),
        };
      }),
      groups: this.all.groups.map((g) => ({ group: g.group, fractions: g.fractions.map((f) => ({ fraction: f.fraction, model: summarize(f.model) })) })),
      mix: this.mix,
      stage: this.all.stage ?? 'complete',
      plannedFractions: this.all.stage === 'full' ? [...FRACTIONS] : b.code.map((c) => c.fraction),
      fromCache,
      elapsedMs,
      modelsId: this.modelsId,
    };
  }
}
