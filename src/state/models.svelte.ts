/**
 * The page's view of the models: the worker's lifetime, the build and its progress, the live mix
 * (strength, data fraction, document cache) and the messages the user should see. Components read this
 * state; only this class talks to the worker client.
 */
import { ModelClient, ModelError, type BuildProgressEvent } from '../worker/client.ts';
import { DEFAULT_MIX, type BuildSettings, type MixSettings, type MixState, type ModelKind, type ModelsReady } from '../worker/protocol.ts';

export type Phase = 'starting' | 'building' | 'ready' | 'failed';

export interface Message {
  id: number;
  kind: 'error' | 'warning' | 'info';
  text: string;
}

let messageId = 0;

export class ModelsState {
  phase = $state<Phase>('starting');
  progress = $state<BuildProgressEvent | null>(null);
  ready = $state<ModelsReady | null>(null);
  mix = $state<MixState | null>(null);
  mixSettings = $state<MixSettings>({ ...DEFAULT_MIX });
  model = $state<ModelKind>('finetuned');
  messages = $state<Message[]>([]);
  /** Bumped whenever answers may have changed (new models, new mix): views re-query. */
  revision = $state(0);
  client = $state.raw<ModelClient | null>(null);

  private worker: Worker | null = null;
  private lastSettings: BuildSettings | null = null;
  private readonly corporaUrl: string;

  constructor(private readonly makeWorker: () => Worker) {
    this.corporaUrl = new URL('corpora/', document.baseURI).href;
    this.start();
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

  /**
   * A worker that was terminated (or hangs) sends no error event: it just stops answering. A build reports
   * progress several times a second and a query answers in milliseconds, so silence for this long while
   * something is waiting means it is gone.
   */
  private static readonly SILENCE_MS = 10_000;
  private lastHeard = Date.now();
  private readonly watchdog = setInterval(() => {
    if (this.client && this.client.waiting > 0 && Date.now() - this.lastHeard > ModelsState.SILENCE_MS) {
      this.crashed(`no answer for ${ModelsState.SILENCE_MS / 1000} s`);
    }
  }, 1000);

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
    this.lastSettings = settings;
    this.phase = 'building'; // the previous models, if any, keep answering meanwhile
    this.progress = null;
    try {
      const ready = await client.build(settings, this.corporaUrl, {
        onProgress: (p) => (this.progress = p),
        onNotice: (m) => this.say('warning', m),
      });
      if (client !== this.client) return;
      this.ready = ready;
      this.mix = ready.mix;
      this.phase = 'ready';
      this.progress = null;
      await this.applyMix();
    } catch (e) {
      if (e instanceof ModelError && e.code === 'cancelled') return; // a newer build took over
      this.say('error', `Building the models failed: ${(e as Error).message}.${this.ready ? ' The previous models are still in use.' : ''}`);
      this.phase = this.ready ? 'ready' : 'failed';
      this.progress = null;
    }
  }

  async setMix(patch: Partial<MixSettings>): Promise<void> {
    this.mixSettings = { ...this.mixSettings, ...patch };
    await this.applyMix();
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

  async setDocument(text: string): Promise<void> {
    if (!this.client || !this.ready) return;
    try {
      this.mix = await this.client.setDocument(text);
      if (this.mixSettings.cacheWeight > 0) this.revision++;
    } catch (e) {
      this.say('error', (e as Error).message);
    }
  }

  toggleModel(): void {
    this.model = this.model === 'base' ? 'finetuned' : 'base';
  }
}
