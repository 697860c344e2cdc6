/**
 * The corpus bundle format: JSON Lines, one record per source file, gzip-compressed.
 *
 *   {"path":"brown/ca01","lang":"english","split":"train","text":"The Fulton County …"}
 *
 * Records appear in a fixed order (sorted by path, code-unit order), so the same inputs always give the same
 * bytes. Pure TypeScript on top of fflate: the build script, the CLI and the browser worker all use it.
 */
import { gunzipSync, gzipSync, strFromU8, strToU8 } from 'fflate';

/** `instructions`: our own prompt-and-answer examples (Python, JavaScript, TypeScript), a corpus of its own. */
export const CORPUS_LANGS = ['english', 'python', 'javascript', 'typescript', 'instructions'] as const;
export type CorpusLang = (typeof CORPUS_LANGS)[number];

export const SPLITS = ['train', 'heldout'] as const;
export type Split = (typeof SPLITS)[number];

/** One source file of a corpus. `text` uses \n line endings. */
export interface CorpusRecord {
  path: string;
  lang: CorpusLang;
  split: Split;
  text: string;
}

/** Code-unit comparison: unlike localeCompare it gives the same order on every machine and locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One JSON object per line, keys in a fixed order, a final newline. Does not reorder the records. */
export function serializeBundle(records: readonly CorpusRecord[]): string {
  let out = '';
  for (const r of records) {
    out += JSON.stringify({ path: r.path, lang: r.lang, split: r.split, text: r.text }) + '\n';
  }
  return out;
}

/**
 * Parses JSON Lines text back into records, checking every field so a damaged or foreign file fails here,
 * with the line number, and not later in training.
 */
export function parseBundle(jsonl: string, source = 'bundle'): CorpusRecord[] {
  const records: CorpusRecord[] = [];
  const lines = jsonl.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${source}: line ${i + 1} is not JSON (starts with ${JSON.stringify(line.slice(0, 20))})`);
    }
    records.push(checkRecord(value, `${source}: line ${i + 1}`));
  }
  return records;
}

function checkRecord(value: unknown, where: string): CorpusRecord {
  if (typeof value !== 'object' || value === null) throw new Error(`${where}: expected an object`);
  const v = value as Record<string, unknown>;
  const { path, lang, split, text } = v;
  if (typeof path !== 'string' || path === '') throw new Error(`${where}: "path" must be a non-empty string`);
  if (typeof lang !== 'string' || !(CORPUS_LANGS as readonly string[]).includes(lang)) {
    throw new Error(`${where}: "lang" must be one of ${CORPUS_LANGS.join(', ')}, got ${JSON.stringify(lang)}`);
  }
  if (typeof split !== 'string' || !(SPLITS as readonly string[]).includes(split)) {
    throw new Error(`${where}: "split" must be "train" or "heldout", got ${JSON.stringify(split)}`);
  }
  if (typeof text !== 'string') throw new Error(`${where}: "text" must be a string`);
  return { path, lang: lang as CorpusLang, split: split as Split, text };
}

/**
 * Gzip with a fixed header (mtime 0, no file name), so equal input gives equal bytes. Level 9: the files are
 * built once and downloaded many times.
 */
export function gzipDeterministic(data: Uint8Array): Uint8Array {
  return gzipSync(data, { level: 9, mtime: 0 });
}

export function encodeBundle(records: readonly CorpusRecord[]): Uint8Array {
  return gzipDeterministic(strToU8(serializeBundle(records)));
}

export function decodeBundle(gz: Uint8Array, source = 'bundle'): CorpusRecord[] {
  if (gz.length < 2 || gz[0] !== 0x1f || gz[1] !== 0x8b) {
    throw new Error(`${source}: not a gzip file (expected bytes 1f 8b at the start)`);
  }
  return parseBundle(strFromU8(gunzipSync(gz)), source);
}
