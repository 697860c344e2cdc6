/// <reference lib="webworker" />
/**
 * The Python worker, started by the sandboxed iframe (frame.ts) from a blob of this file's bundle: loads
 * Pyodide from the files the page handed over (nothing is fetched from the network: the iframe's policy allows
 * no connection but to blob: URLs, and this worker inherits it), then answers runs and compiles one at a time
 * with the harness (harness.ts).
 *
 * Pyodide's loader imports its Emscripten module by URL and fetches `indexURL + 'pyodide.asm.wasm'` and the
 * standard library's zip: the module is imported from a blob URL and passed as `createPyodideModule`, and
 * `fetch` answers those two made-up URLs from memory (the shim is installed before any generated code runs,
 * and is a convenience, not a wall: the policy is). Pyodide itself needs `'unsafe-eval'` (Emscripten evaluates
 * its EM_JS snippets) and `'wasm-unsafe-eval'`: the iframe's policy grants both, the page's neither.
 *
 * The iframe ends this worker at the time limit and starts a fresh one: without cross-origin isolation there is
 * no SharedArrayBuffer, so Pyodide's interrupt buffer is not available and a loop in Python cannot be stopped
 * from outside any other way.
 */
import { loadPyodide, type PyodideAPI } from 'pyodide';
import { compilePython, runPython } from './harness.ts';
import type { FrameToRunner, PythonFiles, RunnerToFrame } from './protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: RunnerToFrame) => scope.postMessage(message);

/** Made-up origin of the in-memory files: never fetched (the shim answers), and `.invalid` resolves nowhere. */
const INDEX_URL = 'https://pyodide.invalid/';

function serveFromMemory(files: PythonFiles): void {
  const memory = new Map<string, { body: ArrayBuffer; type: string }>([
    [`${INDEX_URL}pyodide.asm.wasm`, { body: files.wasm, type: 'application/wasm' }],
    [`${INDEX_URL}python_stdlib.zip`, { body: files.stdlib, type: 'application/zip' }],
  ]);
  const networkFetch = scope.fetch.bind(scope);
  scope.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const file = memory.get(url);
    if (!file) return networkFetch(input, init);
    memory.delete(url); // each is read once; the bytes are not kept twice
    return Promise.resolve(new Response(file.body, { headers: { 'Content-Type': file.type } }));
  };
}

async function load(files: PythonFiles): Promise<PyodideAPI> {
  serveFromMemory(files);
  const asmUrl = URL.createObjectURL(new Blob([files.asm], { type: 'text/javascript' }));
  try {
    const module = (await import(/* @vite-ignore */ asmUrl)) as { default: NonNullable<Parameters<typeof loadPyodide>[0]>['createPyodideModule'] };
    return await loadPyodide({
      indexURL: INDEX_URL,
      createPyodideModule: module.default,
      lockFileContents: files.lock,
      stdin: () => null, // input() reads end of file
      stdout: () => {}, // the harness captures a run's output itself; nothing else should print
      stderr: () => {},
    });
  } finally {
    URL.revokeObjectURL(asmUrl);
  }
}

let python: Promise<PyodideAPI> | null = null;

/** Runs one job; a JavaScript error out of Pyodide (not a Python exception) means the runtime is broken: fatal. */
async function answer(message: Exclude<FrameToRunner, { type: 'load' }>): Promise<void> {
  if (!python) throw new Error('the Python worker was asked to run before it was loaded');
  const py = await python;
  try {
    post({ type: 'started', id: message.id });
    if (message.type === 'compile') post({ type: 'compiled', id: message.id, outcome: compilePython(py, message.code) });
    else post({ type: 'ran', id: message.id, report: runPython(py, message.request) });
  } catch (e) {
    post({ type: 'fatal', id: message.id, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
}

let queue = Promise.resolve();
scope.addEventListener('message', (event: MessageEvent<FrameToRunner>) => {
  const message = event.data;
  if (message.type === 'load') {
    const started = performance.now();
    python = load(message.files);
    python.then(
      () => post({ type: 'loaded', ms: Math.round(performance.now() - started) }),
      (e: unknown) => post({ type: 'load-failed', message: e instanceof Error ? e.message : String(e) }),
    );
    return;
  }
  queue = queue.then(() => answer(message)).catch(() => {});
});
