/**
 * Data fractions. The code training files are put in a fixed pseudo-random order (hash of the path) and
 * tokenized once into one stream with one vocabulary. The model for fraction f is counted and estimated from
 * the prefix of that stream that ends at the first file boundary after f of its tokens, with the shared
 * vocabulary (tokens of later files get count zero: KN gives them only the uniform share of the lowest order,
 * like <unk>). So every fraction model has the same ids, one union vocabulary serves them all, and moving the
 * fraction control is a change of mixture weights: no work at all. The cost is building them:
 * Σ FRACTIONS = 1.875 code builds (counting and estimating; tokenizing once).
 */
import { BOS, EOS } from '../lm/types.ts';

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
  const { ends, tokens, total } = sentenceEnds(stream);
  return fractions.map((f) => {
    const found = tokens.findIndex((t) => t >= f * total);
    const k = found >= 0 ? found : ends.length - 1;
    return k >= 0 ? { end: ends[k], tokens: tokens[k] } : { end: 0, tokens: 0 };
  });
}

/**
 * Where each sentence of the stream ends (just after its </s>), the tokens up to there, and all the tokens. A function
 * of its own: V8 compiled fractionCuts for this loop alone (on-stack replacement) and again for the lines after it.
 */
function sentenceEnds(stream: Int32Array): { ends: number[]; tokens: number[]; total: number } {
  const ends: number[] = [];
  const tokens: number[] = [];
  let n = 0;
  for (let i = 0; i < stream.length; i++) {
    const id = stream[i];
    if (id === EOS) {
      ends.push(i + 1);
      tokens.push(n);
    } else if (id !== BOS) n++;
  }
  return { ends, tokens, total: n };
}

