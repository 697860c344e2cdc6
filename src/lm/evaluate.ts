/**
 * Held-out evaluation, reported as KenLM's `query` does (perplexity with and without OOVs over every
 * token plus </s>) and as code-completion papers do (top-1, top-5 accuracy, mean reciprocal rank).
 */
import type { LanguageModel } from './model.ts';
import { sentencesOf, type TextOptions } from './text.ts';
import { BOS, EOS, UNK, type TokenId } from './types.ts';

export interface EvalResult {
  /** Scored tokens: every token plus one </s> per sentence. */
  tokens: number;
  /** Tokens the model never saw (scored as <unk>). */
  oov: number;
  perplexity: number;
  perplexityExclOov: number;
  /** Cross-entropy, bits per token, OOVs included. */
  bitsPerToken: number;
  /** Next-token accuracy: the true token is the model's first guess / among its first five. */
  top1: number;
  top5: number;
  /** Mean reciprocal rank of the true token among the top 10 (0 beyond, as in MRR@10). */
  mrr: number;
  elapsedMs: number;
}

export interface EvalOptions extends TextOptions {
  /** Compute top-1/top-5/MRR too (a top-10 query per token: slower than scoring). Default true. */
  accuracy?: boolean;
}

const MRR_DEPTH = 10;

export function evaluate(model: LanguageModel, documents: readonly string[], options: EvalOptions): EvalResult {
  const started = performance.now();
  let tokens = 0;
  let oov = 0;
  let sum = 0;
  let sumKnown = 0;
  let hits1 = 0;
  let hits5 = 0;
  let rr = 0;
  const accuracy = options.accuracy ?? true;
  for (const doc of documents) {
    for (const sentence of sentencesOf(doc, options)) {
      const ids = sentence.map((t) => model.vocab.id(t));
      const scores = model.scoreSequence(ids, { eos: true });
      for (let i = 0; i < scores.length; i++) {
        const target = i < ids.length ? ids[i] : EOS;
        tokens++;
        sum += scores[i].log2Prob;
        if (target === UNK) oov++;
        else sumKnown += scores[i].log2Prob;
      }
      if (accuracy) {
        const context: TokenId[] = [BOS, ...ids];
        for (let i = 0; i <= ids.length; i++) {
          const target = i < ids.length ? ids[i] : EOS;
          if (target === UNK) continue; // an unknown token cannot be guessed: a miss
          const from = Math.max(0, i + 1 - (model.order - 1));
          const top = model.topK(context.slice(from, i + 1), MRR_DEPTH, { includeEnd: true });
          const rank = top.findIndex((p) => p.id === target);
          if (rank === 0) hits1++;
          if (rank >= 0 && rank < 5) hits5++;
          if (rank >= 0) rr += 1 / (rank + 1);
        }
      }
    }
  }
  const known = tokens - oov;
  return {
    tokens,
    oov,
    perplexity: 2 ** (-sum / Math.max(1, tokens)),
    perplexityExclOov: 2 ** (-sumKnown / Math.max(1, known)),
    bitsPerToken: -sum / Math.max(1, tokens),
    top1: accuracy ? hits1 / Math.max(1, tokens) : NaN,
    top5: accuracy ? hits5 / Math.max(1, tokens) : NaN,
    mrr: accuracy ? rr / Math.max(1, tokens) : NaN,
    elapsedMs: performance.now() - started,
  };
}
