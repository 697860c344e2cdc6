import { describe, expect, it } from 'vitest';
import { get, set } from 'idb-keyval';
import { readUpload } from '../../src/corpus/upload.ts';
import { emptyUploadState, loadUploads, saveUploads, type UploadState } from '../../src/storage/uploads.ts';
import type { UserCorpus } from '../../src/worker/protocol.ts';
import { fakeIdb, unavailableIdb } from './fake-idb.ts';

const enc = (s: string) => new TextEncoder().encode(s);
function corpus(name: string, text: string, kind: UserCorpus['kind'] = 'code'): UserCorpus {
  const r = readUpload([{ name, bytes: enc(text) }], kind);
  return r.corpus!;
}
const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

describe('uploads storage', () => {
  it('starts empty, with both default corpora in use', async () => {
    const { store } = fakeIdb();
    expect(await loadUploads(store)).toEqual({ ...emptyUploadState(), messages: [], persistent: true });
    expect(emptyUploadState().useDefaults).toEqual({ general: true, code: true });
  });

  it('round-trips corpora and choices, and removes what is no longer named', async () => {
    const fake = fakeIdb();
    const a = corpus('a.py', 'def a():\n    pass\n');
    const b = corpus('b.txt', 'plain words here', 'general');
    const state: UploadState = { corpora: [a, b], useDefaults: { general: false, code: true } };
    expect(await saveUploads(state, fake.store)).toEqual({ ok: true });
    expect(await loadUploads(fake.store)).toEqual({ ...state, messages: [], persistent: true });
    expect([...fake.map.keys()].sort()).toEqual([`uploads:corpus:${a.id}`, `uploads:corpus:${b.id}`, 'uploads:state'].sort());

    expect(await saveUploads({ corpora: [b], useDefaults: { general: true, code: true } }, fake.store)).toEqual({ ok: true });
    expect(await loadUploads(fake.store)).toEqual({ corpora: [b], useDefaults: { general: true, code: true }, messages: [], persistent: true });
    expect([...fake.map.keys()].sort()).toEqual([`uploads:corpus:${b.id}`, 'uploads:state']);
  });

  it('does not rewrite a corpus the saved state already holds', async () => {
    const fake = fakeIdb();
    const a = corpus('a.py', 'x = 1\n');
    await saveUploads({ corpora: [a], useDefaults: { general: true, code: true } }, fake.store);
    const puts: string[] = [];
    fake.failPut = (key) => void puts.push(key) as undefined;
    await saveUploads({ corpora: [a], useDefaults: { general: true, code: false } }, fake.store);
    expect(puts).toEqual(['uploads:state']);
  });

  it('on quota exceeded: {ok:false} with a message, the previous state still loads, nothing half-written is left', async () => {
    const fake = fakeIdb();
    const a = corpus('a.py', 'x = 1\n');
    const before: UploadState = { corpora: [a], useDefaults: { general: true, code: true } };
    await saveUploads(before, fake.store);
    const keysBefore = [...fake.map.keys()].sort();

    // The new corpus fits, the pointer does not: the corpus written by this attempt is removed again.
    const big = corpus('big.py', 'y = 2\n'.repeat(1000));
    fake.failPut = (key) => (key === 'uploads:state' ? quota() : undefined);
    const result = await saveUploads({ corpora: [a, big], useDefaults: { general: false, code: true } }, fake.store);
    expect(result).toEqual({
      ok: false,
      message: 'Your uploads could not be saved: the browser’s storage for this site is full. They are kept in memory until the page is closed; remove a corpus to save the rest.',
    });
    expect(await loadUploads(fake.store)).toEqual({ ...before, messages: [], persistent: true });
    expect([...fake.map.keys()].sort()).toEqual(keysBefore);

    // The corpus itself does not fit.
    fake.failPut = (key) => (key.startsWith('uploads:corpus:') ? quota() : undefined);
    expect((await saveUploads({ corpora: [a, big], useDefaults: { general: true, code: true } }, fake.store)).ok).toBe(false);
    expect(await loadUploads(fake.store)).toEqual({ ...before, messages: [], persistent: true });
  });

  it('when IndexedDB is unavailable: saving and loading say so and never throw', async () => {
    const store = unavailableIdb();
    const loaded = await loadUploads(store);
    expect(loaded).toMatchObject({ corpora: [], useDefaults: { general: true, code: true }, persistent: false });
    expect(loaded.messages).toEqual([
      'Your uploads cannot be saved in this browser (InvalidStateError: A mutation operation was attempted on a database that did not allow mutations.): they will last until the page is closed.',
    ]);
    const saved = await saveUploads({ corpora: [corpus('a.py', 'x')], useDefaults: { general: true, code: true } }, store);
    expect(saved).toEqual({
      ok: false,
      message: 'Your uploads could not be saved (InvalidStateError: A mutation operation was attempted on a database that did not allow mutations.): they are kept in memory until the page is closed.',
    });
  });

  it('with no IndexedDB at all (Node has none), the default store fails softly too', async () => {
    expect(typeof indexedDB).toBe('undefined');
    const loaded = await loadUploads();
    expect(loaded.persistent).toBe(false);
    expect(loaded.messages[0]).toBe('Your uploads cannot be saved in this browser (IndexedDB is unavailable): they will last until the page is closed.');
    expect(await saveUploads(emptyUploadState())).toEqual({
      ok: false,
      message: 'Your uploads could not be saved (IndexedDB is unavailable): they are kept in memory until the page is closed.',
    });
  });

  it('a corrupt or foreign pointer gives the empty state and a message', async () => {
    const fake = fakeIdb();
    for (const [value, why] of [
      ['garbage', 'not a Codegram uploads record'],
      [{ format: 'codegram-uploads', version: 2, useDefaults: {}, corpora: [] }, 'saved in format version 2, this page reads version 1'],
      [{ format: 'codegram-uploads', version: 1, useDefaults: { general: 'yes', code: true }, corpora: [] }, 'the default-corpus choices are malformed'],
      [{ format: 'codegram-uploads', version: 1, useDefaults: { general: true, code: true }, corpora: [{ id: 1 }] }, 'the list of corpora is malformed'],
    ] as const) {
      await set('uploads:state', value, fake.store);
      expect(await loadUploads(fake.store)).toEqual({
        ...emptyUploadState(),
        messages: [`Your saved uploads could not be read (${why}); starting again from the default corpora.`],
        persistent: true,
      });
    }
  });

  it('a corrupt or missing corpus record is left out by name, the others load, and the pointer is repaired', async () => {
    const fake = fakeIdb();
    const a = corpus('a.py', 'x = 1\n');
    const b = corpus('b.py', 'y = 2\n');
    await saveUploads({ corpora: [a, b], useDefaults: { general: true, code: false } }, fake.store);
    await set(`uploads:corpus:${a.id}`, { format: 'codegram-uploads', version: 1, corpus: { ...a, files: [{ path: 1 }] } }, fake.store);
    const loaded = await loadUploads(fake.store);
    expect(loaded).toEqual({
      corpora: [b],
      useDefaults: { general: true, code: false },
      messages: ['The saved corpus "a.py" could not be read (malformed file entry); it was left out.'],
      persistent: true,
    });
    expect(await get<{ corpora: { id: string }[] }>('uploads:state', fake.store)).toMatchObject({ corpora: [{ id: b.id }] });

    // Re-uploading the lost corpus writes it anew (the repaired pointer no longer claims it).
    expect(await saveUploads({ corpora: [b, a], useDefaults: { general: true, code: false } }, fake.store)).toEqual({ ok: true });
    expect((await loadUploads(fake.store)).corpora).toEqual([b, a]);

    fake.map.delete(`uploads:corpus:${b.id}`);
    expect((await loadUploads(fake.store)).messages).toEqual(['The saved corpus "b.py" could not be read (its data is missing); it was left out.']);
  });

  it('two quick saves do not interleave: the last one wins and nothing it names is pruned', async () => {
    const fake = fakeIdb();
    const a = corpus('a.py', 'a = 1\n');
    const b = corpus('b.py', 'b = 2\n');
    const c = corpus('c.py', 'c = 3\n');
    await saveUploads({ corpora: [a], useDefaults: { general: true, code: true } }, fake.store);
    const first = saveUploads({ corpora: [b], useDefaults: { general: true, code: true } }, fake.store);
    const second = saveUploads({ corpora: [b, c], useDefaults: { general: false, code: true } }, fake.store);
    expect(await Promise.all([first, second])).toEqual([{ ok: true }, { ok: true }]);
    expect(await loadUploads(fake.store)).toEqual({ corpora: [b, c], useDefaults: { general: false, code: true }, messages: [], persistent: true });
    expect(fake.map.size).toBe(3);
  });
});
