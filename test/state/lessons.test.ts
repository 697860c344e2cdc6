import { VIEW_PAUSE_MS } from '../../src/state/query.svelte.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEEP_RANK } from '../../src/analysis/lessons.ts';
import { LessonsState } from '../../src/state/lessons.svelte.ts';
import type { ModelsState } from '../../src/state/models.svelte.ts';
import { readyModels, settle } from './fake-worker.ts';

const made: ModelsState[] = [];
afterEach(() => {
  for (const m of made.splice(0)) m.dispose();
  vi.useRealTimers();
});

async function setup(order = 5) {
  vi.useFakeTimers();
  const fake = await readyModels(order);
  made.push(fake.models);
  return { ...fake, lessons: new LessonsState(() => fake.models) };
}

const score = { log2Prob: -1, orderUsed: 2, count: 4 };
const scores = { tokens: [{ token: 'def', start: 0, base: { ...score, rank: 40 }, finetuned: { ...score, rank: 1 } }], bitsPerToken: { base: 5, finetuned: 1 } };

describe('LessonsState token colouring', () => {
  it('scores nothing while the colouring is off', async () => {
    const { lessons, worker } = await setup();
    lessons.score('def');
    await vi.advanceTimersByTimeAsync(1000);
    expect(worker().requests('score')).toEqual([]);
  });

  it(`scores the text 200 ms after it settles, ranks ${DEEP_RANK} deep, and keeps the text with its scores`, async () => {
    const { lessons, worker } = await setup();
    lessons.colour = true;
    lessons.score('de');
    await vi.advanceTimersByTimeAsync(100);
    lessons.score('def');
    await vi.advanceTimersByTimeAsync(199);
    expect(worker().requests('score')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(worker().requests('score')).toMatchObject([{ text: 'def', rankDepth: DEEP_RANK, lane: 'score' }]);
    worker().reply({ type: 'scores', id: worker().last('score').id, ...scores });
    await settle();
    expect(lessons.scored).toEqual({ text: 'def', ...scores });
  });

  it('drops a pending scoring when the colouring is switched off', async () => {
    const { lessons, worker } = await setup();
    lessons.colour = true;
    lessons.score('def');
    lessons.colour = false;
    lessons.score('def');
    await vi.advanceTimersByTimeAsync(1000);
    expect(worker().requests('score')).toEqual([]);
  });
});

describe('LessonsState smoothing', () => {
  it('compares the methods once typing pauses (VIEW_PAUSE_MS), with the selected model and k', async () => {
    const { models, lessons, worker } = await setup();
    models.toggleModel();
    lessons.addK = 0.01;
    lessons.smooth('for i in range(');
    await vi.advanceTimersByTimeAsync(VIEW_PAUSE_MS - 1);
    expect(worker().requests('smoothing')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(worker().requests('smoothing')).toMatchObject([{ text: 'for i in range(', model: 'base', k: 8, addK: 0.01, lane: 'smoothing' }]);
    const comparison = { contextLength: 1, contextTokens: ['('], contextCount: 9, seenTypes: 3, vocabulary: 100, methods: [] };
    const reply = { type: 'smoothed' as const, id: worker().last('smoothing').id, comparison, counts: 'base' as const, elapsedMs: 1 };
    worker().reply(reply);
    await settle();
    expect(lessons.smoothed).toEqual(reply);
  });

  it('shows a failure as a message', async () => {
    const { models, lessons, worker } = await setup();
    lessons.smooth('x');
    await vi.advanceTimersByTimeAsync(VIEW_PAUSE_MS);
    worker().fail(worker().last('smoothing').id, 'internal', 'no counts');
    await settle();
    expect(models.messages.map((m) => m.text)).toEqual(['no counts']);
  });
});

describe('LessonsState prompting', () => {
  it('continues the prompt with the chosen method and is busy until both models answered', async () => {
    const { lessons, worker } = await setup();
    lessons.method = 'sample';
    lessons.seed = 7;
    const done = lessons.continueText('# factorial\n');
    expect(lessons.busy).toBe(true);
    expect(worker().last('generate')).toMatchObject({
      text: '# factorial\n',
      lane: 'prompting',
      options: { method: 'sample', maxTokens: 40, beamWidth: 4, temperature: 0.8, topK: 40, topP: 0.95, seed: 7 },
    });
    const base = { text: ' the', tokens: [' the'], log2Prob: -4, orders: [2], seen: ['#', ' factorial', '\n'] };
    const finetuned = { text: 'def', tokens: ['def'], log2Prob: -1, orders: [4], seen: ['#', ' factorial', '\n'] };
    const instruction = { text: '# factorial', tokensBack: 3 };
    worker().reply({ type: 'generated', id: worker().last('generate').id, base, finetuned, instruction, cacheTokens: 3 });
    await done;
    expect(lessons.busy).toBe(false);
    expect(lessons.continued).toEqual({ prompt: '# factorial\n', base, finetuned, instruction, cacheTokens: 3 });
  });
});

describe('LessonsState prose', () => {
  it('counts the context tokens of the order in force: order − 1', async () => {
    expect((await setup(5)).lessons.contextTokens).toBe(4);
    expect((await setup(3)).lessons.contextTokens).toBe(2);
    expect((await setup(1)).lessons.contextTokens).toBe(0);
  });
});
