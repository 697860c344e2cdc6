import { describe, expect, it } from 'vitest';
import { mixtureLog2 } from '../../src/lm/em.ts';
import type { Reply, Request } from '../../src/worker/protocol.ts';
import { readRecords } from '../../src/build/access.ts';
import { buildModels } from '../../src/build/build.ts';
import { fitAll } from '../../src/build/fit.ts';
import { fractionCuts } from '../../src/build/fractions.ts';
import type { BuildProgress } from '../../src/build/progress.ts';
import { DEFAULT_BUILD_SETTINGS, FRACTIONS } from '../../src/build/settings.ts';
import { CodegramError } from '../../src/lm/errors.ts';
import { ModelService } from '../../src/worker/service.ts';
import { encodeBundle } from '../../src/corpus/bundle.ts';
import { entryKey, memoryStore } from '../../src/storage/model-cache.ts';
import { call, largeRecords, memoryAccess, smallRecords } from './helpers.ts';

const settings = { ...DEFAULT_BUILD_SETTINGS, order: 3 };

const final = (replies: Reply[]): Reply => replies[replies.length - 1];

describe('corpus streaming', () => {
  it('decompresses and parses a gzip JSON Lines stream delivered in chunks', async () => {
    const { code } = smallRecords(7);
    const stream = new Blob([encodeBundle(code) as BlobPart]).stream();
    const got = [];
    for await (const batch of readRecords(stream, 'python.jsonl.gz')) got.push(...batch);
    expect(got).toEqual(code);
  });

  it('names the file when the bytes are not gzip', async () => {
    const stream = new Blob([new TextEncoder().encode('{"path":"x"}\n')]).stream();
    await expect(async () => {
      for await (const _ of readRecords(stream, 'broken.jsonl.gz')) void _;
    }).rejects.toThrow(/broken\.jsonl\.gz/);
  });
});

describe('build pipeline', () => {
  it('builds base and code models at every fraction, reports monotone progress, and fits λ', async () => {
    const progress: BuildProgress[] = [];
    const built = await buildModels(memoryAccess(smallRecords(16)), settings, { onProgress: (p) => progress.push(p) });
    expect(built.code.map((c) => c.fraction)).toEqual([...FRACTIONS]);
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    expect(progress[progress.length - 1].fraction).toBe(1);
    expect(new Set(progress.map((p) => p.stage))).toEqual(new Set(['download', 'base', 'code', 'fit']));
    // Fraction models share one vocabulary and grow with the fraction.
    const sizes = built.code.map((c) => c.model.info.trainingTokens);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1]);
    expect(new Set(built.code.map((c) => c.model.vocab.size)).size).toBe(1);
    for (const c of built.code) expect(c.fittedLambda).toBeGreaterThan(0.5); // held-out code is code
    expect(built.heldOutTokens).toBeGreaterThan(0);
  });

  it('the EM λ beats every λ on a grid of held-out log-likelihoods', async () => {
    const records = smallRecords(16);
    const built = await buildModels(memoryAccess(records), settings);
    const heldOut = records.code.filter((r) => r.split === 'heldout').map((r) => r.text);
    const fit = await fitAll(built.base, built.code.map((c) => c.model), heldOut);
    for (let j = 0; j < FRACTIONS.length; j++) {
      const best = mixtureLog2(fit.probabilities.code[j], fit.probabilities.base, fit.lambdas[j]);
      for (let i = 0; i <= 50; i++) {
        expect(best).toBeGreaterThanOrEqual(mixtureLog2(fit.probabilities.code[j], fit.probabilities.base, i / 50) - 1e-9);
      }
    }
  });

  it('cuts fractions at file boundaries', () => {
    // <s> a b </s> <s> c </s> <s> d e f </s>: 6 tokens.
    const s = Int32Array.from([1, 3, 4, 2, 1, 5, 2, 1, 6, 7, 8, 2]);
    expect(fractionCuts(s, [0.3, 0.5, 1])).toEqual([
      { end: 4, tokens: 2 },
      { end: 7, tokens: 3 },
      { end: 12, tokens: 6 },
    ]);
  });

  // How fast a cancel lands is a figure for `npm run bench` (cancelLatencyMs); here: that it stops at the next slice.
  it('stops at the next slice after a cancel, with code "cancelled"', async () => {
    const controller = new AbortController();
    let aborted = false;
    const after: string[] = [];
    const run = buildModels(memoryAccess(largeRecords(400_000)), settings, {
      signal: controller.signal,
      onProgress: (p) => {
        if (aborted) after.push(`${p.stage}/${p.detail}`);
        else if (p.stage === 'code') {
          aborted = true;
          controller.abort();
        }
      },
    });
    const error = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CodegramError);
    expect((error as CodegramError).code).toBe('cancelled');
    expect(aborted).toBe(true);
    // At most the report of the slice that was running; never a later stage.
    expect(after.length).toBeLessThanOrEqual(1);
    expect(after.filter((a) => !a.startsWith('code/'))).toEqual([]);
  });
});

