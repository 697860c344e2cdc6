/**
 * The build in stages, so that something answers within seconds and the rest follows without holding up typing:
 *
 *   quick      a base model on the first 85,000 characters of English and a code model on the first 160,000 of
 *              the editor language's code (settings.ts QUICK_SIZES), weighed by EM on the start of its held-out fit
 *              part: answers while the full models count (ModelsReady.stage says so). Skipped by callers that only
 *              want the end result.
 *   full       the base model on all the English and each code group on all its code, each job scoring the
 *              held-out parts next to its model; then every language's weights by EM (fit.ts). This is what a
 *              reload needs, and what the model cache stores.
 *   fractions  each code group on 12.5%, 25% and 50% of its code (the data-fraction control and the fine-tuning
 *              curve), then the weights at every fraction. Built after the full models on a first visit, and
 *              only when first asked for after a reload from the cache.
 *
 * Jobs (jobs.ts) go to a JobRunner (runner.ts): in the page, two build workers, so English and code are counted
 * at once; here in Node, one after another. EM runs in the calling thread on the jobs' scores.
 */
import { CODE_GROUPS, CODE_LANGUAGES, codeGroupOf, type CodeGroup, type CodeLanguage } from '../corpus/types.ts';
import { fitWeights } from '../lm/em.ts';
import type { NgramModel } from '../lm/model.ts';
import type { BuiltModels } from './built.ts';
import { cacheScorings, fitFromScores, heldOutOf, type CacheScorings, type GroupModels, type HeldOutScores, type LanguageFit } from './fit.ts';
import { fractionOrder } from './fractions.ts';
import type { HeldOutPart } from './held-out.ts';
import { scoreSet, type JobProgress, type JobTokens, type ScoredSet, type TrainJob, type TrainOutput } from './jobs.ts';
import { ProgressMeter, type BuildProgress } from './progress.ts';
import type { JobRunner } from './runner.ts';
import type { Scheduler } from './scheduler.ts';
import { FRACTIONS, QUICK_SIZES, type QuickSizes } from './settings.ts';
import type { CodeFile, Texts } from './texts.ts';

/** The held-out parts every full and fraction job scores: each language's fit and test part, in this order. */
const PARTS: readonly { language: CodeLanguage; part: HeldOutPart }[] = CODE_LANGUAGES.flatMap((language) => (['fit', 'test'] as const).map((part) => ({ language, part })));

export interface StageHooks {
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
  /** Between jobs and fits, so this thread keeps answering (and hears a cancel). */
  scheduler: Scheduler;
}

/** What the fraction stage reuses of the full stage: the full models' scores of the held-out parts. */
export interface FullScores {
  base: ScoredSet[];
  /** Per group (BuiltModels.groups order), per part. */
  groups: ScoredSet[][];
}

/** One code group's files. */
export interface CodeGroupFiles {
  group: CodeGroup;
  files: CodeFile[];
}

/** Code training files by the group they train (another kind joins every language), each in fraction order. */
export function codeByGroup(code: readonly CodeFile[]): CodeGroupFiles[] {
  const byGroup = new Map<CodeGroup, CodeFile[]>();
  for (const f of code) {
    // Code of another kind (an upload's .go files, a made-up language) fine-tunes every language's model: the
    // user uploaded it to be learned, and no held-out files of its own exist to weigh a model of it in the mixture
    // (EM on Python's held-out files would give it no weight at all).
    const g = codeGroupOf(f.path, f.lang);
    for (const to of g === 'other' ? CODE_LANGUAGES : [g]) {
      if (!byGroup.has(to)) byGroup.set(to, []);
      byGroup.get(to)!.push(f);
    }
  }
  return CODE_GROUPS.filter((g) => byGroup.has(g)).map((group) => {
    const files = byGroup.get(group)!;
    return { group, files: fractionOrder(files.map((f) => f.path)).map((i) => files[i]) };
  });
}

