/**
 * What the model worker does, without the Worker: one switch over the request union that hands each request to
 * the module that answers it, and posts one final reply per request through an injected function.
 * model-worker.ts wires it to `self`; tests and the bench call it directly or through a MessageChannel.
 *
 *   build, load          → here, swapping models through LiveModels (models.ts: whatever the user did last wins)
 *   cache reads/writes   → build-cache.ts
 *   next, complete, generate → queries.ts
 *   score, smoothing     → analysis/lessons.ts
 *   curve, naturalness, why → analysis/model-analysis.ts
 *   lanes                → lanes.ts (superseded requests stop computing)
 *
 * The last good models answer every query while a new build runs. One build at a time: a new build cancels the
 * running one, whose request then gets the 'cancelled' error.
 */
import { loadCorpusTexts, type BuiltModels } from '../build/build.ts';
import { fetchAccess, readInBackground, type CorpusAccess, type CorpusRecord } from '../build/access.ts';
import type { CorporaManifest, CorpusEntry } from '../corpus/manifest.ts';
import type { CodeLanguage } from '../corpus/types.ts';
import { DEFAULT_LANGUAGE } from '../build/mix.ts';
import { ModelSet, type ModelsReady } from '../build/model-set.ts';
import { ProgressMeter, type BuildProgress } from '../build/progress.ts';
import { inThreadRunner, type JobRunner } from '../build/runner.ts';
import { Scheduler } from '../build/scheduler.ts';
import { DEFAULT_BUILD_SETTINGS, QUICK_SIZES, type BuildSettings, type QuickSizes } from '../build/settings.ts';
import { buildFractions, buildFull, buildQuick, holdsQuickTexts, startFractionJobs, tokenHandoff, type FractionJobs, type FullScores } from '../build/staged.ts';
import { addRecords, emptyTexts, loadTexts, type Texts } from '../build/texts.ts';
import { RANK_DEPTH, scoreText, smoothingAfter } from '../analysis/lessons.ts';
import { CODE_LANGUAGES } from '../corpus/types.ts';
import { CodegramError } from '../lm/errors.ts';
import type { NgramModel } from '../lm/model.ts';
import { cachedModelsKey, type KeyValueStore } from '../storage/model-cache.ts';
import { buildKey, readBuild, readStarter, writeBuild, writeStarter } from './build-cache.ts';
import { Lanes } from './lanes.ts';
import { modelFileBytes, readModelFile } from './model-file.ts';
import { LiveModels } from './models.ts';
import type { Lane, Post, Request } from './protocol.ts';
import { completion, continuations, predictions } from './queries.ts';

export interface ServiceOptions {
  /** Corpora for a build request; by default fetched from the request's corporaUrl. */
  access?: (corporaUrl: string) => CorpusAccess;
  /** Where built models are cached; omitted: no cache. */
  store?: KeyValueStore;
  /** Length of a slice of lane work (LANE_SLICE_MS); tests set 0 to yield after every step. */
  laneSliceMs?: number;
  /** Where build jobs run: build workers in the page (build-pool.ts); by default this thread. */
  runner?: JobRunner;
  /** How much text the quick models learn (settings.ts QUICK_SIZES; tests with small corpora set less). */
  quickSizes?: QuickSizes;
}

/** Where a corpus read ahead is kept: its URL, file and content hash. */
const aheadKey = (corporaUrl: string, c: CorpusEntry): string => `${corporaUrl}\u0000${c.file}\u0000${c.sha256}`;

/** Slices of lane work are short: a newer keystroke should not wait long for an older request to notice it. */
export const LANE_SLICE_MS = 12;

/**
 * How long the starter models answer alone on a reload before the whole entry is read. Reading it (79 MB of Blobs
 * out of IndexedDB, then each model unpacked in steps) takes the browser's storage and this thread just as a visitor
 * who types as the page opens sends the first keys: waiting 300 ms first, a prompt visitor's first ghost came
 * about 50–70 ms sooner (8 runs each, turn about, 7 of 8 sooner) and Ready on a reload 0.10–0.16 s later. 400 ms
 * since the starter answers about 70 ms sooner (its mixture made ahead, the manifest not fetched again): the entry
 * is read when it was. With 300 ms it was read as the prompt visitor's first keys came, and their ghost came later
 * (a median 64 ms later over 16 reloads turn about; with 400 ms, 10 ms sooner over 14).
 */
export const STARTER_HEAD_START_MS = 400;

