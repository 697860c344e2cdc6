/**
 * Training: documents → token ids → counts → modified Kneser-Ney → NgramModel.
 * A generator, so the web worker can report progress and stop between steps; `train` runs it to the end.
 */
import { ByteVocab, whitespaceIds } from './byte-vocab.ts';
import { countNgrams, runToEnd, type OrderCounts } from './counts.ts';
import { GrowableInt32 } from './growable.ts';
import { estimateKneserNeySteps } from './kneser-ney.ts';
import { NgramModel, packOrder, type ModelOrder } from './model.ts';
import { InputError } from './input.ts';
import type { RegionCounts } from './regions.ts';
import { sentencesOf } from './text.ts';
import { tokenize } from './tokenizer.ts';
import { BOS, DEFAULT_ORDER, EOS, MAX_ORDER, SPECIAL_TOKENS, UNK, type TokenizerName } from './types.ts';
import { Vocab } from './vocab.ts';

export interface TrainOptions {
  order?: number;
  tokenizer?: TokenizerName;
  lines?: boolean;
}

export interface TrainProgress {
  stage: 'tokenize' | 'count' | 'estimate';
  /** 0..1 within the stage. */
  fraction: number;
  /** Tokens read so far. */
  tokens: number;
}

/** Bytes given for the code tokenizer are decoded as decodeText decoded them (its byte-order marks already dropped). */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export function checkOrder(order: number): number {
  if (!Number.isInteger(order) || order < 1 || order > MAX_ORDER) {
    throw new RangeError(`order must be an integer from 1 to ${MAX_ORDER}, got ${order}`);
  }
  return order;
}

/**
 * Reads documents into a sentence stream `<s> w… </s> <s> …` of ids, growing the vocabulary.
 * `documents` may be a lazy iterable (the CLI reads one file per step), so only the current text and the
 * id stream are in memory; progress fractions then need `totalChars` (otherwise they stay 0 until the end).
 * A document may be given as its UTF-8 bytes (checked by input.ts `textBytes`): whitespace-tokenized, they are read
 * without a string per token (byte-vocab.ts), into the same stream; code-tokenized, they are decoded first.
 * `stream`: a stream to append to (documents that come in batches, read one batch at a time with the same vocabulary).
 */
export function* tokenizeSteps(
  documents: Iterable<string | Uint8Array>,
  vocab: Vocab,
  options: { tokenizer: TokenizerName; lines: boolean; totalChars?: number; regions?: RegionCounts; stream?: GrowableInt32 },
): Generator<TrainProgress, GrowableInt32> {
  const regions = options.regions;
  // Regions are the code tokenizer's, of whole documents (one sentence each).
  if (regions && (options.tokenizer !== 'code' || options.lines)) throw new InputError('regions are counted with the code tokenizer on whole documents');
  const found: number[] = [];
  const stream = options.stream ?? new GrowableInt32(1 << 16);
  const totalChars = options.totalChars ?? (Array.isArray(documents) ? (documents as readonly string[]).reduce((s, d) => s + d.length, 0) : 0);
  let chars = 0;
  let tokens = 0;
  let sinceYield = 0;
  let bytesIndex: ByteVocab | null = null;
  for (const given of documents) {
    if (typeof given !== 'string' && options.tokenizer === 'whitespace' && !regions) {
      bytesIndex ??= new ByteVocab(vocab);
      tokens += whitespaceIds(given, bytesIndex, { lines: options.lines, mode: 'train' }, stream);
      chars += given.length;
      yield { stage: 'tokenize', fraction: totalChars > 0 ? Math.min(1, chars / totalChars) : 0, tokens };
      continue;
    }
    const doc = typeof given === 'string' ? given : utf8.decode(given);
    found.length = 0;
    for (const sentence of regions ? [tokenize(doc, found)] : sentencesOf(doc, options)) tokens += pushSentence(sentence, vocab, stream, regions, found);
    chars += doc.length;
    sinceYield += doc.length;
    if (sinceYield > 1 << 18) {
      sinceYield = 0;
      yield { stage: 'tokenize', fraction: totalChars > 0 ? Math.min(1, chars / totalChars) : 0, tokens };
    }
  }
  yield { stage: 'tokenize', fraction: 1, tokens };
  return stream;
}

/**
 * `<s>`, the ids of a sentence's tokens and `</s>` onto the stream (and each token's region, `found[i]`, when
 * counted); returns the tokens added. A function of its own, not a loop inside tokenizeSteps: V8 compiled that inner
 * loop of the generator alone (on-stack replacement) and threw the code away each time it ended.
 */
