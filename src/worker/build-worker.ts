/// <reference lib="webworker" />
/**
 * A build worker: runs one build job at a time (build/jobs.ts) for the model worker's pool (build-pool.ts) and
 * posts back progress and the result, transferring the models' buffers. It answers nobody else, so it works in
 * long slices; the pool stops a job by terminating the worker.
 */
import { runTrainJob, toWire, type ArrivingTexts, type TrainJob } from '../build/jobs.ts';
import { Scheduler } from '../build/scheduler.ts';
import { warmTokenizer } from '../lm/tokenizer-warmup.ts';
import { jobAssembler, type BuildJobReply, type BuildJobRequest } from './build-pool.ts';

declare const self: DedicatedWorkerGlobalScope;

/** Progress at most this often (each one is a message to the model worker). */
const PROGRESS_MS = 80;

const post = (reply: BuildJobReply, transfer: Transferable[] = []) => self.postMessage(reply, transfer);

/** Jobs this worker has been given. */
let jobs = 0;

/** Runs one job (its texts tokenized as they arrive) and posts its progress and its result. */
async function run(job: TrainJob, arriving: ArrivingTexts): Promise<void> {
  let sent = 0;
  // Before the second job, the tokenizer takes each of its paths once (lm/tokenizer-warmup.ts), so that V8 compiles it
  // fewer times in the full jobs. Not before the first: on a first visit that is a quick model's, and the warm-up then
  // brought V8's compiling into the seconds the page needs for its own code (bench/performance-log.md, "The stop of
  // 5a53a8b").
  if (++jobs === 2) warmTokenizer();
  try {
    const out = await runTrainJob(job, new Scheduler({ sliceMs: 1000 }), (p) => {
      const now = performance.now();
      if (now - sent < PROGRESS_MS && p.fraction < 1) return;
      sent = now;
      post({ type: 'progress', progress: p });
    }, arriving);
    const { wire, transfer } = toWire(out);
    post({ type: 'done', output: wire }, transfer);
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

const take = jobAssembler((job, arriving) => void run(job, arriving));
self.onmessage = (event: MessageEvent<BuildJobRequest>) => take(event.data);
