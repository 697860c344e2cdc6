/**
 * The build pipeline, pure and testable in Node: corpora → tokens → counts → base and code models → λ.
 *
 * Input:  a CorpusAccess (fetch in the browser, files in Node; both hand over gzip bytes as a stream that
 *         is decompressed on the fly with DecompressionStream and parsed as JSON Lines), BuildSettings.
 * Output: BuiltModels: the base model (general corpora, train split), one code model per data fraction
 *         (code corpora, train split), λ fitted by EM on the held-out code files for each fraction.
 *
 * Cooperative scheduling: the training generators are driven in slices of about SLICE_MS, and the
 * pipeline yields to the event loop between slices, so a worker's message handler runs (a cancel, a new
 * build, a query against the previous models) and `signal.aborted` is checked. Progress goes out at most
 * every PROGRESS_MS and at every stage change; its overall `fraction` never decreases.
 *
 * Data fraction design. The code training files are put in a fixed pseudo-random order (hash of the path)
 * and tokenized once into one stream with one vocabulary. The model for fraction f is counted and
 * estimated from the prefix of that stream that ends at the first file boundary after f of its tokens,
 * with the shared vocabulary (tokens of later files get count zero: KN gives them only the uniform share
 * of the lowest order, like <unk>). So every fraction model has the same ids, one union vocabulary serves
 * them all, and moving the fraction control is a change of mixture weights: no work at all.
 * The cost is building them: Σ FRACTIONS = 1.875 code builds (counting and estimating; tokenizing once).
 */
import { parseBundle, type CorpusRecord } from '../corpus/bundle.ts';
import { MixtureModel, fitLambda, mixtureLog2 } from '../lm/mixture.ts';
import type { NgramModel } from '../lm/model.ts';
import { sentencesOf } from '../lm/text.ts';
import { modelFromStream, tokenizeSteps, trainSteps, type TrainProgress } from '../lm/train.ts';
import { EOS, type TokenId, type TokenizerName } from '../lm/types.ts';
import { Vocab } from '../lm/vocab.ts';
import type { BuildSettings, BuildStage, CorpusKind, ErrorCode } from './protocol.ts';

/** Fractions of the code corpus with a model of their own (0 is the base model alone). */
export const FRACTIONS: readonly number[] = [0.125, 0.25, 0.5, 1];
/** Base and code models read text the same way, so their ids can be mixed. */
export const TEXT_OPTIONS = { tokenizer: 'code' as TokenizerName, lines: false };
export const SLICE_MS = 25;
export const PROGRESS_MS = 100;
/** Bumped whenever the pipeline changes what it builds (part of the cache key). */
export const PIPELINE_VERSION = 1;

export interface CorpusEntry {
  id: string;
  kind: CorpusKind;
  file: string;
  sha256: string;
  gzipBytes?: number;
}

export interface CorpusManifest {
  corpora: CorpusEntry[];
}

/** Where corpora come from. `open` returns the gzip-compressed JSON Lines bytes of one file. */
export interface CorpusAccess {
  manifest(): Promise<CorpusManifest>;
  open(file: string): Promise<ReadableStream<Uint8Array>>;
}

/** Corpora served next to the site: `<base>manifest.json`, `<base>english.jsonl.gz`, … */
export function fetchAccess(base: string, fetchFn: typeof fetch = fetch): CorpusAccess {
  const get = async (file: string) => {
    const url = new URL(file, base).href;
    let res: Response;
    try {
      res = await fetchFn(url);
    } catch (e) {
      throw new BuildError('network', `could not fetch ${url}: ${(e as Error).message}`);
    }
    if (!res.ok || !res.body) throw new BuildError('network', `could not fetch ${url}: HTTP ${res.status}`);
    return res;
  };
  return {
    manifest: async () => checkManifest(await (await get('manifest.json')).json(), new URL('manifest.json', base).href),
    open: async (file) => (await get(file)).body as ReadableStream<Uint8Array>,
  };
}

export function checkManifest(value: unknown, source: string): CorpusManifest {
  const corpora = (value as { corpora?: unknown })?.corpora;
  if (!Array.isArray(corpora)) throw new BuildError('bad-input', `${source}: no "corpora" list`);
  for (const c of corpora as Partial<CorpusEntry>[]) {
    if (typeof c.id !== 'string' || typeof c.file !== 'string' || typeof c.sha256 !== 'string' || (c.kind !== 'general' && c.kind !== 'code')) {
      throw new BuildError('bad-input', `${source}: a corpus entry lacks id, file, sha256 or kind ("general" or "code")`);
    }
  }
  return { corpora: corpora as CorpusEntry[] };
}

