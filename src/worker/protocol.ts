/**
 * The typed messages between the page and the model worker: one discriminated union each way, imported by both
 * sides (types only). Requests carry an `id`; every request gets exactly one final reply with the same id (a
 * result or an `error`), never silence. A build or a model-file load also sends `progress` and `notice`
 * messages with its id before its final reply.
 *
 * Lanes: the queries that follow the cursor or a view (`next`, `complete`, `generate`, `score`, `smoothing`, `why`) may name
 * a lane. Within a lane only the newest request matters: the worker stops an older one that is still computing
 * (or has not started) and answers it with the error code 'superseded'.
 */
import type { FineTuningCurve } from '../analysis/curve.ts';
import type { ScoredText, TokenReport } from '../analysis/lessons.ts';
import type { WhyReport } from '../analysis/model-analysis.ts';
import type { NaturalnessTable } from '../analysis/naturalness.ts';
import type { MixSettings, MixState } from '../build/mix.ts';
import type { ModelKind, ModelsReady, ModelSummary, FractionSummary } from '../build/model-set.ts';
import type { BuildProgress } from '../build/progress.ts';
import type { BuildSettings, BuildStage } from '../build/settings.ts';
import type { CodeLanguage, CorpusKind, UserCorpus } from '../corpus/types.ts';
import type { ErrorCode } from '../lm/errors.ts';
import type { GenerateOptions } from '../lm/generate.ts';
import type { ArpaWords } from '../lm/model-file.ts';
import type { SmoothingComparison } from '../lm/smoothing.ts';
import type { Region } from '../lm/tokenizer.ts';
import type { Prediction, TokenScore } from '../lm/types.ts';

// The types both sides speak, from the layers that define them.
export type {
  ArpaWords,
  BuildProgress,
  BuildSettings,
  CodeLanguage,
  BuildStage,
  CorpusKind,
  ErrorCode,
  FineTuningCurve,
  FractionSummary,
  MixSettings,
  MixState,
  ModelKind,
  ModelsReady,
  ModelSummary,
  NaturalnessTable,
  Prediction,
  ScoredText,
  SmoothingComparison,
  TokenReport,
  TokenScore,
  UserCorpus,
  WhyReport,
};

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

/** What the editor shows at the cursor, both models at once (analysis/completion.ts). */
export interface CompletionPair {
  /** The half-typed word the suggestions complete ('' after a finished token): every suggestion starts with it. */
  prefix: string;
  predictions: PredictionPair;
  /** The model whose ghost this is (the one selected when it was asked). */
  model: ModelKind;
  /**
   * Where the cursor is (code, string or comment) when the fine-tuned model's candidates were weighed by it
   * (lm/regions.ts); absent when they were not (a model loaded from a file has no region counts).
   */
  region?: Region;
  /** Ghost text after the cursor ('' when the model expects the line to end or is unsure of its first character). */
  ghost: string;
  /**
   * The ghost after the list's first row (the selected model's likeliest token that the editor lists): `token`,
   * then `ghost`. Monaco selects that row when it opens the list and then shows only a ghost continuing it, which
   * may not be `ghost` (after "i" the list's "import" and the ghost's "if …" differ); with this the editor shows
   * one at once, without asking again (editor/providers.ts).
   */
  afterTop?: { token: string; ghost: string };
}

/** What the page may ask of generation: GenerateOptions without the callback, which cannot cross to a worker. */
export type GenerateRequest = Omit<GenerateOptions, 'stopAfter'> & {
  /** Stop after a token holding a newline. */
  stopAtNewline?: boolean;
  /** Stop once the code check's stop rule has found the end of the first definition (analysis/code-check.ts). */
  stopAfterDefinition?: boolean;
};

export interface Continuation {
  text: string;
  tokens: string[];
  log2Prob: number;
  /** For each token, the longest n-gram (context plus token) the model found: how far back it could look. */
  orders: number[];
  /** The tokens the model conditioned on when it wrote the first token: the end of the prompt it could see. */
  seen: string[];
}

/** The prompt's last comment line (the instruction, if it is one), and how many tokens before the prompt's end it starts. */
export interface PromptInstruction {
  text: string;
  tokensBack: number;
}

/** Model files the worker writes: the binary format, ARPA text, gzip ARPA. */
export type ExportFormat = 'cgm' | 'arpa' | 'arpa.gz';

/** A stream of requests where only the newest answer matters (the panel, the suggest list, the ghost text…). */
export type Lane = string;

