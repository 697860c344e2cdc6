/**
 * The harness programs that define generated code, bind `candidate`, run each test and report as JSON: pure
 * strings and functions (no DOM, no Node), so the browser's sandbox and the Node bench run the very same ones.
 *
 * Python (in Pyodide, in a worker or in Node): `PYTHON_HARNESS` defines two functions in the interpreter's
 * globals; `runPython` and `compilePython` call them with the request as their argument (a JSON string, never
 * pasted into source) and parse what they return. The code is executed in a fresh namespace per run; stdout is
 * captured; each test is evaluated on its own, its value reported with `repr`.
 *
 * JavaScript (a fresh worker per run in the browser, a fresh process in Node): `javascriptProgram` writes one
 * classic script: a one-line prelude (the report channel, console capture, the error handler), then the
 * generated code at top level exactly as written (its line n is the script's line n + 1), then the tests. The
 * script reports once, by `postMessage` in a worker and as one JSON line on stdout in Node. A script that does
 * not parse never runs its prelude: the host reads the engine's own error (a worker's `error` event, Node's
 * stderr) and turns it into an outcome with `syntaxErrorReport`.
 */
import type { CompileOutcome, HarnessReport, RunRequest } from './protocol.ts';

/** The limits on what a run reports: a value's text and the captured output are cut there. */
export const REPR_LIMIT = 500;
export const STDOUT_LIMIT = 10_000;

/** Identifiers the harnesses accept as `entry` (Python and JavaScript names alike; anything else is refused before running). */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function noEntryMessage(entry: string | null): string {
  return entry === null ? 'the code defines no function for the tests to call' : `the code does not define \`${entry}\``;
}

// ---------------------------------------------------------------------------------------------- Python

/**
 * Defines `_codegram_run(request_json)` and `_codegram_compile(code)`, each returning a JSON string (a
 * HarnessReport, a CompileOutcome). Run once per interpreter. The generated code runs with `__name__` set to
 * `"__main__"`, as a script would, in a dict of its own; the tests see that dict plus `candidate`.
 */
export const PYTHON_HARNESS = `
import contextlib as _codegram_contextlib
import io as _codegram_io
import json as _codegram_json
import sys as _codegram_sys
import traceback as _codegram_traceback

def _codegram_describe(e):
    text = str(e)
    return type(e).__name__ + (': ' + text if text else '')

def _codegram_cut(text, limit):
    return text if len(text) <= limit else text[:limit] + '…'

def _codegram_line(e):
    """The generated code's line an exception was raised at (the innermost frame in it), or None."""
    if isinstance(e, SyntaxError) and e.filename == '<generated>':
        return e.lineno
    line = None
    for frame in _codegram_traceback.extract_tb(e.__traceback__):
        if frame.filename == '<generated>':
            line = frame.lineno
    return line

class _CodegramOutput(_codegram_io.StringIO):
    """stdout kept up to a limit: a print loop cannot fill the memory through it."""
    def write(self, s):
        if self.tell() < ${STDOUT_LIMIT} + 1:
            super().write(s[: ${STDOUT_LIMIT} + 1 - self.tell()])
        return len(s)

def _codegram_run(request_json):
    request = _codegram_json.loads(request_json)
    namespace = {'__name__': '__main__', '__builtins__': __builtins__}
    out = _CodegramOutput()
    stdout, stderr, stdin = _codegram_sys.stdout, _codegram_sys.stderr, _codegram_sys.stdin
    _codegram_sys.stdout = _codegram_sys.stderr = out
    _codegram_sys.stdin = _codegram_io.StringIO('')
    try:
        try:
            exec(compile(request['code'], '<generated>', 'exec'), namespace)
        except BaseException as e:
            report = {'kind': 'error', 'message': _codegram_describe(e)}
            line = _codegram_line(e)
            if line is not None:
                report['line'] = line
            return _codegram_json.dumps(report)
        entry = request['entry']
        candidate = namespace.get(entry) if entry is not None else None
        results = []
        for test in request['tests']:
            if candidate is None:
                results.append({'passed': False, 'error': request['noEntry']})
                continue
            scope = dict(namespace)
            scope['candidate'] = candidate
            result = {'passed': False}
            try:
                actual = eval(test['expr'], scope)
                result['actual'] = _codegram_cut(repr(actual), ${REPR_LIMIT})
                result['passed'] = bool(actual == eval(test['expected'], scope))
            except BaseException as e:
                result['error'] = _codegram_cut(_codegram_describe(e), ${REPR_LIMIT})
            results.append(result)
        report = {'kind': 'done', 'results': results}
        text = out.getvalue()
        if text:
            report['stdout'] = _codegram_cut(text, ${STDOUT_LIMIT})
        return _codegram_json.dumps(report)
    finally:
        _codegram_sys.stdout, _codegram_sys.stderr, _codegram_sys.stdin = stdout, stderr, stdin

def _codegram_compile(code):
    try:
        compile(code, '<generated>', 'exec')
        return _codegram_json.dumps({'ok': True})
    except SyntaxError as e:
        return _codegram_json.dumps({'ok': False, 'line': e.lineno or 1, 'column': e.offset or 1, 'message': e.msg})
    except (ValueError, OverflowError, RecursionError, MemoryError) as e:
        # compile() also refuses a NUL byte (ValueError), a literal too deep or too large for its parser.
        return _codegram_json.dumps({'ok': False, 'line': 1, 'column': 1, 'message': _codegram_describe(e)})
`;

