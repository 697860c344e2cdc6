/**
 * Held-out evaluation, reported as KenLM's `query` does (perplexity with and without OOVs over every
 * token plus </s>) and as code-completion papers do (top-1, top-5 accuracy, mean reciprocal rank).
 */
import { ByteVocab, whitespaceIds } from './byte-vocab.ts';
import { GrowableInt32 } from './growable.ts';
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

/**
 * Scores documents (strings, or UTF-8 bytes checked by input.ts `textBytes`: with the whitespace tokenizer those are
 * read without a string per token, byte-vocab.ts).
 */
export function evaluate(model: LanguageModel, documents: readonly (string | Uint8Array)[], options: EvalOptions): EvalResult {
  const started = performance.now();
  const scorer = new SentenceScorer(model, options.accuracy ?? true);
  let bytesIndex: ByteVocab | null = null;
  for (const doc of documents) {
    if (typeof doc !== 'string' && options.tokenizer === 'whitespace') {
      bytesIndex ??= ByteVocab.of(model.vocab);
      const ids = new GrowableInt32(1 << 16);
      const ends = new GrowableInt32(1 << 10);
      whitespaceIds(doc, bytesIndex, { lines: options.lines, mode: 'score' }, ids, ends);
      const all = ids.view();
      const to = ends.view();
      for (let s = 0, from = 0; s < to.length; from = to[s++]) scorer.add(all, from, to[s]);
      continue;
    }
    const text = typeof doc === 'string' ? doc : new TextDecoder('utf-8', { ignoreBOM: true }).decode(doc);
    for (const sentence of sentencesOf(text, options)) {
      const ids = sentence.map((t) => model.vocab.id(t));
      scorer.add(ids, 0, ids.length);
    }
  }
  return scorer.result(performance.now() - started);
}

/** The running sums of an evaluation, one sentence (token ids after <s>) at a time. */
class SentenceScorer {
  private tokens = 0;
  private oov = 0;
  private sum = 0;
  private sumKnown = 0;
  private hits1 = 0;
  private hits5 = 0;
  private rr = 0;
  /** log2 probabilities of the current sentence (models with the allocation-free log2ProbSequence). */
  private buffer = new Float64Array(1024);

  constructor(
    private readonly model: LanguageModel,
    private readonly accuracy: boolean,
  ) {}

  /** The sentence ids[from..to). */
  add(ids: ArrayLike<TokenId>, from: number, to: number): void {
    const model = this.model;
    const length = to - from;
    const n = length + 1; // every token and </s>
    if (model.log2ProbSequence) {
      if (this.buffer.length < n) this.buffer = new Float64Array(2 * n);
      const lp = this.buffer;
      model.log2ProbSequence(ids, lp, { eos: true, from, to });
      for (let i = 0; i < n; i++) {
        this.sum += lp[i];
        if (i < length && ids[from + i] === UNK) this.oov++;
        else this.sumKnown += lp[i];
      }
    } else {
      const sentence = Array.prototype.slice.call(ids, from, to) as TokenId[];
      const scores = model.scoreSequence(sentence, { eos: true });
      for (let i = 0; i < n; i++) {
        this.sum += scores[i].log2Prob;
        if (i < length && sentence[i] === UNK) this.oov++;
        else this.sumKnown += scores[i].log2Prob;
      }
    }
    this.tokens += n;
    if (!this.accuracy) return;
    const context: TokenId[] = [BOS, ...(Array.prototype.slice.call(ids, from, to) as TokenId[])];
    for (let i = 0; i <= length; i++) {
      const target = i < length ? context[i + 1] : EOS;
      if (target === UNK) continue; // an unknown token cannot be guessed: a miss
      const start = Math.max(0, i + 1 - (model.order - 1));
      const top = model.topK(context.slice(start, i + 1), MRR_DEPTH, { includeEnd: true });
      const rank = top.findIndex((p) => p.id === target);
      if (rank === 0) this.hits1++;
      if (rank >= 0 && rank < 5) this.hits5++;
      if (rank >= 0) this.rr += 1 / (rank + 1);
    }
  }

  result(elapsedMs: number): EvalResult {
    const { tokens, oov, sum, sumKnown, accuracy } = this;
    const known = tokens - oov;
    return {
      tokens,
      oov,
      perplexity: 2 ** (-sum / Math.max(1, tokens)),
      perplexityExclOov: 2 ** (-sumKnown / Math.max(1, known)),
      bitsPerToken: -sum / Math.max(1, tokens),
      top1: accuracy ? this.hits1 / Math.max(1, tokens) : NaN,
      top5: accuracy ? this.hits5 / Math.max(1, tokens) : NaN,
      mrr: accuracy ? this.rr / Math.max(1, tokens) : NaN,
      elapsedMs,
    };
  }
}
