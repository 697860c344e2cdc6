/**
 * The page's view of the models: the worker's lifetime, the build and its progress, the live mix
 * (strength, data fraction, document cache), model files in and out, and the messages the user should see.
 * Components read this state and call its methods; this class (and the state classes that borrow its client)
 * is the only code that talks to the worker client.
 *
 * Phase: 'building' while the latest build asked for runs; when it ends (built, failed, or cancelled because
 * a newer change such as a model file went live first) the phase is 'ready' if models answer, else 'failed'.
 * An older build that ends while a newer one runs leaves the phase alone.
 */
import { ModelClient, type BuildProgressEvent, type WorkerLike } from '../client/client.ts';
import { DEFAULT_LANGUAGE, DEFAULT_MIX } from '../build/mix.ts';
import { CodegramError, isStopped } from '../lm/errors.ts';
import type { ArpaWords, BuildSettings, CompletionPair, ExportFormat, MixSettings, MixState, ModelKind, ModelsReady, Reply } from '../worker/protocol.ts';
import { DebouncedQuery } from './query.svelte.ts';
import { Throttled } from './throttle.ts';
import type { CompletionSource, CursorAnswer } from './types.ts';

export type Phase = 'starting' | 'building' | 'ready' | 'failed';

export interface Message {
  id: number;
  kind: 'error' | 'warning' | 'info';
  text: string;
}

/** The part of a Worker ModelsState uses (a real one on the page, a fake in tests): the client's, plus its end. */
export interface ModelWorker extends WorkerLike {
  addEventListener(type: 'message', listener: (event: MessageEvent<Reply>) => void): void;
  addEventListener(type: 'error', listener: (event: Pick<ErrorEvent, 'message' | 'preventDefault'>) => void): void;
  terminate(): void;
}

export interface ModelsOptions {
  /** Where the default corpora are (by default `corpora/` beside the page). */
  corporaUrl?: string;
  /** Silence, while a request waits, after which the worker counts as dead (default 10 s). */
  silenceMs?: number;
}

let messageId = 0;

/**
 * User-timing marks of this page's first models (read by bench/first-visit.ts): when the first models answer,
 * when the full ones are ready (built or loaded, and cached), when the data-fraction models are there too.
 */
const marked = new Set<string>();
function markOnce(name: 'usable' | 'ready' | 'complete'): void {
  if (marked.has(name)) return;
  marked.add(name);
  globalThis.performance?.mark?.(`codegram:models-${name}`);
}

/** Suggestions per list, and the longest ghost, asked for at each keystroke. */
const SUGGESTIONS = 12;
const GHOST_TOKENS = 24;
const GHOST_SETTING = 'codegram:ghost-text';

function readGhostSetting(): boolean {
  try {
    return globalThis.localStorage?.getItem(GHOST_SETTING) !== 'off';
  } catch {
    return true;
  }
}

/** A completion request on its way to the worker, for one cursor at one revision of the models. */
interface PendingCompletion {
  key: string;
  before: string;
  after: string;
  answer: Promise<CompletionPair | null>;
}

/** True when `later` is this cursor, or one reached from it by typing on the same line (the rest of it unchanged). */
function typedOn(before: string, after: string, later: PendingCompletion): boolean {
  if (later.after !== after || !later.before.startsWith(before)) return false;
  return !later.before.slice(before.length).includes('\n');
}

/** How often build progress is drawn at most (throttle.ts). */
const PROGRESS_DRAW_MS = 250;

export class ModelsState {
  phase = $state<Phase>('starting');
  progress = $state<BuildProgressEvent | null>(null);
  /** Progress as drawn: a few times a second, a new stage at once (throttle.ts). */
  private readonly progressFeed = new Throttled<BuildProgressEvent>(PROGRESS_DRAW_MS, (p) => (this.progress = p), (p) => p.stage !== this.progress?.stage);
  /** The models answering, or null before the first ones (and after a crash, until they are restored). */
  ready = $state<ModelsReady | null>(null);
  mix = $state<MixState | null>(null);
  mixSettings = $state<MixSettings>({ ...DEFAULT_MIX });
  model = $state<ModelKind>('finetuned');
  messages = $state<Message[]>([]);
  /** Bumped whenever answers may have changed (new models, new mix): views re-query. */
  revision = $state(0);
  client = $state.raw<ModelClient | null>(null);

  /** Ghost text in the editor (a setting, kept in localStorage). */
  ghost = $state(readGhostSetting());

