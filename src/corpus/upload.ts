/**
 * Turning the files a user uploads into a UserCorpus, checking everything where it enters.
 *
 * Input:  `{ name, bytes }[]` (plain files, or `.zip` archives read with fflate) and the corpus kind.
 * Output: `{ corpus, warnings, errors }`. Every problem is one message that names the file
 *         (`"notes.zip/img/logo.png": skipped, not a text file`); the files that pass are kept, so one bad file
 *         never costs the rest. `corpus` is null only when nothing usable was left.
 *
 * Pure: no DOM, no worker, no storage; runs the same in a page, a worker and Node tests.
 *
 * Limits (see UPLOAD_LIMITS for the reasons): 10 MB of text per file, 25 MB for all uploads together,
 * 20,000 files per upload; zip entries are checked against these on their *declared* size before anything is
 * expanded (fflate expands into a buffer of exactly that size, so a lying header cannot make it allocate more),
 * and an entry over 1 MB that expands more than 200× is refused as a likely zip bomb.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { decodeText, InputError } from '../lm/input.ts';
import { Fnv64 } from './hash.ts';
import { tokenize } from '../lm/tokenizer.ts';
import type { CorpusKind, UserCorpus } from './types.ts';

export interface UploadLimits {
  /** Bytes of one file (a plain file, or one zip entry once expanded). */
  maxFileBytes: number;
  /** Bytes of text of all uploads together (this one plus `alreadyUsedBytes`); zip archives count expanded. */
  maxTotalBytes: number;
  /** Text files kept from one upload. */
  maxFiles: number;
  /** Expanded / compressed size above which a zip entry is refused, for entries over `ratioFloorBytes`. */
  maxExpansionRatio: number;
  ratioFloorBytes: number;
}

/**
 * Why these numbers: training costs about 1 s per million tokens and ~17.6 bytes per n-gram (README, `npm run
 * bench`); a Brown-like text yields ~2.5 n-grams of order ≤ 5 per token and ~4 bytes per token. 25 MB of text is
 * then ~6 M tokens, ~15 M n-grams, ~270 MB of model in the worker and a few seconds of training: about four times
 * the default English corpus (6 MB), as much as a browser tab can comfortably hold. 10 MB per file leaves room
 * for a few large files; 20,000 files covers a real source tree and keeps the file list cheap. Text compresses
 * 3–10× and rarely past 50×; deflate bombs sit near its 1032× maximum, so 200× separates them with a margin.
 */
export const MAX_FILE_BYTES = 10_000_000;
export const MAX_TOTAL_BYTES = 25_000_000;
export const MAX_FILES = 20_000;
export const MAX_EXPANSION_RATIO = 200;
export const RATIO_FLOOR_BYTES = 1_000_000;

export const UPLOAD_LIMITS: Readonly<UploadLimits> = {
  maxFileBytes: MAX_FILE_BYTES,
  maxTotalBytes: MAX_TOTAL_BYTES,
  maxFiles: MAX_FILES,
  maxExpansionRatio: MAX_EXPANSION_RATIO,
  ratioFloorBytes: RATIO_FLOOR_BYTES,
};

/** At most this many messages of each list are kept; the rest are counted in a last line. */
export const MAX_MESSAGES = 20;

export interface UploadFile {
  /** The file's name or relative path, shown in messages and kept as the corpus file's path. */
  name: string;
  bytes: Uint8Array;
}

export interface ReadUploadOptions {
  limits?: Partial<UploadLimits>;
  /** Bytes of text of the uploads already loaded: they count against `maxTotalBytes`. */
  alreadyUsedBytes?: number;
}

export interface UploadResult {
  corpus: UserCorpus | null;
  warnings: string[];
  errors: string[];
}

export interface CorpusStats {
  files: number;
  /** UTF-8 bytes of text. */
  bytes: number;
  tokens: number;
}

