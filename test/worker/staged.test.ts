/**
 * The staged build through the service: quick models answer before the full ones, the cache keeps what a reload
 * needs (the full models), and the data-fraction models come after, the same whether the full stage just ran or
 * the models came from the cache.
 */
import { describe, expect, it } from 'vitest';
import type { CorpusAccess } from '../../src/build/access.ts';
import { buildModels, loadCorpusTexts } from '../../src/build/build.ts';
import { inThreadRunner, type JobRunner } from '../../src/build/runner.ts';
import { DEFAULT_BUILD_SETTINGS, FRACTIONS } from '../../src/build/settings.ts';
import { Scheduler } from '../../src/build/scheduler.ts';
import { runTrainJob, scoreSet } from '../../src/build/jobs.ts';
import { fractionCuts } from '../../src/build/fractions.ts';
import { TEXT_OPTIONS } from '../../src/build/settings.ts';
import { runToEnd } from '../../src/lm/counts.ts';
import { CodegramError } from '../../src/lm/errors.ts';
import { modelFromStream, tokenizeSteps } from '../../src/lm/train.ts';
import { Vocab } from '../../src/lm/vocab.ts';
import { buildQuick, tokenHandoff } from '../../src/build/staged.ts';
import { addRecords, emptyTexts } from '../../src/build/texts.ts';
import type { CachedModels } from '../../src/storage/model-cache.ts';
import { memoryStore } from '../../src/storage/model-cache.ts';
import type { Reply } from '../../src/worker/protocol.ts';
import { ModelService, STARTER_HEAD_START_MS } from '../../src/worker/service.ts';
import { call, corpusEntry, languageRecords, last, memoryAccess, quickSizesOf } from './helpers.ts';

const settings = { ...DEFAULT_BUILD_SETTINGS, order: 3 };

