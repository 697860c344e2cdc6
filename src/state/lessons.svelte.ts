/**
 * The lesson views' state: the editor's tokens scored under both models for the colouring by rank, the four
 * smoothing methods after the cursor, and both models continuing the text (prompting). Each is one
 * DebouncedQuery: asked on every change, only the latest answer applied, stopped work dropped silently and other
 * failures shown as messages.
 */
import { DEEP_RANK } from '../analysis/lessons.ts';
import type { GenerateMethod } from '../lm/generate.ts';
import { DEFAULT_BUILD_SETTINGS } from '../build/settings.ts';
import type { ModelsState } from './models.svelte.ts';
import { DebouncedQuery, VIEW_PAUSE_MS } from './query.svelte.ts';
import type { Continuation, GenerateRequest, ModelKind, PromptInstruction, ScoredText, Smoothed } from './types.ts';

/** Scores of one text (the colouring applies them only while the editor still holds that text). */
export type ScoredFor = ScoredText & { text: string };

export interface Continued {
  prompt: string;
  base: Continuation;
  finetuned: Continuation;
  /** The prompt's last comment line and how far back it is (worker/queries.ts instructionOf). */
  instruction: PromptInstruction | null;
  /** Tokens the document cache held: all of the editor's text, however far back. */
  cacheTokens: number;
}

/** Tokens each smoothing method lists. */
export const SMOOTHING_TOKENS = 8;

export class LessonsState {
  // ---- Token colouring ----
  colour = $state(false);
  showTokens = $state(false);
  scored = $state.raw<ScoredFor | null>(null);

  // ---- Smoothing ----
  addK = $state(1);
  smoothed = $state.raw<Smoothed | null>(null);

  // ---- Prompting ----
  method = $state<GenerateMethod>('greedy');
  maxTokens = $state(40);
  beamWidth = $state(4);
  temperature = $state(0.8);
  topK = $state(40);
  topP = $state(0.95);
  seed = $state(1);
  continued = $state.raw<Continued | null>(null);

  private readonly scores = new DebouncedQuery<string, ScoredText>({
    delayMs: 200,
    run: (text) => this.models.client?.score(text, DEEP_RANK) ?? Promise.resolve(null),
    apply: (r, text) => (this.scored = { text, ...r }),
    fail: (e) => this.models.say('error', e.message),
  });

  private readonly smoothing = new DebouncedQuery<{ before: string; model: ModelKind; addK: number }, Smoothed>({
    // Once typing pauses: the comparison takes 10-25 ms in the worker, which would delay the next keystroke's ghost.
    delayMs: VIEW_PAUSE_MS,
    run: ({ before, model, addK }) => this.models.client?.smoothing(before, model, SMOOTHING_TOKENS, addK) ?? Promise.resolve(null),
    apply: (r) => (this.smoothed = r),
    fail: (e) => this.models.say('error', e.message),
  });

  private readonly prompting = new DebouncedQuery<{ prompt: string; options: GenerateRequest }, Omit<Continued, 'prompt'>>({
    delayMs: 0,
    run: ({ prompt, options }) => this.models.client?.generate(prompt, options, 'prompting') ?? Promise.resolve(null),
    apply: (r, { prompt }) => (this.continued = { prompt, ...r }),
    fail: (e) => this.models.say('error', e.message),
  });

  /** @param source the page's models (a getter, so a component can pass its prop through). */
  constructor(private readonly source: () => ModelsState) {}

  private get models(): ModelsState {
    return this.source();
  }

  private get live(): boolean {
    return this.models.client !== null && this.models.ready !== null;
  }

  /**
   * Scores `text` for the colouring (debounced), while the colouring is on. Reads the switch and the models
   * now, so an effect that calls it runs again when they change.
   */
  score(text: string): void {
    if (this.colour && this.live) this.scores.ask(text);
    else this.scores.cancel();
  }

  /** Compares the smoothing methods after `before` under the selected model (debounced). */
  smooth(before: string): void {
    const model = this.models.model;
    const addK = this.addK;
    if (this.live) this.smoothing.ask({ before, model, addK });
    else this.smoothing.cancel();
  }

  /** True while a continuation is being generated. */
  get busy(): boolean {
    return this.prompting.running > 0;
  }

  /** Both models continue `prompt` with the chosen method. */
  continueText(prompt: string): Promise<void> {
    if (!this.live) return Promise.resolve();
    const { method, maxTokens, beamWidth, temperature, topK, topP, seed } = this;
    return this.prompting.now({ prompt, options: { method, maxTokens, beamWidth, temperature, topK, topP, seed } });
  }

  /** Context tokens an n-gram of the order in force sees: order − 1. */
  get contextTokens(): number {
    return Math.max(0, (this.models.ready?.base.order ?? DEFAULT_BUILD_SETTINGS.order) - 1);
  }

  /** Drops what is asked and not sent yet (the view is going away). */
  dispose(): void {
    this.scores.cancel();
    this.smoothing.cancel();
  }
}
