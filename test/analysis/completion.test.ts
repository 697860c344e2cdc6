/**
 * The completion at the cursor (analysis/completion.ts): token healing, a ghost after complete words and bare
 * spaces, mid-line ghosts that do not double a closing bracket, and both models in one answer through the worker.
 */
import { describe, expect, it } from 'vitest';
import { GHOST_MIN_PROB, ghostOf, healContext, idsStartingWith, listContext, REGION_POOL, suggestionsOf } from '../../src/analysis/completion.ts';
import { rerank } from '../../src/lm/regions.ts';
import { train } from '../../src/lm/train.ts';
import { BOS } from '../../src/lm/types.ts';
import { tokenize } from '../../src/lm/tokenizer.ts';
import { ModelService } from '../../src/worker/service.ts';
import { DEFAULT_BUILD_SETTINGS } from '../../src/build/settings.ts';
import { call, last, memoryAccess, smallRecords } from '../worker/helpers.ts';

// A code model that has seen one loop many times, and `items` far more often than `item`.
const CODE = 'for item in items:\n    print(item)\n    total = total + item\nitems = list(items)\nresult = items\n';
const model = train([CODE.repeat(20)], { order: 4, tokenizer: 'code', lines: false });

const idsOf = (text: string) => [BOS, ...tokenize(text).map((t) => model.vocab.id(t))];

function complete(before: string, after = '', maxTokens = 12) {
  const healed = healContext(before);
  const ids = idsOf(healed.context);
  return { healed, suggestions: suggestionsOf(model, ids, healed.prefix, 5), ghost: ghostOf(model, ids, healed, { after, maxTokens }) };
}

describe('healContext', () => {
  it.each([
    ['pri', '', 'pri'],
    ['print(i', 'print(', 'i'],
    ['    return width * ', '    return width *', ' '],
    ['for item in', 'for item', ' in'],
    ['def f():\n    ', 'def f():\n    ', ''],
    ['', '', ''],
  ])('%j: context %j, prefix %j', (before, context, prefix) => {
    expect(healContext(before)).toEqual({ context, prefix });
  });

  it('differs from the list context only for finished tokens that are not words', () => {
    expect(listContext('for item in it')).toEqual(healContext('for item in it'));
    expect(listContext('for item ')).toEqual(healContext('for item '));
    expect(listContext('print(')).toEqual({ context: 'print(', prefix: '' });
    expect(healContext('print(')).toEqual({ context: 'print', prefix: '(' });
  });
});

describe('completeWith', () => {
  it('completes a half-typed word and goes on to the end of the line', () => {
    const c = complete('for item in it');
    expect(c.suggestions[0].token).toBe(' items');
    expect(c.ghost.text).toBe('ems:');
  });

  it('keeps the ghost after a complete word, going on past it', () => {
    // " in" is typed whole: no longer token starts with it, and the ghost continues after it.
    expect(complete('for item in').ghost.text).toBe(' items:');
    // "item" is a whole token and a prefix of "items": after "print(" the two-token path "item" + ")" wins.
    const c = complete('    print(item');
    expect(c.suggestions.map((s) => s.token)).toContain('items');
    expect(c.ghost.tokens[0]).toBe('item');
    expect(c.ghost.text).toBe(')');
  });

  it('heals a bare trailing space into the next word', () => {
    const c = complete('for item ');
    expect(c.healed.prefix).toBe(' ');
    expect(c.ghost.text).toBe('in items:');
    expect(c.suggestions.every((s) => s.token.startsWith(' '))).toBe(true);
  });

  it('in the middle of a line, stops before the closing bracket that follows the cursor', () => {
    expect(complete('    print(').ghost.text).toBe('item)');
    expect(complete('    print(', ')').ghost.text).toBe('item');
  });

  it('stops at the end of the line and after maxTokens', () => {
    expect(complete('    total = total + item').ghost.text).toBe('');
    expect(complete('items = ', '', 1).ghost.tokens).toHaveLength(1);
  });
});