/** Jobs' progress as one build's: each job's share by its characters, reported under one stage and span. */
class JobsMeter {
  private readonly done: number[];
  private readonly weights: number[];
  constructor(
    private readonly meter: ProgressMeter,
    private readonly stage: BuildProgress['stage'],
    private readonly from: number,
    private readonly to: number,
    private readonly jobs: readonly TrainJob[],
  ) {
    this.done = jobs.map(() => 0);
    const chars = jobs.map((j) => j.texts.reduce((a, t) => a + t.length, 0) * j.cuts.reduce((a, b) => a + b, 0));
    const all = chars.reduce((a, b) => a + b, 0) || 1;
    this.weights = chars.map((c) => c / all);
  }
  /** The progress callback of job i; the detail names the jobs under way. */
  progress(i: number): (p: JobProgress) => void {
    return (p) => {
      this.done[i] = p.fraction;
      const running = this.jobs.map((j, k) => (this.done[k] > 0 && this.done[k] < 1 ? `${j.label} ${Math.round(100 * this.done[k])}%` : '')).filter(Boolean);
      this.meter.report(this.stage, running.join(' · ') || 'starting', this.from, this.to, this.done.reduce((a, d, k) => a + d * this.weights[k], 0), p.tokens);
    };
  }
}

/** The first texts, until they hold `chars` characters (the one that crosses the mark included). */
function leading(texts: readonly string[], chars: number): string[] {
  const out: string[] = [];
  for (let held = 0, i = 0; i < texts.length && held < chars; i++) {
    out.push(texts[i]);
    held += texts[i].length;
  }
  return out;
}

/** Union vocabulary size of a mixture of these models (lm/mixture.ts: <unk>, <s>, </s>, then every token). */
function unionSize(models: readonly NgramModel[]): number {
  const words = new Set<string>();
  for (const m of models) for (const w of m.vocab.words) words.add(w);
  return words.size;
}

/** A job's scores in the mixture's terms: a token the model does not know gets its share of <unk> (lm/mixture.ts). */
function inUnion(s: ScoredSet, model: NgramModel, union: number): Float64Array {
  const share = 1 / (1 + Math.max(0, union - model.vocab.size));
  const out = new Float64Array(s.p.length);
  for (let t = 0; t < out.length; t++) out[t] = s.unknown[t] ? s.p[t] * share : s.p[t];
  return out;
}

function heldOutSets(heldOut: readonly CodeFile[]): string[][] {
  return PARTS.map(({ language, part }) => heldOutOf(heldOut, language, part));
}

/** EM on the jobs' scores: every language's weights over [base, every group at every fraction]. */
async function fitScored(
  base: NgramModel,
  baseScores: ScoredSet[],
  groups: readonly GroupModels[],
  groupScores: ScoredSet[][][],
  heldOut: readonly CodeFile[],
  hooks: StageHooks,
  meter: ProgressMeter,
  span: [number, number],
  before?: readonly LanguageFit[],
  cacheScored?: CacheScorings,
): Promise<LanguageFit[]> {
  const union = unionSize([base, ...groups.map((g) => g.fractions[0].model)]);
  const fractions = groups[0]?.fractions.map((f) => f.fraction) ?? [];
  const score = async (language: CodeLanguage, part: HeldOutPart): Promise<HeldOutScores> => {
    const k = PARTS.findIndex((x) => x.language === language && x.part === part);
    return {
      base: inUnion(baseScores[k], base, union),
      code: groups.flatMap((g, gi) => g.fractions.map((f, j) => inUnion(groupScores[gi][j][k], f.model, union))),
    };
  };
  const fits = await fitFromScores(
    groups.map((g) => g.group),
    fractions,
    heldOut,
    score,
    hooks.scheduler,
    (f) => meter.report('fit', 'held-out code', span[0], span[1], f),
    before,
    cacheScored,
  );
  meter.report('fit', 'held-out code', span[0], span[1], 1);
  return fits;
}

/**
 * What the quick code job reads: the first files of `language`'s code (else of the first group's) and of its held-out
 * fit part, in the order of the corpus, not in fraction order (codeByGroup): the worker can then tell from the start
 * of a file that it has them all (holdsQuickTexts). (In fraction order, a mix of packages, the quick Python model
 * guessed the next token 0.8 points more often.)
 */
function quickCode(t: Texts, language: CodeLanguage, sizes: QuickSizes): { group: CodeGroup; code: string[]; fitDocs: string[] } {
  const groups = codeByGroup(t.code);
  const group = (groups.find((g) => g.group === language) ?? groups[0]).group;
  // The group's files as codeByGroup has them: its own, and code of another kind (it joins every group).
  const inGroup = (f: CodeFile) => [group, 'other'].includes(codeGroupOf(f.path, f.lang));
  const code = leading(t.code.filter(inGroup).map((f) => f.text), sizes.code);
  const fitDocs = leading(heldOutOf(t.heldOut, group === 'other' ? language : (group as CodeLanguage), 'fit'), sizes.fit);
  return { group, code, fitDocs };
}

