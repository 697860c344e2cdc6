import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, checksumV1, deserializeModel, deserializeSteps, FORMAT_VERSION, ModelFormatError, modelFileParts, modelFilePartsSteps, modelFileSteps, serializeModel } from '../../src/lm/format.ts';
import { toArpa, escapeArpaToken, unescapeArpaToken } from '../../src/lm/arpa.ts';
import type { NgramModel } from '../../src/lm/model.ts';
import { PackedUints } from '../../src/lm/packed.ts';
import { train } from '../../src/lm/train.ts';
import { ByteVocab } from '../../src/lm/byte-vocab.ts';
import { evaluate } from '../../src/lm/evaluate.ts';
import { BOS, SPECIAL_TOKENS } from '../../src/lm/types.ts';
import { Vocab } from '../../src/lm/vocab.ts';

const text = 'the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n';
const model = train([text], { order: 3, tokenizer: 'whitespace', lines: true });

describe('binary model format', () => {
  it('round-trips: the loaded model answers exactly as the trained one', () => {
    const loaded = deserializeModel(serializeModel(model));
    expect(loaded.info).toEqual(model.info);
    expect(loaded.vocab.words).toEqual(model.vocab.words);
    const ctx = [BOS, model.vocab.id('the')];
    expect(loaded.topK(ctx, 5)).toEqual(model.topK(ctx, 5));
    const seq = 'a cat sat on the log'.split(' ').map((w) => model.vocab.id(w));
    expect(loaded.scoreSequence(seq, { eos: true })).toEqual(model.scoreSequence(seq, { eos: true }));
  });

  it('reads in steps a driver may pause between the same model as in one piece, and refuses the same files', () => {
    /** Runs the steps to the end: the model and how many times they yielded. */
    const run = (steps: Generator<void, NgramModel>) => {
      let yields = 0;
      for (;;) {
        const step = steps.next();
        if (step.done) return { model: step.value, yields };
        yields++;
      }
    };
    const buf = serializeModel(model);
    const stepped = run(deserializeSteps(buf));
    // After the checksum, after the sections, and after each order's checks.
    expect(stepped.yields).toBe(2 + model.order);
    expect(stepped.model.vocab.words).toEqual(model.vocab.words);
    const seq = 'a cat sat on the log'.split(' ').map((w) => model.vocab.id(w));
    expect(stepped.model.scoreSequence(seq, { eos: true })).toEqual(model.scoreSequence(seq, { eos: true }));
    const damaged = buf.slice(0);
    new Uint8Array(damaged)[damaged.byteLength - 5] ^= 1;
    expect(() => run(deserializeSteps(damaged))).toThrow(/checksum mismatch/);
    // The checksum in slices of 7 words (a step each) sums the same words: the file loads, the damaged one does not.
    const words = (buf.byteLength - 24) / 4;
    expect(run(deserializeSteps(buf, { checksumStepWords: 7 })).yields).toBe(Math.ceil(words / 7) - 1 + 2 + model.order);
    expect(() => run(deserializeSteps(damaged, { checksumStepWords: 7 }))).toThrow(/checksum mismatch/);
  });

  it('keeps the file a model was read from for storing, and makes a trained one\'s from its arrays, in steps', () => {
    const buf = serializeModel(model);
    const loaded = deserializeModel(buf);
    const run = (steps: Generator<void, Uint8Array[]>) => {
      let yields = 0;
      for (;;) {
        const r = steps.next();
        if (r.done) return { parts: r.value, yields };
        yields++;
      }
    };
    const joined = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
    // The very buffer, not a copy: the model's arrays view it.
    const read = run(modelFileSteps(loaded));
    expect(read.parts.map((p) => p.buffer)).toEqual([buf]);
    expect(read.yields).toBe(0);
    // A trained model has no file: its parts are made, to the same bytes, with the checksum in steps.
    const fresh = run(modelFileSteps(model));
    expect(fresh.yields).toBeGreaterThan(0);
    expect(joined(fresh.parts)).toEqual(new Uint8Array(buf));
    const sliced = run(modelFilePartsSteps(model, 7));
    expect(sliced.yields).toBeGreaterThan(fresh.yields);
    expect(joined(sliced.parts)).toEqual(new Uint8Array(buf));
  });

  it('checksums the file written in pieces as the whole file (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (words, order) => {
        const m = train([words.join(' ')], { order, tokenizer: 'whitespace', lines: true });
        const parts = modelFileParts(m);
        const buf = serializeModel(m);
        expect(parts.reduce((n, p) => n + p.byteLength, 0)).toBe(buf.byteLength);
        expect(new DataView(buf).getUint32(20, true)).toBe(checksum(buf, 24));
        expect(deserializeModel(buf).ngramCounts).toEqual(m.ngramCounts);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a corrupt byte by its checksum', () => {
    const buf = serializeModel(model);
    const bytes = new Uint8Array(buf);
    bytes[bytes.length - 5] ^= 0x40;
    expect(() => deserializeModel(buf)).toThrow(ModelFormatError);
    expect(() => deserializeModel(buf)).toThrow(/checksum/);
  });

  it('refuses a truncated file, another format and another version', () => {
    const buf = serializeModel(model);
    expect(() => deserializeModel(buf.slice(0, buf.byteLength - 8))).toThrow(/truncated/);
    expect(() => deserializeModel(new TextEncoder().encode('\\data\\\nngram 1=3\n').buffer as ArrayBuffer)).toThrow(/not a Codegram model/);
    const old = buf.slice(0);
    new DataView(old).setUint32(8, FORMAT_VERSION + 1, true);
    expect(() => deserializeModel(old)).toThrow(new RegExp(`format version ${FORMAT_VERSION + 1}`));
  });
});