/** The part of a Pyodide interface the Python harness uses (Pyodide's own `PyodideAPI` fits it). */
export interface PythonInterpreter {
  runPython(code: string): unknown;
}

/** A Python function as Pyodide hands it to JavaScript: callable, and to be destroyed after use. */
type PythonFunction = ((argument: string) => unknown) & { destroy(): void };

const installed = new WeakSet<object>();

function callPython(py: PythonInterpreter, fn: '_codegram_run' | '_codegram_compile', argument: string): string {
  if (!installed.has(py)) {
    py.runPython(PYTHON_HARNESS);
    installed.add(py);
  }
  const f = py.runPython(fn) as PythonFunction;
  try {
    return String(f(argument)); // a JavaScript string becomes a Python str: the code is data, never pasted into source
  } finally {
    f.destroy();
  }
}

/** Runs one request's code and tests in `py` (Pyodide in a worker or in Node). Throws only when the interpreter itself fails. */
export function runPython(py: PythonInterpreter, request: Pick<RunRequest, 'code' | 'entry' | 'tests'>): HarnessReport {
  if (request.entry !== null && !IDENTIFIER.test(request.entry)) return { kind: 'error', message: `not a function name: ${JSON.stringify(request.entry)}` };
  const argument = JSON.stringify({ code: request.code, entry: request.entry, tests: request.tests, noEntry: noEntryMessage(request.entry) });
  return JSON.parse(callPython(py, '_codegram_run', argument)) as HarnessReport;
}

/** CPython's verdict on `code`, by `compile(code, '<generated>', 'exec')`. */
export function compilePython(py: PythonInterpreter, code: string): CompileOutcome {
  return JSON.parse(callPython(py, '_codegram_compile', code)) as CompileOutcome;
}

// ---------------------------------------------------------------------------------------------- JavaScript

/**
 * The prelude: one line, so the generated code starts on line 2. It keeps its own references to what it
 * reports through before the generated code runs (the code may overwrite globals), captures `console`, and
 * reports an uncaught error at top level as the definition's error. Names start with `__codegram`.
 */
const PRELUDE = `var __codegram = (() => {
  const G = globalThis, stringify = JSON.stringify, isArray = Array.isArray, keys = Object.keys, getProto = Object.getPrototypeOf, ObjProto = Object.prototype;
  const inWorker = typeof G.WorkerGlobalScope === 'function' && G instanceof G.WorkerGlobalScope;
  const post = inWorker ? G.postMessage.bind(G) : ((write) => (m) => write(stringify(m) + '\\n'))(G.process.stdout.write.bind(G.process.stdout));
  let reported = false, out = '';
  const report = (m) => { if (reported) return; reported = true; if (out) m.stdout = out.length > ${STDOUT_LIMIT} ? out.slice(0, ${STDOUT_LIMIT}) + '…' : out; post(m); };
  const cut = (s) => (s.length > ${REPR_LIMIT} ? s.slice(0, ${REPR_LIMIT}) + '…' : s);
  const show = (v, depth, seen) => {
    if (typeof v === 'string') return depth === 0 ? v : stringify(v);
    if (typeof v === 'bigint') return v + 'n';
    if (typeof v === 'function') return '[Function' + (v.name ? ' ' + v.name : '') + ']';
    if (typeof v === 'symbol' || v === undefined || v === null || typeof v !== 'object') return Object.is(v, -0) ? '-0' : String(v);
    if (seen.includes(v) || depth > 4) return isArray(v) ? '[…]' : '{…}';
    const inner = [...seen, v];
    if (isArray(v)) return '[' + v.slice(0, 100).map((x) => show(x, depth + 1, inner)).join(', ') + (v.length > 100 ? ', …' : '') + ']';
    if (v instanceof Error) return v.name + ': ' + v.message;
    const ks = keys(v);
    return '{' + ks.slice(0, 100).map((k) => stringify(k) + ': ' + show(v[k], depth + 1, inner)).join(', ') + (ks.length > 100 ? ', …' : '') + '}';
  };
  const text = (v) => cut(show(v, 1, []));
  const describe = (e) => (e instanceof Error ? e.name + ': ' + e.message : 'uncaught ' + text(e));
  const plain = (v) => { const p = getProto(v); return p === ObjProto || p === null; };
  const equal = (a, b) => {
    if (a === b || (a !== a && b !== b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (isArray(a) || isArray(b)) return isArray(a) && isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
    if (!plain(a) || !plain(b)) return false;
    const ka = keys(a), kb = keys(b);
    return ka.length === kb.length && ka.every((k) => ObjProto.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
  };
  const log = (...args) => { if (out.length <= ${STDOUT_LIMIT}) out += args.map((a) => show(a, 0, [])).join(' ') + '\\n'; };
  for (const name of ['log', 'info', 'warn', 'error', 'debug']) console[name] = log;
  const failedAt = (e) => {
    const m = /:(\\d+):\\d+\\)?$/m.exec(String((e && e.stack) || '').split('\\n').find((l) => /^\\s+at /.test(l)) || '');
    return m ? Number(m[1]) - 1 : undefined;
  };
  if (inWorker) G.addEventListener('error', (e) => { e.preventDefault(); const line = e.lineno > 1 ? e.lineno - 1 : undefined; report({ kind: 'error', message: e.error instanceof Error ? describe(e.error) : String(e.message).replace(/^Uncaught /, ''), ...(line ? { line } : {}) }); });
  else G.process.on('uncaughtException', (e) => { const line = failedAt(e); report({ kind: 'error', message: describe(e), ...(line ? { line } : {}) }); });
  return {
    check(candidate, noEntry, tests) {
      const results = tests.map(([expr, expected]) => {
        if (typeof candidate !== 'function') return { passed: false, error: noEntry };
        try {
          const actual = expr(candidate);
          const result = { passed: false, actual: text(actual) };
          try { result.passed = equal(actual, expected(candidate)); } catch (e) { result.error = cut(describe(e)); }
          return result;
        } catch (e) { return { passed: false, error: cut(describe(e)) }; }
      });
      report({ kind: 'done', results });
    },
  };
})();`.replace(/\n\s*/g, ' ');

