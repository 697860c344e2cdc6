/**
 * `eval` of a large whitespace text on two threads: a helper thread (a worker running this same program) reads the
 * text into token ids while the main thread reads and checks the model, and then both score runs of sentences. On
 * Brown's test ×10 (1.2 M tokens, a 35 MB model) a fresh process spent about 100 ms starting, 120 ms reading and
 * checking the model, 75 ms reading the text into ids and 280 ms scoring, all on one core of two (issue 13: at most
 * 2 × KenLM's `query`, load included).
 *
 *   main:   start helper │ read model ─┬─ read texts ─┬─ check model (checksum, arrays) ─┐ ids ─ score runs ─ sum
 *   helper: (booting) ───┴─ model, unchecked; byte index ┴─ texts into ids ─────────────┴─ score runs ──┘
 *
 * - **Nothing is copied.** The model file, the texts and the ids live in SharedArrayBuffers; a model's arrays are views
 *   into its file (lm/format.ts), so the helper reads the very bytes the main thread checks.
 * - **Nothing unchecked is used.** The helper reads the model without its checksum and array checks (`verify: false`),
 *   but its ids and scores are used only once the main thread's check of the same bytes has passed; if it fails, the
 *   command ends with that error and the helper with it.
 * - **The figures do not depend on the threads.** Scores are summed run by run (about 64 k tokens each, cut where the
 *   sentences allow, lm/evaluate.ts `sentenceRuns`), in order, whoever scored each run, with a helper or without.
 * - **A helper that fails costs time, not the answer:** the main thread reads the text itself, or scores the runs
 *   the helper took and did not report.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  addSums,
  emptySums,
  type EvalSums,
  scoreSentences,
  type SentenceIds,
  sentenceRuns,
  whitespaceSentenceIds,
} from '../lm/evaluate.ts';
import { deserializeModel } from '../lm/format.ts';
import type { NgramModel } from '../lm/model.ts';

/** Marks a worker thread started as the helper (workerData.role). */
const ROLE = 'codegram-eval-helper';
/** Tokens per run of sentences: about 15 ms of scoring, so the two threads finish close together. */
export const RUN_TOKENS = 1 << 16;
/** Text below which the helper's start (about 65 ms of the other core, and 30 ms of its own set-up) buys nothing. */
const MIN_TEXT_BYTES = 1 << 20;

/** Messages to the helper, in this order. */
export type ToHelper = { kind: 'model'; file: Uint8Array } | { kind: 'texts'; documents: Uint8Array[]; accuracy: boolean };

export type FromHelper =
  | { kind: 'ids'; ids: Int32Array; ends: Int32Array; next: Int32Array }
  | { kind: 'run'; index: number; sums: EvalSums }
  | { kind: 'idle' }
  | { kind: 'unsupported' }
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

const isShared = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;

/** The main thread's side of the helper. */
export class EvalHelper {
  private readonly runs = new Map<number, EvalSums>();
  private ids: Promise<(SentenceIds & { next: Int32Array }) | null>;
  private gotIds!: (ids: (SentenceIds & { next: Int32Array }) | null) => void;
  /** Set once it is idle, has failed or has stopped: it will report nothing more. */
  private finished = false;
  private changed: (() => void) | null = null;
  private sent = 0;

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
    this.ids = new Promise((resolve) => (this.gotIds = resolve));
    const finish = () => {
      this.finished = true;
      this.gotIds(null);
      this.changed?.();
    };
    worker.on('message', (m: FromHelper) => {
      if (m.kind === 'ids') this.gotIds(m);
      else if (m.kind === 'run') this.runs.set(m.index, m.sums);
      else finish();
      this.changed?.();
    });
    worker.on('error', finish);
    worker.on('exit', finish);
  }

  /** Sends the model file, when the helper can share it: a Codegram file read whole into shared memory. */
  sendModel(file: Uint8Array): boolean {
    if (this.sent !== 0 || !isShared(file) || file.byteOffset !== 0 || file.byteLength !== file.buffer.byteLength) return false;
    this.worker.postMessage({ kind: 'model', file } satisfies ToHelper);
    this.sent = 1;
    return true;
  }

  /** Sends the texts (checked UTF-8 in shared memory), after the model. */
  sendTexts(documents: Uint8Array[], accuracy: boolean): boolean {
    if (this.sent !== 1 || !documents.every(isShared)) return false;
    this.worker.postMessage({ kind: 'texts', documents, accuracy } satisfies ToHelper);
    this.sent = 2;
    return true;
  }

  /** The texts' ids and the run counter from the helper, or null when it will not give them (then read them here). */
  sentenceIds(): Promise<(SentenceIds & { next: Int32Array }) | null> {
    return this.sent === 2 ? this.ids : Promise.resolve(null);
  }

  /** Waits until every run in `wanted` is reported or the helper reports nothing more; gives what it has. */
  async reported(wanted: readonly number[]): Promise<Map<number, EvalSums>> {
    const done = () => this.finished || wanted.every((r) => this.runs.has(r));
    if (!done()) {
      await new Promise<void>((resolve) => {
        this.changed = () => {
          if (done()) resolve();
        };
      });
      this.changed = null;
    }
    return this.runs;
  }

  /** Ends the helper: eval calls this in a finally, whatever happened (a helper kept alive would keep the command alive). */
  stop(): void {
    void this.worker.terminate();
  }
}

