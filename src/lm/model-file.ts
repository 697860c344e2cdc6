/**
 * What a model file is, decided from its first bytes and text, one way for the command line and the web worker:
 * gzip or not, Codegram's binary format or ARPA text, and how an ARPA file's words were made. Pure (bytes and
 * strings in, answers out); the readers that act on the answer are cli/main.ts (whole files) and
 * worker/model-file.ts (streams).
 */
import { MODEL_MAGIC } from './format.ts';
import type { TokenizerName } from './types.ts';

/** How an ARPA file's words were made: Codegram's escaped code tokens, whitespace, or recognised from the file. */
export type ArpaWords = 'auto' | TokenizerName;

/** Bytes to look at to tell the kinds apart. */
export const MODEL_HEAD_BYTES = 8;
/** Decoded ARPA text inspected to recognise Codegram's escaped code tokens. */
export const ARPA_SNIFF_CHARS = 1 << 18;

/** gzip's two magic bytes (RFC 1952), whatever it holds. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The kind of an (already decompressed) model file from its first bytes: Codegram's binary format by its magic;
 * ARPA when the text starts with `\data\` after blank lines (as KenLM's reader requires); anything holding a NUL
 * byte is binary of some other kind; other text is 'unknown' (the ARPA reader then names the line it trips on).
 */
export function modelFileKind(head: Uint8Array): 'cgm' | 'arpa' | 'binary' | 'unknown' {
  if (head.length >= MODEL_MAGIC.length && MODEL_MAGIC.every((b, i) => head[i] === b)) return 'cgm';
  if (head.includes(0)) return 'binary';
  let s = '';
  for (let i = 0; i < Math.min(head.length, 256); i++) s += String.fromCharCode(head[i]);
  return /^\s*\\data\\/.test(s) ? 'arpa' : 'unknown';
}

/**
 * Codegram's own ARPA export writes code tokens with their whitespace escaped, and nearly every code model has
 * unigrams such as `\s=` or `\n` (a newline token): a word that starts with `\s`, `\n` or `\t` right after the
 * probability. Text tokenized on whitespace has none. (A comment line before `\data\` would say it outright, but
 * KenLM's reader refuses anything but a blank line there, so the export stays plain ARPA.)
 */
export function looksLikeCodeTokens(text: string): boolean {
  return /^-?[\d.]+(?:e-?\d+)?\t\\[snt]/m.test(text);
}

/** The tokenizer an ARPA file's words call for: the one chosen, or (for 'auto') the one its text shows. */
export function arpaTokenizer(words: ArpaWords, sample: string): TokenizerName {
  return words === 'auto' ? (looksLikeCodeTokens(sample) ? 'code' : 'whitespace') : words;
}
