/**
 * The naturalness table, after Hindle, Barr, Su, Gabel and Devanbu (2012), "On the Naturalness of
 * Software": cross-entropy (bits per token) of held-out English and code under n-gram models of orders
 * 1 to 6. Their finding: code is far more repetitive, hence more predictable, than English.
 *
 * Input:  the English and code training streams (CorpusIndex: the very streams the site's models were
 *         counted from; the code stream holds every language), the held-out files with their language (the
 *         English, and the test part of the held-out code), the fit part of the held-out code, the orders.
 * Output: for each order n, bits per token of each held-out language under
 *           base_n      (modified Kneser-Ney, English),
 *           code_n      (modified Kneser-Ney, all code of every language: Hindle et al.'s setting),
 *           finetuned_n = λ_n · code_n + (1 − λ_n) · base_n, λ_n fitted by EM on the fit part of the held-out
 *                         code and measured, like every figure here, on the test part (build/held-out.ts),
 *         computed from per-token probabilities (pipeline.heldOutProbabilities, the same scoring the build's
 *         λ fit uses) in the union vocabulary, so unknown tokens get the mixture's share of <unk> mass.
 *
 * Each model is trained, scored and dropped before the next, so memory peaks at one order's pair of models.
 * Training is driven in slices through the caller's scheduler, so a worker keeps answering queries meanwhile.
 */
import { fitLambda, mixtureLog2 } from '../lm/em.ts';
import type { NgramModel } from '../lm/model.ts';
import { modelFromStream, type TrainProgress } from '../lm/train.ts';
import { heldOutProbabilities } from '../build/fit.ts';
import type { Scheduler } from '../build/scheduler.ts';
import { TEXT_OPTIONS } from '../build/settings.ts';
import type { CorpusIndex } from './corpus-index.ts';

export interface HeldOutFile {
  /** `english`, `python`, `javascript`, `typescript`, … */
  lang: string;
  text: string;
}

export interface LangBits {
  base: number;
  code: number;
  finetuned: number;
}

export interface NaturalnessRow {
  order: number;
  /** λ of the fine-tuned model at this order (EM on the fit part of the held-out code). */
  lambda: number;
  /** Bits per token by held-out language. */
  bits: Record<string, LangBits>;
}

export interface NaturalnessTable {
  langs: string[];
  /** Scored tokens per language (every token plus one </s> per file). */
  tokens: Record<string, number>;
  rows: NaturalnessRow[];
  elapsedMs: number;
}

export interface NaturalnessOptions {
  orders: readonly number[];
  /** Drives the training in slices and yields between them (and may throw to cancel): build/scheduler.ts. */
  scheduler: Pick<Scheduler, 'drive' | 'pause'>;
  onProgress?: (fraction: number, detail: string) => void;
  /** The fit part of the held-out code (λ_n is fitted on it); none: λ_n = 0.5. */
  fitHeldOut?: readonly HeldOutFile[];
  /** Models already built at some order (the site's own), used instead of training again. */
  known?: (order: number) => { base: NgramModel; code?: NgramModel } | undefined;
}

export async function naturalness(general: CorpusIndex, code: CorpusIndex, heldOut: readonly HeldOutFile[], options: NaturalnessOptions): Promise<NaturalnessTable> {
  const started = performance.now();
  const langs = [...new Set(heldOut.map((h) => h.lang))].sort((a, b) => (a === 'english' ? -1 : b === 'english' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const docs = new Map(langs.map((l) => [l, heldOut.filter((h) => h.lang === l).map((h) => h.text)]));
  // Work per order grows with the order (one more level to count and estimate); weight progress so.
  const weights = options.orders.map((n) => n + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  let done = 0;
  const rows: NaturalnessRow[] = [];
  const tokens: Record<string, number> = {};
  for (let k = 0; k < options.orders.length; k++) {
    const order = options.orders[k];
    const span = weights[k] / total;
    const report = (f: number, detail: string) => options.onProgress?.(Math.min(1, done + span * f), `order ${order}: ${detail}`);
    const train = (index: CorpusIndex, from: number, to: number): Promise<NgramModel> =>
      options.scheduler.drive(modelFromStream(index.stream, index.vocab, { ...TEXT_OPTIONS, order }, index.tokens), (p: TrainProgress) =>
        report(from + (to - from) * (p.stage === 'count' ? 0.8 * p.fraction : 0.8 + 0.2 * p.fraction), `training the ${index.name} model`),
      );
    const known = options.known?.(order);
    const base = known?.base ?? (await train(general, 0, 0.3));
    const codeModel = known?.code ?? (await train(code, 0.3, 0.8));
    const probs = new Map<string, { base: Float64Array; code: Float64Array }>();
    for (const [i, lang] of langs.entries()) {
      const p = await heldOutProbabilities(base, [codeModel], docs.get(lang) ?? [], options.scheduler, (f) => report(0.8 + (0.2 * (i + f)) / langs.length, `scoring held-out ${lang}`));
      probs.set(lang, { base: p.base, code: p.code[0] });
      tokens[lang] = p.base.length;
    }
    const fitDocs = (options.fitHeldOut ?? []).filter((h) => h.lang !== 'english').map((h) => h.text);
    const fit = await heldOutProbabilities(base, [codeModel], fitDocs, options.scheduler);
    const lambda = fit.base.length > 0 ? fitLambda(fit.code[0], fit.base).lambda : 0.5;
    const bits: Record<string, LangBits> = {};
    for (const [lang, p] of probs) {
      bits[lang] = { base: -mixtureLog2(p.base, p.base, 0), code: -mixtureLog2(p.code, p.code, 0), finetuned: -mixtureLog2(p.code, p.base, lambda) };
    }
    rows.push({ order, lambda, bits });
    done += span;
    options.onProgress?.(done, `order ${order} done`);
    await options.scheduler.pause();
  }
  return { langs, tokens, rows, elapsedMs: performance.now() - started };
}
