/**
 * The code check: does what each model writes after the editor's text parse, and does it work?
 *
 * While the view is open it follows the editor (after a pause in typing): both models continue the text greedily
 * and in `samples` seeded samples (analysis/code-check.ts CHECK_SAMPLING), each continuation is cut by the stop
 * rule and the prompt plus it is parsed — JavaScript and TypeScript by Babel's parser here (check/parse.ts,
 * loaded on first use), Python by CPython's compile() in the sandbox. When the editor holds one of the task
 * prompts (analysis/code-tasks.ts), "Run tests" runs every sample against that task's tests in the sandbox and
 * reports pass@k. Nothing here runs generated code: the sandbox does (sandbox/host.ts).
 */
import { CHECK_SAMPLING, judge, passAtK, reportedKs, type CheckLanguage, type Judged } from '../analysis/code-check.ts';
import { CODE_TASKS, type CodeTask } from '../analysis/code-tasks.ts';
import { CODE_LANGUAGES } from '../corpus/types.ts';
import type { CompileOutcome, RunOutcome, RunRequest, SandboxProgress } from '../sandbox/protocol.ts';
import { isStopped } from '../lm/errors.ts';
import type { ModelsState } from './models.svelte.ts';
import type { Continuation, GenerateRequest, ModelKind } from './types.ts';

export type ParseOutcome = CompileOutcome;

/** What the code check needs of the sandbox (the real one on the page, a fake in tests). */
export interface SandboxLike {
  compilePython(code: string): Promise<CompileOutcome>;
  run(request: RunRequest): Promise<RunOutcome>;
  stop(): void;
  dispose?(): void;
  onProgress?: (p: SandboxProgress) => void;
}

export interface CheckedSample extends Judged {
  /** The sample's seed; null for the greedy continuation. */
  seed: number | null;
  /** Null until parsed. */
  parse: ParseOutcome | null;
  /** The tests' outcome, once run (a program that does not parse is never run). */
  run?: RunOutcome;
}

export interface ModelCheck {
  greedy: CheckedSample | null;
  samples: CheckedSample[];
}

export interface CheckResults {
  prompt: string;
  language: CheckLanguage;
  /** The task whose prompt the editor holds, if any: its tests can be run. */
  task: CodeTask | null;
  n: number;
  base: ModelCheck;
  finetuned: ModelCheck;
}

export interface PassRates {
  n: number;
  /** Samples that parse, and that pass every test. */
  parsed: number;
  passed: number;
  /** pass@k for each reported k. */
  passAt: { k: number; value: number }[];
}

/** Time allowed to each sample to define its code and run its tests (Pyodide's load not counted). */
export const RUN_TIMEOUT_MS = 3000;
/** Pause in typing before the check follows the editor. */
const CHECK_PAUSE_MS = 600;
const MODELS: readonly ModelKind[] = ['base', 'finetuned'];

export const isCheckLanguage = (l: string): l is CheckLanguage => (CODE_LANGUAGES as readonly string[]).includes(l);

/** A sample passes when it parsed and every test ran and passed. */
export function passes(s: CheckedSample): boolean {
  return s.run?.kind === 'done' && s.run.results.length > 0 && s.run.results.every((r) => r.passed);
}

export function passRates(samples: readonly CheckedSample[]): PassRates {
  const n = samples.length;
  const passed = samples.filter(passes).length;
  return {
    n,
    parsed: samples.filter((s) => s.parse?.ok === true).length,
    passed,
    passAt: n > 0 ? reportedKs(n).map((k) => ({ k, value: passAtK(n, passed, k) })) : [],
  };
}

export function taskFor(prompt: string, language: CheckLanguage): CodeTask | null {
  return CODE_TASKS.find((t) => t.language === language && t.prompt === prompt) ?? null;
}

/**
 * A copy with fresh sample objects: the work mutates its own samples as answers come, and the view is handed a
 * new object for every one of them (a raw state's items compared by identity would not update).
 */