export class ModelService {
  private readonly models = new LiveModels();
  private readonly lanes = new Lanes();
  private building: { id: number; controller: AbortController } | null = null;
  /** The running fraction build, for one model set; its requests share it. */
  private fractionJob: { set: ModelSet; controller: AbortController; listeners: Set<(p: BuildProgress) => void>; done: Promise<ModelsReady> } | null = null;
  /** Where the live built models came from: the texts (kept after a build), and the full stage's held-out scores. */
  private source: {
    settings: BuildSettings;
    reload: () => Promise<Texts>;
    texts: Texts | null;
    /**
     * What the build that made `set` leaves for its fraction stage: the full models' scores, and the fraction jobs it
     * queued behind its full jobs when they run on other threads (taken once: a retry after a failure queues anew).
     */
    scores: { set: ModelSet; scores: FullScores; early: { jobs: FractionJobs; stop: AbortController } | null } | null;
  } | null = null;
  /** Stops the fraction jobs a first visit's build queued behind its full jobs (a new build or model file makes them moot). */
  private earlyFractions: AbortController | null = null;

  constructor(private readonly options: ServiceOptions = {}) {}

  /**
   * Resolved when the page's first build has taken the quick models (or wants none): only then are the corpora the
   * quick models do not need read ahead. Reading one takes this thread for a few hundred milliseconds, and the
   * build request must not wait behind it.
   */
  private releaseReads: () => void = () => undefined;
  private readonly readsReleased = new Promise<void>((resolve) => (this.releaseReads = resolve));

  /** Resolved when the page says its own code runs ('app-loaded'), or asks for a build (it runs, then). */
  private markAppLoaded: () => void = () => undefined;
  private readonly appLoaded = new Promise<void>((resolve) => (this.markAppLoaded = resolve));

  /** Yields to this thread's messages between long steps that nothing cancels (reading cached models). */
  private readonly scheduler = new Scheduler();
  private readonly pause = this.scheduler.pause;

  /** The live models (null before the first build). */
  get ready(): ModelSet | null {
    return this.models.current;
  }

  private accessTo(corporaUrl: string): CorpusAccess {
    return (this.options.access ?? ((url: string) => fetchAccess(url)))(corporaUrl);
  }

  /** Default corpora being read ahead of the first build (prefetch), by URL, file and content hash. */
  private readonly ahead = new Map<string, Promise<CorpusRecord[]>>();
  /**
   * Cached models read before the page asked for a build (a reload), under the key they were saved with: the
   * starter models first (small, so they answer soon), then the whole build.
   */
  private earlyCache: {
    key: string;
    notices: string[];
    starter: Promise<BuiltModels | null>;
    /** The starter's mixture, made as soon as it is read (ModelSet: 16–58 ms here, on a reload's critical path). */
    starterSet: Promise<ModelSet | null>;
    built: () => Promise<BuiltModels | null>;
  } | null = null;
  /**
   * The manifest asked for as the page loads, for the first build of the same corpora: fetching it again (through the
   * service worker, on a reload) took that build 15–50 ms before it could answer with the starter models.
   */
  private manifestAhead: { corporaUrl: string; manifest: Promise<CorporaManifest> } | null = null;
  /** Quick models started before the page asked for a build, for the default corpora and `language`. */
  private speculative: { corporaUrl: string; language: CodeLanguage; controller: AbortController; quick: Promise<BuiltModels> } | null = null;

