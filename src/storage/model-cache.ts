/**
 * Built models in IndexedDB (through idb-keyval), behind three functions that take the store as a
 * trailing parameter (idb-keyval's own habit), so Node tests inject an in-memory store.
 *
 * Layout, three kinds of key:
 *   "models:entry:<key>"  a CachedModels record: metadata plus one serialized model file per model
 *   "models:current"      the pointer: the key of the last complete entry
 *   "models:starter"      a few small models of the same build (a CachedModels record naming its key), read
 *                         before the entry so a reload answers while the entry's tens of megabytes are read
 * `saveModels` writes the entry first and switches the pointer after, so a save interrupted halfway
 * (tab closed, quota) leaves the previous pointer and never exposes a half-written entry. `<key>` hashes
 * the corpora's content hashes, the build settings and the file format version (see cacheKey), so a
 * changed corpus or setting simply misses. Each model file carries its own checksum (lm/format.ts):
 * corruption is caught when it is read back, by the caller.
 *
 * Model files are stored as Blobs (entries of STORAGE_VERSION 1 written as ArrayBuffers still read). Reading a
 * record of ArrayBuffers copies every byte into the reading thread in one task (the model worker stood still for
 * most of a second for 79 MB); a record of Blobs arrives at once, and each file's bytes are then read by the browser
 * while the worker answers the editor.
 */
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import { fnv64Hex } from '../corpus/hash.ts';
import { joinParts } from '../lm/format.ts';

export const STORAGE_VERSION = 1;
const POINTER = 'models:current';
const ENTRY = 'models:entry:';
const STARTER = 'models:starter';

/** The few operations the cache needs; idb-keyval in the browser, a Map in tests. */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  /** Every key (to find entries no pointer names any more); optional for stores that cannot list. */
  keys?(): Promise<string[]>;
}

let defaultStore: KeyValueStore | null = null;

/** idb-keyval on database "codegram", object store "models", opened on first use. */
export function idbStore(): KeyValueStore {
  if (!defaultStore) {
    let use: UseStore | null = null;
    const store = () => (use ??= createStore('codegram', 'models'));
    defaultStore = {
      get: (key) => get(key, store()),
      set: (key, value) => set(key, value, store()),
      del: (key) => del(key, store()),
      keys: async () => (await keys(store())).map(String),
    };
  }
  return defaultStore;
}

/** A store in memory (tests, and the fallback when IndexedDB is unavailable). */
export function memoryStore(): KeyValueStore & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    map,
    get: async (key) => map.get(key),
    set: async (key, value) => {
      map.set(key, value);
    },
    del: async (key) => {
      map.delete(key);
    },
    keys: async () => [...map.keys()],
  };
}

export interface CachedModels<Meta> {
  storageVersion: number;
  key: string;
  savedAt: number;
  meta: Meta;
  /** Serialized model files (lm/format.ts), each with its own checksum; Blobs as stored, ArrayBuffers once read. */
  files: ArrayBuffer[];
}

/** A record as IndexedDB holds it: the files as Blobs (or ArrayBuffers, as written before). */
type StoredModels<Meta> = Omit<CachedModels<Meta>, 'files'> & { files: (Blob | ArrayBuffer)[] };

const isFile = (f: unknown): f is Blob | ArrayBuffer => f instanceof ArrayBuffer || (typeof Blob !== 'undefined' && f instanceof Blob);

/** A file to store: its bytes, whole or as the pieces it is made of in order (lm/format.ts modelFilePartsSteps). */
export type FileBytes = ArrayBuffer | readonly Uint8Array[];

/** Bytes per part of a stored file's Blob (blobOf). */
export const BLOB_PART_BYTES = 4 << 20;

/**
 * A file as a Blob, made of parts of at most BLOB_PART_BYTES (its pieces cut or joined) with a pause before each.
 * Making a Blob copies its bytes in the calling thread: the model worker, which answers the editor, stood still for
 * 0.6–0.7 s making the 79 MB of a build's models at once (the base model's 37 MB in one piece). A Blob of Blobs
 * refers to its parts, no copy.
 */
async function blobOf(file: FileBytes, pause: () => Promise<void>): Promise<Blob> {
  const pieces = file instanceof ArrayBuffer ? [new Uint8Array(file)] : file;
  const parts: Blob[] = [];
  let batch: Uint8Array[] = [];
  let held = 0;
  const flush = async () => {
    await pause();
    parts.push(new Blob(batch as BlobPart[]));
    batch = [];
    held = 0;
  };
  for (const piece of pieces) {
    for (let at = 0; at < piece.byteLength; ) {
      const take = Math.min(BLOB_PART_BYTES - held, piece.byteLength - at);
      batch.push(piece.subarray(at, at + take));
      held += take;
      at += take;
      if (held === BLOB_PART_BYTES) await flush();
    }
  }
  if (held > 0 || parts.length === 0) await flush();
  return parts.length === 1 ? parts[0] : new Blob(parts);
}

/** A macrotask's pause: whatever waits for this thread (a keystroke's query) goes first. */
const yieldToOthers = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The record to store: the files as Blobs where the platform has them. */
async function stored<Meta>(key: string, meta: Meta, files: readonly FileBytes[]): Promise<StoredModels<Meta>> {
  const kept: (Blob | ArrayBuffer)[] = [];
  for (const f of files) kept.push(typeof Blob === 'undefined' ? (f instanceof ArrayBuffer ? f : joinParts(f)) : await blobOf(f, yieldToOthers));
  return { storageVersion: STORAGE_VERSION, key, savedAt: Date.now(), meta, files: kept };
}

