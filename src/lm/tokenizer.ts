/**
 * Tokenizers: text → token strings. Two of them, chosen by `TokenizerName`:
 *
 * - `whitespace`: KenLM/SRILM's convention, tokens are the runs between ASCII whitespace (space, \t, \n, \v, \f,
 *   \r: C's `isspace`, KenLM's `util::kSpaces`). Not lossless; no empty tokens. Non-ASCII spaces (U+00A0 …)
 *   are part of tokens, as they are for KenLM.
 * - `code`: a lossless, language-agnostic scanner for Python, JavaScript, TypeScript and English prose:
 *   `tokenize(t).join('') === t` for every string, lone surrogates and NUL bytes included.
 *
 * The code tokenizer's contract (completions are inserted by concatenating tokens, so spacing lives in tokens):
 *
 *   def add(a, b):\n    return a + b   →  def · ␣add · ( · a · , · ␣b · ) · : · \n␣␣␣␣ · return · ␣a · ␣+ · ␣b
 *   The jury said, "no evidence"       →  The · ␣jury · ␣said · , · ␣" · no · ␣evidence · "
 *
 * Whitespace, as GPT-2 does it:
 * - One space (U+0020) before a non-whitespace token is folded into it as a leading space (`␣+`, `␣"`).
 * - A run of k > 1 spaces ending in a space before a token gives a token of k-1 spaces, the last folds.
 *   A run that ends in a tab, \v or \f, or that ends the line or the text, is one space token as it stands.
 * - A line break (\n, \r\n or a lone \r) plus the spaces and tabs after it is ONE token, so indentation
 *   is predictable: `\n␣␣␣␣`. A blank line gives `\n` then `\n␣␣␣␣`. Spaces before a line break are a space
 *   token of their own.
 *
 * Tokens:
 * - Words: runs of ASCII letters, digits, `_`, `$` and of Unicode letters, marks and digits (\p{L}\p{M}\p{N});
 *   a word starts with anything but an ASCII digit.
 * - Numbers start with an ASCII digit, or `.` then a digit, and take C's "pp-number" shape: letters, digits
 *   and `_` (`0x1F`, `0b1010`, `1_000`, `10n`, `3j`), a `.` that is followed by a digit (`1.5`, `.5`, `1.2.3`)
 *   and a sign after the exponent letter (`1e-9`; `p` for hex floats, so `0x1e+1` is `0x1e` `+` `1`).
 *   A trailing `.` is punctuation: `in 1960.` → `1960` `.`.
 * - Operators, longest match: `>>>=`, `===` `!==` `**=` `//=` `>>>` `>>=` `<<=` `??=` `&&=` `||=` `...`, and
 *   `==` `!=` `<=` `>=` `=>` `->` `**` `>>` `<<` `&&` `||` `??` `?.` `++` `--` `+=` `-=` `*=` `/=` `%=` `&=`
 *   `|=` `^=` `:=` `::` `@=` `//`, then single `= ! < > * / ? & | + - % ^ @ ~`. `?.` before a digit is `?`
 *   (`a ?.5 : 1`, as JavaScript reads it).
 * - Punctuation, one character each: `( ) [ ] { } , ; : .` and, where they are not delimiters, `' " \` # \\`.
 * - Anything else (control characters, NUL, non-ASCII symbols, emoji, U+00A0) is an `other` token of one code
 *   point; a lone surrogate is one UTF-16 unit. Nothing is dropped or duplicated.
 *
 * Strings and comments are not one token each (a docstring as one token would make a huge, useless
 * vocabulary): the delimiter is a token, the contents are tokenized by the rules above (kind `string` or
 * `comment` in `tokenizeDetailed`), then the closing delimiter.
 * - String openers: `"`, `'`, `` ` ``, `"""`, `'''`, with a Python prefix glued on (`r b f u t rb br fr rf tr
 *   rt`, any case): `f"`, `rb'''`. Back-tick and triple-quoted strings may span lines; any other string ends
 *   at its closing quote or at the end of its line (an unterminated string never swallows the file), unless
 *   the line ends with a `\` (line continuation).
 * - Inside a string, `\` and the code point after it are one token (`\n`, `\"`, `\\`, `\u`+`00e9`), so an
 *   escaped quote never closes the string; raw strings included, as Python's r"\"" shows. Other quotes are
 *   plain punctuation there.
 * - `'` right after a letter or digit is an apostrophe (punctuation), not an opener: `Atlanta's` →
 *   `Atlanta` `'` `s`, `students'` → `students` `'`. So English prose does not open strings at every
 *   contraction; a quote after a word cannot open a string in Python or JavaScript anyway.
 * - Comments: `#` and `//` to the end of the line, `/*` (or `/**`) to `*\/`. Inside comments quotes are
 *   punctuation and `\` is itself. `#` right after `.` is JavaScript's private member (`this.#x`): punctuation.
 * - `//` is always a comment opener (JavaScript and TypeScript use it far more than Python's floor division);
 *   Python's `a // b` therefore gives the same token texts ` //` ` b` with kind `comment`, and the rest of its
 *   line is read as comment. `//=` is an operator.
 * Not recognised: regular-expression literals (`/\d+'/` is `/` `\` `d` `+` then a string opener) and the `${…}` of
 * template literals (a back-tick nested in one closes the outer string). Both change kinds, not token texts.
 *
 * Speed: one pass over char codes with an ASCII class table; non-ASCII words go through one sticky Unicode
 * regex. `tokenize` allocates only token strings, and reuses those of recent short tokens (`interned`).
 * Measured in Node 20.20 on a 2-core machine, best of 5: about 37 MB/s on the .js files of
 * node_modules/svelte/src (1.8 MB, concatenated 4 times), 45 MB/s on corpora/generated/brown-plain.txt.
 * Before the interning, slicing took half the time.
 */
