/**
 * Whitespace-separated text read straight from its UTF-8 bytes into token ids, with no string per token: the
 * command line trains and scores Brown-sized files this way (a string and a Map lookup per token were most of a
 * fresh process's time scoring 1.2 M tokens).
 *
 * Splitting the bytes on ASCII whitespace splits the text exactly where `tokenizeWhitespace` splits the decoded
 * string (UTF-8 never uses a byte below 0x80 inside a multi-byte character), and a sentence ends at each '\n' as in
 * `sentencesOf` with `lines` (a final newline does not start another sentence; empty text is one empty sentence).
 * The bytes must be valid UTF-8 without a byte-order mark (input.ts `textBytes` checks and strips).
 */
import { GrowableInt32 } from './growable.ts';
import { isTokenSeparator } from './tokenizer.ts';
import { BOS, EOS } from './types.ts';
import type { Vocab, VocabUtf8 } from './vocab.ts';

/** Each vocabulary's byte index (ByteVocab.of). */
const made = new WeakMap<Vocab, ByteVocab>();

/** A vocabulary's tokens by their UTF-8 bytes: an open-addressing table over one pool of bytes. */
export class ByteVocab {
  readonly vocab: Vocab;
  /** id + 1 of the token in each slot, 0 for an empty slot. */
  private slots: Int32Array;
  private mask: number;
  private pool: Uint8Array;
  private used = 0;
  /** Where each token's bytes start in the pool: token id's bytes are pool[starts[id] .. starts[id + 1]). */
  private starts: Int32Array;
  private count = 0;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(vocab: Vocab) {
    this.vocab = vocab;
    const cap = nextPow2(Math.max(1024, vocab.size * 2));
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    const file = vocab.fileTokens;
    this.pool = new Uint8Array(Math.max(1 << 16, file ? file.bytes.length + (1 << 12) : vocab.size * 8));
    this.starts = new Int32Array(Math.max(1024, vocab.size + 1));
    if (file) this.adopt(file);
    this.sync();
  }

  /**
   * The byte index of `vocab`, made once and kept with it: a model read from a file gets it while it is checked
   * (format.ts, when its strings are left unmade), and scoring its text then finds it ready.
   */
  static of(vocab: Vocab): ByteVocab {
    let index = made.get(vocab);
    if (!index) made.set(vocab, (index = new ByteVocab(vocab)));
    return index;
  }

  /**
   * Takes in a model file's tokens as they are, bytes and ends (no string is made): about 6 ms for Brown's 53 k
   * tokens in a fresh process, half of it the fresh arrays, where encoding the strings took 14–27 ms. Throws on a
   * duplicate token, which a Map of the strings would also refuse.
   */
  private adopt({ bytes, ends }: VocabUtf8): void {
    const pool = this.pool;
    const starts = this.starts;
    const slots = this.slots;
    pool.set(bytes);
    // One flat pass over the bytes, each token hashed as it is passed (hashBytes) and placed at its end: a loop per
    // token inside a loop over tokens is what a fresh process runs slowest, before V8 has compiled it.
    let id = 0;
    let h = FNV_OFFSET;
    for (let b = 0; b <= bytes.length; b++) {
      while (id < ends.length && ends[id] === b) {
        starts[id + 1] = b;
        const slot = this.find(pool, starts[id], b, finishHash(h));
        if (slots[slot] !== 0) throw new Error('vocabulary has duplicate tokens');
        slots[slot] = ++id; // id + 1
        h = FNV_OFFSET;
      }
      if (b < bytes.length) h = Math.imul(h ^ pool[b], FNV_PRIME);
    }
    this.count = ends.length;
    this.used = bytes.length;
  }

  /** Takes in the tokens the vocabulary gained since (through Vocab.add, from strings). */
  sync(): void {
    if (this.count >= this.vocab.size) return;
    const words = this.vocab.words;
    while (this.count < words.length) {
      const w = words[this.count];
      // A token's UTF-8 takes at most 3 bytes per UTF-16 unit. Written straight into the pool, with no array per
      // token: loading a model takes in its whole vocabulary (53 k tokens for Brown), and garbage costs a fresh
      // process its page faults.
      this.reservePool(3 * w.length);
      const pool = this.pool;
      const at = this.used;
      let i = 0;
      // Most tokens are ASCII: their bytes are their char codes (TextEncoder per token costs a microsecond each, cold).
      for (let c = 0; i < w.length && (c = w.charCodeAt(i)) < 0x80; i++) pool[at + i] = c;
      const n = i === w.length ? i : this.encoder.encodeInto(w, pool.subarray(at)).written;
      this.insert(at, n, hashBytes(pool, at, at + n));
    }
  }

  /** Id of the token `bytes[from..to)`, or −1 when the vocabulary lacks it; `h` is its `hashBytes` when known. */
  lookup(bytes: Uint8Array, from: number, to: number, h = hashBytes(bytes, from, to)): number {
    const slot = this.find(bytes, from, to, h);
    return this.slots[slot] - 1;
  }