/** A version-3 file's header, parsed. */
function headerOf(buf: ArrayBuffer): { tokens: { count: number; bytes: number } } {
  return JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 24, new DataView(buf).getUint32(12, true))));
}

/** Where a version-3 file's vocabulary section starts (the tokens' ends, then their bytes) and where the orders' start. */
function vocabAt(buf: ArrayBuffer): { ends: number; bytes: number } {
  const ends = 24 + new DataView(buf).getUint32(12, true);
  return { ends, bytes: ends + 4 * headerOf(buf).tokens.count };
}

function ordersAt(buf: ArrayBuffer): number {
  return vocabAt(buf).bytes + ((headerOf(buf).tokens.bytes + 3) & ~3);
}

/**
 * A file of format version 1, as Codegram wrote it before the arrays were bit-packed: the header's `sections` give
 * the length of each order's five plain 32-bit arrays (words, counts, log2Prob, log2Backoff, childStart), which follow
 * the header in that order. `edit` may change the arrays first (to write a damaged file).
 */
function writeV1(m: NgramModel, edit?: (arrays: (Uint32Array | Float32Array)[][]) => void): ArrayBuffer {
  const arrays = m.orders.map((o) => [o.words.unpack(), o.counts.unpack(), o.log2Prob.slice(), o.log2Backoff.slice(), o.childStart.unpack()]);
  edit?.(arrays);
  const json = new TextEncoder().encode(JSON.stringify({ info: m.info, vocab: m.vocab.words, sections: arrays.map((a) => a.map((x) => x.length)) }));
  const headerLength = (json.length + 3) & ~3;
  const total = 24 + headerLength + arrays.flat().reduce((s, a) => s + a.byteLength, 0);
  const buffer = new ArrayBuffer(total);
  const bytes = new Uint8Array(buffer);
  bytes.set(new TextEncoder().encode('CODEGRAM'));
  const view = new DataView(buffer);
  view.setUint32(8, 1, true);
  view.setUint32(12, headerLength, true);
  view.setUint32(16, total, true);
  bytes.fill(0x20, 24 + json.length, 24 + headerLength);
  bytes.set(json, 24);
  let at = 24 + headerLength;
  for (const a of arrays.flat()) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  view.setUint32(20, checksumV1(buffer, 24), true);
  return buffer;
}