export class BuildError extends Error {
  override name = 'BuildError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface BuildProgress {
  stage: BuildStage;
  detail: string;
  /** Overall, 0..1, never decreasing within one build. */
  fraction: number;
  stageFraction: number;
  tokensPerSecond: number;
}

export interface BuildHooks {
  onProgress?: (p: BuildProgress) => void;
  signal?: AbortSignal;
  /** Receives the loaded texts before training (the analysis views keep what they need of them). */
  onTexts?: (texts: Texts) => void;
}

export interface CodeFraction {
  fraction: number;
  model: NgramModel;
  fittedLambda: number;
  heldOutBitsPerToken: number;
}

export interface BuiltModels {
  base: NgramModel;
  code: CodeFraction[];
  heldOutTokens: number;
  baseHeldOutBitsPerToken: number;
}

/** Streams one gzip JSON Lines file into records, decompressing and parsing as the bytes arrive. */
export async function* readRecords(stream: ReadableStream<Uint8Array>, source: string, onBytes?: (compressed: number) => void): AsyncGenerator<CorpusRecord[]> {
  let compressed = 0;
  const counted = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        compressed += chunk.byteLength;
        onBytes?.(compressed);
        controller.enqueue(chunk);
      },
    }),
  );
  const inflated = await gunzipIfCompressed(counted);
  const text = inflated.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>);
  const reader = text.getReader();
  let rest = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = rest + value;
      const cut = chunk.lastIndexOf('\n');
      if (cut < 0) {
        rest = chunk;
        continue;
      }
      rest = chunk.slice(cut + 1);
      yield parseBundle(chunk.slice(0, cut), source);
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(source)) throw new BuildError('bad-input', e.message);
    throw new BuildError('bad-input', `${source}: could not decompress or parse (${(e as Error).message})`);
  }
  if (rest.trim() !== '') yield parseBundle(rest, source);
}

/**
 * Decompresses a gzip stream, or passes it through when it is not gzip: some static servers (Vite's
 * preview among them) send `.gz` files with `Content-Encoding: gzip`, so the browser has already inflated them.
 */
async function gunzipIfCompressed(stream: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const first = await reader.read();
  const replay = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(first.value);
    },
    async pull(controller) {
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const gzip = !first.done && first.value[0] === 0x1f && first.value[1] === 0x8b;
  // The DOM typings declare these transforms over BufferSource; the chunks are Uint8Array here.
  return gzip ? replay.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>) : replay;
}

