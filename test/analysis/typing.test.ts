/** The typing replay (analysis/typing.ts) with ghosts written by hand, so every count can be worked out. */
import { describe, expect, it } from 'vitest';
import { emptyCounts, linesOf, nextWord, replayFigures, replayLine } from '../../src/analysis/typing.ts';

describe('linesOf', () => {
  it('gives each non-blank line with the text above it and its indentation', () => {
    const file = 'def f(x):\n\n    return x\n';
    expect(linesOf(file)).toEqual([
      { above: '', indent: '', rest: 'def f(x):' },
      { above: 'def f(x):\n\n', indent: '    ', rest: 'return x' },
    ]);
  });
});

describe('nextWord', () => {
  it.each([
    ['foo bar', 'foo'],
    [' bar(x)', ' bar'],
    ['(x)', '('],
    ['  ', '  '],
    ['', ''],
  ])('%j → %j', (ghost, word) => expect(nextWord(ghost)).toBe(word));
});

describe('replayLine', () => {
  const line = { above: 'x = 1\n', indent: '', rest: 'print(x)' };

  it('types every character when no ghost is shown', () => {
    const c = emptyCounts();
    replayLine(line, () => '', 'tab', c);
    expect(c).toEqual({ characters: 8, keystrokes: 8, shown: 0, accepted: 0, acceptedCharacters: 0 });
    expect(replayFigures(c)).toMatchObject({ keystrokesSaved: 0, ghostShown: 0, acceptance: 0 });
  });

  it('takes one Tab when the ghost is the rest of the line, after typing what it could not guess', () => {
    const c = emptyCounts();
    // The ghost knows the line once "pr" is typed.
    replayLine(line, (before) => (before.endsWith('\npr') ? 'int(x)' : ''), 'tab', c);
    expect(c).toEqual({ characters: 8, keystrokes: 3, shown: 1, accepted: 1, acceptedCharacters: 6 });
    expect(replayFigures(c).keystrokesSaved).toBeCloseTo(1 - 3 / 8, 12);
  });

  it('counts a wrong ghost as shown and not accepted', () => {
    const c = emptyCounts();
    replayLine(line, () => 'input()', 'tab', c);
    expect(c).toMatchObject({ keystrokes: 8, shown: 8, accepted: 0 });
    expect(replayFigures(c).acceptance).toBe(0);
  });

  it('in word mode, accepts the ghost\'s next word where the whole ghost is wrong', () => {
    const c = emptyCounts();
    // "print(y)" is wrong as a whole, but its words "print" and "(" are right; then "x" and ")" are typed.
    const ghost = (before: string) => {
      const typed = before.slice('x = 1\n'.length);
      return 'print(y)'.startsWith(typed) && typed.length < 6 ? 'print(y)'.slice(typed.length) : '';
    };
    replayLine(line, ghost, 'word', c);
    expect(c).toEqual({ characters: 8, keystrokes: 4, shown: 2, accepted: 2, acceptedCharacters: 6 });
    const tab = emptyCounts();
    replayLine(line, ghost, 'tab', tab);
    expect(tab.keystrokes).toBe(8);
  });

  it('gives the ghost the text above and the indentation', () => {
    const seen: string[] = [];
    replayLine({ above: 'if a:\n', indent: '    ', rest: 'ok' }, (b) => (seen.push(b), ''), 'tab', emptyCounts());
    expect(seen).toEqual(['if a:\n    ', 'if a:\n    o']);
  });
});
