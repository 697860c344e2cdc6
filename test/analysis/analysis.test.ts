/**
 * The analysis views' computations in Node: the fine-tuning curve from per-token probabilities (hand-computed),
 * "why this suggestion" on a three-file corpus (exact files, lines and snippets), the naturalness table on
 * small corpora (orders 1–3), and the three worker requests end to end through ModelService.
 */
import { describe, expect, it } from 'vitest';
import { findContinuations, indexBytes, indexFromStreams, indexSteps, type CorpusIndex } from '../../src/analysis/corpus-index.ts';
import { buildFull } from '../../src/build/staged.ts';
import { inThreadRunner } from '../../src/build/runner.ts';
import { fineTuningCurve } from '../../src/analysis/curve.ts';
import { naturalness } from '../../src/analysis/naturalness.ts';
import { runToEnd } from '../../src/lm/counts.ts';
import { tokenize } from '../../src/lm/tokenizer.ts';
import { Vocab } from '../../src/lm/vocab.ts';
import { Analysis } from '../../src/analysis/model-analysis.ts';
import { Scheduler } from '../../src/build/scheduler.ts';
import { buildFromTexts } from '../../src/build/build.ts';
import { atFraction, heldOutOf, heldOutProbabilities } from '../../src/build/fit.ts';
import { DEFAULT_BUILD_SETTINGS, TEXT_OPTIONS } from '../../src/build/settings.ts';
import type { Texts } from '../../src/build/texts.ts';
import type { Reply, Request } from '../../src/worker/protocol.ts';
import { ModelService } from '../../src/worker/service.ts';
import { memoryStore } from '../../src/storage/model-cache.ts';
import { call, languageRecords, last, memoryAccess, smallRecords } from '../worker/helpers.ts';


