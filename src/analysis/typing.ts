/**
 * Keystrokes saved by ghost text, measured as a person types: each line of a file is typed with the text above it
 * and the line's own indentation given (an editor keeps the indentation), the rest one character at a time. Before
 * each keystroke the ghost at the cursor is looked at: Tab (one keystroke) accepts it when it is exactly what comes
 * next on the line; in the 'word' mode Ctrl+Right (one keystroke) accepts its next word when that is what comes
 * next, if the whole ghost does not. Otherwise the next character is typed. Enter at a line's end is not counted
 * (the line breaks are given with the text above). Pure: the ghost comes from a function, so the benchmark
 * (bench/typing.ts) replays the worker's own completion code, and tests replay a ghost written by hand.
 *
 *   keystrokes saved = 1 − keystrokes ÷ characters typed without help
 */

export type AcceptMode = 'tab' | 'word';

/** One line to type: the text above it, its indentation, and the rest of it (without the line break). */
export interface ReplayLine {
  above: string;
  indent: string;
  rest: string;
}

export interface ReplayCounts {
  /** Characters of the lines' rests: the keystrokes without any help. */
  characters: number;
  keystrokes: number;
  /** Decision points (keystrokes) at which a non-empty ghost was shown. */
  shown: number;
  /** Tabs and Ctrl+Rights that accepted text, and the characters they inserted. */
  accepted: number;
  acceptedCharacters: number;
}

export const emptyCounts = (): ReplayCounts => ({ characters: 0, keystrokes: 0, shown: 0, accepted: 0, acceptedCharacters: 0 });

/** Every non-blank line of a file, with the text above it and its indentation. */
export function linesOf(file: string): ReplayLine[] {
  const out: ReplayLine[] = [];
  let at = 0;
  for (const line of file.split('\n')) {
    const indent = /^[ \t]*/.exec(line)![0];
    const rest = line.slice(indent.length).replace(/\r$/, '');
    if (rest.trim() !== '') out.push({ above: file.slice(0, at), indent, rest });
    at += line.length + 1;
  }
  return out;
}

/** What Ctrl+Right takes of a ghost: leading spaces, then one word, or one run of other characters. */
export function nextWord(ghost: string): string {
  return /^\s*(?:[\p{L}\p{N}_$]+|[^\p{L}\p{N}_$\s]+)/u.exec(ghost)?.[0] ?? ghost;
}

/** Types one line with the ghost `ghostAt(textBeforeCursor)`, adding to `counts`. */
export function replayLine(line: ReplayLine, ghostAt: (before: string) => string, mode: AcceptMode, counts: ReplayCounts): void {
  const { rest } = line;
  const start = line.above + line.indent;
  counts.characters += rest.length;
  let pos = 0;
  while (pos < rest.length) {
    const ghost = ghostAt(start + rest.slice(0, pos));
    counts.keystrokes++;
    if (ghost) {
      counts.shown++;
      const take = rest.startsWith(ghost, pos) ? ghost : mode === 'word' && rest.startsWith(nextWord(ghost), pos) ? nextWord(ghost) : '';
      if (take) {
        counts.accepted++;
        counts.acceptedCharacters += take.length;
        pos += take.length;
        continue;
      }
    }
    pos++;
  }
}

/** The figures of a replay: keystrokes saved, share of keystrokes with a ghost, acceptance, characters per accepted ghost. */
export function replayFigures(c: ReplayCounts): { keystrokesSaved: number; ghostShown: number; acceptance: number; charactersPerAccept: number } {
  return {
    keystrokesSaved: c.characters ? 1 - c.keystrokes / c.characters : 0,
    ghostShown: c.keystrokes ? c.shown / c.keystrokes : 0,
    acceptance: c.shown ? c.accepted / c.shown : 0,
    charactersPerAccept: c.accepted ? c.acceptedCharacters / c.accepted : 0,
  };
}
