import { afterEach, describe, expect, it } from 'vitest';
import { AnalysisState } from '../../src/state/analysis.svelte.ts';
import type { ModelsState } from '../../src/state/models.svelte.ts';
import type { NaturalnessTable } from '../../src/analysis/naturalness.ts';
import { fakeModels, mixState, modelsReady, readyModels, settle, SETTINGS } from './fake-worker.ts';

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

  it('keeps a naturalness job when the fraction models arrive, and starts it again when new models replace its own', async () => {
    const fake = fakeModels();
    made.push(fake.models);
    const analysis = new AnalysisState(() => fake.models);
    const w = fake.worker();
    void fake.models.build(SETTINGS);
    const planned = { plannedFractions: [0.125, 0.25, 0.5, 1] };
    w.reply({ type: 'usable', id: w.last('build').id, ready: { ...modelsReady(5, 3), stage: 'quick' } });
    await settle();
    const computing = analysis.computeNaturalness();
    const first = w.last('naturalness');
    // The full models go live: the worker stops the job on the quick ones, and the page asks again.
    w.reply({ type: 'usable', id: w.last('build').id, ready: { ...modelsReady(5, 4), stage: 'full', ...planned } });
    await settle();
    w.fail(first.id, 'cancelled', 'the models changed; the analysis was stopped');
    await settle();
    const second = w.last('naturalness');
    expect(second.id).not.toBe(first.id);
    expect(analysis.tableProgress?.detail).toMatch(/models changed/);
    expect(analysis.error).toBeNull();
    // The same models with their fraction models: the job goes on, and its table is theirs.
    w.reply({ type: 'built', id: w.last('fractions').id, ready: { ...modelsReady(5, 4), stage: 'complete', ...planned } });
    await settle();
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
    await settle();
    expect(fake.models.ready?.stage).toBe('complete');
    const table: NaturalnessTable = { langs: ['english'], tokens: { english: 10 }, rows: [{ order: 1, lambda: 0.5, bits: { english: { base: 9, code: 12, finetuned: 10 } } }], elapsedMs: 5 };
    w.reply({ type: 'naturalness-table', id: second.id, table, elapsedMs: 5 });
    await computing;
    expect(analysis.table).toEqual(table);
    expect(analysis.tableStale).toBe(false);
    expect(analysis.tableProgress).toBeNull();
    expect(w.requests('naturalness')).toHaveLength(2);
    // Asked again for the same models: the table is there already.
    await analysis.computeNaturalness();
    expect(w.requests('naturalness')).toHaveLength(2);
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