  /** What the editor's completion providers ask (they never see the client). */
  readonly completions: CompletionSource = {
    at: (before, after, untilModels) => this.completionAt(before, after, untilModels),
    // Its own lane: it must neither supersede nor be taken for the keystroke's request at the real cursor.
    afterChoice: (before, after) => {
      const client = this.client;
      if (!client || !this.ready) return Promise.resolve(null);
      return client.complete(before, after, 1, GHOST_TOKENS, this.model, 'choice').catch((e: unknown) => {
        if (!isStopped(e)) this.say('error', (e as Error).message);
        return null;
      });
    },
    model: () => this.model,
    ghost: () => this.ghost,
  };

  /** The last cursor asked about and its answer, shared by the suggestion list and the ghost of one keystroke. */
  private lastCompletion: PendingCompletion | null = null;

  private async completionAt(before: string, after: string, untilModels = false): Promise<CursorAnswer | null> {
    const client = this.client;
    if (!client) return null;
    // A key typed while the page loads (the editor is drawn about 0.7 s before the quick models answer on a first
    // visit, 0.05–0.3 s before the starter models on a reload) gets its ghost when they come, not at the next key:
    // the worker keeps the latest such request and answers it as the models go live (worker/service.ts `park`).
    const early = !this.ready;
    if (early && (!untilModels || this.phase === 'failed')) return null;
    const model = this.model;
    const key = `${this.revision}\u0000${model}\u0000${before}\u0000${after}`;
    if (this.lastCompletion?.key !== key) {
      const answer = client.complete(before, after, SUGGESTIONS, GHOST_TOKENS, model, 'cursor', early).catch((e: unknown) => {
        if (!isStopped(e)) this.say('error', (e as Error).message);
        return null;
      });
      this.lastCompletion = { key, before, after, answer };
    }
    return this.answerFor(this.lastCompletion, before, after);
  }

  /**
   * A request's answer or, when a newer request superseded it, the newest request's answer if that one is for the
   * same cursor (the models or the cache changed meanwhile) or for a cursor the user reached by typing on along
   * the line. Monaco asks for a suggestion list once and then waits for it; with the list's request superseded by
   * the next keystroke's ghost it would otherwise get nothing and close the list the user just opened.
   */
  private async answerFor(mine: PendingCompletion, before: string, after: string): Promise<CursorAnswer | null> {
    for (let asked = mine; ; ) {
      const pair = await asked.answer;
      if (pair !== null) return { pair, typed: asked.before.slice(before.length) };
      const latest = this.lastCompletion;
      if (!latest || latest === asked || !typedOn(before, after, latest)) return null;
      asked = latest;
    }
  }

  setGhost(on: boolean): void {
    this.ghost = on;
    try {
      localStorage.setItem(GHOST_SETTING, on ? 'on' : 'off');
    } catch {
      // Storage may be off (private mode): the setting then lasts for this visit.
    }
  }

  private worker: ModelWorker | null = null;
  private lastSettings: BuildSettings | null = null;
  /** Builds asked for so far: the latest one owns the phase. */
  private builds = 0;
  private readonly corporaUrl: string;
  private readonly silenceMs: number;
  private lastHeard = Date.now();
  private readonly watchdog: ReturnType<typeof setInterval>;

  /** The document cache learns the editor's text (debounced: it is retrained on each update). */
  private readonly documentCache = new DebouncedQuery<string, MixState>({
    delayMs: 250,
    run: (text) => (this.client && this.ready ? this.client.setDocument(text) : Promise.resolve(null)),
    apply: (mix) => {
      this.mix = mix;
      if (mix.cacheWeight > 0) this.revision++;
    },
    fail: (e) => this.say('error', e.message),
  });

  constructor(
    private readonly makeWorker: () => ModelWorker,
    options: ModelsOptions = {},
  ) {
    this.corporaUrl = options.corporaUrl ?? new URL('corpora/', document.baseURI).href;
    this.silenceMs = options.silenceMs ?? 10_000;
    this.start();
    // A worker that was terminated (or hangs) sends no error event: it just stops answering. A build reports
    // progress several times a second and a query answers in milliseconds, so silence for this long while
    // something is waiting means it is gone.
    this.watchdog = setInterval(() => {
      if (this.client && this.client.waiting > 0 && Date.now() - this.lastHeard > this.silenceMs) {
        this.crashed(`no answer for ${this.silenceMs / 1000} s`);
      }
    }, 1000);
  }

