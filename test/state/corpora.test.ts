import { afterEach, describe, expect, it } from 'vitest';
import { readUpload } from '../../src/corpus/upload.ts';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type CorporaManifest } from '../../src/corpus/manifest.ts';
import type { UserCorpus } from '../../src/corpus/types.ts';
import { CorporaState, type UploadStore } from '../../src/state/corpora.svelte.ts';
import { fetchManifest } from '../../src/state/manifest.ts';
import type { ModelsState } from '../../src/state/models.svelte.ts';
import type { SaveResult, UploadState } from '../../src/storage/uploads.ts';
import { corpusEntry, manifestOf } from '../worker/helpers.ts';
import { fakeModels, settle } from './fake-worker.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const corpus = (name: string, text: string, kind: 'general' | 'code' = 'code'): UserCorpus => readUpload([{ name, bytes: enc(text) }], kind).corpus!;

/** An upload store whose saves the test completes by hand; it records what happened in order. */
function memoryStore(initial: UploadState & { messages?: string[] } = { corpora: [], useDefaults: { general: true, code: true } }) {
  const log: string[] = [];
  const saves: { state: UploadState; done: (r: SaveResult) => void }[] = [];
  const store: UploadStore = {
    load: async () => ({ corpora: initial.corpora, useDefaults: initial.useDefaults, messages: initial.messages ?? [], persistent: true }),
    save: (state) =>
      new Promise((done) => {
        log.push(`save ${state.corpora.map((c) => c.name).join(',')}`);
        saves.push({ state, done });
      }),
  };
  return { store, log, saves };
}

const made: ModelsState[] = [];
afterEach(() => {
  for (const m of made.splice(0)) m.dispose();
});

function setup(initial?: Parameters<typeof memoryStore>[0], order?: number) {
  const fake = fakeModels();
  made.push(fake.models);
  const mem = memoryStore(initial);
  const manifest = manifestOf([corpusEntry('english', 'general', 'english.jsonl.gz', 'a', enc('x')), corpusEntry('python', 'code', 'python.jsonl.gz', 'b', enc('y'))]);
  const corpora = new CorporaState(fake.models, { store: mem.store, manifest: async () => manifest, order });
  return { ...fake, ...mem, corpora };
}

describe('CorporaState', () => {
  it('restores the saved uploads before the first build, and builds with them', async () => {
    const saved = corpus('mine.py', 'def mine():\n    return 1\n');
    const { corpora, models, worker } = setup({ corpora: [saved], useDefaults: { general: true, code: false }, messages: ['The saved corpus "old.py" could not be read (unknown format); it was left out.'] }, 3);
    expect(worker().requests('build')).toEqual([]);
    void corpora.restore();
    await settle();
    expect(worker().last('build').settings).toEqual({ order: 3, uploads: [saved], useDefaults: { general: true, code: false } });
    expect(corpora.uploads).toEqual([saved]);
    expect(models.messages.map((m) => m.kind)).toEqual(['warning']);
  });

  it('builds first with the uploads read ahead (main.ts), without reading them again; a failed read ahead is read again', async () => {
    const saved = corpus('ahead.py', 'def ahead():\n    return 2\n');
    const ahead = () => Promise.resolve({ corpora: [saved], useDefaults: { general: true, code: true }, messages: [], persistent: true });
    for (const [restored, expectedLoads] of [[ahead, 0], [() => Promise.reject(new Error('gone')), 1]] as const) {
      const fake = fakeModels();
      made.push(fake.models);
      let loads = 0;
      const store: UploadStore = { load: async () => (loads++, { corpora: [saved], useDefaults: { general: true, code: true }, messages: [], persistent: true }), save: async () => ({ ok: true }) };
      const corpora = new CorporaState(fake.models, { store, restored: restored(), manifest: async () => manifestOf([]) });
      void corpora.restore();
      await settle();
      expect(fake.worker().last('build').settings.uploads).toEqual([saved]);
      expect(loads).toBe(expectedLoads);
    }
  });

  it('saves an upload before it rebuilds, so a reload during the build keeps it', async () => {
    const { corpora, worker, log, saves } = setup();
    const added = corpus('blorp.zq', 'blorp zanqa fet\n');
    const changing = corpora.change({ corpora: [added], useDefaults: { general: true, code: false } });
    await settle();
    expect(log).toEqual(['save blorp.zq']);
    expect(worker().requests('build')).toEqual([]); // not before the save is done
    saves[0].done({ ok: true });
    await settle();
    expect(worker().last('build').settings).toMatchObject({ uploads: [added], useDefaults: { general: true, code: false } });
    expect(corpora.uploads).toEqual([added]);
    worker().fail(worker().last('build').id, 'cancelled');
    await changing;
  });

  it('still rebuilds, with a warning, when the uploads cannot be saved', async () => {
    const { corpora, models, worker, saves } = setup();
    void corpora.change({ corpora: [corpus('a.py', 'x = 1\n')], useDefaults: { general: true, code: true } });
    await settle();
    saves[0].done({ ok: false, message: 'Your uploads could not be saved: the browser’s storage for this site is full.' });
    await settle();
    expect(worker().requests('build')).toHaveLength(1);
    expect(models.messages.map((m) => `${m.kind}: ${m.text}`)).toEqual(['warning: Your uploads could not be saved: the browser’s storage for this site is full.']);
  });

  it('rebuilds with a new order and the same corpora', async () => {
    const { corpora, worker } = setup();
    void corpora.setOrder(2);
    expect(worker().last('build').settings).toEqual({ order: 2, uploads: [], useDefaults: { general: true, code: true } });
    expect(corpora.order).toBe(2);
  });

  it('lists the default corpora from the manifest, or keeps and says why it could not be read', async () => {
    const { corpora } = setup();
    expect(corpora.defaults).toEqual([]);
    await corpora.loadManifest();
    expect(corpora.defaults.map((d) => [d.kind, d.label])).toEqual([
      ['general', 'English (Brown corpus)'],
      ['code', 'Code: python'],
    ]);

    const fake = fakeModels();
    made.push(fake.models);
    const failing = new CorporaState(fake.models, { store: memoryStore().store, manifest: () => Promise.reject(new Error('corpora/manifest.json: HTTP 404 (run npm run corpora)')) });
    await failing.loadManifest();
    expect(failing.manifestError).toBe('corpora/manifest.json: HTTP 404 (run npm run corpora)');
    expect(fake.models.messages.map((m) => m.kind)).toEqual(['error']);
  });
});

describe('fetchManifest', () => {
  const respond = (body: unknown, status = 200): typeof fetch => async () => new Response(JSON.stringify(body), { status });

  it('checks the manifest it fetches', async () => {
    const good: CorporaManifest = manifestOf([corpusEntry('python', 'code', 'python.jsonl.gz', 'b', enc('y'))]);
    expect(await fetchManifest('https://codegram.test/corpora/manifest.json', respond(good))).toEqual(good);
  });

  it('refuses another manifest version or a missing file with a message naming the file', async () => {
    const old = { format: MANIFEST_FORMAT, formatVersion: MANIFEST_VERSION + 1, recipeHash: 'x', corpora: [] };
    await expect(fetchManifest('https://codegram.test/m.json', respond(old))).rejects.toThrow(/^corpora\/manifest\.json: manifest version 2, this site reads version 1/);
    await expect(fetchManifest('https://codegram.test/m.json', respond({}, 404))).rejects.toThrow('corpora/manifest.json: HTTP 404 (run npm run corpora)');
  });
});
