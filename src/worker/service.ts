/**
 * What the model worker does, without the Worker: a switch over the request union that calls lm/ and the
 * pipeline, and posts replies through an injected function. model-worker.ts wires it to `self`; tests and
 * the bench call it directly or through a MessageChannel.
 *
 * State: the last good models (a ModelSet) answer every query while a new build runs; a build swaps them
 * only when it completes. One build at a time: a new build cancels the running one, whose request then
 * gets the 'cancelled' error.
 */
import { DocumentCache } from '../lm/cache-model.ts';
import { FORMAT_VERSION, ModelFormatError, deserializeModel, serializeModel } from '../lm/format.ts';
import { generate } from '../lm/generate.ts';
import { LessonViews } from './lesson.ts';
import { MixtureModel } from '../lm/mixture.ts';
import type { NgramModel } from '../lm/model.ts';
import { getTokenizer } from '../lm/tokenizer.ts';
import { BOS, type TokenId } from '../lm/types.ts';
import { cacheKey, clearModels, loadModels, saveModels, type KeyValueStore } from '../storage/model-cache.ts';
import { BuildError, FRACTIONS, fetchAccess, PIPELINE_VERSION, TEXT_OPTIONS, buildModels, type BuiltModels, type CorpusAccess } from './pipeline.ts';
import { modelFileBytes, readModelFile } from './model-file.ts';
import { Analysis } from './analysis.ts';
import { loadCorpusTexts, type Texts } from './pipeline.ts';
import {
  DEFAULT_MIX,
  RANK_DEPTH,
  type BuildSettings,
  type Continuation,
  type MixSettings,
  type MixState,
  type ModelSummary,
  type ModelsReady,
  type Post,
  type Request,
  type TokenReport,
} from './protocol.ts';

/** What the models and their metadata look like in the cache (the models are separate files). */
interface CacheMeta {
  fractions: { fraction: number; fittedLambda: number; heldOutBitsPerToken: number }[];
  heldOutTokens: number;
  baseHeldOutBitsPerToken: number;
}

/**
 * The live models: base, code at every fraction and the document cache, all components of one mixture
 * over one union vocabulary; the base and fine-tuned answers are two weightings of it.
 *   base      = (1 − μ) · P_base + μ · P_cache
 *   finetuned = (1 − μ) · [(1 − λ) · P_base + λ · P_code(f)] + μ · P_cache
 */
export class ModelSet {
  readonly cache: DocumentCache;
  readonly base: MixtureModel;
  readonly finetuned: MixtureModel;
  private mixSettings: MixSettings = DEFAULT_MIX;
  private state!: MixState;

  constructor(readonly built: BuiltModels) {
    const components = [built.base, ...built.code.map((c) => c.model)];
    const mixture = new MixtureModel(components, [1, ...built.code.map(() => 0)]);
    // The cache works in the union's ids; a second mixture adds it as a component over the same union.
    this.cache = new DocumentCache(mixture.vocab);
    const all = new MixtureModel([...components, this.cache], [1, ...built.code.map(() => 0), 0], mixture.vocab);
    this.base = all.view(all.getWeights());
    this.finetuned = all.view(all.getWeights());
    this.setMix(DEFAULT_MIX);
  }

  get mix(): MixState {
    return { ...this.state, cacheTokens: this.cache.size };
  }

  setMix(mix: MixSettings): MixState {
    checkMix(mix);
    this.mixSettings = mix;
    const fractions = this.built.code;
    // Snap to the nearest built fraction; 0 (or nearer 0 than to the smallest) means no code at all.
    let j = -1;
    let best = Math.abs(mix.dataFraction);
    fractions.forEach((c, i) => {
      const d = Math.abs(c.fraction - mix.dataFraction);
      if (d < best) {
        best = d;
        j = i;
      }
    });
    const fitted = j >= 0 ? fractions[j].fittedLambda : 0;
    const lambda = j < 0 ? 0 : (mix.lambda ?? fitted);
    const mu = mix.cacheWeight;
    const n = fractions.length;
    const baseW = [1 - mu, ...new Array<number>(n).fill(0), mu];
    const ftW = [(1 - mu) * (1 - lambda), ...fractions.map((_, i) => (i === j ? (1 - mu) * lambda : 0)), mu];
    this.base.setWeights(baseW);
    this.finetuned.setWeights(ftW);
    this.state = { lambda, fittedLambda: fitted, dataFraction: j < 0 ? 0 : fractions[j].fraction, cacheWeight: mu, cacheTokens: this.cache.size };
    return this.mix;
  }

