/**
 * Build jobs on other cores: a JobRunner (build/runner.ts) over a few build workers (build-worker.ts). Jobs queue
 * in the order asked and each goes to the first free worker. A cancelled job that is running is stopped by
 * terminating its worker (a job has nothing to clean up); the slot starts a fresh worker for its next job. A worker
 * that fails (an error event: it could not load, or ran out of memory) fails its job with a message, never hangs it.
 */
import type { JobProgress, TrainJob, TrainOutputWire } from '../build/jobs.ts';
import { fromWire } from '../build/jobs.ts';
import type { JobRunner } from '../build/runner.ts';
import { CodegramError } from '../lm/errors.ts';

export interface BuildJobRequest {
  job: TrainJob;
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
      end();
      next();
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
    worker.postMessage({ job: q.job });
  }

  return {
    parallel: true,
    warm() {
      for (let s = 0; s < size; s++) slots[s] ??= makeWorker();
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