  /**
   * Gets ready for the page's first build while the page loads. With models in the cache (a reload, most likely) it
   * reads the starter models (and, without them, the whole entry), and nothing else: reading corpora would slow that
   * down. On a first visit it reads the start of the editor language's code and then of the English, as much as the
   * quick models take (holdsQuickTexts), and trains them for the default corpora as those parts come in; then the two
   * files wait, half read, until the quick models are trained, and are read to the end. The other corpora of the
   * manifest at `corporaUrl` are read once the build has taken the quick models. The build takes them if its settings
   * are the defaults, else they are dropped. Failures are left to the build, which reads again and reports them.
   */
  private prefetch(corporaUrl: string, language: CodeLanguage, appLoaded: Promise<void>): void {
    const access = this.accessTo(corporaUrl);
    void (async () => {
      const store = this.options.store;
      // Asked for while the cache is looked at (opening IndexedDB for the first time takes a while); small. The first
      // build of these corpora takes it (manifestAhead).
      const manifestAhead = access.manifest();
      manifestAhead.catch(() => undefined);
      this.manifestAhead = { corporaUrl, manifest: manifestAhead };
      const cachedKey = store ? await cachedModelsKey(store) : null;
      if (store && cachedKey) {
        // A reload, most likely: the models it will ask for are read (and checked) from the cache now, while the
        // page loads. What goes wrong is told by the build that takes them, as its own read would have.
        const notices: string[] = [];
        const starter = readStarter(cachedKey, store);
        // Its mixture is made now, while the page is still loading its code, so that the build answers with it at
        // once (the page's first keys come as its editor is drawn, which is about when the build request comes).
        const starterSet = starter.then((s) => (s ? new ModelSet(s) : null)).catch(() => null);
        const entry = () => readBuild(cachedKey, store, (m) => notices.push(m), this.scheduler);
        // With a starter, the entry waits for the build that takes it: IndexedDB serves an origin's reads in turn, so
        // reading tens of megabytes now would hold up the page's own small reads (its uploads), and with them the
        // build request the starter answers. Without one, the entry is read at once.
        let built: Promise<BuiltModels | null> | null = null;
        const read = () => (built ??= entry());
        const noStarter = starter.then((s) => (s ? null : read()));
        this.earlyCache = { key: cachedKey, notices, starter, starterSet, built: () => noStarter.then(() => read()) };
        return;
      }
      this.runner.warm?.(); // the build workers load their code while the page's loads
      const manifest = await manifestAhead;
      // On a first visit the page's own code arrives as the corpora would be read: compiling it (most of it the
      // editor) beside the reading and the quick jobs shared the two cores three ways, and the editor came at
      // 2.1–2.45 s, against 1.3–1.5 s when the corpora wait. The quick models then answer about 0.15 s later, but the
      // page's build request, which takes them, comes only once its code runs anyway, and the visitor types sooner:
      // the first ghost came about 0.2 s sooner (bench/first-visit.ts, README).
      await appLoaded;
      // The editor language's code first, then the English: what the quick models need (the code job, the longer of
      // the two, starts first), and of each only the start the quick models take: whatever else is read before they
      // are trained takes this thread, and a core, from them and from the page (read whole, the two files took this
      // thread 0.6–0.9 s of a first visit before the code job could start).
      const first = (c: CorpusEntry) => (c.kind !== 'general' && c.id === language ? 0 : c.kind === 'general' ? 1 : 2);
      const corpora = [...manifest.corpora].sort((a, b) => first(a) - first(b));
      const needed = corpora.filter((c) => first(c) < 2);
      const speculate = !this.building && !this.models.current;
      let trained!: () => void;
      let over = !speculate;
      const quickDone = speculate ? new Promise<void>((resolve) => (trained = resolve)).then(() => void (over = true)) : Promise.resolve();
      const sizes = this.options.quickSizes ?? QUICK_SIZES;
      /** Whether `records` of corpus `c` hold its part of the quick models' texts. */
      const holdsPart = (c: CorpusEntry, records: readonly CorpusRecord[]) => {
        const texts = emptyTexts();
        addRecords(texts, c, records);
        const holds = holdsQuickTexts(texts, language, sizes);
        return c.kind === 'general' ? holds.english : holds.code;
      };
      const parts: Promise<CorpusRecord[]>[] = [];
      let previous: Promise<unknown> = Promise.resolve();
      for (const c of needed) {
        // Asked after every batch, by `until` and by the hold: once true it stays true (the records only grow).
        let held = false;
        const holds = (records: readonly CorpusRecord[]) => (held ||= holdsPart(c, records));
        // Each starts once the one before has its part (or is read whole), and pauses once it has its own.
        // After the quick models, the rest is read in slices: they answer the editor meanwhile.
        const started = previous.then(() => readInBackground(access, c, (records) => (over ? this.pause() : holds(records) ? quickDone : undefined)));
        const part = started.then((r) => r.until(holds));
        this.keepAhead(corporaUrl, c, started.then((r) => r.all));
        parts.push(part);
        previous = part.catch(() => undefined);
      }
      // The ones the quick models do not need are read while they answer the editor: in slices.
      let rest: Promise<unknown> = Promise.all([...needed.map((c) => this.prefetched(corporaUrl, c)?.catch(() => undefined)), quickDone, this.readsReleased]);
      for (const c of corpora.filter((x) => first(x) === 2)) {
        const records = rest.then(() => readInBackground(access, c, () => this.pause()).all);
        this.keepAhead(corporaUrl, c, records);
        rest = records.catch(() => undefined);
      }
      if (speculate) void this.speculate(corporaUrl, language, needed, parts).finally(trained);
    })().catch(() => undefined);
  }

