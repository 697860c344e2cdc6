/**
 * The page's side of the worker protocol. The client owns replies: a pending map of resolve/reject by
 * request id, typed error replies turned into CodegramError rejections, and "latest wins" lanes for the
 * queries that follow the cursor or a view (next, score, generate, smoothing, why): a request names its lane,
 * the worker stops an older request of the lane when a newer one arrives, and the older one resolves to null
 * (superseded), so a stale answer is never shown.
 */
import { CodegramError } from '../lm/errors.ts';
import type {
  ArpaWords,
  CodeLanguage,
  BuildProgress,
  BuildSettings,
  CompletionPair,
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
  Reply,
  ReplyFor,
  Request,
  ScoredText,
  WhyReport,
} from '../worker/protocol.ts';

/** The part of a Worker (or MessagePort) the client uses. */
export interface WorkerLike {
  postMessage(message: Request): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<Reply>) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent<Reply>) => void): void;
}

/** Both models' continuations of a prompt, with what the prompting panel explains them by. */
export type Generated = Omit<Extract<Reply, { type: 'generated' }>, 'type' | 'id'>;

/** Progress of a build, a model-file load or an analysis job ('analysis'). */
export type BuildProgressEvent = Omit<BuildProgress, 'stage'> & { stage: BuildProgress['stage'] | 'analysis' };

export interface BuildCallbacks {
  onProgress?: (p: BuildProgressEvent) => void;
  /** Messages worth showing that do not stop the build (a corrupt cache entry being rebuilt). */
  onNotice?: (message: string) => void;
  /** Models that answer already, before the build's end (quick models). */
  onUsable?: (ready: ModelsReady) => void;
}

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
  build(settings: BuildSettings, corporaUrl: string, callbacks: BuildCallbacks = {}, useCache = true, quick?: { language: CodeLanguage }): Promise<ModelsReady> {
    const id = this.nextId++;
    this.currentBuild = id;
    return this.send<'build'>({ type: 'build', id, settings, corporaUrl, useCache, quick: quick !== undefined, language: quick?.language }, callbacks).then((r) => r.ready);
  }

  /** The data-fraction models beside the full ones; resolves to the models then live. */
  buildFractions(callbacks: BuildCallbacks = {}): Promise<ModelsReady> {
    return this.send<'fractions'>({ type: 'fractions', id: this.nextId++ }, callbacks).then((r) => r.ready);
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

  /** Top-k next tokens after `text` from both models; null when a newer request of the lane superseded this one. */
  next(text: string, k: number, prefix?: string, lane: Lane = 'next'): Promise<PredictionPair | null> {
    return this.inLane(lane, (id) => ({ type: 'next', id, lane, text, k, prefix }), (r) => r.predictions);
  }

  /**
   * Both models' suggestions and `model`'s ghost at a cursor; null when a newer request of the lane superseded this one.
   * `untilModels`: asked before the first models, answered as soon as they go live (protocol.ts).
   */
  complete(before: string, after: string, k: number, maxTokens: number, model: ModelKind, lane: Lane = 'complete', untilModels = false): Promise<CompletionPair | null> {
    return this.inLane(lane, (id) => ({ type: 'complete', id, lane, before, after, k, maxTokens, model, ...(untilModels ? { untilModels } : {}) }), (r) => r.completion);
  }

  /** Scores and ranks (to `rankDepth`) of every token, both models; null when a newer score superseded it. */
  score(text: string, rankDepth: number, lane: Lane = 'score'): Promise<ScoredText | null> {
    return this.inLane(lane, (id) => ({ type: 'score', id, lane, text, rankDepth }), (r) => ({ tokens: r.tokens, bitsPerToken: r.bitsPerToken }));
  }

  /** The four smoothing methods side by side after `text`; null when a newer request superseded it. */
  smoothing(text: string, model: ModelKind, k: number, addK: number, lane: Lane = 'smoothing'): Promise<Extract<Reply, { type: 'smoothed' }> | null> {
    return this.inLane(lane, (id) => ({ type: 'smoothing', id, lane, text, model, k, addK }), (r) => r);
  }

  generate(text: string, options: GenerateRequest, lane: Lane = 'generate'): Promise<Generated | null> {
    return this.inLane(lane, (id) => ({ type: 'generate', id, lane, text, options }), (r) => ({ base: r.base, finetuned: r.finetuned, instruction: r.instruction, cacheTokens: r.cacheTokens }));
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
  why(text: string, token: string, model: ModelKind, lane: Lane = 'why'): Promise<WhyReport | null> {
    return this.inLane(lane, (id) => ({ type: 'why', id, lane, text, token, model }), (r) => r.report);
  }

  dispose(): void {
    this.worker.removeEventListener('message', this.listener);
    for (const p of this.pending.values()) p.reject(new CodegramError('cancelled', 'the model client was disposed'));
    this.pending.clear();
  }

  /**
   * Sends a lane request: its answer, or null when a newer request of the same lane was sent meanwhile (the
   * worker then usually stops it early with 'superseded'; an answer that raced in is dropped here).
   */
  private async inLane<T extends 'next' | 'complete' | 'score' | 'smoothing' | 'generate' | 'why', R>(
    lane: Lane,
    make: (id: number) => Extract<Request, { type: T }>,
    pick: (reply: ReplyFor[T]) => R,
  ): Promise<R | null> {
    const id = this.nextId++;
    this.latest.set(lane, id);
    try {
      const r = await this.send<T>(make(id));
      return this.latest.get(lane) === id ? pick(r) : null;
    } catch (e) {
      if (e instanceof CodegramError && e.code === 'superseded') return null;
      throw e;
    }
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
      case 'usable':
        p.callbacks?.onUsable?.(reply.ready);
        return;
      case 'analysis-progress':
        p.callbacks?.onProgress?.({ stage: 'analysis', detail: reply.detail, fraction: reply.fraction, stageFraction: reply.fraction, tokensPerSecond: 0 });
        return;
      case 'error':
        this.pending.delete(reply.id);
        p.reject(new CodegramError(reply.code, reply.message));
        return;
      case 'built':
      case 'mixed':
      case 'predictions':
      case 'completion':
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