function snapshot(r: CheckResults): CheckResults {
  const copy = (m: ModelCheck): ModelCheck => ({ greedy: m.greedy && { ...m.greedy }, samples: m.samples.map((s) => ({ ...s })) });
  return { ...r, base: copy(r.base), finetuned: copy(r.finetuned) };
}

export class CodeCheckState {
  /** Whether the view is open: nothing is generated, loaded or run before. */
  opened = $state(false);
  /** Samples per model. */
  samples = $state(10);
  results = $state.raw<CheckResults | null>(null);
  /** 'generating' and 'parsing' follow the editor; 'running' while tests run. */
  phase = $state<'idle' | 'generating' | 'parsing' | 'running'>('idle');
  /** Continuations or runs done of all in this phase. */
  progress = $state({ done: 0, total: 0 });
  /** Python's runtime being fetched (the first Python check loads about 13 MB, once). */
  pythonLoad = $state.raw<SandboxProgress | null>(null);
  error = $state<string | null>(null);

  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every new check, test run and stop: work of an older one drops its answers. */
  private generation = 0;
  private sandboxInstance: SandboxLike | null = null;
  private parser: Promise<typeof import('../check/parse.ts')> | null = null;

  /**
   * @param source the page's models (a getter, so a component can pass its prop through)
   * @param makeSandbox creates the sandbox on first use (by default the page's, loaded then; tests pass a fake)
   */
  constructor(
    private readonly source: () => ModelsState,
    private readonly makeSandbox: () => SandboxLike | Promise<SandboxLike> = async () => new (await import('../sandbox/host.ts')).Sandbox(),
  ) {}

  private get models(): ModelsState {
    return this.source();
  }

  /** Pass rates of one model's samples in the current results. */
  rates(model: ModelKind): PassRates | null {
    const r = this.results;
    return r ? passRates(r[model].samples) : null;
  }

  /** True when the tests can be run: the editor holds a task's prompt and every continuation is parsed. */
  get canRun(): boolean {
    const r = this.results;
    return r !== null && r.task !== null && this.phase === 'idle' && MODELS.every((m) => r[m].samples.length === r.n && r[m].samples.every((s) => s.parse !== null));
  }

  /** Follows the editor: checks `prompt` after a pause, while the view is open and the models answer. */
  follow(prompt: string, language: string): void {
    clearTimeout(this.timer);
    if (!this.opened || !this.models.client || !this.models.ready || !isCheckLanguage(language)) return;
    this.timer = setTimeout(() => void this.check(prompt, language), CHECK_PAUSE_MS);
  }