import type { TokenizerName } from './types.ts';

export type TokenKind = 'word' | 'number' | 'string' | 'comment' | 'operator' | 'punct' | 'newline' | 'space' | 'other';

export interface Token {
  text: string;
  kind: TokenKind;
  /** UTF-16 offset of the token in the input. */
  start: number;
}

// Kinds as small integers while scanning; names only for tokenizeDetailed.
const WORD = 0;
const NUMBER = 1;
const STRING = 2;
const COMMENT = 3;
const OPERATOR = 4;
const PUNCT = 5;
const NEWLINE = 6;
const SPACE = 7;
const OTHER = 8;
const KIND_NAMES: readonly TokenKind[] = ['word', 'number', 'string', 'comment', 'operator', 'punct', 'newline', 'space', 'other'];

// What the scanner is inside of.
const CODE = 0;
const IN_STRING = 1;
const LINE_COMMENT = 2;
const BLOCK_COMMENT = 3;

/**
 * Where a token is written: in code, inside a string or inside a comment. A token's region is where the scanner
 * stood when the token began, so an opening quote or `#` is written in code and a closing quote inside the string:
 * the region a completion at that point is asked in.
 */
export type Region = 'code' | 'string' | 'comment';
export const REGIONS: readonly Region[] = ['code', 'string', 'comment'];
const REGION_CODE = 0;
const REGION_STRING = 1;
const REGION_COMMENT = 2;

// ASCII character classes.
const A_OTHER = 0;
const A_WORD = 1;
const A_DIGIT = 2;
const A_BLANK = 3; // space, \t, \v, \f: runs of them are space tokens
const A_NEWLINE = 4;
const A_SYMBOL = 5;
const ASCII = new Uint8Array(128);
for (let c = 33; c < 127; c++) ASCII[c] = A_SYMBOL;
for (let c = 48; c <= 57; c++) ASCII[c] = A_DIGIT;
for (let c = 65; c <= 90; c++) ASCII[c] = ASCII[c + 32] = A_WORD;
ASCII[95] = ASCII[36] = A_WORD; // _ $
ASCII[32] = ASCII[9] = ASCII[11] = ASCII[12] = A_BLANK;
ASCII[10] = ASCII[13] = A_NEWLINE;

/** Non-ASCII word characters, matched where lastIndex points (sticky), whole code points (u). */
const UNICODE_WORD = /[\p{L}\p{M}\p{N}]+/uy;

/**
 * `text.charCodeAt(i)`, NaN outside the text as there, for the scanner's looks ahead and behind, which reach past
 * either end of a text. Read outside the text, charCodeAt throws V8's optimized code away ("out of bounds"), once per
 * place in each worker, and V8 compiles the scanner again: the check here keeps every read in bounds.
 */
