import { describe, expect, it } from 'vitest';
import { mixtureLog2Of, scaledMixtureLog2 } from '../../src/lm/em.ts';
import { UNK } from '../../src/lm/types.ts';
import type { Reply, Request } from '../../src/worker/protocol.ts';
import { readInBackground, readRecords } from '../../src/build/access.ts';
import { buildModels } from '../../src/build/build.ts';
import { atFraction, cacheScoring, cacheScorings, heldOutOf, heldOutProbabilities } from '../../src/build/fit.ts';
import { CODE_LANGUAGES } from '../../src/corpus/types.ts';
import { fractionCuts } from '../../src/build/fractions.ts';
import type { BuildProgress } from '../../src/build/progress.ts';
import { DEFAULT_BUILD_SETTINGS, FRACTIONS } from '../../src/build/settings.ts';
import { CodegramError } from '../../src/lm/errors.ts';
import { ModelService } from '../../src/worker/service.ts';
import { encodeBundle } from '../../src/corpus/bundle.ts';
import { entryKey, memoryStore } from '../../src/storage/model-cache.ts';
import { call, languageRecords, largeRecords, memoryAccess, rewriteCachedFile, smallRecords } from './helpers.ts';

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

  it('hands over the start of a file as soon as it holds enough, holds the reading when asked, and the rest later', async () => {
    const records = languageRecords(64);
    const access = memoryAccess(records, 'v1', true, { chunkBytes: 512, inflated: true });
    const python = (await access.manifest()).corpora.find((c) => c.id === 'python')!;
    const all = records.code.filter((r) => r.lang === 'python');
    let release!: () => void;
    const later = new Promise<void>((resolve) => (release = resolve));
    const enough = (rs: readonly unknown[]) => rs.length >= 10;
    const read = readInBackground(access, python, (rs) => (enough(rs) ? later : undefined));
    const start = await read.until(enough);
    expect(start.length).toBeGreaterThanOrEqual(10);
    expect(start.length).toBeLessThan(all.length);
    expect(start).toEqual(all.slice(0, start.length));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(access.pulled['python.jsonl.gz']).toBeLessThan(access.bytes['python.jsonl.gz']);
    // A test that the whole file never meets is answered at its end, with all of it.
    const never = read.until(() => false);
    release();
    expect(await read.all).toEqual(all);
    expect(await never).toEqual(all);
    expect(await read.until(() => false)).toEqual(all);
  });

  it('names the file when the bytes are not gzip', async () => {
    const stream = new Blob([new TextEncoder().encode('{"path":"x"}\n')]).stream();
    await expect(async () => {
      for await (const _ of readRecords(stream, 'broken.jsonl.gz')) void _;
    }).rejects.toThrow(/broken\.jsonl\.gz/);
  });
});

