/**
 * ARPA files with gaps, scored as KenLM's `query` scores them (its probing model, the default for an ARPA file).
 *
 * Each file below is written by hand with a gap: an n-gram whose suffix (last n−1 words) is missing, a chain of
 * such, a missing context (first n−1 words), `<unk>` n-grams with backoffs, a missing `<unk>` unigram, and KenLM's
 * sign quirk. Every expected sentence total (log10, `</s>` included) is derived by hand from the ARPA backoff rule
 *   p(w | h) = p(h w) if listed, else bo(h) + p(w | h minus its first word)   (log10; bo of an unlisted h is 0)
 * with the derivation beside it; `p(x|y)` there means "the listed n-gram y x". Where KenLM accepts the file, the
 * totals were also checked against `query` built from kpu/kenlm; the two files it refuses (marked) give the same
 * totals in `query` once an extra n-gram ("x b a" before "b a b") makes KenLM insert the missing context. KenLM fills
 * gaps with "blank" n-grams whose probability is the backed-off one (search_hashed.cc FindLower/AdjustLower); the
 * reader does the same, so these totals only come out right if the query can reach the n-grams above a gap.
 */
import { describe, expect, it } from 'vitest';
import { toArpa } from '../../src/lm/arpa.ts';
import { readArpa, readArpaAsync } from '../../src/lm/arpa-read.ts';
import type { NgramModel } from '../../src/lm/model.ts';
import { train } from '../../src/lm/train.ts';

const arpa = (counts: number[], sections: string[][]): string =>
  [
    '\\data\\',
    ...counts.map((c, k) => `ngram ${k + 1}=${c}`),
    '',
    ...sections.flatMap((lines, k) => [`\\${k + 1}-grams:`, ...lines.map((l) => l.replace(/ {2,}/g, '\t')), '']),
    '\\end\\',
    '',
  ].join('\n');

/** log10 probability of a sentence after <s>, </s> included, as KenLM's query prints it in "Total:". */
function total(model: NgramModel, sentence: string): number {
  const ids = sentence.split(' ').map((w) => model.vocab.id(w));
  return model.scoreSequence(ids, { eos: true }).reduce((t, s) => t + s.log2Prob, 0) / Math.log2(10);
}

interface Case {
  name: string;
  text: string;
  /** n-grams per order after loading: the listed ones plus the inserted ones. */
  counts: number[];
  sentences: [string, number][];
}

// Order 3: the trigram "<s> a </s>" lacks its suffix "a </s>".
const SUFFIX: Case = {
  name: 'a missing suffix (order 3)',
  text: arpa(
    [5, 4, 3],
    [
      ['-1.0  <unk>', '-99  <s>  -0.3', '-0.7  </s>', '-0.5  a  -0.2', '-0.6  b  -0.1'],
      ['-0.3  <s> a  -0.15', '-0.25  a b  -0.05', '-0.4  b </s>', '-0.35  b a  -0.12'],
      ['-0.05  <s> a b', '-0.08  a b a', '-0.02  <s> a </s>'],
    ],
  ),
  counts: [5, 5, 3], // + "a </s>" = p(</s>) + bo(a) = -0.7 + -0.2
  sentences: [
    // p(a|<s>) + p(</s>|<s> a): the trigram is reached through the inserted "a </s>" (stopping there would give -1.05)
    ['a', -0.3 + -0.02],
    // p(b|<s>) missing -> bo(<s>) + p(b) = -0.3 + -0.6; p(a|<s> b) -> bo(<s> b)=0 + p(a|b) = -0.35;
    // p(</s>|b a) -> bo(b a) + bo(a) + p(</s>) = -0.12 + -0.2 + -0.7
    ['b a', -0.3 + -0.6 + -0.35 + (-0.12 + -0.2 + -0.7)],
    // p(a|<s>) = -0.3; p(b|<s> a) = -0.05; p(</s>|a b) -> bo(a b) + p(</s>|b) = -0.05 + -0.4
    ['a b', -0.3 + -0.05 + (-0.05 + -0.4)],
  ],
};

