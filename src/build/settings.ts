/**
 * What a build is asked for and the fixed choices every build makes: the n-gram order and the corpora
 * (settings), how text becomes tokens, which data fractions get a model, and the pipeline's version (part
 * of the model cache's key).
 */
import type { TokenizerName } from '../lm/types.ts';
import type { CorpusKind, UserCorpus } from '../corpus/types.ts';

export interface BuildSettings {
  /** n-gram order of the base and code models. */
  order: number;
  /** Use the default corpora of this kind besides the uploads (false: uploads replace them). */
  useDefaults: Record<CorpusKind, boolean>;
  uploads: UserCorpus[];
}

export const DEFAULT_BUILD_SETTINGS: BuildSettings = {
  order: 5,
  useDefaults: { general: true, code: true },
  uploads: [],
};

/** Fractions of the code corpus with a model of their own (0 is the base model alone). */
export const FRACTIONS: readonly number[] = [0.125, 0.25, 0.5, 1];
/** Base and code models read text the same way, so their ids can be mixed. */
export const TEXT_OPTIONS = { tokenizer: 'code' as TokenizerName, lines: false };
/**
 * The quick models (staged.ts) read every QUICK_ENGLISH_STRIDE-th English document and the first 1/QUICK_CODE_PART of
 * the code. Their jobs are most of what a first visit waits for before its first completion, and they share the two
 * cores with the page compiling its editor: at 8 and 8 the English job took 1.7 s and the code job 1.1 s. From 32 and
 * 16 to 64 and 32 the editor came about 0.2 s sooner and the first ghost about 0.45 s sooner (the page gets more of a
 * core), for a quick Python model 1.4 points worse at guessing the next token (README, "First visit").
 */
export const QUICK_ENGLISH_STRIDE = 64;
export const QUICK_CODE_PART = 32;
/** Bumped whenever the pipeline changes what it builds (part of the cache key). */
export const PIPELINE_VERSION = 5;

/** Stages of a build as the progress names them (staged.ts): quick models, the full ones, the data fractions. */
export type BuildStage = 'cache' | 'download' | 'quick' | 'train' | 'fit' | 'fractions' | 'save' | 'load';
