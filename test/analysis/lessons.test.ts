/**
 * The lesson views' computations (analysis/lessons.ts): every token scored and ranked under both models, checked
 * against ranks read off the whole distribution, and the smoothing comparison on the right counts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEEP_RANK, scoreText, smoothingAfter } from '../../src/analysis/lessons.ts';
import { buildModels } from '../../src/build/build.ts';
import { ModelSet } from '../../src/build/model-set.ts';
import { DEFAULT_BUILD_SETTINGS } from '../../src/build/settings.ts';
import type { MixtureModel } from '../../src/lm/mixture.ts';
import { tokenize } from '../../src/lm/tokenizer.ts';
import { BOS, UNK, type TokenId } from '../../src/lm/types.ts';
import { memoryAccess, smallRecords } from '../worker/helpers.ts';

let set: ModelSet;
beforeAll(async () => {
  set = new ModelSet(await buildModels(memoryAccess(smallRecords(16)), { ...DEFAULT_BUILD_SETTINGS, order: 3 }));
  set.setDocument('def add(a, b):\n    return a + b\n'); // the cache is on (μ = 0.1) and must not count in the scores
});

const noPause = async () => undefined;

/**
 * Rank of `word` after `context` from the whole distribution, with ties broken by id as topK does (1-based);
 * <s> and <unk> are never listed, so an unknown token has no rank (Infinity).
 */
function bruteRank(model: MixtureModel, context: readonly TokenId[], word: TokenId): number {
  if (word === UNK) return Infinity;
  const p = model.distribution(context);
  p[BOS] = 0;
  p[UNK] = 0;
  const target = p[word];
  let rank = 1;
  for (let id = 0; id < p.length; id++) if (id !== word && (p[id] > target || (p[id] === target && id < word))) rank++;
  return rank;
}

describe('scoreText', () => {
  const text = 'def total(items):\n    result = 0\n    for item in items:\n        result = result + zebra\n';

  it('covers the text token by token, with offsets, and ranks equal to those read off the whole distribution', async () => {
    const scored = await scoreText(set, text, DEEP_RANK, noPause);
    const tokens = tokenize(text);
    expect(scored.tokens.map((t) => t.token)).toEqual(tokens);
    expect(scored.tokens.map((t) => t.start)).toEqual(tokens.map((_, i) => tokens.slice(0, i).join('').length));
    // The same weights without the cache, as the colouring uses.
    const w = set.finetuned.getWeights();
    const ft = set.finetuned.view(w.map((x, i) => (i === w.length - 1 ? 0 : x)));
    const ids = [BOS, ...set.ids(tokens)];
    let checked = 0;
    for (let i = 0; i < tokens.length; i++) {
      const context = ids.slice(Math.max(0, i + 1 - (ft.order - 1)), i + 1);
      const r = scored.tokens[i].finetuned.rank;
      const expected = bruteRank(ft, context, ids[i + 1]);
      if (expected <= DEEP_RANK) {
        expect(r).toBe(expected);
        checked++;
      } else expect(r).toBeNull();
      expect(scored.tokens[i].finetuned.log2Prob).toBeCloseTo(ft.score(context, ids[i + 1]).log2Prob, 12);
    }
    expect(checked).toBe(tokens.length - 1); // all but " zebra", which no model has seen
    // Bits per token: the mean of the tokens' own figures.
    const mean = -scored.tokens.reduce((s, t) => s + t.base.log2Prob, 0) / tokens.length;
    expect(scored.bitsPerToken.base).toBeCloseTo(mean, 12);
    expect(scored.bitsPerToken.finetuned).toBeLessThan(scored.bitsPerToken.base); // code is likelier after fine-tuning
  });

  it('leaves the document cache out: the scores are the same whatever its weight', async () => {
    set.setDocument(text);
    const withCache = await scoreText(set, text, 10, noPause);
    set.setMix({ lambda: null, dataFraction: 1, cacheWeight: 0 });
    const without = await scoreText(set, text, 10, noPause);
    set.setMix({ lambda: null, dataFraction: 1, cacheWeight: 0.1 });
    expect(withCache).toEqual(without);
  });

  it('reports ranks deeper than the depth asked for as null', async () => {
    const shallow = await scoreText(set, text, 1, noPause);
    for (const t of shallow.tokens) expect(t.finetuned.rank === null || t.finetuned.rank === 1).toBe(true);
    expect(shallow.tokens.some((t) => t.finetuned.rank === null)).toBe(true);
    expect(shallow.tokens.some((t) => t.finetuned.rank === 1)).toBe(true);
  });

  it('pauses once per token, and stops when the pause throws', async () => {
    let pauses = 0;
    await scoreText(set, text, 10, async () => void pauses++);
    expect(pauses).toBe(tokenize(text).length);
    await expect(
      scoreText(set, text, 10, async () => {
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
  });

});

describe('smoothingAfter', () => {
  it('compares on the base counts for the base model and on the current fraction\'s code counts for the fine-tuned one', () => {
    const base = smoothingAfter(set, 'def add(a, b):\n    return', 'base', 5, 1);
    expect(base.counts).toBe('base');
    const code = smoothingAfter(set, 'def add(a, b):\n    return', 'finetuned', 5, 1);
    expect(code.counts).toBe('code');
    expect(code.comparison.contextTokens).toEqual(['\n    ', 'return']);
    expect(code.comparison.methods.map((m) => m.method)).toEqual(['ml', 'add-k', 'stupid-backoff', 'kneser-ney']);
    // The code model has seen "return" after an indented newline; the base model (English) has not, so it backs off.
    expect(code.comparison.contextLength).toBe(2);
    expect(base.comparison.contextLength).toBeLessThan(2);
    // At 0% of the code the fine-tuned model is the base model, and so are its counts.
    set.setMix({ lambda: null, dataFraction: 0, cacheWeight: 0.1 });
    expect(smoothingAfter(set, 'return', 'finetuned', 5, 1).counts).toBe('base');
    set.setMix({ lambda: null, dataFraction: 1, cacheWeight: 0.1 });
  });
});
