/**
 * The build pipeline, pure and testable in Node: corpora → tokens → counts → base and code models → λ.
 *
 * Input:  a CorpusAccess (access.ts), BuildSettings.
 * Output: BuiltModels: the base model (general corpora, train split), one code model per data fraction
 *         (code corpora, train split; fractions.ts), λ fitted by EM on the held-out code files for each fraction.
 *
 * Work runs in slices (scheduler.ts) so the worker keeps answering and a cancel stops it between slices.
 * Progress goes out at most every PROGRESS_MS and at every stage change; its overall `fraction` never decreases.
 */
import type { NgramModel } from '../lm/model.ts';
import { modelFromStream, tokenizeSteps, trainSteps, type TrainProgress } from '../lm/train.ts';
import { Vocab } from '../lm/vocab.ts';
import type { CorpusAccess } from './access.ts';
import { fitAll } from './fit.ts';
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

/**
 * Builds the base model, the code models at every fraction, and fits λ for each.
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