describe('the staged build', () => {
  it('answers with quick models first, then the full ones; the fractions follow and match a one-piece build', async () => {
    const records = languageRecords(16);
    const store = memoryStore();
    const service = new ModelService({ access: () => memoryAccess(records), store, quickSizes: quickSizesOf(records) });
    const replies: Reply[] = [];
    let answeredDuringBuild: Reply | null = null;
    await service.handle({ type: 'build', id: 1, settings, corporaUrl: '', useCache: true, quick: true, language: 'javascript' }, (r) => {
      replies.push(r);
      if (r.type === 'usable' && r.ready.stage === 'quick' && !answeredDuringBuild) {
        // The quick models answer queries while the full ones are still to come.
        void call(service, { type: 'next', id: 50, text: 'function add(a, b) {\n  return', k: 5 }).then((q) => (answeredDuringBuild = q[q.length - 1]));
      }
    });
    const kinds = replies.filter((r) => r.type === 'usable' || r.type === 'built').map((r) => (r.type === 'usable' || r.type === 'built' ? `${r.type}:${r.ready.stage}` : ''));
    expect(kinds).toEqual(['usable:quick', 'usable:full', 'built:full']);
    const quick = replies.find((r) => r.type === 'usable')!;
    if (quick.type !== 'usable') throw new Error('no quick models');
    // The quick code model learned the editor's language, from a part of its code; the base from a part of the English.
    expect(quick.ready.fractions).toHaveLength(1);
    const built = last(replies, 'built').ready;
    expect(quick.ready.base.trainingTokens).toBeLessThan(built.base.trainingTokens / 4);
    expect(quick.ready.groups!.map((g) => g.group)).toEqual(['javascript']);
    expect(answeredDuringBuild).toMatchObject({ type: 'predictions' });
    // The full set answers at 100% of the code and offers every fraction to come.
    expect(built.fractions.map((f) => f.fraction)).toEqual([1]);
    expect(built.plannedFractions).toEqual([...FRACTIONS]);
    // The cache holds the base and one model per group, not the fraction models.
    const entries = [...store.map.entries()].filter(([k]) => k.startsWith('models:entry:')).map(([, v]) => v as CachedModels<unknown>);
    expect(entries).toHaveLength(1);
    expect(entries[0].files.length).toBe(1 + 2 * built.groups!.length); // the models, then each group's region counts

    // The fraction models, then: the same models and weights as the build in one piece.
    const whole = await buildModels(memoryAccess(records), settings);
    const complete = last(await call(service, { type: 'fractions', id: 2 }), 'built').ready;
    expect(complete.stage).toBe('complete');
    expect(complete.fractions.map((f) => f.fraction)).toEqual([...FRACTIONS]);
    expect(service.ready!.all.fits).toEqual(whole.fits);
    expect(service.ready!.all.groups.map((g) => g.fractions.map((f) => f.model.ngramCounts))).toEqual(whole.groups.map((g) => g.fractions.map((f) => f.model.ngramCounts)));

    // A reload: the full models from the cache, and the fractions built on demand (their scores computed here) agree.
    const reloaded = new ModelService({ access: () => memoryAccess(records), store });
    const fromCache = last(await call(reloaded, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true, quick: true }), 'built').ready;
    expect(fromCache).toMatchObject({ fromCache: true, stage: 'full' });
    const later = last(await call(reloaded, { type: 'fractions', id: 2 }), 'built').ready;
    expect(later.stage).toBe('complete');
    expect(reloaded.ready!.all.fits).toEqual(whole.fits);
    // Asked again, nothing is rebuilt: the same set answers.
    const again = reloaded.ready;
    expect(last(await call(reloaded, { type: 'fractions', id: 3 }), 'built').ready.stage).toBe('complete');
    expect(reloaded.ready).toBe(again);
  });

  it('drops the fraction models when the models they extend were replaced meanwhile', async () => {
    const records = languageRecords(12);
    const service = new ModelService({ access: () => memoryAccess(records) });
    await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false });
    const fractions = call(service, { type: 'fractions', id: 2 });
    // A rebuild starts before they are done: it cancels them, and its own models stay live.
    const rebuild = call(service, { type: 'build', id: 3, settings, corporaUrl: '', useCache: false });
    expect(last(await fractions, 'error').code).toBe('cancelled');
    last(await rebuild, 'built');
    expect(service.ready!.all.stage).toBe('full');
  });
});

describe('two tabs sharing one cache', () => {
  it('keeps one complete entry: the last saved; a tab with other settings misses it and rebuilds', async () => {
    const store = memoryStore();
    const records = languageRecords(8);
    const withUpload = {
      ...settings,
      uploads: [{ id: 'u1', name: 'mine.py', kind: 'code' as const, files: [{ path: 'mine.py', text: 'def mine(x):\n    return x\n'.repeat(20) }] }],
    };
    const tabA = new ModelService({ access: () => memoryAccess(records), store });
    const tabB = new ModelService({ access: () => memoryAccess(records), store });
    // Both build at once, with different corpora (B has an upload).
    const [a, b] = await Promise.all([
      call(tabA, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }),
      call(tabB, { type: 'build', id: 1, settings: withUpload, corporaUrl: '', useCache: true }),
    ]);
    expect(last(a, 'built').ready.fromCache).toBe(false);
    expect(last(b, 'built').ready.fromCache).toBe(false);
    const entries = () => [...store.map.keys()].filter((k) => k.startsWith('models:entry:'));
    expect(entries().length).toBeLessThanOrEqual(1);
    // Then one after the other: B saves last, so a reload with B's settings reads B's models whole (the upload
    // is in them), one with A's misses and rebuilds, and saving that leaves A's entry alone in the cache.
    await call(new ModelService({ access: () => memoryAccess(records), store }), { type: 'build', id: 1, settings: withUpload, corporaUrl: '', useCache: false });
    await call(new ModelService({ access: () => memoryAccess(records), store }), { type: 'build', id: 1, settings: withUpload, corporaUrl: '', useCache: true });
    const reloadB = new ModelService({ access: () => memoryAccess(records), store });
    expect(last(await call(reloadB, { type: 'build', id: 1, settings: withUpload, corporaUrl: '', useCache: true }), 'built').ready.fromCache).toBe(true);
    expect(reloadB.ready!.finetuned.vocab.has(' mine')).toBe(true);
    const reloadA = new ModelService({ access: () => memoryAccess(records), store });
    expect(last(await call(reloadA, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }), 'built').ready.fromCache).toBe(false);
    expect(reloadA.ready!.finetuned.vocab.has(' mine')).toBe(false);
    expect(entries()).toHaveLength(1);
  });
});

