/** The pool of build workers, with stand-in workers that run the jobs in this thread as a build worker does. */
import { describe, expect, it } from 'vitest';
import { fromWire, runTrainJob, toWire, type ArrivingTexts, type TrainJob, type TrainOutput } from '../../src/build/jobs.ts';
import { inThreadRunner, type JobRunner } from '../../src/build/runner.ts';
import { Scheduler } from '../../src/build/scheduler.ts';
import { DEFAULT_BUILD_SETTINGS } from '../../src/build/settings.ts';
import { train } from '../../src/lm/train.ts';
import { memoryStore } from '../../src/storage/model-cache.ts';
import { jobAssembler, TEXT_BATCH_CHARS, textBatches, workerPool, type BuildJobReply, type BuildJobRequest, type BuildWorkerLike } from '../../src/worker/build-pool.ts';
import { ModelService } from '../../src/worker/service.ts';
import { call, last, memoryAccess, smallRecords } from './helpers.ts';

class FakeWorker implements BuildWorkerLike {
  static running = 0;
  static most = 0;
  static made = 0;
  onmessage: ((event: MessageEvent<BuildJobReply>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  constructor(private readonly behaviour: (job: TrainJob) => 'run' | 'hang' | 'crash' = () => 'run') {
    FakeWorker.made++;
  }
  static messages = 0;
  private readonly take = jobAssembler((job, arriving) => this.start(job, arriving));
  postMessage(message: BuildJobRequest): void {
    FakeWorker.messages++;
    this.take(message);
  }
  private start(job: TrainJob, arriving: ArrivingTexts): void {
    const what = this.behaviour(job);
    FakeWorker.running++;
    FakeWorker.most = Math.max(FakeWorker.most, FakeWorker.running);
    const reply = (data: BuildJobReply) => {
      FakeWorker.running--;
      if (!this.terminated) this.onmessage?.({ data } as MessageEvent<BuildJobReply>);
    };
    if (what === 'hang') return;
    if (what === 'crash') {
      setTimeout(() => {
        FakeWorker.running--;
        this.onerror?.({ message: 'out of memory', preventDefault() {} } as ErrorEvent);
      }, 1);
      return;
    }
    void runTrainJob(job, new Scheduler({ sliceMs: 0 }), undefined, arriving).then((out) => setTimeout(() => reply({ type: 'done', output: toWire(out).wire }), 1));
  }
  terminate(): void {
    if (!this.terminated) FakeWorker.running = Math.max(0, FakeWorker.running - 1);
    this.terminated = true;
  }
}

const job = (label: string, texts = ['a b c a b\n', 'b c d\n']): TrainJob => ({ label, texts, order: 3, cuts: [0.5, 1], regions: true, score: [['a b c\n']] });

describe('the build pool', () => {
  it('sends a job\'s texts in batches that the worker puts back together in order', async () => {
    // Documents of a few sizes, one longer than a batch: every batch but the last holds at least one text, and
    // none but a single long text holds more than a batch's characters.
    const texts = Array.from({ length: 60 }, (_, i) => `w${i} `.repeat(i % 7 === 0 ? TEXT_BATCH_CHARS / 4 : 500) + '\n');
    const batches = textBatches(texts);
    expect(batches.flat()).toEqual(texts);
    expect(batches.length).toBeGreaterThan(3);
    for (const b of batches) expect(b.length === 1 || b.reduce((n, t) => n + t.length, 0) <= TEXT_BATCH_CHARS).toBe(true);
    expect(textBatches([])).toEqual([[]]);

    FakeWorker.messages = 0;
    const pool = workerPool(1, () => new FakeWorker());
    const whole = await pool.run(job('long', texts), undefined);
    expect(FakeWorker.messages).toBe(batches.length);
    const here = train(texts, { order: 3, tokenizer: 'code', lines: false });
    expect(whole.models[1].ngramCounts).toEqual(here.ngramCounts);

    // Cancelled while its batches go out: the rest are not sent.
    FakeWorker.messages = 0;
    const controller = new AbortController();
    const cut = pool.run(job('cut', texts), controller.signal);
    controller.abort();
    await expect(cut).rejects.toThrow(/cancelled/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(FakeWorker.messages).toBe(1);
  });

  it('starts a job at its first batch and reads each other batch as it comes, into the stream the whole texts give', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `def f${i % 5}(x):\n    return x + ${i}  # note ${i % 3}\n`);
    const batches = textBatches(texts, 100);
    expect(batches.length).toBeGreaterThan(3);
    const chars = texts.reduce((n, t) => n + t.length, 0);
    const fractions: number[] = [];
    let running: Promise<TrainOutput> | null = null;
    const take = jobAssembler((j, arriving) => {
      running = runTrainJob(j, new Scheduler({ sliceMs: 0 }), (p) => fractions.push(p.fraction), arriving);
    });
    take({ type: 'job', job: { ...job('streamed'), texts: batches[0], keepStream: true }, batches: batches.length, chars });
    expect(running).not.toBeNull(); // before any other batch came
    for (const b of batches.slice(1)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(fractions.length).toBeGreaterThan(0); // the first batches were read meanwhile
      take({ type: 'texts', texts: b });
    }
    const streamed = await running!;
    const whole = await runTrainJob({ ...job('whole'), texts, keepStream: true }, new Scheduler({ sliceMs: 0 }));
    expect(streamed.stream).toEqual(whole.stream);
    expect(streamed.models[1].vocab.words).toEqual(whole.models[1].vocab.words);
    expect(streamed.models.map((m) => m.ngramCounts)).toEqual(whole.models.map((m) => m.ngramCounts));
    expect(streamed.regions?.toArray(whole.models[1].vocab.size)).toEqual(whole.regions?.toArray(whole.models[1].vocab.size));
    // The progress rises through the batches to the end.
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1])).toBe(true);
    expect(fractions[fractions.length - 1]).toBe(1);
  });

  it('runs jobs on at most `size` workers at once and returns what training here would', async () => {
    FakeWorker.most = 0;
    const pool = workerPool(2, () => new FakeWorker());
    const outs = await Promise.all(['x', 'y', 'z', 'w'].map((l) => pool.run(job(l), undefined)));
    expect(FakeWorker.most).toBe(2);
    const here = train(['a b c a b\n', 'b c d\n'], { order: 3, tokenizer: 'code', lines: false });
    for (const out of outs) {
      expect(out.models).toHaveLength(2);
      expect(out.models[1].ngramCounts).toEqual(here.ngramCounts);
      expect(out.scored[1][0].p.length).toBeGreaterThan(0);
      expect(out.regions).toBeDefined();
    }
  });

  it('cancels a running job by ending its worker, and a queued one before it starts; the pool goes on', async () => {
    FakeWorker.made = 0;
    const made: FakeWorker[] = [];
    const pool = workerPool(1, () => {
      const w = new FakeWorker((j) => (j.label === 'slow' ? 'hang' : 'run'));
      made.push(w);
      return w;
    });
    const controller = new AbortController();
    const slow = pool.run(job('slow'), controller.signal);
    const queued = pool.run(job('queued'), controller.signal);
    const after = pool.run(job('after'), undefined);
    controller.abort();
    await expect(slow).rejects.toMatchObject({ code: 'cancelled' });
    await expect(queued).rejects.toMatchObject({ code: 'cancelled' });
    expect((await after).models).toHaveLength(2);
    expect(made[0].terminated).toBe(true);
    expect(made).toHaveLength(2); // a fresh worker for the job after the cancelled one
  });

  it('fails a job whose worker dies, with the reason, and runs the next on a new worker', async () => {
    const pool = workerPool(1, () => new FakeWorker((j) => (j.label === 'doomed' ? 'crash' : 'run')));
    await expect(pool.run(job('doomed'), undefined)).rejects.toThrow(/build worker stopped: out of memory/);
    expect((await pool.run(job('fine'), undefined)).models).toHaveLength(2);
  });
});

