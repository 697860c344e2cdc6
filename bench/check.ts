/**
 * `npm run bench -- check`: the code check in Node, on the default corpora — for every prompt of
 * src/analysis/code-tasks.ts and both models, the greedy continuation and N seeded samples (the page's sampling),
 * cut by the stop rule, parsed (CPython's compile() in Pyodide; Babel for JavaScript and TypeScript), and run
 * against the prompt's tests. Reports the parse rate and pass@1/pass@10 per model and language, seen and new
 * prompts apart, and the time per sample.
 *
 * Generated code runs only in child processes under `unshare -rn` (a network namespace with no interface), killed
 * at the time limit: JavaScript in a fresh `node` per sample under Node's permission model too (no file writes,
 * no child processes, no workers), Python in one Pyodide per batch (restarted after a kill; see `confined`). Without `unshare`
 * the section refuses to run code and reports parse rates only.
 *
 *   npx tsx bench/check.ts [samples]      JSON on stdout (default 20 samples)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadPyodide } from 'pyodide';
import { build } from 'vite';
import { CHECK_SAMPLING, judge, passAtK, type Judged } from '../src/analysis/code-check.ts';
import { CODE_TASKS, type CodeTask } from '../src/analysis/code-tasks.ts';
import { CODE_LANGUAGES } from '../src/corpus/types.ts';
import { buildModels } from '../src/build/build.ts';
import { ModelSet, type ModelKind } from '../src/build/model-set.ts';
import { Scheduler } from '../src/build/scheduler.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { parseScript, stripTypes } from '../src/check/parse.ts';
import { compilePython, javascriptProgram, nodeSyntaxError, reportFromStdout } from '../src/sandbox/harness.ts';
import type { HarnessReport, RunRequest } from '../src/sandbox/protocol.ts';
import { continuations } from '../src/worker/queries.ts';
import { median } from './lm.ts';
import { fileAccess } from './pipeline.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CORPORA = join(ROOT, 'public', 'corpora');
/** Per sample: defining the code and running its tests (the page allows 3 s; a fresh process needs its start too). */
const TIME_LIMIT_MS = 5000;
const MARK = 'CODEGRAM-REPORT ';
const MODELS: readonly ModelKind[] = ['base', 'finetuned'];

type Outcome = HarnessReport | { kind: 'timeout' } | { kind: 'crashed'; message: string };

interface Sample extends Judged {
  greedy: boolean;
  parses: boolean;
  outcome?: Outcome;
  runMs?: number;
}

const passed = (s: Sample) => s.outcome?.kind === 'done' && s.outcome.results.length > 0 && s.outcome.results.every((r) => r.passed);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Whether generated code can be run here without network: `unshare -rn` must work (root or user namespaces). */
function isolationAvailable(): boolean {
  return spawnSync('unshare', ['-rn', 'true']).status === 0;
}

/**
 * `node` confined: no network (its own empty network namespace) and, with `permissions`, Node's permission model
 * (read-only files, no processes or workers). Pyodide cannot run under the permission model (its Emscripten glue
 * calls process.binding, which the model refuses), so the Python runner has the namespace only: generated Python
 * reaches Node only through Pyodide's `js` module, and even then no network.
 */
function confined(args: string[], permissions: boolean): [string, string[]] {
  const model = permissions ? ['--experimental-permission', '--allow-fs-read=*'] : [];
  return ['unshare', ['-rn', process.execPath, ...model, '--no-warnings', ...args]];
}

/** Bundles the Python runner to one plain ESM file (pyodide stays an import): the permission model forbids tsx. */
async function bundlePythonRunner(dir: string): Promise<string> {
  await build({
    configFile: false,
    envDir: false,
    root: ROOT,
    publicDir: false,
    logLevel: 'warn',
    build: { ssr: 'bench/check-python.ts', outDir: dir, emptyOutDir: false, target: 'node20', minify: false, rolldownOptions: { output: { format: 'es', entryFileNames: 'check-python.mjs' } } },
  });
  return join(dir, 'check-python.mjs');
}