/** The files' bytes, one file at a time (each read is the browser's work, and this thread answers between them). */
async function bytesOf(files: readonly (Blob | ArrayBuffer)[]): Promise<ArrayBuffer[]> {
  const out: ArrayBuffer[] = [];
  for (const f of files) out.push(f instanceof ArrayBuffer ? f : await f.arrayBuffer());
  return out;
}

export type CacheLookup<Meta> =
  | { status: 'hit'; entry: CachedModels<Meta> }
  | { status: 'miss' }
  /** Something is stored under the key but cannot be used; `message` says why, for the user. */
  | { status: 'invalid'; message: string };

/**
 * A key naming everything a build depends on: a 64-bit hash of its JSON description (which holds the
 * corpora's sha256 content hashes and the uploads' ids). Synchronous FNV rather than SubtleCrypto, which
 * plain-http pages lack. Kept async so callers need not change if it ever becomes a digest again.
 */
export async function cacheKey(parts: unknown): Promise<string> {
  return fnv64Hex(JSON.stringify(parts));
}

export async function loadModels<Meta>(key: string, store: KeyValueStore = idbStore()): Promise<CacheLookup<Meta>> {
  let pointer: unknown;
  let value: unknown;
  try {
    // The entry first, then the pointer: another tab saving other models moves the pointer before it deletes
    // this entry, so an entry read whole while the pointer still names it is complete and current, whatever
    // that tab does next.
    value = await store.get(ENTRY + key);
    pointer = await store.get(POINTER);
    if (pointer !== key) return { status: 'miss' };
  } catch (e) {
    return { status: 'invalid', message: `the model cache could not be read (${(e as Error).message})` };
  }
  const problem = unusable(value, key);
  if (problem) return { status: 'invalid', message: problem };
  try {
    return { status: 'hit', entry: await withBytes(value as StoredModels<Meta>) };
  } catch (e) {
    return { status: 'invalid', message: `the cached models could not be read (${(e as Error).message})` };
  }
}

/** Why a stored record cannot be the models cached under `key`, in the user's words; null when it can. */
function unusable(value: unknown, key: string): string | null {
  if (value === undefined) return 'the cached models are missing their data';
  const v = value as Partial<StoredModels<unknown>> | null;
  if (typeof v !== 'object' || v === null || v.storageVersion !== STORAGE_VERSION) {
    return `the cached models were saved by another version of Codegram (storage version ${String(v?.storageVersion)})`;
  }
  if (v.key !== key || !Array.isArray(v.files) || !v.files.every(isFile) || v.meta === undefined) return 'the cached models are incomplete or malformed';
  return null;
}

/** A usable record with its files' bytes read. */
async function withBytes<Meta>(record: StoredModels<Meta>): Promise<CachedModels<Meta>> {
  return { ...record, files: await bytesOf(record.files) };
}

/**
 * Writes the entry (one record: one IndexedDB transaction, so never half-written), then the pointer, then removes
 * every other entry: the one the pointer named before, and any a second tab left behind (two tabs saving at once
 * each delete only what they read as previous), so the cache holds one build's models however many tabs save.
 */
export async function saveModels<Meta>(key: string, meta: Meta, files: readonly FileBytes[], store: KeyValueStore = idbStore()): Promise<void> {
  const previous = await store.get(POINTER);
  await store.set(ENTRY + key, await stored(key, meta, files));
  await store.set(POINTER, key);
  const others = store.keys ? (await store.keys()).filter((k) => k.startsWith(ENTRY) && k !== ENTRY + key) : typeof previous === 'string' && previous !== key ? [ENTRY + previous] : [];
  for (const k of others) await store.del(k);
}

/**
 * Keeps small models of the build saved under `key` (the quick models) for a reload to answer with first. One
 * record, written after the entry and its pointer, and replaced by the next build's: it is used only while the
 * pointer names its key, so it never stands in for another build's models.
 */
export async function saveStarter<Meta>(key: string, meta: Meta, files: readonly FileBytes[], store: KeyValueStore = idbStore()): Promise<void> {
  await store.set(STARTER, await stored(key, meta, files));
}

/** The starter models of the build cached under `key`, or null: none, another build's, or not readable. */
export async function loadStarter<Meta>(key: string, store: KeyValueStore = idbStore()): Promise<CachedModels<Meta> | null> {
  try {
    const value = await store.get(STARTER);
    if (unusable(value, key) || (await store.get(POINTER)) !== key) return null;
    return await withBytes(value as StoredModels<Meta>);
  } catch {
    return null;
  }
}

/** The key of the cached models (a reload, most likely, asks for them again), or null; without reading them. */
export async function cachedModelsKey(store: KeyValueStore = idbStore()): Promise<string | null> {
  try {
    const key = await store.get(POINTER);
    return typeof key === 'string' ? key : null;
  } catch {
    return null;
  }
}

/** Forgets the cached models (after a corrupt entry, or on the user's request). */
export async function clearModels(store: KeyValueStore = idbStore()): Promise<void> {
  const previous = await store.get(POINTER);
  await store.del(POINTER);
  await store.del(STARTER);
  if (typeof previous === 'string') await store.del(ENTRY + previous);
}

/** Key of the entry a pointer names (for tests that damage an entry on purpose). */
export function entryKey(key: string): string {
  return ENTRY + key;
}