// Order 4: "a b c d" lacks both "b c d" and "c d": a chain of two inserted n-grams on the unigram d.
const CHAIN: Case = {
  name: 'a chain of missing suffixes (order 4)',
  text: arpa(
    [7, 4, 2, 2],
    [
      ['-1.0  <unk>', '-99  <s>  -0.25', '-0.8  </s>', '-0.6  a  -0.2', '-0.7  b  -0.3', '-0.65  c  -0.15', '-0.9  d  -0.1'],
      ['-0.2  <s> a  -0.1', '-0.3  a b  -0.12', '-0.35  b c  -0.22', '-0.3  d </s>'],
      ['-0.1  <s> a b  -0.05', '-0.15  a b c  -0.08'],
      ['-0.07  <s> a b c', '-0.04  a b c d'],
    ],
  ),
  // + "c d" = bo(c) + p(d) = -0.15 + -0.9 = -1.05, + "b c d" = bo(b c) + (c d) = -0.22 + -1.05 = -1.27
  counts: [7, 5, 3, 2],
  sentences: [
    // p(a|<s>) -0.2; p(b|<s> a) -0.1; p(c|<s> a b) -0.07; p(d|a b c) -0.04 (reached via b c d, c d);
    // p(</s>|b c d) -> bo(b c d)=0 + bo(c d)=0 + p(</s>|d) = -0.3   (stopping at d would give -1.35 for d)
    ['a b c d', -0.2 + -0.1 + -0.07 + -0.04 + -0.3],
    // p(b|<s>) -> bo(<s>) + p(b) = -0.25 + -0.7; p(c|<s> b) -> p(c|b) = -0.35;
    // p(d|<s> b c) -> bo(b c) + bo(c) + p(d) = -0.22 + -0.15 + -0.9; p(</s>|b c d) -> p(</s>|d) = -0.3
    ['b c d', -0.25 + -0.7 + -0.35 + (-0.22 + -0.15 + -0.9) + -0.3],
    // p(c|<s>) -> -0.25 + -0.65; p(d|<s> c) -> bo(c) + p(d) = -0.15 + -0.9; p(</s>|c d) -> p(</s>|d) = -0.3
    ['c d', -0.25 + -0.65 + (-0.15 + -0.9) + -0.3],
  ],
};

// Order 3: the trigram "b a b" lacks its context "b a". KenLM refuses this file; inserted by the same rule.
const CONTEXT: Case = {
  name: 'a missing context (order 3; KenLM refuses the file)',
  text: arpa(
    [5, 3, 1],
    [
      ['-1.0  <unk>', '-99  <s>  -0.3', '-0.7  </s>', '-0.5  a  -0.2', '-0.6  b  -0.1'],
      ['-0.3  <s> a  -0.15', '-0.25  a b  -0.05', '-0.4  b </s>'],
      ['-0.1  b a b'],
    ],
  ),
  counts: [5, 4, 1], // + "b a" = bo(b) + p(a) = -0.1 + -0.5, backoff 0
  sentences: [
    // p(b|<s>) -> -0.3 + -0.6; p(a|<s> b) -> bo(<s> b)=0 + bo(b) + p(a) = -0.1 + -0.5; p(b|b a) = -0.1;
    // p(</s>|a b) -> bo(a b) + p(</s>|b) = -0.05 + -0.4
    ['b a b', -0.3 + -0.6 + (-0.1 + -0.5) + -0.1 + (-0.05 + -0.4)],
    // ... p(</s>|b a) -> bo(b a)=0 + bo(a) + p(</s>) = -0.2 + -0.7
    ['b a', -0.3 + -0.6 + (-0.1 + -0.5) + (-0.2 + -0.7)],
  ],
};

