/**
 * The rules of the corpus manager, as functions from the current uploads to the next (no DOM, so Node tests
 * cover them): which picked files are read at all (preflight: sizes only), the upload that results
 * (corpus/upload.ts's readUpload), the "replace the defaults of this kind" choice, removing and resetting.
 * Messages for the user go to a `say` callback as they arise (errors first, before any bytes are read).
 */
import { corpusStats, preflight, readUpload, type CorpusStats, formatBytes, formatCount } from '../corpus/upload.ts';
import type { CorpusKind, UserCorpus } from '../corpus/types.ts';
import type { UploadState } from '../storage/uploads.ts';

export type { UploadState };

export interface UploadMessage {
  kind: 'error' | 'warning' | 'info';
  text: string;
}

export type Say = (m: UploadMessage) => void;

/** A file the user picked or dropped: its name (a folder upload's relative path) and size, read on demand. */
export interface PickedFile {
  name: string;
  size: number;
  read(): Promise<Uint8Array>;
}

export const KIND_LABEL: Record<CorpusKind, string> = { general: 'General', code: 'Code' };

/** The files of a file input or a drop, named by their path inside a picked folder when there is one. */
export function pickedFiles(files: Iterable<File>): PickedFile[] {
  return [...files].map((f) => ({
    name: f.webkitRelativePath || f.name,
    size: f.size,
    read: async () => new Uint8Array(await f.arrayBuffer()),
  }));
}

// Token counts cost a tokenizer pass: once per corpus id (ids are content hashes, so a cached value never goes stale).
const statsCache = new Map<string, CorpusStats>();

export function statsOf(c: UserCorpus): CorpusStats {
  let s = statsCache.get(c.id);
  if (!s) statsCache.set(c.id, (s = corpusStats(c)));
  return s;
}

/** Bytes of text of all uploads: they count against the total upload limit. */
export function usedBytes(corpora: readonly UserCorpus[]): number {
  return corpora.reduce((n, c) => n + statsOf(c).bytes, 0);
}

const count = formatCount;
export const filesText = (x: number) => `${count(x)} file${x === 1 ? '' : 's'}`;

/**
 * Reads picked files into one new corpus of `kind`: files too large for the limits are skipped unread, the rest
 * checked by readUpload. `replacing`: the uploads of this kind replace the default corpora of the kind.
 * @returns the next state, or null when nothing was added (the messages said why).
 */
export async function addUpload(state: UploadState, files: readonly PickedFile[], kind: CorpusKind, replacing: boolean, say: Say): Promise<UploadState | null> {
  if (!files.length) return null;
  const alreadyUsedBytes = usedBytes(state.corpora);
  const plan = preflight(files, { alreadyUsedBytes });
  for (const text of plan.errors) say({ kind: 'error', text });
  const read: { name: string; bytes: Uint8Array }[] = [];
  for (const i of plan.accepted) {
    const { name } = files[i];
    try {
      read.push({ name, bytes: await files[i].read() });
    } catch (e) {
      say({ kind: 'error', text: `"${name}" could not be read (${(e as Error).message}); to upload a folder, use "Upload folder" or a .zip of it` });
    }
  }
  if (!read.length) return null;
  const result = readUpload(read, kind, { alreadyUsedBytes });
  for (const text of result.errors) say({ kind: 'error', text });
  for (const text of result.warnings) say({ kind: 'warning', text });
  const corpus = result.corpus;
  if (!corpus) return null;
  if (state.corpora.some((c) => c.id === corpus.id)) {
    say({ kind: 'info', text: `"${corpus.name}" is already loaded as a ${KIND_LABEL[kind]} corpus` });
    return null;
  }
  const s = statsOf(corpus);
  say({ kind: 'info', text: `Added "${corpus.name}" (${KIND_LABEL[kind]}): ${filesText(s.files)}, ${formatBytes(s.bytes)}, ${count(s.tokens)} tokens` });
  return { corpora: [...state.corpora, corpus], useDefaults: { ...state.useDefaults, [kind]: !replacing } };
}

const uploadsOf = (state: UploadState, kind: CorpusKind) => state.corpora.filter((c) => c.kind === kind).length;

/** Whether the uploads of `kind` replace its defaults now (only when there are uploads of the kind). */
export function replacesDefaults(state: UploadState, kind: CorpusKind): boolean {
  return !state.useDefaults[kind] && uploadsOf(state, kind) > 0;
}

/**
 * The user chose "replace the defaults of this kind" (`replace`) or "add to the defaults". With no upload of the
 * kind it is only an intention, applied with the next upload (replacing the defaults with nothing would leave the
 * model nothing to train on): null. Also null when the choice is the one in force.
 */
export function chooseReplace(state: UploadState, kind: CorpusKind, replace: boolean): UploadState | null {
  if (uploadsOf(state, kind) === 0 || state.useDefaults[kind] !== replace) return null;
  return { corpora: state.corpora, useDefaults: { ...state.useDefaults, [kind]: !replace } };
}

/** Removes an upload; the last upload of a kind gone, its defaults come back (or that model would have nothing to learn from). */
export function removeUpload(state: UploadState, corpus: UserCorpus, say: Say): UploadState {
  const rest = state.corpora.filter((x) => x.id !== corpus.id);
  const useDefaults = { ...state.useDefaults };
  if (!useDefaults[corpus.kind] && !rest.some((x) => x.kind === corpus.kind)) {
    useDefaults[corpus.kind] = true;
    say({ kind: 'info', text: `Removed "${corpus.name}"; the default ${KIND_LABEL[corpus.kind]} corpora are used again` });
  } else say({ kind: 'info', text: `Removed "${corpus.name}"` });
  return { corpora: rest, useDefaults };
}

/** No uploads, every default corpus in use. */
export function resetUploads(): UploadState {
  return { corpora: [], useDefaults: { general: true, code: true } };
}