describe('build pipeline', () => {
  it('builds base and code models at every fraction, reports monotone progress, and fits every language', async () => {
    const progress: BuildProgress[] = [];
    const built = await buildModels(memoryAccess(smallRecords(16)), settings, { onProgress: (p) => progress.push(p) });
    // smallRecords' code is all Python: one group.
    expect(built.groups.map((g) => g.group)).toEqual(['python']);
    const py = built.groups[0];
    expect(py.fractions.map((c) => c.fraction)).toEqual([...FRACTIONS]);
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    expect(progress[progress.length - 1].fraction).toBe(1);
    expect(new Set(progress.map((p) => p.stage))).toEqual(new Set(['download', 'train', 'fit', 'fractions']));
    // Fraction models share one vocabulary and grow with the fraction.
    const sizes = py.fractions.map((c) => c.model.info.trainingTokens);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1]);
    expect(new Set(py.fractions.map((c) => c.model.vocab.size)).size).toBe(1);
    const python = built.fits.find((f) => f.language === 'python')!;
    for (const f of python.fractions) expect(1 - f.weights[0]).toBeGreaterThan(0.5); // held-out code is code
    expect(python.fitTokens).toBeGreaterThan(0);
    expect(python.testTokens).toBeGreaterThan(0);
    // No JavaScript held out: its weights are the even default.
    expect(built.fits.find((f) => f.language === 'javascript')!.fractions[3].weights).toEqual([0.5, 0.5]);
  });

  it("trains each language's model on its own files only, in a vocabulary of its own", async () => {
    const built = await buildModels(memoryAccess(languageRecords(12)), settings);
    expect(built.groups.map((g) => g.group)).toEqual(['python', 'javascript', 'typescript']);
    const full = (g: string) => built.groups.find((x) => x.group === g)!.fractions[3].model;
    // "[::-1]" and "def" occur only in the Python files, "console" only in JavaScript, ": string" only in TypeScript.
    expect(full('python').vocab.id('def')).not.toBe(UNK);
    expect(full('javascript').vocab.id('def')).toBe(UNK);
    expect(full('javascript').vocab.id('console')).not.toBe(UNK);
    expect(full('python').vocab.id('console')).toBe(UNK);
    expect(full('typescript').vocab.id('interface')).not.toBe(UNK);
    expect(full('python').vocab.id('interface')).toBe(UNK);
    // Each language's EM puts most code weight on its own model.
    for (const fit of built.fits) {
      const w = fit.fractions[3].weights;
      const own = 1 + built.groups.findIndex((g) => g.group === fit.language);
      for (let k = 1; k < w.length; k++) if (k !== own) expect(w[own]).toBeGreaterThan(w[k]);
    }
  });

  it('the EM weights of each language beat every weight vector on a grid of fit-part log-likelihoods', async () => {
    const records = languageRecords(12);
    const built = await buildModels(memoryAccess(records), settings);
    const codes = built.groups.flatMap((g) => g.fractions.map((f) => f.model));
    const heldOut = records.code.filter((r) => r.split === 'heldout');
    for (const fit of built.fits) {
      const p = await heldOutProbabilities(built.base, codes, heldOutOf(heldOut, fit.language, 'fit'));
      expect(p.base.length).toBe(fit.fitTokens);
      const probs = atFraction(p, built.groups.length, FRACTIONS.length, 3);
      const w = fit.fractions[3].weights;
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const best = mixtureLog2Of(probs, w);
      const steps = 10;
      for (let a = 0; a <= steps; a++)
        for (let b = 0; a + b <= steps; b++)
          for (let c = 0; a + b + c <= steps; c++) expect(best).toBeGreaterThanOrEqual(mixtureLog2Of(probs, [a / steps, b / steps, c / steps, (steps - a - b - c) / steps]) - 1e-9);
      // The reported figure is the test part's, at these weights.
      const test = await heldOutProbabilities(built.base, codes, heldOutOf(heldOut, fit.language, 'test'));
      expect(fit.fractions[3].heldOutBitsPerToken).toBeCloseTo(-mixtureLog2Of(atFraction(test, built.groups.length, FRACTIONS.length, 3), w), 10);
      // The document cache's μ: the best on a grid of fit-part likelihoods, the cache filling as each file is read.
      if (fit.fitTokens === 0) {
        expect(fit.cacheWeight).toBeUndefined(); // no evidence: the fallback applies
        continue;
      }
      const pFit = probs[0].map((_, t) => probs.reduce((sum, pk, k) => sum + w[k] * pk[t], 0));
      const cache = cacheScoring(heldOutOf(heldOut, fit.language, 'fit'));
      expect(cache.p.length).toBe(pFit.length);
      const mu = fit.cacheWeight!;
      expect(mu).toBeGreaterThanOrEqual(0);
      expect(mu).toBeLessThanOrEqual(0.95);
      for (let i = 0; i <= 50; i++) expect(scaledMixtureLog2(cache.p, pFit, cache.scale, mu)).toBeGreaterThanOrEqual(scaledMixtureLog2(cache.p, pFit, cache.scale, (0.95 * i) / 50) - 1e-9);
      // The cache at its fitted weight does not make the test part worse (these tiny models predict it well already).
      expect(fit.heldOutBitsPerTokenWithCache!).toBeLessThanOrEqual(fit.fractions[3].heldOutBitsPerToken + 1e-6);
    }
  });

  it('scores the held-out code under the document cache ahead, in slices, as the fit would itself', async () => {
    const heldOut = languageRecords(12).code.filter((r) => r.split === 'heldout');
    let pauses = 0;
    const ahead = await cacheScorings(heldOut, { pause: async () => void pauses++ });
    expect(pauses).toBe(heldOut.length);
    for (const language of CODE_LANGUAGES) {
      for (const part of ['fit', 'test'] as const) {
        const here = cacheScoring(heldOutOf(heldOut, language, part));
        expect(ahead.get(`${language}:${part}`)).toEqual(here);
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
    // Tokens after the last </s> count in the total, but a cut falls at a sentence's end: the last one, or none at all.
    expect(fractionCuts(Int32Array.from([1, 3, 2, 1, 4, 5]), [0.5, 1])).toEqual([
      { end: 3, tokens: 1 },
      { end: 3, tokens: 1 },
    ]);
    expect(fractionCuts(new Int32Array(0), [0.5])).toEqual([{ end: 0, tokens: 0 }]);
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
        else if (p.stage === 'train') {
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

  it('switching the language changes the fine-tuned answers at once, as the mixture formula says', async () => {
    const service = new ModelService({ access: () => memoryAccess(languageRecords(12)) });
    expect(final(await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false })).type).toBe('built');
    const set = service.ready!;
    const ask = async (id: number) => {
      const r = final(await call(service, { type: 'next', id, text: '# a Python function that reverses a string\ndef reverse(text):\n    return text', k: 50 }));
      if (r.type !== 'predictions') throw new Error(JSON.stringify(r));
      return r.predictions;
    };
    const py = final(await call(service, { type: 'mix', id: 2, mix: { language: 'python', lambda: null, dataFraction: 1, cacheWeight: 0 } }));
    if (py.type !== 'mixed') throw new Error(JSON.stringify(py));
    expect(py.mix.language).toBe('python');
    const inPython = await ask(3);
    const js = final(await call(service, { type: 'mix', id: 4, mix: { language: 'javascript', lambda: null, dataFraction: 1, cacheWeight: 0 } }));
    if (js.type !== 'mixed') throw new Error(JSON.stringify(js));
    expect(js.mix.fittedWeights).not.toEqual(py.mix.fittedWeights);
    const inJavaScript = await ask(5);
    expect(inJavaScript.base).toEqual(inPython.base); // the base answer does not depend on the language
    // The Python-looking context: the Python mixture ranks "[::-1]"'s first token higher than the JavaScript one does.
    const p = (preds: typeof inPython, token: string) => preds.compare.find((c) => c.token === token)?.finetuned.log2Prob ?? -Infinity;
    expect(p(inPython, '[')).toBeGreaterThan(p(inJavaScript, '['));
    expect(p(inPython, '.')).toBeLessThan(p(inJavaScript, '.'));
    // The answer is Σ_k w_k P_k with the weights in force, over base and the three full-data code models.
    const all = set.all;
    const union = set.finetuned.vocab;
    const ctx = set.context('def reverse(text):\n    return text');
    const w = js.mix.weights!.map((c) => c.weight);
    const comps = [all.base, ...all.groups.map((g) => g.fractions[g.fractions.length - 1].model)];
    const word = union.id('[');
    const expected = comps.reduce((sum, m, k) => {
      const known = m.vocab.id('[');
      const share = known === UNK ? 1 / (1 + union.size - m.vocab.size) : 1;
      return sum + w[k] * 2 ** m.score(ctx.map((u) => m.vocab.id(union.token(u))), known).log2Prob * share;
    }, 0);
    expect(2 ** set.finetuned.score(ctx, word).log2Prob).toBeCloseTo(expected, 12);
    // A mix without a language keeps the one in force.
    const kept = final(await call(service, { type: 'mix', id: 6, mix: { lambda: null, dataFraction: 0.5, cacheWeight: 0 } }));
    expect(kept.type === 'mixed' && kept.mix.language).toBe('javascript');
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
      if (r.type === 'progress' && r.stage === 'train' && !cancelled) {
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
    expect(replies.filter((r) => r.type === 'progress' && r.id === 3 && r.stage !== 'download' && r.stage !== 'train')).toEqual([]);
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
    await rewriteCachedFile(store.map.get(entryKey(key)), 1, (bytes) => {
      new Uint8Array(bytes)[100] ^= 0xff;
    });
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
    await rewriteCachedFile(store.map.get(entryKey(key)), 0, (bytes) => bytes.slice(0, 64));
    const replies = await call(new ModelService({ access: () => memoryAccess(smallRecords(8)), store }), { type: 'build', id: 1, settings, corporaUrl: '', useCache: true });
    expect(replies.find((r) => r.type === 'notice')).toMatchObject({ message: expect.stringMatching(/truncated/) });
    const changed = await call(new ModelService({ access: () => memoryAccess(smallRecords(8), 'v2'), store }), { type: 'build', id: 1, settings, corporaUrl: '', useCache: true });
    expect(final(changed)).toMatchObject({ ready: { fromCache: false } });
    expect(changed.some((r) => r.type === 'notice')).toBe(false);
  });
});