/** The in-thread runner, recording each job asked for; `parallel` says whether it claims other threads (the page's pool). */
interface Run {
  cuts: string;
  signal?: AbortSignal;
  /** How many texts the job read, and whether it was given another job's tokens instead. */
  texts: number;
  tokens: boolean;
}

function recordingRunner(parallel: boolean): { runner: JobRunner; runs: Run[] } {
  const inner = inThreadRunner();
  const runs: Run[] = [];
  return {
    runs,
    runner: {
      parallel,
      run(job, signal, onProgress) {
        runs.push({ cuts: job.cuts.join(), signal, texts: job.texts.length, tokens: job.tokens !== undefined });
        return inner.run(job, signal, onProgress);
      },
    },
  };
}

describe('the quick models', () => {
  it('start the code job on the code alone, before the English is in, and learn a part of each', async () => {
    const records = languageRecords(32);
    const texts = (which: 'english' | 'code') => {
      const t = emptyTexts();
      if (which === 'english') addRecords(t, corpusEntry('english', 'general', 'e', 'x', new Uint8Array()), records.english);
      else addRecords(t, corpusEntry('python', 'code', 'p', 'x', new Uint8Array()), records.code.filter((r) => r.lang === 'python'));
      return t;
    };
    const inner = inThreadRunner();
    const started: string[] = [];
    const runner: JobRunner = {
      run(job, signal, onProgress) {
        started.push(`${job.label}:${job.texts.length}`);
        return inner.run(job, signal, onProgress);
      },
    };
    let englishIn!: (t: ReturnType<typeof emptyTexts>) => void;
    const english = new Promise<ReturnType<typeof emptyTexts>>((resolve) => (englishIn = resolve));
    const code = Promise.resolve(texts('code'));
    const sizes = quickSizesOf(records);
    const built = buildQuick({ code, english }, 3, 'python', runner, { scheduler: new Scheduler() }, sizes);
    await expect.poll(() => started.length).toBe(1);
    // The first files holding sizes.code characters of code.
    const firstHolding = (lengths: number[], budget: number) => {
      let files = 0;
      for (let held = 0; held < budget && files < lengths.length; held += lengths[files++]);
      return files;
    };
    const files = firstHolding(texts('code').code.map((f) => f.text.length), sizes.code);
    expect(files).toBeLessThan(texts('code').code.length);
    expect(started).toEqual([`python:${files}`]);
    englishIn(texts('english'));
    const models = await built;
    // Then the first English documents holding sizes.english characters.
    const englishFiles = firstHolding(texts('english').general.map((t) => t.length), sizes.english);
    expect(englishFiles).toBeLessThan(texts('english').general.length);
    expect(started).toEqual([`python:${files}`, `English:${englishFiles}`]);
    expect(models.stage).toBe('quick');
    expect(models.groups.map((g) => g.group)).toEqual(['python']);
  });
});

