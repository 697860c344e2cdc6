/**
 * One piece of a build that needs nothing but its input: tokenize some texts into one stream (one vocabulary),
 * train a model on each asked prefix of it, and score held-out documents under each model. Pieces like this run
 * side by side in build workers (worker/build-pool.ts: English and code on two cores) or, in Node and the tests,
 * one after another in this thread (runner.ts); staged.ts puts them together.
 *
 * Scoring happens here, next to the model, so the held-out probabilities that EM needs (fit.ts) come back as a few
 * arrays instead of the models going to wherever EM runs. A probability is the model's own, in its own vocabulary;
 * tokens it does not know are flagged, because in a mixture they get only a share of its <unk> mass, and that
 * share depends on the union of every component's vocabulary, which no single job knows (lm/mixture.ts).
 */
import { fromParts, toParts, type ModelParts } from '../lm/format.ts';
import { GrowableInt32 } from '../lm/growable.ts';
import type { NgramModel } from '../lm/model.ts';
import { RegionCounts } from '../lm/regions.ts';
import { sentencesOf } from '../lm/text.ts';
import { modelFromCounts, modelFromStream, tokenizeSteps, type TrainProgress } from '../lm/train.ts';
import { countWithPrefixes, restrictCounts, type OrderCounts } from '../lm/counts.ts';
import { UNK } from '../lm/types.ts';
import { Vocab } from '../lm/vocab.ts';
import { fractionCuts } from './fractions.ts';
import type { Scheduler } from './scheduler.ts';
import { TEXT_OPTIONS } from './settings.ts';

export interface TrainJob {
  /** What the progress calls it ("base", "python"…). */
  label: string;
  /** The documents, in the order they are read (fractions.ts orders code files). */
  texts: string[];
  order: number;
  /**
   * One model per entry, on that fraction of the stream's tokens (cut after the document that crosses it:
   * fractions.ts), all in the one vocabulary of the whole stream; 1 is the whole stream.
   */
  cuts: number[];
  /** Count where each token was written (code, string, comment): code corpora (lm/regions.ts). */
  regions: boolean;
  /** Sets of documents to score under every model (held-out parts). */
  score: string[][];
  /** Return the token stream too (TrainOutput.stream): the analysis views index the corpus from it (staged.ts). */
  keepStream?: boolean;
  /**
   * Instead of `texts` (then empty): the stream another job of these texts returned (keepStream) and the vocabulary
   * of its models, so that this job does not tokenize them again (the data-fraction jobs: staged.ts).
   */
  tokens?: JobTokens;
}

export interface JobTokens {
  stream: Int32Array;
  vocab: readonly string[];
}

/** Per-token probabilities of one set of documents: every token and one </s> per sentence, in order. */
export interface ScoredSet {
  p: Float64Array;
  /** 1 where the model does not know the token (p is then the model's whole <unk> probability). */
  unknown: Uint8Array;
}

export interface TrainOutput {
  /** One per cut. */
  models: NgramModel[];
  regions?: RegionCounts;
  /** [cut][set]. */
  scored: ScoredSet[][];
  /** The whole job's token stream, `<s> w… </s>` per text, in the models' vocabulary (when keepStream). */
  stream?: Int32Array;
}

export interface JobProgress {
  /** 0..1 of the whole job. */
  fraction: number;
  tokens: number;
}

/**
 * Scores `docs` under `model` the way held-out text is scored everywhere (fit.ts heldOutProbabilities), through the
 * model's allocation-free path (no object per token: a job scores a few hundred thousand tokens per model).
 */
export function scoreSet(model: NgramModel, docs: readonly string[]): ScoredSet {
  return scoreSentences(model, sentenceIds(model.vocab, docs));
}

/**
 * The ids in `vocab` of each sentence of `docs` (UNK for a word it lacks): what scoreSet scores. A job's models share
 * their job's vocabulary, so a job reads its held-out documents once for all its models (a data-fraction job has three).
 */
export function sentenceIds(vocab: Vocab, docs: readonly string[]): number[][] {
  return docs.flatMap((doc) => sentencesOf(doc, TEXT_OPTIONS).map((sentence) => sentence.map((t) => vocab.id(t))));
}

