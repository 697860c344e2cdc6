import { SPECIAL_TOKENS, UNK, type TokenId } from './types.ts';

/**
 * The tokens of a vocabulary as UTF-8, one after another (a model file's vocabulary section, format.ts): token i is
 * bytes[ends[i − 1] .. ends[i]), from 0 for the first.
 */
export interface VocabUtf8 {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/**
 * Token strings to ids and back. One Map entry per distinct token (not per n-gram): a Brown-sized
 * vocabulary is about 50k entries. Ids 0..2 are always <unk>, <s>, </s>.
 *
 * A vocabulary read from a model file may stay as the file's UTF-8 (`fromUtf8`) until a string or an id by string is
 * first asked for: the command line's `eval` of whitespace text looks tokens up by their bytes (byte-vocab.ts) and
 * never needs the strings, which took a fresh process about 35 ms to make and index for Brown's 53 k tokens.
 */
export class Vocab {
  private list: string[] | null;
  private map: Map<string, TokenId> | null = null;
  /** The file's tokens, while no token was added to them (then `list` holds them all). */
  private utf8: VocabUtf8 | null = null;

  constructor(words: readonly string[] = SPECIAL_TOKENS) {
    for (let i = 0; i < SPECIAL_TOKENS.length; i++) {
      if (words[i] !== SPECIAL_TOKENS[i]) throw new Error(`vocabulary must start with ${SPECIAL_TOKENS.join(' ')}`);
    }
    this.list = [...words];
    this.index();
  }

  /**
   * The vocabulary of `utf8`, its strings made when first asked for. The bytes must be valid UTF-8 with every token's
   * end on a character's boundary (format.ts checks a file's); a duplicate token is found when the strings are
   * indexed (`index`) or by a byte index (byte-vocab.ts), whichever is made first.
   */
  static fromUtf8(utf8: VocabUtf8): Vocab {
    const special = new TextEncoder().encode(SPECIAL_TOKENS.join(''));
    let at = 0;
    for (let i = 0; i < SPECIAL_TOKENS.length; i++) {
      const from = at;
      at += SPECIAL_TOKENS[i].length; // ASCII: one byte per character
      const same = utf8.ends.length > i && utf8.ends[i] === at && utf8.bytes.subarray(from, at).every((b, j) => b === special[from + j]);
      if (!same) throw new Error(`vocabulary must start with ${SPECIAL_TOKENS.join(' ')}`);
    }
    // Made without the constructor, which takes strings and indexes them at once.
    const v = Object.create(Vocab.prototype) as Vocab;
    v.list = null;
    v.map = null;
    v.utf8 = utf8;
    return v;
  }

  get size(): number {
    return this.list ? this.list.length : this.utf8!.ends.length;
  }

  /** The tokens by id. */
  get words(): string[] {
    return this.list ?? (this.list = decodeTokens(this.utf8!));
  }

  /** The file's tokens as it holds them, when this vocabulary was read from one and gained no token since. */
  get fileTokens(): VocabUtf8 | null {
    return this.utf8 && (!this.list || this.list.length === this.utf8.ends.length) ? this.utf8 : null;
  }

  /**
   * Makes the strings and their index now, rather than at the first lookup (the model worker does so while it reads a
   * cached model, in a step of its own). Throws on a duplicate token.
   */
  index(): Map<string, TokenId> {
    if (this.map) return this.map;
    const words = this.words;
    // A loop, not new Map(words.map(…)): loading a model builds this for every token, and the pairs cost.
    const map = new Map<string, TokenId>();
    for (let i = 0; i < words.length; i++) map.set(words[i], i);
    if (map.size !== words.length) throw new Error('vocabulary has duplicate tokens');
    return (this.map = map);
  }

  /** The id of a token, adding it when new (training). */
  add(word: string): TokenId {
    const index = this.index();
    let id = index.get(word);
    if (id === undefined) {
      id = this.words.length;
      // A token sliced from a long text can keep that whole text alive in V8; keep a flat copy instead.
      const own = word.length > 12 ? word.split('').join('') : word;
      this.words.push(own);
      index.set(own, id);
    }
    return id;
  }

  /** `add` for a token that is already a string of its own (another vocabulary's): no flat copy is made. */
  intern(word: string): TokenId {
    const index = this.index();
    let id = index.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      index.set(word, id);
    }
    return id;
  }

  /** The id of a token, or UNK when the model never saw it (querying). */
  id(word: string): TokenId {
    return this.index().get(word) ?? UNK;
  }

  has(word: string): boolean {
    return this.index().has(word);
  }

  token(id: TokenId): string {
    return this.words[id] ?? SPECIAL_TOKENS[UNK];
  }

  /**
   * The tokens as UTF-8 (a model file's vocabulary section), or null when a token is not well-formed UTF-16 (a lone
   * surrogate, which UTF-8 cannot carry: such a vocabulary is written as JSON, format.ts).
   */
  toUtf8(): VocabUtf8 | null {
    const file = this.fileTokens;
    if (file) return file;
    const words = this.words;
    const joined = words.join('');
    const ends = new Uint32Array(words.length);
    // Where each token ends in the joined string, then one flat pass over its characters counting bytes: a loop per
    // token inside a loop over tokens is compiled and thrown away again and again in Chromium
    // (bench/performance-log.md, "The stop of 34def2f").
    const charEnds = new Uint32Array(words.length);
    for (let i = 0, at = 0; i < words.length; i++) charEnds[i] = at += words[i].length;
    let token = 0;
    let bytes = 0;
    for (let u = 0; u < joined.length; u++) {
      while (charEnds[token] === u) ends[token++] = bytes;
      const c = joined.charCodeAt(u);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c < 0xd800 || c > 0xdfff) bytes += 3;
      else {
        // A surrogate pair is one character of 4 bytes, whole inside one token; anything else is a lone surrogate.
        const low = u + 1 < joined.length ? joined.charCodeAt(u + 1) : 0;
        if (c > 0xdbff || low < 0xdc00 || low > 0xdfff || charEnds[token] === u + 1) return null;
        bytes += 4;
        u++;
      }
    }
    while (token < words.length) ends[token++] = bytes;
    const encoded = new TextEncoder().encode(joined);
    if (encoded.length !== bytes) throw new Error(`vocabulary encoded to ${encoded.length} bytes, counted ${bytes}`);
    return { bytes: encoded, ends };
  }
}

/** The strings of tokens given as UTF-8 (valid, each token's end on a character's boundary): one decode, then slices. */
function decodeTokens({ bytes, ends }: VocabUtf8): string[] {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const words = new Array<string>(ends.length);
  // One flat pass over the bytes, counting UTF-16 units (a 4-byte character is two), a token taken at each end.
  let token = 0;
  let from = 0;
  let units = 0;
  for (let b = 0; b < bytes.length; b++) {
    while (ends[token] === b) {
      words[token++] = text.slice(from, units);
      from = units;
    }
    const c = bytes[b];
    if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
  }
  while (token < ends.length) {
    words[token++] = text.slice(from, units);
    from = units;
  }
  return words;
}
