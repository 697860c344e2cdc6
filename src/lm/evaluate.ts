/**
 * Held-out evaluation, reported as KenLM's `query` does (perplexity with and without OOVs over every
 * token plus </s>) and as code-completion papers do (top-1, top-5 accuracy, mean reciprocal rank).
 */
import { ByteVocab, whitespaceIds } from './byte-vocab.ts';
import { GrowableInt32 } from './growable.ts';
import type { LanguageModel } from './model.ts';
import type { Vocab } from './vocab.ts';
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
  return resultOf(evaluateSums(model, documents, options), performance.now() - started);
}

/**
 * What an evaluation adds up, before the ratios: sums of parts of a text (`addSums`) are the sums of the whole, so the
 * command line scores a large text in runs of sentences on two threads (cli/parallel-eval.ts).
 */
export interface EvalSums {
  tokens: number;
  oov: number;
  /** Sum of log2 p over every scored token, and over the known ones. */
  sum: number;
  sumKnown: number;
  hits1: number;
  hits5: number;
  /** Sum of reciprocal ranks (MRR@10). */
  rr: number;
  accuracy: boolean;
}

export function emptySums(accuracy: boolean): EvalSums {
  return { tokens: 0, oov: 0, sum: 0, sumKnown: 0, hits1: 0, hits5: 0, rr: 0, accuracy };
}

/** Adds `part` into `total`. */
export function addSums(total: EvalSums, part: EvalSums): void {
  total.tokens += part.tokens;
  total.oov += part.oov;
  total.sum += part.sum;
  total.sumKnown += part.sumKnown;
  total.hits1 += part.hits1;
  total.hits5 += part.hits5;
  total.rr += part.rr;
}

/** The sums of scoring `documents` (see `evaluate`). */
export function evaluateSums(model: LanguageModel, documents: readonly (string | Uint8Array)[], options: EvalOptions): EvalSums {
  const scorer = new SentenceScorer(model, options.accuracy ?? true);
  for (const doc of documents) {
    if (typeof doc !== 'string' && options.tokenizer === 'whitespace') {
      const s = whitespaceSentenceIds(model.vocab, [doc], options.lines);
      scorer.addSentences(s, 0, s.ends.length);
      continue;
    }
    const text = typeof doc === 'string' ? doc : new TextDecoder('utf-8', { ignoreBOM: true }).decode(doc);
    for (const sentence of sentencesOf(text, options)) {
      const ids = sentence.map((t) => model.vocab.id(t));
      scorer.add(ids, 0, ids.length);
    }
  }
  return scorer.sums;
}

/** Text as token ids, sentence by sentence: sentence k is ids[ends[k − 1] .. ends[k]) (from 0 for k = 0). */
export interface SentenceIds {
  ids: Int32Array;
  ends: Int32Array;
}

/**
 * Whitespace documents' ids (unknown tokens as <unk>), read from their UTF-8 (byte-vocab.ts), as one stream. `shared`:
 * written into SharedArrayBuffers, for another thread to read as they are (cli/parallel-eval.ts).
 */
export function whitespaceSentenceIds(vocab: Vocab, documents: readonly Uint8Array[], lines: boolean, shared = false): SentenceIds {
  const index = ByteVocab.of(vocab);
  const ids = new GrowableInt32(1 << 16, shared);
  const ends = new GrowableInt32(1 << 10, shared);
  for (const doc of documents) whitespaceIds(doc, index, { lines, mode: 'score' }, ids, ends);
  return { ids: ids.view(), ends: ends.view() };
}

/** The sums of scoring sentences [from, to) of `s`. */
export function scoreSentences(model: LanguageModel, s: SentenceIds, from: number, to: number, accuracy: boolean): EvalSums {
  const scorer = new SentenceScorer(model, accuracy);
  scorer.addSentences(s, from, to);
  return scorer.sums;
}

/**
 * Where to cut `s` into runs of whole sentences of about `tokens` tokens each: sentence indices [0, …, number of
 * sentences]. Summed run by run in order, scores do not depend on who scored which run (cli/parallel-eval.ts).
 */