const chars = (texts: readonly string[]) => texts.reduce((a, x) => a + x.length, 0);

/**
 * Whether texts read so far, the start of the corpora, hold all that the quick models take from the whole of them
 * (the English, and `language`'s code with its fit documents): then the rest cannot change them.
 */
export function holdsQuickTexts(t: Texts, language: CodeLanguage, sizes: QuickSizes = QUICK_SIZES): { english: boolean; code: boolean } {
  const english = chars(t.general) >= sizes.english;
  if (!t.code.some((f) => codeGroupOf(f.path, f.lang) === language)) return { english, code: false };
  const { code, fitDocs } = quickCode(t, language, sizes);
  return { english, code: chars(code) >= sizes.code && chars(fitDocs) >= sizes.fit };
}

/**
 * The quick models: they answer while the full ones are counted. `language` picks the code they learn (the
 * editor's; the first group with code when it has none). `texts`: all the texts, or the code and the English apart
 * (a page still reading its corpora), each job starting as soon as its own texts are in.
 */
export async function buildQuick(
  texts: Promise<Texts> | { code: Promise<Texts>; english: Promise<Texts> },
  order: number,
  language: CodeLanguage,
  runner: JobRunner,
  hooks: StageHooks,
  sizes: QuickSizes = QUICK_SIZES,
): Promise<BuiltModels> {
  const parts = texts instanceof Promise ? { code: texts, english: texts } : texts;
  const meter = new ProgressMeter(hooks.onProgress);
  // Progress is shared by the characters of each job, known only once the texts are: both jobs count alike here.
  const progress = [0, 0];
  const report = (i: number) => (p: JobProgress) => {
    progress[i] = p.fraction;
    meter.report('quick', i === 0 ? 'English' : language, 0, 0.95, (progress[0] + progress[1]) / 2, p.tokens);
  };
  const codeRun = parts.code.then(async (t) => {
    const { group, code, fitDocs } = quickCode(t, language, sizes);
    const out = await runner.run({ label: group, texts: code, order, cuts: [1], regions: true, score: [fitDocs] }, hooks.signal, report(1));
    return { group, fitDocs, out };
  });
  const baseRun = parts.english.then((t) =>
    runner.run({ label: 'English', texts: leading(t.general, sizes.english), order, cuts: [1], regions: false, score: [] }, hooks.signal, report(0)),
  );
  baseRun.catch(() => undefined); // a failure of either is reported once, by the Promise.all below
  codeRun.catch(() => undefined);
  const [b, { group, fitDocs, out: c }] = await Promise.all([baseRun, codeRun]);
  // The English job does not see the fit documents (they come with the code): its model scores them here (sizes.fit
  // characters).
  const baseFit = scoreSet(b.models[0], fitDocs);
  const base = b.models[0];
  const model = c.models[0];
  const union = unionSize([base, model]);
  const probs = [inUnion(baseFit, base, union), inUnion(c.scored[0][0], model, union)];
  const weights = probs[0].length > 0 ? fitWeights(probs, { tolerance: 1e-6 }).weights : [0.5, 0.5];
  const fits: LanguageFit[] = CODE_LANGUAGES.map((l) => ({
    language: l,
    fitTokens: l === language ? probs[0].length : 0,
    testTokens: 0,
    baseHeldOutBitsPerToken: NaN,
    fractions: [{ fraction: 1, weights, heldOutBitsPerToken: NaN }],
  }));
  return { base, groups: [{ group, fractions: [{ fraction: 1, model }], regions: c.regions }], fits, stage: 'quick' };
}

/**
 * The full jobs' token streams: the English texts in order, and each group's files in its stream's order, ids in
 * the group's full model's vocabulary. The analysis views index the corpus from them (analysis/corpus-index.ts
 * indexFromStreams) instead of tokenizing it all again.
 */
export interface BuildStreams {
  general: Int32Array;
  groups: { group: CodeGroup; files: readonly CodeFile[]; stream: Int32Array }[];
}

/**
 * The full stage's jobs: the English, then each code group's, every one scoring the held-out parts; the editor's
 * language first among the groups (`ordered`): with the English on the other core, its model is done soonest.
 * `groups` are the code groups in codeByGroup's order. (bench/build-jobs.ts runs two of them as they are.)
 */