  /** Keeps a corpus being read ahead for the build; a failed read is forgotten (the build then opens the file itself and reports what went wrong). */
  private keepAhead(corporaUrl: string, c: CorpusEntry, records: Promise<CorpusRecord[]>): void {
    const key = aheadKey(corporaUrl, c);
    this.ahead.set(key, records);
    records.catch(() => this.ahead.delete(key));
  }

  /**
   * Trains the quick models for the default corpora from the parts of `needed` they take (`parts`, in that order) as
   * those are read: the code job starts as soon as its part of the code is in, while the English is still being read.
   */
  private speculate(corporaUrl: string, language: CodeLanguage, needed: CorpusEntry[], parts: Promise<CorpusRecord[]>[]): Promise<unknown> {
    const controller = new AbortController();
    const read = async (kind: 'code' | 'general') => {
      const texts = emptyTexts();
      for (const [i, c] of needed.entries()) if ((c.kind === 'general') === (kind === 'general') && DEFAULT_BUILD_SETTINGS.useDefaults[c.kind]) addRecords(texts, c, await parts[i]);
      return texts;
    };
    const scheduler = new Scheduler({ signal: controller.signal });
    // Both build workers: the code job starts while the English is read, and the English job when its part is in.
    const quick = buildQuick({ code: read('code'), english: read('general') }, DEFAULT_BUILD_SETTINGS.order, language, this.runner, { signal: controller.signal, scheduler }, this.options.quickSizes);
    this.speculative = { corporaUrl, language, controller, quick };
    return quick.catch(() => undefined); // also marks a failure handled: the build that takes them reports it
  }

  /** A prefetched corpus (the build and the early quick models both read it). */
  private prefetched(corporaUrl: string, c: CorpusEntry): Promise<CorpusRecord[]> | undefined {
    return this.ahead.get(aheadKey(corporaUrl, c));
  }

  /** The quick models started early, if they are what this build asks for; else they are stopped. */
  private takeSpeculative(req: Extract<Request, { type: 'build' }>): Promise<BuiltModels> | null {
    const s = this.speculative;
    const t = req.settings;
    const defaults = t.order === DEFAULT_BUILD_SETTINGS.order && t.useDefaults.general && t.useDefaults.code && t.uploads.length === 0;
    if (!s || !req.quick || !defaults || s.corporaUrl !== req.corporaUrl || (req.language ?? DEFAULT_LANGUAGE) !== s.language) {
      this.dropSpeculative();
      return null;
    }
    this.speculative = null;
    return s.quick;
  }

  /** Stops the quick models started early: the build does not want them. */
  private dropSpeculative(): void {
    this.speculative?.controller.abort();
    this.speculative = null;
  }

  private get runner(): JobRunner {
    return (this.runnerOf ??= this.options.runner ?? inThreadRunner());
  }
  private runnerOf: JobRunner | null = null;

  /** Handles one request; every request gets exactly one final reply through `post`. */
  async handle(req: Request, post: Post): Promise<void> {
    // Entered before any await, so an older request of the lane sees it at its next check.
    if ('lane' in req) this.lanes.enter(req.lane, req.id);
    try {
      await this.dispatch(req, post);
    } catch (e) {
      failed(req.id, e, post);
    }
  }

  /**
   * The ghost of a key typed before there were models (`untilModels`), kept to be answered the moment the first ones
   * go live. Sent as soon as the key is typed, it is in the worker already: were it sent when the page hears that the
   * models answer, it would queue behind what the worker started meanwhile (the next steps of the build, the
   * warm-up's first query), 0.1–0.2 s on a first visit in Chromium's traces.
   */
  private parked: { req: Extract<Request, { type: 'complete' }>; post: Post } | null = null;

  private park(req: Extract<Request, { type: 'complete' }>, post: Post): void {
    const older = this.parked;
    this.parked = { req, post };
    if (older) failed(older.req.id, new CodegramError('superseded', 'a newer key was typed before the models came'), older.post);
  }

  /** Answers the parked ghost with the models that just went live (before any queued task: the warm-up waits). */
  private answerParked(): void {
    const parked = this.parked;
    this.parked = null;
    if (parked) this.dispatch(parked.req, parked.post).catch((e: unknown) => failed(parked.req.id, e, parked.post));
  }

  /**
   * The first models weigh the editor's language (the build's) from the start: a parked ghost is answered before the
   * page sends its mix. Later models keep the mix in force (LiveModels.install).
   */
  private weighLanguage(set: ModelSet, language: CodeLanguage | undefined): void {
    if (!this.models.current && language) set.setMix({ ...set.settings, language });
  }

