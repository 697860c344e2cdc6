import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { readUpload } from '../../src/corpus/upload.ts';
import type { UserCorpus } from '../../src/corpus/types.ts';
import { addUpload, chooseReplace, removeUpload, replacesDefaults, resetUploads, usedBytes, type PickedFile, type UploadMessage, type UploadState } from '../../src/state/upload-policy.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const file = (name: string, text: string | Uint8Array, size?: number): PickedFile & { reads: number } => {
  const bytes = typeof text === 'string' ? enc(text) : text;
  const f = {
    name,
    size: size ?? bytes.length,
    reads: 0,
    read: async () => {
      f.reads++;
      return bytes;
    },
  };
  return f;
};
const corpus = (name: string, text: string, kind: 'general' | 'code' = 'code'): UserCorpus => readUpload([{ name, bytes: enc(text) }], kind).corpus!;
const none: UploadState = { corpora: [], useDefaults: { general: true, code: true } };

function collect() {
  const said: UploadMessage[] = [];
  return { said, say: (m: UploadMessage) => said.push(m) };
}

describe('addUpload', () => {
  it('adds one corpus of the chosen kind, next to the defaults, and says what it holds', async () => {
    const { said, say } = collect();
    const next = await addUpload(none, [file('a.py', 'def a():\n    return 1\n')], 'code', false, say);
    expect(next?.corpora.map((c) => [c.name, c.kind])).toEqual([['a.py', 'code']]);
    expect(next?.useDefaults).toEqual({ general: true, code: true });
    expect(said).toEqual([{ kind: 'info', text: expect.stringMatching(/^Added "a\.py" \(Code\): 1 file, \d+ B, \d+ tokens$/) }]);
  });

  it('replaces the defaults of the kind when asked to', async () => {
    const next = await addUpload(none, [file('en.txt', 'The cat sat on the mat.\n')], 'general', true, () => {});
    expect(next?.useDefaults).toEqual({ general: false, code: true });
  });

  it('skips files over the per-file limit without reading them', async () => {
    const { said, say } = collect();
    const big = file('huge.txt', 'x', 11_000_000);
    const small = file('small.py', 'x = 1\n');
    const next = await addUpload(none, [big, small], 'code', false, say);
    expect(big.reads).toBe(0);
    expect(small.reads).toBe(1);
    expect(next?.corpora).toHaveLength(1);
    expect(said[0]).toEqual({ kind: 'error', text: expect.stringMatching(/^"huge\.txt" is 11 MB, over the 10 MB limit per file; it was skipped$/) });
  });

  it('says when a file cannot be read, and adds nothing when nothing was read', async () => {
    const { said, say } = collect();
    const broken: PickedFile = { name: 'folder', size: 0, read: () => Promise.reject(new Error('NotFoundError')) };
    expect(await addUpload(none, [broken], 'code', false, say)).toBeNull();
    expect(said).toEqual([{ kind: 'error', text: '"folder" could not be read (NotFoundError); to upload a folder, use "Upload folder" or a .zip of it' }]);
  });

  it('refuses a corpus that is already loaded', async () => {
    const { said, say } = collect();
    const have = corpus('a.py', 'x = 1\n');
    expect(await addUpload({ ...none, corpora: [have] }, [file('a.py', 'x = 1\n')], 'code', false, say)).toBeNull();
    expect(said).toEqual([{ kind: 'info', text: '"a.py" is already loaded as a Code corpus' }]);
  });

  it('passes readUpload\'s errors on and adds nothing for a binary file', async () => {
    const { said, say } = collect();
    expect(await addUpload(none, [file('notes.bin', new Uint8Array([65, 0, 66]))], 'code', false, say)).toBeNull();
    expect(said.map((m) => m.kind)).toContain('error');
    expect(said.map((m) => m.text).join('\n')).toMatch(/notes\.bin/);
  });

  it('reads a zip into one corpus', async () => {
    const zip = zipSync({ 'src/a.py': enc('a = 1\n'), 'src/b.py': enc('b = 2\n') });
    const next = await addUpload(none, [file('src.zip', zip)], 'code', false, () => {});
    expect(next?.corpora[0].files.map((f) => f.path)).toEqual(['src.zip/src/a.py', 'src.zip/src/b.py']);
  });

  it('counts the bytes already used against the total limit', async () => {
    const have = corpus('a.py', 'x = 1\n');
    expect(usedBytes([have])).toBe(6);
    const { said, say } = collect();
    expect(await addUpload({ ...none, corpora: [have] }, [file('b.zip', 'x', 25_000_000 - 5)], 'code', false, say)).toBeNull();
    expect(said[0].text).toMatch(/would go over the 25 MB limit for all uploads together \(6 B used\)/);
  });
});

describe('replacing the defaults', () => {
  const code = corpus('a.py', 'x = 1\n');

  it('is only an intention while there is no upload of the kind', () => {
    expect(chooseReplace(none, 'code', true)).toBeNull();
    expect(replacesDefaults(none, 'code')).toBe(false);
  });

  it('applies at once to the uploads of the kind, and can be taken back', () => {
    const with_ = { ...none, corpora: [code] };
    const replaced = chooseReplace(with_, 'code', true);
    expect(replaced?.useDefaults).toEqual({ general: true, code: false });
    expect(replacesDefaults(replaced!, 'code')).toBe(true);
    expect(chooseReplace(replaced!, 'code', true)).toBeNull();
    expect(chooseReplace(replaced!, 'code', false)?.useDefaults).toEqual({ general: true, code: true });
  });

  it('brings the defaults back when the last upload of the kind is removed', () => {
    const { said, say } = collect();
    const next = removeUpload({ corpora: [code], useDefaults: { general: true, code: false } }, code, say);
    expect(next).toEqual({ corpora: [], useDefaults: { general: true, code: true } });
    expect(said).toEqual([{ kind: 'info', text: 'Removed "a.py"; the default Code corpora are used again' }]);
  });

  it('keeps the choice while uploads of the kind remain', () => {
    const other = corpus('b.py', 'y = 2\n');
    const { said, say } = collect();
    const next = removeUpload({ corpora: [code, other], useDefaults: { general: true, code: false } }, code, say);
    expect(next).toEqual({ corpora: [other], useDefaults: { general: true, code: false } });
    expect(said).toEqual([{ kind: 'info', text: 'Removed "a.py"' }]);
  });

  it('resets to no uploads and every default', () => {
    expect(resetUploads()).toEqual(none);
  });
});