export function fullJobs(texts: Texts, order: number, language?: CodeLanguage): { groups: CodeGroupFiles[]; ordered: CodeGroupFiles[]; jobs: TrainJob[] } {
  const sets = heldOutSets(texts.heldOut);
  const groups = codeByGroup(texts.code);
  const ordered = [...groups].sort((a, b) => Number(b.group === language) - Number(a.group === language));
  const jobs: TrainJob[] = [
    { label: 'English', texts: texts.general, order, cuts: [1], regions: false, score: sets, keepStream: true },
    ...ordered.map((g) => ({ label: g.group, texts: g.files.map((f) => f.text), order, cuts: [1], regions: true, score: sets, keepStream: true })),
  ];
  return { groups, ordered, jobs };
}

/** The full models (every group at 100% of its code) and their weights; the held-out scores for the fraction stage. */
export async function buildFull(
  texts: Texts,
  order: number,
  runner: JobRunner,
  hooks: StageHooks,
  language?: CodeLanguage,
  /** Called as each code group's job ends, with its stream and vocabulary (the fraction jobs read them: tokenHandoff). */
  onTokens?: (group: CodeGroup, tokens: JobTokens) => void,
): Promise<{ built: BuiltModels; scores: FullScores; streams: BuildStreams | null }> {
  const meter = new ProgressMeter(hooks.onProgress);
  const { groups, ordered, jobs } = fullJobs(texts, order, language);
  const jm = new JobsMeter(meter, 'train', 0, 0.9, jobs);
  const pending = Promise.all(
    jobs.map((j, i) =>
      runner.run(j, hooks.signal, jm.progress(i)).then((out) => {
        if (i > 0 && out.stream) onTokens?.(ordered[i - 1].group, { stream: out.stream, vocab: out.models[0].vocab.words });
        return out;
      }),
    ),
  );
  // While the jobs count (elsewhere in the page), this thread scores the held-out code under the document cache.
  const cacheScored = cacheScorings(texts.heldOut, hooks.scheduler);
  cacheScored.catch(() => undefined); // a cancel stops both; the jobs' failure is the one reported
  const outs = await pending;
  const byGroup = new Map<CodeGroup, TrainOutput>(ordered.map((g, i) => [g.group, outs[i + 1]]));
  const base = outs[0].models[0];
  const built: GroupModels[] = groups.map((g) => {
    const o = byGroup.get(g.group)!;
    return { group: g.group, fractions: [{ fraction: 1, model: o.models[0] }], regions: o.regions };
  });
  const groupScores = groups.map((g) => [byGroup.get(g.group)!.scored[0]]);
  const fits = await fitScored(base, outs[0].scored[0], built, groupScores, texts.heldOut, hooks, meter, [0.9, 1], undefined, await cacheScored);
  const general = outs[0].stream;
  const codeStreams = ordered.map((g, i) => ({ group: g.group, files: g.files, stream: outs[i + 1].stream }));
  const streams = general && codeStreams.every((g) => g.stream) ? { general, groups: codeStreams as BuildStreams['groups'] } : null;
  return { built: { base, groups: built, fits, stage: 'full' }, scores: { base: outs[0].scored[0], groups: groupScores.map((s) => s[0]) }, streams };
}

/**
 * The fraction stage's jobs, queued in the runner as soon as the texts are known: on a first visit right behind the
 * full stage's, so that a build worker done with its full job goes on to them while the others finish and the
 * weights are fitted, instead of idling until the full models are live and the page asks (about 3 s of two cores).
 * `buildFractions` takes them; their progress goes wherever it points `onProgress`.
 */
export interface FractionJobs {
  /** The groups, in codeByGroup order, one job each. */
  groups: CodeGroup[];
  jobs: TrainJob[];
  outputs: Promise<TrainOutput[]>;
  /** Where job i's progress goes; none until buildFractions takes the jobs. */
  onProgress: ((i: number, p: JobProgress) => void) | null;
}

/**
 * `tokensOf`: the full job's stream and vocabulary of each group, when it has them (tokenHandoff): each fraction job
 * then waits for them and reads them instead of its texts. Tokenizing the code again and sending its texts to a build
 * worker took about 0.9 s of a build worker's time on a first visit and some 0.25 s of the model worker's.
 */