  /** Ends the parked ghost's wait: no models are coming. */
  private dropParked(): void {
    const parked = this.parked;
    this.parked = null;
    if (parked) failed(parked.req.id, new CodegramError('cancelled', 'no models were built'), parked.post);
  }

  /** A scheduler that stops the request when a newer one of its lane arrives (or the models change, for views). */
  private laneScheduler(lane: Lane | undefined, id: number): Scheduler {
    return new Scheduler({ stale: () => this.lanes.stale(lane, id), sliceMs: this.options.laneSliceMs ?? LANE_SLICE_MS });
  }

  private async dispatch(req: Request, post: Post): Promise<void> {
    const started = performance.now();
    switch (req.type) {
      case 'build':
        return this.build(req, post);
      case 'fractions':
        return this.fractions(req, post);
      case 'prefetch':
        this.prefetch(req.corporaUrl, CODE_LANGUAGES.find((l) => l === req.language) ?? DEFAULT_LANGUAGE, req.afterAppLoads ? this.appLoaded : Promise.resolve());
        return post({ type: 'done', id: req.id });
      case 'app-loaded':
        this.markAppLoaded();
        return post({ type: 'done', id: req.id });
      case 'cancel':
        if (this.building && (req.target === this.building.id || req.target < 0)) this.building.controller.abort();
        return post({ type: 'done', id: req.id });
      case 'mix':
        return post({ type: 'mixed', id: req.id, mix: this.models.need().setMix(req.mix) });
      case 'document':
        return post({ type: 'mixed', id: req.id, mix: this.models.need().setDocument(req.text) });
      case 'next': {
        const m = this.models.need();
        this.lanes.check(req.lane, req.id);
        return post({ type: 'predictions', id: req.id, predictions: predictions(m, req.text, req.k, req.prefix), elapsedMs: performance.now() - started });
      }
      case 'complete': {
        if (req.untilModels && !this.models.current) return this.park(req, post);
        const m = this.models.need();
        this.lanes.check(req.lane, req.id);
        const done = completion(m, req.before, req.after, req.k, req.maxTokens, req.model);
        return post({ type: 'completion', id: req.id, completion: done, elapsedMs: performance.now() - started });
      }
      case 'generate': {
        const m = this.models.need();
        this.lanes.check(req.lane, req.id);
        return post({ type: 'generated', id: req.id, ...(await continuations(m, req.text, req.options, this.laneScheduler(req.lane, req.id))) });
      }
      case 'score': {
        const m = this.models.need();
        this.lanes.check(req.lane, req.id);
        return post({ type: 'scores', id: req.id, ...(await scoreText(m, req.text, req.rankDepth ?? RANK_DEPTH, this.laneScheduler(req.lane, req.id).pause)) });
      }
      case 'smoothing': {
        const m = this.models.need();
        this.lanes.check(req.lane, req.id);
        return post({ type: 'smoothed', id: req.id, ...smoothingAfter(m, req.text, req.model, req.k, req.addK), elapsedMs: performance.now() - started });
      }
      case 'curve': {
        // The curve is drawn over every data fraction: they are built first if this set has none yet.
        await this.withFractions();
        const curve = await this.models.analysis().curve();
        return post({ type: 'fine-tuning-curve', id: req.id, curve, elapsedMs: performance.now() - started });
      }
      case 'naturalness': {
        const table = await this.models.analysis().naturalness((fraction, detail) => post({ type: 'analysis-progress', id: req.id, fraction, detail }));
        return post({ type: 'naturalness-table', id: req.id, table, elapsedMs: performance.now() - started });
      }
      case 'why': {
        const analysis = this.models.analysis();
        this.lanes.check(req.lane, req.id);
        const report = await analysis.why(req.text, req.token, req.model, () => this.lanes.check(req.lane, req.id));
        return post({ type: 'continuations', id: req.id, report, elapsedMs: performance.now() - started });
      }
      case 'export': {
        const m = this.models.need();
        const model = req.model === 'base' ? m.built.base : m.fullCode;
        const format = req.format ?? 'cgm';
        const data = await modelFileBytes(model, format);
        return post({ type: 'exported', id: req.id, data, filename: `codegram-${req.model}-${model.order}gram.${format}` }, [data]);
      }
      case 'load':
        return this.load(req, post);
      default: {
        const never: never = req;
        throw new CodegramError('bad-input', `unknown request ${JSON.stringify(never)}`);
      }
    }
  }