/** scoreSet of sentences already read (sentenceIds, in the model's own vocabulary). */
export function scoreSentences(model: NgramModel, sentences: readonly (readonly number[])[]): ScoredSet {
  const total = sentences.reduce((n, ids) => n + ids.length + 1, 0); // every token and one </s> each
  const p = new Float64Array(total);
  const unknown = new Uint8Array(total);
  let at = 0;
  for (const ids of sentences) {
    model.log2ProbSequence(ids, p.subarray(at, at + ids.length + 1), { eos: true });
    markUnknown(ids, unknown, at);
    at += ids.length + 1;
  }
  for (let t = 0; t < total; t++) p[t] = 2 ** p[t];
  return { p, unknown };
}

/**
 * Flags the unknown tokens of a sentence whose scores start at `at`. A function, not a loop inside scoreSentences'
 * loop over the sentences: V8 in Chromium compiled that inner loop alone and threw the code away each time it ended.
 */
function markUnknown(ids: readonly number[], unknown: Uint8Array, at: number): void {
  for (let t = 0; t < ids.length; t++) if (ids[t] === UNK) unknown[at + t] = 1;
}

/**
 * Texts of a job that follow `job.texts` and are still arriving (a build worker's job comes in batches:
 * worker/build-pool.ts); `chars`: all the job's characters, its own texts' included, for the progress.
 */
export interface ArrivingTexts {
  batches: AsyncIterable<readonly string[]>;
  chars: number;
}

/**
 * Runs a job in slices of `scheduler` (so a worker hears a cancel, and this thread keeps answering). With `arriving`,
 * the job tokenizes each batch of its texts as it comes, in order, into the one stream.
 */
export async function runTrainJob(job: TrainJob, scheduler: Scheduler, onProgress?: (p: JobProgress) => void, arriving?: ArrivingTexts): Promise<TrainOutput> {
  const options = { ...TEXT_OPTIONS, order: job.order };
  // Shares of the job's time, roughly: tokenizing a fifth, each model in proportion to its cut, scoring little.
  const cutWeight = job.cuts.reduce((a, b) => a + b, 0);
  let vocab: Vocab;
  let stream: Int32Array;
  let regions: RegionCounts | undefined;
  if (job.tokens) {
    if (job.regions || job.texts.length > 0) throw new Error('a job given its tokens has no texts to read or count regions in');
    vocab = new Vocab(job.tokens.vocab);
    stream = job.tokens.stream;
  } else {
    vocab = new Vocab();
    regions = job.regions ? new RegionCounts() : undefined;
    const into = new GrowableInt32(1 << 16);
    const total = arriving?.chars ?? job.texts.reduce((a, t) => a + t.length, 0);
    let charsBefore = 0;
    let tokensBefore = 0;
    const tokenizeBatch = async (texts: readonly string[]) => {
      const chars = texts.reduce((a, t) => a + t.length, 0);
      let tokens = 0;
      const report = (p: TrainProgress) => {
        tokens = p.tokens;
        onProgress?.({ fraction: (0.2 * (charsBefore + p.fraction * chars)) / Math.max(1, total), tokens: tokensBefore + tokens });
      };
      await scheduler.drive(tokenizeSteps(texts, vocab, { ...TEXT_OPTIONS, regions, totalChars: chars, stream: into }), report);
      charsBefore += chars;
      tokensBefore += tokens;
    };
    await tokenizeBatch(job.texts);
    // A batch that arrives while the one before is tokenized waits in the worker's queue: the job never waits for a
    // text it does not need yet (the English job's 5.4 M characters came in 21 batches over 0.6–1.1 s of a first visit).
    if (arriving) for await (const batch of arriving.batches) await tokenizeBatch(batch);
    stream = into.view();
  }
  const cuts = fractionCuts(stream, job.cuts);
  const models: NgramModel[] = [];
  const scored: ScoredSet[][] = [];
  // Several rising cuts (the data-fraction models) are counted in one pass up to the last, each earlier one's counts
  // taken from it (lm/counts.ts countWithPrefixes): counting each prefix again was about half of such a job.
  const onePass = cuts.length > 1 && cuts.every((c, j) => j === 0 || c.end >= cuts[j - 1].end);
  let counted: { all: OrderCounts[]; below: Uint32Array[][] } | null = null;
  let done = 0;
  if (onePass) {
    const last = cuts[cuts.length - 1];
    const prefixes = cuts.slice(0, -1).map((c) => c.end);
    counted = await scheduler.drive(countWithPrefixes(stream.subarray(0, last.end), vocab.size, job.order, prefixes), (p) =>
      onProgress?.({ fraction: 0.2 + 0.75 * 0.5 * p.fraction, tokens: last.tokens }),
    );
    done = 0.5;
  }
  // job.score read once, in the job's vocabulary (complete now), for every model.
  const heldOut = job.score.map((docs) => sentenceIds(vocab, docs));
  for (let j = 0; j < cuts.length; j++) {
    const share = (counted ? 0.5 : 1) * (job.cuts[j] / cutWeight);
    const stage = (p: TrainProgress) => (counted ? p.fraction : p.stage === 'count' ? 0.8 * p.fraction : 0.8 + 0.2 * p.fraction);
    const report = (p: TrainProgress) => onProgress?.({ fraction: 0.2 + 0.75 * (done + share * stage(p)), tokens: cuts[j].tokens });
    let steps: Generator<TrainProgress, NgramModel>;
    if (counted) {
      const counts = j < cuts.length - 1 ? restrictCounts(counted.all, counted.below[j]) : counted.all;
      counted.below[j] = []; // taken: its histograms may go
      steps = modelFromCounts(counts, vocab, options, cuts[j].tokens);
    } else steps = modelFromStream(stream.subarray(0, cuts[j].end), vocab, options, cuts[j].tokens);
    const model = await scheduler.drive(steps, report);
    done += share;
    models.push(model);
    // Reading the held-out text once, below, relies on this.
    if (model.vocab !== vocab) throw new Error('the models of a job must share its vocabulary');
    const sets: ScoredSet[] = [];
    for (const sentences of heldOut) {
      sets.push(scoreSentences(model, sentences));
      await scheduler.pause();
    }
    scored.push(sets);
  }
  onProgress?.({ fraction: 1, tokens: cuts[cuts.length - 1]?.tokens ?? 0 });
  // The stream without the rest of its growable buffer (up to as much again), which a transfer or a copy would carry.
  const kept = job.keepStream ? (stream.byteLength < stream.buffer.byteLength ? stream.slice() : stream) : undefined;
  return { models, regions, scored, stream: kept };
}

