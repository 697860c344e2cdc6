import { describe, expect, it } from 'vitest';
import { deserializeModel, FORMAT_VERSION, ModelFormatError, serializeModel } from '../../src/lm/format.ts';
import { toArpa, escapeArpaToken, unescapeArpaToken } from '../../src/lm/arpa.ts';
import { train } from '../../src/lm/train.ts';
import { BOS } from '../../src/lm/types.ts';

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