  private async build(req: Extract<Request, { type: 'build' }>, post: Post): Promise<void> {
    this.markAppLoaded();
    this.building?.controller.abort();
    this.fractionJob?.controller.abort();
    this.earlyFractions?.abort();
    const controller = new AbortController();
    const mine = { id: req.id, controller };
    this.building = mine;
    const ticket = this.models.begin();
    const started = performance.now();
    const notice = (message: string) => post({ type: 'notice', id: req.id, message });
    const progress = (p: BuildProgress) => post({ type: 'progress', id: req.id, ...p });
    const cancelled = () => {
      if (controller.signal.aborted) throw new CodegramError('cancelled', 'the build was cancelled');
    };
    try {
      const access = this.accessTo(req.corporaUrl);
      // The one fetched as the page loaded, if it is of these corpora; fetched again if that failed, so that the
      // build reports its own failure.
      const ahead = this.manifestAhead?.corporaUrl === req.corporaUrl ? this.manifestAhead.manifest : null;
      this.manifestAhead = null;
      const manifest = await (ahead ? ahead.catch(() => access.manifest()) : access.manifest());
      const known: CorpusAccess = { manifest: async () => manifest, open: (f) => access.open(f), read: (c) => this.prefetched(req.corporaUrl, c) };
      const store = req.useCache ? this.options.store : undefined;
      const key = await buildKey(manifest.corpora, req.settings);
      cancelled();
      const settings = req.settings;
      const reload = () => loadCorpusTexts(known, settings);
      this.source = { settings, reload, texts: null, scores: null };
      const language = req.language ?? DEFAULT_LANGUAGE;
      /** Makes `built` this build's live models and tells the page: 'usable' while more is to come, 'built' at the end. */
      const goLive = (built: BuiltModels, reply: 'usable' | 'built', fromCache: boolean, corpus: { texts: () => Promise<Texts>; reload: () => Promise<Texts> }, made?: ModelSet) => {
        const set = made?.all === built ? made : new ModelSet(built);
        this.weighLanguage(set, req.language);
        this.models.install(ticket, set, 'a build', corpus);
        post({ type: reply, id: req.id, ready: set.ready(fromCache, performance.now() - started) });
        this.answerParked();
      };
      // Models from the cache: the analysis views read the texts again when they need them.
      const cachedCorpus = { texts: reload, reload };
      if (!req.quick) this.dropSpeculative();
      if (store) {
        progress({ stage: 'cache', detail: 'looking for cached models', fraction: 0, stageFraction: 0, tokensPerSecond: 0 });
        const early = this.earlyCache?.key === key ? this.earlyCache : null;
        this.earlyCache = null;
        const starter = early && req.quick ? await early.starter : null;
        const starterSet = starter ? ((await early?.starterSet) ?? undefined) : undefined;
        cancelled();
        if (starter && starter.groups[0]?.group === language) {
          // A reload: the starter models answer while the whole build is read from the cache.
          goLive(starter, 'usable', true, cachedCorpus, starterSet);
          progress({ stage: 'cache', detail: 'reading the full models from the cache', fraction: 0.5, stageFraction: 0.5, tokensPerSecond: 0 });
          await new Promise((resolve) => setTimeout(resolve, STARTER_HEAD_START_MS));
          cancelled();
        }
        let cached = early ? await early.built() : null;
        early?.notices.forEach(notice);
        cached ??= await readBuild(key, store, notice, this.scheduler);
        cancelled();
        if (cached) {
          this.dropSpeculative();
          goLive(cached, 'built', true, cachedCorpus);
          return;
        }
      }
      const scheduler = new Scheduler({ signal: controller.signal });
      const loading = loadTexts(known, settings, scheduler, new ProgressMeter(progress)).then((t) => t.texts);
      loading.catch(() => undefined);
      const corpus = { texts: () => loading, reload };
      const stage = { signal: controller.signal, onProgress: progress, scheduler };
      const runner = this.runner;
      // Quick models trained while the page loaded answer now, before the rest of the corpora are read.
      const early = this.takeSpeculative(req);
      let quickBuilt = early ? await early.catch(() => null) : null;
      cancelled();
      if (quickBuilt) goLive(quickBuilt, 'usable', false, corpus);
      this.releaseReads();
      const texts = await loading;
      this.ahead.clear(); // read ahead for this build: what it did not want is not kept
      cancelled();
      if (req.quick && !quickBuilt) {
        // None trained early (other settings), or they failed: this build trains its own and reports what goes wrong.
        quickBuilt = await buildQuick(Promise.resolve(texts), settings.order, language, runner, stage, this.options.quickSizes);
        goLive(quickBuilt, 'usable', false, corpus);
      }
      // Each code group's tokens go from its full job to its fraction job (when jobs run on other threads).
      const handoff = runner.parallel ? tokenHandoff() : null;
      const fullBuild = buildFull(texts, settings.order, runner, stage, req.language, handoff?.give);
      // The fraction jobs, queued behind the full ones (buildFull queued those as it was called) when jobs run on
      // other threads: a build worker done with its full job goes on to them while the rest is counted and fitted.
      // Stopped with this build, by the next build, or by a model file.
      let fractions: { jobs: FractionJobs; stop: AbortController } | null = null;
      if (runner.parallel) {
        const stop = new AbortController();
        controller.signal.addEventListener('abort', () => stop.abort());
        this.earlyFractions = stop;
        fractions = { jobs: startFractionJobs(texts, settings.order, runner, stop.signal, handoff?.take), stop };
      }
      const full = await fullBuild.catch((e: unknown) => {
        fractions?.stop.abort();
        handoff?.fail(e);
        throw e;
      });
      cancelled();
      const set = new ModelSet(full.built);
      this.weighLanguage(set, req.language);
      this.source = { settings, reload, texts, scores: { set, scores: full.scores, early: fractions } };
      try {
        // The full jobs' token streams: the analysis views index the corpus from them, not by tokenizing it again.
        this.models.install(ticket, set, 'a build', { ...corpus, streams: full.streams });
      } catch (e) {
        // A newer change (a model file) went live first: it stays, but this build is still worth caching for the next visit.
        if (store) await writeBuild(key, full.built, store, notice, this.scheduler);
        throw e;
      }
      const elapsed = performance.now() - started;
      if (store) {
        // What a reload needs, written while the full models already answer: the full models and their weights
        // (not the fraction models, which are rebuilt when first asked for). On a first visit the fraction models
        // come first (afterFractions).
        post({ type: 'usable', id: req.id, ready: set.ready(false, elapsed) });
        this.answerParked();
        if (fractions) {
          progress({ stage: 'save', detail: 'once the data-fraction models are built', fraction: 1, stageFraction: 0, tokensPerSecond: 0 });
          await this.afterFractions(set, fractions.jobs);
        }
        progress({ stage: 'save', detail: 'caching the models', fraction: 1, stageFraction: 0, tokensPerSecond: 0 });
        await writeBuild(key, full.built, store, notice, this.scheduler);
        // The quick models too, after the entry (it is theirs): a reload answers with them while it reads the entry.
        if (quickBuilt) await writeStarter(key, quickBuilt, store, this.scheduler);
      }
      post({ type: 'built', id: req.id, ready: set.ready(false, elapsed) });
      this.answerParked();
      // The build is over, its models cached: no job is coming until the visitor asks for one (an upload).
      this.runner.rest?.();
    } finally {
      if (this.building === mine) {
        this.building = null;
        if (!this.models.current) this.dropParked(); // no newer build is coming either
      }
      this.releaseReads(); // whatever happened (a cache hit, a failure): nothing may wait for a build that is over
    }
  }

