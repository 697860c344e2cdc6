/**
 * Shared vocabulary of the language-model core: token ids, special tokens, result records.
 * Everything under src/lm/ is pure TypeScript (no DOM, Worker, IndexedDB, Svelte or Monaco),
 * so the same code runs in Node, in the web worker and in tests.
 */

/** Index of a token in a model's vocabulary. */
export type TokenId = number;

/** Special tokens occupy the first ids of every vocabulary, in this order (KenLM's kUNK = 0 too). */
export const UNK: TokenId = 0;
export const BOS: TokenId = 1;
export const EOS: TokenId = 2;
export const SPECIAL_TOKENS = ['<unk>', '<s>', '</s>'] as const;

export type TokenizerName = 'code' | 'whitespace';

/** Highest n-gram order the model supports; the site defaults to 5. */
export const MAX_ORDER = 10;
export const DEFAULT_ORDER = 5;

/** The answer for one token after one context. */
export interface TokenScore {
  /** log2 of the probability. */
  log2Prob: number;
  /** Length of the longest n-gram (context plus token) found in the model, 0 when the token is unknown. */
  orderUsed: number;
  /** Raw occurrence count of that n-gram in training, at every order (models store raw counts only; an ARPA file has none: 0). */
  count: number;
}

/** One candidate of a next-token query. */
export interface Prediction extends TokenScore {
  id: TokenId;
  token: string;
  /** Probability (not log), for display. */
  prob: number;
}