describe('the fraction jobs on a first visit', () => {
  const partial = FRACTIONS.filter((f) => f < 1).join();

  it('are queued behind the full jobs when jobs run on other threads, and the fraction request takes them', async () => {
    const records = languageRecords(12);
    const { runner, runs } = recordingRunner(true);
    const service = new ModelService({ access: () => memoryAccess(records), runner });
    const built = last(await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false }), 'built').ready;
    const groups = built.groups!.length;
    // Every full job (English and each group), then every group's fraction job, before the page asked for them.
    expect(runs.map((r) => r.cuts)).toEqual([...Array(1 + groups).fill('1'), ...Array(groups).fill(partial)]);
    // The fraction jobs read their group's full job's tokens, not the texts again.
    expect(runs.map((r) => r.tokens)).toEqual([...Array(1 + groups).fill(false), ...Array(groups).fill(true)]);
    expect(runs.slice(1 + groups).every((r) => r.texts === 0)).toBe(true);
    const complete = last(await call(service, { type: 'fractions', id: 2 }), 'built').ready;
    expect(complete.stage).toBe('complete');
    expect(runs).toHaveLength(1 + 2 * groups); // taken, not queued again
    const whole = await buildModels(memoryAccess(records), settings);
    expect(service.ready!.all.fits).toEqual(whole.fits);
    expect(service.ready!.all.groups.map((g) => g.fractions.map((f) => f.model.ngramCounts))).toEqual(whole.groups.map((g) => g.fractions.map((f) => f.model.ngramCounts)));
  });

  it('come before the cache write: the entry is written once they are built, and it is what a reload reads', async () => {
    const records = languageRecords(12);
    const events: string[] = [];
    const inner = inThreadRunner();
    const runner: JobRunner = {
      parallel: true,
      run: (job, signal, onProgress) =>
        inner.run(job, signal, onProgress).then((out) => {
          events.push(`job ${job.cuts.join()}`);
          return out;
        }),
    };
    const memory = memoryStore();
    const store = { ...memory, set: async (key: string, value: unknown) => (key.startsWith('models:entry:') && events.push('cache written'), memory.set(key, value)) };
    const service = new ModelService({ access: () => memoryAccess(records), runner, store });
    // As the page does: the fraction models are asked for as soon as the full models answer.
    let fractions: Promise<Reply[]> | null = null;
    const replies: Reply[] = [];
    await service.handle({ type: 'build', id: 1, settings, corporaUrl: '', useCache: true }, (r) => {
      replies.push(r);
      if (r.type === 'usable' && r.ready.stage === 'full') fractions ??= call(service, { type: 'fractions', id: 2 }).then((rs) => (events.push('complete'), rs));
    });
    expect(fractions).not.toBeNull();
    expect(last(await fractions!, 'built').ready.stage).toBe('complete');
    expect(last(replies, 'built').ready.stage).toBe('full');
    const write = events.indexOf('cache written');
    expect(write).toBeGreaterThan(events.lastIndexOf(`job ${partial}`));
    expect(write).toBeGreaterThan(events.indexOf('complete'));
    expect(events.filter((e) => e === 'cache written')).toHaveLength(1);
    // The entry holds the full models only, and a reload is served from it.
    const reloaded = new ModelService({ access: () => memoryAccess(records), store });
    const again = last(await call(reloaded, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }), 'built').ready;
    expect(again.fromCache).toBe(true);
    expect(again.stage).toBe('full');
  });

  it('do not hold the cache write back when they fail: the entry is written all the same', async () => {
    const records = languageRecords(8);
    const inner = inThreadRunner();
    const runner: JobRunner = {
      parallel: true,
      run: (job, signal, onProgress) => (job.cuts[0] < 1 ? Promise.reject(new Error('out of memory')) : inner.run(job, signal, onProgress)),
    };
    const store = memoryStore();
    const service = new ModelService({ access: () => memoryAccess(records), runner, store });
    expect(last(await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }), 'built').ready.stage).toBe('full');
    expect([...store.map.keys()].some((k) => k.startsWith('models:entry:'))).toBe(true);
  });

  it('are stopped by the next build, and queued only when asked for where jobs share this thread', async () => {
    const records = languageRecords(8);
    const { runner, runs } = recordingRunner(true);
    const service = new ModelService({ access: () => memoryAccess(records), runner });
    await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false });
    const first = runs.filter((r) => r.cuts === partial);
    expect(first.length).toBeGreaterThan(0);
    await call(service, { type: 'build', id: 2, settings, corporaUrl: '', useCache: false });
    expect(first.every((r) => r.signal?.aborted)).toBe(true);
    // The second build's own fraction jobs still serve its request.
    expect(last(await call(service, { type: 'fractions', id: 3 }), 'built').ready.stage).toBe('complete');

    // In this thread they would only hold up the full stage's fit: none until the page asks.
    const shared = recordingRunner(false);
    const alone = new ModelService({ access: () => memoryAccess(records), runner: shared.runner });
    await call(alone, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false });
    expect(shared.runs.every((r) => r.cuts === '1')).toBe(true);
    expect(last(await call(alone, { type: 'fractions', id: 2 }), 'built').ready.stage).toBe('complete');
    expect(shared.runs.filter((r) => r.cuts === partial).length).toBeGreaterThan(0);
  });
});