  setDocument(text: string): MixState {
    this.cache.update(getTokenizer(TEXT_OPTIONS.tokenizer)(text));
    return this.mix;
  }

  /** Union ids of a text's tokens after <s> (unknown tokens are <unk>; the union is not grown). */
  ids(tokens: readonly string[]): TokenId[] {
    const v = this.base.vocab;
    return tokens.map((t) => v.id(t));
  }

  get settings(): MixSettings {
    return this.mixSettings;
  }
}

function checkMix(mix: MixSettings): void {
  if (mix.lambda !== null && !(mix.lambda >= 0 && mix.lambda <= 1)) throw new BuildError('bad-input', `fine-tuning strength must be from 0 to 1, got ${mix.lambda}`);
  if (!(mix.dataFraction >= 0 && mix.dataFraction <= 1)) throw new BuildError('bad-input', `data fraction must be from 0 to 1, got ${mix.dataFraction}`);
  if (!(mix.cacheWeight >= 0 && mix.cacheWeight <= 0.95)) throw new BuildError('bad-input', `document cache weight must be from 0 to 0.95, got ${mix.cacheWeight}`);
}

export function summarize(m: NgramModel): ModelSummary {
  return { order: m.order, vocabulary: m.vocab.size, ngrams: m.ngramCounts, trainingTokens: m.info.trainingTokens, bytes: m.byteLength };
}

export interface ServiceOptions {
  /** Corpora for a build request; by default fetched from the request's corporaUrl. */
  access?: (corporaUrl: string) => CorpusAccess;
  /** Where built models are cached; omitted: no cache. */
  store?: KeyValueStore;
}

export class ModelService {
  private models: ModelSet | null = null;
  private readonly lessons = new LessonViews();
  /** The analysis views' data and jobs for `models` (analysis.ts). */
  private analysis: Analysis | null = null;
  /** Loads the last build's corpus texts again (for the analysis of models replaced by a model file). */
  private corpusTexts: (() => Promise<Texts>) | null = null;
  private building: { id: number; controller: AbortController } | null = null;

  constructor(private readonly options: ServiceOptions = {}) {}

  get ready(): ModelSet | null {
    return this.models;
  }

