import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import fc from 'fast-check';
import {
  MAX_EXPANSION_RATIO,
  MAX_FILE_BYTES,
  MAX_FILES,
  MAX_MESSAGES,
  MAX_TOTAL_BYTES,
  corpusBytes,
  corpusId,
  corpusStats,
  countTokens,
  formatBytes,
  formatCount,
  preflight,
  readUpload,
  utf8Length,
} from '../../src/corpus/upload.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const file = (name: string, text: string) => ({ name, bytes: enc(text) });
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe('readUpload: plain files', () => {
  it('keeps text files, names the corpus after the single file, counts tokens', () => {
    const r = readUpload([file('hello.py', 'def f(x):\n    return x\n')], 'code');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.corpus).toMatchObject({ name: 'hello.py', kind: 'code', files: [{ path: 'hello.py', text: 'def f(x):\n    return x\n' }] });
    expect(r.corpus!.id).toMatch(/^u[0-9a-f]{16}$/);
    // def·␠·f·(·x·)·:·\n␠␠␠␠·return·␠·x·\n  — see the tokenizer's rules; counted with tokenize itself.
    expect(countTokens(r.corpus!)).toBe(countTokens('def f(x):\n    return x\n'));
    expect(corpusStats(r.corpus!)).toEqual({ files: 1, bytes: 23, tokens: countTokens('def f(x):\n    return x\n') });
  });

  it('names a corpus of several files "N files" and keeps their order', () => {
    const r = readUpload([file('a.txt', 'alpha'), file('b.txt', 'beta'), file('c.txt', 'gamma')], 'general');
    expect(r.corpus!.name).toBe('3 files');
    expect(r.corpus!.files.map((f) => f.path)).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('refuses an empty file and binary files by name, and keeps the valid one', () => {
    const nul = enc('abc\0def');
    const r = readUpload([file('empty.txt', ''), { name: 'notes.bin', bytes: nul }, { name: 'logo.png', bytes: PNG }, file('ok.txt', 'fine')], 'general');
    expect(r.errors).toEqual([
      '"empty.txt" is empty; it was skipped',
      '"notes.bin" looks binary (NUL byte at offset 3); it was skipped',
      '"logo.png" looks binary (NUL byte at offset 8); it was skipped',
    ]);
    expect(r.corpus!.files.map((f) => f.path)).toEqual(['ok.txt']);
  });

  it('names the PNG signature when there is no NUL byte early', () => {
    const png = new Uint8Array(64).fill(0x41);
    png.set([0x89, 0x50, 0x4e, 0x47]);
    const r = readUpload([{ name: 'x.png', bytes: png }], 'general');
    expect(r.errors).toEqual(['"x.png" looks binary (PNG signature); it was skipped', 'nothing in this upload could be used as text']);
    expect(r.corpus).toBeNull();
  });

  it('replaces invalid UTF-8 with a warning and keeps the file', () => {
    const r = readUpload([{ name: 'latin1.txt', bytes: new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x21]) }], 'general');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual(['"latin1.txt" is not valid UTF-8 (first bad byte at offset 3); bad bytes were replaced with U+FFFD']);
    expect(r.corpus!.files[0].text).toBe('caf\uFFFD!');
  });

  it('refuses a file over the per-file limit, stating the limit', () => {
    const big = new Uint8Array(MAX_FILE_BYTES + 1).fill(97);
    const r = readUpload([{ name: 'big.txt', bytes: big }, file('small.txt', 'kept')], 'general');
    expect(r.errors).toEqual(['"big.txt" is 10 MB, over the 10 MB limit per file; it was skipped']);
    expect(r.corpus!.files.map((f) => f.path)).toEqual(['small.txt']);
    expect(MAX_FILE_BYTES).toBe(10_000_000);
  });

  it('refuses files that would go over the total limit, counting what is already loaded', () => {
    const nine = new Uint8Array(9_000_000).fill(98);
    const r = readUpload([{ name: 'a.txt', bytes: nine }, { name: 'b.txt', bytes: nine }, file('c.txt', 'small')], 'general', {
      alreadyUsedBytes: 10_000_000,
    });
    expect(r.errors).toEqual(['"b.txt" (9.0 MB) was skipped: it would go over the 25 MB limit for all uploads together (19 MB used)']);
    expect(r.corpus!.files.map((f) => f.path)).toEqual(['a.txt', 'c.txt']);
    expect(MAX_TOTAL_BYTES).toBe(25_000_000);
  });

  it('accepts a folder of thousands of small files and caps the count with a message', () => {
    const many = Array.from({ length: 5000 }, (_, i) => file(`src/f${i}.py`, `x${i} = ${i}\n`));
    const r = readUpload(many, 'code');
    expect(r.errors).toEqual([]);
    expect(r.corpus!.files).toHaveLength(5000);
    expect(r.corpus!.name).toBe('5,000 files');

    const capped = readUpload(many, 'code', { limits: { maxFiles: 4000 } });
    expect(capped.errors).toEqual(['only the first 4,000 files of an upload are kept; 1,000 more were skipped']);
    expect(capped.corpus!.files).toHaveLength(4000);
    expect(MAX_FILES).toBe(20_000);
  });

  it('caps the number of messages (5,000 empty files give 22 lines, not 5,001)', () => {
    const r = readUpload(Array.from({ length: 5000 }, (_, i) => file(`e${i}.txt`, '')), 'general');
    expect(r.errors).toHaveLength(MAX_MESSAGES + 2);
    expect(r.errors[MAX_MESSAGES]).toBe(`…and 4,980 more like these`);
    expect(r.errors.at(-1)).toBe('nothing in this upload could be used as text');
  });

  it('keeps a file of one enormous line', () => {
    const line = 'word '.repeat(1_000_000); // 5 MB, no newline
    const r = readUpload([file('oneline.txt', line)], 'general');
    expect(r.errors).toEqual([]);
    expect(r.corpus!.files[0].text).toHaveLength(5_000_000);
    // The tokenizer joins a space to the word after it: "word", " word" ×999,999, then the last " ".
    expect(countTokens(r.corpus!)).toBe(1_000_001);
  });

  it('says so when given nothing', () => {
    expect(readUpload([], 'general')).toEqual({ corpus: null, warnings: [], errors: ['no files were given'] });
  });
});