function codeAt(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : NaN;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
const lower = (c: number) => c | 0x20;

/**
 * Python string prefixes: r u b f t, or r with one of b f t in either order, any case.
 * `c1` is NaN for a one-letter word.
 */
function isStringPrefix(c0: number, c1: number): boolean {
  const a = lower(c0);
  if (c1 !== c1) return a === 114 || a === 117 || a === 98 || a === 102 || a === 116; // r u b f t
  const b = lower(c1);
  const other = a === 114 ? b : b === 114 ? a : 0;
  return other === 98 || other === 102 || other === 116; // b f t
}

/**
 * The scanner behind both tokenize functions: each `next()` moves [start, end) to the next token and sets its
 * kind, keeping strings allocation-free so `tokenize` pays only for the slices.
 */
class Scanner {
  start = 0;
  end = 0;
  kind = WORD;
  private mode = CODE;
  /** Inside a string: its quote's char code, whether it is triple-quoted, whether it may span lines. */
  private quote = 0;
  private triple = false;
  private multiline = false;
  /** A single-line string's line ended with `\`: the next line break stays inside the string. */
  private continued = false;

  constructor(private readonly text: string) {}

  /** Where the scanner is: code, inside a string, or inside a comment (Region index, see `REGIONS`). */
  get region(): number {
    const mode = this.mode;
    return mode === CODE ? REGION_CODE : mode === IN_STRING ? REGION_STRING : REGION_COMMENT;
  }

  next(): boolean {
    const text = this.text;
    const n = text.length;
    let i = this.end;
    if (i >= n) return false;
    this.start = i;
    let c = text.charCodeAt(i);
    if (c < 128 && ASCII[c] === A_BLANK) {
      let j = i + 1;
      while (j < n && (c = text.charCodeAt(j)) < 128 && ASCII[c] === A_BLANK) j++;
      // Fold the run's last space into the token after it, when there is one on this line.
      if (j === n || c === 10 || c === 13 || text.charCodeAt(j - 1) !== 32) return this.blank(j);
      if (j - 1 > i) return this.blank(j - 1);
      i = j;
    } else if (c === 10 || c === 13) {
      return this.lineBreak(i, c);
    }
    switch (this.mode) {
      case CODE:
        this.end = this.scanCode(i, c);
        break;
      case IN_STRING:
        this.end = this.scanString(i, c);
        break;
      case LINE_COMMENT:
        this.end = this.scanPlain(i, c);
        this.kind = COMMENT;
        break;
      default:
        if (c === 42 && codeAt(text, i + 1) === 47) {
          this.end = i + 2;
          this.mode = CODE;
        } else {
          // subtle: a `*` is never glued to the next one, or `**/` would hide the closing `*/`.
          this.end = c === 42 ? i + 1 : this.scanPlain(i, c);
        }
        this.kind = COMMENT;
    }
    return true;
  }

  /** The kind of whitespace and line breaks inside the current string or comment, or `own` in code. */
  private contextKind(own: number): number {
    const mode = this.mode;
    return mode === CODE ? own : mode === IN_STRING ? STRING : COMMENT;
  }

  private blank(end: number): true {
    this.end = end;
    this.kind = this.contextKind(SPACE);
    return true;
  }

  /** A line break and the indentation after it. It ends line comments and single-line strings. */
  private lineBreak(i: number, c: number): true {
    const text = this.text;
    let j = i + 1;
    if (c === 13 && codeAt(text, j) === 10) j++;
    for (let d = codeAt(text, j); d === 32 || d === 9; d = codeAt(text, ++j));
    this.end = j;
    if (this.mode === LINE_COMMENT || (this.mode === IN_STRING && !this.multiline && !this.continued)) this.mode = CODE;
    this.continued = false;
    this.kind = this.contextKind(NEWLINE);
    return true;
  }

  private scanCode(i: number, c: number): number {
    const text = this.text;
    switch (c) {
      case 34: // "
      case 96: // `
        return this.openString(i, c);
      case 39: // '
        return this.isWordBefore(i) ? this.single(i, PUNCT) : this.openString(i, c);
      case 35: // #
        if (codeAt(text, i - 1) === 46) return this.single(i, PUNCT);
        this.mode = LINE_COMMENT;
        return this.single(i, COMMENT);
      case 47: {
        // /
        const d = codeAt(text, i + 1);
        if (d === 47) {
          if (codeAt(text, i + 2) === 61) break; // //= is an operator
          this.mode = LINE_COMMENT;
          this.kind = COMMENT;
          return i + 2;
        }
        if (d === 42) {
          this.mode = BLOCK_COMMENT;
          this.kind = COMMENT;
          return codeAt(text, i + 2) === 42 && codeAt(text, i + 3) !== 47 ? i + 3 : i + 2; // /** but not /**/
        }
        break;
      }
    }
    const end = this.scanPlain(i, c);
    if (this.kind === WORD && end - i <= 2) {
      const q = codeAt(text, end);
      if ((q === 34 || q === 39) && isStringPrefix(c, end - i === 2 ? text.charCodeAt(i + 1) : NaN)) return this.openString(end, q);
    }
    return end;
  }

  /** The opening delimiter whose quote is at q; `this.start` may hold a folded space and a prefix before it. */
  private openString(q: number, quote: number): number {
    const text = this.text;
    const triple = quote !== 96 && codeAt(text, q + 1) === quote && codeAt(text, q + 2) === quote;
    this.mode = IN_STRING;
    this.quote = quote;
    this.triple = triple;
    this.multiline = triple || quote === 96;
    this.kind = STRING;
    return triple ? q + 3 : q + 1;
  }

  private scanString(i: number, c: number): number {
    const text = this.text;
    this.kind = STRING;
    if (c === this.quote) {
      if (!this.triple) {
        this.mode = CODE;
        return i + 1;
      }
      if (codeAt(text, i + 1) === c && codeAt(text, i + 2) === c) {
        this.mode = CODE;
        return i + 3;
      }
      return i + 1;
    }
    if (c === 92) {
      // \ and the code point after it, unless that is a line break or the end
      const d = codeAt(text, i + 1);
      if (d !== d) return i + 1;
      if (d === 10 || d === 13) {
        this.continued = !this.multiline;
        return i + 1;
      }
      return isHighSurrogate(d) && isLowSurrogate(codeAt(text, i + 2)) ? i + 3 : i + 2;
    }
    const end = this.scanPlain(i, c);
    this.kind = STRING;
    return end;
  }

  /** Is the code point before i a letter or digit (then a `'` at i is an apostrophe)? */
  private isWordBefore(i: number): boolean {
    const text = this.text;
    const c = codeAt(text, i - 1);
    if (c < 128) {
      const cls = ASCII[c];
      return cls === A_WORD || cls === A_DIGIT;
    }
    if (c !== c) return false;
    const p = isLowSurrogate(c) && i >= 2 && isHighSurrogate(text.charCodeAt(i - 2)) ? i - 2 : i - 1;
    UNICODE_WORD.lastIndex = p;
    return UNICODE_WORD.test(text);
  }

  private single(i: number, kind: number): number {
    this.kind = kind;
    return i + 1;
  }

  private operator(end: number): number {
    this.kind = OPERATOR;
    return end;
  }

  /** A word, number, operator, punctuation or other token at i, the same in code, strings and comments. */
  private scanPlain(i: number, c: number): number {
    const text = this.text;
    if (c >= 128) {
      UNICODE_WORD.lastIndex = i;
      if (UNICODE_WORD.test(text)) return this.scanWord(UNICODE_WORD.lastIndex);
      this.kind = OTHER;
      return isHighSurrogate(c) && isLowSurrogate(codeAt(text, i + 1)) ? i + 2 : i + 1;
    }
    const cls = ASCII[c];
    if (cls === A_WORD) return this.scanWord(i + 1);
    if (cls === A_DIGIT) return this.scanNumber(i);
    if (cls !== A_SYMBOL) return this.single(i, OTHER);
    const d = codeAt(text, i + 1);
    const e = codeAt(text, i + 2);
    switch (c) {
      case 61: // =  === == => =
        if (d === 61) return this.operator(e === 61 ? i + 3 : i + 2);
        return this.operator(d === 62 ? i + 2 : i + 1);
      case 33: // !  !== != !
        if (d === 61) return this.operator(e === 61 ? i + 3 : i + 2);
        return this.operator(i + 1);
      case 60: // <  <<= << <= <
        if (d === 60) return this.operator(e === 61 ? i + 3 : i + 2);
        return this.operator(d === 61 ? i + 2 : i + 1);
      case 62: // >  >>>= >>> >>= >> >= >
        if (d === 62) {
          if (e === 62) return this.operator(codeAt(text, i + 3) === 61 ? i + 4 : i + 3);
          return this.operator(e === 61 ? i + 3 : i + 2);
        }
        return this.operator(d === 61 ? i + 2 : i + 1);
      case 42: // *  **= ** *= *
      case 47: // /  //= // /= /
      case 63: // ?  ??= ?? ?.
      case 38: // &  &&= && &=
      case 124: // | ||= || |=
        if (d === c) return this.operator(e === 61 ? i + 3 : i + 2);
        if (c === 63 && d === 46 && !isDigit(e)) return this.operator(i + 2);
        return this.operator(d === 61 ? i + 2 : i + 1);
      case 43: // +  ++ +=
      case 45: // -  -- -= ->
        if (d === c || d === 61 || (c === 45 && d === 62)) return this.operator(i + 2);
        return this.operator(i + 1);
      case 37: // %=
      case 94: // ^=
      case 64: // @=
        return this.operator(d === 61 ? i + 2 : i + 1);
      case 126: // ~
        return this.operator(i + 1);
      case 58: // :  := :: :
        if (d === 61 || d === 58) return this.operator(i + 2);
        return this.single(i, PUNCT);
      case 46: // .  ... .5 .
        if (d === 46 && e === 46) return this.operator(i + 3);
        if (isDigit(d)) return this.scanNumber(i);
        return this.single(i, PUNCT);
      default: // ( ) [ ] { } , ; and quotes, #, \ where they delimit nothing
        return this.single(i, PUNCT);
    }
  }

  /** The rest of a word whose first character ends before i. */
  private scanWord(i: number): number {
    const text = this.text;
    const n = text.length;
    this.kind = WORD;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        const cls = ASCII[c];
        if (cls !== A_WORD && cls !== A_DIGIT) break;
        i++;
      } else {
        UNICODE_WORD.lastIndex = i;
        if (!UNICODE_WORD.test(text)) break;
        i = UNICODE_WORD.lastIndex;
      }
    }
    return i;
  }

  /** A number at i, which holds a digit or a `.` before a digit. */
  private scanNumber(i: number): number {
    const text = this.text;
    const n = text.length;
    this.kind = NUMBER;
    const exponent = codeAt(text, i) === 48 && lower(codeAt(text, i + 1)) === 120 ? 112 : 101; // 0x: p, else e
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      const cls = c < 128 ? ASCII[c] : A_OTHER;
      if ((cls === A_WORD && c !== 36) || cls === A_DIGIT) {
        j++;
        if (lower(c) === exponent) {
          const s = codeAt(text, j);
          if ((s === 43 || s === 45) && isDigit(codeAt(text, j + 1))) j += 2;
        }
      } else if (c === 46 && isDigit(codeAt(text, j + 1))) {
        j += 2;
      } else {
        break;
      }
    }
    return j;
  }
}