describe('model service', () => {
  it('answers for both models in one round trip, and λ changes apply at once', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(16)) });
    const built = final(await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false }));
    expect(built.type).toBe('built');
    const next = final(await call(service, { type: 'next', id: 2, text: 'def add(a, b):\n    return', k: 5 }));
    if (next.type !== 'predictions') throw new Error(JSON.stringify(next));
    expect(next.predictions.base).toHaveLength(5);
    expect(next.predictions.finetuned).toHaveLength(5);
    expect(next.predictions.finetuned[0].token).toBe(' a');
    // The comparison covers both lists, with each token scored by both models.
    for (const p of [...next.predictions.base, ...next.predictions.finetuned]) {
      const c = next.predictions.compare.find((x) => x.id === p.id);
      expect(c).toBeDefined();
    }
    const top = next.predictions.compare.find((x) => x.id === next.predictions.finetuned[0].id)!;
    expect(2 ** top.finetuned.log2Prob).toBeCloseTo(next.predictions.finetuned[0].prob, 9);
    expect(next.predictions.finetuned[0].prob).toBeGreaterThan(next.predictions.base[0].token === ' a' ? 0 : next.predictions.base[0].prob / 10);

    const mixed = final(await call(service, { type: 'mix', id: 3, mix: { lambda: 0, dataFraction: 1, cacheWeight: 0 } }));
    if (mixed.type !== 'mixed') throw new Error(JSON.stringify(mixed));
    expect(mixed.mix.lambda).toBe(0);
    const same = final(await call(service, { type: 'next', id: 4, text: 'def add(a, b):\n    return', k: 5 }));
    if (same.type !== 'predictions') throw new Error(JSON.stringify(same));
    expect(same.predictions.finetuned).toEqual(same.predictions.base); // λ = 0: fine-tuned is the base

    const scored = final(await call(service, { type: 'score', id: 5, text: 'return a + b' }));
    if (scored.type !== 'scores') throw new Error(JSON.stringify(scored));
    expect(scored.tokens.map((t) => t.token).join('')).toBe('return a + b');
    expect(scored.tokens.map((t) => t.start)).toEqual(scored.tokens.map((_, i) => scored.tokens.slice(0, i).reduce((s, t) => s + t.token.length, 0)));

    const gen = final(await call(service, { type: 'generate', id: 6, text: 'def add(a, b):\n', options: { method: 'greedy', maxTokens: 4 } }));
    if (gen.type !== 'generated') throw new Error(JSON.stringify(gen));
    expect(gen.finetuned.tokens.length).toBeGreaterThan(0);
    expect(gen.finetuned.text).toBe(gen.finetuned.tokens.join(''));
  });

  it('answers queries with typed errors before the first build', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(4)) });
    const r = final(await call(service, { type: 'next', id: 1, text: 'x', k: 3 }));
    expect(r).toMatchObject({ type: 'error', id: 1, code: 'not-ready' });
  });

  it('a cancelled rebuild rejects quickly and the previous models still answer', async () => {
    let access = memoryAccess(smallRecords(16));
    const service = new ModelService({ access: () => access });
    await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false });
    const before = final(await call(service, { type: 'next', id: 2, text: 'def add(a, b):\n    return', k: 5 }));
    access = memoryAccess(largeRecords(400_000));
    const replies: Reply[] = [];
    let cancelled = false;
    const rebuild = service.handle({ type: 'build', id: 3, settings, corporaUrl: '', useCache: false }, (r) => {
      replies.push(r);
      if (r.type === 'progress' && r.stage === 'base' && !cancelled) {
        cancelled = true;
        void service.handle({ type: 'cancel', id: 4, target: 3 }, (c) => replies.push(c));
      }
    });
    // While it runs (between slices), the old models answer.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const during = final(await call(service, { type: 'next', id: 5, text: 'def add(a, b):\n    return', k: 5 }));
    // …and that was during the build: it had not ended, and it replied again afterwards.
    const mark = replies.length;
    expect(replies.some((r) => r.id === 3 && (r.type === 'error' || r.type === 'built'))).toBe(false);
    await rebuild;
    expect(replies.slice(mark).some((r) => r.id === 3)).toBe(true);
    // The cancelled build never got past the base model.
    expect(replies.filter((r) => r.type === 'progress' && r.id === 3 && r.stage !== 'download' && r.stage !== 'base')).toEqual([]);
    expect(replies.find((r) => r.id === 3 && r.type === 'error')).toMatchObject({ code: 'cancelled' });
    expect(replies.find((r) => r.id === 4)).toMatchObject({ type: 'done' });
    const after = final(await call(service, { type: 'next', id: 6, text: 'def add(a, b):\n    return', k: 5 }));
    expect(during).toEqual({ ...before, id: 5, elapsedMs: expect.any(Number) });
    expect(after).toEqual({ ...before, id: 6, elapsedMs: expect.any(Number) });
  });

  it('a cached model answers exactly as the freshly built one, and a corrupt entry is rebuilt with a notice', async () => {
    const store = memoryStore();
    const access = memoryAccess(smallRecords(16));
    const fresh = new ModelService({ access: () => access, store });
    const first = final(await call(fresh, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }));
    expect(first).toMatchObject({ type: 'built', ready: { fromCache: false } });
    const queries: Request[] = [
      { type: 'next', id: 2, text: 'def total(items):\n    result = 0\n    for', k: 10 },
      { type: 'next', id: 3, text: 'const total = items.', k: 10, prefix: 're' },
      { type: 'score', id: 4, text: 'function add(a, b) {\n  return a + b;\n}\n' },
      { type: 'generate', id: 5, text: 'def', options: { method: 'sample', maxTokens: 12, seed: 3, temperature: 0.8 } },
    ];
    const answers = async (s: ModelService) => Promise.all(queries.map(async (q) => final(await call(s, q)))).then((rs) => rs.map((r) => ('elapsedMs' in r ? { ...r, elapsedMs: 0 } : r)));
    const expected = await answers(fresh);

    access.opened.length = 0;
    const reloaded = new ModelService({ access: () => access, store });
    const second = final(await call(reloaded, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }));
    expect(second).toMatchObject({ type: 'built', ready: { fromCache: true } });
    expect(access.opened).toEqual([]); // no corpus was read
    expect(await answers(reloaded)).toEqual(expected);

    // Flip one byte inside the second model file of the stored entry.
    const key = store.map.get('models:current') as string;
    const entry = store.map.get(entryKey(key)) as { files: ArrayBuffer[] };
    new Uint8Array(entry.files[1])[100] ^= 0xff;
    const third = new ModelService({ access: () => access, store });
    const replies = await call(third, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true });
    expect(replies.find((r) => r.type === 'notice')).toMatchObject({ message: expect.stringMatching(/checksum.*rebuilding/) });
    expect(final(replies)).toMatchObject({ type: 'built', ready: { fromCache: false } });
    expect(await answers(third)).toEqual(expected);
    // The rebuilt models were cached again and load cleanly.
    const fourth = new ModelService({ access: () => access, store });
    expect(final(await call(fourth, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }))).toMatchObject({ ready: { fromCache: true } });
  });

  it('a truncated entry and a changed corpus both miss the cache', async () => {
    const store = memoryStore();
    const s1 = new ModelService({ access: () => memoryAccess(smallRecords(8)), store });
    await call(s1, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true });
    const key = store.map.get('models:current') as string;
    const entry = store.map.get(entryKey(key)) as { files: ArrayBuffer[] };
    entry.files[0] = entry.files[0].slice(0, 64);
    const replies = await call(new ModelService({ access: () => memoryAccess(smallRecords(8)), store }), { type: 'build', id: 1, settings, corporaUrl: '', useCache: true });
    expect(replies.find((r) => r.type === 'notice')).toMatchObject({ message: expect.stringMatching(/truncated/) });
    const changed = await call(new ModelService({ access: () => memoryAccess(smallRecords(8), 'v2'), store }), { type: 'build', id: 1, settings, corporaUrl: '', useCache: true });
    expect(final(changed)).toMatchObject({ ready: { fromCache: false } });
    expect(changed.some((r) => r.type === 'notice')).toBe(false);
  });
});