/** Extensions never worth opening inside a zip: archives get their own message, the rest are not text. */
const ARCHIVE_EXTENSIONS = new Set(['zip', 'gz', 'tgz', 'tar', '7z', 'rar', 'bz2', 'xz', 'zst', 'jar', 'war', 'whl', 'apk', 'nupkg']);
const BINARY_EXTENSIONS = new Set([
  ...['png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'webp', 'tif', 'tiff', 'psd', 'avif', 'heic'],
  ...['mp3', 'wav', 'ogg', 'flac', 'mp4', 'mov', 'avi', 'mkv', 'webm'],
  ...['woff', 'woff2', 'ttf', 'otf', 'eot'],
  ...['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods'],
  ...['exe', 'dll', 'so', 'dylib', 'o', 'a', 'obj', 'lib', 'class', 'pyc', 'pyo', 'wasm', 'bin', 'dat', 'db', 'sqlite'],
]);

function extension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** Directories, macOS resource forks and dotfiles (`.git/…`, `.DS_Store`): never user text. */
function isHiddenEntry(path: string): boolean {
  return path.split('/').some((part) => part === '__MACOSX' || (part.startsWith('.') && part !== '.' && part !== '..'));
}

export function isZipName(name: string): boolean {
  return extension(name) === 'zip';
}

/** `1.5 MB`, `812 kB`, `12 B` (decimal units, as the limits are stated). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} kB`;
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

/**
 * `1,234,567`: a whole number as `toLocaleString('en')` writes it. By hand because the page's first toLocaleString
 * loads the locale's number data, 30 ms on an idle machine and about 90 ms on a first visit's busy one, in the
 * middle of mounting the editor; the page needs no other locale formatting. Other numbers go to toLocaleString.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en');
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

const count = formatCount;

/** A message list that keeps the first MAX_MESSAGES and counts the rest (a folder of 5,000 images is one line). */
class MessageList {
  readonly shown: string[] = [];
  private hidden = 0;
  add(message: string): void {
    if (this.shown.length < MAX_MESSAGES) this.shown.push(message);
    else this.hidden++;
  }
  list(): string[] {
    return this.hidden ? [...this.shown, `…and ${count(this.hidden)} more like these`] : this.shown;
  }
}

/**
 * Reads an upload. `kind` is stored on the corpus; the corpus id is `contentHash` of its kind, paths and texts,
 * so the same files uploaded twice get the same id (and the model cache hits).
 */
export function readUpload(files: readonly UploadFile[], kind: CorpusKind, options: ReadUploadOptions = {}): UploadResult {
  const limits: UploadLimits = { ...UPLOAD_LIMITS, ...options.limits };
  const warnings = new MessageList();
  const errors = new MessageList();
  const kept: { path: string; text: string }[] = [];
  let used = options.alreadyUsedBytes ?? 0;
  let overCount = 0;
  // Zip entries admitted but not yet decoded: they count against maxFiles while an archive is expanded.
  let reserved = 0;

  const totalLimit = () => `the ${formatBytes(limits.maxTotalBytes)} limit for all uploads together (${formatBytes(used)} used)`;

  /** Checks size and budget of a file of `size` bytes; reserves the budget when it fits. */
  const admit = (path: string, size: number): boolean => {
    if (kept.length + reserved >= limits.maxFiles) {
      overCount++;
      return false;
    }
    if (size > limits.maxFileBytes) {
      errors.add(`"${path}" is ${formatBytes(size)}, over the ${formatBytes(limits.maxFileBytes)} limit per file; it was skipped`);
      return false;
    }
    if (used + size > limits.maxTotalBytes) {
      errors.add(`"${path}" (${formatBytes(size)}) was skipped: it would go over ${totalLimit()}`);
      return false;
    }
    used += size;
    return true;
  };

  const decode = (path: string, bytes: Uint8Array) => {
    try {
      const { text, warning } = decodeText(bytes, path, { invalidUtf8: 'replace' });
      if (warning) warnings.add(warning);
      kept.push({ path, text });
      return true;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      errors.add(`${e.message}; it was skipped`);
      return false;
    }
  };

  for (const file of files) {
    if (isZipName(file.name)) {
      readZip(file);
      continue;
    }
    if (!admit(file.name, file.bytes.length)) continue;
    if (!decode(file.name, file.bytes)) used -= file.bytes.length;
  }

  function readZip(file: UploadFile): void {
    const zipName = file.name;
    let hidden = 0;
    let refused = 0;
    const admitted = new Map<string, number>();
    const filter = (info: UnzipFileInfo): boolean => {
      const path = `${zipName}/${info.name}`;
      if (info.name.endsWith('/')) return false;
      if (isHiddenEntry(info.name)) {
        hidden++;
        return false;
      }
      refused++;
      const ext = extension(info.name);
      if (ARCHIVE_EXTENSIONS.has(ext)) {
        warnings.add(`"${path}": skipped, archives inside an archive are not opened`);
        return false;
      }
      if (BINARY_EXTENSIONS.has(ext)) {
        warnings.add(`"${path}": skipped, .${ext} files are not text`);
        return false;
      }
      const ratio = info.originalSize / Math.max(1, info.size);
      if (info.originalSize > limits.ratioFloorBytes && info.originalSize <= limits.maxFileBytes && ratio > limits.maxExpansionRatio) {
        errors.add(
          `"${path}" would expand ${count(Math.round(ratio))}× (${formatBytes(info.size)} to ${formatBytes(info.originalSize)}), ` +
            `over the ${limits.maxExpansionRatio}× bound for zip entries (a likely zip bomb); it was skipped`,
        );
        return false;
      }
      if (!admit(path, info.originalSize)) return false;
      refused--;
      admitted.set(info.name, info.originalSize);
      reserved++;
      return true;
    };
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(file.bytes, { filter });
    } catch (e) {
      for (const size of admitted.values()) used -= size;
      reserved -= admitted.size;
      errors.add(`"${zipName}" could not be read as a zip archive (${(e as Error).message}); it was skipped`);
      return;
    }
    reserved -= admitted.size;
    if (hidden) warnings.add(`"${zipName}": ${count(hidden)} hidden or macOS metadata entr${hidden === 1 ? 'y was' : 'ies were'} skipped`);
    // Object keys keep the archive's order (fflate inserts them as it walks the central directory).
    for (const [name, bytes] of Object.entries(entries)) {
      // Budget: the real size replaces the declared one; a file that fails to decode gives its share back.
      const declared = admitted.get(name) ?? 0;
      used += decode(`${zipName}/${name}`, bytes) ? bytes.length - declared : -declared;
    }
    if (admitted.size === 0 && hidden === 0 && refused === 0) errors.add(`"${zipName}" holds no files`);
  }

  // Summaries come after the per-file messages and are never cut by MAX_MESSAGES.
  const summary: string[] = [];
  if (overCount) summary.push(`only the first ${count(limits.maxFiles)} files of an upload are kept; ${count(overCount)} more were skipped`);
  if (files.length === 0) summary.push('no files were given');
  else if (kept.length === 0) summary.push('nothing in this upload could be used as text');

  const corpus: UserCorpus | null = kept.length
    ? { id: corpusId(kind, kept), name: corpusName(files, kept), kind, files: kept }
    : null;
  return { corpus, warnings: warnings.list(), errors: [...errors.list(), ...summary] };
}