  /** Generates and parses both models' continuations of `prompt` now. */
  async check(prompt: string, language: CheckLanguage): Promise<void> {
    clearTimeout(this.timer);
    const client = this.models.client;
    if (!client) return;
    const gen = ++this.generation;
    const n = this.samples;
    const empty = (): ModelCheck => ({ greedy: null, samples: [] });
    let results: CheckResults = { prompt, language, task: taskFor(prompt, language), n, base: empty(), finetuned: empty() };
    this.results = results;
    this.error = null;
    this.phase = 'generating';
    this.progress = { done: 0, total: n + 1 };
    const stale = () => gen !== this.generation;
    try {
      const options: GenerateRequest[] = [
        { method: 'greedy', maxTokens: CHECK_SAMPLING.maxTokens, stopAfterDefinition: true },
        ...Array.from({ length: n }, (_, i): GenerateRequest => ({ method: 'sample', seed: i + 1, ...CHECK_SAMPLING, stopAfterDefinition: true })),
      ];
      // One request at a time, so the editor's completions keep their turn in the worker between them.
      for (const [i, o] of options.entries()) {
        const g = await client.generate(prompt, o, `check-${i}`);
        if (stale()) return;
        if (!g) return;
        const add = (model: ModelKind, c: Continuation) => {
          const s: CheckedSample = { ...judge(prompt, c.text, language), seed: o.method === 'sample' ? (o.seed ?? null) : null, parse: null };
          const m = results[model];
          return o.method === 'greedy' ? { ...m, greedy: s } : { ...m, samples: [...m.samples, s] };
        };
        results = { ...results, base: add('base', g.base), finetuned: add('finetuned', g.finetuned) };
        this.results = results;
        this.progress = { done: i + 1, total: n + 1 };
      }
      this.phase = 'parsing';
      const all = MODELS.flatMap((m) => [results[m].greedy, ...results[m].samples].filter((s): s is CheckedSample => s !== null));
      this.progress = { done: 0, total: all.length };
      for (const [i, s] of all.entries()) {
        s.parse = await this.parse(s.program, language);
        if (stale()) return;
        this.progress = { done: i + 1, total: all.length };
        this.results = snapshot(results);
      }
      this.phase = 'idle';
    } catch (e) {
      if (stale()) return;
      this.phase = 'idle';
      if (!isStopped(e)) this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Runs every sample (and the greedy continuation) of both models against the task's tests, in the sandbox. */
  async runTests(): Promise<void> {
    const task = this.results?.task;
    if (!this.results || !task || !this.canRun) return;
    const r = snapshot(this.results);
    const gen = ++this.generation;
    this.phase = 'running';
    this.error = null;
    // A program that does not parse is not run: its verdict is the syntax error.
    const queue = MODELS.flatMap((m) => [r[m].greedy, ...r[m].samples].filter((s): s is CheckedSample => s !== null && s.parse?.ok === true));
    for (const s of queue) s.run = undefined;
    this.progress = { done: 0, total: queue.length };
    this.results = snapshot(r);
    try {
      const sandbox = await this.sandbox();
      for (const [i, s] of queue.entries()) {
        s.run = await sandbox.run(await this.request(task, s));
        if (gen !== this.generation) return;
        this.progress = { done: i + 1, total: queue.length };
        this.results = snapshot(r);
      }
    } catch (e) {
      if (gen === this.generation) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (gen === this.generation) this.phase = 'idle';
    }
  }

  /** Ends the test run (or the check) in progress; what finished stays shown. */
  stop(): void {
    clearTimeout(this.timer);
    this.generation++;
    this.sandboxInstance?.stop();
    if (this.results && this.phase === 'running') {
      const r = snapshot(this.results);
      for (const m of MODELS) for (const s of [r[m].greedy, ...r[m].samples]) if (s && s.parse?.ok && !s.run) s.run = { kind: 'stopped' };
      this.results = r;
    }
    this.phase = 'idle';
  }

  /** The view is going away: ends the work and removes the sandbox's iframe. */
  dispose(): void {
    this.stop();
    this.sandboxInstance?.dispose?.();
    this.sandboxInstance = null;
  }

  private async request(task: CodeTask, s: CheckedSample): Promise<RunRequest> {
    const code = task.language === 'typescript' ? (await this.parse_()).stripTypes(s.program) : s.program;
    return { language: task.language === 'python' ? 'python' : 'javascript', code, entry: s.entry, tests: task.tests, timeoutMs: RUN_TIMEOUT_MS };
  }

  private async parse(program: string, language: CheckLanguage): Promise<ParseOutcome> {
    if (language === 'python') return (await this.sandbox()).compilePython(program);
    return (await this.parse_()).parseScript(program, language);
  }

  private parse_(): Promise<typeof import('../check/parse.ts')> {
    this.parser ??= import('../check/parse.ts');
    return this.parser;
  }

  private async sandbox(): Promise<SandboxLike> {
    if (!this.sandboxInstance) {
      const s = await this.makeSandbox();
      s.onProgress = (p) => (this.pythonLoad = p);
      this.sandboxInstance = s;
    }
    return this.sandboxInstance;
  }
}
