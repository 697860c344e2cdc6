/**
 * The build pipeline, pure and testable in Node: corpora → tokens → counts → base and code models → weights.
 *
 * Input:  a CorpusAccess (access.ts), BuildSettings.
 * Output: BuiltModels: the base model (general corpora, train split); for each language (python, javascript,
 *         typescript; corpus/types.ts codeGroupOf; code of any other kind joins all three) one code
 *         model per data fraction (train split; fractions.ts), each group in a vocabulary of its own; and for
 *         each editor language and fraction the weights of its mixture [base, every group at that fraction],
 *         fitted by EM on the fit part of that language's held-out files and measured on the test part (fit.ts).
 *
 * Work runs in slices (scheduler.ts) so the worker keeps answering and a cancel stops it between slices.
 * Progress goes out at most every PROGRESS_MS and at every stage change; its overall `fraction` never decreases.
 */
import { CODE_GROUPS, CODE_LANGUAGES, codeGroupOf, type CodeGroup } from '../corpus/types.ts';
import type { NgramModel } from '../lm/model.ts';
import { modelFromStream, tokenizeSteps, trainSteps, type TrainProgress } from '../lm/train.ts';
import { RegionCounts } from '../lm/regions.ts';
import { Vocab } from '../lm/vocab.ts';
import type { CorpusAccess } from './access.ts';
import { fitLanguages, type FractionFit, type GroupModels, type LanguageFit } from './fit.ts';
import { fractionCuts, fractionOrder } from './fractions.ts';
import { ProgressMeter, type BuildProgress } from './progress.ts';
import { Scheduler } from './scheduler.ts';
import { FRACTIONS, TEXT_OPTIONS, type BuildSettings } from './settings.ts';
import { loadTexts, type Texts } from './texts.ts';

export interface BuildHooks {
  onProgress?: (p: BuildProgress) => void;
  signal?: AbortSignal;
  /** Receives the loaded texts before training (the analysis views keep what they need of them). */
  onTexts?: (texts: Texts) => void;
}

export type { FractionFit, GroupModels, LanguageFit };

export interface BuiltModels {
  base: NgramModel;
  /** Groups with training files, in CODE_GROUPS order (a group without files has no models and no weight). */
  groups: GroupModels[];
  /** One per CODE_LANGUAGES entry. */
  fits: LanguageFit[];
}

/**
 * Builds the base model, the code models of every group at every fraction, and fits every language's weights.
 * Rejects with CodegramError('cancelled') soon after `hooks.signal` aborts.
 */
export async function buildModels(access: CorpusAccess, settings: BuildSettings, hooks: BuildHooks = {}): Promise<BuiltModels> {
  const scheduler = new Scheduler({ signal: hooks.signal });
  const meter = new ProgressMeter(hooks.onProgress);
  const { texts } = await loadTexts(access, settings, scheduler, meter);
  hooks.onTexts?.(texts);
  return buildWith(texts, settings.order, scheduler, meter);
}

/** Only the texts of a build (the analysis views, after models came from the cache). */
export async function loadCorpusTexts(access: CorpusAccess, settings: BuildSettings, hooks: BuildHooks = {}): Promise<Texts> {
  return (await loadTexts(access, settings, new Scheduler({ signal: hooks.signal }), new ProgressMeter(hooks.onProgress))).texts;
}

/** The same build from texts already in memory (tests, the bench). */
export function buildFromTexts(texts: Texts, order: number, hooks: BuildHooks = {}): Promise<BuiltModels> {
  return buildWith(texts, order, new Scheduler({ signal: hooks.signal }), new ProgressMeter(hooks.onProgress));
}

async function buildWith(texts: Texts, order: number, s: Scheduler, m: ProgressMeter): Promise<BuiltModels> {
  const options = { ...TEXT_OPTIONS, order };
  const stageFraction = (p: TrainProgress) => (p.stage === 'tokenize' ? 0.5 * p.fraction : p.stage === 'count' ? 0.5 + 0.4 * p.fraction : 0.9 + 0.1 * p.fraction);

  // Base model: general text, train split.
  const base = await s.drive(trainSteps(texts.general, options), (p) => m.report('base', p.stage, 0.1, 0.45, stageFraction(p), p.tokens));

  // Code, group by group: one tokenization, then one model per fraction of the group's stream.
  const byGroup = new Map<CodeGroup, { path: string; text: string }[]>();
  for (const f of texts.code) {
    // Code of another kind (an upload's .go files, a made-up language) fine-tunes every language's model: the
    // user uploaded it to be learned, and no held-out files of its own exist to weigh a model of it in the mixture
    // (EM on Python's held-out files would give it no weight at all).
    const g = codeGroupOf(f.path, f.lang);
    for (const to of g === 'other' ? CODE_LANGUAGES : [g]) {
      if (!byGroup.has(to)) byGroup.set(to, []);
      byGroup.get(to)!.push(f);
    }
  }
  const present = CODE_GROUPS.filter((g) => byGroup.has(g));
  const chars = present.map((g) => byGroup.get(g)!.reduce((a, f) => a + f.text.length, 0));
  const allChars = chars.reduce((a, b) => a + b, 0) || 1;
  const weightOf = FRACTIONS.map((f) => f / FRACTIONS.reduce((a, b) => a + b, 0));
  let spanFrom = 0.45;
  const groups: GroupModels[] = [];
  for (const [gi, group] of present.entries()) {
    const files = byGroup.get(group)!;
    const groupSpan = 0.4 * (chars[gi] / allChars);
    const orderIdx = fractionOrder(files.map((c) => c.path));
    const vocab = new Vocab();
    const regions = new RegionCounts();
    const tokenizeTo = spanFrom + 0.2 * groupSpan;
    const growable = await s.drive(tokenizeSteps(orderIdx.map((i) => files[i].text), vocab, { ...TEXT_OPTIONS, regions }), (p) => m.report('code', `${group}: tokenize`, spanFrom, tokenizeTo, p.fraction, p.tokens));
    spanFrom = tokenizeTo;
    const stream = growable.view();
    const cuts = fractionCuts(stream, FRACTIONS);
    const fractions: GroupModels['fractions'] = [];
    for (let j = 0; j < FRACTIONS.length; j++) {
      const spanTo = spanFrom + 0.8 * groupSpan * weightOf[j];
      const from = spanFrom;
      const label = `${group}: ${FRACTIONS[j] * 100}% of the code`;
      const model = await s.drive(modelFromStream(stream.subarray(0, cuts[j].end), vocab, options, cuts[j].tokens), (p) =>
        m.report('code', label, from, spanTo, p.stage === 'count' ? 0.8 * p.fraction : 0.8 + 0.2 * p.fraction, p.tokens),
      );
      fractions.push({ fraction: FRACTIONS[j], model });
      spanFrom = spanTo;
    }
    groups.push({ group, fractions, regions });
  }

  // Each language's weights by EM on the fit part of its held-out files, measured on the test part.
  m.report('fit', 'held-out code', 0.85, 1, 0);
  const fits = await fitLanguages(base, groups, texts.heldOut, s, (f) => m.report('fit', 'held-out code', 0.85, 1, f, 0));
  m.report('fit', 'held-out code', 0.85, 1, 1);
  return { base, groups, fits };
}
