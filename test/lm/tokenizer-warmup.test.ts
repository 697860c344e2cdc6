import { describe, expect, it } from 'vitest';
import { regionAfter, tokenize, tokenizeDetailed, type TokenKind } from '../../src/lm/tokenizer.ts';
import { WARMUP_SAMPLES, warmTokenizer } from '../../src/lm/tokenizer-warmup.ts';
import { OPERATORS } from './tokenizer-operators.ts';

const tokens = WARMUP_SAMPLES.flatMap((text) => tokenizeDetailed(text));

describe('the tokenizer warm-up (lm/tokenizer-warmup.ts)', () => {
  it('takes the scanner through every kind of token and every operator', () => {
    const kinds = new Set(tokens.map((t) => t.kind));
    expect([...kinds].sort()).toEqual<TokenKind[]>(['comment', 'newline', 'number', 'operator', 'other', 'punct', 'space', 'string', 'word']);
    const operators = new Set(tokens.filter((t) => t.kind === 'operator').map((t) => t.text.trimStart()));
    expect(OPERATORS.filter((op) => !operators.has(op))).toEqual([]);
    // Numbers of each shape, a string's delimiters, a surrogate pair as one token.
    const texts = new Set(tokens.map((t) => t.text.trimStart()));
    for (const t of ['0x1F', '3.14e-10', '1_000', '10n', '2j', '.5', '"""', "'''", '`', '\ud83d\ude00']) expect(texts, t).toContain(t);
  });

  it('ends texts inside a string, inside a comment and in code, as documents do', () => {
    const ends = new Set(WARMUP_SAMPLES.map((text) => regionAfter(text)));
    expect(ends).toContain('string');
    expect(ends).toContain('comment');
    expect(ends).toContain('code');
  });

  it('changes nothing that tokenizing returns', () => {
    const text = 'def f(x):\n    return x ** 2  # square\ns = f"{x!r}" + \'\'\'doc\'\'\'';
    const before = tokenize(text);
    const regions: number[] = [];
    const withRegions = tokenize(text, regions);
    warmTokenizer();
    const after: number[] = [];
    expect(tokenize(text)).toEqual(before);
    expect(tokenize(text, after)).toEqual(withRegions);
    expect(after).toEqual(regions);
  });
});