export function sentenceRuns(s: SentenceIds, tokens: number): number[] {
  const cuts = [0];
  const { ends } = s;
  for (let k = 0, from = 0; k < ends.length; k++) {
    if (ends[k] - from >= tokens && k + 1 < ends.length) {
      cuts.push(k + 1);
      from = ends[k];
    }
  }
  if (ends.length > 0) cuts.push(ends.length);
  return cuts;
}

/** The figures of an evaluation from its sums. */
export function resultOf(sums: EvalSums, elapsedMs: number): EvalResult {
  const { tokens, oov, sum, sumKnown, accuracy } = sums;
  const known = tokens - oov;
  return {
    tokens,
    oov,
    perplexity: 2 ** (-sum / Math.max(1, tokens)),
    perplexityExclOov: 2 ** (-sumKnown / Math.max(1, known)),
    bitsPerToken: -sum / Math.max(1, tokens),
    top1: accuracy ? sums.hits1 / Math.max(1, tokens) : NaN,
    top5: accuracy ? sums.hits5 / Math.max(1, tokens) : NaN,
    mrr: accuracy ? sums.rr / Math.max(1, tokens) : NaN,
    elapsedMs,
  };
}

/** The running sums of an evaluation, one sentence (token ids after <s>) at a time. */
class SentenceScorer {
  readonly sums: EvalSums;
  /** log2 probabilities of the current sentence (models with the allocation-free log2ProbSequence). */
  private buffer = new Float64Array(1024);

  constructor(
    private readonly model: LanguageModel,
    private readonly accuracy: boolean,
  ) {
    this.sums = emptySums(accuracy);
  }

  /** Sentences [from, to) of `s`. */
  addSentences({ ids, ends }: SentenceIds, from: number, to: number): void {
    for (let k = from; k < to; k++) this.add(ids, k === 0 ? 0 : ends[k - 1], ends[k]);
  }

  /** The sentence ids[from..to). */
  add(ids: ArrayLike<TokenId>, from: number, to: number): void {
    const model = this.model;
    const sums = this.sums;
    const length = to - from;
    const n = length + 1; // every token and </s>
    // Summed here first, then into `sums`: one field update per sentence rather than per token.
    let sum = 0;
    let sumKnown = 0;
    let oov = 0;
    if (model.log2ProbSequence) {
      if (this.buffer.length < n) this.buffer = new Float64Array(2 * n);
      const lp = this.buffer;
      model.log2ProbSequence(ids, lp, { eos: true, from, to });
      for (let i = 0; i < n; i++) {
        sum += lp[i];
        if (i < length && ids[from + i] === UNK) oov++;
        else sumKnown += lp[i];
      }
    } else {
      const sentence = Array.prototype.slice.call(ids, from, to) as TokenId[];
      const scores = model.scoreSequence(sentence, { eos: true });
      for (let i = 0; i < n; i++) {
        sum += scores[i].log2Prob;
        if (i < length && sentence[i] === UNK) oov++;
        else sumKnown += scores[i].log2Prob;
      }
    }
    sums.sum += sum;
    sums.sumKnown += sumKnown;
    sums.oov += oov;
    sums.tokens += n;
    if (!this.accuracy) return;
    const context: TokenId[] = [BOS, ...(Array.prototype.slice.call(ids, from, to) as TokenId[])];
    for (let i = 0; i <= length; i++) {
      const target = i < length ? context[i + 1] : EOS;
      if (target === UNK) continue; // an unknown token cannot be guessed: a miss
      const start = Math.max(0, i + 1 - (model.order - 1));
      const top = model.topK(context.slice(start, i + 1), MRR_DEPTH, { includeEnd: true });
      const rank = top.findIndex((p) => p.id === target);
      if (rank === 0) sums.hits1++;
      if (rank >= 0 && rank < 5) sums.hits5++;
      if (rank >= 0) sums.rr += 1 / (rank + 1);
    }
  }
}
