import { afterEach, describe, expect, it } from 'vitest';
import { AnalysisState } from '../../src/state/analysis.svelte.ts';
import type { ModelsState } from '../../src/state/models.svelte.ts';
import { readyModels, settle } from './fake-worker.ts';

const made: ModelsState[] = [];
afterEach(() => {
  for (const m of made.splice(0)) m.dispose();
});

async function setup() {
  const fake = await readyModels();
  made.push(fake.models);
  return { ...fake, analysis: new AnalysisState(() => fake.models) };
}

describe('AnalysisState', () => {
  it('asks again, without an error, when the curve was cancelled by new models', async () => {
    const { analysis, worker } = await setup();
    const loading = analysis.loadCurve();
    worker().fail(worker().last('curve').id, 'cancelled', 'the models changed');
    await loading;
    expect(analysis.error).toBeNull();
    void analysis.loadCurve();
    expect(worker().requests('curve')).toHaveLength(2);
  });

  it('shows other failures', async () => {
    const { analysis, worker } = await setup();
    const loading = analysis.computeNaturalness();
    expect(analysis.tableProgress).toEqual({ fraction: 0, detail: 'reading the corpora' });
    worker().fail(worker().last('naturalness').id, 'network', 'corpora/english.jsonl.gz: HTTP 500');
    await loading;
    await settle();
    expect(analysis.error).toBe('corpora/english.jsonl.gz: HTTP 500');
    expect(analysis.tableProgress).toBeNull();
  });
});