describe('the tokens handed from a full job to its fraction job', () => {
  const tokens = (n: number) => ({ stream: Int32Array.of(1, n, 2), vocab: ['<unk>', '<s>', '</s>'] });

  it('reach the fraction job whichever comes first, and a failure of the full stage rejects what is still awaited', async () => {
    const h = tokenHandoff();
    const early = h.take('python');
    h.give('python', tokens(5));
    h.give('javascript', tokens(6));
    expect((await early).stream[1]).toBe(5);
    expect((await h.take('javascript')).stream[1]).toBe(6);
    const never = h.take('typescript');
    h.fail(new Error('the full stage stopped'));
    await expect(never).rejects.toThrow('the full stage stopped');
  });

  it('stand for the texts: a job cannot be given both, or count regions in tokens', async () => {
    const job = { label: 'python', texts: ['x = 1'], order: 2, cuts: [1], regions: false, score: [], tokens: tokens(3) };
    await expect(runTrainJob(job, new Scheduler())).rejects.toThrow(/no texts/);
    await expect(runTrainJob({ ...job, texts: [], regions: true }, new Scheduler())).rejects.toThrow(/no texts/);
  });
});

describe('a job with several cuts', () => {
  it('counts once and gives each cut the model trained on that part alone, in the whole stream\'s vocabulary', async () => {
    const { code } = languageRecords(12);
    const texts = code.filter((r) => r.lang === 'python').map((r) => r.text);
    const cuts = [0.25, 0.5, 1];
    const out = await runTrainJob({ label: 'python', texts, order: 4, cuts, regions: false, score: [texts.slice(0, 2)] }, new Scheduler());
    // Each cut alone: the same stream and vocabulary, counted from its prefix.
    const vocab = new Vocab();
    const stream = runToEnd(tokenizeSteps(texts, vocab, TEXT_OPTIONS)).view();
    fractionCuts(stream, cuts).forEach((c, j) => {
      const alone = runToEnd(modelFromStream(stream.subarray(0, c.end), vocab, { ...TEXT_OPTIONS, order: 4 }, c.tokens));
      expect(out.models[j].ngramCounts).toEqual(alone.ngramCounts);
      expect(out.models[j].info).toEqual(alone.info);
      expect(out.scored[j][0].p).toEqual(scoreSet(alone, texts.slice(0, 2)).p);
    });
    expect(out.models[0].ngramCounts[3]).toBeLessThan(out.models[2].ngramCounts[3]);
  });
});