/** Runs Python requests in batches in one confined Pyodide process, restarted after a run passes the time limit. */
async function runPythonBatch(runner: string, requests: RunRequest[]): Promise<{ outcome: Outcome; ms: number }[]> {
  const results: { outcome: Outcome; ms: number }[] = [];
  while (results.length < requests.length) {
    const [cmd, args] = confined([runner, MARK], false);
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
    let buffer = '';
    let waiting: ((line: string | null) => void) | null = null;
    const lines: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith(MARK)) continue;
        if (waiting) waiting(line.slice(MARK.length));
        else lines.push(line.slice(MARK.length));
        waiting = null;
      }
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<null>((r) => child.once('exit', () => r(null)));
    const next = (timeoutMs: number): Promise<string | null> =>
      lines.length
        ? Promise.resolve(lines.shift()!)
        : Promise.race([new Promise<string | null>((r) => (waiting = r)), exited, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
    if ((await next(60_000)) === null) throw new Error(`the Python runner did not start: ${stderr.slice(-500)}`);
    for (let i = results.length; i < requests.length; i++) {
      const t = performance.now();
      child.stdin.write(JSON.stringify(requests[i]) + '\n');
      const line = await next(TIME_LIMIT_MS);
      const ms = performance.now() - t;
      if (line === null) {
        const died = child.exitCode !== null || child.signalCode !== null;
        results.push({ outcome: died ? { kind: 'crashed', message: stderr.slice(-300) || 'the runner died' } : { kind: 'timeout' }, ms });
        break; // a fresh runner for the rest
      }
      results.push({ outcome: JSON.parse(line) as HarnessReport, ms });
    }
    child.kill('SIGKILL');
    await exited;
  }
  return results;
}

/** Runs one JavaScript program in a fresh confined `node`, killed at the time limit. */
function runJavaScript(dir: string, request: RunRequest, i: number): Promise<{ outcome: Outcome; ms: number }> {
  const file = join(dir, `sample-${i}.cjs`);
  writeFileSync(file, javascriptProgram(request));
  const [cmd, args] = confined([file], true);
  const t = performance.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), TIME_LIMIT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      const ms = performance.now() - t;
      if (timedOut) return done({ outcome: { kind: 'timeout' }, ms });
      const report = reportFromStdout(out) ?? nodeSyntaxError(err);
      done({ outcome: report ?? { kind: 'crashed', message: err.trim().split('\n').slice(-1)[0] || 'no report' }, ms });
    });
  });
}

