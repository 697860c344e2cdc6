/**
 * Pure helpers of the lesson views in the editor (no Monaco here, so they are tested in Node): GLTR's rank
 * classes (Gehrmann, Strobelt and Rush 2019), the token spans to outline, and the text of a token's hover.
 */
import { DEEP_RANK, type TokenReport } from '../analysis/lessons.ts';
import type { ModelKind } from '../build/model-set.ts';
import { tokenizeDetailed } from '../lm/tokenizer.ts';

export type RankClass = 'top10' | 'top100' | 'top1000' | 'beyond';

export const RANK_CLASSES: { id: RankClass; label: string }[] = [
  { id: 'top10', label: 'top 10' },
  { id: 'top100', label: 'top 100' },
  { id: 'top1000', label: 'top 1000' },
  { id: 'beyond', label: 'beyond' },
];

/** The class of a 1-based rank; null means "not within the depth asked for" (DEEP_RANK for the colouring). */
export function rankClass(rank: number | null): RankClass {
  if (rank === null || rank > DEEP_RANK) return 'beyond';
  return rank <= 10 ? 'top10' : rank <= 100 ? 'top100' : 'top1000';
}

/** Share of each class among the tokens, under one model. */
export function classShares(tokens: readonly TokenReport[], model: ModelKind): Record<RankClass, number> {
  const shares: Record<RankClass, number> = { top10: 0, top100: 0, top1000: 0, beyond: 0 };
  for (const t of tokens) shares[rankClass(t[model].rank)]++;
  if (tokens.length) for (const c of RANK_CLASSES) shares[c.id] /= tokens.length;
  return shares;
}

export interface Span {
  start: number;
  end: number;
}

/**
 * The spans to draw around each token: whitespace-only tokens are drawn too (indentation, folded spaces), but a
 * newline plus indentation token is cut to its indentation (a newline has no width to outline).
 */
export function tokenSpans(text: string): (Span & { parity: 0 | 1 })[] {
  const spans: (Span & { parity: 0 | 1 })[] = [];
  let i = 0;
  for (const t of tokenizeDetailed(text)) {
    let start = t.start;
    const end = t.start + t.text.length;
    const nl = t.text.lastIndexOf('\n');
    if (nl >= 0) start = t.start + nl + 1;
    if (end > start) spans.push({ start, end, parity: (i % 2) as 0 | 1 });
    i++;
  }
  return spans;
}

/** Bits per token to perplexity: 2^H. */
export const perplexity = (bitsPerToken: number) => 2 ** bitsPerToken;

const pct = (log2Prob: number) => {
  const p = 2 ** log2Prob;
  return p >= 0.001 ? `${(100 * p).toFixed(p >= 0.1 ? 1 : 2)}%` : p.toExponential(1);
};
const rankText = (r: number | null) => (r === null ? `beyond ${DEEP_RANK}` : `#${r}`);

/** Markdown of a token's hover: probability, rank and matched n-gram order under both models. */
export function hoverMarkdown(t: TokenReport): string[] {
  const shown = JSON.stringify(t.token).slice(1, -1);
  const row = (label: string, s: TokenReport['base']) =>
    `| ${label} | ${pct(s.log2Prob)} | ${rankText(s.rank)} | ${s.orderUsed === 0 ? 'unknown token' : `${s.orderUsed}-gram`} |`;
  return [
    `**token** \`${shown}\``,
    ['| model | probability | rank | matched |', '|---|---:|---:|---|', row('base', t.base), row('fine-tuned', t.finetuned)].join('\n'),
  ];
}
