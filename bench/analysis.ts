/**
 * Bench section for the analysis views (imported by bench/run.ts), on the default corpora, through the
 * worker protocol (ModelClient ↔ ModelService over a MessageChannel):
 *  - time to compute each view: the first request (which also indexes the corpora), then again;
 *  - top-10 query latency while the naturalness job runs (the view must not block typing);
 *  - the naturalness table (bits per token, orders 1–6) and the memory of "why this suggestion";
 *  - next-token top-1/top-5 accuracy and MRR@10 on held-out Python and JavaScript, base and fine-tuned.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../src/lm/evaluate.ts';
import { MixtureModel } from '../src/lm/mixture.ts';
import { loadCorpusTexts } from '../src/build/build.ts';
import { heldOutOf } from '../src/build/fit.ts';
import { DEFAULT_BUILD_SETTINGS, TEXT_OPTIONS } from '../src/build/settings.ts';
import { ModelClient, type WorkerLike } from '../src/client/client.ts';
import type { Reply, Request } from '../src/worker/protocol.ts';
import { ModelService } from '../src/worker/service.ts';
import { fileAccess } from './pipeline.ts';

const CORPORA = join(import.meta.dirname, '..', 'public', 'corpora');
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Held-out files of one language, whole files, until about `tokens` tokens (accuracy needs a top-10 query per token). */
function sample(files: string[], tokens: number): string[] {
  const out: string[] = [];
  let n = 0;
  for (const f of files) {
    if (n >= tokens) break;
    out.push(f);
    n += f.length / 4; // about 4 characters per code token
  }
  return out;
}

export async function benchAnalysis(options: { accuracyTokens?: number } = {}): Promise<Record<string, unknown>> {
  if (!existsSync(join(CORPORA, 'manifest.json'))) return { skipped: `no corpora in ${CORPORA} (run npm run corpora)` };
  const access = fileAccess(CORPORA);
  const { port1, port2 } = new MessageChannel();
  const service = new ModelService({ access: () => access });
  port1.addEventListener('message', (e: MessageEvent<Request>) => {
    void service.handle(e.data, (reply: Reply, transfer?: Transferable[]) => port1.postMessage(reply, transfer ?? []));
  });
  port1.start();
  port2.start();
  const client = new ModelClient(port2 as unknown as WorkerLike);
  await client.build(DEFAULT_BUILD_SETTINGS, '', {}, false);

  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t = performance.now();
    const r = await f();
    return [r, round(performance.now() - t, 1)];
  };
  const [first, whyFirstMs] = await timed(async () => (await client.why('for i in range(', 'len', 'finetuned'))!);
  const whyTimes: number[] = [];
  const whyCases: [string, string][] = [
    ['for i in range(', 'len'],
    ['import numpy as', ' np'],
    ['function add(a, b) {\n  return', ' a'],
    ['The man said that', ' he'],
    ['def __init__(self', ','],
  ];
  const whyExamples = [];
  for (const [text, token] of whyCases) {
    const [r, ms] = await timed(async () => (await client.why(text, token, 'finetuned'))!);
    whyTimes.push(ms);
    whyExamples.push({ text, token, ...Object.fromEntries(r.corpora.map((c) => [c.corpus, { order: c.order, count: c.count, files: c.files, scanMs: round(c.elapsedMs, 1) }])) });
  }
  const [curve, curveMs] = await timed(() => client.curve());
  const [, curveAgainMs] = await timed(() => client.curve());

  // Naturalness, with top-10 queries every 50 ms meanwhile.
  const queryMs: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const t = performance.now();
      await client.next('for i in range(', 10);
      queryMs.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let updates = 0;
  const [table, naturalnessMs] = await timed(() => client.naturalness({ onProgress: () => updates++ }));
  running = false;
  await prober;
  queryMs.sort((a, b) => a - b);

  // Accuracy on the test part of held-out Python and JavaScript, each under its own language's mixture at 100%.
  const texts = await loadCorpusTexts(access, DEFAULT_BUILD_SETTINGS);
  const all = service.ready!.all;
  const accuracy: Record<string, unknown> = {};
  for (const lang of ['python', 'javascript'] as const) {
    const fit = all.fits.find((f) => f.language === lang)!;
    const weights = fit.fractions[fit.fractions.length - 1].weights;
    const finetuned = new MixtureModel([all.base, ...all.groups.map((g) => g.fractions[g.fractions.length - 1].model)], weights);
    const built = { base: all.base };
    const docs = sample(
      heldOutOf(texts.heldOut, lang, 'test'),
      options.accuracyTokens ?? Infinity,
    );
    const row: Record<string, unknown> = {};
    for (const [name, model] of [['base', built.base], ['finetuned', finetuned]] as const) {
      const r = evaluate(model, docs, TEXT_OPTIONS);
      row[name] = { tokens: r.tokens, bitsPerToken: round(r.bitsPerToken), top1: round(r.top1, 3), top5: round(r.top5, 3), mrr: round(r.mrr, 3), elapsedMs: Math.round(r.elapsedMs) };
    }
    accuracy[lang] = { files: docs.length, ...row };
  }
  client.dispose();
  port1.close();
  port2.close();
  const p = (sorted: number[], q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return {
    whyThisSuggestion: { firstRequestMsIncludingIndexing: whyFirstMs, laterRequestsMs: whyTimes, examples: whyExamples },
    whyIndexMB: round(first.indexBytes / 2 ** 20),
    curve: {
      firstRequestMs: curveMs,
      againMs: curveAgainMs,
      byLanguage: curve.languages.map((l) => ({
        language: l.language,
        codeTokens: l.codeTokens,
        englishTokens: l.englishTokens,
        byFraction: l.byFraction.map((c) => ({ fraction: c.fraction, lambda: round(c.lambda, 3), codeBits: round(c.codeBits), englishBits: round(c.englishBits) })),
      })),
    },
    naturalness: {
      ms: naturalnessMs,
      progressUpdates: updates,
      top10QueryDuringJobMs: { median: p(queryMs, 0.5), p95: p(queryMs, 0.95), max: p(queryMs, 1), n: queryMs.length },
      tokens: table.tokens,
      bitsPerToken: table.rows.map((r) => ({
        order: r.order,
        lambda: round(r.lambda, 3),
        ...Object.fromEntries(table.langs.map((l) => [l, { base: round(r.bits[l].base), code: round(r.bits[l].code), finetuned: round(r.bits[l].finetuned) }])),
      })),
    },
    accuracy,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchAnalysis(), null, 2));
}