  /** Handles one request; every request gets exactly one final reply through `post`. */
  async handle(req: Request, post: Post): Promise<void> {
    try {
      await this.dispatch(req, post);
    } catch (e) {
      const code = e instanceof BuildError ? e.code : 'internal';
      post({ type: 'error', id: req.id, code, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private async dispatch(req: Request, post: Post): Promise<void> {
    switch (req.type) {
      case 'build':
        return this.build(req, post);
      case 'cancel':
        if (this.building && (req.target === this.building.id || req.target < 0)) this.building.controller.abort();
        post({ type: 'done', id: req.id });
        return;
      case 'mix':
        post({ type: 'mixed', id: req.id, mix: this.need().setMix(req.mix) });
        return;
      case 'document':
        post({ type: 'mixed', id: req.id, mix: this.need().setDocument(req.text) });
        return;
      case 'next': {
        const started = performance.now();
        const m = this.need();
        const context = this.context(m, req.text);
        const k = Math.max(1, Math.min(100, Math.floor(req.k)));
        const opts = { prefix: req.prefix || undefined };
        const base = m.base.topK(context, k, opts);
        const finetuned = m.finetuned.topK(context, k, opts);
        const ids = [...new Set([...finetuned, ...base].map((p) => p.id))];
        const compare = ids.map((id) => ({
          id,
          token: m.base.vocab.token(id),
          base: m.base.score(context, id),
          finetuned: m.finetuned.score(context, id),
        }));
        post({ type: 'predictions', id: req.id, predictions: { base, finetuned, compare }, elapsedMs: performance.now() - started });
        return;
      }
      case 'score':
        if (req.rankDepth !== undefined) {
          post({ type: 'scores', id: req.id, ...(await this.lessons.score(this.need(), req.id, req.text, req.rankDepth)) });
          return;
        }
        post({ type: 'scores', id: req.id, ...this.score(this.need(), req.text) });
        return;
      case 'generate': {
        const m = this.need();
        const context = this.context(m, req.text);
        const run = (model: MixtureModel): Continuation => {
          const { stopAtNewline, ...options } = req.options;
          const g = generate(model, context, {
            ...options,
            maxTokens: Math.max(0, Math.min(500, options.maxTokens)),
            stopAfter: stopAtNewline ? (t) => t.includes('\n') : undefined,
          });
          return { text: g.tokens.join(''), tokens: g.tokens, log2Prob: g.log2Prob };
        };
        post({ type: 'generated', id: req.id, base: run(m.base), finetuned: run(m.finetuned) });
        return;
      }
      case 'curve': {
        const started = performance.now();
        const curve = await this.needAnalysis().curve();
        post({ type: 'fine-tuning-curve', id: req.id, curve, elapsedMs: performance.now() - started });
        return;
      }
      case 'naturalness': {
        const started = performance.now();
        const table = await this.needAnalysis().naturalness((fraction, detail) => post({ type: 'analysis-progress', id: req.id, fraction, detail }));
        post({ type: 'naturalness-table', id: req.id, table, elapsedMs: performance.now() - started });
        return;
      }
      case 'why': {
        const started = performance.now();
        const report = await this.needAnalysis().why(req.text, req.token, req.model);
        post({ type: 'continuations', id: req.id, report, elapsedMs: performance.now() - started });
        return;
      }
      case 'smoothing': {
        const started = performance.now();
        const r = this.lessons.smoothing(this.need(), req.text, req.model, req.k, req.addK);
        post({ type: 'smoothed', id: req.id, ...r, elapsedMs: performance.now() - started });
        return;
      }
      case 'export': {
        const m = this.need();
        const model = req.model === 'base' ? m.built.base : m.built.code[m.built.code.length - 1].model;
        const format = req.format ?? 'cgm';
        const data = await modelFileBytes(model, format);
        post({ type: 'exported', id: req.id, data, filename: `codegram-${req.model}-${model.order}gram.${format}` }, [data]);
        return;
      }
      case 'load':
        return this.load(req, post);
      default: {
        const never: never = req;
        throw new BuildError('bad-input', `unknown request ${JSON.stringify(never)}`);
      }
    }
  }

  private needAnalysis(): Analysis {
    this.need();
    return this.analysis!;
  }

  private need(): ModelSet {
    if (!this.models) throw new BuildError('not-ready', 'the models are not built yet');
    return this.models;
  }

  /** `<s>` and the ids of the text's tokens, cut to what the longest model can use. */
  private context(m: ModelSet, text: string): TokenId[] {
    const ids = [BOS, ...m.ids(getTokenizer(TEXT_OPTIONS.tokenizer)(text))];
    return ids.slice(Math.max(0, ids.length - (m.finetuned.order - 1)));
  }

  private score(m: ModelSet, text: string): { tokens: TokenReport[]; bitsPerToken: { base: number; finetuned: number } } {
    const tokens = getTokenizer(TEXT_OPTIONS.tokenizer)(text);
    const ids = m.ids(tokens);
    const b = m.base.scoreSequence(ids);
    const f = m.finetuned.scoreSequence(ids);
    const all = [BOS, ...ids];
    const reports: TokenReport[] = [];
    let start = 0;
    const rank = (model: MixtureModel, i: number) => {
      const ctx = all.slice(Math.max(0, i + 1 - (model.order - 1)), i + 1);
      const r = model.topK(ctx, RANK_DEPTH, { includeEnd: true }).findIndex((p) => p.id === ids[i]);
      return r < 0 ? null : r + 1;
    };
    for (let i = 0; i < tokens.length; i++) {
      reports.push({ token: tokens[i], start, base: { ...b[i], rank: rank(m.base, i) }, finetuned: { ...f[i], rank: rank(m.finetuned, i) } });
      start += tokens[i].length;
    }
    const bits = (s: { log2Prob: number }[]) => (s.length ? -s.reduce((a, x) => a + x.log2Prob, 0) / s.length : 0);
    return { tokens: reports, bitsPerToken: { base: bits(b), finetuned: bits(f) } };
  }

  private async build(req: Extract<Request, { type: 'build' }>, post: Post): Promise<void> {
    this.building?.controller.abort();
    const controller = new AbortController();
    const mine = { id: req.id, controller };
    this.building = mine;
    const started = performance.now();
    try {
      const access = (this.options.access ?? ((url: string) => fetchAccess(url)))(req.corporaUrl);
      const manifest = await access.manifest();
      const store = req.useCache ? this.options.store : undefined;
      const key = await cacheKey({
        corpora: manifest.corpora.filter((c) => req.settings.useDefaults[c.kind]).map((c) => [c.id, c.sha256]),
        uploads: await Promise.all(req.settings.uploads.map(async (u) => [u.kind, await cacheKey(u.files)])),
        order: req.settings.order,
        fractions: FRACTIONS,
        text: TEXT_OPTIONS,
        format: FORMAT_VERSION,
        pipeline: PIPELINE_VERSION,
      });
      if (controller.signal.aborted) throw new BuildError('cancelled', 'the build was cancelled');
      let built: BuiltModels | null = null;
      let texts: Texts | null = null;
      if (store) {
        post({ type: 'progress', id: req.id, stage: 'cache', detail: 'looking for cached models', fraction: 0, stageFraction: 0, tokensPerSecond: 0 });
        built = await this.fromCache(key, store, req.id, post);
      }
      const fromCache = built !== null;
      if (!built) {
        built = await buildModels({ manifest: async () => manifest, open: (f) => access.open(f) }, req.settings, {
          onTexts: (t) => (texts = t),
          signal: controller.signal,
          onProgress: (p) => post({ type: 'progress', id: req.id, ...p }),
        });
      }
      if (controller.signal.aborted) throw new BuildError('cancelled', 'the build was cancelled');
      const set = new ModelSet(built);
      if (this.models) set.setMix(this.models.settings);
      this.models = set;
      this.analysis?.dispose();
      const settings = req.settings;
      const got: Texts | null = texts;
      this.corpusTexts = () => loadCorpusTexts({ manifest: async () => manifest, open: (f) => access.open(f) }, settings);
      this.analysis = new Analysis(set, got ? async () => got : this.corpusTexts);
      if (store && !fromCache) await this.save(key, built, store, req.id, post);
      const ready: ModelsReady = {
        base: summarize(built.base),
        fractions: built.code.map((c) => ({ fraction: c.fraction, model: summarize(c.model), fittedLambda: c.fittedLambda, heldOutBitsPerToken: c.heldOutBitsPerToken })),
        heldOutTokens: built.heldOutTokens,
        baseHeldOutBitsPerToken: built.baseHeldOutBitsPerToken,
        mix: set.mix,
        fromCache,
        elapsedMs: performance.now() - started,
      };
      post({ type: 'built', id: req.id, ready });
    } finally {
      if (this.building === mine) this.building = null;
    }
  }

  /**
   * A model file replaces the base or the code model; the others keep answering until it has been read whole,
   * and keep answering if it cannot be (a typed 'bad-input' error). A code model takes the place of every data
   * fraction (the fraction control then has 0 and 100%) with the λ fitted for the current code model: the
   * held-out code is not kept in the worker, so λ is not refitted (the strength slider still moves it).
   */
  private async load(req: Extract<Request, { type: 'load' }>, post: Post): Promise<void> {
    const current = this.need();
    const started = performance.now();
    const { model, tokenizer } = await readModelFile(req.file, req.name, req.words, (p) =>
      post({ type: 'progress', id: req.id, stage: 'load', detail: p.detail, fraction: p.fraction, stageFraction: p.fraction, tokensPerSecond: 0 }),
    );
    if (this.models !== current) throw new BuildError('cancelled', 'the models were rebuilt while the file was read');
    const old = current.built;
    const built: BuiltModels =
      req.role === 'base'
        ? { ...old, base: model, baseHeldOutBitsPerToken: NaN }
        : { ...old, code: [{ fraction: 1, model, fittedLambda: current.mix.fittedLambda || 0.5, heldOutBitsPerToken: NaN }] };
    const set = new ModelSet(built);
    set.setMix(current.settings);
    this.models = set;
    this.analysis?.dispose();
    this.analysis = new Analysis(set, this.corpusTexts); // the views now describe the loaded model
    if (tokenizer === 'whitespace') {
      post({ type: 'notice', id: req.id, message: `"${req.name}" was read as whitespace-separated words; the editor's text is split into code tokens, which keep their leading space, so few of its words will match` });
    }
    post({
      type: 'loaded',
      id: req.id,
      tokenizer,
      ready: {
        base: summarize(built.base),
        fractions: built.code.map((c) => ({ fraction: c.fraction, model: summarize(c.model), fittedLambda: c.fittedLambda, heldOutBitsPerToken: c.heldOutBitsPerToken })),
        heldOutTokens: built.heldOutTokens,
        baseHeldOutBitsPerToken: built.baseHeldOutBitsPerToken,
        mix: set.mix,
        fromCache: false,
        elapsedMs: performance.now() - started,
      },
    });
  }

  /** Models from the cache, or null with a notice when the entry is unusable (it is then rebuilt). */
  private async fromCache(key: string, store: KeyValueStore, id: number, post: Post): Promise<BuiltModels | null> {
    const found = await loadModels<CacheMeta>(key, store);
    if (found.status === 'miss') return null;
    if (found.status === 'invalid') {
      post({ type: 'notice', id, message: `${found.message}; rebuilding` });
      await clearModels(store).catch(() => undefined);
      return null;
    }
    const { meta, files } = found.entry;
    try {
      if (files.length !== meta.fractions.length + 1) throw new ModelFormatError(`expected ${meta.fractions.length + 1} model files, found ${files.length}`);
      const [base, ...codes] = files.map((f) => deserializeModel(f));
      return {
        base,
        code: codes.map((model, j) => ({ model, ...meta.fractions[j] })),
        heldOutTokens: meta.heldOutTokens,
        baseHeldOutBitsPerToken: meta.baseHeldOutBitsPerToken,
      };
    } catch (e) {
      const why = e instanceof ModelFormatError ? e.message : `unreadable (${(e as Error).message})`;
      post({ type: 'notice', id, message: `the cached models could not be used: ${why}; rebuilding` });
      await clearModels(store).catch(() => undefined);
      return null;
    }
  }

  private async save(key: string, built: BuiltModels, store: KeyValueStore, id: number, post: Post): Promise<void> {
    post({ type: 'progress', id, stage: 'save', detail: 'caching the models', fraction: 1, stageFraction: 0, tokensPerSecond: 0 });
    const meta: CacheMeta = {
      fractions: built.code.map((c) => ({ fraction: c.fraction, fittedLambda: c.fittedLambda, heldOutBitsPerToken: c.heldOutBitsPerToken })),
      heldOutTokens: built.heldOutTokens,
      baseHeldOutBitsPerToken: built.baseHeldOutBitsPerToken,
    };
    try {
      await saveModels(key, meta, [built.base, ...built.code.map((c) => c.model)].map(serializeModel), store);
    } catch (e) {
      post({ type: 'notice', id, message: `the models could not be cached (${(e as Error).message}); they will be rebuilt next time` });
    }
  }
}
