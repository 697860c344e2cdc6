/**
 * The types the editor and the components need from the layers they may not import (the worker protocol and
 * the client), re-exported here, and the small interfaces state offers them. Types only.
 */
import type { BuildProgressEvent } from '../client/client.ts';
import type { CompletionPair, ModelKind, Reply } from '../worker/protocol.ts';

export type { BuildProgressEvent };
export type {
  ArpaWords,
  BuildSettings,
  ComparedToken,
  CompletionPair,
  Continuation,
  PromptInstruction,
  CorpusKind,
  ExportFormat,
  FineTuningCurve,
  GenerateRequest,
  Lane,
  MixSettings,
  MixState,
  ModelKind,
  ModelsReady,
  NaturalnessTable,
  PredictionPair,
  ScoredText,
  TokenReport,
  UserCorpus,
  WhyReport,
} from '../worker/protocol.ts';

/** The four smoothing methods after a context, on one model's counts. */
export type Smoothed = Extract<Reply, { type: 'smoothed' }>;

/**
 * An answer to a completion request: the worker's pair for the cursor asked about, or, when the user typed on
 * while it was computed, for a later cursor on the same line whose text before it extends the one asked about by
 * `typed` (empty for the cursor itself). A suggestion list can use either (Monaco filters it by what was typed);
 * ghost text only the first, as it is inserted at the cursor.
 */
export interface CursorAnswer {
  pair: CompletionPair;
  typed: string;
}

/**
 * What the editor's completion providers ask (editor/providers.ts); ModelsState.completions implements it.
 * `at` resolves to null when there are no models yet or the cursor moved elsewhere (not by typing on the same
 * line) before the answer came; with `untilModels` (the ghost), a request made before the first models waits for
 * them while they are on their way, and is answered if it is still the latest such cursor. The suggestion list and
 * the ghost text of one keystroke ask with the same text and share one round trip to the worker.
 */
export interface CompletionSource {
  /** Both models' suggestion lists and ghosts at a cursor: `before` it, and `after` it on its line. */
  at(before: string, after: string, untilModels?: boolean): Promise<CursorAnswer | null>;
  /**
   * The answer at a cursor the user has not reached: where the open suggestion list's selected item would put it
   * (`before` ends with the item). Null when superseded by the next such request, or without models.
   */
  afterChoice(before: string, after: string): Promise<CompletionPair | null>;
  /** The model the user selected: suggestions and ghost text come from it. */
  model(): ModelKind;
  /** False when the user turned ghost text off. */
  ghost(): boolean;
}
