/**
 * The typed messages between the page and the model worker: one discriminated union each way, imported
 * by both sides. Requests carry an `id`; every request gets exactly one final reply with the same id (a
 * result or an `error`), never silence. A build also sends `progress` and `notice` messages with its id
 * before its final reply.
 */
import type { GenerateOptions } from '../lm/generate.ts';
import type { SmoothingComparison } from '../lm/smoothing.ts';
import type { FineTuningCurve } from '../analysis/curve.ts';
import type { NaturalnessTable } from '../analysis/naturalness.ts';
import type { WhyReport } from './analysis.ts';
import type { Prediction, TokenScore } from '../lm/types.ts';

/** Which model answers: the base ("pretrained" on English) or the fine-tuned one (base blended with code). */
export type ModelKind = 'base' | 'finetuned';

export type CorpusKind = 'general' | 'code';

/** A corpus the user uploaded (text already decoded and checked where it entered). */
export interface UserCorpus {
  id: string;
  name: string;
  kind: CorpusKind;
  files: { path: string; text: string }[];
}

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

/** Live knobs that change answers without a rebuild. */
export interface MixSettings {
  /** Fine-tuning strength λ in [0, 1]; null means the EM-fitted value (of the chosen data fraction). */
  lambda: number | null;
  /** Share of the code corpus the fine-tuned model has seen, 0..1; snapped to the nearest built fraction. */
  dataFraction: number;
  /** Weight of the document cache (the editor's own text) in [0, 0.95]; 0 switches it off. */
  cacheWeight: number;
}

export const DEFAULT_MIX: MixSettings = { lambda: null, dataFraction: 1, cacheWeight: 0.1 };

/** What the mixture uses now, after snapping and resolving `lambda: null`. */
export interface MixState {
  lambda: number;
  fittedLambda: number;
  dataFraction: number;
  cacheWeight: number;
  /** Tokens of the editor text in the document cache. */
  cacheTokens: number;
}

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

export interface PredictionPair {
  base: Prediction[];
  finetuned: Prediction[];
  /** Every token of either list with its probability under both models, for side-by-side bars. */
  compare: ComparedToken[];
}

export interface ComparedToken {
  id: number;
  token: string;
  base: TokenScore;
  finetuned: TokenScore;
}

/** Ranks deeper than this are reported as null ("not in the top RANK_DEPTH"). */
export const RANK_DEPTH = 100;

export interface TokenReport {
  token: string;
  /** Offset of the token in the text, in UTF-16 code units. */
  start: number;
  base: TokenScore & { rank: number | null };
  finetuned: TokenScore & { rank: number | null };
}

/** What the page may ask of generation: GenerateOptions without the callback, which cannot cross to a worker. */
export type GenerateRequest = Omit<GenerateOptions, 'stopAfter'> & {
  /** Stop after a token holding a newline. */
  stopAtNewline?: boolean;
};

export interface Continuation {
  text: string;
  tokens: string[];
  log2Prob: number;
}

export type BuildStage = 'cache' | 'download' | 'base' | 'code' | 'fit' | 'save' | 'load';

/** How an ARPA file's words were made: Codegram's escaped code tokens, whitespace, or recognised from the file. */
export type ArpaWords = 'auto' | 'code' | 'whitespace';

/** Model files the worker writes: the binary format, ARPA text, gzip ARPA. */
export type ExportFormat = 'cgm' | 'arpa' | 'arpa.gz';

export type ErrorCode = 'cancelled' | 'bad-input' | 'not-ready' | 'network' | 'internal';

export type Request =
  | { type: 'build'; id: number; settings: BuildSettings; corporaUrl: string; useCache: boolean }
  | { type: 'cancel'; id: number; target: number }
  | { type: 'mix'; id: number; mix: MixSettings }
  | { type: 'document'; id: number; text: string }
  | { type: 'next'; id: number; text: string; k: number; prefix?: string }
  /** rankDepth: how deep ranks are looked for (default RANK_DEPTH, at most 1000 for the token colouring). */
  | { type: 'score'; id: number; text: string; rankDepth?: number }
  | { type: 'generate'; id: number; text: string; options: GenerateRequest }
  /** The four smoothing methods after `text`, on the selected model's raw counts (lesson.ts); `k` tokens each. */
  | { type: 'smoothing'; id: number; text: string; model: ModelKind; k: number; addK: number }
  | { type: 'export'; id: number; model: 'base' | 'code'; format?: ExportFormat }
  /** A model file (.cgm, .arpa, either gzip) replacing the base or the code model (model-file.ts). */
  | { type: 'load'; id: number; role: 'base' | 'code'; file: Blob; name: string; words: ArpaWords }
  // The analysis views (analysis.ts): computed for the current models, on request.
  | { type: 'curve'; id: number }
  | { type: 'naturalness'; id: number }
  | { type: 'why'; id: number; text: string; token: string; model: ModelKind };

export type Reply =
  | { type: 'progress'; id: number; stage: BuildStage; detail: string; fraction: number; stageFraction: number; tokensPerSecond: number }
  | { type: 'notice'; id: number; message: string }
  | { type: 'built'; id: number; ready: ModelsReady }
  | { type: 'mixed'; id: number; mix: MixState }
  | { type: 'predictions'; id: number; predictions: PredictionPair; elapsedMs: number }
  | { type: 'scores'; id: number; tokens: TokenReport[]; bitsPerToken: { base: number; finetuned: number } }
  | { type: 'generated'; id: number; base: Continuation; finetuned: Continuation }
  | { type: 'smoothed'; id: number; comparison: SmoothingComparison; counts: 'base' | 'code'; elapsedMs: number }
  | { type: 'exported'; id: number; data: ArrayBuffer; filename: string }
  | { type: 'loaded'; id: number; ready: ModelsReady; tokenizer: 'code' | 'whitespace' }
  | { type: 'analysis-progress'; id: number; detail: string; fraction: number }
  | { type: 'fine-tuning-curve'; id: number; curve: FineTuningCurve; elapsedMs: number }
  | { type: 'naturalness-table'; id: number; table: NaturalnessTable; elapsedMs: number }
  | { type: 'continuations'; id: number; report: WhyReport; elapsedMs: number }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; code: ErrorCode; message: string };

/** The final replies (all but progress and notice), by request type. */
export interface ReplyFor {
  build: Extract<Reply, { type: 'built' }>;
  cancel: Extract<Reply, { type: 'done' }>;
  mix: Extract<Reply, { type: 'mixed' }>;
  document: Extract<Reply, { type: 'mixed' }>;
  next: Extract<Reply, { type: 'predictions' }>;
  score: Extract<Reply, { type: 'scores' }>;
  generate: Extract<Reply, { type: 'generated' }>;
  smoothing: Extract<Reply, { type: 'smoothed' }>;
  export: Extract<Reply, { type: 'exported' }>;
  load: Extract<Reply, { type: 'loaded' }>;
  curve: Extract<Reply, { type: 'fine-tuning-curve' }>;
  naturalness: Extract<Reply, { type: 'naturalness-table' }>;
  why: Extract<Reply, { type: 'continuations' }>;
}

/** Sends a reply, with the buffers to transfer rather than copy. */
export type Post = (reply: Reply, transfer?: Transferable[]) => void;
