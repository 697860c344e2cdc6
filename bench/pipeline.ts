/**
 * Bench section for the model worker (imported by bench/run.ts):
 *  - cold build of the base and fine-tuned models (every data fraction, λ by EM) from public/corpora,
 *  - warm load: the same models read back from their serialized files (what a cached reload does),
 *  - round-trip latency of a top-10 query for both models through the worker protocol: ModelClient and
 *    ModelService connected by a MessageChannel (structured clone, as between page and worker),
 *  - cost of moving the data-fraction and λ controls, and of a document-cache update.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deserializeModel, serializeModel } from '../src/lm/format.ts';
import type { CorpusAccess } from '../src/build/access.ts';
import { ModelSet } from '../src/build/model-set.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { ModelClient, type WorkerLike } from '../src/client/client.ts';
import { checkManifest } from '../src/corpus/manifest.ts';
import type { Reply, Request } from '../src/worker/protocol.ts';
import { ModelService } from '../src/worker/service.ts';

const CORPORA = join(import.meta.dirname, '..', 'public', 'corpora');

export function fileAccess(dir: string): CorpusAccess {
  return {
    manifest: async () => checkManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')), 'manifest.json'),
    open: async (file) => Readable.toWeb(createReadStream(join(dir, file))) as unknown as ReadableStream<Uint8Array>,
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const round = (x: number) => Math.round(x * 100) / 100;

export async function benchPipeline(): Promise<Record<string, unknown>> {
  if (!existsSync(join(CORPORA, 'manifest.json'))) return { skipped: `no corpora in ${CORPORA} (run npm run corpora)` };
  const { port1, port2 } = new MessageChannel();
  const service = new ModelService({ access: () => fileAccess(CORPORA) });
  port1.addEventListener('message', (e: MessageEvent<Request>) => {
    void service.handle(e.data, (reply: Reply, transfer?: Transferable[]) => port1.postMessage(reply, transfer ?? []));
  });
  port1.start();
  port2.start();
  const client = new ModelClient(port2 as unknown as WorkerLike);

  // Cold build.
  let updates = 0;
  let maxGapMs = 0;
  let last = performance.now();
  const coldStarted = performance.now();
  const ready = await client.build(DEFAULT_BUILD_SETTINGS, '', {
    onProgress: () => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
      updates++;
    },
  }, false);
  const coldMs = performance.now() - coldStarted;

  // Warm load from the serialized files.
  const built = service.ready!.all;
  const files = [built.base, ...built.groups.flatMap((g) => g.fractions.map((f) => f.model))].map(serializeModel);
  const warmStarted = performance.now();
  const [base, ...codes] = files.map((f) => deserializeModel(f));
  let next = 0;
  const loaded = new ModelSet({ ...built, base, groups: built.groups.map((g) => ({ ...g, fractions: g.fractions.map((f) => ({ ...f, model: codes[next++] })) })) });
  const warmMs = performance.now() - warmStarted;
  void loaded;

  // Top-10 round trips for both models.
  const prompts = ['def ', 'import numpy as np\n', 'function add(a, b) {\n  return', 'The man said that', 'for i in range(', 'const x = ', 'export default', 'if __name__ == '];
  for (let i = 0; i < 20; i++) await client.next(prompts[i % prompts.length], 10);
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await client.next(prompts[i % prompts.length] + (i % 3 === 0 ? 'se' : ''), 10, i % 3 === 0 ? 'se' : undefined);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);

  // Moving the controls.
  const mixTimes: number[] = [];
  for (const dataFraction of [0.125, 0.25, 0.5, 1, 0.5, 0]) {
    const t = performance.now();
    await client.setMix({ lambda: dataFraction === 0.5 ? 0.3 : null, dataFraction, cacheWeight: 0.1 });
    await client.next('def ', 10);
    mixTimes.push(performance.now() - t);
  }
  // Cancel latency: start a cold build, cancel it after a delay, time until the build's promise rejects.
  const cancelMs: number[] = [];
  for (const after of [150, 600, 1200, 1800, 2500, 3200, 4000, 4600]) {
    const build = client.build(DEFAULT_BUILD_SETTINGS, '', {}, false).then(
      () => null,
      () => performance.now(),
    );
    await new Promise((r) => setTimeout(r, after));
    const t = performance.now();
    await client.cancel();
    const rejectedAt = await build;
    if (rejectedAt !== null) cancelMs.push(rejectedAt - t);
  }
  cancelMs.sort((a, b) => a - b);

  // Switching the editor's language: new weights, then a query.
  const switchStarted = performance.now();
  await client.setMix({ language: 'javascript', lambda: null, dataFraction: 1, cacheWeight: 0.1 });
  await client.next('function ', 10);
  const languageSwitchPlusQueryMs = round(performance.now() - switchStarted);

  const doc = (await readFile(join(import.meta.dirname, '..', 'src', 'worker', 'service.ts'), 'utf8')).slice(0, 6000);
  const docStarted = performance.now();
  const docState = await client.setDocument(doc);
  const docMs = performance.now() - docStarted;
  client.dispose();
  port1.close();
  port2.close();

  return {
    coldBuildMs: Math.round(coldMs),
    coldBuildProgressUpdates: updates,
    coldBuildLongestGapBetweenProgressMs: Math.round(maxGapMs),
    warmLoadMs: round(warmMs),
    serializedMB: round(files.reduce((s, f) => s + f.byteLength, 0) / 2 ** 20),
    baseModel: ready.base,
    fractions: ready.fractions.map((f) => ({ fraction: f.fraction, ngrams: f.model.ngrams.reduce((a, b) => a + b, 0), fittedLambda: round(f.fittedLambda * 1000) / 1000, heldOutBitsPerToken: round(f.heldOutBitsPerToken) })),
    baseHeldOutBitsPerToken: round(ready.baseHeldOutBitsPerToken),
    heldOutTokens: ready.heldOutTokens,
    // Per language: fitted weights [base, groups…] at 100% of the code, and bits per token of the test part.
    languages: ready.languages?.map((l) => ({
      language: l.language,
      fitTokens: l.fitTokens,
      testTokens: l.testTokens,
      baseTestBitsPerToken: round(l.baseHeldOutBitsPerToken),
      byFraction: l.fractions.map((f) => ({ fraction: f.fraction, weights: Object.fromEntries(f.weights.map((w) => [w.name, round(w.weight * 1000) / 1000])), testBitsPerToken: round(f.heldOutBitsPerToken) })),
    })),
    languageSwitchPlusQueryMs,
    top10BothModelsRoundTripMs: { median: round(quantile(times, 0.5)), p95: round(quantile(times, 0.95)), n: times.length },
    mixChangePlusQueryMs: { median: round(quantile([...mixTimes].sort((a, b) => a - b), 0.5)), max: round(Math.max(...mixTimes)) },
    cancelLatencyMs: { median: round(quantile(cancelMs, 0.5)), max: round(Math.max(...cancelMs)), n: cancelMs.length },
    documentCacheUpdateMs: { ms: round(docMs), tokens: docState.cacheTokens },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchPipeline(), null, 2));
}