describe('reading ahead as the page loads', () => {
  it('on a first visit reads the corpora and trains the quick models before the build asks; a reload reads nothing', async () => {
    const store = memoryStore();
    const access = memoryAccess(languageRecords(8));
    const defaults = { ...DEFAULT_BUILD_SETTINGS };
    const service = new ModelService({ access: () => access, store });
    await call(service, { type: 'prefetch', id: 1, corporaUrl: '' });
    // The corpora are read before any build request.
    await expect.poll(() => access.opened.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const replies = await call(service, { type: 'build', id: 2, settings: defaults, corporaUrl: '', useCache: true, quick: true });
    expect(replies.filter((r) => r.type === 'usable').map((r) => r.type === 'usable' && r.ready.stage)).toEqual(['quick', 'full']);
    // Each corpus was opened once: the build used what was read ahead.
    expect(access.opened.length).toBe(new Set(access.opened).size);
    // With models in the cache, reading ahead would only compete with loading them: nothing is read.
    // The starter models are read then instead; the entry waits for the build (the page's own reads of IndexedDB
    // would queue behind it), and is read once.
    const reload = memoryAccess(languageRecords(8));
    const entryReads: string[] = [];
    const starterReads: string[] = [];
    const counting = { ...store, get: (k: string) => (k.startsWith('models:entry:') && entryReads.push(k), k === 'models:starter' && starterReads.push(k), store.get(k)) };
    const again = new ModelService({ access: () => reload, store: counting });
    await call(again, { type: 'prefetch', id: 1, corporaUrl: '' });
    await expect.poll(() => starterReads.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(entryReads).toEqual([]);
    expect(reload.opened).toEqual([]);
    const reloaded = await call(again, { type: 'build', id: 2, settings: defaults, corporaUrl: '', useCache: true, quick: true });
    expect(last(reloaded, 'built').ready.fromCache).toBe(true);
    expect(reload.opened).toEqual([]);
    expect(entryReads).toHaveLength(1);
    // The reload answered first with the first visit's quick models, kept beside the entry, then with the full ones.
    const firstQuick = replies.find((r) => r.type === 'usable')!;
    const starter = reloaded.find((r) => r.type === 'usable');
    if (firstQuick.type !== 'usable' || starter?.type !== 'usable') throw new Error('no quick models');
    expect(starter.ready).toMatchObject({ stage: 'quick', fromCache: true });
    expect(starter.ready.base.trainingTokens).toBe(firstQuick.ready.base.trainingTokens);
    expect(starter.ready.base.ngrams).toEqual(firstQuick.ready.base.ngrams);
    expect(starter.ready.mix).toEqual(firstQuick.ready.mix);
    expect(reloaded.filter((r) => r.type === 'usable' || r.type === 'built').map((r) => (r.type === 'usable' || r.type === 'built') && `${r.type}:${r.ready.stage}`)).toEqual(['usable:quick', 'built:full']);
  });

  it('reads only the corpora the quick models need until the build has taken them', async () => {
    const access = memoryAccess(languageRecords(8), 'v1', true);
    const service = new ModelService({ access: () => access, store: memoryStore() });
    await call(service, { type: 'prefetch', id: 1, corporaUrl: '', language: 'javascript' });
    await expect.poll(() => access.opened.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The editor language's code (its job is the longer: it starts first), then the English; the others would only
    // take the worker from the quick models.
    expect(access.opened).toEqual(['javascript.jsonl.gz', 'english.jsonl.gz']);
    const replies = await call(service, { type: 'build', id: 2, settings: { ...DEFAULT_BUILD_SETTINGS }, corporaUrl: '', useCache: true, quick: true, language: 'javascript' });
    expect(replies.filter((r) => r.type === 'usable').map((r) => r.type === 'usable' && r.ready.stage)).toEqual(['quick', 'full']);
    expect([...access.opened].sort()).toEqual(['english.jsonl.gz', 'javascript.jsonl.gz', 'python.jsonl.gz', 'typescript.jsonl.gz']);
  });

  it('reads the start of the code and of the English for the quick models, and the rest once they are trained', async () => {
    const records = languageRecords(96);
    // Served inflated, as Vite's preview serves them (Content-Encoding: gzip): the stream's backpressure then stops
    // the reading as soon as the reader does.
    const access = memoryAccess(records, 'v1', true, { chunkBytes: 1024, inflated: true });
    let release!: () => void;
    const trained = new Promise<void>((resolve) => (release = resolve));
    const inner = inThreadRunner();
    const jobs: string[] = [];
    const runner: JobRunner = {
      async run(job, signal, onProgress) {
        jobs.push(job.label);
        await trained;
        return inner.run(job, signal, onProgress);
      },
    };
    const service = new ModelService({ access: () => access, store: memoryStore(), runner, quickSizes: quickSizesOf(records, 16) });
    await call(service, { type: 'prefetch', id: 1, corporaUrl: '' });
    // Both quick jobs start once their parts are in; the two files wait, half read, until the jobs are done.
    await expect.poll(() => jobs.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(jobs).toEqual(['python', 'English']);
    expect(access.opened).toEqual(['python.jsonl.gz', 'english.jsonl.gz']);
    for (const file of access.opened) expect(access.pulled[file]).toBeLessThan(access.bytes[file] / 2);
    release();
    // Then they are read to the end, and the build that takes the quick models finds them whole.
    const replies = await call(service, { type: 'build', id: 2, settings: { ...DEFAULT_BUILD_SETTINGS }, corporaUrl: '', useCache: true, quick: true });
    expect(replies.filter((r) => r.type === 'usable').map((r) => r.type === 'usable' && r.ready.stage)).toEqual(['quick', 'full']);
    for (const file of Object.keys(access.bytes)) expect(access.pulled[file]).toBe(access.bytes[file]);
    expect(access.opened.length).toBe(new Set(access.opened).size);
    // The quick models learned what a build from the whole corpora would have given them.
    const whole = await buildQuick(loadCorpusTexts(memoryAccess(records, 'v1', true), { ...DEFAULT_BUILD_SETTINGS }), 5, 'python', inner, { scheduler: new Scheduler() }, quickSizesOf(records, 16));
    const quick = replies.find((r) => r.type === 'usable');
    if (quick?.type !== 'usable') throw new Error('no quick models');
    expect([quick.ready.base.trainingTokens, quick.ready.fractions[0].model.trainingTokens]).toEqual([whole.base.info.trainingTokens, whole.groups[0].fractions[0].model.info.trainingTokens]);
    expect(quick.ready.base.ngrams).toEqual(whole.base.ngramCounts);
    expect(quick.ready.fractions[0].model.ngrams).toEqual(whole.groups[0].fractions[0].model.ngramCounts);
  });

  it('on a first visit waits for the page\'s code to run before it reads a corpus, when asked to', async () => {
    const access = memoryAccess(languageRecords(8), 'v1', true);
    const service = new ModelService({ access: () => access, store: memoryStore() });
    await call(service, { type: 'prefetch', id: 1, corporaUrl: '', afterAppLoads: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(access.opened).toEqual([]);
    await call(service, { type: 'app-loaded', id: 2 });
    await expect.poll(() => access.opened).toEqual(['python.jsonl.gz', 'english.jsonl.gz']);
  });

  it('takes the language of the page\'s link only when it is a code language', async () => {
    const access = memoryAccess(languageRecords(8), 'v1', true);
    const service = new ModelService({ access: () => access, store: memoryStore() });
    await call(service, { type: 'prefetch', id: 1, corporaUrl: '', language: 'plaintext' });
    await expect.poll(() => access.opened.length).toBe(2);
    expect(access.opened).toEqual(['python.jsonl.gz', 'english.jsonl.gz']);
  });

  it('gives the manifest read as the page loads to the first build of those corpora, and fetches it again if that read failed', async () => {
    const store = memoryStore();
    const records = languageRecords(8);
    const defaults = { ...DEFAULT_BUILD_SETTINGS };
    await call(new ModelService({ access: () => memoryAccess(records), store }), { type: 'build', id: 1, settings: defaults, corporaUrl: '', useCache: true, quick: true });
    /** An access that counts its manifest fetches and fails the first `failures` of them. */
    const counted = (failures: number) => {
      const inner = memoryAccess(records);
      const fetches = { count: 0 };
      const access: CorpusAccess = {
        ...inner,
        manifest: async () => {
          if (++fetches.count <= failures) throw new CodegramError('network', 'could not fetch manifest.json: HTTP 503');
          return inner.manifest();
        },
      };
      return { access, fetches };
    };
    const reload = async (failures: number, corporaUrl = '') => {
      const { access, fetches } = counted(failures);
      const service = new ModelService({ access: () => access, store });
      await call(service, { type: 'prefetch', id: 1, corporaUrl: '' });
      const replies = await call(service, { type: 'build', id: 2, settings: defaults, corporaUrl, useCache: true, quick: true });
      // The reload answers with the starter models, then the full ones, however the manifest came.
      expect(replies.filter((r) => r.type === 'usable' || r.type === 'built').map((r) => (r.type === 'usable' || r.type === 'built') && `${r.type}:${r.ready.stage}`)).toEqual(['usable:quick', 'built:full']);
      // A later build fetches it afresh.
      await call(service, { type: 'build', id: 3, settings: defaults, corporaUrl, useCache: true, quick: true });
      return fetches.count;
    };
    expect(await reload(0)).toBe(2);
    // The read ahead failed: the build fetched it again rather than report the page's early failure.
    expect(await reload(1)).toBe(3);
    // Another corpora address: the manifest read ahead is not that one's.
    expect(await reload(0, 'other/')).toBe(3);
  });

  it('answers a reload with the starter models only when they are of the cached build and the editor language', async () => {
    const store = memoryStore();
    const records = languageRecords(8);
    const defaults = { ...DEFAULT_BUILD_SETTINGS };
    await call(new ModelService({ access: () => memoryAccess(records), store }), { type: 'build', id: 1, settings: defaults, corporaUrl: '', useCache: true, quick: true, language: 'python' });
    expect(store.map.has('models:starter')).toBe(true);
    const reload = async (language: 'python' | 'javascript') => {
      const service = new ModelService({ access: () => memoryAccess(records), store });
      await call(service, { type: 'prefetch', id: 1, corporaUrl: '' });
      const replies = await call(service, { type: 'build', id: 2, settings: defaults, corporaUrl: '', useCache: true, quick: true, language });
      expect(last(replies, 'built').ready).toMatchObject({ fromCache: true, stage: 'full' });
      return replies.filter((r) => r.type === 'usable').map((r) => r.type === 'usable' && r.ready.groups?.map((g) => g.group).join());
    };
    expect(await reload('python')).toEqual(['python']);
    // The starter answers alone for a while before the entry is read: the first keys find this thread and the
    // browser's storage free.
    const seen: { usable?: number; entry?: number } = {};
    const timed = { ...store, get: (k: string) => (k.startsWith('models:entry:') && (seen.entry ??= performance.now()), store.get(k)) };
    const timedService = new ModelService({ access: () => memoryAccess(records), store: timed });
    await call(timedService, { type: 'prefetch', id: 1, corporaUrl: '' });
    await timedService.handle({ type: 'build', id: 2, settings: defaults, corporaUrl: '', useCache: true, quick: true, language: 'python' }, (r) => {
      if (r.type === 'usable') seen.usable ??= performance.now();
    });
    // (A timer may fire a millisecond early by the clock's grain.)
    expect(seen.entry! - seen.usable!).toBeGreaterThanOrEqual(STARTER_HEAD_START_MS - 2);
    // Another editor language: the Python starter would answer JavaScript with Python, so the reload waits for the entry.
    expect(await reload('javascript')).toEqual([]);
    // A starter of another build (the pointer names a newer entry) is never used, and a damaged one is skipped quietly.
    const starter = store.map.get('models:starter') as CachedModels<unknown>;
    store.map.set('models:starter', { ...starter, key: 'another-build' });
    expect(await reload('python')).toEqual([]);
    store.map.set('models:starter', { ...starter, files: [new ArrayBuffer(8)] });
    expect(await reload('python')).toEqual([]);
    // Without a starter, nothing is worth waiting for: the entry is read as the page loads.
    store.map.delete('models:starter');
    const entryReads: string[] = [];
    const counting = { ...store, get: (k: string) => (k.startsWith('models:entry:') && entryReads.push(k), store.get(k)) };
    await call(new ModelService({ access: () => memoryAccess(records), store: counting }), { type: 'prefetch', id: 1, corporaUrl: '' });
    await expect.poll(() => entryReads.length).toBe(1);
  });
});
