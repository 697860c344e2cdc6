/**
 * The code check's pure parts: the stop rule on generated text (streaming and final), whether a text holds code,
 * which function the tests call, and pass@k against its definition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutContinuation, definitionEnd, entryOf, holdsCode, MAX_LINES, passAtK } from '../../src/analysis/code-check.ts';

describe('the stop rule: the end of the first top-level definition', () => {
  it('ends a Python function before the next line at column 0, blank lines between dropped', () => {
    const body = 'def f(n):\n    if n:\n        return 1\n\n    return 2\n';
    expect(cutContinuation(`${body}\n\ndef g():\n    pass\n`)).toBe(body);
    expect(cutContinuation(`${body}# a Python function that …\n`)).toBe(body);
    expect(cutContinuation(`${body}print(f(3))`)).toBe(body);
  });

  it('keeps a JavaScript function to its closing brace, and what follows on that line', () => {
    const fn = 'function f(a) {\n  if (a) {\n    return 1;\n  }\n  return 2;\n}\n';
    expect(cutContinuation(`${fn}\nfunction g() {}\n`)).toBe(fn);
    expect(cutContinuation('const f = (a) => {\n  return a;\n});\nfoo();\n')).toBe('const f = (a) => {\n  return a;\n});\n');
  });

  it('skips leading blank and comment lines, and keeps a decorator with its function', () => {
    expect(cutContinuation('\n# helper\n@cache\ndef f():\n    return 1\nx = 2\n')).toBe('\n# helper\n@cache\ndef f():\n    return 1\n');
  });

  it('treats the prompt\'s unfinished line as part of the definition', () => {
    // The prompt was `def f(n):` with no newline: the continuation starts on that line.
    expect(cutContinuation('\n    return n\nprint(1)\n', false)).toBe('\n    return n\n');
    expect(cutContinuation(' n + 1\nprint(1)\n', false)).toBe(' n + 1\n');
  });

  it(`keeps at most ${MAX_LINES} lines`, () => {
    const long = `def f():\n${'    x = 1\n'.repeat(40)}`;
    expect(cutContinuation(long).split('\n').length - 1).toBe(MAX_LINES);
  });

  it('a definition still open at the end of the text is kept whole, trailing blank lines dropped', () => {
    expect(cutContinuation('def f():\n    return 1\n\n\n')).toBe('def f():\n    return 1\n');
    expect(cutContinuation('function f() {\n  return')).toBe('function f() {\n  return');
  });

  it('streaming, it answers once the text decides and never cuts earlier than the final cut', () => {
    const text = 'def f(n):\n    return n\n\ndef g():\n    pass\n';
    const final = cutContinuation(text);
    let decidedAt = -1;
    for (let i = 1; i <= text.length; i++) {
      const end = definitionEnd(text.slice(0, i));
      if (end !== null) {
        decidedAt = i;
        expect(text.slice(0, end)).toBe(final);
        break;
      }
    }
    expect(decidedAt).toBe(text.indexOf('def g') + 1); // the first character of the next top-level line decides
  });

  it('property: the streaming cut, once given, is the final cut of any longer text', () => {
    const line = fc.oneof(fc.constantFrom('', '    x = 1', 'def f():', '# note', '}', 'y = 2', '  return a;'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.nat(200), (lines, at) => {
        const text = lines.join('\n') + '\n';
        const prefix = text.slice(0, Math.min(at, text.length));
        const end = definitionEnd(prefix);
        if (end !== null) expect(end).toBe(definitionEnd(text, true, true));
      }),
    );
  });
});

describe('holdsCode', () => {
  it('is false for blank text, comments and a lone docstring, true for any code token', () => {
    expect(holdsCode('\n\n  ')).toBe(false);
    expect(holdsCode('# a Python function\n# more words\n')).toBe(false);
    expect(holdsCode('// a comment\n/* and another */\n')).toBe(false);
    expect(holdsCode('"""Only a docstring."""\n')).toBe(false);
    expect(holdsCode('# note\nx = 1\n')).toBe(true);
    expect(holdsCode('return')).toBe(true);
  });
});

describe('entryOf: the function the tests call', () => {
  it('finds the first top-level function, whatever its name', () => {
    expect(entryOf('# prompt\nimport math\n\ndef divisors(n):\n    def inner():\n        pass\n\ndef g(): pass\n', 'python')).toBe('divisors');
    expect(entryOf('async def fetch_all(urls):\n    pass\n', 'python')).toBe('fetch_all');
    expect(entryOf('    def method(self):\n        pass\n', 'python')).toBeNull();
    expect(entryOf('// p\nfunction gcd(a, b) {\n  return b;\n}\n', 'javascript')).toBe('gcd');
    expect(entryOf('export function isEven(n: number): boolean {\n}\n', 'typescript')).toBe('isEven');
    expect(entryOf('const sum = (xs) => xs.length;\n', 'javascript')).toBe('sum');
    expect(entryOf('const twice: (n: number) => number = (n) => 2 * n;\n', 'typescript')).toBe('twice');
    expect(entryOf('const limit = 10;\nlet x = y;\n', 'javascript')).toBeNull();
  });
});

describe('pass@k (Chen et al. 2021)', () => {
  const choose = (n: number, k: number): number => {
    let r = 1;
    for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
    return r;
  };

  it('equals 1 − C(n−c, k)/C(n, k), and the share of passing samples at k = 1', () => {
    for (const [n, c, k] of [
      [20, 3, 1],
      [20, 3, 10],
      [10, 0, 5],
      [10, 10, 1],
      [200, 7, 100],
      [5, 2, 4],
    ]) {
      expect(passAtK(n, c, k)).toBeCloseTo(1 - choose(n - c, k) / choose(n, k), 9);
    }
    expect(passAtK(20, 5, 1)).toBeCloseTo(0.25, 12);
    expect(passAtK(20, 0, 10)).toBe(0);
    expect(passAtK(20, 11, 10)).toBe(1); // fewer than k failures: any k samples hold a pass
  });

  it('grows with k and with c', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.nat(), fc.nat(), (n, a, b) => {
        const c = a % (n + 1);
        const k = (b % n) + 1;
        if (k < n) expect(passAtK(n, c, k + 1)).toBeGreaterThanOrEqual(passAtK(n, c, k) - 1e-12);
        if (c < n) expect(passAtK(n, c + 1, k)).toBeGreaterThanOrEqual(passAtK(n, c, k) - 1e-12);
      }),
    );
  });

  it('refuses impossible arguments', () => {
    expect(() => passAtK(10, 11, 1)).toThrow(RangeError);
    expect(() => passAtK(10, 1, 11)).toThrow(RangeError);
    expect(() => passAtK(10, 1, 0)).toThrow(RangeError);
  });
});