describe('fine-tuning curve', () => {
  it('computes every point from the cached per-token probabilities', () => {
    // Held-out code: two tokens; English: one token. One code model (fraction 1), fitted λ 0.5.
    const code = { base: new Float64Array([0.5, 0.25]), code: [new Float64Array([0.25, 0.5])] };
    const english = { base: new Float64Array([0.5]), code: [new Float64Array([0.125])] };
    const c = fineTuningCurve({ language: 'python', groups: ['python'], fractions: [1], fitted: [[0.5, 0.5]], code: { base: code.base, code: [code.code] }, english: { base: english.base, code: [english.code] } }, 4);
    expect(c.byFraction).toHaveLength(2);
    // 0%: the base alone. Code: −(log2 .5 + log2 .25)/2 = 1.5; English: −log2 .5 = 1.
    expect(c.byFraction[0]).toEqual({ fraction: 0, lambda: 0, codeBits: 1.5, englishBits: 1 });
    // 100% at λ = .5: each code token .5·.25 + .5·.5 = .375; English .5·.125 + .5·.5 = .3125.
    expect(c.byFraction[1].codeBits).toBeCloseTo(-Math.log2(0.375), 12);
    expect(c.byFraction[1].englishBits).toBeCloseTo(-Math.log2(0.3125), 12);
    // λ from 0 to 1 in quarters: English forgets, ending at the code model alone (−log2 .125 = 3).
    expect(c.byLambda[0].map((p) => p.lambda)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(c.byLambda[0][0].englishBits).toBeCloseTo(1, 12);
    expect(c.byLambda[0][4].englishBits).toBeCloseTo(3, 12);
    expect(c.byLambda[0][4].codeBits).toBeCloseTo(1.5, 12);
    const english4 = c.byLambda[0].map((p) => p.englishBits);
    expect([...english4].sort((a, b) => a - b)).toEqual(english4);
    expect(c.codeTokens).toBe(2);
    expect(c.englishTokens).toBe(1);
  });

  it('agrees with the build: the curve at the fitted weights is the test-part bits per token the fit reports', async () => {
    const { english, code } = languageRecords(12);
    const texts: Texts = {
      general: english.filter((r) => r.split === 'train').map((r) => r.text),
      code: code.filter((r) => r.split === 'train'),
      heldOut: code.filter((r) => r.split === 'heldout'),
    };
    const built = await buildFromTexts(texts, 3);
    const codes = built.groups.flatMap((g) => g.fractions.map((f) => f.model));
    const groups = built.groups.map((g) => g.group);
    const fractions = built.groups[0].fractions.map((f) => f.fraction);
    for (const fit of built.fits) {
      const p = await heldOutProbabilities(built.base, codes, heldOutOf(texts.heldOut, fit.language, 'test'));
      const probs = { base: p.base, code: fractions.map((_, j) => atFraction(p, groups.length, fractions.length, j).slice(1)) };
      const c = fineTuningCurve({ language: fit.language, groups, fractions, fitted: fit.fractions.map((f) => f.weights), code: probs, english: probs });
      c.byFraction.slice(1).forEach((pt, j) => expect(pt.codeBits).toBeCloseTo(fit.fractions[j].heldOutBitsPerToken, 10));
      expect(c.byFraction[0].codeBits).toBeCloseTo(fit.baseHeldOutBitsPerToken, 10);
      // λ = the fitted total: the same point as the fitted weights.
      const j = fractions.length - 1;
      expect(c.byLambda[j].at(-1)!.lambda).toBe(1);
      expect(c.codeTokens).toBe(fit.testTokens);
    }
  });
});

function corpus(files: { path: string; text: string }[]): CorpusIndex {
  const vocab = new Vocab();
  for (const f of files) for (const t of tokenize(f.text)) vocab.add(t);
  return runToEnd(indexSteps('Code', files, vocab, 'code'));
}

describe('why this suggestion', () => {
  const index = corpus([
    { path: 'a.py', text: 'x = 1\ny = x + 1\n' },
    { path: 'pkg/b.py', text: 'if y:\n    y = x + 2\n' },
    { path: 'c.py', text: 'z = 3\n' },
  ]);

  it('keeps 4 bytes per token plus the file offsets', () => {
    // Tokens: 10 + 10 + 4, plus <s> and </s> per file; offsets: 3 files + 1.
    expect(index.tokens).toBe(24);
    expect(indexBytes(index)).toBe(4 * (24 + 6) + 4 * 4);
  });

  it('finds the matched context followed by the token, with files, lines and snippets', () => {
    const r = findContinuations(index, tokenize('y ='), ' x', 4);
    expect(r).toMatchObject({ corpus: 'Code', matchedContext: ['y', ' ='], order: 3, count: 2, files: 2, tokenCount: 2 });
    expect(r.hits).toEqual([
      { path: 'a.py', line: 2, before: '', context: 'y =', token: ' x', after: ' + 1' },
      { path: 'pkg/b.py', line: 2, before: '    ', context: 'y =', token: ' x', after: ' + 2' },
    ]);
  });

  it('backs off to the longest context that was seen before the token', () => {
    const r = findContinuations(index, tokenize('z ='), ' x', 4);
    expect(r).toMatchObject({ matchedContext: [' ='], order: 2, count: 2, files: 2 });
    const one = findContinuations(index, tokenize('x ='), ' 1', 4);
    expect(one).toMatchObject({ matchedContext: ['x', ' ='], order: 3, count: 1, files: 1, tokenCount: 2 });
    expect(one.hits).toEqual([{ path: 'a.py', line: 1, before: '', context: 'x =', token: ' 1', after: '' }]);
    // At most maxContext context tokens.
    expect(findContinuations(index, tokenize('y ='), ' x', 1)).toMatchObject({ matchedContext: [' ='], order: 2 });
    // An unknown newest context token: the token alone.
    expect(findContinuations(index, tokenize('q'), ' x', 4)).toMatchObject({ matchedContext: [], order: 1, count: 2 });
  });

  it('reports nothing for a token the corpus never had', () => {
    expect(findContinuations(index, tokenize('y ='), ' 7', 4)).toMatchObject({ order: 0, count: 0, files: 0, hits: [] });
  });
});

describe('the corpus index from the build jobs\' streams', () => {
  it('is the index that tokenizing the texts again gives: English, and all the code in its order in the union vocabulary', async () => {
    const { english, code } = languageRecords(8);
    const train = code.filter((r) => r.split === 'train');
    const texts: Texts = {
      general: [...english.filter((r) => r.split === 'train').map((r) => r.text), ''],
      // Another kind of code (in every group's stream, taken from the first) and an empty file, in the middle.
      code: [...train.slice(0, 5), { path: 'tool/main.go', text: 'package main\n\nfunc main() {}\n' }, { path: 'python/empty.py', text: '', lang: 'python' }, ...train.slice(5)],
      heldOut: code.filter((r) => r.split === 'heldout'),
    };
    const { built, streams } = await buildFull(texts, 3, inThreadRunner(), { scheduler: new Scheduler() });
    if (!streams) throw new Error('no streams');
    const files = texts.general.map((text, i) => ({ path: `en/${i}`, text }));
    const fromStreams = indexFromStreams('English', files, built.base.vocab, [{ files, vocab: built.base.vocab, stream: streams.general }]);
    expect(fromStreams).toEqual(runToEnd(indexSteps('English', files, built.base.vocab, TEXT_OPTIONS.tokenizer)));
    const codeVocab = new Vocab();
    for (const g of built.groups) for (const w of g.fractions[0].model.vocab.words) codeVocab.add(w);
    const parts = streams.groups.map((g) => ({ files: g.files, vocab: built.groups.find((b) => b.group === g.group)!.fractions[0].model.vocab, stream: g.stream }));
    const codeIndex = indexFromStreams('Code', texts.code, codeVocab, parts);
    expect(codeIndex).toEqual(runToEnd(indexSteps('Code', texts.code, codeVocab, TEXT_OPTIONS.tokenizer)));
    expect(codeIndex!.paths).toContain('tool/main.go');
    // A stream that does not hold one sentence per file, or a file in no stream: null (tokenize instead).
    expect(indexFromStreams('English', files.slice(1), built.base.vocab, [{ files: files.slice(1), vocab: built.base.vocab, stream: streams.general }])).toBeNull();
    expect(indexFromStreams('Code', [...texts.code, { path: 'new.py', text: 'x' }], codeVocab, parts)).toBeNull();
  });
});

describe('naturalness table', () => {
  it('scores held-out English and code under base, code and fine-tuned models of orders 1 to 3', async () => {
    const { english, code } = smallRecords(16);
    const texts: Texts = {
      general: english.filter((r) => r.split === 'train').map((r) => r.text),
      code: code.filter((r) => r.split === 'train'),
      heldOut: code.filter((r) => r.split === 'heldout'),
    };
    const built = await buildFromTexts(texts, 3);
    const full = built.groups[0].fractions[3].model;
    const en = runToEnd(indexSteps('English', texts.general.map((text, i) => ({ path: `en/${i}`, text })), built.base.vocab, TEXT_OPTIONS.tokenizer));
    const py = runToEnd(indexSteps('Code', texts.code, full.vocab, TEXT_OPTIONS.tokenizer));
    const heldOut = [
      ...english.filter((r) => r.split === 'heldout').map((r) => ({ lang: 'english', text: r.text })),
      ...texts.heldOut.map((f) => ({ lang: 'python', text: f.text })),
    ];
    const progress: number[] = [];
    // Fitted on the very files it is measured on (here only, to check that λ is the likelihood's maximum).
    const fitHeldOut = heldOut.filter((h) => h.lang === 'python');
    const table = await naturalness(en, py, heldOut, { fitHeldOut, orders: [1, 2, 3], scheduler: new Scheduler(), onProgress: (f) => progress.push(f) });
    expect(table.langs).toEqual(['english', 'python']);
    expect(table.rows.map((r) => r.order)).toEqual([1, 2, 3]);
    expect(progress[progress.length - 1]).toBeCloseTo(1, 12);
    for (const row of table.rows) {
      for (const lang of table.langs) for (const b of Object.values(row.bits[lang])) expect(b).toBeGreaterThan(0);
      // λ maximises the likelihood of the held-out code: the blend beats both of its parts there.
      expect(row.bits.python.finetuned).toBeLessThanOrEqual(Math.min(row.bits.python.base, row.bits.python.code) + 1e-9);
    }
    // Each model predicts its own kind of text better as the order grows from 1 to 2 on these repetitive texts.
    expect(table.rows[1].bits.english.base).toBeLessThan(table.rows[0].bits.english.base);
    expect(table.rows[1].bits.python.code).toBeLessThan(table.rows[0].bits.python.code);
    // Trained again from the index streams, order 3 gives exactly the site's own models' figures.
    const again = await naturalness(en, py, heldOut, { fitHeldOut, orders: [3], scheduler: new Scheduler(), known: () => ({ base: built.base, code: full }) });
    for (const lang of table.langs) {
      for (const m of ['base', 'code', 'finetuned'] as const) expect(again.rows[0].bits[lang][m]).toBeCloseTo(table.rows[2].bits[lang][m], 9);
    }
  });
});

describe('the analysis requests of the model worker', () => {
  const settings = { ...DEFAULT_BUILD_SETTINGS, order: 3 };

  /** A service with models built from small records, and those records' training and held-out texts. */
  async function builtWithTexts(): Promise<{ service: ModelService; texts: Texts }> {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)) });
    await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false });
    const { english, code } = smallRecords(12);
    const texts: Texts = {
      general: english.filter((r) => r.split === 'train').map((r) => r.text),
      code: code.filter((r) => r.split === 'train').map((r) => ({ path: r.path, text: r.text })),
      heldOut: code.filter((r) => r.split === 'heldout'),
    };
    return { service, texts };
  }

  it('answers curve, naturalness (with progress) and why, before and after a load from the cache', async () => {
    const store = memoryStore();
    const access = memoryAccess(smallRecords(12));
    for (const fresh of [true, false]) {
      const service = new ModelService({ access: () => access, store });
      const built = await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true });
      expect(built[built.length - 1]).toMatchObject({ type: 'built', ready: { fromCache: !fresh } });

      const curve = (await call(service, { type: 'curve', id: 2 })).pop()!;
      if (curve.type !== 'fine-tuning-curve') throw new Error(JSON.stringify(curve));
      expect(curve.curve.languages.map((l) => l.language)).toEqual(['python', 'javascript', 'typescript']);
      expect(curve.curve.languages[0].byFraction.map((p) => p.fraction)).toEqual([0, 0.125, 0.25, 0.5, 1]);
      expect(curve.curve.languages[0].englishTokens).toBeGreaterThan(0);
      expect(curve.curve.languages[0].codeTokens).toBeGreaterThan(0);

      const why = (await call(service, { type: 'why', id: 3, text: 'def add(a, b):\n    return', token: ' a', model: 'finetuned' })).pop()!;
      if (why.type !== 'continuations') throw new Error(JSON.stringify(why));
      expect(why.report.corpora.map((c) => c.corpus)).toEqual(['Code', 'English']);
      expect(why.report.corpora[0]).toMatchObject({ matchedContext: ['\n    ', 'return'], order: 3 });
      expect(why.report.corpora[0].hits[0]).toMatchObject({ context: '\n    return', token: ' a' });
      const base = (await call(service, { type: 'why', id: 4, text: 'def add(a, b):\n    return', token: ' a', model: 'base' })).pop()!;
      expect(base.type === 'continuations' && base.report.corpora.map((c) => c.corpus)).toEqual(['English']);

      const replies = await call(service, { type: 'naturalness', id: 5 });
      const table = replies.pop()!;
      if (table.type !== 'naturalness-table') throw new Error(JSON.stringify(table));
      // Progress before the table, rising to the end.
      expect(replies.length).toBeGreaterThanOrEqual(2);
      expect(replies.every((r) => r.type === 'analysis-progress' && r.id === 5)).toBe(true);
      const fractions = replies.map((r) => (r.type === 'analysis-progress' ? r.fraction : NaN));
      fractions.forEach((f, i) => expect(f).toBeGreaterThanOrEqual(i ? fractions[i - 1] : 0));
      expect(table.table.rows.map((r) => r.order)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(table.table.langs).toEqual(['english', 'python']);
    }
  });

  it('stops a running naturalness job when its models are replaced (the service disposes of their Analysis)', async () => {
    const { service, texts } = await builtWithTexts();
    const analysis = new Analysis(service.ready!, async () => texts);
    const details: string[] = [];
    const job = analysis.naturalness((_, detail) => {
      details.push(detail);
      analysis.dispose(); // as a new build does, at the first progress report
    });
    await expect(job).rejects.toMatchObject({ code: 'cancelled' });
    expect(details).toHaveLength(1);
  });

  it('goes on with a naturalness job while the same models gain their data-fraction models, and draws the curve over them', async () => {
    const { service } = await builtWithTexts();
    expect(service.ready?.all.stage).toBe('full');
    const alone = last(await call(service, { type: 'naturalness', id: 2 }), 'naturalness-table').table;

    const { service: other } = await builtWithTexts();
    const modelsId = other.ready!.modelsId;
    let fractions: Promise<Reply[]> | null = null;
    const replies: Reply[] = [];
    // At the job's first progress report, the fraction models are built and go live (LiveModels.refine).
    await other.handle({ type: 'naturalness', id: 3 }, (r) => {
      replies.push(r);
      fractions ??= call(other, { type: 'fractions', id: 4 });
    });
    // The same models with more: the page keeps what depends on the base and full code models alone.
    expect(last(await fractions!, 'built').ready).toMatchObject({ stage: 'complete', modelsId });
    expect(other.ready?.all.stage).toBe('complete');
    const { elapsedMs: _, ...table } = last(replies, 'naturalness-table').table;
    const { elapsedMs: __, ...expected } = alone;
    expect(table).toEqual(expected);
    const curve = last(await call(other, { type: 'curve', id: 5 }), 'fine-tuning-curve').curve;
    expect(curve.languages[0].byFraction.map((p) => p.fraction)).toEqual([0, 0.125, 0.25, 0.5, 1]);
  });

  it('describes a model loaded from a file, not the models it replaced', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)) });
    await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false });
    const before = (await call(service, { type: 'curve', id: 2 })).pop()!;
    expect(before.type === 'fine-tuning-curve' && before.curve.languages[0].fractions).toEqual([0.125, 0.25, 0.5, 1]);
    const exported = (await call(service, { type: 'export', id: 3, model: 'code' })).pop()!;
    if (exported.type !== 'exported') throw new Error(JSON.stringify(exported));
    const loaded = (await call(service, { type: 'load', id: 4, role: 'code', file: new Blob([exported.data]), name: 'code.cgm', words: 'auto' })).pop()!;
    expect(loaded.type).toBe('loaded');
    // A loaded code model replaces every fraction: the curve now has 0% and 100% only.
    const after = (await call(service, { type: 'curve', id: 5 })).pop()!;
    expect(after.type === 'fine-tuning-curve' && after.curve.languages[0].byFraction.map((p) => p.fraction)).toEqual([0, 1]);
    const why = (await call(service, { type: 'why', id: 6, text: 'def add(a, b):\n    return', token: ' a', model: 'finetuned' })).pop()!;
    expect(why.type === 'continuations' && why.report.corpora[0].count).toBeGreaterThan(0);
  });

  it('says the models are not ready before a build', async () => {
    const replies = await call(new ModelService(), { type: 'curve', id: 1 });
    expect(replies).toEqual([expect.objectContaining({ type: 'error', code: 'not-ready' })]);
  });
});
