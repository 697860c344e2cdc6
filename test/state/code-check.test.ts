/**
 * CodeCheckState over the scripted worker and a fake sandbox: what it asks the worker (greedy and n seeded
 * samples, both models, the stop rule on), how it cuts, judges and parses what comes back, that only programs
 * that parse are run and with the task's tests, pass@k from the outcomes, and Stop.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CODE_TASKS } from '../../src/analysis/code-tasks.ts';
import { CodeCheckState, type SandboxLike } from '../../src/state/code-check.svelte.ts';
import type { ModelsState } from '../../src/state/models.svelte.ts';
import type { CompileOutcome, RunOutcome, RunRequest } from '../../src/sandbox/protocol.ts';
import type { Continuation } from '../../src/state/types.ts';
import { readyModels, settle } from './fake-worker.ts';

const made: ModelsState[] = [];
afterEach(() => {
  for (const m of made.splice(0)) m.dispose();
  vi.useRealTimers();
});

const FACTORIAL = CODE_TASKS.find((t) => t.id === 'py-factorial')!;
const GOOD = 'def factorial(n):\n    return 1 if n < 2 else n * factorial(n - 1)\n\n# next prompt\n';
const BAD = 'def factorial(n)\n    return n\n';

const continuation = (text: string): Continuation => ({ text, tokens: [text], log2Prob: -1, orders: [1], seen: [] });

/** A sandbox that says a program parses when it has no `def …)` without its colon, and passes the good one. */
class FakeSandbox implements SandboxLike {
  readonly compiled: string[] = [];
  readonly ran: RunRequest[] = [];
  stopped = 0;
  hold: Promise<void> | null = null;
  async compilePython(code: string): Promise<CompileOutcome> {
    this.compiled.push(code);
    return /def \w+\([^)]*\)\n/.test(code) ? { ok: false, line: 2, column: 18, message: "expected ':'" } : { ok: true };
  }
  async run(request: RunRequest): Promise<RunOutcome> {
    this.ran.push(request);
    if (this.hold) await this.hold;
    const passed = request.code.includes('factorial(n - 1)');
    return { kind: 'done', ms: 1, results: request.tests.map((t) => ({ expr: t.expr, expected: t.expected, passed, actual: passed ? t.expected : '0' })) };
  }
  stop(): void {
    this.stopped++;
  }
}

async function setup(n = 4) {
  vi.useFakeTimers();
  const fake = await readyModels();
  made.push(fake.models);
  const sandbox = new FakeSandbox();
  const check = new CodeCheckState(() => fake.models, () => sandbox);
  check.samples = n;
  check.opened = true;
  return { ...fake, check, sandbox };
}

/** Answers the check's generate requests one by one: sample i gets `texts(i)` (0 = greedy) for both models. */
async function answer(worker: Awaited<ReturnType<typeof setup>>['worker'], n: number, texts: (i: number) => [string, string]) {
  for (let i = 0; i <= n; i++) {
    await vi.waitFor(() => expect(worker().requests('generate').length).toBe(i + 1));
    const r = worker().last('generate');
    const [base, ft] = texts(i);
    worker().reply({ type: 'generated', id: r.id, base: continuation(base), finetuned: continuation(ft), instruction: null, cacheTokens: 0 });
    await settle();
  }
}