describe('a job\'s output between threads', () => {
  it('arrives as the same models, as their arrays sharing one vocabulary, its buffers transferred once each', async () => {
    const texts = ['def f(x):\n    return x + 1\n', 'x = f(2)\nprint(x)\n', 'def g(y):\n    return f(y) * 2\n'];
    const run = () => runTrainJob({ label: 'python', texts, order: 3, cuts: [0.5, 1], regions: true, score: [['y = g(1)\n']], keepStream: true }, new Scheduler());
    const here = await run();
    const ids = ['x', ' =', ' f', '(', 'y', ')'].map((w) => here.models[1].vocab.id(w));
    const { wire, transfer } = toWire(await run());
    // structuredClone refuses a buffer listed twice.
    const back = fromWire(structuredClone(wire, { transfer }));
    expect(transfer.every((b) => b.byteLength === 0)).toBe(true);
    expect(back.models.map((m) => m.ngramCounts)).toEqual(here.models.map((m) => m.ngramCounts));
    expect(back.models.map((m) => m.vocab.words)).toEqual(here.models.map((m) => m.vocab.words));
    for (const k of [0, 1]) expect(back.models[k].scoreSequence(ids, { eos: true })).toEqual(here.models[k].scoreSequence(ids, { eos: true }));
    expect(back.stream).toEqual(here.stream);
    expect(back.models[0].vocab).toBe(back.models[1].vocab);
  });
});

