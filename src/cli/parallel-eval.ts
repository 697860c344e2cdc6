/**
 * `eval` of a large text on two threads. On Brown's test ×10 (1.2 M tokens, a 35 MB model) a fresh process spent
 * about 100 ms starting, 120 ms reading and checking the model, 75 ms reading the text into ids and 280 ms scoring,
 * all on one core of two (issue 13: at most 2 × KenLM's `query`, load included). Now a helper thread (a worker
 * running this same program) takes the model's checksum, half of its checks and half of the scoring:
 *
 *   main:   start helper │ read model ─┬─ read texts ─ check ranges, index ─ texts into ids ─┬─ score runs ─┬─ checked? ─ sum
 *   helper: (booting, ~100 ms) ───────┴─ checksum, check values ─────────────────────────┴─ score runs ─┘
 *
 * - **Nothing is copied.** The model file is read into a SharedArrayBuffer and a model's arrays are views into its
 *   file (lm/format.ts), so the helper reads and checks the very bytes the main thread uses; the text's ids are
 *   written into shared memory as they are read (copying Brown's 1.2 M ids there took 16–17 ms in a fresh process).
 * - **Nothing unchecked is reported.** The main thread checks what keeps every query in range (lengths, word ids,
 *   child offsets) and indexes the vocabulary (refusing a duplicate token); the helper takes the checksum and checks
 *   the values (probabilities, backoffs, the count overflow table). The figures are printed only once both passed,
 *   and a refused model ends the command with the message a one-thread read gives (the main thread reads it again
 *   in full to word any error of its own).
 * - **The figures do not depend on the threads.** Scores are summed run by run (about 64 k tokens each, cut where the
 *   sentences allow, lm/evaluate.ts `sentenceRuns`), in order, whoever scored each run, with a helper or without.
 * - **A helper that fails costs time, not the answer:** the main thread then makes its checks itself and scores
 *   the runs the helper took and did not report.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { addSums, emptySums, type EvalSums, scoreSentences, type SentenceIds, sentenceRuns } from '../lm/evaluate.ts';
import { deserializeModel, ModelFormatError } from '../lm/format.ts';
import type { NgramModel } from '../lm/model.ts';

/** Marks a worker thread started as the helper (workerData.role). */
const ROLE = 'codegram-eval-helper';
/** Tokens per run of sentences: about 15 ms of scoring, so the two threads finish close together. */
export const RUN_TOKENS = 1 << 16;
/** Text below which the helper (about 100 ms to start, on the other core) buys nothing. */
const MIN_TEXT_BYTES = 1 << 20;

/** Messages to the helper, in this order (`ids` only for a whitespace text). */
export type ToHelper = { kind: 'model'; file: Uint8Array } | { kind: 'ids'; ids: Int32Array; ends: Int32Array; next: Int32Array; accuracy: boolean };

export type FromHelper =
  | { kind: 'checked' }
  | { kind: 'refused'; message: string }
  | { kind: 'run'; index: number; sums: EvalSums }
  | { kind: 'idle' }
  | { kind: 'error'; message: string };

/** Whether this thread is the helper (main.ts then serves as one instead of running a command). */
export function isEvalHelper(): boolean {
  return !isMainThread && (workerData as { role?: string } | null)?.role === ROLE;
}

/**
 * A file's bytes in a SharedArrayBuffer of their own, which the helper then reads without a copy. Throws as
 * readFileSync does (the caller words the message).
 */
export function readFileShared(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const n = readSync(fd, bytes, at, size - at, at);
      if (n === 0) break; // the file shrank meanwhile: what was read
      at += n;
    }
    return at === size ? bytes : bytes.slice(0, at);
  } finally {
    closeSync(fd);
  }
}

/** `a` in shared memory: itself when it is there already (whitespaceSentenceIds can write it there), else a copy. */
function inShared(a: Int32Array): Int32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Int32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/** The main thread's side of the helper. */
export class EvalHelper {
  private readonly runs = new Map<number, EvalSums>();
  /** The verdict of its checks: null when passed, the error's message when refused, undefined until known. */
  private verdict: string | null | undefined;
  /** Set once it is idle, has failed or has stopped: it will report nothing more. */
  private finished = false;
  private changed: (() => void) | null = null;
  /** Whether it was given the model file to check. */
  private checking = false;

  /**
   * The helper for scoring `textBytes` bytes of text, or null when it is not worth starting: a small text, one core,
   * no worker threads. `entry` is the program it runs, this one (main.ts's module URL: the bundle, dist-cli/cli.mjs).
   * Started before the model is read, so it boots meanwhile.
   */
  static start(entry: URL, textBytes: number, always = false): EvalHelper | null {
    if (!always && (availableParallelism() < 2 || textBytes < MIN_TEXT_BYTES)) return null;
    try {
      return new EvalHelper(new Worker(entry, { workerData: { role: ROLE } }));
    } catch {
      return null; // the main thread does it all
    }
  }

  constructor(private readonly worker: Worker) {
    const finish = () => {
      this.finished = true;
      this.changed?.();
    };
    worker.on('message', (m: FromHelper) => {
      if (m.kind === 'checked') this.verdict = null;
      else if (m.kind === 'refused') this.verdict = m.message;
      else if (m.kind === 'run') this.runs.set(m.index, m.sums);
      else return finish();
      this.changed?.();
    });
    worker.on('error', finish);
    worker.on('exit', finish);
  }

