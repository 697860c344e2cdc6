/**
 * The page's side of the worker protocol. The client owns replies: a pending map of resolve/reject by
 * request id, typed error replies turned into ModelError rejections, and "latest wins" lanes for the
 * queries that follow the cursor (next, score, generate): when a newer request of the same lane is sent,
 * the older one resolves to null as soon as its reply arrives, so a stale answer is never shown.
 */
import {
  type ArpaWords,
  type BuildSettings,
  type Continuation,
  type ExportFormat,
  type ErrorCode,
  type GenerateRequest,
  type MixSettings,
  type MixState,
  type ModelsReady,
  type PredictionPair,
  type Reply,
  type ReplyFor,
  type Request,
  type TokenReport,
} from './protocol.ts';
import type { FineTuningCurve } from '../analysis/curve.ts';
import type { NaturalnessTable } from '../analysis/naturalness.ts';
import type { WhyReport } from './analysis.ts';
import type { ModelKind } from './protocol.ts';

/** The part of a Worker (or MessagePort) the client uses. */
export interface WorkerLike {
  postMessage(message: Request): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<Reply>) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent<Reply>) => void): void;
}

export class ModelError extends Error {
  override name = 'ModelError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface BuildProgressEvent {
  stage: string;
  detail: string;
  fraction: number;
  stageFraction: number;
  tokensPerSecond: number;
}

export interface BuildCallbacks {
  onProgress?: (p: BuildProgressEvent) => void;
  /** Messages worth showing that do not stop the build (a corrupt cache entry being rebuilt). */
  onNotice?: (message: string) => void;
}

/** A stream of requests where only the newest answer matters (the panel, the suggest list, the ghost text…). */
export type Lane = string;

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  callbacks?: BuildCallbacks;
}

export class ModelClient {
  private nextId = 1;
  private pending = new Map<number, Pending>();

