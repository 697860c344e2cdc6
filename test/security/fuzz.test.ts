/**
 * Fuzzing the three readers of outside data with fast-check: the binary model loader, the ARPA reader and
 * the tokenizer. Each must refuse bad input with its own error type (or, for the tokenizer, stay lossless):
 * no other exception, no hang, no out-of-range read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toArpa } from '../../src/lm/arpa.ts';
import { ArpaError, readArpa } from '../../src/lm/arpa-read.ts';
import { checksum, deserializeModel, ModelFormatError, serializeModel } from '../../src/lm/format.ts';
import { tokenize } from '../../src/lm/tokenizer.ts';
import { train } from '../../src/lm/train.ts';
import { BOS } from '../../src/lm/types.ts';

const model = train(['def f(x):\n    return x + 1\n', 'the cat sat on the mat\n'], { order: 3, tokenizer: 'code' });
const file = serializeModel(model);

function queryAll(m: ReturnType<typeof deserializeModel>): void {
  const ids = [BOS, ...tokenize('def g(y):\n    return the').map((t) => m.vocab.id(t))];
  for (const s of m.scoreSequence(ids.slice(1), { eos: true })) expect(Number.isNaN(s.log2Prob)).toBe(false);
  m.topK(ids.slice(-2), 5);
}

describe('binary model loader', () => {
  it('refuses every single-byte change by its checksum or header checks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: file.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const copy = file.slice(0);
        new Uint8Array(copy)[at] ^= xor;
        expect(() => deserializeModel(copy)).toThrow(ModelFormatError);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every truncation and random bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: file.byteLength - 1 }), (n) => {
        expect(() => deserializeModel(file.slice(0, n))).toThrow(ModelFormatError);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const buf = new ArrayBuffer(bytes.length);
        new Uint8Array(buf).set(bytes);
        expect(() => deserializeModel(buf)).toThrow(ModelFormatError);
      }),
    );
  });

  it('refuses damaged arrays even when the checksum is rewritten to match', () => {
    fc.assert(
      fc.property(fc.integer({ min: 24, max: file.byteLength - 4 }), fc.integer({ min: 1, max: 0xffffffff }), (at, value) => {
        const copy = file.slice(0);
        const view = new DataView(copy);
        view.setUint32(at & ~3, value, true);
        view.setUint32(20, checksum(copy, 24), true);
        let loaded: ReturnType<typeof deserializeModel> | null = null;
        try {
          loaded = deserializeModel(copy);
        } catch (e) {
          expect(e).toBeInstanceOf(ModelFormatError);
        }
        // What still loads is structurally sound: queries read nothing out of range.
        if (loaded) queryAll(loaded);
      }),
      { numRuns: 300, examples: [[988, 0x7f800001], [548, 0x7f800001]] },
    );
  });
});

describe('ARPA reader', () => {
  const lines = toArpa(model).split('\n');

  it('either reads a mutated file or throws ArpaError naming a line', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.string({ maxLength: 30 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let ls = [...lines];
        for (const m of mutations) {
          const at = m.at % Math.max(1, ls.length);
          if (m.kind === 'delete') ls.splice(at, 1);
          else if (m.kind === 'duplicate') ls.splice(at, 0, ls[at] ?? '');
          else if (m.kind === 'replace') ls[at] = m.text;
          else ls = ls.slice(0, at);
        }
        try {
          queryAll(readArpa(ls.join('\n'), { tokenizer: 'code' }));
        } catch (e) {
          expect(e).toBeInstanceOf(ArpaError);
          expect((e as Error).message).toMatch(/line \d+|not an ARPA file/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('survives arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        expect(() => readArpa(text)).toThrow(ArpaError);
      }),
    );
  });
});

describe('tokenizer', () => {
  it('stays lossless and finishes on pathological runs of quotes, escapes and comment markers', () => {
    fc.assert(
      fc.property(fc.constantFrom('"', "'", '`', '\\', '"""', '/*', '*/', '#', '//', '\n', ' '), fc.integer({ min: 1, max: 20000 }), (piece, n) => {
        const text = piece.repeat(n);
        expect(tokenize(text).join('')).toBe(text);
      }),
      { numRuns: 40 },
    );
  });
});
