/**
 * The code check's prompts: which are among the instruction examples (claimed by `seen`, checked against the
 * files), and tests that are known to pass on working code — each task's reference, or for a seen prompt the
 * instruction example itself — and to fail on wrong code. JavaScript and TypeScript run here in a fresh vm
 * context; Python in Pyodide, through the sandbox's own harness.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { isDeepStrictEqual } from 'node:util';
import { loadPyodide } from 'pyodide';
import { describe, expect, it } from 'vitest';
import { compilePython, runPython, type PythonInterpreter } from '../../src/sandbox/harness.ts';
import { entryOf } from '../../src/analysis/code-check.ts';
import { CODE_TASKS, DEFAULT_TASK_ID, type CodeTask } from '../../src/analysis/code-tasks.ts';
import { CODE_LANGUAGES } from '../../src/corpus/types.ts';
import { parseScript, stripTypes } from '../../src/check/parse.ts';
import { FACTORIAL_PROMPT } from '../../src/editor/snippets.ts';

const DIR = resolve(import.meta.dirname, '../../corpora/instructions');
const examples = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.(py|js|ts)$/.test(f))
  .map((f) => readFileSync(join(DIR, f), 'utf8'));
const exampleFor = (task: CodeTask): string | undefined => examples.find((e) => e.startsWith(task.prompt));

/** The program a task's tests run against when the model gets it right. */
function referenceOf(task: CodeTask): string {
  return task.reference !== undefined ? task.prompt + task.reference : exampleFor(task)!;
}

/** Runs a JavaScript program and a task's tests in a fresh context: how many of its tests pass. */
function passingJs(task: CodeTask, program: string): number {
  const js = task.language === 'typescript' ? stripTypes(program) : program;
  const entry = entryOf(program, task.language);
  if (!entry) return 0;
  const context: Record<string, unknown> = {};
  runInNewContext(`${js}\n;globalThis.candidate = ${entry};`, context, { timeout: 1000 });
  return task.tests.filter((t) => isDeepStrictEqual(runInNewContext(t.expr, context), runInNewContext(t.expected, context))).length;
}

describe('the code check\'s tasks', () => {
  it('say truly whether their prompt is one of the instruction examples', () => {
    for (const task of CODE_TASKS) expect(exampleFor(task) !== undefined, task.id).toBe(task.seen);
  });

  it('are many per language, seen and new, with unique ids and at least three tests each', () => {
    expect(new Set(CODE_TASKS.map((t) => t.id)).size).toBe(CODE_TASKS.length);
    for (const language of CODE_LANGUAGES) {
      const of = CODE_TASKS.filter((t) => t.language === language);
      expect(of.filter((t) => t.seen).length, language).toBeGreaterThanOrEqual(2);
      expect(of.filter((t) => !t.seen).length, language).toBeGreaterThanOrEqual(2);
    }
    for (const task of CODE_TASKS) {
      expect(task.tests.length, task.id).toBeGreaterThanOrEqual(3);
      expect(task.prompt, task.id).toMatch(/^(#|\/\/) a (Python|JavaScript|TypeScript) function that [^\n]+\n$/);
      expect(task.reference === undefined, task.id).toBe(task.seen); // the example is a seen task's reference
    }
  });

  it('open with the starter snippet\'s factorial prompt, which the fine-tuned model never saw', () => {
    const first = CODE_TASKS.find((t) => t.id === DEFAULT_TASK_ID)!;
    expect(first.prompt).toBe(FACTORIAL_PROMPT);
    expect(first.seen).toBe(false);
  });

  it('JavaScript and TypeScript: every reference parses and passes all its tests', () => {
    for (const task of CODE_TASKS.filter((t) => t.language !== 'python')) {
      const program = referenceOf(task);
      expect(parseScript(program, task.language as 'javascript' | 'typescript'), task.id).toEqual({ ok: true });
      expect(passingJs(task, program), task.id).toBe(task.tests.length);
    }
  });

  it('JavaScript and TypeScript: a wrong function fails some test of every task', () => {
    for (const task of CODE_TASKS.filter((t) => t.language !== 'python')) {
      expect(passingJs(task, `${task.prompt}function wrong(a, b) {\n  return -1;\n}\n`), task.id).toBeLessThan(task.tests.length);
    }
  });

  it('Python: every reference compiles and passes all its tests, and a wrong function fails some', async () => {
    const py = (await loadPyodide()) as unknown as PythonInterpreter;
    for (const task of CODE_TASKS.filter((t) => t.language === 'python')) {
      const program = referenceOf(task);
      expect(compilePython(py, program), task.id).toEqual({ ok: true });
      const report = runPython(py, { code: program, entry: entryOf(program, 'python'), tests: task.tests });
      expect(report.kind === 'done' && report.results.every((r) => r.passed), `${task.id}: ${JSON.stringify(report)}`).toBe(true);
      const wrong = runPython(py, { code: `${task.prompt}def wrong(a, b=0):\n    return -1\n`, entry: 'wrong', tests: task.tests });
      expect(wrong.kind === 'done' && wrong.results.some((r) => !r.passed), task.id).toBe(true);
    }
  });
});
