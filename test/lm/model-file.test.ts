/** What a model file is (src/lm/model-file.ts): one decision for the command line and the web worker. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { serializeModel } from '../../src/lm/format.ts';
import { arpaTokenizer, isGzip, looksLikeCodeTokens, modelFileKind } from '../../src/lm/model-file.ts';
import { train } from '../../src/lm/train.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('model-file detection', () => {
  const cgm = new Uint8Array(serializeModel(train(['a b c a b'], { order: 2, tokenizer: 'whitespace', lines: true })));

  it('tells gzip by its magic bytes, whatever it holds', () => {
    expect(isGzip(gzipSync(cgm))).toBe(true);
    expect(isGzip(gzipSync(bytes('\\data\\\n')))).toBe(true);
    expect(isGzip(cgm)).toBe(false);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
  });

  it('tells a Codegram model file, ARPA text, other binary and other text apart', () => {
    expect(modelFileKind(cgm.subarray(0, 64))).toBe('cgm');
    expect(modelFileKind(bytes('\\data\\\nngram 1=3\n'))).toBe('arpa');
    expect(modelFileKind(bytes('\n\n  \\data\\\n'))).toBe('arpa'); // blank lines before \data\ as KenLM allows
    expect(modelFileKind(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]))).toBe('binary');
    expect(modelFileKind(bytes('hello world'))).toBe('unknown');
    expect(modelFileKind(cgm.subarray(0, 4))).toBe('unknown'); // too short for the magic, no NUL yet
  });

  it("recognises Codegram's escaped code tokens in ARPA text, and otherwise whitespace words", () => {
    const code = '\\data\\\nngram 1=3\n\n\\1-grams:\n-1.2\t\\sreturn\t-0.3\n-0.5\t\\n\n';
    const words = '\\data\\\nngram 1=2\n\n\\1-grams:\n-1.2\tthe\t-0.3\n-2\tcat\n';
    expect(looksLikeCodeTokens(code)).toBe(true);
    expect(looksLikeCodeTokens(words)).toBe(false);
    expect(arpaTokenizer('auto', code)).toBe('code');
    expect(arpaTokenizer('auto', words)).toBe('whitespace');
    // A choice overrides what the text shows.
    expect(arpaTokenizer('whitespace', code)).toBe('whitespace');
    expect(arpaTokenizer('code', words)).toBe('code');
  });
});