/** Orders code files by a hash of their path: every fraction gets a mix of languages and packages. */
export function fractionOrder(paths: readonly string[]): number[] {
  const keyed = paths.map((p, i) => ({ i, h: fnv1a(p), p }));
  keyed.sort((a, b) => a.h - b.h || (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
  return keyed.map((k) => k.i);
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Stream positions just after the file (sentence) that crosses each fraction of the tokens. */
export function fractionCuts(stream: Int32Array, fractions: readonly number[]): { end: number; tokens: number }[] {
  const ends: { end: number; tokens: number }[] = [];
  let tokens = 0;
  for (let i = 0; i < stream.length; i++) {
    if (stream[i] === EOS) ends.push({ end: i + 1, tokens });
    else if (stream[i] !== 1) tokens++;
  }
  const total = tokens;
  return fractions.map((f) => ends.find((e) => e.tokens >= f * total) ?? ends[ends.length - 1] ?? { end: 0, tokens: 0 });
}

/** Drives a generator in time slices, yielding to the event loop between them. */
class Scheduler {
  private sliceStart = performance.now();
  constructor(private readonly signal?: AbortSignal) {}

  check(): void {
    if (this.signal?.aborted) throw new BuildError('cancelled', 'the build was cancelled');
  }

  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.check();
    this.sliceStart = performance.now();
  }

  async drive<P, T>(gen: Generator<P, T>, onStep: (p: P) => void): Promise<T> {
    for (;;) {
      this.check();
      const r = gen.next();
      if (r.done) return r.value;
      onStep(r.value);
      await this.pause();
    }
  }
}

/** Overall progress: each stage owns a span of [0, 1]. */
class ProgressMeter {
  private last = 0;
  private lastSent = -Infinity;
  private stage: BuildStage | null = null;
  private stageStarted = performance.now();

  constructor(private readonly onProgress?: (p: BuildProgress) => void) {}

  report(stage: BuildStage, detail: string, from: number, to: number, stageFraction: number, tokens = 0): void {
    const now = performance.now();
    const changed = stage !== this.stage;
    if (changed) {
      this.stage = stage;
      this.stageStarted = now;
    }
    const f = Math.max(0, Math.min(1, stageFraction));
    this.last = Math.max(this.last, from + (to - from) * f);
    if (!changed && f < 1 && now - this.lastSent < PROGRESS_MS) return;
    this.lastSent = now;
    const seconds = (now - this.stageStarted) / 1000;
    this.onProgress?.({ stage, detail, fraction: this.last, stageFraction: f, tokensPerSecond: seconds > 0 ? tokens / seconds : 0 });
  }
}

export interface Texts {
  general: string[];
  code: { path: string; text: string }[];
  heldOut: string[];
  /** For the analysis views (src/analysis/): paths of `general`, the held-out English, the language of each `heldOut` file. */
  generalPaths?: string[];
  heldOutGeneral?: string[];
  heldOutLangs?: string[];
}

async function loadTexts(access: CorpusAccess, settings: BuildSettings, scheduler: Scheduler, meter: ProgressMeter): Promise<{ texts: Texts; manifest: CorpusManifest }> {
  const manifest = await access.manifest();
  scheduler.check();
  const wanted = manifest.corpora.filter((c) => settings.useDefaults[c.kind]);
  const totalBytes = wanted.reduce((s, c) => s + (c.gzipBytes ?? 0), 0);
  const texts: Texts = { general: [], code: [], heldOut: [], generalPaths: [], heldOutGeneral: [], heldOutLangs: [] };
  let doneBytes = 0;
  for (const c of wanted) {
    const stream = await access.open(c.file);
    for await (const records of readRecords(stream, c.file, (b) => {
      // Bytes may arrive already inflated by the server (see gunzipIfCompressed): never report past this file.
      meter.report('download', c.file, 0, 0.1, totalBytes > 0 ? (doneBytes + Math.min(b, c.gzipBytes ?? 0)) / totalBytes : 0);
    })) {
      for (const r of records) {
        if (c.kind === 'general') {
          if (r.split === 'train') {
            texts.general.push(r.text);
            texts.generalPaths?.push(r.path);
          } else texts.heldOutGeneral?.push(r.text);
        } else if (r.split === 'train') texts.code.push({ path: r.path, text: r.text });
        else {
          texts.heldOut.push(r.text);
          texts.heldOutLangs?.push(r.lang);
        }
      }
      await scheduler.pause();
    }
    doneBytes += c.gzipBytes ?? 0;
  }
  for (const u of settings.uploads) {
    for (const f of u.files) {
      if (u.kind === 'general') {
        texts.general.push(f.text);
        texts.generalPaths?.push(`${u.id}/${f.path}`);
      } else texts.code.push({ path: `${u.id}/${f.path}`, text: f.text });
    }
  }
  if (texts.general.length === 0) throw new BuildError('bad-input', 'no general (English) text to pretrain the base model on');
  if (texts.code.length === 0) throw new BuildError('bad-input', 'no code to fine-tune on');
  meter.report('download', 'done', 0, 0.1, 1);
  return { texts, manifest };
}

/**
 * Builds the base model, the code models at every fraction, and fits λ for each.
 * Rejects with BuildError('cancelled') soon after `hooks.signal` aborts.
 */
export async function buildModels(access: CorpusAccess, settings: BuildSettings, hooks: BuildHooks = {}): Promise<BuiltModels> {
  const scheduler = new Scheduler(hooks.signal);
  const meter = new ProgressMeter(hooks.onProgress);
  const { texts } = await loadTexts(access, settings, scheduler, meter);
  hooks.onTexts?.(texts);
  return buildWith(texts, settings.order, scheduler, meter);
}

/** Only the texts of a build (the analysis views, after models came from the cache). */
export async function loadCorpusTexts(access: CorpusAccess, settings: BuildSettings, hooks: BuildHooks = {}): Promise<Texts> {
  return (await loadTexts(access, settings, new Scheduler(hooks.signal), new ProgressMeter(hooks.onProgress))).texts;
}

/** The same build from texts already in memory (tests, the bench). */
export function buildFromTexts(texts: Texts, order: number, hooks: BuildHooks = {}): Promise<BuiltModels> {
  return buildWith(texts, order, new Scheduler(hooks.signal), new ProgressMeter(hooks.onProgress));
}

async function buildWith(texts: Texts, order: number, s: Scheduler, m: ProgressMeter): Promise<BuiltModels> {
  const options = { ...TEXT_OPTIONS, order };
  const stageFraction = (p: TrainProgress) => (p.stage === 'tokenize' ? 0.5 * p.fraction : p.stage === 'count' ? 0.5 + 0.4 * p.fraction : 0.9 + 0.1 * p.fraction);

  // Base model: general text, train split.
  const base = await s.drive(trainSteps(texts.general, options), (p) => m.report('base', p.stage, 0.1, 0.45, stageFraction(p), p.tokens));

  // Code: one tokenization, then one model per fraction of the stream.
  const orderIdx = fractionOrder(texts.code.map((c) => c.path));
  const codeDocs = orderIdx.map((i) => texts.code[i].text);
  const vocab = new Vocab();
  const growable = await s.drive(tokenizeSteps(codeDocs, vocab, TEXT_OPTIONS), (p) => m.report('code', 'tokenize', 0.45, 0.55, p.fraction, p.tokens));
  const stream = growable.view();
  const cuts = fractionCuts(stream, FRACTIONS);
  const weightOf = FRACTIONS.map((f) => f / FRACTIONS.reduce((a, b) => a + b, 0));
  let spanFrom = 0.55;
  const models: NgramModel[] = [];
  for (let j = 0; j < FRACTIONS.length; j++) {
    const spanTo = spanFrom + 0.35 * weightOf[j];
    const from = spanFrom;
    const label = `${FRACTIONS[j] * 100}% of the code`;
    const model = await s.drive(modelFromStream(stream.subarray(0, cuts[j].end), vocab, options, cuts[j].tokens), (p) =>
      m.report('code', label, from, spanTo, p.stage === 'count' ? 0.8 * p.fraction : 0.8 + 0.2 * p.fraction, p.tokens),
    );
    models.push(model);
    spanFrom = spanTo;
  }

  // λ per fraction by EM on the held-out code files.
  m.report('fit', 'held-out code', 0.9, 1, 0);
  const fit = await fitAll(base, models, texts.heldOut, s, (f) => m.report('fit', 'held-out code', 0.9, 1, f, 0));
  m.report('fit', 'held-out code', 0.9, 1, 1);
  return {
    base,
    code: models.map((model, j) => ({ fraction: FRACTIONS[j], model, fittedLambda: fit.lambdas[j], heldOutBitsPerToken: fit.bits[j] })),
    heldOutTokens: fit.tokens,
    baseHeldOutBitsPerToken: fit.baseBits,
  };
}

/** Per-token probabilities of the held-out code under the base and each code model, then EM for each. */
export async function fitAll(
  base: NgramModel,
  codes: readonly NgramModel[],
  heldOut: readonly string[],
  scheduler?: { pause(): Promise<void> },
  onFraction?: (fraction: number) => void,
): Promise<{ lambdas: number[]; bits: number[]; baseBits: number; tokens: number; probabilities: { base: Float64Array; code: Float64Array[] } }> {
  const { base: pBase, code: pCode } = await heldOutProbabilities(base, codes, heldOut, scheduler, (f) => onFraction?.(0.8 * f));
  if (pBase.length === 0) {
    // No held-out code: no evidence either way, an even blend.
    return { lambdas: codes.map(() => 0.5), bits: codes.map(() => NaN), baseBits: NaN, tokens: 0, probabilities: { base: pBase, code: pCode } };
  }
  const fits = [];
  for (const pc of pCode) {
    fits.push(fitLambda(pc, pBase));
    onFraction?.(0.8 + (0.2 * fits.length) / pCode.length);
    await scheduler?.pause();
  }
  return {
    lambdas: fits.map((f) => f.lambda),
    bits: fits.map((f) => -f.meanLog2),
    baseBits: -mixtureLog2(pBase, pBase, 0),
    tokens: pBase.length,
    probabilities: { base: pBase, code: pCode },
  };
}

/**
 * Per-token probabilities (every token plus </s> of each document) of `docs` under the base and each code
 * model, in the union vocabulary of their mixture: what EM fits λ on, and what the analysis views'
 * curves and tables are computed from.
 */
export async function heldOutProbabilities(
  base: NgramModel,
  codes: readonly NgramModel[],
  docs: readonly string[],
  scheduler?: { pause(): Promise<void> },
  onFraction?: (fraction: number) => void,
): Promise<{ base: Float64Array; code: Float64Array[] }> {
  const mixture = new MixtureModel([base, ...codes], [1, ...codes.map(() => 0)]);
  const vocab = mixture.vocab;
  await scheduler?.pause();
  const pieces: { base: Float64Array; code: Float64Array[] }[] = [];
  for (let d = 0; d < docs.length; d++) {
    onFraction?.(d / docs.length);
    for (const sentence of sentencesOf(docs[d], TEXT_OPTIONS)) {
      const ids: TokenId[] = sentence.map((t) => vocab.id(t));
      pieces.push({ base: mixture.componentProbabilities(0, ids, { eos: true }), code: codes.map((_, j) => mixture.componentProbabilities(j + 1, ids, { eos: true })) });
    }
    await scheduler?.pause();
  }
  return { base: concat(pieces.map((p) => p.base)), code: codes.map((_, j) => concat(pieces.map((p) => p.code[j]))) };
}

/** Joins typed arrays end to end. */
export function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
