/**
 * Faults around the model worker: storage that is unavailable or full, a build interrupted while saving,
 * and settings changed in quick succession. Each ends with working models and a message, never a crash.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore, type KeyValueStore } from '../../src/storage/model-cache.ts';
import { DEFAULT_BUILD_SETTINGS, type BuildSettings } from '../../src/build/settings.ts';
import type { UserCorpus } from '../../src/corpus/types.ts';
import type { Reply, Request } from '../../src/worker/protocol.ts';
import { ModelService } from '../../src/worker/service.ts';
import { call, memoryAccess, rewriteCachedFile, smallRecords } from './helpers.ts';

const settings: BuildSettings = { ...DEFAULT_BUILD_SETTINGS, order: 3 };
const build = (id: number, s: BuildSettings = settings): Request => ({ type: 'build', id, settings: s, corporaUrl: '', useCache: true });
const notices = (rs: Reply[]) => rs.filter((r): r is Extract<Reply, { type: 'notice' }> => r.type === 'notice').map((r) => r.message);

function failing(how: { get?: boolean; set?: (key: string) => boolean }): KeyValueStore & { map: Map<string, unknown> } {
  const inner = memoryStore();
  return {
    map: inner.map,
    get: async (k) => {
      if (how.get) throw new DOMException('IndexedDB is not available in this window', 'InvalidStateError');
      return inner.get(k);
    },
    set: async (k, v) => {
      if (how.set?.(k)) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return inner.set(k, v);
    },
    del: async (k) => inner.del(k),
  };
}

function upload(word: string): UserCorpus {
  const text = Array.from({ length: 30 }, () => `def ${word}(x):\n    return ${word}(x)\n`).join('');
  return { id: `u-${word}`, name: `${word}.py`, kind: 'code', files: [{ path: `${word}.py`, text }] };
}

describe('storage faults', () => {
  it('builds and answers in memory when IndexedDB is unavailable, and says so', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)), store: failing({ get: true, set: () => true }) });
    const replies = await call(service, build(1));
    expect(replies[replies.length - 1].type).toBe('built');
    expect(notices(replies).join('\n')).toMatch(/could not be read/);
    expect(notices(replies).join('\n')).toMatch(/could not be cached/);
    const next = await call(service, { type: 'next', id: 2, text: 'def add(a, b):\n    return', k: 3 });
    expect(next[0].type).toBe('predictions');
  });

  it('keeps the previous cache entry readable when the quota is exceeded while saving', async () => {
    const store = failing({});
    const first = new ModelService({ access: () => memoryAccess(smallRecords(12)), store });
    await call(first, build(1));
    const entries = () => [...store.map.keys()].filter((k) => k.startsWith('models:entry:'));
    expect(entries()).toHaveLength(1);
    // A second corpus version; its entry cannot be written.
    const full = failing({ set: (k) => k.startsWith('models:entry:') });
    for (const [k, v] of store.map) full.map.set(k, v);
    const second = new ModelService({ access: () => memoryAccess(smallRecords(12), 'v2'), store: full });
    const replies = await call(second, build(2));
    expect(replies[replies.length - 1].type).toBe('built');
    expect(notices(replies).join('\n')).toMatch(/could not be cached/);
    // The pointer still names the first, complete entry: a reload with the first corpora loads it.
    const third = new ModelService({ access: () => memoryAccess(smallRecords(12)), store: full });
    const again = await call(third, build(3));
    const built = again[again.length - 1];
    expect(built.type === 'built' && built.ready.fromCache).toBe(true);
  });

  it('never reads a half-saved entry after a reload during the save', async () => {
    // The page goes away after the entry is written but before the pointer moves.
    const store = failing({ set: (k) => k === 'models:current' });
    const first = new ModelService({ access: () => memoryAccess(smallRecords(12)), store });
    await call(first, build(1));
    const after = failing({});
    for (const [k, v] of store.map) after.map.set(k, v);
    expect([...after.map.keys()].some((k) => k.startsWith('models:entry:'))).toBe(true); // the orphan entry is there
    const next = new ModelService({ access: () => memoryAccess(smallRecords(12)), store: after });
    const replies = await call(next, build(2));
    const built = replies[replies.length - 1];
    expect(built.type === 'built' && built.ready.fromCache).toBe(false);
    expect(notices(replies)).toEqual([]);
  });
});

describe('stale cache', () => {
  it('rebuilds, with a notice, when the cached models were written by an older format version', async () => {
    const store = memoryStore();
    await call(new ModelService({ access: () => memoryAccess(smallRecords(12)), store }), build(1));
    const [key] = [...store.map.keys()].filter((k) => k.startsWith('models:entry:'));
    // Version 0, which no Codegram wrote (an older one may be read: version 2 files still are).
    await rewriteCachedFile(store.map.get(key), 0, (bytes) => new DataView(bytes).setUint32(8, 0, true));
    const replies = await call(new ModelService({ access: () => memoryAccess(smallRecords(12)), store }), build(2));
    const built = replies[replies.length - 1];
    expect(built.type === 'built' && built.ready.fromCache).toBe(false);
    expect(notices(replies).join('\n')).toMatch(/format version \d+; this Codegram reads version/);
  });
});

describe('changes in quick succession', () => {
  it('the last build wins; the earlier one is cancelled and nothing of it mixes in', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)) });
    const replies: Reply[] = [];
    const a = service.handle(build(1, { ...settings, uploads: [upload('alphaword')] }), (r) => replies.push(r));
    const b = service.handle(build(2, { ...settings, uploads: [upload('betaword')] }), (r) => replies.push(r));
    await Promise.all([a, b]);
    expect(replies.find((r) => r.id === 1 && r.type !== 'progress' && r.type !== 'notice')).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(replies.find((r) => r.id === 2 && r.type === 'built')).toBeDefined();
    const beta = (await call(service, { type: 'next', id: 3, text: 'def', k: 5, prefix: ' beta' }))[0];
    const alpha = (await call(service, { type: 'next', id: 4, text: 'def', k: 5, prefix: ' alpha' }))[0];
    if (beta.type !== 'predictions' || alpha.type !== 'predictions') throw new Error('no predictions');
    expect(beta.predictions.finetuned.map((p) => p.token)).toContain(' betaword');
    expect(alpha.predictions.finetuned).toEqual([]);
  });
});