export function startFractionJobs(texts: Texts, order: number, runner: JobRunner, signal?: AbortSignal, tokensOf?: (group: CodeGroup) => Promise<JobTokens>): FractionJobs {
  const sets = heldOutSets(texts.heldOut);
  const partial = FRACTIONS.filter((f) => f < 1);
  const groups = codeByGroup(texts.code);
  // Regions are counted (and dropped) so the stream is read exactly as the full job read it: the same ids. (Jobs
  // are metered by these texts, whether they read them or the full job's tokens.)
  const jobs: TrainJob[] = groups.map((g) => ({ label: g.group, texts: g.files.map((f) => f.text), order, cuts: partial, regions: true, score: sets }));
  const started: FractionJobs = { groups: groups.map((g) => g.group), jobs, outputs: Promise.resolve([]), onProgress: null };
  const run = (job: TrainJob, i: number) => runner.run(job, signal, (p) => started.onProgress?.(i, p));
  started.outputs = Promise.all(
    jobs.map((j, i) => (tokensOf ? tokensOf(groups[i].group).then((tokens) => run({ ...j, texts: [], regions: false, tokens }, i)) : run(j, i))),
  );
  started.outputs.catch(() => undefined); // whoever takes them hears of a failure; jobs nobody took fail silently
  return started;
}

/**
 * Hands each code group's tokens from its full job (buildFull's onTokens) to its fraction job (startFractionJobs'
 * tokensOf), which may ask first. `fail` rejects whatever is still to come (the full stage failed or was stopped).
 */
export function tokenHandoff(): { give: (group: CodeGroup, tokens: JobTokens) => void; take: (group: CodeGroup) => Promise<JobTokens>; fail: (e: unknown) => void } {
  const waits = new Map<CodeGroup, { promise: Promise<JobTokens>; resolve: (t: JobTokens) => void; reject: (e: unknown) => void }>();
  const entry = (group: CodeGroup) => {
    let w = waits.get(group);
    if (!w) {
      let resolve!: (t: JobTokens) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<JobTokens>((res, rej) => ((resolve = res), (reject = rej)));
      promise.catch(() => undefined); // a group nobody asks for fails silently
      w = { promise, resolve, reject };
      waits.set(group, w);
    }
    return w;
  };
  return {
    give: (group, tokens) => entry(group).resolve(tokens),
    take: (group) => entry(group).promise,
    fail: (e) => {
      for (const w of waits.values()) w.reject(e);
    },
  };
}

/**
 * The fraction models of every group beside the full ones, and the weights at every fraction. `scores` are the
 * full models' held-out scores when the full stage just ran; without them (models from the cache) they are
 * computed here, in slices. `started`: the jobs startFractionJobs queued for these texts (else queued now).
 */
export async function buildFractions(
  texts: Texts,
  order: number,
  full: BuiltModels,
  runner: JobRunner,
  hooks: StageHooks,
  scores?: FullScores,
  started?: FractionJobs,
): Promise<BuiltModels> {
  const meter = new ProgressMeter(hooks.onProgress);
  const sets = heldOutSets(texts.heldOut);
  const partial = FRACTIONS.filter((f) => f < 1);
  const jobs = started ?? startFractionJobs(texts, order, runner, hooks.signal);
  if (jobs.groups.join() !== full.groups.map((g) => g.group).join()) throw new Error('the fraction models must come from the texts the full models were built from');
  const jm = new JobsMeter(meter, 'fractions', 0, 0.9, jobs.jobs);
  jobs.onProgress = (i, p) => jm.progress(i)(p);
  const pending = jobs.outputs;
  let have = scores;
  if (!have) {
    // Scored here while the jobs run elsewhere; a set at a time, so the worker keeps answering.
    const scoreAll = async (model: NgramModel) => {
      const out: ScoredSet[] = [];
      for (const docs of sets) {
        out.push(scoreSet(model, docs));
        await hooks.scheduler.pause();
      }
      return out;
    };
    have = { base: await scoreAll(full.base), groups: [] };
    for (const g of full.groups) have.groups.push(await scoreAll(g.fractions[g.fractions.length - 1].model));
  }
  const outs = await pending;
  const built: GroupModels[] = full.groups.map((g, gi) => ({
    ...g,
    fractions: [...partial.map((fraction, j) => ({ fraction, model: outs[gi].models[j] })), g.fractions[g.fractions.length - 1]],
  }));
  const groupScores = full.groups.map((_, gi) => [...outs[gi].scored, have.groups[gi]]);
  // The document cache's weight was fitted at 100% of the code by the full stage: the same models, the same weight.
  const fits = await fitScored(full.base, have.base, built, groupScores, texts.heldOut, hooks, meter, [0.9, 1], full.fits);
  return { base: full.base, groups: built, fits, stage: 'complete' };
}
