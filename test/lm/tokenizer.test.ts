import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getTokenizer, regionAfter, REGIONS, tokenize, tokenizeDetailed, tokenizeWhitespace, tokenizeWithRegions, type TokenKind } from '../../src/lm/tokenizer.ts';
import { OPERATORS } from './tokenizer-operators.ts';

/** The kinds of a text's tokens, in order. */
const kinds = (text: string) => tokenizeDetailed(text).map((t) => t.kind);

describe('code tokenizer: exact examples', () => {
  it('Python function: indentation is one token with its line break, spaces fold into the next token', () => {
    const src = 'def add(a, b):\n    """Add two numbers."""\n    return a + b\n';
    expect(tokenize(src)).toEqual([
      'def', ' add', '(', 'a', ',', ' b', ')', ':',
      '\n    ', '"""', 'Add', ' two', ' numbers', '.', '"""',
      '\n    ', 'return', ' a', ' +', ' b', '\n',
    ]);
    expect(kinds(src)).toEqual<TokenKind[]>([
      'word', 'word', 'punct', 'word', 'punct', 'word', 'punct', 'punct',
      'newline', 'string', 'string', 'string', 'string', 'string', 'string',
      'newline', 'word', 'word', 'operator', 'word', 'newline',
    ]);
  });

  it('JavaScript arrow function with === and ?.', () => {
    const src = 'const f = (x) => x?.y === 1 ?? z;';
    expect(tokenize(src)).toEqual(['const', ' f', ' =', ' (', 'x', ')', ' =>', ' x', '?.', 'y', ' ===', ' 1', ' ??', ' z', ';']);
  });

  it('operators: longest match', () => {
    const src = OPERATORS.map((op) => `a ${op}`).join(' ');
    expect(tokenize(src)).toEqual(OPERATORS.flatMap((op, i) => [i === 0 ? 'a' : ' a', ` ${op}`]));
    expect(kinds(src).filter((_, i) => i % 2 === 1)).toEqual(OPERATORS.map(() => 'operator'));
    expect(tokenize('a>>>=b')).toEqual(['a', '>>>=', 'b']);
    expect(tokenize('x-->0')).toEqual(['x', '--', '>', '0']);
    // `?.` before a digit is the conditional operator, as in JavaScript
    expect(tokenize('a?.5:1')).toEqual(['a', '?', '.5', ':', '1']);
  });

  it('punctuation is one character each', () => {
    expect(tokenize('f(a[0]){b,c;d:e.f}')).toEqual(['f', '(', 'a', '[', '0', ']', ')', '{', 'b', ',', 'c', ';', 'd', ':', 'e', '.', 'f', '}']);
    expect(kinds('(:.')).toEqual(['punct', 'punct', 'punct']);
  });

  it('numbers: decimal, hex, octal, binary, floats, exponents, separators, suffixes', () => {
    const src = '0x1F 0o17 0b1010 1.5 .5 1e-9 2E+10 1_000 10n 3j 0x1e+1 0x1p-3';
    expect(tokenize(src)).toEqual(['0x1F', ' 0o17', ' 0b1010', ' 1.5', ' .5', ' 1e-9', ' 2E+10', ' 1_000', ' 10n', ' 3j', ' 0x1e', '+', '1', ' 0x1p-3']);
    expect(kinds('1.5 .5 1e-9')).toEqual(['number', 'number', 'number']);
    // A `.` joins a number only before a digit: a sentence's full stop and a method call stay apart.
    expect(tokenize('in 1960. x=1.5.toFixed(1.2.3)')).toEqual(['in', ' 1960', '.', ' x', '=', '1.5', '.', 'toFixed', '(', '1.2.3', ')']);
    expect(tokenize('a-1')).toEqual(['a', '-', '1']);
  });

  it('an unterminated string stops at the end of its line', () => {
    const src = "x = 'abc\ny = 1";
    expect(tokenize(src)).toEqual(['x', ' =', " '", 'abc', '\n', 'y', ' =', ' 1']);
    expect(kinds(src)).toEqual(['word', 'operator', 'string', 'string', 'newline', 'word', 'operator', 'number']);
  });

  it('a string line ending in \\ continues on the next line', () => {
    expect(tokenize('"a\\\nb" c')).toEqual(['"', 'a', '\\', '\n', 'b', '"', ' c']);
    expect(kinds('"a\\\nb" c')).toEqual(['string', 'string', 'string', 'string', 'string', 'string', 'word']);
  });

  it('triple-quoted strings span lines, and hold single quotes', () => {
    const src = "s = '''It's\n  \"here\"\n'''\nt = 1";
    expect(tokenize(src)).toEqual(['s', ' =', " '''", 'It', "'", 's', '\n  ', '"', 'here', '"', '\n', "'''", '\n', 't', ' =', ' 1']);
    expect(kinds(src).slice(2, 12)).toEqual(Array(10).fill('string'));
    expect(kinds(src)[12]).toBe('newline');
    // the empty triple string, and a quote right before the closing triple
    expect(tokenize('"""""" """a""""')).toEqual(['"""', '"""', ' """', 'a', '"""', '"']);
  });

  it('escapes are one token and never close the string; raw strings too', () => {
    expect(tokenize('"a\\"b\\\\" c')).toEqual(['"', 'a', '\\"', 'b', '\\\\', '"', ' c']);
    expect(tokenize("r'\\d+' '\\n\\u00e9'")).toEqual(["r'", '\\d', '+', "'", " '", '\\n', '\\u', '00e9', "'"]);
    expect(kinds('"\\"" x')).toEqual(['string', 'string', 'string', 'word']);
  });

  it('Python prefixes are part of the opening delimiter', () => {
    expect(tokenize('f"{x}" rb\'\'\'y\'\'\' Br"z" u\'w\'')).toEqual(['f"', '{', 'x', '}', '"', " rb'''", 'y', "'''", ' Br"', 'z', '"', " u'", 'w', "'"]);
    // a word that is no prefix stays a word; then the quote follows a letter, so it is an apostrophe
    expect(kinds("ab'c")).toEqual(['word', 'punct', 'word']);
  });

  it('back-tick strings span lines; other quotes inside strings are punctuation', () => {
    const src = 'x = `a "b\n${c}`;';
    expect(tokenize(src)).toEqual(['x', ' =', ' `', 'a', ' "', 'b', '\n', '$', '{', 'c', '}', '`', ';']);
    expect(kinds(src).slice(2, 12)).toEqual(Array(10).fill('string'));
  });

  it('comments: #, //, /* */ and /** */; quotes inside are punctuation', () => {
    const src = "# it's\nx = 1  // don't\n/** Doc.\n * @param a\n */\ny /**/ z";
    expect(tokenize(src)).toEqual([
      '#', ' it', "'", 's', '\n',
      'x', ' =', ' 1', ' ', ' //', ' don', "'", 't', '\n',
      '/**', ' Doc', '.', '\n ', '*', ' @', 'param', ' a', '\n ', '*/', '\n',
      'y', ' /*', '*/', ' z',
    ]);
    expect(kinds(src)).toEqual<TokenKind[]>([
      'comment', 'comment', 'comment', 'comment', 'newline',
      'word', 'operator', 'number', 'space', 'comment', 'comment', 'comment', 'comment', 'newline',
      'comment', 'comment', 'comment', 'comment', 'comment', 'comment', 'comment', 'comment', 'comment', 'comment', 'newline',
      'word', 'comment', 'comment', 'word',
    ]);
    expect(tokenize('/* a **/b')).toEqual(['/*', ' a', ' *', '*/', 'b']);
  });

  it('// is a comment, //= an operator; # after . is JavaScript private access', () => {
    expect(kinds('a // b\nc //= 2')).toEqual(['word', 'comment', 'comment', 'newline', 'word', 'operator', 'number']);
    expect(tokenize('this.#n = 1')).toEqual(['this', '.', '#', 'n', ' =', ' 1']);
    expect(kinds('this.#n')).toEqual(['word', 'punct', 'punct', 'word']);
    // inside a string, comment openers are plain tokens
    expect(kinds('"http://x#y" z')).toEqual(['string', 'string', 'string', 'string', 'string', 'string', 'string', 'string', 'word']);
  });

  it('English prose: quotes, possessives and contractions', () => {
    const src = 'The jury said, "no evidence" that Atlanta\'s voters\' rights weren\'t';
    expect(tokenize(src)).toEqual([
      'The', ' jury', ' said', ',', ' "', 'no', ' evidence', '"', ' that',
      ' Atlanta', "'", 's', ' voters', "'", ' rights', ' weren', "'", 't',
    ]);
    expect(kinds(src).slice(8)).toEqual(['word', 'word', 'punct', 'word', 'word', 'punct', 'word', 'word', 'punct', 'word']);
    expect(tokenize("He said 'yes' in 1961.")).toEqual(['He', ' said', " '", 'yes', "'", ' in', ' 1961', '.']);
  });

  it('runs of spaces: k-1 spaces, then the last one folds; tabs and trailing spaces stand alone', () => {
    expect(tokenize('a  =   b')).toEqual(['a', ' ', ' =', '  ', ' b']);
    expect(tokenize('a \tb\t c  \nd ')).toEqual(['a', ' \t', 'b', '\t', ' c', '  ', '\n', 'd', ' ']);
    expect(tokenize('  x')).toEqual([' ', ' x']);
    expect(kinds('a  \n')).toEqual(['word', 'space', 'newline']);
  });

  it('blank lines and CRLF: a line break with the next line\'s indentation is one token', () => {
    expect(tokenize('if x:\n\n    y\n  \n')).toEqual(['if', ' x', ':', '\n', '\n    ', 'y', '\n  ', '\n']);
    expect(tokenize('a\r\n\r\n\tb\rc\r')).toEqual(['a', '\r\n', '\r\n\t', 'b', '\r', 'c', '\r']);
    expect(tokenize("x = 'open\r\ny")).toEqual(['x', ' =', " '", 'open', '\r\n', 'y']);
  });

  it('anything else is an other token: one code point, or one unit of a broken surrogate pair', () => {
    expect(tokenize('a 😀\u0000\u0007 \ud800x\udc00 \u00a0')).toEqual(['a', ' 😀', '\u0000', '\u0007', ' \ud800', 'x', '\udc00', ' \u00a0']);
    expect(kinds('😀\u0000\ud800')).toEqual(['other', 'other', 'other']);
  });

  it('Unicode words: letters, marks and digits of any script, astral ones included', () => {
    expect(tokenize('naïve café 日本語 e\u0301t\u00e9 𝑥₂ δ=1')).toEqual(['naïve', ' café', ' 日本語', ' e\u0301t\u00e9', ' 𝑥₂', ' δ', '=', '1']);
    expect(tokenize("𝑥'y")).toEqual(['𝑥', "'", 'y']);
  });

  it('empty input gives no tokens', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenizeDetailed('')).toEqual([]);
    expect(tokenizeWhitespace('')).toEqual([]);
  });
});