  /**
   * Until the data-fraction jobs that a first visit queued behind the full ones are over (built, failed or stopped),
   * and the live set's fraction models made of them (the page asks for them as soon as the full models answer).
   * The cache write waits for this: it takes some 1.5 s of this thread and of the browser's storage (79 MB as
   * Blobs), which on two cores were taken from the fraction jobs, and the data-fraction models ("everything") came
   * about as much later.
   */
  private async afterFractions(set: ModelSet, jobs: FractionJobs): Promise<void> {
    await jobs.outputs.catch(() => undefined);
    const job = this.fractionJob;
    if (job?.set === set) await job.done.catch(() => undefined);
  }

  /**
   * The data-fraction models of the live set (staged.ts buildFractions), once per set: built by the jobs beside
   * the full models, with the held-out scores of the full stage when this set was just built, else computed here.
   * They go live only if the set they extend is still the live one (a build or a model file may have replaced it).
   */
  private async fractions(req: Extract<Request, { type: 'fractions' }>, post: Post): Promise<void> {
    const ready = await this.withFractions((p) => post({ type: 'progress', id: req.id, ...p }));
    post({ type: 'built', id: req.id, ready });
  }

  /** The live set with its data-fraction models (built now if it has none yet), once per set however often asked. */
  private async withFractions(onProgress?: (p: BuildProgress) => void): Promise<ModelsReady> {
    const set = this.models.need();
    if (set.all.stage !== 'full') return set.ready(false, 0);
    if (this.fractionJob?.set !== set) {
      this.fractionJob?.controller.abort();
      const controller = new AbortController();
      const started = performance.now();
      const listeners = new Set<(p: BuildProgress) => void>();
      const job = {
        set,
        controller,
        listeners,
        done: (async () => {
          const source = this.source;
          if (!source) throw new CodegramError('not-ready', 'the models did not come from corpora');
          const scheduler = new Scheduler({ signal: controller.signal });
          const texts = source.texts ?? (await source.reload());
          const stage = { signal: controller.signal, onProgress: (p: BuildProgress) => listeners.forEach((l) => l(p)), scheduler };
          const mine = source.scores?.set === set ? source.scores : undefined;
          // The jobs the build queued are this set's: taken once, and stopped when this stops.
          const early = mine?.early;
          if (mine) mine.early = null;
          if (early) controller.signal.addEventListener('abort', () => early.stop.abort());
          const complete = new ModelSet(await buildFractions(texts, source.settings.order, set.all, this.runner, stage, mine?.scores, early?.jobs), set.modelsId);
          this.models.refine(set, complete);
          // Asked for after a build (a view, on a reload): its jobs are over. During one, the build lets them go.
          if (!this.building) this.runner.rest?.();
          return complete.ready(false, performance.now() - started);
        })(),
      };
      job.done.catch(() => {
        if (this.fractionJob === job) this.fractionJob = null;
      });
      this.fractionJob = job;
    }
    const job = this.fractionJob!;
    if (onProgress) job.listeners.add(onProgress);
    try {
      return await job.done;
    } finally {
      if (onProgress) job.listeners.delete(onProgress);
    }
  }

