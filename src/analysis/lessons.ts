/**
 * The lesson views' computations over the live models: every token of a text scored and ranked under both
 * models (the token colouring), and the four smoothing methods side by side. Pure, over a ModelSet.
 *
 * Ranks for the colouring go to DEEP_RANK (GLTR's classes: top 10, 100, 1000, beyond). A top-1000 query costs
 * about ten times a top-100 one (bench: `npm run bench`, section lessons), so ranks are found in two steps: the
 * top RANK_DEPTH for every token, the top DEEP_RANK only for tokens not in it. The work pauses through the
 * caller's scheduler (build/scheduler.ts), so completions asked meanwhile are answered between slices and a
 * newer request stops an older one.
 */
import type { ModelKind, ModelSet } from '../build/model-set.ts';
import { TEXT_OPTIONS } from '../build/settings.ts';
import type { MixtureModel } from '../lm/mixture.ts';
import { compareSmoothing, type SmoothingComparison } from '../lm/smoothing.ts';
import { getTokenizer } from '../lm/tokenizer.ts';
import { BOS, type TokenId, type TokenScore } from '../lm/types.ts';

/** Ranks deeper than this are looked for only in a second, deeper step. */
export const RANK_DEPTH = 100;
/** Deepest rank the colouring asks for; deeper ranks are reported as null ("beyond"). */
export const DEEP_RANK = 1000;

export interface TokenReport {
  token: string;
  /** Offset of the token in the text, in UTF-16 code units. */
  start: number;
  base: TokenScore & { rank: number | null };
  finetuned: TokenScore & { rank: number | null };
}

export interface ScoredText {
  tokens: TokenReport[];
  bitsPerToken: { base: number; finetuned: number };
}

/** Rank of `word` after `context` (1-based), looking `depth` deep in two steps, or null when deeper. */
function rankOf(model: MixtureModel, context: readonly TokenId[], word: TokenId, depth: number): number | null {
  for (const k of depth > RANK_DEPTH ? [RANK_DEPTH, depth] : [depth]) {
    const r = model.topK(context, k, { includeEnd: true }).findIndex((p) => p.id === word);
    if (r >= 0) return r + 1;
  }
  return null;
}

/** The mixture weights with the document cache (the last component, see ModelSet) set to 0; the rest renormalise. */
function withoutCache(weights: readonly number[]): number[] {
  return weights.map((w, i) => (i === weights.length - 1 ? 0 : w));
}

/**
 * Per-token scores and ranks (to `depth`, at most DEEP_RANK) of a text under both models. Without the document
 * cache: it holds this very text, so it would "predict" every token it is scoring.
 */
export async function scoreText(m: ModelSet, text: string, depth: number, pause: () => Promise<void>): Promise<ScoredText> {
  const d = Math.max(1, Math.min(DEEP_RANK, Math.floor(depth)));
  const tokens = getTokenizer(TEXT_OPTIONS.tokenizer)(text);
  const ids = m.ids(tokens);
  const [base, finetuned] = [m.base, m.finetuned].map((model) => model.view(withoutCache(model.getWeights())));
  const b = base.scoreSequence(ids);
  const f = finetuned.scoreSequence(ids);
  const all = [BOS, ...ids];
  const reports: TokenReport[] = [];
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const rank = (model: MixtureModel) => rankOf(model, all.slice(Math.max(0, i + 1 - (model.order - 1)), i + 1), ids[i], d);
    reports.push({ token: tokens[i], start, base: { ...b[i], rank: rank(base) }, finetuned: { ...f[i], rank: rank(finetuned) } });
    start += tokens[i].length;
    await pause();
  }
  const bits = (s: { log2Prob: number }[]) => (s.length ? -s.reduce((a, x) => a + x.log2Prob, 0) / s.length : 0);
  return { tokens: reports, bitsPerToken: { base: bits(b), finetuned: bits(f) } };
}

/**
 * The four smoothing methods after the text, on the raw counts of the base model (for 'base') or of the code
 * model at the current data fraction (for 'finetuned': the fine-tuned model is a mixture, it has no counts).
 */
export function smoothingAfter(m: ModelSet, text: string, model: ModelKind, k: number, addK: number): { comparison: SmoothingComparison; counts: 'base' | 'code' } {
  const code = m.built.code;
  const fraction = m.mix.dataFraction;
  const lm = model === 'base' || code.length === 0 || fraction === 0 ? m.built.base : (code.find((c) => c.fraction === fraction) ?? code[code.length - 1]).model;
  const tokens = getTokenizer(TEXT_OPTIONS.tokenizer)(text);
  const context = [BOS, ...tokens.map((t) => lm.vocab.id(t))].slice(-(lm.order - 1));
  const top = Math.max(1, Math.min(30, Math.floor(k)));
  return { comparison: compareSmoothing(lm, context, top, { addK }), counts: lm === m.built.base ? 'base' : 'code' };
}
