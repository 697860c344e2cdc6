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
 * The quick models (staged.ts) learn the first characters of the English and of the editor language's code (whole
 * files, in the corpus's order: the last one may run over), as many as QUICK_SIZES says. Their jobs are most of what
 * a first visit waits for before its first completion, and they share the two cores with the page: at 1/8 of each
 * corpus the English job took 1.7 s and the code job 1.1 s; at one English text in 32 and 1/16 of the code (about
 * twice these sizes) the first ghost came about 0.45 s later than at these, for a quick Python model 1.4 points
 * better at guessing the next token (README, "First visit"). Sizes rather than shares of a corpus: the worker can
 * tell from the start of a file that it holds them, and reads the rest later (service.ts prefetch).
 */
export interface QuickSizes {
  /** Characters of English, whole documents from the first. */
  english: number;
  /** Characters of the editor language's code, whole files from the first. */
  code: number;
  /** Characters of that language's held-out fit part the quick weights are fitted on, whole files from the first. */
  fit: number;
}
export const QUICK_SIZES: QuickSizes = { english: 85_000, code: 160_000, fit: 40_000 };
/** Bumped whenever the pipeline changes what it builds (part of the cache key). */
export const PIPELINE_VERSION = 5;

/** Stages of a build as the progress names them (staged.ts): quick models, the full ones, the data fractions. */
export type BuildStage = 'cache' | 'download' | 'quick' | 'train' | 'fit' | 'fractions' | 'save' | 'load';
