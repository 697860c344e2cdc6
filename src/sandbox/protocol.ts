/**
 * The sandbox's messages and results (types only). Three programs speak them: the page (`host.ts`), the
 * sandboxed iframe (`frame.ts`, an opaque origin with its own Content Security Policy) and the workers the
 * iframe starts (`runner.ts` for Python, a program from `harness.ts` for JavaScript). The page never runs
 * generated code; the iframe only moves messages and ends workers.
 */

/** TypeScript arrives type-stripped, as JavaScript. */
export type SandboxLanguage = 'python' | 'javascript';

/**
 * One assert, written in the run's language: it passes when `expr`'s value equals `expected`'s (Python `==`;
 * JavaScript deep equality of plain data: primitives by `===` with NaN equal to itself, arrays and plain objects
 * member by member). The tests call the generated function as `candidate`.
 */
export interface CheckTest {
  expr: string;
  expected: string;
}

export interface RunRequest {
  language: SandboxLanguage;
  code: string;
  /** The function the tests call as `candidate`; null when the code defines none (every test then fails, saying so). */
  entry: string | null;
  tests: readonly CheckTest[];
  /** Time allowed to define the code and run every test, from the moment the runtime is ready (Pyodide's load is not counted). */
  timeoutMs: number;
}

export interface TestResult {
  expr: string;
  expected: string;
  passed: boolean;
  /** The value `expr` gave, as the language prints it (Python `repr`), cut at 500 characters. */
  actual?: string;
  /** What `expr`, `expected` or the comparison raised, e.g. `ZeroDivisionError: division by zero`. */
  error?: string;
}

export type RunOutcome =
  /** The code was defined and every test ran (each one passed or not). */
  | { kind: 'done'; ms: number; results: TestResult[]; stdout?: string }
  /** The code raised while being defined (e.g. a NameError at top level), or does not parse; `line` is the code's own, 1-based. */
  | { kind: 'error'; ms: number; message: string; line?: number }
  /** The time limit passed: the worker was ended. */
  | { kind: 'timeout'; ms: number }
  /** The worker or the iframe died (out of memory…) or stopped answering: never a pass. */
  | { kind: 'crashed'; message: string }
  /** `stop()` ended it, or it was queued when `stop()` was called. */
  | { kind: 'stopped' };

/** CPython's `compile(code, '<generated>', 'exec')`: 1-based line and column of the first syntax error. */
export type CompileOutcome = { ok: true } | { ok: false; line: number; column: number; message: string };

export interface SandboxProgress {
  phase: 'loading-python' | 'ready';
  /** Bytes of the Python runtime downloaded so far, and in all (when the server says). */
  loaded?: number;
  total?: number;
}

/** What one harness program reports (Python and JavaScript alike), before the host adds times and test texts. */
export type HarnessReport =
  | { kind: 'done'; results: { passed: boolean; actual?: string; error?: string }[]; stdout?: string }
  | { kind: 'error'; message: string; line?: number };

/** The Python runtime's files, handed by the page to the iframe and on to the Python worker (never fetched there). */
export interface PythonFiles {
  /** `pyodide.asm.mjs`: the Emscripten module, imported from a blob URL. */
  asm: ArrayBuffer;
  wasm: ArrayBuffer;
  stdlib: ArrayBuffer;
  lock: string;
}

// ---- page ⇄ iframe (over a MessagePort the page hands the iframe once) ----

export type PageToFrame =
  /** The Python worker's program (bundled `runner.ts`) and the Pyodide files; sent once, before the first Python job. */
  | { type: 'python-files'; runner: string; files: PythonFiles }
  | { type: 'run'; id: number; request: RunRequest }
  | { type: 'compile'; id: number; code: string }
  /** End the job `id` if it is still running (the Python worker is ended and reloaded). */
  | { type: 'stop'; id: number }
  /** Are you there? Sent every second while a job is out: the iframe's own thread never runs generated code, so it answers at once. */
  | { type: 'ping' };

export type FrameToPage =
  /** The iframe's script runs and listens on the port. */
  | { type: 'ready' }
  | { type: 'pong' }
  | { type: 'python-ready'; loadMs: number }
  /** Job `id`'s code has started: its time limit runs from now. */
  | { type: 'started'; id: number }
  | { type: 'ran'; id: number; outcome: RunOutcome }
  | { type: 'compiled'; id: number; outcome: CompileOutcome }
  /** A compile that could not be answered (the Python worker died while loading or compiling). */
  | { type: 'failed'; id: number; message: string };

// ---- iframe ⇄ Python worker ----

export type FrameToRunner =
  | { type: 'load'; files: PythonFiles }
  | { type: 'run'; id: number; request: RunRequest }
  | { type: 'compile'; id: number; code: string };

export type RunnerToFrame =
  | { type: 'loaded'; ms: number }
  | { type: 'load-failed'; message: string }
  | { type: 'started'; id: number }
  | { type: 'ran'; id: number; report: HarnessReport }
  | { type: 'compiled'; id: number; outcome: CompileOutcome }
  /** The runtime broke beyond repair (a JavaScript error inside Pyodide, e.g. the wasm stack overflowed): end this worker. */
  | { type: 'fatal'; id: number; message: string };