// Order 4: "c a b c" lacks its context "c a b", which lacks its context "c a". KenLM refuses this file.
const CONTEXT_CHAIN: Case = {
  name: 'a chain of missing contexts (order 4; KenLM refuses the file)',
  text: arpa(
    [6, 4, 1, 1],
    [
      ['-1.0  <unk>', '-99  <s>  -0.3', '-0.7  </s>', '-0.5  a  -0.2', '-0.6  b  -0.1', '-0.8  c  -0.25'],
      ['-0.3  a b  -0.12', '-0.4  b c  -0.06', '-0.2  c </s>', '-0.35  <s> a  -0.1'],
      ['-0.2  a b c  -0.03'],
      ['-0.05  c a b c'],
    ],
  ),
  // + "c a" = bo(c) + p(a) = -0.25 + -0.5; + "c a b" = bo(c a)=0 + p(b|a) = -0.3
  counts: [6, 5, 2, 1],
  sentences: [
    // p(c|<s>) -> -0.3 + -0.8; p(a|<s> c) -> bo(c) + p(a) = -0.25 + -0.5; p(b|<s> c a) -> p(b|a) = -0.3;
    // p(c|c a b) = -0.05; p(</s>|a b c) -> bo(a b c) + bo(b c) + p(</s>|c) = -0.03 + -0.06 + -0.2
    ['c a b c', -0.3 + -0.8 + (-0.25 + -0.5) + -0.3 + -0.05 + (-0.03 + -0.06 + -0.2)],
    // ... p(</s>|c a) -> bo(c a)=0 + bo(a) + p(</s>) = -0.2 + -0.7
    ['c a', -0.3 + -0.8 + (-0.25 + -0.5) + (-0.2 + -0.7)],
    // ... p(</s>|c a b) -> bo(c a b)=0 + bo(a b) + bo(b) + p(</s>) = -0.12 + -0.1 + -0.7
    ['c a b', -0.3 + -0.8 + (-0.25 + -0.5) + -0.3 + (-0.12 + -0.1 + -0.7)],
  ],
};

// Order 3: <unk> in bigrams and trigrams, with backoffs of its own; zzz and qqq are not in the vocabulary.
const UNK_NGRAMS: Case = {
  name: '<unk> n-grams with backoffs (order 3, no gaps)',
  text: arpa(
    [5, 6, 3],
    [
      ['-1.5  <unk>  -0.4', '-99  <s>  -0.3', '-0.7  </s>', '-0.5  a  -0.2', '-0.6  b  -0.1'],
      ['-0.9  <s> <unk>  -0.25', '-0.2  <unk> a  -0.05', '-1.1  a <unk>  -0.35', '-0.4  b </s>', '-0.3  <s> a', '-0.25  a b  -0.15'],
      ['-0.1  <s> <unk> a', '-0.12  <unk> a b', '-0.15  a <unk> a'],
    ],
  ),
  counts: [5, 6, 3],
  sentences: [
    // p(<unk>|<s>) = -0.9; p(a|<s> <unk>) = -0.1; p(b|<unk> a) = -0.12; p(</s>|a b) -> bo(a b) + p(</s>|b) = -0.15 + -0.4
    ['zzz a b', -0.9 + -0.1 + -0.12 + (-0.15 + -0.4)],
    // p(a|<s>) = -0.3; p(<unk>|<s> a) -> bo(<s> a)=0 + p(<unk>|a) = -1.1; p(a|a <unk>) = -0.15;
    // p(</s>|<unk> a) -> bo(<unk> a) + bo(a) + p(</s>) = -0.05 + -0.2 + -0.7
    ['a qqq a', -0.3 + -1.1 + -0.15 + (-0.05 + -0.2 + -0.7)],
    // p(b|<s>) -> -0.3 + -0.6; p(<unk>|<s> b) -> bo(b) + p(<unk>) = -0.1 + -1.5; p(</s>|b <unk>) -> bo(<unk>) + p(</s>) = -0.4 + -0.7
    ['b zzz', -0.3 + -0.6 + (-0.1 + -1.5) + (-0.4 + -0.7)],
  ],
};

// The same n-grams with <unk> both missing from the unigrams (KenLM: −100, and n-grams with <unk> after their first
// word are never reached) and listed at −3.
const unkFile = (listed: boolean) =>
  arpa(
    [listed ? 5 : 4, 4, 1],
    [
      [...(listed ? ['-3  <unk>'] : []), '-99  <s>  -0.30103', '-0.69897  </s>', '-0.52288  a  -0.2', '-0.60206  b  -0.1'],
      ['-0.30103  <s> a  -0.15', '-0.5  a <unk>  -0.3', '-0.4  <unk> b  -0.05', '-0.39794  b </s>'],
      ['-0.07  a <unk> b'],
    ],
  );
