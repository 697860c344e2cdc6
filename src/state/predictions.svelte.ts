/**
 * The next-token panel's state: it follows the cursor, the model switch and every change of the mix. Each
 * change asks again after a quiet 30 ms; only the answer to the latest request is shown (the client's 'panel'
 * lane drops superseded ones), and failures other than stopped work become messages.
 */
import type { ModelsState } from './models.svelte.ts';
import { DebouncedQuery } from './query.svelte.ts';
import type { PredictionPair } from './types.ts';

/** Where a completion starts (editor/context.ts computes it from the text before the cursor). */
export interface CursorContext {
  /** The text the model conditions on. */
  context: string;
  /** The start of the token being typed (may be ''). */
  prefix: string;
}

/** How many next tokens the panel lists. */
export const PANEL_TOKENS = 10;

export class PredictionsState {
  pair = $state.raw<PredictionPair | null>(null);
  /** The prefix the shown pair completes. */
  prefix = $state('');

  private readonly query: DebouncedQuery<CursorContext, PredictionPair>;

  /** @param source the page's models (a getter, so a component can pass its prop through). */
  constructor(
    private readonly source: () => ModelsState,
    delayMs = 30,
  ) {
    this.query = new DebouncedQuery({
      delayMs,
      run: ({ context, prefix }) => this.models.client?.next(context, PANEL_TOKENS, prefix, 'panel') ?? Promise.resolve(null),
      apply: (pair, { prefix }) => {
        this.pair = pair;
        this.prefix = prefix;
      },
      fail: (e) => this.models.say('error', e.message),
    });
  }

  private get models(): ModelsState {
    return this.source();
  }

  /**
   * Asks for the predictions at the cursor (debounced). Reads the models' client and readiness now, so an
   * effect that calls it runs again when they change.
   */
  follow(at: CursorContext): void {
    if (!this.models.client || !this.models.ready) {
      this.query.cancel();
      return;
    }
    this.query.ask(at);
  }

  /** Drops a request not sent yet. */
  cancel(): void {
    this.query.cancel();
  }
}
