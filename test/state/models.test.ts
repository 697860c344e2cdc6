import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelsState } from '../../src/state/models.svelte.ts';
import { fakeModels, mixState, modelsReady, readyModels, SETTINGS, settle } from './fake-worker.ts';

const made: ModelsState[] = [];
function track<T extends { models: ModelsState }>(fake: T): T {
  made.push(fake.models);
  return fake;
}

afterEach(() => {
  for (const m of made.splice(0)) m.dispose();
  vi.useRealTimers();
});

const texts = (models: ModelsState) => models.messages.map((m) => `${m.kind}: ${m.text}`);

describe('ModelsState builds', () => {
  it('builds, becomes ready, then applies the mix settings and bumps the revision', async () => {
    const { models, worker } = track(fakeModels());
    expect(models.phase).toBe('starting');
    const built = models.build(SETTINGS);
    expect(models.phase).toBe('building');
    const w = worker();
    expect(w.last('build')).toMatchObject({ corporaUrl: 'https://codegram.test/corpora/', settings: SETTINGS, useCache: true });
    w.reply({ type: 'progress', id: w.last('build').id, stage: 'train', detail: 'reading', fraction: 0.5, stageFraction: 0.2, tokensPerSecond: 1e6 });
    expect(models.progress?.fraction).toBe(0.5);
    const ready = modelsReady();
    w.reply({ type: 'built', id: w.last('build').id, ready });
    await settle();
    expect(models.phase).toBe('ready');
    expect(models.progress).toBeNull();
    expect(models.ready).toEqual(ready);
    expect(w.last('mix').mix).toEqual({ lambda: null, dataFraction: 1, cacheWeight: null });
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState({ lambda: 0.7 }) });
    await built;
    expect(models.mix?.lambda).toBe(0.7);
    expect(models.revision).toBe(1);
  });

  it('answers with quick models during the build, then builds the fraction models on a first visit only', async () => {
    const { models, worker } = track(fakeModels());
    const built = models.build(SETTINGS);
    const w = worker();
    expect(w.last('build')).toMatchObject({ quick: true, language: 'python' });
    const quick = { ...modelsReady(5, 3), stage: 'quick' as const };
    w.reply({ type: 'usable', id: w.last('build').id, ready: quick });
    await settle();
    // The quick models answer (completions are asked), and the build goes on.
    expect(models.ready).toEqual(quick);
    expect(models.phase).toBe('building');
    const full = { ...modelsReady(5, 4), stage: 'full' as const, plannedFractions: [0.125, 0.25, 0.5, 1] };
    w.reply({ type: 'built', id: w.last('build').id, ready: full });
    await settle();
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
    await built;
    expect(models.phase).toBe('ready');
    // Built afresh: the fraction models follow in the background, with progress.
    const fractions = w.last('fractions');
    w.reply({ type: 'progress', id: fractions.id, stage: 'fractions', detail: 'python 50%', fraction: 0.4, stageFraction: 0.4, tokensPerSecond: 0 });
    expect(models.fractionProgress?.fraction).toBe(0.4);
    const complete = { ...modelsReady(5, 4), stage: 'complete' as const, plannedFractions: [0.125, 0.25, 0.5, 1] };
    w.reply({ type: 'built', id: fractions.id, ready: complete });
    await settle();
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
    await settle();
    expect(models.ready).toEqual(complete);
    expect(models.fractionProgress).toBeNull();

    // From the cache, they wait until a fraction is asked for.
    const again = models.build(SETTINGS);
    w.reply({ type: 'built', id: w.last('build').id, ready: { ...full, fromCache: true } });
    await settle();
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
    await again;
    expect(w.requests('fractions')).toHaveLength(1);
    void models.setMix({ dataFraction: 0.25 });
    expect(w.requests('fractions')).toHaveLength(2);
  });

  it('starts the fraction models when the full ones answer, before they are cached, and keeps them if they finish first', async () => {
    const { models, worker } = track(fakeModels());
    const built = models.build(SETTINGS);
    const w = worker();
    const full = { ...modelsReady(5, 4), stage: 'full' as const, plannedFractions: [0.125, 0.25, 0.5, 1] };
    w.reply({ type: 'usable', id: w.last('build').id, ready: full });
    await settle();
    // The full models answer while the worker caches them: the fraction models are asked for at once.
    const fractions = w.last('fractions');
    const complete = { ...modelsReady(5, 4), stage: 'complete' as const, plannedFractions: [0.125, 0.25, 0.5, 1] };
    w.reply({ type: 'built', id: fractions.id, ready: complete });
    await settle();
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
    await settle();
    // The build's own reply comes after: the complete models stay, and nothing is asked again.
    w.reply({ type: 'built', id: w.last('build').id, ready: { ...full, elapsedMs: 1234 } });
    await settle();
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
    await built;
    expect(models.phase).toBe('ready');
    expect(models.ready).toMatchObject({ stage: 'complete', elapsedMs: 1234 });
    expect(w.requests('fractions')).toHaveLength(1);
  });

  it('returns to ready when a running build is cancelled because a model file went live first', async () => {
    const { models, worker } = track(await readyModels());
    const w = worker();
    const rebuild = models.build({ ...SETTINGS, order: 3 });
    expect(models.phase).toBe('building');
    // A model file is loaded during the rebuild and goes live first.
    const loading = models.loadModel(new Blob(['\\data\\']), 'zebra.arpa', 'code', 'auto');
    const loaded = { ...modelsReady(5, 2), mix: mixState({ lambda: 0.5 }) };
    w.reply({ type: 'loaded', id: w.last('load').id, ready: loaded, tokenizer: 'code' });
    expect(await loading).toBe(true);
    expect(models.ready).toEqual(loaded);
    expect(models.mix?.lambda).toBe(0.5);
    expect(models.revision).toBe(2);
    expect(texts(models)).toContain('info: Loaded "zebra.arpa" as the code model (10 / 10 / 10 / 10 / 10 n-grams).');
    // The rebuild finishes after the load: the worker keeps the loaded model and cancels the build.
    w.fail(w.last('build').id, 'cancelled', 'a build finished after a newer change to the models; the newer one stays');
    await rebuild;
    expect(models.phase).toBe('ready');
    expect(models.progress).toBeNull();
    expect(models.ready).toEqual(loaded);
    expect(texts(models).filter((t) => t.startsWith('error'))).toEqual([]);
  });

  it('leaves the phase to a newer build when an older one is cancelled', async () => {
    const { models, worker } = track(await readyModels());
    const w = worker();
    const first = models.build({ ...SETTINGS, order: 3 });
    const second = models.build({ ...SETTINGS, order: 4 });
    const [a, b] = w.requests('build').slice(-2);
    w.fail(a.id, 'cancelled');
    await first;
    expect(models.phase).toBe('building');
    w.reply({ type: 'built', id: b.id, ready: modelsReady(4) });
    await settle();
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
    await second;
    expect(models.phase).toBe('ready');
    expect(models.ready?.base.order).toBe(4);
  });

  it('says why a build failed and keeps the previous models', async () => {
    const { models, worker } = track(await readyModels());
    const before = models.ready;
    const w = worker();
    const rebuild = models.build({ ...SETTINGS, order: 2 });
    w.fail(w.last('build').id, 'network', 'corpora/python.jsonl.gz: HTTP 404');
    await rebuild;
    expect(models.phase).toBe('ready');
    expect(models.ready).toBe(before);
    expect(texts(models)).toContain('error: Building the models failed: corpora/python.jsonl.gz: HTTP 404. The previous models are still in use.');
  });

  it('fails without models when the first build fails', async () => {
    const { models, worker } = track(fakeModels());
    const build = models.build(SETTINGS);
    worker().fail(worker().last('build').id, 'network', 'offline');
    await build;
    expect(models.phase).toBe('failed');
  });
});