describe('CodeCheckState', () => {
  it('asks for a greedy continuation and n seeded samples of both models, stopping at the end of the definition', async () => {
    const { check, worker } = await setup(3);
    check.follow(FACTORIAL.prompt, 'python');
    await vi.advanceTimersByTimeAsync(1000);
    const done = answer(worker, 3, () => ['', GOOD]);
    await done;
    const asked = worker().requests('generate');
    expect(asked.map((r) => r.options.method)).toEqual(['greedy', 'sample', 'sample', 'sample']);
    expect(asked.slice(1).map((r) => r.options.seed)).toEqual([1, 2, 3]);
    expect(asked.every((r) => r.options.stopAfterDefinition && r.text === FACTORIAL.prompt)).toBe(true);
    expect(new Set(asked.map((r) => r.lane)).size).toBe(4); // one lane each: a sample never supersedes another
  });

  it('cuts, judges and parses every continuation, runs only what parses, and reports pass@k', async () => {
    const { check, worker, sandbox } = await setup(4);
    const run = check.check(FACTORIAL.prompt, 'python');
    // Greedy: good; samples 1–2 good, 3 broken, 4 only a comment.
    await answer(worker, 4, (i) => ['the end of the story', i === 3 ? BAD : i === 4 ? '# nothing here\n' : GOOD]);
    await run;
    const r = check.results!;
    expect(r.task?.id).toBe('py-factorial');
    expect(r.finetuned.greedy!.continuation).toBe('def factorial(n):\n    return 1 if n < 2 else n * factorial(n - 1)\n'); // cut before the next prompt
    expect(r.finetuned.greedy!.entry).toBe('factorial');
    expect(r.finetuned.samples.map((s) => s.parse?.ok)).toEqual([true, true, false, true]);
    expect(r.finetuned.samples[3].holdsCode).toBe(false);
    expect(sandbox.compiled).toHaveLength(10); // greedy and 4 samples, both models
    expect(check.canRun).toBe(true);

    await check.runTests();
    // The broken sample is never run; every run carries the task's tests and the function to call.
    const ranFt = sandbox.ran.filter((q) => q.code.startsWith(FACTORIAL.prompt + 'def') || q.code === FACTORIAL.prompt + '# nothing here\n');
    expect(ranFt.some((q) => q.code.includes(BAD))).toBe(false);
    expect(sandbox.ran.every((q) => q.tests === FACTORIAL.tests && q.language === 'python' && q.timeoutMs > 0)).toBe(true);
    const rates = check.rates('finetuned')!;
    expect(rates).toMatchObject({ n: 4, parsed: 3, passed: 2 });
    expect(rates.passAt[0]).toEqual({ k: 1, value: 0.5 });
    expect(check.results!.finetuned.samples[2].run).toBeUndefined();
    expect(check.rates('base')).toMatchObject({ parsed: 4, passed: 0 });
  });

  it('Stop ends a test run: what ran keeps its outcome, the rest is marked stopped', async () => {
    const { check, worker, sandbox } = await setup(2);
    const run = check.check(FACTORIAL.prompt, 'python');
    await answer(worker, 2, () => [GOOD, GOOD]);
    await run;
    let release!: () => void;
    sandbox.hold = new Promise((r) => (release = r));
    const tests = check.runTests();
    await settle();
    expect(check.phase).toBe('running');
    check.stop();
    release();
    await tests;
    expect(sandbox.stopped).toBe(1);
    expect(check.phase).toBe('idle');
    const runs = [check.results!.base.greedy, ...check.results!.base.samples, check.results!.finetuned.greedy, ...check.results!.finetuned.samples].map((s) => s!.run?.kind);
    expect(runs.every((k) => k === 'stopped')).toBe(true);
  });

  it('a prompt without tests is parsed but cannot be run; a newer check drops the older one\'s answers', async () => {
    const { check, worker } = await setup(1);
    const first = check.check('# something else\n', 'python');
    await vi.waitFor(() => expect(worker().requests('generate').length).toBe(1));
    const second = check.check(FACTORIAL.prompt, 'python');
    const old = worker().requests('generate')[0];
    worker().reply({ type: 'generated', id: old.id, base: continuation('x'), finetuned: continuation('x'), instruction: null, cacheTokens: 0 });
    await first;
    expect(check.results!.prompt).toBe(FACTORIAL.prompt);
    await vi.waitFor(() => expect(worker().requests('generate').length).toBe(2));
    for (let i = 1; i <= 2; i++) {
      await vi.waitFor(() => expect(worker().requests('generate').length).toBe(i + 1));
      const r = worker().last('generate');
      worker().reply({ type: 'generated', id: r.id, base: continuation(GOOD), finetuned: continuation(GOOD), instruction: null, cacheTokens: 0 });
      await settle();
    }
    await second;
    expect(check.results!.base.samples).toHaveLength(1);
    expect(check.canRun).toBe(true);
    const other = check.check('# no task\n', 'python');
    await vi.waitFor(() => expect(worker().requests('generate').length).toBe(4));
    expect(check.results!.task).toBeNull();
    expect(check.canRun).toBe(false);
    check.stop();
    const r = worker().last('generate');
    worker().reply({ type: 'generated', id: r.id, base: continuation(GOOD), finetuned: continuation(GOOD), instruction: null, cacheTokens: 0 });
    await other;
    expect(check.results!.base.greedy).toBeNull(); // the stopped check applied nothing
  });
});