describe('letting the workers go', () => {
  it('ends the idle workers when told the jobs are over, and starts a fresh one for the next job', async () => {
    const made: FakeWorker[] = [];
    const pool = workerPool(2, () => made[made.push(new FakeWorker()) - 1]);
    await Promise.all([pool.run(job('a'), undefined), pool.run(job('b'), undefined)]);
    expect(made.map((w) => w.terminated)).toEqual([false, false]);
    pool.rest?.();
    expect(made.map((w) => w.terminated)).toEqual([true, true]);
    expect((await pool.run(job('c'), undefined)).models).toHaveLength(2);
    expect(made).toHaveLength(3);
    expect(made[2].terminated).toBe(false);
  });

  it('ends none while a job runs or waits for a worker', async () => {
    const made: FakeWorker[] = [];
    const pool = workerPool(1, () => made[made.push(new FakeWorker((j) => (j.label === 'long' ? 'hang' : 'run'))) - 1]);
    const controller = new AbortController();
    const long = pool.run(job('long'), controller.signal);
    pool.rest?.();
    expect(made[0].terminated).toBe(false);
    const waiting = pool.run(job('waiting'), undefined);
    pool.rest?.();
    expect(made[0].terminated).toBe(false);
    controller.abort(); // ends the long job's worker; the waiting job gets a fresh one
    await expect(long).rejects.toMatchObject({ code: 'cancelled' });
    expect((await waiting).models).toHaveLength(2);
    expect(made).toHaveLength(2);
    expect(made[1].terminated).toBe(false);
  });
});

describe('the service and the build workers', () => {
  it('lets them go once, when a build is over and cached', async () => {
    const inThread = inThreadRunner();
    let running = 0;
    let jobs = 0;
    const store = memoryStore();
    const rests: { running: number; jobs: number; cached: boolean }[] = [];
    // Parallel, as the pool is: the service queues the fraction jobs behind the full ones and caches after them.
    const runner: JobRunner = {
      parallel: true,
      run: async (j, signal, onProgress) => {
        running++;
        jobs++;
        try {
          return await inThread.run(j, signal, onProgress);
        } finally {
          running--;
        }
      },
      rest: () => rests.push({ running, jobs, cached: store.map.size > 0 }),
    };
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)), store, runner });
    const replies = await call(service, { type: 'build', id: 1, settings: { ...DEFAULT_BUILD_SETTINGS, order: 3 }, corporaUrl: '', useCache: true });
    expect(last(replies, 'built').ready.fromCache).toBe(false);
    expect(jobs).toBeGreaterThan(2); // the full jobs and the fraction jobs
    // Once, after the last job and the cache write.
    expect(rests).toEqual([{ running: 0, jobs, cached: true }]);
  });
});

describe('warming the pool', () => {
  it('starts every worker ahead of the jobs, and the jobs use them', async () => {
    FakeWorker.made = 0;
    const pool = workerPool(2, () => new FakeWorker());
    pool.warm?.();
    expect(FakeWorker.made).toBe(2);
    await Promise.all([pool.run(job('a'), undefined), pool.run(job('b'), undefined)]);
    expect(FakeWorker.made).toBe(2);
  });
});