describe('ModelsState model files', () => {
  it('keeps the current models and says why when a model file cannot be loaded', async () => {
    const { models, worker } = track(await readyModels());
    const before = { ready: models.ready, revision: models.revision };
    const w = worker();
    const progress: number[] = [];
    const loading = models.loadModel(new Blob(['x']), 'broken.arpa.gz', 'base', 'auto', (f) => progress.push(f));
    const id = w.last('load').id;
    w.reply({ type: 'progress', id, stage: 'load', detail: 'reading', fraction: 0.25, stageFraction: 0.25, tokensPerSecond: 0 });
    w.fail(id, 'bad-input', '"broken.arpa.gz": the gzip data is truncated or corrupt');
    expect(await loading).toBe(false);
    expect(progress).toEqual([0.25]);
    expect(models.ready).toBe(before.ready);
    expect(models.revision).toBe(before.revision);
    expect(texts(models)).toContain('error: The model file could not be loaded: "broken.arpa.gz": the gzip data is truncated or corrupt. The current models are still in use.');
  });

  it('does not load before there are models', async () => {
    const { models, worker } = track(fakeModels());
    expect(await models.loadModel(new Blob(['x']), 'a.arpa', 'code', 'auto')).toBe(false);
    expect(worker().requests('load')).toEqual([]);
  });

  it('exports a model as a file to download, ARPA as text', async () => {
    const { models, worker } = track(await readyModels());
    const w = worker();
    const exporting = models.exportModel('base', 'arpa');
    expect(w.last('export')).toMatchObject({ model: 'base', format: 'arpa' });
    w.reply({ type: 'exported', id: w.last('export').id, data: new TextEncoder().encode('\\data\\\n').buffer, filename: 'codegram-base-5gram.arpa' });
    const file = await exporting;
    expect(file?.filename).toBe('codegram-base-5gram.arpa');
    expect(file?.blob.type).toBe('text/plain');
    expect(await file?.blob.text()).toBe('\\data\\\n');

    const failing = models.exportModel('code', 'cgm');
    w.fail(w.last('export').id, 'internal', 'out of memory');
    expect(await failing).toBeNull();
    expect(texts(models)).toContain('error: The model could not be exported: out of memory');
  });
});