/**
 * Recently seen short tokens, by a hash of their characters, so a repeated token costs a lookup instead of a new
 * string: fewer allocations while tokenizing, and one string object per token type for the vocabulary's Map
 * (which then hashes it once). Direct-mapped: a collision replaces the entry. Tokens up to 12 units only: V8 copies
 * slices that short, so the cache never keeps a caller's text alive.
 */
const INTERN_BITS = 12;
const INTERN_MAX_LENGTH = 12;
const interned: string[] = new Array<string>(1 << INTERN_BITS).fill('');

/**
 * The code tokenizer: lossless, `tokenize(t).join('') === t`. See the top of this file for the rules. With
 * `regions`, each token's region (its index in REGIONS) is pushed onto it.
 */
export function tokenize(text: string, regions?: number[]): string[] {
  const tokens: string[] = [];
  const scanner = new Scanner(text);
  while (tokenizeSome(scanner, text, tokens, regions));
  return tokens;
}

/** Tokens per call of tokenizeSome. */
const TOKENS_PER_CALL = 256;

/**
 * The next TOKENS_PER_CALL tokens of `scanner` onto `tokens` (and their regions); false once the text is done. The
 * loop is cut into calls so that V8 compiles it as a function called often, not as one long loop: the whole of a
 * file's tokens in one call, each worker compiled tokenize twice over, once for the loop it was in (on-stack
 * replacement) and once for its next call, 16 Turbofan compilations and 1.8 s of compile time in a first visit's log.
 */
