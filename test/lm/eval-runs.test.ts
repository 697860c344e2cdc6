/**
 * The command line scores a large text run by run, on two threads (cli/parallel-eval.ts): the runs must hold every
 * sentence once, in order, and their sums must add up to the whole text's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addSums, emptySums, evaluate, resultOf, scoreSentences, sentenceRuns, whitespaceSentenceIds } from '../../src/lm/evaluate.ts';
import { checksum, deserializeModel, ModelFormatError, serializeModel } from '../../src/lm/format.ts';
import { GrowableInt32 } from '../../src/lm/growable.ts';
import { train } from '../../src/lm/train.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const model = train(['the cat sat on the mat\nthe dog sat on the log\na cat and a dog\nthe end\n'], { order: 3, tokenizer: 'whitespace', lines: true });
const word = fc.constantFrom('the', 'cat', 'dog', 'sat', 'on', 'mat', 'log', 'a', 'bird', 'end');
const textArb = fc.array(fc.array(word, { maxLength: 8 }), { minLength: 1, maxLength: 14 }).map((lines) => lines.map((l) => l.join(' ')).join('\n') + '\n');

describe('runs of sentences', () => {
  it('cut the sentences in order, each run of at least the tokens asked for but the last (property)', () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 20 }), (docs, tokens) => {
        const s = whitespaceSentenceIds(model.vocab, docs.map(utf8), true);
        const cuts = sentenceRuns(s, tokens);
        expect(cuts[0]).toBe(0);
        expect(cuts.at(-1)).toBe(s.ends.length);
        for (let r = 0; r + 1 < cuts.length; r++) {
          expect(cuts[r + 1]).toBeGreaterThan(cuts[r]);
          const size = s.ends[cuts[r + 1] - 1] - (cuts[r] === 0 ? 0 : s.ends[cuts[r] - 1]);
          if (r + 2 < cuts.length) expect(size).toBeGreaterThanOrEqual(tokens);
        }
      }),
    );
  });

  it('are read the same into shared memory, for the helper thread (property)', () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 3 }), (docs) => {
        const plain = whitespaceSentenceIds(model.vocab, docs.map(utf8), true);
        const shared = whitespaceSentenceIds(model.vocab, docs.map(utf8), true, true);
        expect(shared.ids.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(shared.ends.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(Array.from(shared.ids)).toEqual(Array.from(plain.ids));
        expect(Array.from(shared.ends)).toEqual(Array.from(plain.ends));
      }),
    );
    // Past its first capacity, a stream in shared memory grows there.
    const grown = new GrowableInt32(16, true);
    for (let i = 0; i < 1000; i++) grown.push(i * 7);
    expect(grown.view().buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(grown.view())).toEqual(Array.from({ length: 1000 }, (_, i) => i * 7));
  });

  it('add up to the whole text\'s evaluation (property, with and without accuracy, several documents)', () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 30 }), fc.boolean(), (docs, tokens, accuracy) => {
        const whole = evaluate(model, docs.map(utf8), { tokenizer: 'whitespace', lines: true, accuracy });
        const s = whitespaceSentenceIds(model.vocab, docs.map(utf8), true);
        const cuts = sentenceRuns(s, tokens);
        const total = emptySums(accuracy);
        for (let r = 0; r + 1 < cuts.length; r++) addSums(total, scoreSentences(model, s, cuts[r], cuts[r + 1], accuracy));
        const runs = resultOf(total, 0);
        expect(runs.tokens).toBe(whole.tokens);
        expect(runs.oov).toBe(whole.oov);
        expect(runs.perplexity).toBeCloseTo(whole.perplexity, 9);
        expect(runs.perplexityExclOov).toBeCloseTo(whole.perplexityExclOov, 9);
        if (accuracy) {
          expect(runs.top1).toBeCloseTo(whole.top1, 12);
          expect(runs.top5).toBeCloseTo(whole.top5, 12);
          expect(runs.mrr).toBeCloseTo(whole.mrr, 12);
        } else expect(runs.top1).toBeNaN();
      }),
    );
  });
});

describe('reading a model file in two halves (for eval: the checksum on a helper thread, the arrays on the main one)', () => {
  const file = new Uint8Array(serializeModel(model));

  it('skips the checksum alone with checksum: false', () => {
    const damaged = file.slice();
    damaged[damaged.length - 4] ^= 1; // the last probability's lowest bit: still a probability, but the checksum no longer matches
    expect(() => deserializeModel(damaged.slice().buffer)).toThrow(/checksum mismatch/);
    expect(deserializeModel(damaged.slice().buffer, { checksum: false }).ngramCounts).toEqual(model.ngramCounts);
    // The header and the sections are checked either way.
    expect(() => deserializeModel(damaged.slice(0, damaged.length - 8).buffer, { checksum: false })).toThrow(ModelFormatError);
  });

  /** The file written wrongly and checksummed again: `damage` changes its bytes through a view of the read model. */
  function rewritten(damage: (read: ReturnType<typeof deserializeModel>, view: DataView) => void): ArrayBuffer {
    const bad = file.slice();
    const view = new DataView(bad.buffer);
    damage(deserializeModel(bad.slice().buffer), view);
    view.setUint32(20, checksum(bad.buffer, 24), true);
    return bad.buffer;
  }

  it('skips the checks of ranges alone with checkRanges: false, and of values alone with checkValues: false', () => {
    // A range: the first order's first child offset (which must be 0) made 1.
    const offsets = rewritten((read, view) => {
      const at = read.orders[0].childStart.data.byteOffset;
      view.setUint32(at, view.getUint32(at, true) ^ 1, true);
    });
    expect(() => deserializeModel(offsets.slice(0))).toThrow('model file order 1 has child offsets that do not cover order 2');
    expect(() => deserializeModel(offsets.slice(0), { checkValues: false })).toThrow('model file order 1 has child offsets that do not cover order 2');
    expect(() => deserializeModel(offsets.slice(0), { checkRanges: false })).not.toThrow();
    // A value: the second order's first probability made positive.
    const probability = rewritten((read, view) => view.setFloat32(read.orders[1].log2Prob.byteOffset, 0.5, true));
    expect(() => deserializeModel(probability.slice(0))).toThrow('model file order 2 holds a probability that is not one');
    expect(() => deserializeModel(probability.slice(0), { checkRanges: false })).toThrow('model file order 2 holds a probability that is not one');
    expect(() => deserializeModel(probability.slice(0), { checkValues: false })).not.toThrow();
  });

  it('reads a model that scores ids alike without its vocabulary\'s index (indexVocabulary: false)', () => {
    const plain = deserializeModel(file.slice().buffer, { lazyStrings: true });
    const unindexed = deserializeModel(file.slice().buffer, { lazyStrings: true, indexVocabulary: false, checkRanges: false });
    const s = whitespaceSentenceIds(plain.vocab, [utf8('the cat sat on the log\na bird\n')], true);
    expect(scoreSentences(unindexed, s, 0, s.ends.length, true)).toEqual(scoreSentences(plain, s, 0, s.ends.length, true));
  });
});