describe('ModelsState worker faults', () => {
  it('replaces a crashed worker and rebuilds the last settings', async () => {
    const { models, workers } = track(await readyModels(3));
    const old = workers[0];
    old.crash('simulated crash');
    expect(old.terminated).toBe(true);
    expect(workers).toHaveLength(2);
    expect(models.ready).toBeNull();
    expect(models.phase).toBe('building');
    expect(workers[1].last('build').settings).toEqual({ ...SETTINGS, order: 3 });
    expect(texts(models)[0]).toBe('error: The model worker stopped (simulated crash). It has been restarted; the models are being restored.');
    workers[1].reply({ type: 'built', id: workers[1].last('build').id, ready: modelsReady(3) });
    await settle();
    expect(models.phase).toBe('ready');
  });

  it('notices a worker that stopped answering while a request waits', async () => {
    vi.useFakeTimers();
    const { models, workers } = track(fakeModels({ silenceMs: 5000 }));
    void models.build(SETTINGS);
    await vi.advanceTimersByTimeAsync(4000);
    expect(workers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(workers).toHaveLength(2);
    expect(texts(models)[0]).toMatch(/The model worker stopped \(no answer for 5 s\)/);
    expect(workers[1].last('build').settings).toEqual(SETTINGS);
  });

  it('does not count silence as a crash when nothing is waiting', async () => {
    vi.useFakeTimers();
    const { models, workers } = track(fakeModels({ silenceMs: 5000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(workers).toHaveLength(1);
    expect(models.messages).toEqual([]);
  });
});

describe('ModelsState document cache and completions', () => {
  it('sends the editor text to the document cache after a quiet 250 ms, latest text only', async () => {
    vi.useFakeTimers();
    const { models, worker } = track(await readyModels());
    const w = worker();
    const revision = models.revision;
    models.setDocument('x = 1');
    await vi.advanceTimersByTimeAsync(100);
    models.setDocument('x = 12');
    await vi.advanceTimersByTimeAsync(249);
    expect(w.requests('document')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.requests('document').map((r) => r.text)).toEqual(['x = 12']);
    w.reply({ type: 'mixed', id: w.last('document').id, mix: mixState({ cacheTokens: 4 }) });
    await settle();
    expect(models.mix?.cacheTokens).toBe(4);
    expect(models.revision).toBe(revision + 1);
  });

  it('answers the editor providers through the client: one request per cursor, shared by the list and the ghost', async () => {
    const { models, worker } = track(await readyModels());
    const w = worker();
    const source = models.completions;
    expect(source.model()).toBe('finetuned');
    models.toggleModel();
    expect(source.model()).toBe('base');
    // The suggestion list and the ghost of one keystroke ask with the same cursor: one round trip.
    const list = source.at('def f', '');
    const ghost = source.at('def f', '');
    expect(w.requests('complete')).toHaveLength(1);
    expect(w.last('complete')).toMatchObject({ before: 'def f', after: '', lane: 'cursor', model: 'base' });
    const pair = { prefix: ' f', predictions: { base: [], finetuned: [], compare: [] }, model: 'base' as const, ghost: 'oo():' };
    w.reply({ type: 'completion', id: w.last('complete').id, completion: pair, elapsedMs: 1 });
    expect(await list).toEqual({ pair, typed: '' });
    expect((await ghost)!.pair).toBe((await list)!.pair);
    // The next keystroke asks again; an older answer for a cursor the user then left (here the rest of the line
    // changed) is dropped (the lane).
    const older = source.at('def fa', '');
    const newer = source.at('def fac', ')');
    expect(w.requests('complete')).toHaveLength(3);
    w.fail(w.requests('complete')[1].id, 'superseded');
    w.reply({ type: 'completion', id: w.last('complete').id, completion: pair, elapsedMs: 1 });
    expect(await older).toBeNull();
    expect(await newer).toEqual({ pair, typed: '' });
    // A request superseded by one for the same cursor (the models changed meanwhile) gets the newer answer.
    const first = source.at('def fact', '');
    models.revision++;
    const second = source.at('def fact', '');
    w.fail(w.requests('complete')[3].id, 'superseded');
    w.reply({ type: 'completion', id: w.last('complete').id, completion: pair, elapsedMs: 1 });
    expect(await first).toEqual({ pair, typed: '' });
    expect(await second).toEqual({ pair, typed: '' });
    // A list asked for at "r" and superseded by the keystrokes "et" (their ghosts) gets the answer at "ret", with
    // what was typed since, and so does a chain of such supersessions; a newline ends the chain.
    const atR = source.at('    r', '');
    const atRe = source.at('    re', '');
    const atRet = source.at('    ret', '');
    const ids = w.requests('complete').slice(-3).map((r) => r.id);
    w.fail(ids[0], 'superseded');
    w.fail(ids[1], 'superseded');
    w.reply({ type: 'completion', id: ids[2], completion: pair, elapsedMs: 1 });
    expect(await atR).toEqual({ pair, typed: 'et' });
    expect(await atRe).toEqual({ pair, typed: 't' });
    expect(await atRet).toEqual({ pair, typed: '' });
    const beforeEnter = source.at('x = 1', '');
    const afterEnter = source.at('x = 1\n', '');
    w.fail(w.requests('complete').at(-2)!.id, 'superseded');
    w.reply({ type: 'completion', id: w.last('complete').id, completion: pair, elapsedMs: 1 });
    expect(await beforeEnter).toBeNull();
    expect(await afterEnter).toEqual({ pair, typed: '' });
    expect(models.messages).toEqual([]);
  });

  it('sends the ghost asked for before the first models at once, for the worker to answer when they come; the latest cursor only', async () => {
    const { models, worker } = track(fakeModels());
    const built = models.build(SETTINGS);
    const w = worker();
    const source = models.completions;
    // The list does not wait: no models, no list, and nothing is asked.
    expect(await source.at('def f', '')).toBeNull();
    expect(w.requests('complete')).toHaveLength(0);
    // The ghost of a key typed while the models load goes to the worker now, marked to wait for them.
    const older = source.at('def f', '', true);
    const newer = source.at('def fa', '', true);
    await settle();
    const asked = w.requests('complete');
    expect(asked).toHaveLength(2);
    expect(asked[1]).toMatchObject({ before: 'def fa', after: '', lane: 'cursor', untilModels: true });
    // The worker keeps only the latest (worker/service.ts): the older one is superseded, which is no error, and gets
    // the newer one's answer with what was typed since, as any superseded request does.
    w.fail(asked[0].id, 'superseded', 'a newer key was typed before the models came');
    w.reply({ type: 'usable', id: w.last('build').id, ready: { ...modelsReady(5, 3), stage: 'quick' as const } });
    const pair = { prefix: ' fa', predictions: { base: [], finetuned: [], compare: [] }, model: 'finetuned' as const, ghost: 'ctorial(n):' };
    w.reply({ type: 'completion', id: asked[1].id, completion: pair, elapsedMs: 1 });
    expect(await newer).toEqual({ pair, typed: '' });
    expect(await older).toEqual({ pair, typed: 'a' });
    // With models, a ghost is asked for as any request is.
    void source.at('def fac', '', true);
    await settle();
    expect(w.last('complete')).toMatchObject({ before: 'def fac' });
    expect(w.last('complete').untilModels).toBeUndefined();
    w.reply({ type: 'completion', id: w.last('complete').id, completion: pair, elapsedMs: 1 });
    w.reply({ type: 'built', id: w.last('build').id, ready: modelsReady() });
    await settle();
    w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
    await built;
    expect(models.messages).toEqual([]);
  });

  it('lets the ghost stop waiting when the build fails with no models, and says only why the build failed', async () => {
    const { models, worker } = track(fakeModels());
    const built = models.build(SETTINGS);
    const w = worker();
    const ghost = models.completions.at('x = ', '', true);
    await settle();
    w.fail(w.last('build').id, 'network', 'the corpora could not be fetched');
    // What the worker answers the waiting ghost when no models are coming.
    w.fail(w.last('complete').id, 'cancelled', 'no models were built');
    await built;
    expect(models.phase).toBe('failed');
    expect(await ghost).toBeNull();
    expect(texts(models)).toEqual([expect.stringContaining('the corpora could not be fetched')]);
    // Once failed, a ghost asked for does not wait at all, and nothing is asked.
    const asked = w.requests('complete').length;
    expect(await models.completions.at('x = 1', '', true)).toBeNull();
    expect(w.requests('complete')).toHaveLength(asked);
  });

  it('keeps the ghost text setting across a reload', async () => {
    const stored = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) });
    const { models } = track(await readyModels());
    expect(models.completions.ghost()).toBe(true);
    models.setGhost(false);
    expect(models.completions.ghost()).toBe(false);
    const again = track(await readyModels()).models;
    expect(again.ghost).toBe(false);
    again.setGhost(true);
    expect(stored.get('codegram:ghost-text')).toBe('on');
    vi.unstubAllGlobals();
  });
});