describe('readUpload: zip archives', () => {
  const inner = zipSync({ 'deep.txt': enc('never read') });

  it('reads text entries, skips directories, dotfiles, __MACOSX and nested archives, and reports bad entries', () => {
    const zip = zipSync({
      'project/': {},
      'project/main.py': enc('print("hi")\n'),
      'project/lib/util.py': enc('def util():\n    pass\n'),
      'project/inner.zip': inner,
      'project/blob': new Uint8Array([1, 2, 0, 3]),
      'project/latin1.txt': new Uint8Array([0x6e, 0x61, 0xef, 0x76, 0x65]),
      'project/logo.png': PNG,
      'project/.git/HEAD': enc('ref: refs/heads/main\n'),
      '__MACOSX/project/._main.py': enc('junk'),
      'project/empty.txt': new Uint8Array(0),
    });
    const r = readUpload([{ name: 'project.zip', bytes: zip }], 'code');
    expect(r.corpus!.name).toBe('project.zip');
    expect(r.corpus!.files.map((f) => f.path)).toEqual(['project.zip/project/main.py', 'project.zip/project/lib/util.py', 'project.zip/project/latin1.txt']);
    expect(r.corpus!.files[2].text).toBe('na\uFFFDve');
    expect(r.warnings).toEqual([
      '"project.zip/project/inner.zip": skipped, archives inside an archive are not opened',
      '"project.zip/project/logo.png": skipped, .png files are not text',
      '"project.zip": 2 hidden or macOS metadata entries were skipped',
      '"project.zip/project/latin1.txt" is not valid UTF-8 (first bad byte at offset 2); bad bytes were replaced with U+FFFD',
    ]);
    expect(r.errors).toEqual([
      '"project.zip/project/blob" looks binary (NUL byte at offset 2); it was skipped',
      '"project.zip/project/empty.txt" is empty; it was skipped',
    ]);
  });

  it('refuses an entry whose expansion ratio marks a zip bomb, before expanding it', () => {
    const bomb = zipSync({ 'bomb.txt': new Uint8Array(5_000_000).fill(97), 'ok.txt': enc('fine') }, { level: 9 });
    expect(bomb.length).toBeLessThan(20_000); // ~1000× compression
    const r = readUpload([{ name: 'bomb.zip', bytes: bomb }], 'general');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^"bomb\.zip\/bomb\.txt" would expand [\d,]+× \([\d.]+ kB to 5\.0 MB\), over the 200× bound for zip entries \(a likely zip bomb\); it was skipped$/);
    expect(r.corpus!.files.map((f) => f.path)).toEqual(['bomb.zip/ok.txt']);
    expect(MAX_EXPANSION_RATIO).toBe(200);
  });

  it('bounds the total expanded size of an archive (declared sizes, checked before expanding)', () => {
    const chunk = new Uint8Array(6_000_000).fill(120);
    const zip = zipSync({ 'a.txt': chunk, 'b.txt': chunk, 'c.txt': chunk, 'd.txt': chunk, 'e.txt': chunk });
    const r = readUpload([{ name: 'big.zip', bytes: zip }], 'general', { limits: { maxExpansionRatio: Infinity } });
    expect(r.corpus!.files.map((f) => f.path)).toEqual(['big.zip/a.txt', 'big.zip/b.txt', 'big.zip/c.txt', 'big.zip/d.txt']);
    expect(r.errors).toEqual(['"big.zip/e.txt" (6.0 MB) was skipped: it would go over the 25 MB limit for all uploads together (24 MB used)']);
    expect(corpusBytes(r.corpus!)).toBe(24_000_000);
  });

  it('refuses an entry over the per-file limit even when it compresses well', () => {
    const zip = zipSync({ 'huge.txt': new Uint8Array(MAX_FILE_BYTES + 1).fill(97) });
    const r = readUpload([{ name: 'h.zip', bytes: zip }], 'general');
    expect(r.errors).toEqual(['"h.zip/huge.txt" is 10 MB, over the 10 MB limit per file; it was skipped', 'nothing in this upload could be used as text']);
    expect(r.corpus).toBeNull();
  });

  it('reports a damaged archive by name and keeps the other files', () => {
    const zip = zipSync({ 'a.txt': enc('hello') });
    const r = readUpload([{ name: 'broken.zip', bytes: zip.subarray(0, zip.length - 30) }, file('b.txt', 'kept')], 'general');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^"broken\.zip" could not be read as a zip archive \(.+\); it was skipped$/);
    expect(r.corpus!.files.map((f) => f.path)).toEqual(['b.txt']);
  });

  it('says when an archive holds nothing', () => {
    const r = readUpload([{ name: 'empty.zip', bytes: zipSync({}) }], 'general');
    expect(r.errors).toEqual(['"empty.zip" holds no files', 'nothing in this upload could be used as text']);
  });

  it('reads a zip of thousands of small files', () => {
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i < 3000; i++) entries[`d${i % 10}/f${i}.js`] = enc(`export const v${i} = ${i};\n`);
    const r = readUpload([{ name: 'many.zip', bytes: zipSync(entries) }], 'code');
    expect(r.errors).toEqual([]);
    expect(r.corpus!.files).toHaveLength(3000);
  });
});

