/**
 * The analysis views' computations for one ModelSet: the fine-tuning curve, the naturalness table and "why this
 * suggestion", computed on request. The worker makes a new Analysis for every new set of base and full code models
 * and disposes of the old one, which stops its running jobs; the same models with their data-fraction models added
 * keep theirs (`extend`), so a naturalness table under way when the fraction models arrive is not lost.
 *
 * What it keeps, prepared once on the first request (in slices, so queries keep being answered):
 *  - the English and code training streams as CorpusIndex (4 bytes per token; ≈ 14.6 MB on the default
 *    corpora), in the base and code models' own vocabularies;
 *  - the held-out files with their language (≈ 1.1 MB of text on the default corpora);
 *  - results, once computed (the curve, the naturalness table).
 * The training texts themselves are dropped once indexed. When the models came from the IndexedDB cache the
 * texts are loaded again from the corpora (the browser's HTTP cache usually has them).
 */
import { atFraction, heldOutProbabilities } from '../build/fit.ts';
import { heldOutPart } from '../build/held-out.ts';
import type { ModelKind, ModelSet } from '../build/model-set.ts';
import { Scheduler } from '../build/scheduler.ts';
import { TEXT_OPTIONS } from '../build/settings.ts';
import type { CodeFile, Texts } from '../build/texts.ts';
import { CodegramError } from '../lm/errors.ts';
import { getTokenizer } from '../lm/tokenizer.ts';
import { Vocab } from '../lm/vocab.ts';
import { codeGroupOf } from '../corpus/types.ts';
import type { BuildStreams } from '../build/staged.ts';
import { indexBytes, indexFromStreams, indexSteps, findContinuations, type ContinuationReport, type CorpusIndex } from './corpus-index.ts';
import { fineTuningCurve, type FineTuningCurve } from './curve.ts';
import { naturalness, type HeldOutFile, type NaturalnessTable } from './naturalness.ts';

export interface AnalysisData {
  english: CorpusIndex;
  /** All code files, every group, in one vocabulary (the union of the groups' vocabularies). */
  code: CorpusIndex;
  /** The held-out English and the test part of the held-out code, `lang` the file's code group (held-out.ts). */
  heldOut: HeldOutFile[];
  /** The fit part of the held-out code: what mixture weights are fitted on. */
  fitHeldOut: HeldOutFile[];
  /** Bytes of the two token streams and their file offsets. */
  indexBytes: number;
  prepareMs: number;
}

export interface WhyReport {
  model: ModelKind;
  /** One report per corpus the model was trained on: English for base; code, then English, for fine-tuned. */
  corpora: ContinuationReport[];
  /** Memory held for these searches: the token streams and file offsets of both corpora. */
  indexBytes: number;
}

/** Orders of the naturalness table. */
export const NATURALNESS_ORDERS = [1, 2, 3, 4, 5, 6];

export class Analysis {
  private readonly controller = new AbortController();
  private data: Promise<AnalysisData> | null = null;
  private curveResult: Promise<FineTuningCurve> | null = null;
  private table: Promise<NaturalnessTable> | null = null;
  private tableProgress = new Set<(fraction: number, detail: string) => void>();
  private readonly scheduler = new Scheduler({ signal: this.controller.signal, cancelMessage: 'the models changed; the analysis was stopped' });

  private streams: BuildStreams | null;

  /**
   * @param texts the build's texts, or a loader for them (after a load from the cache).
   * @param from  the build's token streams (BuildStreams, of these very texts), to index the corpora from.
   */
  constructor(
    private set: ModelSet,
    private texts: (() => Promise<Texts>) | null,
    from: { streams?: BuildStreams | null } = {},
  ) {
    this.streams = from.streams ?? null;
  }

  /**
   * The same base and full code models with their data-fraction models added: everything but the fine-tuning curve
   * depends on those two alone (the prepared corpus indexes and held-out files, the naturalness table, "why"), so
   * it is kept, and a job that is running goes on, on the same scheduler. The curve is computed again when asked for.
   */
  extend(next: ModelSet): void {
    this.set = next;
    this.curveResult = null;
  }

  /** Stops running jobs: their requests get the 'cancelled' error. */
  dispose(): void {
    this.controller.abort();
  }

  /** Yields to the event loop once a slice is used up; throws once disposed. */
  readonly pause = async (): Promise<void> => {
    await this.scheduler.pause();
    this.scheduler.check();
  };

  prepare(): Promise<AnalysisData> {
    this.data ??= this.load();
    this.data.catch(() => (this.data = null)); // a failed load is tried again on the next request
    return this.data;
  }

