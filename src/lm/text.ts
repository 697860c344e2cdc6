/**
 * From raw text to the sentences a model trains on and scores, one rule for both.
 *
 * - `lines: true` is KenLM's text convention: every line is a sentence (`<s> … </s>`), an empty line too.
 * - `lines: false`: a whole document is one sentence, one token stream.
 */
import { getTokenizer } from './tokenizer.ts';
import type { TokenizerName } from './types.ts';

export interface TextOptions {
  tokenizer: TokenizerName;
  lines: boolean;
}

/** Splits a document into its sentences' tokens. A final newline does not start another sentence. */
export function sentencesOf(text: string, options: TextOptions): string[][] {
  const tokenize = getTokenizer(options.tokenizer);
  if (!options.lines) return [tokenize(text)];
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map(tokenize);
}
