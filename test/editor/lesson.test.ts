import { describe, expect, it } from 'vitest';
import { classShares, hoverMarkdown, perplexity, rankClass, tokenSpans } from '../../src/editor/lesson.ts';
import type { TokenReport } from '../../src/analysis/lessons.ts';

const report = (token: string, start: number, base: number | null, finetuned: number | null): TokenReport => ({
  token,
  start,
  base: { log2Prob: -10, orderUsed: 1, count: 3, rank: base },
  finetuned: { log2Prob: -1, orderUsed: 4, count: 20, rank: finetuned },
});

describe('lesson helpers', () => {
  it("puts ranks in GLTR's classes", () => {
    expect([1, 10, 11, 100, 101, 1000, 1001, null].map(rankClass)).toEqual(['top10', 'top10', 'top100', 'top100', 'top1000', 'top1000', 'beyond', 'beyond']);
  });

  it('counts the share of each class under one model', () => {
    const tokens = [report('def', 0, 500, 1), report(' f', 3, null, 40), report('(', 5, 3, 2), report(')', 6, 50, 1)];
    expect(classShares(tokens, 'base')).toEqual({ top10: 0.25, top100: 0.25, top1000: 0.25, beyond: 0.25 });
    expect(classShares(tokens, 'finetuned')).toEqual({ top10: 0.75, top100: 0.25, top1000: 0, beyond: 0 });
  });

  it('outlines tokens, alternating, and cuts a newline-and-indent token to its indentation', () => {
    // Tokens: "if", " x", ":", "\n    ", "y"
    expect(tokenSpans('if x:\n    y')).toEqual([
      { start: 0, end: 2, parity: 0 },
      { start: 2, end: 4, parity: 1 },
      { start: 4, end: 5, parity: 0 },
      { start: 6, end: 10, parity: 1 },
      { start: 10, end: 11, parity: 0 },
    ]);
  });

  it('writes a hover with both models: probability, rank and matched order', () => {
    const [head, table] = hoverMarkdown(report(' x', 0, null, 2));
    expect(head).toBe('**token** ` x`');
    expect(table).toContain('| base | 9.8e-4 | beyond 1000 | 1-gram |');
    expect(table).toContain('| fine-tuned | 50.0% | #2 | 4-gram |');
    expect(perplexity(3)).toBe(8);
  });
});
