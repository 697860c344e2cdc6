import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelsState } from '../../src/state/models.svelte.ts';
import { PredictionsState } from '../../src/state/predictions.svelte.ts';
import type { PredictionPair } from '../../src/state/types.ts';
import { fakeModels, readyModels, settle } from './fake-worker.ts';

const made: ModelsState[] = [];
afterEach(() => {
  for (const m of made.splice(0)) m.dispose();
  vi.useRealTimers();
});

async function setup() {
  vi.useFakeTimers();
  const fake = await readyModels();
  made.push(fake.models);
  return { ...fake, predictions: new PredictionsState(() => fake.models) };
}

const pairOf = (token: string): PredictionPair => {
  const p = { id: 1, token, prob: 0.5, log2Prob: -1, orderUsed: 2, count: 3 };
  return { base: [p], finetuned: [p], compare: [] };
};

describe('PredictionsState', () => {
  it('asks for the panel\'s 10 tokens 30 ms after the cursor settles, in the panel lane', async () => {
    const { predictions, worker } = await setup();
    predictions.follow({ context: 'def', prefix: ' f' });
    await vi.advanceTimersByTimeAsync(20);
    predictions.follow({ context: 'def', prefix: ' fa' });
    await vi.advanceTimersByTimeAsync(29);
    expect(worker().requests('next')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(worker().requests('next')).toMatchObject([{ text: 'def', k: 10, prefix: ' fa', lane: 'panel' }]);
    worker().reply({ type: 'predictions', id: worker().last('next').id, predictions: pairOf(' fact'), elapsedMs: 1 });
    await settle();
    expect(predictions.pair).toEqual(pairOf(' fact'));
    expect(predictions.prefix).toBe(' fa');
  });

  it('drops a superseded answer: the older request answered last is never shown', async () => {
    const { predictions, worker } = await setup();
    predictions.follow({ context: 'x =', prefix: '' });
    await vi.advanceTimersByTimeAsync(30);
    predictions.follow({ context: 'x = 1', prefix: '' });
    await vi.advanceTimersByTimeAsync(30);
    const [older, newer] = worker().requests('next');
    worker().reply({ type: 'predictions', id: newer.id, predictions: pairOf('\n'), elapsedMs: 1 });
    await settle();
    worker().reply({ type: 'predictions', id: older.id, predictions: pairOf(' 1'), elapsedMs: 1 });
    await settle();
    expect(predictions.pair).toEqual(pairOf('\n'));
  });

  it('shows failures as messages, but not stopped requests', async () => {
    const { models, predictions, worker } = await setup();
    predictions.follow({ context: 'a', prefix: '' });
    await vi.advanceTimersByTimeAsync(30);
    worker().fail(worker().last('next').id, 'cancelled', 'the models changed');
    await settle();
    expect(models.messages).toEqual([]);
    predictions.follow({ context: 'b', prefix: '' });
    await vi.advanceTimersByTimeAsync(30);
    worker().fail(worker().last('next').id, 'internal', 'the worker ran out of memory');
    await settle();
    expect(models.messages.map((m) => [m.kind, m.text])).toEqual([['error', 'the worker ran out of memory']]);
  });

  it('asks nothing before there are models', async () => {
    vi.useFakeTimers();
    const { models, worker } = fakeModels();
    made.push(models);
    const predictions = new PredictionsState(() => models);
    predictions.follow({ context: 'a', prefix: '' });
    await vi.advanceTimersByTimeAsync(100);
    expect(worker().requests('next')).toEqual([]);
  });
});