describe('model format version 1 (plain arrays)', () => {
  it('still opens, packed on load, and answers exactly as the model it was written from', () => {
    expect(FORMAT_VERSION).toBe(3);
    const loaded = deserializeModel(writeV1(model));
    expect(loaded.info).toEqual(model.info);
    expect(loaded.ngramCounts).toEqual(model.ngramCounts);
    for (let k = 0; k < model.order; k++) {
      expect([...loaded.orders[k].counts.unpack()]).toEqual([...model.orders[k].counts.unpack()]);
      expect([...loaded.orders[k].words.unpack()]).toEqual([...model.orders[k].words.unpack()]);
    }
    const ctx = [BOS, model.vocab.id('the')];
    expect(loaded.topK(ctx, 5)).toEqual(model.topK(ctx, 5));
    const seq = 'a cat sat on the log'.split(' ').map((w) => model.vocab.id(w));
    expect(loaded.scoreSequence(seq, { eos: true })).toEqual(model.scoreSequence(seq, { eos: true }));
    // Saved again, it is a version-3 file of the packed arrays.
    const again = serializeModel(loaded);
    expect(new DataView(again).getUint32(8, true)).toBe(3);
    expect(deserializeModel(again).scoreSequence(seq, { eos: true })).toEqual(model.scoreSequence(seq, { eos: true }));
  });

  it('says a newer file labelled version 1 is not version 1, and a damaged version-1 file is corrupt', () => {
    const relabelled = serializeModel(model);
    new DataView(relabelled).setUint32(8, 1, true);
    expect(() => deserializeModel(relabelled)).toThrow(/format version 1; this Codegram reads version 3 and converts version 1, but this header is not version 1's/);
    const damaged = writeV1(model);
    new Uint8Array(damaged)[damaged.byteLength - 3] ^= 0x10;
    expect(() => deserializeModel(damaged)).toThrow(/checksum mismatch/);
  });

  it('refuses a version-1 file whose words leave the vocabulary, as before', () => {
    const bad = writeV1(model, (arrays) => {
      (arrays[1][0] as Uint32Array)[0] = model.vocab.size + 5;
    });
    expect(() => deserializeModel(bad)).toThrow(/names a token outside the vocabulary/);
  });
});

describe('packed arrays in the file', () => {
  /** 300 words seen once and "a" 3,000 times: the unigram counts take few bits, and "a" overflows them. */
  const manyOnesAndSomeLarge = Array.from({ length: 300 }, (_, i) => `a a a a a a a a a a w${i}`).join('\n');

  it('keeps counts too large for their order\'s width (the overflow table) through a round trip', () => {
    const big = train([manyOnesAndSomeLarge], { order: 3, tokenizer: 'whitespace', lines: true });
    const a = big.vocab.id('a');
    expect(big.orders[0].counts.get(a)).toBe(3000);
    expect(big.orders[0].counts.overflowAt.length).toBeGreaterThan(0);
    const loaded = deserializeModel(serializeModel(big));
    for (let k = 0; k < big.order; k++) expect([...loaded.orders[k].counts.unpack()]).toEqual([...big.orders[k].counts.unpack()]);
    expect(loaded.topK([BOS, a], 3)).toEqual(big.topK([BOS, a], 3));
  });

  it('refuses a file whose overflow table does not match its counts, even when re-checksummed', () => {
    const big = train([manyOnesAndSomeLarge], { order: 2, tokenizer: 'whitespace', lines: true });
    const buf = serializeModel(big);
    const o = big.orders[0];
    expect(o.counts.overflowAt.length).toBeGreaterThan(0);
    // The unigrams' overflow indices follow the header, the vocabulary, their packed words and their packed counts.
    const at = ordersAt(buf) / 4 + o.words.data.length + o.counts.small.data.length;
    const words = new Uint32Array(buf);
    expect(words[at]).toBe(o.counts.overflowAt[0]);
    words[at] += 1;
    new DataView(buf).setUint32(20, checksum(buf, 24), true);
    expect(() => deserializeModel(buf)).toThrow(/malformed count overflow table/);
  });

  it('refuses child offsets that fall back, even when re-checksummed', () => {
    const buf = serializeModel(model);
    const o = model.orders[0];
    // The unigrams' sections: packed words, packed counts, the overflow table (indices, counts), probabilities,
    // backoffs, then the packed child offsets.
    const at = ordersAt(buf) + 4 * (o.words.data.length + o.counts.small.data.length + 2 * o.counts.overflowAt.length + 2 * o.log2Prob.length);
    const starts = new PackedUints(o.childStart.length, o.childStart.bits, new Uint32Array(buf, at, o.childStart.data.length));
    expect([...starts.unpack()]).toEqual([...o.childStart.unpack()]);
    const i = [...starts.unpack()].findIndex((v, j) => j > 0 && v > starts.get(j - 1) && j + 1 < starts.length);
    starts.set(i, starts.get(i + 1) + 1); // above the next offset: the next one falls back
    new DataView(buf).setUint32(20, checksum(buf, 24), true);
    expect(() => deserializeModel(buf)).toThrow(/decreasing child offsets/);
  });

  it('is at most 12 bytes per n-gram for a model of ordinary text', () => {
    const text3 = Array.from({ length: 400 }, (_, i) => `w${i % 97} w${(i * 7) % 89} w${(i * 13) % 83} w${i % 5}`).join('\n');
    const m = train([text3], { order: 4, tokenizer: 'whitespace', lines: true });
    expect(m.bytesPerNgram).toBeLessThan(12);
    expect(serializeModel(m).byteLength).toBeLessThan(m.byteLength + 24 + 4096 + 8 * m.order * 4);
  });
});

describe('ARPA export', () => {
  const arpa = toArpa(model);

  it('declares the n-gram counts of each order and lists that many lines', () => {
    for (let n = 1; n <= 3; n++) {
      expect(arpa).toContain(`ngram ${n}=${model.orders[n - 1].words.length}\n`);
      const section = arpa.split(`\\${n}-grams:\n`)[1].split('\n\n')[0].trim().split('\n');
      expect(section.length).toBe(model.orders[n - 1].words.length);
    }
    expect(arpa.trimEnd().endsWith('\\end\\')).toBe(true);
  });

  it('writes log10 probabilities and backoffs that reproduce the model by the backoff rule', () => {
    const prob = new Map<string, number>();
    const backoff = new Map<string, number>();
    for (const line of arpa.split('\n')) {
      const f = line.split('\t');
      if (f.length < 2) continue;
      prob.set(f[1], Number(f[0]));
      if (f[2] !== undefined) backoff.set(f[1], Number(f[2]));
    }
    const arpaLog10 = (ctx: string[], w: string): number => {
      const key = [...ctx, w].join(' ');
      if (prob.has(key)) return prob.get(key)!;
      if (ctx.length === 0) return prob.get('<unk>')!;
      return (backoff.get(ctx.join(' ')) ?? 0) + arpaLog10(ctx.slice(1), w);
    };
    for (const [ctx, w] of [
      [['<s>', 'the'], 'cat'],
      [['the', 'cat'], 'and'],
      [['on', 'the'], 'dog'],
      [['sat', 'on'], 'log'],
      [['a', 'dog'], '</s>'],
    ] as [string[], string][]) {
      const ours = model.score(ctx.map((t) => model.vocab.id(t)), model.vocab.id(w)).log2Prob * Math.log10(2);
      expect(arpaLog10(ctx, w)).toBeCloseTo(ours, 5);
    }
  });

  it('escapes whitespace in code tokens reversibly', () => {
    for (const t of [' foo', '\n    ', 'a\\sb', '\t\r', '\u000b']) {
      expect(escapeArpaToken(t)).not.toMatch(/\s/);
      expect(unescapeArpaToken(escapeArpaToken(t))).toBe(t);
    }
  });
});

describe('the vocabulary as UTF-8 (format version 3)', () => {
  /** Tokens of any characters (astral ones included), whitespace and all, distinct, after the special ones. */
  const tokensArb = fc.uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), { maxLength: 40 }).map((ts) => ts.filter((t) => !(SPECIAL_TOKENS as readonly string[]).includes(t)));

  it('gives back the same tokens, ids and byte index, read as strings or left as bytes (property)', () => {
    fc.assert(
      fc.property(tokensArb, (tokens) => {
        const vocab = new Vocab([...SPECIAL_TOKENS, ...tokens]);
        const utf8 = vocab.toUtf8()!;
        expect(new TextDecoder().decode(utf8.bytes)).toBe(vocab.words.join(''));
        const back = Vocab.fromUtf8(utf8);
        expect(back.size).toBe(vocab.size);
        expect(back.words).toEqual(vocab.words);
        for (const t of tokens) expect(back.id(t)).toBe(vocab.id(t));
        const index = new ByteVocab(Vocab.fromUtf8(utf8));
        for (const t of tokens) {
          const b = new TextEncoder().encode(t);
          expect(index.lookup(b, 0, b.length)).toBe(vocab.id(t));
        }
      }),
    );
  });

  it('loads with the strings left unmade and scores whitespace text exactly as the strings do', () => {
    const m = train(['the cät sat on the mät 😀\nthe dög sat on the log\n'], { order: 3, tokenizer: 'whitespace', lines: true });
    const buf = serializeModel(m);
    expect(new DataView(buf).getUint32(8, true)).toBe(3);
    const lazy = deserializeModel(buf, { lazyStrings: true });
    const eager = deserializeModel(buf);
    const text = new TextEncoder().encode('the mät sat on the log 😀\nthe dög and the cät\n');
    const opts = { tokenizer: 'whitespace', lines: true, accuracy: true } as const;
    expect({ ...evaluate(lazy, [text], opts), elapsedMs: 0 }).toEqual({ ...evaluate(m, [text], opts), elapsedMs: 0 });
    expect({ ...evaluate(eager, [text], opts), elapsedMs: 0 }).toEqual({ ...evaluate(m, [text], opts), elapsedMs: 0 });
    // Asked for later, the strings are the trained model's.
    expect(lazy.vocab.words).toEqual(m.vocab.words);
    expect(lazy.vocab.id('dög')).toBe(m.vocab.id('dög'));
  });

  it('writes a vocabulary with a lone surrogate as version 2, which reads back exactly', () => {
    const m = train(['a \ud800 b \udc00x\n'], { order: 2, tokenizer: 'whitespace', lines: true });
    expect(m.vocab.toUtf8()).toBeNull();
    const buf = serializeModel(m);
    expect(new DataView(buf).getUint32(8, true)).toBe(2);
    const back = deserializeModel(buf);
    expect(back.vocab.words).toEqual(m.vocab.words);
    expect(back.vocab.id('\udc00x')).toBe(m.vocab.id('\udc00x'));
  });

  /** The model's file with `edit` applied to its vocabulary section (ends as u32, then bytes), re-checksummed. */
  function edited(m: NgramModel, edit: (ends: Uint32Array, bytes: Uint8Array) => void): ArrayBuffer {
    const buf = serializeModel(m);
    const at = vocabAt(buf);
    const { count, bytes } = headerOf(buf).tokens;
    edit(new Uint32Array(buf, at.ends, count), new Uint8Array(buf, at.bytes, bytes));
    new DataView(buf).setUint32(20, checksum(buf, 24), true);
    return buf;
  }
  const tokenAt = (m: NgramModel, ends: Uint32Array, word: string) => ends[m.vocab.id(word) - 1];

  it('refuses a damaged vocabulary even when re-checksummed, whether its strings are made or not', () => {
    const m = train(['the cat sat on the mat\nthe dog sat on the log é\n'], { order: 2, tokenizer: 'whitespace', lines: true });
    const cases: [string, ArrayBuffer, RegExp][] = [
      ['a duplicate token', edited(m, (ends, bytes) => (bytes[tokenAt(m, ends, 'log')] = 'd'.charCodeAt(0))), /duplicate tokens/],
      ['bytes that are not UTF-8', edited(m, (ends, bytes) => (bytes[tokenAt(m, ends, 'log')] = 0xff)), /vocabulary is not valid UTF-8/],
      ['a token ending inside a character', edited(m, (ends) => (ends[m.vocab.id('é') - 1] += 1)), /splits a character between two tokens/],
      ['ends out of order', edited(m, (ends) => ([ends[4], ends[5]] = [ends[5], ends[4]])), /token ends out of order/],
      ['other special tokens', edited(m, (_, bytes) => (bytes[1] = 'v'.charCodeAt(0))), /vocabulary must start with <unk> <s> <\/s>/],
    ];
    for (const [what, buf, message] of cases) {
      for (const lazyStrings of [false, true]) {
        expect(() => deserializeModel(buf, { lazyStrings }), `${what}, lazyStrings ${lazyStrings}`).toThrow(ModelFormatError);
        expect(() => deserializeModel(buf, { lazyStrings }), what).toThrow(message);
      }
    }
  });
});
