/**
 * Build jobs on other cores: a JobRunner (build/runner.ts) over a few build workers (build-worker.ts). Jobs queue
 * in the order asked and each goes to the first free worker. A cancelled job that is running is stopped by
 * terminating its worker (a job has nothing to clean up); the slot starts a fresh worker for its next job. A worker
 * that fails (an error event: it could not load, or ran out of memory) fails its job with a message, never hangs it.
 * When a build is over the service lets the workers go (`rest`); the next job starts a fresh one.
 */
import type { ArrivingTexts, JobProgress, TrainJob, TrainOutputWire } from '../build/jobs.ts';
import { fromWire } from '../build/jobs.ts';
import type { JobRunner } from '../build/runner.ts';
import { CodegramError } from '../lm/errors.ts';

/**
 * A job goes to its worker in pieces: the job with its first batch of texts, then the other batches. Cloning a
 * message's strings holds the sending thread (the model worker, which answers the editor), and the full English
 * job's 10 MB of text took over 100 ms in one message; batches of TEXT_BATCH_CHARS with a pause between them
 * take a few milliseconds each, and keystrokes are answered in between. The worker starts on the first batch and
 * tokenizes each of the others as it comes (jobAssembler): the pauses, with the model worker busy meanwhile, spread
 * the two full jobs' 43 batches (21 of English, 22 of Python) over 0.6–1.1 s of a first visit, which the jobs used to
 * wait out.
 */
export type BuildJobRequest = { type: 'job'; job: TrainJob; batches: number; chars: number } | { type: 'texts'; texts: string[] };

/** Characters of training text per message. */
export const TEXT_BATCH_CHARS = 256 * 1024;

/** The texts in runs of about `chars` characters (a text longer than that is a run of its own); at least one run. */
export function textBatches(texts: readonly string[], chars = TEXT_BATCH_CHARS): string[][] {
  const batches: string[][] = [[]];
  let held = 0;
  for (const t of texts) {
    if (held > 0 && held + t.length > chars) {
      batches.push([]);
      held = 0;
    }
    batches[batches.length - 1].push(t);
    held += t.length;
  }
  return batches;
}

/**
 * The build worker's side: takes a job's messages in order and calls `run` at the job's first message, with the
 * batches still to come as they arrive (jobs.ts ArrivingTexts).
 */
export function jobAssembler(run: (job: TrainJob, arriving: ArrivingTexts) => void): (message: BuildJobRequest) => void {
  let arrived: string[][] = [];
  let left = 0;
  let wake: (() => void) | null = null;
  async function* batches(): AsyncGenerator<readonly string[]> {
    for (;;) {
      const batch = arrived.shift();
      if (batch) yield batch;
      else if (left > 0) await new Promise<void>((resolve) => (wake = resolve));
      else return;
    }
  }
  return (message) => {
    if (message.type === 'job') {
      arrived = [];
      left = message.batches - 1;
      run(message.job, { batches: batches(), chars: message.chars });
    } else if (left > 0) {
      arrived.push(message.texts);
      left--;
      wake?.();
      wake = null;
    }
  };
}

export type BuildJobReply = { type: 'progress'; progress: JobProgress } | { type: 'done'; output: TrainOutputWire } | { type: 'error'; message: string };

/** The part of a Worker the pool uses. */
export interface BuildWorkerLike {
  postMessage(message: BuildJobRequest): void;
  onmessage: ((event: MessageEvent<BuildJobReply>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

interface Queued {
  job: TrainJob;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  resolve: (out: ReturnType<typeof fromWire>) => void;
  reject: (e: Error) => void;
}

export function workerPool(size: number, makeWorker: () => BuildWorkerLike): JobRunner {
  const slots: (BuildWorkerLike | null)[] = Array.from({ length: size }, () => null);
  const busy: boolean[] = slots.map(() => false);
  const queue: Queued[] = [];

  const cancelled = () => new CodegramError('cancelled', 'the build was cancelled');

  function next(): void {
    for (let s = 0; s < size && queue.length > 0; s++) {
      if (busy[s]) continue;
      start(s, queue.shift()!);
    }
  }

  function start(s: number, q: Queued): void {
    if (q.signal?.aborted) {
      q.reject(cancelled());
      return next();
    }
    const worker = (slots[s] ??= makeWorker());
    busy[s] = true;
    let over = false;
    const finish = (end: () => void, kill: boolean) => {
      if (over) return;
      over = true;
      q.signal?.removeEventListener('abort', abort);
      worker.onmessage = null;
      worker.onerror = null;
      if (kill) {
        worker.terminate();
        slots[s] = null;
      }
      busy[s] = false;
      // The slot's next job first: `end` reads the finished job's models (tens of milliseconds to 0.3 s), which
      // held the free build worker idle on a first visit.
      next();
      end();
    };
    const abort = () => finish(() => q.reject(cancelled()), true);
    q.signal?.addEventListener('abort', abort);
    worker.onmessage = (event) => {
      const reply = event.data;
      if (reply.type === 'progress') q.onProgress?.(reply.progress);
      else if (reply.type === 'done') finish(() => q.resolve(fromWire(reply.output)), false);
      else finish(() => q.reject(new CodegramError('internal', `a build worker failed: ${reply.message}`)), true);
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      finish(() => q.reject(new CodegramError('internal', `a build worker stopped: ${event.message || 'it could not run'}`)), true);
    };
    void send(worker, q.job, () => over);
  }

  /** Posts a job in batches (BuildJobRequest), pausing between them; stops when the job is over (cancelled). */
  async function send(worker: BuildWorkerLike, job: TrainJob, over: () => boolean): Promise<void> {
    const batches = textBatches(job.texts);
    const chars = job.texts.reduce((a, t) => a + t.length, 0);
    worker.postMessage({ type: 'job', job: { ...job, texts: batches[0] }, batches: batches.length, chars });
    for (let i = 1; i < batches.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (over()) return;
      worker.postMessage({ type: 'texts', texts: batches[i] });
    }
  }

  return {
    parallel: true,
    warm() {
      for (let s = 0; s < size; s++) slots[s] ??= makeWorker();
    },
    rest() {
      // Kept, idle workers hold their memory until the page goes (after a first visit the page's renderer held 755–784
      // MB with them, 660–674 MB without), and ending them then falls on the next page's start: on a reload just after
      // a first visit, 250 ms of thread time beside it, on two cores (README). Not while a job runs or waits: a fresh
      // worker compiles its code anew, and a build's jobs come in turns (its full jobs once the corpora are read).
      if (queue.length > 0 || busy.some((b) => b)) return;
      for (let s = 0; s < size; s++) {
        slots[s]?.terminate();
        slots[s] = null;
      }
    },
    run(job, signal, onProgress) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(cancelled());
        const q: Queued = { job, signal, onProgress, resolve, reject };
        // A job still waiting for a worker leaves the queue when cancelled.
        signal?.addEventListener('abort', () => {
          const i = queue.indexOf(q);
          if (i >= 0) {
            queue.splice(i, 1);
            reject(cancelled());
          }
        });
        queue.push(q);
        next();
      });
    },
  };
}