describe('the complete request', () => {
  it('answers both models\' suggestions and the selected model\'s ghost in one round trip', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(16)) });
    last(await call(service, { type: 'build', id: 1, settings: { ...DEFAULT_BUILD_SETTINGS, order: 3 }, corporaUrl: '', useCache: false }), 'built');
    const ask = (id: number, model: 'base' | 'finetuned') => call(service, { type: 'complete', id, lane: 'cursor', before: 'def add(a, b):\n    return a +', after: '', k: 5, maxTokens: 8, model });
    const r = last(await ask(2, 'finetuned'), 'completion');
    const b = last(await ask(3, 'base'), 'completion');
    // The list offers what follows the finished operator; the ghost heals it and goes on.
    expect(r.completion.prefix).toBe('');
    expect(r.completion.predictions.finetuned[0].token).toBe(' b');
    // The fine-tuned ghost goes on past the complete operator; the base model, which never saw this code, differs.
    expect(r.completion).toMatchObject({ model: 'finetuned', ghost: ' b' });
    expect(b.completion.model).toBe('base');
    expect(b.completion.ghost).not.toBe(' b');
    // The lists are both models' either way; the selected model's tokens are scored by both.
    expect(b.completion.predictions.base).toEqual(r.completion.predictions.base);
    expect(b.completion.predictions.finetuned).toEqual(r.completion.predictions.finetuned);
    expect(r.completion.predictions.compare.map((c) => c.id)).toEqual(r.completion.predictions.finetuned.map((p) => p.id));
    expect(b.completion.predictions.compare.map((c) => c.id)).toEqual(b.completion.predictions.base.map((p) => p.id));
    // A half-typed word: the ghost reuses the list's candidates and is the ghost computed from scratch.
    const before = 'def add(a, b):\n    ret';
    const half = last(await call(service, { type: 'complete', id: 4, lane: 'cursor', before, after: '', k: 5, maxTokens: 8, model: 'finetuned' }), 'completion');
    const healed = healContext(before);
    const set = service.ready!;
    expect(half.completion.ghost).toBe(ghostOf(set.finetuned, set.context(healed.context), healed, { maxTokens: 8, minProb: GHOST_MIN_PROB }).text);
    expect(half.completion.ghost).not.toBe('');
    // The ghost after the list's first row, for an open list (Monaco shows only a ghost continuing the selected
    // row): that row's token, then the greedy continuation after it.
    const top = half.completion.predictions.finetuned.find((p) => p.token.trim() !== '' && !p.token.includes('\n'))!;
    const list = listContext(before);
    expect(half.completion.afterTop?.token).toBe(top.token);
    expect(half.completion.afterTop?.ghost).toBe(ghostOf(set.finetuned, [...set.context(list.context), top.id], { context: list.context + top.token, prefix: '' }, { maxTokens: 8, minProb: GHOST_MIN_PROB }).text);
    // The fine-tuned list was weighed for the cursor's region; the base model's never is.
    expect(half.completion.region).toBe('code');
    const inComment = last(await call(service, { type: 'complete', id: 5, lane: 'cursor', before: '# add a and ', after: '', k: 5, maxTokens: 8, model: 'finetuned' }), 'completion');
    expect(inComment.completion.region).toBe('comment');
    const next = last(await call(service, { type: 'next', id: 6, text: '# add a and', k: 5, prefix: ' ' }), 'predictions').predictions;
    expect(inComment.completion.predictions.base).toEqual(next.base);
    // The weighed list holds the model's own candidates in the region's order.
    const reweighed = rerank(suggestionsOf(set.finetuned, set.context('# add a and'), ' ', REGION_POOL), set.regions!, 'comment', 5);
    expect(inComment.completion.predictions.finetuned.map((p) => p.token)).toEqual(reweighed.map((p) => p.token));
  });
});

describe('idsStartingWith', () => {
  it('finds every token with a prefix, and gives up past the limit', () => {
    const words = model.vocab;
    const all = Array.from({ length: words.size }, (_, i) => i).filter((id) => id > 2);
    for (const prefix of ['it', ' i', '(', 'zz', '']) {
      const expected = all.filter((id) => words.token(id).startsWith(prefix)).sort((a, b) => a - b);
      const got = idsStartingWith(words, prefix, 1000);
      expect(got && [...got].sort((a, b) => a - b)).toEqual(expected);
    }
    expect(idsStartingWith(words, '', 3)).toBeNull();
  });

  it('gives the same suggestions as the top-k search when few tokens match', () => {
    const ids = idsOf('    print');
    for (const prefix of ['(', ' i', 'it']) {
      const direct = model.topK(ids.slice(-3), 3, { prefix });
      expect(suggestionsOf(model, ids, prefix, 3).map((p) => [p.token, p.log2Prob])).toEqual(direct.map((p) => [p.token, p.log2Prob]));
    }
  });
});