  /** Id of the token `bytes[from..to)`, added to the vocabulary when new; `h` is its `hashBytes` when known. */
  add(bytes: Uint8Array, from: number, to: number, h = hashBytes(bytes, from, to)): number {
    const slot = this.find(bytes, from, to, h);
    if (this.slots[slot] > 0) return this.slots[slot] - 1;
    const id = this.vocab.add(this.decoder.decode(bytes.subarray(from, to)));
    this.append(bytes.subarray(from, to), slot);
    return id;
  }

  /** The slot holding the token, or the empty slot where it would go. */
  private find(bytes: Uint8Array, from: number, to: number, h: number): number {
    const slots = this.slots;
    const pool = this.pool;
    const starts = this.starts;
    const n = to - from;
    let s = h & this.mask;
    for (;;) {
      const v = slots[s];
      if (v === 0) return s;
      const at = starts[v - 1];
      if (starts[v] - at === n) {
        let i = 0;
        while (i < n && pool[at + i] === bytes[from + i]) i++;
        if (i === n) return s;
      }
      s = (s + 1) & this.mask;
    }
  }

  /** Room for `n` more bytes in the pool. */
  private reservePool(n: number): void {
    if (this.used + n <= this.pool.length) return;
    const pool = new Uint8Array(Math.max(this.pool.length * 2, this.used + n));
    pool.set(this.pool.subarray(0, this.used));
    this.pool = pool;
  }

  /** Stores the bytes of the next token (the vocabulary's newest) and fills `slot`. */
  private append(bytes: Uint8Array, slot: number): void {
    this.reservePool(bytes.length);
    this.pool.set(bytes, this.used);
    this.insert(this.used, bytes.length, -1, slot);
  }

  /**
   * Makes the `n` bytes at pool[at..] (at = the end of the used pool) the next token: the vocabulary's newest. Its
   * slot is `slot`, or found from its hash `h`. A token already in the table (a vocabulary with a duplicate, which a
   * checked model does not have) takes its slot, as a Map would.
   */
  private insert(at: number, n: number, h: number, slot = this.find(this.pool, at, at + n, h)): void {
    if (this.count + 2 > this.starts.length) {
      const starts = new Int32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
    }
    this.starts[this.count] = at;
    this.used = at + n;
    this.starts[++this.count] = this.used;
    this.slots[slot] = this.count; // id + 1
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    const starts = this.starts;
    for (let id = 0; id < this.count; id++) {
      let s = hashBytes(this.pool, starts[id], starts[id + 1]) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

export interface WhitespaceIdsOptions {
  /** KenLM's text convention: every line a sentence. Otherwise the whole text is one. */
  lines: boolean;
  /**
   * 'train': as training reads text (tokenizeSteps): new tokens join the vocabulary, every sentence is written as
   * `<s> ids… </s>` into `out`, and a literal <s> or </s> inside it is dropped.
   * 'score': as scoring reads it (evaluate): unknown tokens are <unk> (id 0), `out` gets the ids only and `ends`
   * the end of each sentence in `out`.
   */
  mode: 'train' | 'score';
}

/**
 * Reads the sentences of `bytes` into `out` (and `ends` when scoring); returns the number of tokens written.
 *
 * A loop over the separators with an inner loop over each token's bytes, hashing them as it goes, so that a token
 * costs its bytes and its lookup and nothing more. The one loop over every byte it replaced asked at each byte
 * whether a token was open and whether a sentence ended: Brown's test ×10 (1.2 M tokens, scored) took 77–85 ms
 * once compiled, against 51–65 ms now (in a fresh process, where the first pass also compiles: 86–90 against 77–87).
 */
export function whitespaceIds(bytes: Uint8Array, index: ByteVocab, options: WhitespaceIdsOptions, out: GrowableInt32, ends?: GrowableInt32): number {
  const train = options.mode === 'train';
  const lines = options.lines;
  const n = bytes.length;
  index.sync();
  // Room for every token at once (Brown averages 5 bytes a token with its space; more tokens grow as usual).
  out.reserve(out.length + (n >>> 2) + 2);
  let tokens = 0;
  if (train) out.push(BOS);
  let i = 0;
  while (i < n) {
    let c = bytes[i];
    if (isTokenSeparator(c)) {
      // With lines, a sentence ends at each newline.
      if (c === 10 && lines) {
        if (train) {
          out.push(EOS);
          out.push(BOS);
        } else ends?.push(out.length);
      }
      i++;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET; // hashBytes of the token, computed as it is scanned
    do {
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    } while (i < n && !isTokenSeparator((c = bytes[i])));
    const hash = finishHash(h);
    if (train) {
      const id = index.add(bytes, start, i, hash);
      if (id !== BOS && id !== EOS) {
        out.push(id);
        tokens++;
      }
    } else {
      const id = index.lookup(bytes, start, i, hash);
      out.push(id < 0 ? 0 : id);
      tokens++;
    }
  }
  // The last sentence ends with the text, unless a final newline ended it (an empty text is one empty sentence).
  if (!lines || n === 0 || bytes[n - 1] !== 10) {
    if (train) out.push(EOS);
    else ends?.push(out.length);
  } else if (train) {
    out.length--; // the <s> pushed after the final newline starts no sentence
  }
  return tokens;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the bytes, then a final mix. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return finishHash(h);
}

function finishHash(h: number): number {
  h ^= h >>> 15;
  return (Math.imul(h, 0x2c1b3c6d) ^ (h >>> 12)) >>> 0;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
