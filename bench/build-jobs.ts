/**
 * Bench section `build-jobs`: the first visit's two longest jobs (the English and the Python full models, as
 * build/staged.ts fullJobs makes them for buildFull: order 5, the held-out code scored, the token stream kept), each
 * alone and the two side by side, in a build worker of the built site in Debian's Chromium and in fresh Node
 * processes. The page's build runs them beside the page, the model worker and the compositor; this shows what the
 * jobs cost without those, and what two of them at once cost on two cores.
 *
 * Times are from the job's first message to its result (Chromium: in the page that starts the worker, its models
 * taken apart into their arrays and posted back; Node: runTrainJob and the same toWire, in the process, after it read
 * the corpora). Each is a fresh worker or process; one run each.
 *
 *   npx tsx bench/build-jobs.ts               JSON on stdout (npm run bench -- build-jobs)
 *   node --import tsx bench/build-jobs.ts --job English|python      one job in this process: its milliseconds
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openBrowser, serveBuiltSite } from '../test/e2e/harness.ts';
import { runTrainJob, toWire, type TrainJob } from '../src/build/jobs.ts';
import { ProgressMeter } from '../src/build/progress.ts';
import { Scheduler } from '../src/build/scheduler.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { fullJobs } from '../src/build/staged.ts';
import { loadTexts } from '../src/build/texts.ts';
import { fileAccess } from './pipeline.ts';

const CORPORA = join(import.meta.dirname, '..', 'public', 'corpora');
const JOBS = ['English', 'python'] as const;
type JobName = (typeof JOBS)[number];

/** The two jobs as buildFull makes them from the default corpora (staged.ts fullJobs), Python the editor's language. */
async function jobs(): Promise<Record<JobName, TrainJob>> {
  const { texts } = await loadTexts(fileAccess(CORPORA), DEFAULT_BUILD_SETTINGS, new Scheduler(), new ProgressMeter(() => {}));
  const all = fullJobs(texts, DEFAULT_BUILD_SETTINGS.order, 'python').jobs;
  const job = (label: JobName) => all.find((j) => j.label === label)!;
  return { English: job('English'), python: job('python') };
}

/** Milliseconds of one job in this process, as a build worker runs it: in slices of a second, then its models as arrays to send. */
async function jobHere(name: JobName): Promise<number> {
  const job = (await jobs())[name];
  const started = performance.now();
  toWire(await runTrainJob(job, new Scheduler({ sliceMs: 1000 })));
  return performance.now() - started;
}

/** Milliseconds of each named job, each in a fresh Node process, all started at once. */
function inNode(names: readonly JobName[]): Promise<number[]> {
  return Promise.all(
    names.map(
      (name) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--job', name], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`the ${name} job failed (${code})`))));
        }),
    ),
  );
}

/** The page's side: starts one build worker per job, sends it its job whole, resolves each job's milliseconds. */
const PAGE_RUN = `(async ({ url, jobs }) => Promise.all(jobs.map((job) => new Promise((resolve, reject) => {
  const worker = new Worker(url, { type: 'module' });
  const started = performance.now();
  worker.onmessage = (e) => {
    if (e.data.type === 'done') { resolve(performance.now() - started); worker.terminate(); }
    else if (e.data.type === 'error') reject(new Error(e.data.message));
  };
  worker.postMessage({ type: 'job', job, batches: 1, chars: job.texts.reduce((n, t) => n + t.length, 0) });
}))))`;

export async function benchBuildJobs(): Promise<Record<string, unknown>> {
  const all = await jobs();
  const site = await serveBuiltSite();
  const chromium: Record<string, number[]> = {};
  try {
    const worker = readdirSync(join(site.server.config.build.outDir, 'assets')).find((f) => /^build-worker-.*\.js$/.test(f));
    if (!worker) throw new Error('the build has no build worker');
    for (const names of [['English'], ['python'], ['English', 'python']] as JobName[][]) {
      // A fresh profile each time, on a page of the site that does not start the app (its web app manifest).
      const browser = await openBrowser();
      try {
        await browser.page.goto(site.url + 'manifest.webmanifest');
        const arg = { url: site.url + 'assets/' + worker, jobs: names.map((n) => all[n]) };
        // Given as text: the function must reach the page as written, without the bundler's helpers.
        const ms = await browser.page.evaluate(([code, a]) => (0, eval)(code)(a), [PAGE_RUN, arg] as const);
        chromium[names.join(' + ')] = (ms as number[]).map(Math.round);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await site.close();
  }
  const node: Record<string, number[]> = {};
  for (const names of [['English'], ['python'], ['English', 'python']] as JobName[][]) node[names.join(' + ')] = (await inNode(names)).map(Math.round);
  return { what: 'milliseconds per job (for a pair: each job\'s, the two started together); one run each', chromiumBuildWorker: chromium, nodeProcess: node };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--job');
  if (at > 0) {
    const name = process.argv[at + 1] as JobName;
    if (!JOBS.includes(name)) throw new Error(`--job must be one of ${JOBS.join(', ')}`);
    process.stdout.write(String(await jobHere(name)));
  } else console.log(JSON.stringify(await benchBuildJobs(), null, 2));
}
