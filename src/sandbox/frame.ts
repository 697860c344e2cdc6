/**
 * The sandboxed iframe's script (inlined into `sandbox/frame.html` by the build, under that page's own
 * Content Security Policy, see sandbox-files/plugin.ts). It runs no generated code itself: it starts a worker
 * per job from a blob, relays the worker's report to the page, and ends the worker at the time limit or when
 * the page says stop.
 *
 * - Python: one long-lived worker (runner.ts) with Pyodide loaded from the files the page posted; ended at the
 *   time limit or on stop, then started again (Pyodide loads anew, about a second) so the next job finds it.
 * - JavaScript: a fresh worker per run, its program written by `javascriptProgram`; a program that does not
 *   parse fails in the worker's script evaluation, which the `error` event reports with the line.
 *
 * The page speaks over the MessagePort it sends in its one `connect` message; the iframe accepts one port and
 * nothing else from any window.
 */
import { isHarnessReport, javascriptProgram, syntaxErrorReport } from './harness.ts';
import type { FrameToPage, FrameToRunner, HarnessReport, PageToFrame, PythonFiles, RunnerToFrame, RunOutcome, RunRequest } from './protocol.ts';

/** How long a compile may take once Python is loaded (CPython compiles a page of code in milliseconds). */
const COMPILE_LIMIT_MS = 10_000;

let port: MessagePort | null = null;
const send = (message: FrameToPage) => port?.postMessage(message);

const now = () => performance.now();
const elapsed = (since: number) => Math.round(now() - since);

function outcomeOf(report: HarnessReport, request: RunRequest, ms: number): RunOutcome {
  if (report.kind === 'error') return { ...report, ms };
  return {
    kind: 'done',
    ms,
    results: request.tests.map((t, i) => ({ expr: t.expr, expected: t.expected, ...(report.results[i] ?? { passed: false, error: 'no result' }) })),
    ...(report.stdout !== undefined ? { stdout: report.stdout } : {}),
  };
}

// ------------------------------------------------------------------------------------------- JavaScript

/** The JavaScript run in progress: its worker, and how to end it from outside (stop). */
let javascript: { id: number; end: (outcome: RunOutcome) => void } | null = null;

function runJavaScript(id: number, request: RunRequest): void {
  let program: string;
  try {
    program = javascriptProgram(request);
  } catch (e) {
    send({ type: 'ran', id, outcome: { kind: 'error', ms: 0, message: (e as Error).message } });
    return;
  }
  const url = URL.createObjectURL(new Blob([program], { type: 'text/javascript' }));
  const worker = new Worker(url, { name: 'codegram-sandbox-javascript' });
  const started = now();
  send({ type: 'started', id });
  const end = (outcome: RunOutcome) => {
    if (javascript?.id !== id) return;
    javascript = null;
    clearTimeout(timer);
    worker.terminate();
    URL.revokeObjectURL(url);
    send({ type: 'ran', id, outcome });
  };
  const timer = setTimeout(() => end({ kind: 'timeout', ms: elapsed(started) }), request.timeoutMs);
  javascript = { id, end };
  worker.addEventListener('message', (event: MessageEvent<unknown>) => {
    // The generated code can post messages too: only a report the harness could have written counts.
    if (isHarnessReport(event.data, request.tests.length)) end(outcomeOf(event.data, request, elapsed(started)));
  });
  // The program's own handler reports what the code throws; this one sees what it cannot: a program that does not parse.
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    end(outcomeOf(syntaxErrorReport(event.message || 'the program could not be evaluated', event.lineno || undefined), request, elapsed(started)));
  });
}

// ---------------------------------------------------------------------------------------------- Python

let runnerSource: string | null = null;
let pythonFiles: PythonFiles | null = null;

/** How a job ended without an answer: its worker was ended at its time limit, on stop, or died. */
type Death = { kind: 'timeout' } | { kind: 'stopped' } | { kind: 'crashed'; message: string };

interface PythonJob {
  id: number;
  message: FrameToRunner;
  /** Time allowed from the worker's `started` on. */
  limitMs: number;
  timer?: ReturnType<typeof setTimeout>;
  startedAt?: number;
  answer(message: Extract<RunnerToFrame, { type: 'ran' | 'compiled' }>, ms: number): void;
  die(death: Death, ms: number): void;
}

interface PythonWorker {
  worker: Worker;
  loaded: boolean;
  /** Jobs posted to it, in order: it answers them one at a time, the first one first. */
  jobs: PythonJob[];
}

let python: PythonWorker | null = null;