  /**
   * A model file replaces the base or the code model; the others keep answering until it has been read whole,
   * and keep answering if it cannot be (a typed 'bad-input' error). A code model takes the place of every data
   * fraction and of every language (the fraction control then has 0 and 100%) with the λ fitted for the current
   * mixture: see withCodeModel.
   */
  private async load(req: Extract<Request, { type: 'load' }>, post: Post): Promise<void> {
    this.models.need();
    const ticket = this.models.begin();
    const started = performance.now();
    const { model, tokenizer } = await readModelFile(req.file, req.name, req.words, (p) =>
      post({ type: 'progress', id: req.id, stage: 'load', detail: p.detail, fraction: p.fraction, stageFraction: p.fraction, tokensPerSecond: 0 }),
    );
    // The models as they are now, after the read (a build may have gone live meanwhile: install() decides).
    const current = this.models.need();
    const old = current.all;
    const built: BuiltModels = req.role === 'base' ? { ...old, base: model, fits: old.fits.map((f) => ({ ...f, baseHeldOutBitsPerToken: NaN })) } : withCodeModel(old, model, current.mix.fittedLambda || 0.5);
    const set = new ModelSet(built);
    this.models.install(ticket, set, `loading "${req.name}"`);
    this.fractionJob?.controller.abort(); // they were for the models this file replaced
    this.earlyFractions?.abort();
    if (tokenizer === 'whitespace') {
      post({ type: 'notice', id: req.id, message: `"${req.name}" was read as whitespace-separated words; the editor's text is split into code tokens, which keep their leading space, so few of its words will match` });
    }
    post({ type: 'loaded', id: req.id, tokenizer, ready: set.ready(false, performance.now() - started) });
  }
}

/**
 * A code model file in place of every code model: it is the code group of every language (one component of the
 * mixture: ModelSet shares it), at fraction 1, and each language gives it `lambda`, the total code weight fitted
 * before (the held-out code is not kept in the worker, so nothing is refitted; the strength slider still moves it).
 */
function withCodeModel(old: BuiltModels, model: NgramModel, lambda: number): BuiltModels {
  return {
    base: old.base,
    groups: CODE_LANGUAGES.map((group) => ({ group, fractions: [{ fraction: 1, model }] })),
    fits: CODE_LANGUAGES.map((language) => ({
      language,
      fitTokens: 0,
      testTokens: 0,
      baseHeldOutBitsPerToken: NaN,
      fractions: [{ fraction: 1, weights: [1 - lambda, ...CODE_LANGUAGES.map((g) => (g === language ? lambda : 0))], heldOutBitsPerToken: NaN }],
    })),
  };
}

/** A request's final reply when it fails. */
function failed(id: number, e: unknown, post: Post): void {
  const code = e instanceof CodegramError ? e.code : 'internal';
  post({ type: 'error', id, code, message: e instanceof Error ? e.message : String(e) });
}