export type Request =
  /**
   * `quick`: answer first with quick models (build/staged.ts; 'usable' replies) while the full ones build;
   * `language`: the editor's, whose code the quick models learn.
   */
  | { type: 'build'; id: number; settings: BuildSettings; corporaUrl: string; useCache: boolean; quick?: boolean; language?: CodeLanguage }
  /**
   * Get ready for the first build now (sent by the page as the worker starts, before its own code has loaded): read
   * the cached models, or else the default corpora at `corporaUrl` and train the quick models; answered at once
   * with 'done' (service.ts prefetch). `language`: the editor's as the page's link names it, read before anything
   * checked it, so the worker takes it only when it is one of the code languages (Python otherwise).
   * `afterAppLoads`: on a first visit, read no corpus before 'app-loaded' (or a build request) comes.
   */
  | { type: 'prefetch'; id: number; corporaUrl: string; language?: string; afterAppLoads?: boolean }
  /** The page's own code has loaded and runs (main.ts): what a prefetch with `afterAppLoads` waits for. */
  | { type: 'app-loaded'; id: number }
  /** The data-fraction models beside the full ones (built after a build, or on first use after a load from the cache). */
  | { type: 'fractions'; id: number }
  | { type: 'cancel'; id: number; target: number }
  | { type: 'mix'; id: number; mix: MixSettings }
  | { type: 'document'; id: number; text: string }
  | { type: 'next'; id: number; lane?: Lane; text: string; k: number; prefix?: string }
  /**
   * The suggestion lists and ghosts at a cursor with `before` before it and `after` after it on its line. With
   * `untilModels`, asked before there are models, it is answered when the first ones go live, ahead of anything else
   * the worker has queued (the latest such request only; 'cancelled' when the build fails with none).
   */
  | { type: 'complete'; id: number; lane?: Lane; before: string; after: string; k: number; maxTokens: number; model: ModelKind; untilModels?: boolean }
  /** rankDepth: how deep ranks are looked for (default RANK_DEPTH, at most DEEP_RANK for the token colouring). */
  | { type: 'score'; id: number; lane?: Lane; text: string; rankDepth?: number }
  | { type: 'generate'; id: number; lane?: Lane; text: string; options: GenerateRequest }
  /** The four smoothing methods after `text`, on the selected model's raw counts (analysis/lessons.ts); `k` tokens each. */
  | { type: 'smoothing'; id: number; lane?: Lane; text: string; model: ModelKind; k: number; addK: number }
  | { type: 'export'; id: number; model: 'base' | 'code'; format?: ExportFormat }
  /** A model file (.cgm, .arpa, either gzip) replacing the base or the code model (model-file.ts). */
  | { type: 'load'; id: number; role: 'base' | 'code'; file: Blob; name: string; words: ArpaWords }
  // The analysis views (analysis/model-analysis.ts): computed for the current models, on request.
  | { type: 'curve'; id: number }
  | { type: 'naturalness'; id: number }
  | { type: 'why'; id: number; lane?: Lane; text: string; token: string; model: ModelKind };

export type Reply =
  | ({ type: 'progress'; id: number } & BuildProgress)
  | { type: 'notice'; id: number; message: string }
  /** Models that answer already while the build goes on (not final: the build's final reply is still to come). */
  | { type: 'usable'; id: number; ready: ModelsReady }
  | { type: 'built'; id: number; ready: ModelsReady }
  | { type: 'mixed'; id: number; mix: MixState }
  | { type: 'predictions'; id: number; predictions: PredictionPair; elapsedMs: number }
  | { type: 'completion'; id: number; completion: CompletionPair; elapsedMs: number }
  | ({ type: 'scores'; id: number } & ScoredText)
  | { type: 'generated'; id: number; base: Continuation; finetuned: Continuation; instruction: PromptInstruction | null; cacheTokens: number }
  | { type: 'smoothed'; id: number; comparison: SmoothingComparison; counts: 'base' | 'code'; elapsedMs: number }
  | { type: 'exported'; id: number; data: ArrayBuffer; filename: string }
  | { type: 'loaded'; id: number; ready: ModelsReady; tokenizer: 'code' | 'whitespace' }
  | { type: 'analysis-progress'; id: number; detail: string; fraction: number }
  | { type: 'fine-tuning-curve'; id: number; curve: FineTuningCurve; elapsedMs: number }
  | { type: 'naturalness-table'; id: number; table: NaturalnessTable; elapsedMs: number }
  | { type: 'continuations'; id: number; report: WhyReport; elapsedMs: number }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; code: ErrorCode; message: string };

/** The final replies (all but progress, notice and usable), by request type. */
export interface ReplyFor {
  build: Extract<Reply, { type: 'built' }>;
  fractions: Extract<Reply, { type: 'built' }>;
  prefetch: Extract<Reply, { type: 'done' }>;
  'app-loaded': Extract<Reply, { type: 'done' }>;
  cancel: Extract<Reply, { type: 'done' }>;
  mix: Extract<Reply, { type: 'mixed' }>;
  document: Extract<Reply, { type: 'mixed' }>;
  next: Extract<Reply, { type: 'predictions' }>;
  complete: Extract<Reply, { type: 'completion' }>;
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