function pushSentence(sentence: readonly string[], vocab: Vocab, stream: GrowableInt32, regions: RegionCounts | undefined, found: readonly number[]): number {
  stream.push(BOS);
  let tokens = 0;
  // A code file is one sentence of thousands of tokens: pushed in calls of TOKENS_PER_CALL, so that V8 compiles
  // pushTokens as a function called often, not also once more for the loop it is in (as tokenizer.ts tokenizeSome).
  for (let from = 0; from < sentence.length; from += TOKENS_PER_CALL) {
    tokens += pushTokens(sentence, from, Math.min(sentence.length, from + TOKENS_PER_CALL), vocab, stream, regions, found);
  }
  stream.push(EOS);
  return tokens;
}

/** Tokens per call of pushTokens. */
const TOKENS_PER_CALL = 256;

/** The ids of sentence[from, to) onto the stream (see pushSentence); returns how many. */
function pushTokens(
  sentence: readonly string[],
  from: number,
  to: number,
  vocab: Vocab,
  stream: GrowableInt32,
  regions: RegionCounts | undefined,
  found: readonly number[],
): number {
  let tokens = 0;
  for (let i = from; i < to; i++) {
    const t = sentence[i];
    // KenLM: the literal <unk> means the unknown word; <s> and </s> cannot occur inside a sentence.
    if (t === SPECIAL_TOKENS[BOS] || t === SPECIAL_TOKENS[EOS]) continue;
    const id = t === SPECIAL_TOKENS[UNK] ? UNK : vocab.add(t);
    stream.push(id);
    regions?.add(id, found[i]);
    tokens++;
  }
  return tokens;
}

/** How often `id` occurs in `stream`. A function, not a loop in trainSteps: V8 compiles a generator whole for a loop. */
function countOf(stream: Int32Array, id: number): number {
  let n = 0;
  for (let i = 0; i < stream.length; i++) if (stream[i] === id) n++;
  return n;
}

export function* trainSteps(documents: Iterable<string | Uint8Array>, options: TrainOptions = {}): Generator<TrainProgress, NgramModel> {
  const order = checkOrder(options.order ?? DEFAULT_ORDER);
  const tokenizer = options.tokenizer ?? 'code';
  const lines = options.lines ?? false;
  const vocab = new Vocab();
  const stream = (yield* tokenizeSteps(documents, vocab, { tokenizer, lines })).view();
  const tokens = stream.length - 2 * countOf(stream, BOS);
  return yield* modelFromStream(stream, vocab, { order, tokenizer, lines }, tokens);
}

/** Counts and estimates a model from a ready sentence stream. */
export function* modelFromStream(
  stream: Int32Array,
  vocab: Vocab,
  options: { order: number; tokenizer: TokenizerName; lines: boolean },
  trainingTokens: number,
): Generator<TrainProgress, NgramModel> {
  const counting = countNgrams(stream, vocab.size, options.order);
  let r = counting.next();
  while (!r.done) {
    yield { stage: 'count', fraction: r.value.fraction, tokens: trainingTokens };
    r = counting.next();
  }
  return yield* modelFromCounts(r.value, vocab, options, trainingTokens);
}

/** Estimates and packs a model from its counts (countNgrams, or a prefix's: counts.ts restrictCounts). */
export function* modelFromCounts(
  counts: OrderCounts[],
  vocab: Vocab,
  options: { order: number; tokenizer: TokenizerName; lines: boolean },
  trainingTokens: number,
): Generator<TrainProgress, NgramModel> {
  const estimating = estimateKneserNeySteps(counts);
  let e = estimating.next();
  while (!e.done) {
    yield { stage: 'estimate', fraction: e.value, tokens: trainingTokens };
    e = estimating.next();
  }
  const { orders: est, discounts } = e.value;
  // Built in plain arrays, packed at the end (model.ts): the model keeps only the packed ones. One order a step: packed
  // at once, a Brown-sized model of order 5 held its thread 74–101 ms (in Node), the longest step of its training, and
  // the model worker trains on its own thread for the naturalness table while the visitor types.
  const orders: ModelOrder[] = [];
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    orders.push(packOrder({ words: c.words, counts: c.counts, log2Prob: est[k].log2Prob, log2Backoff: est[k].log2Backoff, childStart: c.childStart }, vocab.size));
    yield { stage: 'estimate', fraction: 1, tokens: trainingTokens };
  }
  return new NgramModel(vocab, orders, {
    order: options.order,
    tokenizer: options.tokenizer,
    lines: options.lines,
    discounts: discounts.map((d) => d.values),
    trainingTokens,
    smoothing: 'modified-kneser-ney',
  });
}

export function train(documents: Iterable<string | Uint8Array>, options: TrainOptions = {}): NgramModel {
  return runToEnd(trainSteps(documents, options));
}