function tokenizeSome(scanner: Scanner, text: string, tokens: string[], regions: number[] | undefined): boolean {
  const mask = (1 << INTERN_BITS) - 1;
  for (let k = 0; k < TOKENS_PER_CALL; k++) {
    const region = scanner.region;
    if (!scanner.next()) return false;
    regions?.push(region);
    const start = scanner.start;
    const end = scanner.end;
    const length = end - start;
    if (length > INTERN_MAX_LENGTH) {
      tokens.push(text.slice(start, end));
      continue;
    }
    const h = internSlot(text, start, end) & mask;
    let token = interned[h];
    if (!sameText(token, text, start, length)) interned[h] = token = text.slice(start, end);
    tokens.push(token);
  }
  return true;
}

// The loops over a token's characters are functions of their own, not loops inside tokenize's: in Chromium's V8 a
// build worker compiled such a short inner loop alone (on-stack replacement) and threw the code away each time the
// loop ended, over 7,000 times in a first visit's Python job (the `code-deopt` events of V8's log, "exit from OSR'd
// inner loop"); called, they are inlined into tokenize's optimised code.

/** FNV-1a of text[start..end), mixed: the interned table's slot before masking. */
function internSlot(text: string, start: number, end: number): number {
  let h = end - start;
  for (let k = start; k < end; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h ^ (h >>> 13);
}

/** Whether `token` is text[start..start+length). */
function sameText(token: string, text: string, start: number, length: number): boolean {
  if (token.length !== length) return false;
  for (let k = 0; k < length; k++) if (token.charCodeAt(k) !== text.charCodeAt(start + k)) return false;
  return true;
}

/** The same tokens as `tokenize`, with their kind and UTF-16 offset. */
export function tokenizeDetailed(text: string): Token[] {
  const tokens: Token[] = [];
  const scanner = new Scanner(text);
  while (scanner.next()) {
    tokens.push({ text: text.slice(scanner.start, scanner.end), kind: KIND_NAMES[scanner.kind], start: scanner.start });
  }
  return tokens;
}

/** The same tokens as `tokenize`, each with the index in REGIONS of the region it began in. */
export function tokenizeWithRegions(text: string): { tokens: string[]; regions: Uint8Array } {
  const regions: number[] = [];
  const tokens = tokenize(text, regions);
  return { tokens, regions: Uint8Array.from(regions) };
}

/** The region at the end of `text`: where the next token would begin (see Region). */
export function regionAfter(text: string): Region {
  const scanner = new Scanner(text);
  while (scanner.next());
  return REGIONS[scanner.region];
}

/**
 * Whether character code (or byte) `c` separates whitespace tokens: ASCII space, \t, \n, \v, \f or \r, as KenLM
 * reads its text. The one rule for text read as strings (tokenizeWhitespace) and as bytes (byte-vocab.ts).
 */
export function isTokenSeparator(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Splits on runs of ASCII whitespace (isTokenSeparator), as KenLM reads its text; no empty tokens. */
export function tokenizeWhitespace(text: string): string[] {
  const tokens: string[] = [];
  const n = text.length;
  let start = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isTokenSeparator(c)) {
      if (start >= 0) tokens.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) tokens.push(text.slice(start));
  return tokens;
}

const codeTokens = (text: string): string[] => tokenize(text);

export function getTokenizer(name: TokenizerName): (text: string) => string[] {
  switch (name) {
    case 'code':
      // Not `tokenize` itself: callers may pass it to map(), whose index would arrive as `regions`.
      return codeTokens;
    case 'whitespace':
      return tokenizeWhitespace;
    default: {
      const unknown: never = name;
      throw new Error(`unknown tokenizer "${String(unknown)}": expected code or whitespace`);
    }
  }
}