/**
 * Scores whitespace `documents` (checked UTF-8) with `model` (checked), with the helper's ids and runs when it has
 * them. Returns the sums, the number of runs and how many the helper scored and the main thread had to redo.
 */
export async function evaluateWhitespace(
  model: NgramModel,
  documents: readonly Uint8Array[],
  accuracy: boolean,
  helper: EvalHelper | null,
): Promise<{ sums: EvalSums; runs: number; byHelper: number; rescued: number }> {
  const fromHelper = helper ? await helper.sentenceIds() : null;
  const s = fromHelper ?? whitespaceSentenceIds(model.vocab, documents, model.info.lines);
  const cuts = sentenceRuns(s, RUN_TOKENS);
  const n = cuts.length - 1;
  const next = fromHelper?.next ?? new Int32Array(1);
  const sums: (EvalSums | undefined)[] = new Array(n);
  for (let r = Atomics.add(next, 0, 1); r < n; r = Atomics.add(next, 0, 1)) sums[r] = scoreSentences(model, s, cuts[r], cuts[r + 1], accuracy);
  let byHelper = 0;
  if (helper && fromHelper) {
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
      part = scoreSentences(model, s, cuts[r], cuts[r + 1], accuracy);
      rescued++;
    }
    addSums(total, part);
  }
  return { sums: total, runs: n, byHelper, rescued };
}

/** The helper's side: the model (unchecked: see above), the texts into ids, then runs until none is left. */
export function serveAsEvalHelper(): void {
  const port = parentPort!;
  let model: NgramModel | null = null;
  const post = (m: FromHelper) => port.postMessage(m);
  port.on('message', (m: ToHelper) => {
    try {
      if (m.kind === 'model') {
        // With its byte index (lazyStrings), made now while the main thread reads the texts.
        model = deserializeModel(m.file.buffer, { lazyStrings: true, verify: false });
        if (model.info.tokenizer !== 'whitespace') post({ kind: 'unsupported' });
        return;
      }
      if (!model || model.info.tokenizer !== 'whitespace') return;
      const own = whitespaceSentenceIds(model.vocab, m.documents, model.info.lines);
      const s = { ids: sharedCopy(own.ids), ends: sharedCopy(own.ends) };
      const next = new Int32Array(new SharedArrayBuffer(4));
      post({ kind: 'ids', ...s, next });
      const cuts = sentenceRuns(s, RUN_TOKENS);
      for (let r = Atomics.add(next, 0, 1); r < cuts.length - 1; r = Atomics.add(next, 0, 1)) {
        post({ kind: 'run', index: r, sums: scoreSentences(model, s, cuts[r], cuts[r + 1], m.accuracy) });
      }
      post({ kind: 'idle' });
    } catch (e) {
      post({ kind: 'error', message: (e as Error).message });
    }
  });
}

function sharedCopy(a: Int32Array): Int32Array {
  const s = new Int32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}
