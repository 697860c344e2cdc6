/**
 * The user's uploaded corpora and their default-corpus choices, kept in IndexedDB through idb-keyval. The store
 * is idb-keyval's own `UseStore`, taken as a trailing default parameter (idb-keyval's habit, as in
 * model-cache.ts), so Node tests pass an in-memory one (test/upload/fake-idb.ts).
 *
 * Layout (format "codegram-uploads", version 1):
 *   "uploads:corpus:<id>"  one UserCorpus per key, content-addressed (the id is readUpload's content hash), so a
 *                          key's value never changes once written
 *   "uploads:state"        the pointer: { format, version, savedAt, useDefaults, corpora: [{ id, name, kind }] }
 * `saveUploads` writes the corpora the state does not hold yet under their own keys first, then switches the
 * pointer in one `set` (one IndexedDB transaction), then deletes corpora the old pointer named and the new one
 * does not. Stopped at any point (tab closed, quota), the pointer still names a complete, earlier state; at worst
 * an unreferenced corpus is left behind (reused if the same corpus is saved again). Saves are queued per store, so
 * two quick saves never interleave (the second's pruning cannot delete what the first just wrote).
 *
 * Nothing here throws: a failure to save is `{ ok: false, message }` (quota exceeded, IndexedDB unavailable as in
 * some private windows) so the page keeps its state in memory and says so; a failure to load is the empty state
 * plus messages.
 */
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { CorpusKind, UserCorpus } from '../corpus/types.ts';

export const UPLOADS_FORMAT = 'codegram-uploads';
export const UPLOADS_VERSION = 1;
const STATE_KEY = 'uploads:state';
const CORPUS_KEY = 'uploads:corpus:';

export interface UploadState {
  corpora: UserCorpus[];
  /** Use the default corpora of this kind besides the uploads (false: the uploads of this kind replace them). */
  useDefaults: Record<CorpusKind, boolean>;
}

export interface LoadedUploads extends UploadState {
  /** Problems met while loading, for the user (empty when all went well). */
  messages: string[];
  /** False when the storage could not be reached at all: saving will fail too. */
  persistent: boolean;
}

export type SaveResult = { ok: true } | { ok: false; message: string };

interface StoredState {
  format: typeof UPLOADS_FORMAT;
  version: number;
  savedAt: number;
  useDefaults: Record<CorpusKind, boolean>;
  corpora: { id: string; name: string; kind: CorpusKind }[];
}

interface StoredCorpus {
  format: typeof UPLOADS_FORMAT;
  version: number;
  corpus: UserCorpus;
}

export function emptyUploadState(): UploadState {
  return { corpora: [], useDefaults: { general: true, code: true } };
}

const UPLOADS_DATABASE = 'codegram-uploads';
let defaultStore: UseStore | null = null;

/** idb-keyval on database "codegram-uploads", object store "uploads", opened on first use. */
export function uploadsStore(): UseStore {
  // Its own database: idb-keyval creates the object store only when it creates the database, so sharing the
  // model cache's "codegram" database would need a version upgrade.
  return (defaultStore ??= createStore(UPLOADS_DATABASE, 'uploads'));
}

/** Whether the uploads' database exists; true where the browser cannot list databases (then it is opened). */
async function uploadsDatabaseExists(): Promise<boolean> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return true;
  try {
    return (await indexedDB.databases()).some((d) => d.name === UPLOADS_DATABASE);
  } catch {
    return true;
  }
}

/** Saves run one after another per store. */
const queues = new WeakMap<UseStore, Promise<unknown>>();

export async function loadUploads(store?: UseStore): Promise<LoadedUploads> {
  const empty = (messages: string[], persistent: boolean): LoadedUploads => ({ ...emptyUploadState(), messages, persistent });
  let db: UseStore;
  let raw: unknown;
  try {
    // Nothing was ever saved when the database does not exist (a first visit): opening it would create it, which
    // takes the browser a while, and the first build waits for this answer.
    if (!store && !(await uploadsDatabaseExists())) return empty([], true);
    db = store ?? uploadsStore();
    await queues.get(db);
    raw = await get(STATE_KEY, db);
  } catch (e) {
    return empty([`Your uploads cannot be saved in this browser (${describe(e)}): they will last until the page is closed.`], false);
  }
  if (raw === undefined) return empty([], true);
  const state = parseState(raw);
  if (typeof state === 'string') return empty([`Your saved uploads could not be read (${state}); starting again from the default corpora.`], true);

  const corpora: UserCorpus[] = [];
  const messages: string[] = [];
  for (const ref of state.corpora) {
    let record: unknown;
    try {
      record = await get(CORPUS_KEY + ref.id, db);
    } catch (e) {
      messages.push(`The saved corpus "${ref.name}" could not be read (${describe(e)}); it was left out.`);
      continue;
    }
    const corpus = parseCorpus(record, ref.id);
    if (typeof corpus === 'string') messages.push(`The saved corpus "${ref.name}" could not be read (${corpus}); it was left out.`);
    else corpora.push(corpus);
  }
  if (corpora.length < state.corpora.length) {
    // Repair the pointer so it names only what is really there (and a re-upload of a lost corpus is written anew).
    const kept = new Set(corpora.map((c) => c.id));
    try {
      await set(STATE_KEY, { ...state, corpora: state.corpora.filter((c) => kept.has(c.id)) }, db);
    } catch {
      // Best effort: the next save writes a correct pointer anyway.
    }
  }
  return { corpora, useDefaults: state.useDefaults, messages, persistent: true };
}