  say(kind: Message['kind'], text: string): void {
    this.messages = [...this.messages.filter((m) => m.text !== text), { id: ++messageId, kind, text }];
  }

  dismiss(id: number): void {
    this.messages = this.messages.filter((m) => m.id !== id);
  }

  private start(): void {
    const worker = this.makeWorker();
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.crashed(event.message || 'the model worker failed');
    });
    worker.addEventListener('message', () => (this.lastHeard = Date.now()));
    this.worker = worker;
    this.client = new ModelClient(worker);
    this.lastHeard = Date.now();
  }

  /** A crashed worker is replaced and the last settings rebuilt (from the cache when they are there). */
  private crashed(why: string): void {
    this.say('error', `The model worker stopped (${why}). It has been restarted; the models are being restored.`);
    const old = this.client;
    this.worker?.terminate();
    this.start();
    old?.dispose(); // rejects what was waiting on the dead worker
    this.ready = null;
    if (this.lastSettings) void this.build(this.lastSettings);
  }

  async build(settings: BuildSettings): Promise<void> {
    const client = this.client;
    if (!client) return;
    const mine = ++this.builds;
    this.lastSettings = settings;
    this.phase = 'building'; // the previous models, if any, keep answering meanwhile
    this.progressFeed.cancel();
    this.progress = null;
    this.fractionsWanted = false;
    try {
      const ready = await client.build(
        settings,
        this.corporaUrl,
        {
          onProgress: (p) => {
            if (mine === this.builds) this.progressFeed.push(p);
          },
          onNotice: (m) => this.say('warning', m),
          // Quick models answer while the full ones build (the status says so).
          onUsable: (usable) => {
            if (client !== this.client || mine !== this.builds) return;
            this.ready = usable;
            this.mix = usable.mix;
            markOnce('usable');
            void this.applyMix();
            // The full models answer while they are cached: the fraction models start now, on the build workers.
            if (usable.stage === 'full') void this.buildFractions();
          },
        },
        true,
        { language: this.mixSettings.language ?? DEFAULT_LANGUAGE },
      );
      if (client !== this.client) return;
      // The fraction models, started when the full ones became usable, may have come first: they stay.
      const now = this.ready;
      this.ready = now?.stage === 'complete' && ready.stage === 'full' && this.completeFor === mine ? { ...now, elapsedMs: ready.elapsedMs } : ready;
      this.mix = ready.mix;
      markOnce('usable');
      markOnce('ready');
      if (this.ready.stage === 'complete') markOnce('complete');
      this.settle(mine);
      await this.applyMix();
      if (!ready.fromCache) void this.askToPersist();
      // A first visit goes on to build the data-fraction models in the background; after a load from the cache
      // they are built when first asked for (the fraction control, the fine-tuning curve).
      if (mine === this.builds && this.ready.stage === 'full' && (!ready.fromCache || this.wantsFractions())) void this.buildFractions();
    } catch (e) {
      // Cancelled: a newer build took over (it owns the phase now), or a newer change (a model file) went
      // live first and stays, so this build is over and nothing is building any more.
      if (e instanceof CodegramError && e.code === 'cancelled') {
        this.settle(mine);
        return;
      }
      this.say('error', `Building the models failed: ${(e as Error).message}.${this.ready ? ' The previous models are still in use.' : ''}`);
      this.settle(mine);
    }
  }

  /** The end of build `mine`: if it was the latest one asked for, nothing is building any more. */
  private settle(mine: number): void {
    if (mine !== this.builds) return;
    this.phase = this.ready ? 'ready' : 'failed';
    this.progressFeed.cancel();
    this.progress = null;
  }

  async setMix(patch: Partial<MixSettings>): Promise<void> {
    this.mixSettings = { ...this.mixSettings, ...patch };
    if (this.ready?.stage === 'full' && this.wantsFractions()) void this.buildFractions();
    await this.applyMix();
  }

  /**
   * Whether the browser keeps the cached models (and uploads) until the user clears them, rather than evicting
   * them under storage pressure: asked for (navigator.storage.persist) once models were built and cached; null
   * before, or where the browser has no such API.
   */
  persisted = $state<boolean | null>(null);

  private async askToPersist(): Promise<void> {
    const storage = globalThis.navigator?.storage;
    if (!storage?.persist) return;
    try {
      this.persisted = (await storage.persisted?.()) || (await storage.persist());
    } catch {
      this.persisted = false;
    }
  }

  /** Progress of the data-fraction models while they build in the background (null otherwise). */
  fractionProgress = $state<BuildProgressEvent | null>(null);
  private readonly fractionFeed = new Throttled<BuildProgressEvent>(PROGRESS_DRAW_MS, (p) => {
    if (this.fractionProgress) this.fractionProgress = p;
  });
  /** The build whose models the fraction models completed (their reply may come before that build's own). */
  private completeFor = 0;
  /** Set once the fraction models were asked for since the last build (the worker also builds them for the curve). */
  private fractionsWanted = false;

  /** Whether the settings ask for a data fraction that has no model yet. */
  private wantsFractions(): boolean {
    const f = this.mixSettings.dataFraction;
    return this.fractionsWanted || (f > 0 && f < 1);
  }

  /**
   * Builds the data-fraction models beside the full ones (in the worker's build workers; the models keep
   * answering), once per set of models. (A fine-tuning curve asked for first makes the worker build them itself.)
   */
  async buildFractions(): Promise<void> {
    const client = this.client;
    if (!client || this.ready?.stage !== 'full' || this.fractionProgress) return;
    this.fractionsWanted = true;
    const builds = this.builds;
    this.fractionProgress = { stage: 'fractions', detail: 'starting', fraction: 0, stageFraction: 0, tokensPerSecond: 0 };
    try {
      const ready = await client.buildFractions({
        onProgress: (p) => {
          this.fractionFeed.push(p);
        },
      });
      if (client !== this.client || builds !== this.builds) return;
      // The same models and more: the status keeps saying how they were made (built or loaded, and how fast).
      const before = this.ready;
      this.ready = before ? { ...ready, fromCache: before.fromCache, elapsedMs: before.elapsedMs } : ready;
      this.completeFor = builds;
      markOnce('complete');
      await this.applyMix();
    } catch (e) {
      if (!isStopped(e)) this.say('error', `The data-fraction models could not be built: ${(e as Error).message}. The full models still answer.`);
    } finally {
      this.fractionFeed.cancel();
      this.fractionProgress = null;
    }
  }

  private async applyMix(): Promise<void> {
    if (!this.client || !this.ready) return;
    try {
      this.mix = await this.client.setMix($state.snapshot(this.mixSettings));
      this.revision++;
    } catch (e) {
      this.say('error', (e as Error).message);
    }
  }

  /** The editor's text changed: the document cache learns it after a quiet 250 ms. */
  setDocument(text: string): void {
    if (!this.ready) {
      this.documentCache.cancel();
      return;
    }
    this.documentCache.ask(text);
  }

  /**
   * Replaces the base or the code model with a model file. The worker reads it whole before swapping, so on any
   * error the current models keep answering and the message says what was wrong with the file.
   * @returns whether the file went live.
   */
  async loadModel(file: Blob, name: string, role: 'base' | 'code', words: ArpaWords, onProgress?: (fraction: number) => void): Promise<boolean> {
    const client = this.client;
    if (!client || !this.ready) return false;
    try {
      const ready = await client.loadModel(file, name, role, words, {
        onProgress: (p) => onProgress?.(p.fraction),
        onNotice: (m) => this.say('warning', m),
      });
      this.ready = ready;
      this.mix = ready.mix;
      this.revision++;
      const loaded = role === 'base' ? ready.base : ready.fractions[0].model;
      this.say('info', `Loaded "${name}" as the ${role} model (${loaded.ngrams.join(' / ')} n-grams).`);
      return true;
    } catch (e) {
      this.say('error', `The model file could not be loaded: ${(e as Error).message}. The current models are still in use.`);
      return false;
    }
  }

  /** A model file of the base model or of the code model at 100%, ready to download; null (with a message) on failure. */
  async exportModel(model: 'base' | 'code', format: ExportFormat): Promise<{ blob: Blob; filename: string } | null> {
    const client = this.client;
    if (!client) return null;
    try {
      const { data, filename } = await client.exportModel(model, format);
      return { blob: new Blob([data], { type: format === 'arpa' ? 'text/plain' : 'application/octet-stream' }), filename };
    } catch (e) {
      this.say('error', `The model could not be exported: ${(e as Error).message}`);
      return null;
    }
  }

  toggleModel(): void {
    this.model = this.model === 'base' ? 'finetuned' : 'base';
  }

  /** Stops the watchdog and the worker (the page never needs it; tests do). */
  dispose(): void {
    clearInterval(this.watchdog);
    this.documentCache.cancel();
    this.client?.dispose();
    this.worker?.terminate();
  }
}