const UNK_MISSING: Case = {
  name: '<unk> n-grams without a <unk> unigram (order 3)',
  text: unkFile(false),
  counts: [5, 3, 0], // "a <unk>" and "a <unk> b" cannot be reached in KenLM: not kept
  sentences: [
    // p(<unk>|<s>) -> bo(<s>) + -100; p(b|<s> <unk>) -> p(b|<unk>) = -0.4; p(</s>|<unk> b) -> bo(<unk> b) + p(</s>|b) = -0.05 + -0.39794
    ['zzz b', -0.30103 + -100 + -0.4 + (-0.05 + -0.39794)],
    // p(a|<s>) = -0.30103; p(<unk>|<s> a) -> bo(<s> a) + bo(a) + -100 (the listed "a <unk>" is not used);
    // p(b|a <unk>) -> p(b|<unk>) = -0.4 (nor "a <unk> b"); p(</s>|<unk> b) = -0.05 + -0.39794
    ['a zzz b', -0.30103 + (-0.15 + -0.2 + -100) + -0.4 + (-0.05 + -0.39794)],
  ],
};
const UNK_LISTED: Case = {
  name: 'the same file with a <unk> unigram (order 3)',
  text: unkFile(true),
  counts: [5, 4, 1],
  sentences: [
    // p(<unk>|<s>) -> bo(<s>) + p(<unk>) = -0.30103 + -3; p(b|<s> <unk>) -> -0.4; p(</s>|<unk> b) = -0.05 + -0.39794
    ['zzz b', -0.30103 + -3 + -0.4 + (-0.05 + -0.39794)],
    // p(a|<s>) = -0.30103; p(<unk>|<s> a) -> bo(<s> a) + p(<unk>|a) = -0.15 + -0.5; p(b|a <unk>) = -0.07; p(</s>|<unk> b) as above
    ['a zzz b', -0.30103 + (-0.15 + -0.5) + -0.07 + (-0.05 + -0.39794)],
  ],
};

// Order 4 with a positive backoff: the inserted "b c" sums to bo(b) + p(c) = 0.3 + -0.1 = +0.2, which KenLM stores
// and reads back as −|0.2| (its sign bit is a flag); the chain above it goes on from the unsigned sum:
// "a b c" = 0.2 + bo(a b) = 0.2 + -0.5 = -0.3 (not -0.2 + -0.5).
const SIGN: Case = {
  name: "a positive inserted value: KenLM's −|p| (order 4)",
  text: arpa(
    [6, 3, 1, 1],
    [
      ['-1.0  <unk>', '-99  <s>  -0.3', '-0.7  </s>', '-0.5  a  -0.2', '-0.6  b  0.3', '-0.1  c  -0.1'],
      ['-0.3  <s> a  -0.1', '-0.4  a b  -0.5', '-0.45  c </s>'],
      ['-0.2  <s> a b  -0.05'],
      ['-0.02  <s> a b c'],
    ],
  ),
  counts: [6, 4, 2, 1],
  sentences: [
    // p(b|<s>) -> -0.3 + -0.6; p(c|<s> b) -> inserted "b c": −|0.3 + -0.1| = -0.2; p(</s>|b c) -> bo(b c)=0 + p(</s>|c) = -0.45
    ['b c', -0.3 + -0.6 + -0.2 + -0.45],
    // p(a|<s>) = -0.3; p(b|<s> a) = -0.2; p(c|<s> a b) = -0.02; p(</s>|a b c) -> 0 + 0 + p(</s>|c) = -0.45
    ['a b c', -0.3 + -0.2 + -0.02 + -0.45],
    // p(b|<s>) -0.9; p(a|<s> b) -> bo(b) + p(a) = 0.3 + -0.5; p(b|<s> b a) -> bo(b a)=0 + p(b|a) = -0.4;
    // p(c|b a b) -> inserted "a b c" = -0.1 + 0.3 + -0.5; p(</s>|a b c) = -0.45
    ['b a b c', -0.3 + -0.6 + (0.3 + -0.5) + -0.4 + (-0.1 + 0.3 + -0.5) + -0.45],
  ],
};

const CASES = [SUFFIX, CHAIN, CONTEXT, CONTEXT_CHAIN, UNK_NGRAMS, UNK_MISSING, UNK_LISTED, SIGN];