  private async load(): Promise<AnalysisData> {
    const started = performance.now();
    if (!this.texts) throw new CodegramError('internal', 'the analysis has no corpus texts');
    const texts = await this.texts();
    await this.pause();
    const all = this.set.all;
    const generalFiles = texts.general.map((text, i) => ({ path: texts.generalPaths?.[i] ?? `general/${i}`, text }));
    const streams = this.streams;
    const english =
      (streams && indexFromStreams('English', generalFiles, all.base.vocab, [{ files: generalFiles, vocab: all.base.vocab, stream: streams.general }])) ??
      (await this.drive(indexSteps('English', generalFiles, all.base.vocab, TEXT_OPTIONS.tokenizer)));
    // Each group's full model knows every token of the group's files: their union covers all the code.
    const full = (group: string) => all.groups.find((g) => g.group === group)?.fractions.at(-1)?.model;
    const codeVocab = new Vocab();
    for (const g of all.groups) for (const w of full(g.group)!.vocab.words) codeVocab.add(w);
    const codeStreams = streams?.groups.map((g) => ({ files: g.files, vocab: full(g.group)?.vocab, stream: g.stream }));
    const code =
      (codeStreams?.every((g) => g.vocab) && indexFromStreams('Code', texts.code, codeVocab, codeStreams as { files: readonly CodeFile[]; vocab: Vocab; stream: Int32Array }[])) ||
      (await this.drive(indexSteps('Code', texts.code, codeVocab, TEXT_OPTIONS.tokenizer)));
    this.streams = null;
    const coded = (part: 'fit' | 'test') => texts.heldOut.filter((f) => heldOutPart(f.path) === part).map((f) => ({ lang: codeGroupOf(f.path, f.lang), text: f.text }));
    const heldOut: HeldOutFile[] = [...(texts.heldOutGeneral ?? []).map((text) => ({ lang: 'english', text })), ...coded('test')];
    this.texts = null; // the training texts may now be collected: the streams and the held-out files are what is kept
    return { english, code, heldOut, fitHeldOut: coded('fit'), indexBytes: indexBytes(english) + indexBytes(code), prepareMs: performance.now() - started };
  }

  private drive<T>(gen: Generator<number, T>): Promise<T> {
    return this.scheduler.drive(gen);
  }

  /**
   * The fine-tuning curve of every language: its test part and the held-out English scored once under every
   * component, then every point of every language from those.
   */
  curve(): Promise<FineTuningCurve> {
    this.curveResult ??= (async () => {
      const data = await this.prepare();
      const all = this.set.all;
      const codes = all.groups.flatMap((g) => g.fractions.map((f) => f.model));
      const groups = all.groups.map((g) => g.group);
      const fractions = all.groups[0]?.fractions.map((f) => f.fraction) ?? [];
      const F = fractions.length;
      const perFraction = (p: { base: Float64Array; code: Float64Array[] }) => ({ base: p.base, code: fractions.map((_, j) => atFraction(p, groups.length, F, j).slice(1)) });
      const english = perFraction(await heldOutProbabilities(all.base, codes, data.heldOut.filter((h) => h.lang === 'english').map((h) => h.text), this));
      const languages = [];
      for (const fit of all.fits) {
        const code = perFraction(await heldOutProbabilities(all.base, codes, data.heldOut.filter((h) => h.lang === fit.language).map((h) => h.text), this));
        languages.push(fineTuningCurve({ language: fit.language, groups, fractions, fitted: fit.fractions.map((f) => f.weights), code, english }));
      }
      return { languages };
    })();
    this.curveResult.catch(() => (this.curveResult = null));
    return this.curveResult;
  }

  /** The naturalness table (one job however many requests; each request gets progress). */
  naturalness(onProgress?: (fraction: number, detail: string) => void): Promise<NaturalnessTable> {
    if (onProgress) this.tableProgress.add(onProgress);
    this.table ??= (async () => {
      const data = await this.prepare();
      const base = this.set.all.base;
      return naturalness(data.english, data.code, data.heldOut, {
        fitHeldOut: data.fitHeldOut,
        orders: NATURALNESS_ORDERS,
        scheduler: this.scheduler,
        onProgress: (f, d) => this.tableProgress.forEach((cb) => cb(f, d)),
        known: (order) => (order === base.order ? { base } : undefined),
      });
    })();
    this.table.catch(() => (this.table = null));
    const result = this.table;
    void result.finally(() => onProgress && this.tableProgress.delete(onProgress)).catch(() => undefined);
    return result;
  }

  /** Where the context text is followed by `token` in the corpora the chosen model was trained on; `stillWanted` throws to stop. */
  async why(contextText: string, token: string, model: ModelKind, stillWanted?: () => void): Promise<WhyReport> {
    const data = await this.prepare();
    stillWanted?.(); // the index may have taken a while to build: a newer request may have replaced this one
    const context = getTokenizer(TEXT_OPTIONS.tokenizer)(contextText);
    const maxContext = this.set.all.base.order - 1;
    const corpora = model === 'base' ? [data.english] : [data.code, data.english];
    return { model, corpora: corpora.map((c) => findContinuations(c, context, token, maxContext)), indexBytes: data.indexBytes };
  }
}
