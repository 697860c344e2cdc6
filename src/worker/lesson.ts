/**
 * The worker side of the lesson views (token colouring, smoothing side by side): thin code over lm/ and the
 * live ModelSet, called from the service's switch.
 *
 * Ranks for the colouring go to 1000 (GLTR's classes: top 10, 100, 1000, beyond). A top-1000 query costs about
 * ten times a top-100 one (bench: `npm run bench`, section lessons), so ranks are found in two steps: the top 100
 * for every token, the top 1000 only for tokens not in it. The work runs in slices that yield to the event loop,
 * so completions asked meanwhile are answered between slices, and a newer score request stops an older one
 * (which then gets the 'cancelled' error): typing never waits for a whole colouring pass.
 */
import { compareSmoothing, type SmoothingComparison } from '../lm/smoothing.ts';
import type { MixtureModel } from '../lm/mixture.ts';
import { getTokenizer } from '../lm/tokenizer.ts';
import { BOS, type TokenId } from '../lm/types.ts';
import { BuildError, TEXT_OPTIONS } from './pipeline.ts';
import { RANK_DEPTH, type ModelKind, type TokenReport } from './protocol.ts';
import type { ModelSet } from './service.ts';

/** Deepest rank the colouring asks for. */
export const DEEP_RANK = 1000;
const SLICE_MS = 12;

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

export class LessonViews {
  private latestScore = 0;

  /** Per-token scores and ranks of a text under both models (ranks up to `depth`), in slices; see the top. */
  async score(m: ModelSet, id: number, text: string, depth: number): Promise<ScoredText> {
    this.latestScore = id;
    const d = Math.max(1, Math.min(DEEP_RANK, Math.floor(depth)));
    const tokens = getTokenizer(TEXT_OPTIONS.tokenizer)(text);
    const ids = m.ids(tokens);
    // Without the document cache: it holds this very text, so it would "predict" every token it is scoring.
    const [base, finetuned] = [m.base, m.finetuned].map((model) => model.view(withoutCache(model.getWeights())));
    const b = base.scoreSequence(ids);
    const f = finetuned.scoreSequence(ids);
    const all = [BOS, ...ids];
    const reports: TokenReport[] = [];
    let start = 0;
    let slice = performance.now();
    for (let i = 0; i < tokens.length; i++) {
      const rank = (model: MixtureModel) => rankOf(model, all.slice(Math.max(0, i + 1 - (model.order - 1)), i + 1), ids[i], d);
      reports.push({ token: tokens[i], start, base: { ...b[i], rank: rank(base) }, finetuned: { ...f[i], rank: rank(finetuned) } });
      start += tokens[i].length;
      if (performance.now() - slice > SLICE_MS) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        if (this.latestScore !== id) throw new BuildError('cancelled', 'a newer score request replaced this one');
        slice = performance.now();
      }
    }
    const bits = (s: { log2Prob: number }[]) => (s.length ? -s.reduce((a, x) => a + x.log2Prob, 0) / s.length : 0);
    return { tokens: reports, bitsPerToken: { base: bits(b), finetuned: bits(f) } };
  }

  /**
   * The four smoothing methods after the text, on the raw counts of the base model (for 'base') or of the code
   * model at the current data fraction (for 'finetuned': the fine-tuned model is a mixture, it has no counts).
   */
  smoothing(m: ModelSet, text: string, model: ModelKind, k: number, addK: number): { comparison: SmoothingComparison; counts: 'base' | 'code' } {
    const code = m.built.code;
    const fraction = m.mix.dataFraction;
    const lm = model === 'base' || code.length === 0 || fraction === 0 ? m.built.base : (code.find((c) => c.fraction === fraction) ?? code[code.length - 1]).model;
    const tokens = getTokenizer(TEXT_OPTIONS.tokenizer)(text);
    const context = [BOS, ...tokens.map((t) => lm.vocab.id(t))].slice(-(lm.order - 1));
    const top = Math.max(1, Math.min(30, Math.floor(k)));
    return { comparison: compareSmoothing(lm, context, top, { addK }), counts: lm === m.built.base ? 'base' : 'code' };
  }
}
