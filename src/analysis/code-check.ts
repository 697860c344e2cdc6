/**
 * The code check's pure parts: where a generated continuation is cut (one fixed stop rule for every model and
 * language), whether what is left holds any code at all, which function the tests call, and pass@k.
 *
 * The stop rule is the end of the first top-level definition, read from the layout alone so that it is the same
 * for code that parses and code that does not: a definition starts at the first line that is neither blank nor a
 * comment, and ends before the next non-blank line at column 0 — unless that line opens with a closing bracket
 * (`}` of a JavaScript function), which belongs to it and ends it, or follows a decorator (`@cache` then `def`). At most MAX_LINES lines are kept either way.
 * A parser would find the end more exactly, but only for code that parses, and the point is to judge both.
 */
import type { CodeLanguage } from '../corpus/types.ts';
import { tokenizeDetailed } from '../lm/tokenizer.ts';

/** Lines a continuation keeps at most, definition or not. */
export const MAX_LINES = 24;

const COMMENT_LINE = /^\s*(#|\/\/)/;
const CLOSING = /^[}\])]/;

/**
 * Where the stop rule cuts `text` (a continuation; `atLineStart` says whether the prompt ended with a newline),
 * or null while more text could still change the answer (the generator keeps going). With `final`, the text is
 * all there is: the cut is then the end of the text, trailing blank lines dropped.
 */
export function definitionEnd(text: string, atLineStart = true, final = false): number | null {
  let started = !atLineStart && text.length > 0 && !/^\s*\n/.test(text); // the prompt's unfinished line is part of it
  let lines = 0;
  let lastEnd = 0; // end of the last line that belongs to the definition (after its newline)
  let lastLine = ''; // the last non-blank line
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const complete = nl >= 0;
    const end = complete ? nl + 1 : text.length;
    const line = text.slice(pos, complete ? nl : text.length);
    const first = pos === 0 && !atLineStart;
    if (started && !first && line.trim() !== '') {
      // Whether a line is at column 0 is known from its first character; a closing bracket ends the definition
      // once its line is complete.
      if (CLOSING.test(line)) {
        if (!complete) return final ? end : null;
        return end;
      }
      if (!/^\s/.test(line) && !lastLine.startsWith('@')) return lastEnd;
    }
    if (!started && line.trim() !== '' && !COMMENT_LINE.test(line)) started = true;
    if (!complete) return final ? (line.trim() === '' ? lastEnd : end) : null;
    lines++;
    if (line.trim() !== '') {
      lastEnd = end;
      lastLine = line;
    }
    if (lines >= MAX_LINES) return lastEnd;
    pos = end;
  }
  return final ? lastEnd : null;
}

/** The continuation as the code check judges it: cut by the stop rule. */
export function cutContinuation(text: string, atLineStart = true): string {
  return text.slice(0, definitionEnd(text, atLineStart, true) ?? text.length);
}

/** True when `text` holds a token of code: not only whitespace, comments and strings (a docstring alone is none). */
export function holdsCode(text: string): boolean {
  return tokenizeDetailed(text).some((t) => t.kind !== 'string' && t.kind !== 'comment' && t.kind !== 'newline' && t.kind !== 'space');
}

/** The languages the code check judges: the code models' languages. */
export type CheckLanguage = CodeLanguage;

/**
 * The first top-level function `program` defines: what the tests call as `candidate`, whatever the model named
 * it (a model asked for a factorial that writes `def divisors(n):` is tested as a factorial, and fails). Read
 * from the source of a program that parsed: a definition at column 0.
 */
export function entryOf(program: string, language: CheckLanguage): string | null {
  const pattern =
    language === 'python'
      ? /^(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(/m
      : /^(?:export[ \t]+)?(?:(?:async[ \t]+)?function[ \t]*\*?[ \t]*([A-Za-z_$][\w$]*)|(?:const|let|var)[ \t]+([A-Za-z_$][\w$]*)(?:[^=\n]|=>)*=(?!>)[ \t]*(?:async[ \t]*)?(?:function\b|\(|[A-Za-z_$][\w$]*[ \t]*=>))/m;
  const m = pattern.exec(program);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/**
 * The unbiased estimator of pass@k from n samples of which c passed (Chen et al. 2021): 1 − C(n−c, k) / C(n, k),
 * computed as a product so that no binomial coefficient overflows.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!(k >= 1 && k <= n && c >= 0 && c <= n)) throw new RangeError(`pass@k needs 1 ≤ k ≤ n and 0 ≤ c ≤ n (n ${n}, c ${c}, k ${k})`);
  if (n - c < k) return 1;
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

/** How continuations are sampled for the code check (the view states it; the bench uses the same). */
export const CHECK_SAMPLING = { temperature: 0.8, topK: 40, topP: 0.95, maxTokens: 256 } as const;

/** A continuation as the check judges it: cut by the stop rule, joined to its prompt, looked over. */
export interface Judged {
  /** The continuation after the cut. */
  continuation: string;
  /** Prompt plus continuation: what is parsed and run. */
  program: string;
  holdsCode: boolean;
  /** The function the tests call (null when the program defines none). */
  entry: string | null;
}

export function judge(prompt: string, continuation: string, language: CheckLanguage): Judged {
  const cut = cutContinuation(continuation, prompt === '' || prompt.endsWith('\n'));
  const program = prompt + cut;
  return { continuation: cut, program, holdsCode: holdsCode(cut), entry: entryOf(program, language) };
}

/** The ks reported for n samples: 1, 5, 10, … up to n. */
export function reportedKs(n: number): number[] {
  return [1, 5, 10, 20, 50, 100].filter((k) => k <= n);
}