/** The line the generated code's first line has in the program: its line numbers are the program's minus this plus one. */
export const JAVASCRIPT_FIRST_LINE = 2;

/**
 * The whole JavaScript program for one request: prelude (line 1), the code as it is, then the tests. Run it as
 * a classic script: in a worker (`new Worker(blobUrl)`) or as a CommonJS file in Node (`node program.cjs`).
 * A test's `expr` and `expected` are pasted in as source (they are ours, committed with the prompts); the
 * generated code is pasted in as the program it is.
 */
export function javascriptProgram(request: Pick<RunRequest, 'code' | 'entry' | 'tests'>): string {
  if (request.entry !== null && !IDENTIFIER.test(request.entry)) throw new Error(`not a function name: ${JSON.stringify(request.entry)}`);
  const candidate = request.entry === null ? 'undefined' : `(typeof ${request.entry} === 'undefined' ? undefined : ${request.entry})`;
  const tests = request.tests.map((t) => `[(candidate) => (${t.expr}), (candidate) => (${t.expected})]`).join(',\n');
  return `${PRELUDE}\n${request.code}\n;__codegram.check(${candidate}, ${JSON.stringify(noEntryMessage(request.entry))}, [\n${tests}\n]);\n`;
}

/**
 * The report of a JavaScript program that never ran because it does not parse, from the engine's message and
 * the program's line (a worker's ErrorEvent `message`/`lineno`; Node's stderr, see `nodeSyntaxError`).
 */
export function syntaxErrorReport(message: string, programLine: number | undefined): HarnessReport {
  const line = programLine !== undefined && programLine >= JAVASCRIPT_FIRST_LINE ? programLine - JAVASCRIPT_FIRST_LINE + 1 : undefined;
  return { kind: 'error', message: message.replace(/^Uncaught /, ''), ...(line !== undefined ? { line } : {}) };
}

/**
 * Node's stderr for a program that does not parse (`file:LINE` on the first line, `SyntaxError: …` further
 * down) as a report; null when stderr shows no syntax error.
 */
export function nodeSyntaxError(stderr: string): HarnessReport | null {
  const message = /^SyntaxError: .*$/m.exec(stderr)?.[0];
  if (!message) return null;
  const line = /^[^\n]*:(\d+)\s*$/m.exec(stderr)?.[1];
  return syntaxErrorReport(message, line === undefined ? undefined : Number(line));
}

/**
 * Whether a message is a report as the harness writes it, for `tests` tests. Generated code can post messages
 * too (`postMessage` in a worker, `js.postMessage` from Python): anything else is not taken for a result.
 */
export function isHarnessReport(value: unknown, tests: number): value is HarnessReport {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  if (r.kind === 'error') return typeof r.message === 'string' && (r.line === undefined || typeof r.line === 'number');
  return (
    r.kind === 'done' &&
    Array.isArray(r.results) &&
    r.results.length === tests &&
    r.results.every((t: unknown) => typeof t === 'object' && t !== null && typeof (t as { passed?: unknown }).passed === 'boolean') &&
    (r.stdout === undefined || typeof r.stdout === 'string')
  );
}

/** A report line in a Node program's stdout (the last line that parses as a report), or null. */
export function reportFromStdout(stdout: string): HarnessReport | null {
  for (const line of stdout.trim().split('\n').reverse()) {
    try {
      const parsed = JSON.parse(line) as HarnessReport;
      if (parsed && (parsed.kind === 'done' || parsed.kind === 'error')) return parsed;
    } catch {
      // not the report
    }
  }
  return null;
}
