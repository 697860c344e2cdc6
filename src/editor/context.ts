/**
 * Where a completion starts, and how tokens look in lists. Pure: no Monaco here, so it is tested in Node.
 */
import { listContext, type HealedContext } from '../analysis/completion.ts';

export type CompletionContext = HealedContext;

/** The text the list conditions on and the half-typed word it completes (analysis/completion.ts, one definition). */
export const completionContext = (textBeforeCursor: string): CompletionContext => listContext(textBeforeCursor);

/** How a token looks in lists: whitespace made visible, so ` return` and `return` can be told apart. */
export function displayToken(token: string): { lead: boolean; text: string } {
  const lead = token.length > 1 && token[0] === ' ' && token[1] !== ' ';
  const body = lead ? token.slice(1) : token;
  // Newlines, tabs and spaces that are not a folded word space are drawn, so indentation can be counted.
  const drawn = /^[ \t\r\n]+$/.test(body) ? body.replace(/ /g, '·') : body;
  return { lead, text: drawn.replace(/\r?\n/g, '↵').replace(/\t/g, '⇥') };
}
