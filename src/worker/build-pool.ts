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

/**
 * A job goes to its worker in one message, its texts (and the held-out documents it scores) as UTF-8 in one buffer
 * each, transferred. Sent as strings, they were cloned on the model worker's thread, which answers the editor: the
 * full English job's 6 MB took over 100 ms in one message, and in batches of 256 KB with a pause between them the
 * jobs of a first visit spent about 0.25 s of the model worker and waited up to 0.7 s for their last batch while the
 * model worker was busy. Encoding is a few milliseconds per megabyte, and the build worker decodes its copy.
 */
export type BuildJobRequest = { type: 'job'; job: TrainJob; texts: PackedTexts; score: PackedTexts[] };

/** Texts as one UTF-8 buffer and where each ends in it. */
export interface PackedTexts {
  bytes: Uint8Array;
  ends: Uint32Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The texts come from UTF-8 (the corpora, uploads), so they hold no lone surrogate, which UTF-8 cannot carry. */
export function packTexts(texts: readonly string[]): PackedTexts {
  // At most 3 bytes per UTF-16 unit; only the bytes written are ever touched.
  const bytes = new Uint8Array(3 * texts.reduce((n, t) => n + t.length, 0));
  const ends = new Uint32Array(texts.length);
  let at = 0;
  texts.forEach((t, i) => {
    at += encoder.encodeInto(t, bytes.subarray(at)).written;
    ends[i] = at;
  });
  return { bytes: bytes.subarray(0, at), ends };
}

export function unpackTexts({ bytes, ends }: PackedTexts): string[] {
  const out: string[] = [];
  for (let i = 0, from = 0; i < ends.length; from = ends[i++]) out.push(decoder.decode(bytes.subarray(from, ends[i])));
  return out;
}

/** The message for a job, and the buffers to transfer with it. */
export function jobRequest(job: TrainJob): { message: BuildJobRequest; transfer: ArrayBuffer[] } {
  const texts = packTexts(job.texts);
  const score = job.score.map(packTexts);
  const transfer = [texts, ...score].flatMap((p) => [p.bytes.buffer as ArrayBuffer, p.ends.buffer as ArrayBuffer]);
  return { message: { type: 'job', job: { ...job, texts: [], score: [] }, texts, score }, transfer };
}

/** The build worker's side: the job a request carries, its texts decoded. */
export function jobOf(message: BuildJobRequest): TrainJob {
  return { ...message.job, texts: unpackTexts(message.texts), score: message.score.map(unpackTexts) };
}

export type BuildJobReply = { type: 'progress'; progress: JobProgress } | { type: 'done'; output: TrainOutputWire } | { type: 'error'; message: string };

/** The part of a Worker the pool uses. */
export interface BuildWorkerLike {
  postMessage(message: BuildJobRequest, transfer: Transferable[]): void;
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
    const { message, transfer } = jobRequest(q.job);
    worker.postMessage(message, transfer);
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