export function saveUploads(state: UploadState, store?: UseStore): Promise<SaveResult> {
  let db: UseStore;
  try {
    db = store ?? uploadsStore();
  } catch (e) {
    return Promise.resolve({ ok: false, message: unsaved(e) });
  }
  const run = (queues.get(db) ?? Promise.resolve()).then(() => save(state, db));
  queues.set(db, run);
  return run;
}

async function save(state: UploadState, db: UseStore): Promise<SaveResult> {
  const written: string[] = [];
  try {
    const previous = parseState(await get(STATE_KEY, db).catch(() => undefined));
    const stored = new Set(typeof previous === 'string' ? [] : previous.corpora.map((c) => c.id));
    for (const corpus of state.corpora) {
      if (stored.has(corpus.id)) continue;
      const record: StoredCorpus = { format: UPLOADS_FORMAT, version: UPLOADS_VERSION, corpus: plainCorpus(corpus) };
      written.push(CORPUS_KEY + corpus.id);
      await set(CORPUS_KEY + corpus.id, record, db);
    }
    const next: StoredState = {
      format: UPLOADS_FORMAT,
      version: UPLOADS_VERSION,
      savedAt: Date.now(),
      useDefaults: { general: state.useDefaults.general, code: state.useDefaults.code },
      corpora: state.corpora.map((c) => ({ id: c.id, name: c.name, kind: c.kind })),
    };
    await set(STATE_KEY, next, db); // the switch
    const keep = new Set(next.corpora.map((c) => c.id));
    for (const id of stored) if (!keep.has(id)) await del(CORPUS_KEY + id, db).catch(() => undefined);
    return { ok: true };
  } catch (e) {
    // Give back the space this attempt took; the pointer was not switched, so the previous state stays whole.
    for (const key of written) await del(key, db).catch(() => undefined);
    return { ok: false, message: unsaved(e) };
  }
}

/** A copy holding exactly the stored fields (a Svelte $state proxy cannot be structured-cloned). */
function plainCorpus(c: UserCorpus): UserCorpus {
  return { id: c.id, name: c.name, kind: c.kind, files: c.files.map((f) => ({ path: f.path, text: f.text })) };
}

function unsaved(e: unknown): string {
  if (errorName(e) === 'QuotaExceededError') {
    return 'Your uploads could not be saved: the browser’s storage for this site is full. They are kept in memory until the page is closed; remove a corpus to save the rest.';
  }
  return `Your uploads could not be saved (${describe(e)}): they are kept in memory until the page is closed.`;
}

/** DOMException is an Error subclass in browsers and in Node 17+, but duck typing also covers odd realms. */
function errorName(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : '';
}

function describe(e: unknown): string {
  if (typeof indexedDB === 'undefined' && errorName(e) === 'ReferenceError') return 'IndexedDB is unavailable';
  const message = typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
  const name = errorName(e);
  return name && name !== 'Error' ? `${name}: ${message}` : message;
}

const KINDS: readonly CorpusKind[] = ['general', 'code'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The stored state, or why it cannot be used. */
function parseState(v: unknown): StoredState | string {
  if (!isObject(v) || v.format !== UPLOADS_FORMAT) return 'not a Codegram uploads record';
  if (v.version !== UPLOADS_VERSION) return `saved in format version ${String(v.version)}, this page reads version ${UPLOADS_VERSION}`;
  const d = v.useDefaults;
  if (!isObject(d) || typeof d.general !== 'boolean' || typeof d.code !== 'boolean') return 'the default-corpus choices are malformed';
  if (!Array.isArray(v.corpora)) return 'the list of corpora is missing';
  for (const c of v.corpora as unknown[]) {
    if (!isObject(c) || typeof c.id !== 'string' || typeof c.name !== 'string' || !KINDS.includes(c.kind as CorpusKind)) {
      return 'the list of corpora is malformed';
    }
  }
  return v as unknown as StoredState;
}

function parseCorpus(v: unknown, id: string): UserCorpus | string {
  if (v === undefined) return 'its data is missing';
  if (!isObject(v) || v.format !== UPLOADS_FORMAT || v.version !== UPLOADS_VERSION) return 'unknown format';
  const c = v.corpus;
  if (!isObject(c) || c.id !== id || typeof c.name !== 'string' || !KINDS.includes(c.kind as CorpusKind) || !Array.isArray(c.files)) {
    return 'malformed record';
  }
  for (const f of c.files as unknown[]) {
    if (!isObject(f) || typeof f.path !== 'string' || typeof f.text !== 'string') return 'malformed file entry';
  }
  return c as unknown as UserCorpus;
}
