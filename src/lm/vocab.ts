import { SPECIAL_TOKENS, UNK, type TokenId } from './types.ts';

/**
 * Token strings to ids and back. One Map entry per distinct token (not per n-gram): a Brown-sized
 * vocabulary is about 50k entries. Ids 0..2 are always <unk>, <s>, </s>.
 */
export class Vocab {
  readonly words: string[];
  private readonly index: Map<string, TokenId>;

  constructor(words: readonly string[] = SPECIAL_TOKENS) {
    for (let i = 0; i < SPECIAL_TOKENS.length; i++) {
      if (words[i] !== SPECIAL_TOKENS[i]) throw new Error(`vocabulary must start with ${SPECIAL_TOKENS.join(' ')}`);
    }
    this.words = [...words];
    // A loop, not new Map(words.map(…)): loading a model builds this for every token, and the pairs cost.
    this.index = new Map();
    for (let i = 0; i < this.words.length; i++) this.index.set(this.words[i], i);
    if (this.index.size !== this.words.length) throw new Error('vocabulary has duplicate tokens');
  }

  get size(): number {
    return this.words.length;
  }

  /** The id of a token, adding it when new (training). */
  add(word: string): TokenId {
    let id = this.index.get(word);
    if (id === undefined) {
      id = this.words.length;
      // A token sliced from a long text can keep that whole text alive in V8; keep a flat copy instead.
      const own = word.length > 12 ? word.split('').join('') : word;
      this.words.push(own);
      this.index.set(own, id);
    }
    return id;
  }

  /** `add` for a token that is already a string of its own (another vocabulary's): no flat copy is made. */
  intern(word: string): TokenId {
    let id = this.index.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      this.index.set(word, id);
    }
    return id;
  }

  /** The id of a token, or UNK when the model never saw it (querying). */
  id(word: string): TokenId {
    return this.index.get(word) ?? UNK;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  token(id: TokenId): string {
    return this.words[id] ?? SPECIAL_TOKENS[UNK];
  }
}
