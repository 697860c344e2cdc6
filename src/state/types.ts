/**
 * The types the editor and the components need from the layers they may not import (the worker protocol and
 * the client), re-exported here, and the small interfaces state offers them. Types only.
 */
import type { BuildProgressEvent } from '../client/client.ts';
import type { Continuation, GenerateRequest, Lane, ModelKind, PredictionPair, Reply } from '../worker/protocol.ts';

export type { BuildProgressEvent };
export type {
  ArpaWords,
  BuildSettings,
  ComparedToken,
  Continuation,
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

/** Both models' continuations of one text. */
export interface ContinuationPair {
  base: Continuation;
  finetuned: Continuation;
}

/** The four smoothing methods after a context, on one model's counts. */
export type Smoothed = Extract<Reply, { type: 'smoothed' }>;

/**
 * What the editor's completion providers ask (editor/providers.ts); ModelsState.completions implements it.
 * Both queries resolve to null when there are no models yet or a newer request of the lane superseded them.
 */
export interface CompletionSource {
  predictions(text: string, k: number, prefix: string, lane: Lane): Promise<PredictionPair | null>;
  continuation(text: string, options: GenerateRequest, lane: Lane): Promise<ContinuationPair | null>;
  /** The model the user selected: suggestions and ghost text come from it. */
  model(): ModelKind;
}
