/**
 * Where a completion starts. The code tokenizer folds a single space into the token after it, so a
 * half-typed word after a space is the prefix ` fo` of a token such as ` foo`, and a just-typed space is
 * the prefix ` ` of the next token. Pure: no Monaco here, so it is tested in Node.
 */
import { tokenize } from '../lm/tokenizer.ts';

export interface CompletionContext {
  /** The text the model conditions on: everything before the prefix. */
  context: string;
  /** The start of the token being typed (may be ''), which every suggestion must extend. */
  prefix: string;
}

const PARTIAL = /^ ?[\p{L}\p{N}_$]+$/u;

export function completionContext(textBeforeCursor: string): CompletionContext {
  const tokens = tokenize(textBeforeCursor);
  const last = tokens[tokens.length - 1];
  if (last !== undefined && (last === ' ' || PARTIAL.test(last))) {
    return { context: textBeforeCursor.slice(0, textBeforeCursor.length - last.length), prefix: last };
  }
  return { context: textBeforeCursor, prefix: '' };
}

/** How a token looks in lists: whitespace made visible, so ` return` and `return` can be told apart. */
export function displayToken(token: string): { lead: boolean; text: string } {
  const lead = token.length > 1 && token[0] === ' ' && token[1] !== ' ';
  const body = lead ? token.slice(1) : token;
  // Newlines, tabs and spaces that are not a folded word space are drawn, so indentation can be counted.
  const drawn = /^[ \t\r\n]+$/.test(body) ? body.replace(/ /g, '·') : body;
  return { lead, text: drawn.replace(/\r?\n/g, '↵').replace(/\t/g, '⇥') };
}
