/**
 * Where build jobs (jobs.ts) run. The page's model worker hands them to a pool of build workers, one per core it
 * may use (worker/build-pool.ts), so English and code are counted at once and the model worker itself stays free
 * to answer the editor; Node, the tests and the bench run them here, one after another, in slices.
 */
import { runTrainJob, type JobProgress, type TrainJob, type TrainOutput } from './jobs.ts';
import { Scheduler } from './scheduler.ts';

/** The stages submit every job they can at once and let the runner queue them. */
export interface JobRunner {
  /** Runs one job; rejects with CodegramError('cancelled') soon after `signal` aborts. */
  run(job: TrainJob, signal: AbortSignal | undefined, onProgress?: (p: JobProgress) => void): Promise<TrainOutput>;
  /** Gets ready for jobs soon to come (build workers load their code), where that takes time. */
  warm?(): void;
  /**
   * No job is coming soon (a build is over): lets go of what waits for jobs (the build workers), if no job is running
   * or queued. The next job starts afresh.
   */
  rest?(): void;
  /**
   * True when jobs run on other threads (the page's build workers), so that queuing more work costs the caller's
   * thread nothing: the service then queues the fraction jobs behind the full ones at once (worker/service.ts).
   */
  readonly parallel?: boolean;
}

/** Jobs in this thread, in the order they were asked for (a cancelled one stops at its first slice). */
export function inThreadRunner(): JobRunner {
  return oneAtATime({ run: (job, signal, onProgress) => runTrainJob(job, new Scheduler({ signal }), onProgress) });
}

/**
 * The same runner, one job at a time (its jobs wait for each other). Work started while the page is still loading
 * its own code leaves it a core this way.
 */
export function oneAtATime(runner: JobRunner): JobRunner {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    warm: () => runner.warm?.(),
    rest: () => runner.rest?.(),
    parallel: runner.parallel,
    run(job, signal, onProgress) {
      const result = queue.then(() => runner.run(job, signal, onProgress));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