  /**
   * Gives it the model file to take the checksum of, when it can share it: a Codegram file read whole into shared
   * memory. Whether it took it: `takesChecks`.
   */
  checkModel(file: Uint8Array): void {
    if (this.checking || !(file.buffer instanceof SharedArrayBuffer) || file.byteOffset !== 0 || file.byteLength !== file.buffer.byteLength) return;
    this.worker.postMessage({ kind: 'model', file } satisfies ToHelper);
    this.checking = true;
  }

  /** Whether it takes the checksum and the values (then read the model without them, and ask `checksError` later). */
  get takesChecks(): boolean {
    return this.checking;
  }

  /**
   * Gives it the text's ids (in shared memory: copied there unless they are) and the counter of `runs`, to score runs
   * with this thread. Only once it `takesChecks`: it scores with the model it was given to check.
   */
  share(s: SentenceIds, accuracy: boolean): { ids: SentenceIds; next: Int32Array } {
    const ids = { ids: inShared(s.ids), ends: inShared(s.ends) };
    const next = new Int32Array(new SharedArrayBuffer(4));
    this.worker.postMessage({ kind: 'ids', ...ids, next, accuracy } satisfies ToHelper);
    return { ids, next };
  }

  /**
   * The verdict of its checks (the checksum, the values): null when they passed, the error's message when they did
   * not, undefined when the helper failed before it knew (then check here).
   */
  async checksError(): Promise<string | null | undefined> {
    await this.until(() => this.verdict !== undefined);
    return this.verdict;
  }

  /** The runs in `wanted` it reported, once all are in or it reports nothing more. */
  async reported(wanted: readonly number[]): Promise<Map<number, EvalSums>> {
    await this.until(() => wanted.every((r) => this.runs.has(r)));
    return this.runs;
  }

  private async until(done: () => boolean): Promise<void> {
    if (done() || this.finished) return;
    await new Promise<void>((resolve) => {
      this.changed = () => {
        if (done() || this.finished) resolve();
      };
    });
    this.changed = null;
  }

  /** Ends it: eval calls this in a finally, whatever happened (a live helper would keep the command alive). */
  stop(): void {
    void this.worker.terminate();
  }
}

/**
 * Scores sentences `s` with `model` run by run, sharing the runs with `helper` (which must have the model to check)
 * when given. Returns the sums, the number of runs, and how many the helper scored and this thread had to redo.
 */
export async function scoreInRuns(
  model: NgramModel,
  s: SentenceIds,
  accuracy: boolean,
  helper: EvalHelper | null,
): Promise<{ sums: EvalSums; runs: number; byHelper: number; rescued: number }> {
  const shared = helper?.takesChecks ? helper.share(s, accuracy) : null;
  const ids = shared?.ids ?? s;
  const cuts = sentenceRuns(ids, RUN_TOKENS);
  const n = cuts.length - 1;
  const next = shared?.next ?? new Int32Array(1);
  const sums: (EvalSums | undefined)[] = new Array(n);
  for (let r = Atomics.add(next, 0, 1); r < n; r = Atomics.add(next, 0, 1)) sums[r] = scoreSentences(model, ids, cuts[r], cuts[r + 1], accuracy);
  let byHelper = 0;
  if (helper && shared) {
    const missing = [...sums.keys()].filter((r) => !sums[r]);
    const reported = await helper.reported(missing);
    for (const r of missing) {
      const got = reported.get(r);
      if (got) {
        sums[r] = got;
        byHelper++;
      }
    }
  }
  const total = emptySums(accuracy);
  let rescued = 0;
  for (let r = 0; r < n; r++) {
    let part = sums[r];
    if (!part) {
      part = scoreSentences(model, ids, cuts[r], cuts[r + 1], accuracy);
      rescued++;
    }
    addSums(total, part);
  }
  return { sums: total, runs: n, byHelper, rescued };
}

/** The helper's side: the model's checksum, then runs until none is left. */
export function serveAsEvalHelper(): void {
  const port = parentPort!;
  let model: NgramModel | null = null;
  const post = (m: FromHelper) => port.postMessage(m);
  port.on('message', (m: ToHelper) => {
    try {
      if (m.kind === 'model') {
        try {
          // The checksum and the values, and the header again; the ranges and the vocabulary's index are the main
          // thread's (a model that only scores ids needs no index). Its ranges unchecked here, this model scores only
          // the ids the main thread sends once its own checks of the same bytes have passed.
          model = deserializeModel(m.file.buffer, { checkRanges: false, indexVocabulary: false, lazyStrings: true });
          post({ kind: 'checked' });
        } catch (e) {
          if (!(e instanceof ModelFormatError)) throw e;
          post({ kind: 'refused', message: e.message });
        }
        return;
      }
      if (!model) return post({ kind: 'idle' });
      const cuts = sentenceRuns(m, RUN_TOKENS);
      for (let r = Atomics.add(m.next, 0, 1); r < cuts.length - 1; r = Atomics.add(m.next, 0, 1)) {
        post({ kind: 'run', index: r, sums: scoreSentences(model, m, cuts[r], cuts[r + 1], m.accuracy) });
      }
      post({ kind: 'idle' });
    } catch (e) {
      post({ kind: 'error', message: (e as Error).message });
    }
  });
}
