/** Where tokens are written (lm/regions.ts): counts per region, P(region | token), and the reranking it drives. */
import { describe, expect, it } from 'vitest';
import { RegionCounts, regionIndex, rerank } from '../../src/lm/regions.ts';
import { modelFromStream, tokenizeSteps } from '../../src/lm/train.ts';
import { runToEnd } from '../../src/lm/counts.ts';
import { BOS } from '../../src/lm/types.ts';
import { tokenize } from '../../src/lm/tokenizer.ts';
import { Vocab } from '../../src/lm/vocab.ts';

const CODE = regionIndex('code');
const COMMENT = regionIndex('comment');
const STRING = regionIndex('string');

describe('RegionCounts', () => {
  it('counts tokens per region, smooths P(region | token) towards the corpus share, and grows', () => {
    const r = new RegionCounts();
    for (let i = 0; i < 6; i++) r.add(5, CODE);
    r.add(7, COMMENT, 2);
    r.add(5000, STRING); // past the initial room
    expect(r.count(5, CODE)).toBe(6);
    expect(r.count(5000, STRING)).toBe(1);
    expect(r.prior(CODE)).toBeCloseTo(6 / 9);
    // Seen six times in code only: mostly code, not quite 1 (the prior's pseudo-counts).
    expect(r.share(5, CODE)).toBeGreaterThan(0.9);
    expect(r.share(5, CODE)).toBeLessThan(1);
    expect(r.share(7, CODE)).toBeLessThan(r.prior(CODE));
    // A token never seen gets the corpus's shares, and the shares of any token sum to 1.
    expect(r.share(42, CODE)).toBeCloseTo(r.prior(CODE));
    for (const id of [5, 7, 42, 5000]) expect(r.share(id, CODE) + r.share(id, STRING) + r.share(id, COMMENT)).toBeCloseTo(1);
  });

  it('adds a table through an id map and survives its stored form', () => {
    const a = new RegionCounts();
    a.add(3, CODE, 4);
    a.add(4, COMMENT);
    const union = new RegionCounts();
    union.add(10, CODE);
    union.addMapped(a, (id) => id + 7);
    expect(union.count(10, CODE)).toBe(5);
    expect(union.count(11, COMMENT)).toBe(1);
    const again = new RegionCounts(union.toArray(12));
    for (let id = 0; id < 12; id++) for (const r of [CODE, STRING, COMMENT]) expect(again.count(id, r)).toBe(union.count(id, r));
    expect(again.prior(CODE)).toBe(union.prior(CODE));
  });
});

describe('rerank', () => {
  // Comments say "in the" three times as often as code says "in items".
  const text = ('# look in the box\n# put it in the bag\n# read in the file\nfor item in items:\n    pass\n').repeat(30);
  const vocab = new Vocab();
  const regions = new RegionCounts();
  const stream = runToEnd(tokenizeSteps([text], vocab, { tokenizer: 'code', lines: false, regions })).view();
  const model = runToEnd(modelFromStream(stream, vocab, { order: 2, tokenizer: 'code', lines: false }, stream.length));
  const after = (t: string) => {
    const ids = [BOS, ...tokenize(t).map((w) => vocab.id(w))];
    return model.topK(ids.slice(-1), 10);
  };

  it('counts regions while tokenizing for training', () => {
    expect(regions.count(vocab.id(' the'), COMMENT)).toBe(90);
    expect(regions.count(vocab.id(' the'), CODE)).toBe(0);
    expect(regions.count(vocab.id(' items'), CODE)).toBe(30);
    expect(regions.count(vocab.id(' #'), CODE) + regions.count(vocab.id('#'), CODE)).toBe(90); // `#` opens a comment: written in code
  });

  it('puts code first at a code position and prose first in a comment, as probabilities', () => {
    const raw = after('for item in');
    expect(raw[0].token).toBe(' the'); // the model alone cannot see where it is
    const code = rerank(raw, regions, 'code', 3);
    expect(code[0].token).toBe(' items');
    expect(rerank(raw, regions, 'comment', 3)[0].token).toBe(' the');
    // Renormalised: the candidates' probabilities stay a part of one distribution.
    const all = rerank(raw, regions, 'code', raw.length);
    const total = all.reduce((s, p) => s + p.prob, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(1 + 1e-12);
    for (const p of all) expect(p.log2Prob).toBeCloseTo(Math.log2(p.prob));
  });
});