export async function benchCheck(samples = 20): Promise<Record<string, unknown>> {
  if (!existsSync(join(CORPORA, 'manifest.json'))) return { skipped: `no corpora in ${CORPORA} (run npm run corpora)` };
  const canRun = isolationAvailable();
  const t0 = performance.now();
  const set = new ModelSet(await buildModels(fileAccess(CORPORA), DEFAULT_BUILD_SETTINGS));
  const buildMs = performance.now() - t0;
  const py = await loadPyodide();
  const dir = mkdtempSync(join(tmpdir(), 'codegram-check-'));
  const runner = canRun ? await bundlePythonRunner(dir) : '';
  const scheduler = new Scheduler();
  const perTask: Record<string, unknown>[] = [];
  const all: { task: CodeTask; model: ModelKind; samples: Sample[] }[] = [];
  const genMs: number[] = [];
  const parseMs: number[] = [];
  const runMs: number[] = [];
  try {
    for (const task of CODE_TASKS) {
      set.setMix({ ...set.settings, language: task.language });
      set.setDocument(task.prompt); // as in the page, where the prompt is the editor's text
      const got: Record<ModelKind, Sample[]> = { base: [], finetuned: [] };
      for (let i = 0; i <= samples; i++) {
        const options = i === 0 ? { method: 'greedy' as const, maxTokens: CHECK_SAMPLING.maxTokens } : { method: 'sample' as const, seed: i, ...CHECK_SAMPLING };
        const t = performance.now();
        const g = await continuations(set, task.prompt, { ...options, stopAfterDefinition: true }, scheduler);
        genMs.push((performance.now() - t) / 2);
        for (const model of MODELS) {
          const judged = judge(task.prompt, g[model].text, task.language);
          const tp = performance.now();
          const parse =
            task.language === 'python' ? compilePython(py, judged.program) : parseScript(judged.program, task.language);
          parseMs.push(performance.now() - tp);
          got[model].push({ ...judged, greedy: i === 0, parses: parse.ok });
        }
      }
      if (canRun) {
        for (const model of MODELS) {
          const toRun = got[model].filter((s) => s.parses);
          const requests = toRun.map((s): RunRequest => ({
            language: task.language === 'python' ? 'python' : 'javascript',
            code: task.language === 'typescript' ? stripTypes(s.program) : s.program,
            entry: s.entry,
            tests: task.tests,
            timeoutMs: TIME_LIMIT_MS,
          }));
          const ran = task.language === 'python' ? await runPythonBatch(runner, requests) : await Promise.all(requests.map((r, i) => runJavaScript(dir, r, i)));
          ran.forEach((r, i) => {
            toRun[i].outcome = r.outcome;
            toRun[i].runMs = r.ms;
            runMs.push(r.ms);
          });
        }
      }
      const row: Record<string, unknown> = { task: task.id, seen: task.seen };
      for (const model of MODELS) {
        const sampled = got[model].filter((s) => !s.greedy);
        const c = sampled.filter(passed).length;
        const greedy = got[model][0];
        row[model] = {
          greedyParses: greedy.parses,
          greedyPasses: canRun ? passed(greedy) : null,
          greedy: greedy.continuation.slice(0, 200),
          parseRate: round(sampled.filter((s) => s.parses).length / sampled.length, 3),
          holdsCode: round(sampled.filter((s) => s.holdsCode).length / sampled.length, 3),
          ...(canRun ? { passed: c, passAt1: round(passAtK(sampled.length, c, 1), 3), passAt10: round(passAtK(sampled.length, c, Math.min(10, sampled.length)), 3) } : {}),
          outcomes: canRun ? countBy(sampled.map((s) => (s.parses ? (passed(s) ? 'passed' : s.outcome?.kind === 'done' ? 'failed' : (s.outcome?.kind ?? 'not run')) : 'syntax error'))) : undefined,
        };
        all.push({ task, model, samples: sampled });
      }
      perTask.push(row);
      process.stderr.write(`check: ${task.id} done\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Per model and language, seen and new prompts apart: parse rate over all samples, pass@k averaged over prompts.
  const summary: Record<string, unknown>[] = [];
  for (const language of CODE_LANGUAGES) {
    for (const seen of [true, false]) {
      for (const model of MODELS) {
        const groups = all.filter((g) => g.task.language === language && g.task.seen === seen && g.model === model);
        if (!groups.length) continue;
        const flat = groups.flatMap((g) => g.samples);
        const mean = (k: number) => groups.reduce((s, g) => s + passAtK(g.samples.length, g.samples.filter(passed).length, Math.min(k, g.samples.length)), 0) / groups.length;
        summary.push({
          language,
          prompts: `${seen ? 'seen' : 'new'} (${groups.length})`,
          model,
          parseRate: round(flat.filter((s) => s.parses).length / flat.length, 3),
          ...(canRun ? { passAt1: round(mean(1), 3), passAt10: round(mean(10), 3) } : {}),
        });
      }
    }
  }
  return {
    samplesPerPrompt: samples,
    sampling: CHECK_SAMPLING,
    codeRun: canRun ? `child processes without network (unshare -rn; JavaScript also under node --experimental-permission), ${TIME_LIMIT_MS / 1000} s limit` : 'not run: unshare -rn is not available here',
    buildMs: Math.round(buildMs),
    perSampleMs: { generateOneModel: round(median(genMs)), parse: round(median(parseMs), 2), run: runMs.length ? round(median(runMs)) : null },
    summary,
    perTask,
  };
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const n = Number(process.argv[2] ?? 20);
  process.stdout.write(JSON.stringify(await benchCheck(n), null, 2) + '\n');
  process.exit(0);
}