  /** Requests sent and not yet answered (a watchdog uses it to notice a worker that died silently). */
  get waiting(): number {
    return this.pending.size;
  }
  private latest = new Map<Lane, number>();
  private currentBuild = 0;
  private readonly listener = (event: MessageEvent<Reply>) => this.receive(event.data);

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', this.listener);
  }

  /** Builds (or loads from the cache) the base and fine-tuned models; a running build is cancelled. */
  build(settings: BuildSettings, corporaUrl: string, callbacks: BuildCallbacks = {}, useCache = true): Promise<ModelsReady> {
    const id = this.nextId++;
    this.currentBuild = id;
    return this.send<'build'>({ type: 'build', id, settings, corporaUrl, useCache }, callbacks).then((r) => r.ready);
  }

  /** Stops the running build: its promise rejects with code 'cancelled'; the previous models stay. */
  async cancel(): Promise<void> {
    if (!this.currentBuild) return;
    await this.send<'cancel'>({ type: 'cancel', id: this.nextId++, target: this.currentBuild });
  }

  async setMix(mix: MixSettings): Promise<MixState> {
    return (await this.send<'mix'>({ type: 'mix', id: this.nextId++, mix })).mix;
  }

  /** The editor's text, for the document cache. */
  async setDocument(text: string): Promise<MixState> {
    return (await this.send<'document'>({ type: 'document', id: this.nextId++, text })).mix;
  }

  /** Top-k next tokens after `text` from both models; null when a newer `next` superseded this one. */
  async next(text: string, k: number, prefix?: string, lane: Lane = 'next'): Promise<PredictionPair | null> {
    const id = this.lane(lane);
    const r = await this.send<'next'>({ type: 'next', id, text, k, prefix });
    return this.latest.get(lane) === id ? r.predictions : null;
  }

  async score(text: string): Promise<{ tokens: TokenReport[]; bitsPerToken: { base: number; finetuned: number } } | null> {
    const id = this.lane('score');
    const r = await this.send<'score'>({ type: 'score', id, text });
    return this.latest.get('score') === id ? { tokens: r.tokens, bitsPerToken: r.bitsPerToken } : null;
  }

  /** Scores and ranks (to `rankDepth`) of every token, both models; null when a newer score superseded it. */
  async scoreRanked(text: string, rankDepth: number): Promise<{ tokens: TokenReport[]; bitsPerToken: { base: number; finetuned: number } } | null> {
    const id = this.lane('score');
    try {
      const r = await this.send<'score'>({ type: 'score', id, text, rankDepth });
      return this.latest.get('score') === id ? { tokens: r.tokens, bitsPerToken: r.bitsPerToken } : null;
    } catch (e) {
      // The worker stops a score pass when a newer one arrives: that is superseding, not a failure.
      if (e instanceof ModelError && e.code === 'cancelled' && this.latest.get('score') !== id) return null;
      throw e;
    }
  }

  /** The four smoothing methods side by side after `text`; null when a newer request superseded it. */
  async smoothing(text: string, model: ModelKind, k: number, addK: number): Promise<Extract<Reply, { type: 'smoothed' }> | null> {
    const id = this.lane('smoothing');
    const r = await this.send<'smoothing'>({ type: 'smoothing', id, text, model, k, addK });
    return this.latest.get('smoothing') === id ? r : null;
  }

  async generate(text: string, options: GenerateRequest, lane: Lane = 'generate'): Promise<{ base: Continuation; finetuned: Continuation } | null> {
    const id = this.lane(lane);
    const r = await this.send<'generate'>({ type: 'generate', id, text, options });
    return this.latest.get(lane) === id ? { base: r.base, finetuned: r.finetuned } : null;
  }

  /** A model file (the base, or the code model at 100%), transferred from the worker. */
  async exportModel(model: 'base' | 'code', format: ExportFormat = 'cgm'): Promise<{ data: ArrayBuffer; filename: string }> {
    const r = await this.send<'export'>({ type: 'export', id: this.nextId++, model, format });
    return { data: r.data, filename: r.filename };
  }

  /** Replaces the base or the code model with a model file; on any error the current models stay. */
  async loadModel(file: Blob, name: string, role: 'base' | 'code', words: ArpaWords, callbacks: BuildCallbacks = {}): Promise<ModelsReady> {
    return (await this.send<'load'>({ type: 'load', id: this.nextId++, role, file, name, words }, callbacks)).ready;
  }

  /** The fine-tuning curve of the current models (computed once per model set in the worker). */
  async curve(): Promise<FineTuningCurve> {
    return (await this.send<'curve'>({ type: 'curve', id: this.nextId++ })).curve;
  }

  /** The naturalness table, orders 1 to 6: a background job in the worker, with progress. */
  async naturalness(callbacks: BuildCallbacks = {}): Promise<NaturalnessTable> {
    return (await this.send<'naturalness'>({ type: 'naturalness', id: this.nextId++ }, callbacks)).table;
  }

  /** Training-corpus places where the context is followed by `token`; null when a newer `why` superseded it. */
  async why(text: string, token: string, model: ModelKind): Promise<WhyReport | null> {
    const id = this.lane('why');
    const r = await this.send<'why'>({ type: 'why', id, text, token, model });
    return this.latest.get('why') === id ? r.report : null;
  }

  dispose(): void {
    this.worker.removeEventListener('message', this.listener);
    for (const p of this.pending.values()) p.reject(new ModelError('cancelled', 'the model client was disposed'));
    this.pending.clear();
  }

  private lane(lane: Lane): number {
    const id = this.nextId++;
    this.latest.set(lane, id);
    return id;
  }

  private send<T extends Request['type']>(req: Extract<Request, { type: T }>, callbacks?: BuildCallbacks): Promise<ReplyFor[T]> {
    return new Promise<ReplyFor[T]>((resolve, reject) => {
      this.pending.set(req.id, { resolve: resolve as (r: Reply) => void, reject, callbacks });
      this.worker.postMessage(req);
    });
  }

  private receive(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    switch (reply.type) {
      case 'progress':
        p.callbacks?.onProgress?.(reply);
        return;
      case 'notice':
        p.callbacks?.onNotice?.(reply.message);
        return;
      case 'analysis-progress':
        p.callbacks?.onProgress?.({ stage: 'analysis', detail: reply.detail, fraction: reply.fraction, stageFraction: reply.fraction, tokensPerSecond: 0 });
        return;
      case 'error':
        this.pending.delete(reply.id);
        p.reject(new ModelError(reply.code, reply.message));
        return;
      case 'built':
      case 'mixed':
      case 'predictions':
      case 'scores':
      case 'generated':
      case 'smoothed':
      case 'exported':
      case 'loaded':
      case 'fine-tuning-curve':
      case 'naturalness-table':
      case 'continuations':
      case 'done':
        this.pending.delete(reply.id);
        p.resolve(reply);
        return;
      default: {
        const never: never = reply;
        throw new Error(`unknown reply ${JSON.stringify(never)}`);
      }
    }
  }
}
