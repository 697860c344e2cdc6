/**
 * The model cache's record: model files stored as Blobs made in parts, with pauses between the parts so that the
 * thread writing them (the model worker) answers in between, and read back byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { BLOB_PART_BYTES, entryKey, loadModels, memoryStore, saveModels } from '../../src/storage/model-cache.ts';

/** A file of `bytes` bytes whose every byte depends on its position (a part put back out of order would show). */
function file(bytes: number, seed: number): ArrayBuffer {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + seed + (i >>> 12)) & 0xff;
  return out.buffer;
}

describe('the model cache record', () => {
  it('keeps files larger than a Blob part whole and in order, and lets other tasks run while it makes them', async () => {
    const store = memoryStore();
    const files = [file(2 * BLOB_PART_BYTES + 12345, 1), file(1000, 2), file(BLOB_PART_BYTES, 3)];
    // A timer that keeps rescheduling itself: it runs only when the save yields this thread.
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    await saveModels('k', { note: 'meta' }, files, store);
    ticking = false;
    // The large file is made in three parts, each after a pause.
    expect(ticks).toBeGreaterThanOrEqual(3);
    const record = store.map.get(entryKey('k')) as { files: Blob[] };
    expect(record.files.every((f) => f instanceof Blob)).toBe(true);
    expect(record.files.map((f) => f.size)).toEqual(files.map((f) => f.byteLength));
    const found = await loadModels<{ note: string }>('k', store);
    if (found.status !== 'hit') throw new Error(`expected a hit, got ${found.status}`);
    expect(found.entry.meta.note).toBe('meta');
    // Compared as Buffers: vitest's deep equality walks 8 MB an element at a time.
    expect(found.entry.files.map((f, i) => Buffer.from(f).equals(Buffer.from(files[i])))).toEqual(files.map(() => true));
  });
});