/** Strings over characters that exercise every branch: quotes, comment openers, escapes, line breaks. */
const codeLike = fc.string({
  unit: fc.constantFrom(..."'\"`#/\\*\n\r \t.=<>!?&|+-:0123456789xeEbrfnajz_$é😀\ud800".split(/(?:)/u), "'''", '"""', '/*', '*/', '//', '\r\n', '  '),
  maxLength: 60,
});
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
const inputs = [
  ['grapheme strings', fc.string({ unit: 'grapheme' })],
  ['full-Unicode strings', fc.string({ unit: 'binary' })],
  ['arbitrary UTF-16 units (lone surrogates, NUL)', anyUnits],
  ['code-like strings', codeLike],
] as const;

describe('code tokenizer: properties', () => {
  for (const [name, arb] of inputs) {
    it(`is lossless and never emits an empty token: ${name}`, () => {
      fc.assert(
        fc.property(arb, (s) => {
          const tokens = tokenize(s);
          expect(tokens.join('')).toBe(s);
          for (const t of tokens) expect(t.length).toBeGreaterThan(0);
        }),
        { numRuns: 500 },
      );
    });

    it(`tokenizeDetailed has the same texts and consistent offsets: ${name}`, () => {
      fc.assert(
        fc.property(arb, (s) => {
          const detailed = tokenizeDetailed(s);
          expect(detailed.map((t) => t.text)).toEqual(tokenize(s));
          let offset = 0;
          for (const t of detailed) {
            expect(t.start).toBe(offset);
            expect(s.slice(t.start, t.start + t.text.length)).toBe(t.text);
            offset += t.text.length;
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('whitespace contract: breaks only start tokens, a folded space is single and precedes no whitespace', () => {
    fc.assert(
      fc.property(codeLike, (s) => {
        for (const { text, kind } of tokenizeDetailed(s)) {
          // A line break only opens a token, and takes nothing but indentation after it.
          if (/[\r\n]/.test(text)) expect(text).toMatch(/^(\r\n|\r|\n)[ \t]*$/);
          // Whitespace-only tokens are space runs or line breaks; other tokens carry at most one leading space.
          else if (/^[ \t]+$/.test(text)) expect(['space', 'string', 'comment']).toContain(kind);
          else expect(text).toMatch(/^ ?[^ \t]/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('whitespace tokenizer', () => {
  const kenlmSpaces = /[ \t\n\v\f\r]+/;

  it('splits on runs of space, \\t, \\n, \\v, \\f, \\r only', () => {
    expect(tokenizeWhitespace(' the\tcat\v\fsat \r\non\u00a0the\u2003mat \n')).toEqual(['the', 'cat', 'sat', 'on\u00a0the\u2003mat']);
  });

  it('matches split(/\\s+/) on ASCII text, and the KenLM whitespace set on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }), (s) => {
        expect(tokenizeWhitespace(s)).toEqual(s.split(/\s+/).filter(Boolean));
      }),
    );
    fc.assert(
      fc.property(anyUnits, (s) => {
        expect(tokenizeWhitespace(s)).toEqual(s.split(kenlmSpaces).filter(Boolean));
      }),
    );
  });
});

describe('getTokenizer', () => {
  it('returns the tokenizer by name', () => {
    const code = getTokenizer('code');
    expect(code('def f(x):')).toEqual(tokenize('def f(x):'));
    // Safe to hand to map(), whose second argument is an index.
    expect(['a b', 'c'].map(code)).toEqual([['a', ' b'], ['c']]);
    expect(getTokenizer('whitespace')).toBe(tokenizeWhitespace);
  });
});

describe('regions', () => {
  it('gives each token the region it began in: code, string or comment', () => {
    const text = "x = 'ab' # see\ny = \"\"\"doc\nmore\"\"\"\n/* c */ z";
    const { tokens, regions } = tokenizeWithRegions(text);
    expect(tokens).toEqual(tokenize(text));
    const at = (t: string, nth = 0) => REGIONS[regions[tokens.map((x, i) => [x, i] as const).filter(([x]) => x === t)[nth][1]]];
    expect(at(' \'')).toBe('code'); // the opening quote is written in code
    expect(at('ab')).toBe('string');
    expect(at("'")).toBe('string'); // the closing quote inside the string
    expect(at(' #')).toBe('code');
    expect(at(' see')).toBe('comment');
    expect(at('\n')).toBe('comment'); // the line break that ends the comment is asked for inside it
    expect(at('doc')).toBe('string');
    expect(at('more')).toBe('string');
    expect(at(' c')).toBe('comment');
    expect(at(' z')).toBe('code');
  });

  it('tokenizes a long text, read in many calls, as the same text piece by piece', () => {
    // Each piece ends in code after a line break, so the long text's tokens are the piece's, over and over; its
    // 21 tokens put the long text's cuts between calls (every 256 tokens) inside strings and comments too.
    const piece = "x = 'ab' # see\ny = \"\"\"doc\nmore\"\"\"\n/* c */ z\n";
    const one = tokenizeWithRegions(piece);
    const { tokens, regions } = tokenizeWithRegions(piece.repeat(100));
    expect(tokens.length).toBeGreaterThan(1000);
    expect(tokens).toEqual(Array.from({ length: 100 }, () => one.tokens).flat());
    expect([...regions]).toEqual(Array.from({ length: 100 }, () => [...one.regions]).flat());
    expect(tokens).toEqual(tokenizeDetailed(piece.repeat(100)).map((t) => t.text));
  });

  it('tells the region at the end of a text', () => {
    expect(regionAfter('x = [1, 2, 3]\nfor item in ')).toBe('code');
    expect(regionAfter('# read the config and return its ')).toBe('comment');
    expect(regionAfter('# a comment\n')).toBe('code');
    expect(regionAfter("open(path, '")).toBe('string');
    expect(regionAfter('def f():\n    """Return the ')).toBe('string');
    expect(regionAfter('/* a\n * b ')).toBe('comment');
    expect(regionAfter('')).toBe('code');
  });

  it('agrees with tokenize on any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), (s) => {
        const { tokens, regions } = tokenizeWithRegions(s);
        expect(tokens).toEqual(tokenize(s));
        expect(regions.length).toBe(tokens.length);
        // The region after a text is the region the next token begins in.
        for (let i = 1; i < tokens.length; i++) expect(REGIONS[regions[i]]).toBe(regionAfter(tokens.slice(0, i).join('')));
      }),
    );
  });
});
