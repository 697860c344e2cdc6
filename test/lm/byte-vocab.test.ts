import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteVocab, whitespaceIds } from '../../src/lm/byte-vocab.ts';
import { evaluate } from '../../src/lm/evaluate.ts';
import { serializeModel } from '../../src/lm/format.ts';
import { GrowableInt32 } from '../../src/lm/growable.ts';
import { decodeText, firstInvalidUtf8, InputError, textBytes } from '../../src/lm/input.ts';
import { sentencesOf } from '../../src/lm/text.ts';
import { tokenizeSteps, train } from '../../src/lm/train.ts';
import { runToEnd } from '../../src/lm/counts.ts';
import { Vocab } from '../../src/lm/vocab.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
/** Text with plenty of whitespace, line breaks, multi-byte characters and the special tokens. */
const textArb = fc
  .array(fc.oneof(fc.constantFrom(' ', '\n', '\r\n', '\t', '\v', '\f', '\r', '  ', '<s>', '</s>', '<unk>', 'é', '日本', '😀', '\u00a0', '\ufeff'), fc.string({ maxLength: 4 })), { maxLength: 40 })
  .map((parts) => parts.join(''));

describe('reading whitespace-separated text from its bytes', () => {
  it('gives the ids that sentencesOf and the vocabulary give, when scoring (property)', () => {
    fc.assert(
      fc.property(textArb, textArb, fc.boolean(), (known, text, lines) => {
        const vocab = new Vocab();
        for (const s of sentencesOf(known, { tokenizer: 'whitespace', lines: true })) for (const t of s) vocab.add(t);
        const ids = new GrowableInt32();
        const ends = new GrowableInt32();
        whitespaceIds(utf8(text), new ByteVocab(vocab), { lines, mode: 'score' }, ids, ends);
        const expected = sentencesOf(text, { tokenizer: 'whitespace', lines }).map((s) => s.map((t) => vocab.id(t)));
        const got: number[][] = [];
        for (let s = 0, from = 0; s < ends.length; from = ends.view()[s++]) got.push([...ids.view().subarray(from, ends.view()[s])]);
        expect(got).toEqual(expected);
      }),
    );
  });

  it('trains the same stream and vocabulary as from the decoded strings (property)', () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 3 }), fc.boolean(), (docs, lines) => {
        const opts = { tokenizer: 'whitespace', lines } as const;
        const fromStrings = new Vocab();
        const a = runToEnd(tokenizeSteps(docs, fromStrings, opts)).view();
        const fromBytes = new Vocab();
        const b = runToEnd(tokenizeSteps(docs.map(utf8), fromBytes, opts)).view();
        expect([...b]).toEqual([...a]);
        expect(fromBytes.words).toEqual(fromStrings.words);
      }),
    );
  });

  it('mixes byte and string documents in one vocabulary', () => {
    const vocab = new Vocab();
    const stream = runToEnd(tokenizeSteps([utf8('a b'), 'b c', utf8('c d a')], vocab, { tokenizer: 'whitespace', lines: true })).view();
    expect(vocab.words.slice(3)).toEqual(['a', 'b', 'c', 'd']);
    expect([...stream]).toEqual([1, 3, 4, 2, 1, 4, 5, 2, 1, 5, 6, 3, 2]);
  });

  it('trains and evaluates a model exactly as from strings', () => {
    const text = 'the cat sat on the mat\nthe dog sat on the log\n\na cat and a dog\n';
    const opts = { order: 3, tokenizer: 'whitespace', lines: true } as const;
    const fromText = train([text], opts);
    const fromBytes = train([utf8(text)], opts);
    expect(new Uint8Array(serializeModel(fromBytes))).toEqual(new Uint8Array(serializeModel(fromText)));
    const test = 'the cat sat on the log\nthe bird sat <unk>\n';
    const r1 = evaluate(fromText, [test], { ...opts, accuracy: true });
    const r2 = evaluate(fromText, [utf8(test)], { ...opts, accuracy: true });
    expect({ ...r2, elapsedMs: 0 }).toEqual({ ...r1, elapsedMs: 0 });
    expect(r2).toMatchObject({ tokens: 12, oov: 2 });
  });
});

describe('text files checked as bytes', () => {
  it('finds invalid UTF-8 exactly where a fatal TextDecoder refuses it (property)', () => {
    const decodes = (b: Uint8Array) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b);
        return true;
      } catch {
        return false;
      }
    };
    const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.array(fc.integer({ min: 0x7f, max: 0xff }), { maxLength: 8 }).map((a) => Uint8Array.from(a)));
    fc.assert(
      fc.property(bytesArb, (b) => {
        expect(firstInvalidUtf8(b) < 0).toBe(decodes(b));
      }),
      { numRuns: 5000 },
    );
    for (const bad of [[0xed, 0xa0, 0x80], [0xe0, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x61, 0xe2, 0x82]]) {
      expect(firstInvalidUtf8(Uint8Array.from(bad))).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses what decodeText refuses, with the same message, and drops byte-order marks as it does', () => {
    for (const bytes of [new Uint8Array(0), Uint8Array.from([65, 0, 66]), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1]), Uint8Array.from([0x63, 0xe9, 0x0a])]) {
      let expected = '';
      try {
        decodeText(bytes, 'f.txt');
      } catch (e) {
        expected = (e as Error).message;
      }
      expect(expected).not.toBe('');
      expect(() => textBytes(bytes, 'f.txt')).toThrow(InputError);
      expect(() => textBytes(bytes, 'f.txt')).toThrow(expected);
    }
    for (const text of ['\ufeffabc', '\ufeff\ufeffabc', '\ufeff\ufeff\ufeffabc', 'a\ufeffb']) {
      const bytes = utf8(text);
      expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(textBytes(bytes, 'f.txt'))).toBe(decodeText(bytes, 'f.txt').text);
    }
  });
});