describe('corpus id and sizes', () => {
  it('is a content hash: same kind and files give the same id, any change gives another', () => {
    const files = [{ path: 'a', text: 'xy' }];
    const id = corpusId('code', files);
    expect(corpusId('code', [{ path: 'a', text: 'xy' }])).toBe(id);
    expect(corpusId('general', files)).not.toBe(id);
    expect(corpusId('code', [{ path: 'a', text: 'xz' }])).not.toBe(id);
    expect(corpusId('code', [{ path: 'ax', text: 'y' }])).not.toBe(id);
    expect(corpusId('code', [{ path: 'a', text: 'x' }, { path: 'y', text: '' }])).not.toBe(id);
  });

  it('is FNV-1a 64 over UTF-16 units (checked against BigInt arithmetic)', () => {
    const units = (s: string) => [s.length & 0xffff, s.length >>> 16, ...[...s].map((c) => c.charCodeAt(0))];
    let h = 0xcbf29ce484222325n;
    for (const u of [...units('general'), 1, ...units('p'), ...units('héllo')]) h = ((h ^ BigInt(u)) * 0x100000001b3n) & 0xffffffffffffffffn;
    expect(corpusId('general', [{ path: 'p', text: 'héllo' }])).toBe(`u${h.toString(16).padStart(16, '0')}`);
  });

  it('measures UTF-8 bytes and formats sizes', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
    expect(utf8Length('aé€😀')).toBe(new TextEncoder().encode('aé€😀').length);
    expect(utf8Length('\uD800x')).toBe(new TextEncoder().encode('\uD800x').length);
    expect([12, 1500, 23_456, 1_234_567, 25_000_000].map(formatBytes)).toEqual(['12 B', '1.5 kB', '23 kB', '1.2 MB', '25 MB']);
  });

  it('writes counts with thousands separators as toLocaleString("en") does, without asking the locale data', () => {
    expect([0, 7, 999, 1000, 12_345, -1_234_567, 1_000_000, -0, 12.5].map(formatCount)).toEqual(['0', '7', '999', '1,000', '12,345', '-1,234,567', '1,000,000', '-0', '12.5']);
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.maxSafeNat(), fc.maxSafeInteger(), fc.double()), (n) => formatCount(n) === n.toLocaleString('en')));
  });
});

describe('preflight (sizes only, before reading)', () => {
  it('refuses oversized files and files past the budget without reading them, with the same wording', () => {
    const r = preflight(
      [
        { name: 'huge.txt', size: 2_000_000_000 },
        { name: 'a.txt', size: 9_000_000 },
        { name: 'pack.zip', size: 12_000_000 },
        { name: 'b.txt', size: 9_000_000 },
        { name: 'c.txt', size: 100 },
      ],
      { alreadyUsedBytes: 1_000_000 },
    );
    expect(r.accepted).toEqual([1, 2, 4]);
    expect(r.errors).toEqual([
      '"huge.txt" is 2000 MB, over the 10 MB limit per file; it was skipped',
      '"b.txt" (9.0 MB) was skipped: it would go over the 25 MB limit for all uploads together (22 MB used)',
    ]);
  });
});

describe('corpus names', () => {
  it('uses the one kept file name when the others were refused', () => {
    const r = readUpload([{ name: 'empty.txt', bytes: new Uint8Array(0) }, { name: 'dir/a&b <i>.txt', bytes: new TextEncoder().encode('hi') }], 'general');
    expect(r.corpus!.name).toBe('a&b <i>.txt');
  });
});