describe('ARPA files with gaps score as KenLM query does', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it.each(c.sentences.map(([sentence, expected]) => ({ sentence, expected, shown: expected.toFixed(5) })))(
        '$sentence totals $shown (log10)',
        ({ sentence, expected }) => {
          expect(Math.abs(total(readArpa(c.text), sentence) - expected)).toBeLessThan(1e-4);
        },
      );
      it('holds the listed n-grams plus the inserted ones', () => {
        expect(readArpa(c.text).ngramCounts).toEqual(c.counts);
      });
    });
  }

  it('inserts an n-gram with backoff 0 and the backed-off probability', () => {
    const model = readArpa(CHAIN.text);
    const id = (w: string) => model.vocab.id(w);
    const [, bigrams, trigrams] = model.orders;
    const cd = model.child(0, id('c'), id('d'));
    const bcd = model.child(1, model.child(0, id('b'), id('c')), id('d'));
    expect(bigrams.log2Prob[cd] / Math.log2(10)).toBeCloseTo(-0.15 + -0.9, 5);
    expect(bigrams.log2Backoff[cd]).toBe(0);
    expect(trigrams.log2Prob[bcd] / Math.log2(10)).toBeCloseTo(-0.22 + -0.15 + -0.9, 5);
    expect(trigrams.log2Backoff[bcd]).toBe(0);
    // and the query reaches the 4-gram above them
    expect(model.score(['a', 'b', 'c'].map(id), id('d')).orderUsed).toBe(4);
  });

  it('charges the backoff of a listed n-gram that extends nothing (pruned away), as KenLM does', () => {
    // "b a" has backoff -0.12 but no trigram starts with it: p(</s>|b a) = bo(b a) + bo(a) + p(</s>) (see SUFFIX)
    const model = readArpa(SUFFIX.text);
    const ids = ['b', 'a'].map((w) => model.vocab.id(w));
    expect(model.score(ids, model.vocab.id('</s>')).log2Prob / Math.log2(10)).toBeCloseTo(-0.12 + -0.2 + -0.7, 5);
  });

  it('reads the same when the file arrives in small pieces', async () => {
    for (const c of CASES) {
      const pieces = c.text.match(/[^]{1,7}/g)!;
      async function* source() {
        for (const p of pieces) yield p;
      }
      const streamed = await readArpaAsync(source());
      const whole = readArpa(c.text);
      expect(streamed.ngramCounts).toEqual(c.counts);
      for (const [s] of c.sentences) expect(total(streamed, s)).toBeCloseTo(total(whole, s), 6);
    }
  });

  it('round-trips every filled model through ARPA export with the same scores and no further insertions', () => {
    // Among them, listed backoffs on n-grams that extend nothing (as in pruned files: SUFFIX's "b a", CONTEXT's
    // "a b", …): the export keeps them (src/lm/arpa.ts writes every backoff that is not 0), so the totals hold.
    const childlessBackoff = (m: NgramModel) =>
      m.orders.some((o, k) => k < m.order - 1 && o.log2Backoff.some((b, i) => b !== 0 && o.childStart.get(i + 1) === o.childStart.get(i)));
    expect(CASES.filter((c) => childlessBackoff(readArpa(c.text))).length).toBeGreaterThanOrEqual(2);
    for (const c of CASES) {
      const model = readArpa(c.text);
      const back = readArpa(toArpa(model));
      expect(back.ngramCounts).toEqual(model.ngramCounts);
      for (const [s, expected] of c.sentences) expect(Math.abs(total(back, s) - expected)).toBeLessThan(1e-4);
    }
  });

  it('loads a file without gaps exactly as listed: a trained model keeps its n-gram counts and scores', () => {
    const trained = train(['the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n'], { order: 4, tokenizer: 'whitespace', lines: true });
    const text = toArpa(trained);
    const declared = [...text.matchAll(/^ngram \d+=(\d+)$/gm)].map((m) => Number(m[1]));
    const back = readArpa(text);
    expect(back.ngramCounts).toEqual(declared);
    expect(back.ngramCounts).toEqual(trained.ngramCounts);
    for (const s of ['the cat sat on the log', 'a dog sat', 'the zebra and a cat']) {
      expect(total(back, s)).toBeCloseTo(total(trained, s), 4);
    }
  });
});