/**
 * A TrainOutput as it crosses between threads, all transferable: the models as their arrays beside the job's one
 * vocabulary (format.ts ModelParts), and plain arrays. No model file is written: serializing each full model into
 * one took a build worker up to 0.6 s on a first visit (a copy of every array and a checksum), and the model cache,
 * which stores files, makes them later from the arrays (worker/build-cache.ts), once the data-fraction models are built.
 */
export interface TrainOutputWire {
  models: { parts: ModelParts[]; vocab: readonly string[] };
  regions?: Uint32Array;
  scored: ScoredSet[][];
  stream?: Int32Array;
}

export function toWire(out: TrainOutput): { wire: TrainOutputWire; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const taken = out.models.map(toParts);
  taken.forEach((t) => t.transfer.forEach((b) => transfer.add(b)));
  const models = { parts: taken.map((t) => t.parts), vocab: out.models[0]?.vocab.words ?? [] };
  const vocabSize = out.models[0]?.vocab.size ?? 0;
  const regions = out.regions?.toArray(vocabSize);
  for (const b of [regions?.buffer, out.stream?.buffer, ...out.scored.flatMap((s) => s.flatMap((x) => [x.p.buffer, x.unknown.buffer]))]) if (b) transfer.add(b as ArrayBuffer);
  return { wire: { models, regions, scored: out.scored, stream: out.stream }, transfer: [...transfer] };
}

export function fromWire(wire: TrainOutputWire): TrainOutput {
  // The job's models share one vocabulary, as they did in the job.
  const vocab = new Vocab(wire.models.vocab);
  const models = wire.models.parts.map((p) => fromParts(p, vocab));
  return { models, regions: wire.regions ? new RegionCounts(wire.regions) : undefined, scored: wire.scored, stream: wire.stream };
}
