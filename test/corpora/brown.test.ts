import { describe, expect, it } from 'vitest';
import { brownTag, brownToPlain, brownWord, detagBrown, detokenize, parseBrown } from '../../src/corpus/brown.ts';

describe('brownWord / brownTag', () => {
  it('split at the last slash, so words may contain slashes', () => {
    expect(brownWord('said/vbd')).toBe('said');
    expect(brownWord('1/2/cd')).toBe('1/2');
    expect(brownTag('1/2/cd')).toBe('cd');
    expect(brownWord("Atlanta's/np$")).toBe("Atlanta's");
    expect(brownWord('noslash')).toBe('noslash');
  });
});

describe('detokenize', () => {
  it('attaches punctuation to the preceding word', () => {
    expect(detokenize(['said', ',', 'then', 'left', '.'])).toBe('said, then left.');
    expect(detokenize(['Why', '?'])).toBe('Why?');
    expect(detokenize(['a', ';', 'b', ':', 'c', '!'])).toBe('a; b: c!');
  });

  it('attaches brackets inward', () => {
    expect(detokenize(['see', '(', 'x', ')', 'here'])).toBe('see (x) here');
    expect(detokenize(['a', '[', 'b', ']'])).toBe('a [b]');
  });

  it('writes `` and \'\' as " attached inward', () => {
    expect(detokenize(['produced', '``', 'no', 'evidence', "''", 'that'])).toBe('produced "no evidence" that');
    expect(detokenize(['said', ',', '``', 'Go', "''", '.'])).toBe('said, "Go".');
    expect(detokenize(['``', 'Only', 'a', 'few', "''", ',', 'the', 'jury', 'said'])).toBe('"Only a few", the jury said');
  });

  it('alternates a lone single quote between opening and closing', () => {
    expect(detokenize(["'", 'pro', "'", 'and', "'", 'con', "'"])).toBe("'pro' and 'con'");
  });

  it('collapses the doubled sentence-final punctuation of the corpus', () => {
    expect(detokenize(['appetite', ';', ';', 'yet', 'he', 'ate', '.'])).toBe('appetite; yet he ate.');
    expect(detokenize(['Really', '?', '?'])).toBe('Really?');
    expect(detokenize(['Stop', '!', '!'])).toBe('Stop!');
    expect(detokenize(['Davis', '3', ',', ',', 'Mrs.', 'Dobbins'])).toBe('Davis 3, Mrs. Dobbins');
    expect(detokenize(['Section', '1', ':', ':'])).toBe('Section 1:');
  });

  it('writes the full stop after a sentence-final abbreviation once', () => {
    expect(detokenize(['Ivan', 'Allen', 'Jr.', '.'])).toBe('Ivan Allen Jr.');
    expect(detokenize(['at', '8', 'p.m.', '.'])).toBe('at 8 p.m.');
  });

  it('keeps nested closing brackets and spaced dashes', () => {
    expect(detokenize(['(', 'section', '381(c)(9)', ')'])).toBe('(section 381(c)(9))');
    expect(detokenize(['men', '--', 'who', 'wore', 'suits', '--', 'came'])).toBe('men -- who wore suits -- came');
  });
});

// Two paragraphs, the first with two sentences and the corpus's `;/. ;/.` quirk, then a headline.
const TAGGED = [
  '',
  '',
  "\tHe/pps said/vbd ``/`` no/at ''/'' ;/. ;/.",
  'she/pps agreed/vbd ./.',
  '',
  '',
  'Merger/nn-hl proposed/vbn-hl ',
  'However/wrb ,/, it/pps ended/vbd ./.',
  '',
].join('\n');

describe('parseBrown', () => {
  it('groups lines into paragraphs at blank lines', () => {
    const paragraphs = parseBrown(TAGGED);
    expect(paragraphs.map((p) => p.length)).toEqual([2, 2]);
    expect(paragraphs[0][1]).toEqual(['she/pps', 'agreed/vbd', './.']);
  });
});

describe('detagBrown', () => {
  it('joins sentences of a paragraph with a space, separates paragraphs and headlines by a blank line', () => {
    expect(detagBrown(TAGGED)).toBe('He said "no"; she agreed.\n\nMerger proposed\n\nHowever, it ended.\n');
  });
});

describe('brownToPlain', () => {
  it('keeps every token, one sentence per line', () => {
    expect(brownToPlain(TAGGED)).toBe(
      "He said `` no '' ; ;\nshe agreed .\nMerger proposed\nHowever , it ended .\n",
    );
  });
});
