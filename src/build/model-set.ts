/**
 * The live models: base, code at every fraction and the document cache, all components of one mixture over one
 * union vocabulary; the base and fine-tuned answers are two weightings of it (mix.ts). Pure: the worker keeps
 * one ModelSet and swaps it whole (worker/models.ts); the analysis views and the lesson computations read it.
 */
import { DocumentCache } from '../lm/cache-model.ts';
import { MixtureModel } from '../lm/mixture.ts';
import type { NgramModel } from '../lm/model.ts';
import { getTokenizer } from '../lm/tokenizer.ts';
import { BOS, type TokenId } from '../lm/types.ts';
import type { BuiltModels } from './build.ts';
import { DEFAULT_MIX, mixWeights, type MixSettings, type MixState } from './mix.ts';
import { TEXT_OPTIONS } from './settings.ts';

/** Which model answers: the base ("pretrained" on English) or the fine-tuned one (base blended with code). */
export type ModelKind = 'base' | 'finetuned';

export interface ModelSummary {
  order: number;
  vocabulary: number;
  ngrams: number[];
  trainingTokens: number;
  bytes: number;
}

/** A code model trained on the first `fraction` of the (shuffled) code training files. */
export interface FractionSummary {
  fraction: number;
  model: ModelSummary;
  /** λ fitted by EM on held-out code for this fraction. */
  fittedLambda: number;
  /** Mean bits per held-out code token at the fitted λ. */
  heldOutBitsPerToken: number;
}

/** What the page learns of a model set when it becomes the live one. */
export interface ModelsReady {
  base: ModelSummary;
  fractions: FractionSummary[];
  heldOutTokens: number;
  /** Held-out code bits per token of the base model alone. */
  baseHeldOutBitsPerToken: number;
  mix: MixState;
  fromCache: boolean;
  elapsedMs: number;
}

export function summarize(m: NgramModel): ModelSummary {
  return { order: m.order, vocabulary: m.vocab.size, ngrams: m.ngramCounts, trainingTokens: m.info.trainingTokens, bytes: m.byteLength };
}

export class ModelSet {
  readonly cache: DocumentCache;
  readonly base: MixtureModel;
  readonly finetuned: MixtureModel;
  private mixSettings: MixSettings = DEFAULT_MIX;
  private state!: Omit<MixState, 'cacheTokens'>;

  constructor(readonly built: BuiltModels) {
    const components = [built.base, ...built.code.map((c) => c.model)];
    const mixture = new MixtureModel(components, [1, ...built.code.map(() => 0)]);
    // The cache works in the union's ids; a second mixture adds it as a component over the same union.
    this.cache = new DocumentCache(mixture.vocab);
    const all = new MixtureModel([...components, this.cache], [1, ...built.code.map(() => 0), 0], mixture.vocab);
    this.base = all.view(all.getWeights());
    this.finetuned = all.view(all.getWeights());
    this.setMix(DEFAULT_MIX);
  }

  get mix(): MixState {
    return { ...this.state, cacheTokens: this.cache.size };
  }

  get settings(): MixSettings {
    return this.mixSettings;
  }

  setMix(mix: MixSettings): MixState {
    const w = mixWeights(this.built.code, mix);
    this.mixSettings = mix;
    this.base.setWeights(w.base);
    this.finetuned.setWeights(w.finetuned);
    this.state = w.state;
    return this.mix;
  }

  setDocument(text: string): MixState {
    this.cache.update(getTokenizer(TEXT_OPTIONS.tokenizer)(text));
    return this.mix;
  }

  model(kind: ModelKind): MixtureModel {
    return kind === 'base' ? this.base : this.finetuned;
  }

  /** The code model trained on all the code (the one exported, indexed, and used for the full-order naturalness row). */
  get fullCode(): NgramModel {
    const code = this.built.code;
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
    return {
      base: summarize(b.base),
      fractions: b.code.map((c) => ({ fraction: c.fraction, model: summarize(c.model), fittedLambda: c.fittedLambda, heldOutBitsPerToken: c.heldOutBitsPerToken })),
      heldOutTokens: b.heldOutTokens,
      baseHeldOutBitsPerToken: b.baseHeldOutBitsPerToken,
      mix: this.mix,
      fromCache,
      elapsedMs,
    };
  }
}