/**
 * Which files are worth reading at all, from their sizes alone (before any bytes are read: a 2 GB file must
 * not be loaded to be refused). Plain files over the per-file limit and anything past the total budget are
 * refused with readUpload's wording; a zip counts its compressed size (it expands to at least that).
 */
export function preflight(
  files: readonly { name: string; size: number }[],
  options: ReadUploadOptions = {},
): { accepted: number[]; errors: string[] } {
  const limits: UploadLimits = { ...UPLOAD_LIMITS, ...options.limits };
  let used = options.alreadyUsedBytes ?? 0;
  const accepted: number[] = [];
  const errors = new MessageList();
  files.forEach((f, i) => {
    if (!isZipName(f.name) && f.size > limits.maxFileBytes) {
      errors.add(`"${f.name}" is ${formatBytes(f.size)}, over the ${formatBytes(limits.maxFileBytes)} limit per file; it was skipped`);
    } else if (used + f.size > limits.maxTotalBytes) {
      errors.add(
        `"${f.name}" (${formatBytes(f.size)}) was skipped: it would go over the ${formatBytes(limits.maxTotalBytes)} limit for all uploads together (${formatBytes(used)} used)`,
      );
    } else {
      used += f.size;
      accepted.push(i);
    }
  });
  return { accepted, errors: errors.list() };
}

/** One file uploaded: its name (a zip's own name too); one file kept of several: that file's name; else "N files". */
function corpusName(files: readonly UploadFile[], kept: readonly { path: string }[]): string {
  const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  if (files.length === 1) return base(files[0].name);
  if (kept.length === 1) return base(kept[0].path);
  return `${count(kept.length)} files`;
}

/**
 * The corpus id: `u` + FNV-1a 64-bit (http://www.isthe.com/chongo/tech/comp/fnv/) over the kind, then each file's
 * path and text, each preceded by its length so no two different lists give the same stream. Fed UTF-16 code
 * units rather than bytes (no encoding pass over up to 25 MB). Synchronous and dependency-free, so it works in
 * plain-http pages where SubtleCrypto is missing; 64 bits make a collision among a user's few corpora
 * negligible (~n²/2⁶⁵). Not a defence against someone crafting collisions: ids only name the user's own data.
 */
export function corpusId(kind: CorpusKind, files: readonly { path: string; text: string }[]): string {
  const h = new Fnv64();
  h.string(kind);
  h.unit(files.length & 0xffff);
  for (const f of files) {
    h.string(f.path);
    h.string(f.text);
  }
  return `u${h.hex()}`;
}

/** Tokens of a text or a corpus, as the models count them (the code tokenizer). */
export function countTokens(input: string | Pick<UserCorpus, 'files'>): number {
  if (typeof input === 'string') return tokenize(input).length;
  let n = 0;
  for (const f of input.files) n += tokenize(f.text).length;
  return n;
}

/** UTF-8 length of a string without encoding it (lone surrogates count 3, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Bytes of text of a corpus (UTF-8), the measure the limits use. */
export function corpusBytes(corpus: Pick<UserCorpus, 'files'>): number {
  let n = 0;
  for (const f of corpus.files) n += utf8Length(f.text);
  return n;
}

export function corpusStats(corpus: Pick<UserCorpus, 'files'>): CorpusStats {
  return { files: corpus.files.length, bytes: corpusBytes(corpus), tokens: countTokens(corpus) };
}
