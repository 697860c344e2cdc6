import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeBundle,
  encodeBundle,
  parseBundle,
  serializeBundle,
  type CorpusRecord,
} from '../../src/corpus/bundle.ts';
import { isBrownHeldOut, selectHeldOut } from '../../src/corpus/split.ts';
import { globToRegExp } from '../../corpora/glob.ts';

const RECORDS: CorpusRecord[] = [
  { path: 'a.py', lang: 'python', split: 'train', text: 'def f():\n    return "é\\n"\n' },
  { path: 'b.py', lang: 'python', split: 'heldout', text: '' },
];

describe('bundle format', () => {
  it('writes one JSON object per line with keys in a fixed order', () => {
    expect(serializeBundle(RECORDS)).toBe(
      '{"path":"a.py","lang":"python","split":"train","text":"def f():\\n    return \\"é\\\\n\\"\\n"}\n' +
        '{"path":"b.py","lang":"python","split":"heldout","text":""}\n',
    );
  });

  it('round-trips through gzip, with the same bytes every time', () => {
    const a = encodeBundle(RECORDS);
    const b = encodeBundle(RECORDS);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    // gzip header: magic, deflate, mtime 0, no file name flag.
    expect([...a.slice(0, 8)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
    expect(decodeBundle(a)).toEqual(RECORDS);
  });

  it('names the line and field of a damaged record', () => {
    expect(() => parseBundle('{"path":"x","lang":"cobol","split":"train","text":""}\n', 'x.jsonl')).toThrow(
      /x\.jsonl: line 1: "lang" must be one of/,
    );
    expect(() => parseBundle('ok\n', 'x.jsonl')).toThrow(/line 1 is not JSON/);
    expect(() => decodeBundle(new Uint8Array([1, 2, 3]), 'y.gz')).toThrow(/y\.gz: not a gzip file/);
  });
});

describe('split rules', () => {
  it('holds out Brown files whose number ends in 5', () => {
    expect(isBrownHeldOut('brown/ca05')).toBe(true);
    expect(isBrownHeldOut('brown/cr05')).toBe(true);
    expect(isBrownHeldOut('brown/ca15')).toBe(true);
    expect(isBrownHeldOut('brown/ca50')).toBe(false);
    expect(isBrownHeldOut('brown/ca01')).toBe(false);
  });

  it('takes files in hash order while they fit under the fraction, skipping one that would overshoot', () => {
    const files = [
      { path: 'a', bytes: 5 },
      { path: 'b', bytes: 30 },
      { path: 'c', bytes: 10 },
      { path: 'd', bytes: 55 },
    ];
    // Hash order b, a, d, c: b (30) is over 20% of 100 and skipped; a (5) fits; d does not; c (10) fits: 15.
    const order: Record<string, string> = { b: '0', a: '1', d: '2', c: '3' };
    expect(selectHeldOut(files, (p) => order[p], 0.2)).toEqual(['a', 'c']);
  });

  it('is the same for any input order', () => {
    const files = Array.from({ length: 200 }, (_, i) => ({ path: `f${i}.ts`, bytes: 100 + ((i * 37) % 900) }));
    const sha = (p: string) => createHash('sha256').update(p).digest('hex');
    const forward = selectHeldOut(files, sha);
    expect(selectHeldOut([...files].reverse(), sha)).toEqual(forward);
    const total = files.reduce((s, f) => s + f.bytes, 0);
    const held = files.filter((f) => forward.includes(f.path)).reduce((s, f) => s + f.bytes, 0);
    expect(held / total).toBeGreaterThan(0.09);
    expect(held / total).toBeLessThanOrEqual(0.1);
  });
});

describe('recipe globs', () => {
  it('match ** across folders and * within one', () => {
    expect(globToRegExp('**/errors.js').test('compiler/errors.js')).toBe(true);
    expect(globToRegExp('**/errors.js').test('errors.js')).toBe(true);
    expect(globToRegExp('**/errors.js').test('compiler/myerrors.js')).toBe(false);
    expect(globToRegExp('*.js').test('a/b.js')).toBe(false);
    expect(globToRegExp('encodings/**').test('encodings/cp1252.py')).toBe(true);
    expect(globToRegExp('c[a-r][0-9][0-9]').test('cats.txt')).toBe(false);
  });
});
