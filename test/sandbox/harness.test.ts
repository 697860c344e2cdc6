/**
 * The harness programs (src/sandbox/harness.ts) as the bench runs them: Python in Pyodide in Node, JavaScript
 * as a file run by a fresh Node process. The browser runs the very same programs (test/e2e/sandbox.test.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPyodide, type PyodideAPI } from 'pyodide';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePython, isHarnessReport, javascriptProgram, nodeSyntaxError, reportFromStdout, runPython } from '../../src/sandbox/harness.ts';
import type { HarnessReport, RunRequest } from '../../src/sandbox/protocol.ts';

const FACTORIAL_TESTS = [
  { expr: 'candidate(0)', expected: '1' },
  { expr: 'candidate(5)', expected: '120' },
];

describe('the Python harness, in Pyodide', () => {
  let py: PyodideAPI;
  beforeAll(async () => {
    py = await loadPyodide();
  });

  it('passes a correct function and reports every value', () => {
    const code = 'def factorial(n):\n    return 1 if n <= 1 else n * factorial(n - 1)\n';
    expect(runPython(py, { code, entry: 'factorial', tests: FACTORIAL_TESTS })).toEqual({
      kind: 'done',
      results: [
        { passed: true, actual: '1' },
        { passed: true, actual: '120' },
      ],
    });
  });

  it('reports each failing assert with the value it got, an exception per test, and the output', () => {
    const code = 'def f(n):\n    print("called", n)\n    if n == 3:\n        raise ValueError("three")\n    return [n, "x"]\n';
    const tests = [
      { expr: 'candidate(1)', expected: '[1, "x"]' },
      { expr: 'candidate(2)', expected: '[2, "y"]' },
      { expr: 'candidate(3)', expected: '[]' },
      { expr: 'candidate(4) == missing', expected: 'True' },
    ];
    expect(runPython(py, { code, entry: 'f', tests })).toEqual({
      kind: 'done',
      results: [
        { passed: true, actual: "[1, 'x']" },
        { passed: false, actual: "[2, 'x']" },
        { passed: false, error: 'ValueError: three' },
        { passed: false, error: "NameError: name 'missing' is not defined" },
      ],
      stdout: 'called 1\ncalled 2\ncalled 3\ncalled 4\n',
    });
  });

  it('reports an exception while the code is defined, at the line of the code that raised', () => {
    expect(runPython(py, { code: 'def f(n):\n    return n\n\nprint(undefined_name)\n', entry: 'f', tests: FACTORIAL_TESTS })).toEqual({
      kind: 'error',
      message: "NameError: name 'undefined_name' is not defined",
      line: 4,
    });
    expect(runPython(py, { code: 'def f(:\n', entry: 'f', tests: FACTORIAL_TESTS })).toMatchObject({ kind: 'error', line: 1 });
    expect(runPython(py, { code: 'import sys\nsys.exit(3)\n', entry: 'f', tests: [] })).toEqual({ kind: 'error', message: 'SystemExit: 3', line: 2 });
  });

  it('fails every test when no function is defined, saying so', () => {
    const noEntry = runPython(py, { code: 'x = 1\n', entry: null, tests: FACTORIAL_TESTS });
    expect(noEntry).toEqual({ kind: 'done', results: FACTORIAL_TESTS.map(() => ({ passed: false, error: 'the code defines no function for the tests to call' })) });
    const missing = runPython(py, { code: 'x = 1\n', entry: 'factorial', tests: FACTORIAL_TESTS.slice(0, 1) });
    expect(missing).toEqual({ kind: 'done', results: [{ passed: false, error: 'the code does not define `factorial`' }] });
  });

  it('runs each request in a fresh namespace, with stdin empty and stdout restored', () => {
    runPython(py, { code: 'leftover = 1\ndef f():\n    return 1\n', entry: 'f', tests: [] });
    const report = runPython(py, { code: 'def f():\n    return leftover\n', entry: 'f', tests: [{ expr: 'candidate()', expected: '1' }] });
    expect(report).toEqual({ kind: 'done', results: [{ passed: false, error: "NameError: name 'leftover' is not defined" }] });
    expect(runPython(py, { code: 'x = input()\n', entry: null, tests: [] })).toMatchObject({ kind: 'error', message: expect.stringMatching(/^EOFError/), line: 1 });
    expect(String(py.runPython('import sys; type(sys.stdout).__name__'))).not.toBe('_CodegramOutput');
  });

  it('takes the code as data: quotes and triple quotes in it change nothing', () => {
    const code = 'def f():\n    return """\'\'\' \\"""" + \'"""\'\n';
    expect(runPython(py, { code, entry: 'f', tests: [{ expr: 'len(candidate())', expected: '8' }] })).toEqual({ kind: 'done', results: [{ passed: true, actual: '8' }] });
  });

  it("compiles with CPython's compile(): the first syntax error's line, column and message", () => {
    expect(compilePython(py, 'def f(n):\n    return n\n')).toEqual({ ok: true });
    expect(compilePython(py, 'print "hi"\n')).toEqual({ ok: false, line: 1, column: 1, message: "Missing parentheses in call to 'print'. Did you mean print(...)?" });
    expect(compilePython(py, 'x = 1\nreturn x\n')).toEqual({ ok: false, line: 2, column: 1, message: "'return' outside function" });
    expect(compilePython(py, 'def f():\n')).toMatchObject({ ok: false, line: 1, message: expect.stringMatching(/expected an indented block/) });
    expect(compilePython(py, 'a = 1\x00')).toMatchObject({ ok: false, line: 1, column: 1 });
  });
});

describe('the JavaScript harness, in a Node process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'codegram-harness-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** As the bench runs it: the program as a CommonJS file, one fresh process, its report from stdout (or a syntax error from stderr). */
  function run(request: Pick<RunRequest, 'code' | 'entry' | 'tests'>): HarnessReport | null {
    const file = join(dir, 'program.cjs');
    writeFileSync(file, javascriptProgram(request));
    const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 10_000 });
    return reportFromStdout(child.stdout) ?? nodeSyntaxError(child.stderr);
  }

  it('passes a correct function and reports every value', () => {
    const code = 'function factorial(n) {\n  return n <= 1 ? 1 : n * factorial(n - 1);\n}\n';
    expect(run({ code, entry: 'factorial', tests: FACTORIAL_TESTS })).toEqual({
      kind: 'done',
      results: [
        { passed: true, actual: '1' },
        { passed: true, actual: '120' },
      ],
    });
  });

  it('compares plain data deeply, reports each failing assert with its value, an exception per test, and the output', () => {
    const code = 'const f = (n) => {\n  console.log("called", n, [n]);\n  if (n === 3) throw new RangeError("three");\n  return { n, xs: [n, "x"] };\n};\n';
    const tests = [
      { expr: 'candidate(1)', expected: '{ xs: [1, "x"], n: 1 }' },
      { expr: 'candidate(2)', expected: '{ n: 2, xs: [2, "y"] }' },
      { expr: 'candidate(3)', expected: 'null' },
      { expr: 'candidate(NaN).n', expected: 'NaN' },
    ];
    expect(run({ code, entry: 'f', tests })).toEqual({
      kind: 'done',
      results: [
        { passed: true, actual: '{"n": 1, "xs": [1, "x"]}' },
        { passed: false, actual: '{"n": 2, "xs": [2, "x"]}' },
        { passed: false, error: 'RangeError: three' },
        { passed: true, actual: 'NaN' },
      ],
      stdout: 'called 1 [1]\ncalled 2 [2]\ncalled 3 [3]\ncalled NaN [NaN]\n',
    });
  });

  it('reports an exception while the code is defined, at the line of the code that raised', () => {
    expect(run({ code: 'function f(n) {\n  return n;\n}\nundefinedName.x = 1;\n', entry: 'f', tests: FACTORIAL_TESTS })).toEqual({
      kind: 'error',
      message: 'ReferenceError: undefinedName is not defined',
      line: 4,
    });
  });

  it('reports a program that does not parse, at the line of the code', () => {
    expect(run({ code: 'function f(n) {\n  return n +;\n}\n', entry: 'f', tests: FACTORIAL_TESTS })).toEqual({ kind: 'error', message: "SyntaxError: Unexpected token ';'", line: 2 });
  });

  it('fails every test when no function is defined, saying so', () => {
    expect(run({ code: 'const x = 1;\n', entry: null, tests: FACTORIAL_TESTS.slice(0, 1) })).toEqual({ kind: 'done', results: [{ passed: false, error: 'the code defines no function for the tests to call' }] });
    expect(run({ code: 'const x = 1;\n', entry: 'factorial', tests: FACTORIAL_TESTS.slice(0, 1) })).toEqual({ kind: 'done', results: [{ passed: false, error: 'the code does not define `factorial`' }] });
  });

  it('refuses an entry that is not a name (it is pasted into the program)', () => {
    expect(() => javascriptProgram({ code: '', entry: 'f); evil(', tests: [] })).toThrow(/not a function name/);
  });

  it('keeps the generated code on its own lines, after a one-line prelude', () => {
    const program = javascriptProgram({ code: 'a\nb', entry: null, tests: [] });
    expect(program.split('\n').slice(1, 3)).toEqual(['a', 'b']);
    // The prelude alone is a valid program that defines only __codegram.
    expect(execFileSync(process.execPath, ['-e', `${program.split('\n')[0]}\nprocess.stdout.write(Object.keys(__codegram).join())`], { encoding: 'utf8' })).toBe('check');
  });
});

describe('a report', () => {
  it('is told apart from other messages the generated code may post', () => {
    expect(isHarnessReport({ kind: 'done', results: [{ passed: true, actual: '1' }] }, 1)).toBe(true);
    expect(isHarnessReport({ kind: 'error', message: 'NameError: x', line: 2 }, 1)).toBe(true);
    expect(isHarnessReport({ kind: 'done', results: [] }, 1)).toBe(false); // not one result per test
    expect(isHarnessReport({ kind: 'done', results: [{ passed: 'yes' }] }, 1)).toBe(false);
    expect(isHarnessReport('hello', 1)).toBe(false);
    expect(isHarnessReport(null, 0)).toBe(false);
  });
});
