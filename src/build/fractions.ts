/**
 * Data fractions. The code training files are put in a fixed pseudo-random order (hash of the path) and
 * tokenized once into one stream with one vocabulary. The model for fraction f is counted and estimated from
 * the prefix of that stream that ends at the first file boundary after f of its tokens, with the shared
 * vocabulary (tokens of later files get count zero: KN gives them only the uniform share of the lowest order,
 * like <unk>). So every fraction model has the same ids, one union vocabulary serves them all, and moving the
 * fraction control is a change of mixture weights: no work at all. The cost is building them:
 * Σ FRACTIONS = 1.875 code builds (counting and estimating; tokenizing once).
 */
import { EOS } from '../lm/types.ts';

/** Orders code files by a hash of their path: every fraction gets a mix of languages and packages. */
export function fractionOrder(paths: readonly string[]): number[] {
  const keyed = paths.map((p, i) => ({ i, h: fnv1a(p), p }));
  keyed.sort((a, b) => a.h - b.h || (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
  return keyed.map((k) => k.i);
}

/** FNV-1a 32-bit of a string (http://www.isthe.com/chongo/tech/comp/fnv/). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Stream positions just after the file (sentence) that crosses each fraction of the tokens. */
export function fractionCuts(stream: Int32Array, fractions: readonly number[]): { end: number; tokens: number }[] {
  const ends: { end: number; tokens: number }[] = [];
  let tokens = 0;
  for (let i = 0; i < stream.length; i++) {
    if (stream[i] === EOS) ends.push({ end: i + 1, tokens });
    else if (stream[i] !== 1) tokens++;
  }
  const total = tokens;
  return fractions.map((f) => ends.find((e) => e.tokens >= f * total) ?? ends[ends.length - 1] ?? { end: 0, tokens: 0 });
}