function startPython(jobs: PythonJob[] = []): PythonWorker {
  if (!runnerSource || !pythonFiles) throw new Error('the page has not sent the Python runtime');
  const url = URL.createObjectURL(new Blob([runnerSource], { type: 'text/javascript' }));
  // Classic: a module worker from a blob URL does not start in an opaque origin (Chromium 150), a classic one does and may import() blobs.
  const worker = new Worker(url, { name: 'codegram-sandbox-python' });
  const started = now();
  const w: PythonWorker = { worker, loaded: false, jobs: [] };
  worker.addEventListener('message', (event: MessageEvent<RunnerToFrame>) => {
    const message = event.data;
    if (typeof message !== 'object' || message === null) return; // generated code posting (js.postMessage) is not the runner
    const job = 'id' in message ? w.jobs.find((j) => j.id === message.id) : undefined;
    switch (message.type) {
      case 'loaded':
        URL.revokeObjectURL(url); // the worker fetches its script asynchronously: kept until it has run
        w.loaded = true;
        send({ type: 'python-ready', loadMs: elapsed(started) });
        return;
      case 'load-failed':
        retire(w, null, { kind: 'crashed', message: `Python could not be loaded: ${message.message}` });
        return;
      case 'started':
        if (!job) return;
        job.startedAt = now();
        job.timer = setTimeout(() => retire(w, job, { kind: 'timeout' }), job.limitMs);
        if (job.message.type === 'run') send({ type: 'started', id: job.id });
        return;
      case 'fatal':
        retire(w, job ?? null, { kind: 'crashed', message: `the Python runtime failed: ${message.message}` });
        return;
      case 'ran':
      case 'compiled':
        if (!job) return;
        clearTimeout(job.timer);
        w.jobs = w.jobs.filter((j) => j !== job);
        job.answer(message, elapsed(job.startedAt ?? now()));
        return;
      default:
        message satisfies never;
    }
  });
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    retire(w, null, { kind: 'crashed', message: `the Python worker failed: ${event.message}` });
  });
  worker.postMessage({ type: 'load', files: pythonFiles } satisfies FrameToRunner);
  for (const job of jobs) post(w, job);
  return w;
}

function post(w: PythonWorker, job: PythonJob): void {
  w.jobs.push(job);
  w.worker.postMessage(job.message);
}

/**
 * Ends a Python worker. `culprit` (the job that ran too long, was stopped or broke the runtime) ends with
 * `death`; the jobs queued behind it go to a fresh worker, which starts loading at once. A worker that never
 * loaded is not restarted (its files are broken): all its jobs end with `death`.
 */
function retire(w: PythonWorker, culprit: PythonJob | null, death: Death): void {
  w.worker.terminate();
  for (const job of w.jobs) clearTimeout(job.timer);
  const doomed = w.loaded ? (culprit ? [culprit] : w.jobs.slice(0, 1)) : w.jobs;
  const others = w.jobs.filter((j) => !doomed.includes(j));
  w.jobs = [];
  if (python === w) python = w.loaded ? startPython(others) : null;
  for (const job of doomed) job.die(death, elapsed(job.startedAt ?? now()));
}

function queuePython(job: PythonJob): void {
  python ??= startPython();
  post(python, job);
}

function runPython(id: number, request: RunRequest): void {
  queuePython({
    id,
    message: { type: 'run', id, request },
    limitMs: request.timeoutMs,
    answer: (message, ms) => {
      if (message.type !== 'ran') return;
      const outcome: RunOutcome = isHarnessReport(message.report, request.tests.length)
        ? outcomeOf(message.report, request, ms)
        : { kind: 'crashed', message: 'the Python worker answered with something the harness did not write' };
      send({ type: 'ran', id, outcome });
    },
    die: (death, ms) => send({ type: 'ran', id, outcome: death.kind === 'timeout' ? { kind: 'timeout', ms } : death }),
  });
}

function compilePython(id: number, code: string): void {
  queuePython({
    id,
    message: { type: 'compile', id, code },
    limitMs: COMPILE_LIMIT_MS,
    answer: (message) => {
      if (message.type === 'compiled') send({ type: 'compiled', id, outcome: message.outcome });
    },
    die: (death) => send({ type: 'failed', id, message: death.kind === 'crashed' ? death.message : `the compile was ${death.kind === 'timeout' ? 'still running after 10 s' : 'stopped'}` }),
  });
}

function stopPython(id: number): void {
  const job = python?.jobs.find((j) => j.id === id);
  if (python && job) retire(python, job, { kind: 'stopped' });
}

// ------------------------------------------------------------------------------------------- the page

function onPageMessage(event: MessageEvent<PageToFrame>): void {
  const message = event.data;
  switch (message.type) {
    case 'python-files':
      runnerSource = message.runner;
      pythonFiles = message.files;
      python ??= startPython(); // start loading now: the first job needs it
      return;
    case 'run':
      if (message.request.language === 'javascript') runJavaScript(message.id, message.request);
      else runPython(message.id, message.request);
      return;
    case 'compile':
      compilePython(message.id, message.code);
      return;
    case 'ping':
      send({ type: 'pong' });
      return;
    case 'stop':
      if (javascript?.id === message.id) javascript.end({ kind: 'stopped' });
      stopPython(message.id);
      return;
    default:
      message satisfies never;
  }
}

addEventListener('message', (event: MessageEvent) => {
  // One port, from the page that embeds this frame, once; any other message is ignored.
  if (port || event.source !== parent || event.data?.type !== 'connect' || !(event.ports[0] instanceof MessagePort)) return;
  port = event.ports[0];
  port.addEventListener('message', onPageMessage);
  port.start();
  send({ type: 'ready' });
});
