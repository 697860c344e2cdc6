/**
 * The live meter of keystrokes saved while the user types: characters typed one keystroke each, and ghost text
 * accepted (Tab: the whole ghost; Ctrl+Right: its next word), each acceptance one keystroke, counted per model.
 * Keystrokes saved = 1 − keystrokes ÷ characters entered, as the typing benchmark counts them (analysis/typing.ts).
 */
import type { ModelKind } from './types.ts';

export class TypingMeter {
  /** Characters typed one by one. */
  typed = $state(0);
  /** Acceptances and the characters they entered, by the model whose ghost it was. */
  accepts = $state<Record<ModelKind, number>>({ base: 0, finetuned: 0 });
  acceptedCharacters = $state<Record<ModelKind, number>>({ base: 0, finetuned: 0 });

  /** A keystroke that entered one character. */
  keystroke(): void {
    this.typed++;
  }

  /** Ghost text accepted (one keystroke) from `model`'s ghost. */
  accepted(model: ModelKind, characters: number): void {
    if (characters <= 0) return;
    this.accepts = { ...this.accepts, [model]: this.accepts[model] + 1 };
    this.acceptedCharacters = { ...this.acceptedCharacters, [model]: this.acceptedCharacters[model] + characters };
  }

  get characters(): number {
    return this.typed + this.acceptedCharacters.base + this.acceptedCharacters.finetuned;
  }

  get keystrokes(): number {
    return this.typed + this.accepts.base + this.accepts.finetuned;
  }

  /** 1 − keystrokes ÷ characters, 0 before any character. */
  get saved(): number {
    return this.characters ? 1 - this.keystrokes / this.characters : 0;
  }

  /** Keystrokes one model's ghosts saved: the characters they entered less the keystrokes that accepted them. */
  savedBy(model: ModelKind): number {
    return this.acceptedCharacters[model] - this.accepts[model];
  }

  reset(): void {
    this.typed = 0;
    this.accepts = { base: 0, finetuned: 0 };
    this.acceptedCharacters = { base: 0, finetuned: 0 };
  }
}
