/**
 * Code and the prose inside it. A code corpus holds English too (docstrings, comments), so an n-gram model of it
 * offers ` the` after `for item in `: a few tokens of context cannot see that the cursor is in code. The tokenizer
 * can (tokenizer.ts, Region). RegionCounts keeps, for every token of a vocabulary, how often it was written in code,
 * inside a string and inside a comment, and `rerank` uses it as a Bayes factor on a model's candidates:
 *
 *   p(w | h, r) = p(w | h) · P(r | w)^β / Z      P(r | w) = (c_r(w) + α·P(r)) / (c(w) + α)
 *
 * where r is the region at the cursor, c_r(w) the token's count in that region and P(r) the corpus's share of
 * tokens written there (a token never seen gets the prior). This assumes the region depends on the token and not
 * further on the context, which is the price of not training separate models for code and prose. Z sums over the
 * whole vocabulary; `rerank` sees only the candidates, so the mass outside them is weighed with P(r) (an estimate:
 * the order of the candidates is exact, their probabilities close). The factor is tempered, P(r | w)^β with
 * β = REGION_STRENGTH, for the reason given there.
 */
import { REGIONS, type Region } from './tokenizer.ts';
import type { Prediction, TokenId } from './types.ts';

/** Pseudo-count of the prior in P(r | w): a token seen a few times keeps part of the corpus's shares. */
const PRIOR_WEIGHT = 2;

const R = REGIONS.length;

export class RegionCounts {
  /** Count of token id in region r at [id * R + r] (R regions). */
  private counts: Uint32Array;
  private totals = new Float64Array(R);

  constructor(counts?: Uint32Array) {
    this.counts = counts ?? new Uint32Array(R * 1024);
    for (let i = 0; i < this.counts.length; i++) this.totals[i % R] += this.counts[i];
  }

  /** How many ids the table has room for. */
  get size(): number {
    return this.counts.length / R;
  }

  /** Counts `n` more of token `id` written in region index `region`. */
  add(id: TokenId, region: number, n = 1): void {
    if (id * R + region >= this.counts.length) {
      const grown = new Uint32Array(Math.max(this.counts.length * 2, (id + 1) * R));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[id * R + region] += n;
    this.totals[region] += n;
  }

  count(id: TokenId, region: number): number {
    return id * R + region < this.counts.length ? this.counts[id * R + region] : 0;
  }

  /** The corpus's share of tokens written in each region. */
  prior(region: number): number {
    const all = this.totals[0] + this.totals[1] + this.totals[2];
    return all > 0 ? this.totals[region] / all : 1 / R;
  }

  /** P(region | token), smoothed towards the prior. */
  share(id: TokenId, region: number): number {
    let c = 0;
    for (let r = 0; r < R; r++) c += this.count(id, r);
    return (this.count(id, region) + PRIOR_WEIGHT * this.prior(region)) / (c + PRIOR_WEIGHT);
  }

  /** Adds another table whose ids map to this one's through `to` (another vocabulary into a union). */
  addMapped(other: RegionCounts, to: (id: TokenId) => TokenId): void {
    for (let id = 0; id < other.size; id++) {
      for (let r = 0; r < R; r++) {
        const n = other.count(id, r);
        if (n > 0) this.add(to(id), r, n);
      }
    }
  }

  /** The counts, trimmed to `ids` ids (the vocabulary's size), for storing. */
  toArray(ids: number): Uint32Array {
    const out = new Uint32Array(ids * R);
    out.set(this.counts.subarray(0, Math.min(out.length, this.counts.length)));
    return out;
  }
}

/**
 * The exponent β on P(region | token). The plain Bayes factor (β = 1) counts twice what the context already says
 * about the region (inside a docstring the n-grams are prose anyway) and ranked held-out code slightly worse than
 * no weighing; β = 0.5 ranked it best of 0.25, 0.5 and 1 (`npx tsx bench/ranking.ts 2000 0.25 0.5 1`, README).
 */
export const REGION_STRENGTH = 0.5;

/** Index of a region in REGIONS. */
export const regionIndex = (r: Region): number => REGIONS.indexOf(r);

/**
 * The `k` best of `candidates` (one model's likeliest tokens, best first) after weighing each by P(region | token),
 * with probabilities renormalised over the candidates plus the mass outside them (weighed by the prior).
 */
export function rerank(candidates: readonly Prediction[], counts: RegionCounts, region: Region, k: number, strength = REGION_STRENGTH): Prediction[] {
  const r = regionIndex(region);
  let inside = 0;
  let z = 0;
  const weighed = candidates.map((c) => {
    inside += c.prob;
    const w = c.prob * counts.share(c.id, r) ** strength;
    z += w;
    return { c, w };
  });
  z += Math.max(0, 1 - inside) * counts.prior(r) ** strength;
  if (z <= 0) return candidates.slice(0, k);
  return weighed
    .sort((a, b) => b.w - a.w || a.c.id - b.c.id)
    .slice(0, k)
    .map(({ c, w }) => ({ ...c, prob: w / z, log2Prob: Math.log2(w / z) }));
}
