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
 * The work is done in stages (staged.ts) by jobs that a JobRunner runs (runner.ts): the page's model worker runs
 * the stages itself, with two build workers; `buildModels` here runs them all in this thread, in slices
 * (scheduler.ts), so a cancel stops it between slices. Progress goes out at most every PROGRESS_MS and at every
 * stage change.
 */
import type { CodeGroup } from '../corpus/types.ts';
import type { CorpusAccess } from './access.ts';
import type { BuiltModels, ModelsStage } from './built.ts';
import type { FractionFit, GroupModels, LanguageFit } from './fit.ts';
import { ProgressMeter, type BuildProgress } from './progress.ts';
import { inThreadRunner } from './runner.ts';
import { Scheduler } from './scheduler.ts';
import type { BuildSettings } from './settings.ts';
import { buildFractions, buildFull } from './staged.ts';
import { loadTexts, type Texts } from './texts.ts';

export interface BuildHooks {
  onProgress?: (p: BuildProgress) => void;
  signal?: AbortSignal;
  /** Receives the loaded texts before training (the analysis views keep what they need of them). */
  onTexts?: (texts: Texts) => void;
}

export type { BuiltModels, CodeGroup, FractionFit, GroupModels, LanguageFit, ModelsStage };

/**
 * Builds the base model, the code models of every group at every fraction, and fits every language's weights.
 * Rejects with CodegramError('cancelled') soon after `hooks.signal` aborts.
 */
export async function buildModels(access: CorpusAccess, settings: BuildSettings, hooks: BuildHooks = {}): Promise<BuiltModels> {
  const scheduler = new Scheduler({ signal: hooks.signal });
  const { texts } = await loadTexts(access, settings, scheduler, new ProgressMeter(hooks.onProgress));
  hooks.onTexts?.(texts);
  return buildWith(texts, settings.order, scheduler, hooks);
}

/** Only the texts of a build (the analysis views, after models came from the cache). */
export async function loadCorpusTexts(access: CorpusAccess, settings: BuildSettings, hooks: BuildHooks = {}): Promise<Texts> {
  return (await loadTexts(access, settings, new Scheduler({ signal: hooks.signal }), new ProgressMeter(hooks.onProgress))).texts;
}

/** The same build from texts already in memory (tests, the bench). */
export function buildFromTexts(texts: Texts, order: number, hooks: BuildHooks = {}): Promise<BuiltModels> {
  return buildWith(texts, order, new Scheduler({ signal: hooks.signal }), hooks);
}

async function buildWith(texts: Texts, order: number, scheduler: Scheduler, hooks: BuildHooks): Promise<BuiltModels> {
  const runner = inThreadRunner();
  // Each stage reports 0..1 of its own; as one build, the full models are the first 70% and the fractions the rest.
  let last = 0;
  const within = (from: number, to: number) => (p: BuildProgress) => {
    last = Math.max(last, from + (to - from) * p.fraction);
    hooks.onProgress?.({ ...p, fraction: last });
  };
  const full = await buildFull(texts, order, runner, { signal: hooks.signal, onProgress: within(0.1, 0.7), scheduler });
  return buildFractions(texts, order, full.built, runner, { signal: hooks.signal, onProgress: within(0.7, 1), scheduler }, full.scores);
}
