/** Small in-memory corpora served through the same CorpusAccess contract the browser uses, and the worker service driven as the page drives it. */
import { gunzipSync } from 'node:zlib';
import type { CorpusAccess } from '../../src/build/access.ts';
import type { QuickSizes } from '../../src/build/settings.ts';
import { encodeBundle, type CorpusLang, type CorpusRecord } from '../../src/corpus/bundle.ts';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type CorporaManifest, type CorpusEntry } from '../../src/corpus/manifest.ts';
import type { CorpusKind } from '../../src/corpus/types.ts';
import { seededRandom } from '../../src/lm/random.ts';
import type { Reply, Request } from '../../src/worker/protocol.ts';
import type { ModelService } from '../../src/worker/service.ts';

/** Every reply to one request, up to and including its final one. */
export async function call(service: ModelService, req: Request): Promise<Reply[]> {
  const replies: Reply[] = [];
  await service.handle(req, (r) => replies.push(r));
  return replies;
}

/** The final reply of a request (the last one), typed by what it should be; fails the test with the error otherwise. */
export function last<T extends Reply['type']>(replies: Reply[], type: T): Extract<Reply, { type: T }> {
  const r = replies[replies.length - 1];
  if (r?.type !== type) throw new Error(`expected a "${type}" reply, got ${JSON.stringify(r)?.slice(0, 300)}`);
  return r as Extract<Reply, { type: T }>;
}

/** A manifest entry with the fields the pipeline reads; the counts are those of `bytes`. */
export function corpusEntry(id: CorpusLang, kind: CorpusKind, file: string, sha256: string, bytes: Uint8Array): CorpusEntry {
  return {
    id,
    kind,
    language: id,
    file,
    license: 'MIT',
    sources: [],
    dropped: [],
    files: 0,
    textBytes: 0,
    gzipBytes: bytes.length,
    sha256,
    tokens: 0,
    tokenizer: 'code',
    split: { rule: 'test', heldOutPaths: [], trainFiles: 0, heldOutFiles: 0, trainBytes: 0, heldOutBytes: 0 },
  };
}

export function manifestOf(corpora: CorpusEntry[]): CorporaManifest {
  return { format: MANIFEST_FORMAT, formatVersion: MANIFEST_VERSION, recipeHash: 'test', corpora };
}

const ENGLISH = [
  'The cat sat on the mat and the dog sat on the log.',
  'A man walked to the store to buy some bread and milk for the family.',
  'The weather was cold, and the children played in the snow until dark.',
  'She read the letter twice before she put it back in the drawer.',
];

const CODE = [
  'def add(a, b):\n    return a + b\n',
  'def total(items):\n    result = 0\n    for item in items:\n        result = result + item\n    return result\n',
  'function add(a, b) {\n  return a + b;\n}\n',
  'const total = items.reduce((a, b) => a + b, 0);\nexport default total;\n',
  'export function count(list: number[]): number {\n  return list.length;\n}\n',
];

/** `n` documents of each kind, varied with a seeded generator so models have some substance. */
export function smallRecords(n = 12, seed = 1): { english: CorpusRecord[]; code: CorpusRecord[] } {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const english: CorpusRecord[] = [];
  const code: CorpusRecord[] = [];
  for (let i = 0; i < n; i++) {
    english.push({ path: `en/${i}`, lang: 'english', split: i % 5 === 4 ? 'heldout' : 'train', text: Array.from({ length: 6 }, () => pick(ENGLISH)).join(' ') });
    code.push({ path: `py/${i}`, lang: 'python', split: i % 4 === 3 ? 'heldout' : 'train', text: Array.from({ length: 5 }, () => pick(CODE)).join('\n') });
  }
  return { english, code };
}

/** Random word soup, large enough for a build to take a good fraction of a second. */
export function largeRecords(tokens: number, seed = 2): { english: CorpusRecord[]; code: CorpusRecord[] } {
  const random = seededRandom(seed);
  const words = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}`);
  const doc = (n: number) => Array.from({ length: n }, () => words[Math.floor(random() ** 2 * words.length)]).join(' ');
  const perDoc = 2000;
  const docs = Math.ceil(tokens / perDoc);
  return {
    english: Array.from({ length: docs }, (_, i) => ({ path: `en/${i}`, lang: 'english' as const, split: 'train' as const, text: doc(perDoc) })),
    code: Array.from({ length: docs }, (_, i) => ({ path: `py/${i}`, lang: 'python' as const, split: i % 10 === 9 ? ('heldout' as const) : ('train' as const), text: doc(perDoc) })),
  };
}

/**
 * Quick-model sizes for small test corpora: 1/`share` of the English, of the Python and of the held-out Python
 * (settings.ts QUICK_SIZES is for the site's corpora, which hold far more than these).
 */
export function quickSizesOf(corpora: { english: CorpusRecord[]; code: CorpusRecord[] }, share = 8): QuickSizes {
  const chars = (rs: CorpusRecord[]) => rs.reduce((a, r) => a + r.text.length, 0);
  const python = corpora.code.filter((r) => r.lang === 'python');
  return {
    english: chars(corpora.english.filter((r) => r.split === 'train')) / share,
    code: chars(python.filter((r) => r.split === 'train')) / share,
    fit: chars(python.filter((r) => r.split === 'heldout')) / share,
  };
}

/**
 * `perLanguage`: each code language in a file of its own, as the site's corpora are (else all code in python's).
 * `serve`: the size of the chunks handed out, and whether the files come inflated (see below).
 */
export function memoryAccess(
  corpora: { english: CorpusRecord[]; code: CorpusRecord[] },
  sha = 'v1',
  perLanguage = false,
  serve: { chunkBytes?: number; inflated?: boolean } = {},
): CorpusAccess & { opened: string[]; bytes: Record<string, number>; pulled: Record<string, number> } {
  const files: Record<string, Uint8Array> = { 'english.jsonl.gz': encodeBundle(corpora.english) };
  const entries = [corpusEntry('english', 'general', 'english.jsonl.gz', `en-${sha}`, files['english.jsonl.gz'])];
  for (const lang of perLanguage ? (['python', 'javascript', 'typescript'] as const) : (['python'] as const)) {
    const file = `${lang}.jsonl.gz`;
    files[file] = encodeBundle(perLanguage ? corpora.code.filter((r) => r.lang === lang) : corpora.code);
    entries.push(corpusEntry(lang, 'code', file, `${lang}-${sha}`, files[file]));
  }
  const manifest = manifestOf(entries);
  const opened: string[] = [];
  /** Each file's size as served, and how much of it has been handed out. */
  const sizes = Object.fromEntries(Object.entries(files).map(([f, b]) => [f, serve.inflated ? gunzipSync(b).length : b.length]));
  const pulled: Record<string, number> = {};
  return {
    opened,
    bytes: sizes,
    pulled,
    manifest: async () => manifest,
    open: async (file) => {
      opened.push(file);
      const stored = files[file];
      if (!stored) throw new Error(`no such corpus file ${file}`);
      // `inflated`: as a server that sends the .gz with Content-Encoding: gzip, which the browser inflates.
      const bytes = serve.inflated ? gunzipSync(stored) : stored;
      const chunkBytes = serve.chunkBytes ?? 4096;
      // Hand the bytes over in small chunks, as a network response would.
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(at, at + chunkBytes));
          at = Math.min(bytes.length, at + chunkBytes);
          pulled[file] = at;
        },
      });
    },
  };
}

const PYTHON = [
  'def reverse(text):\n    return text[::-1]\n',
  'def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return result\n',
  'import os\n\ndef main():\n    print(os.getcwd())\n',
];
const JAVASCRIPT = [
  'function reverse(text) {\n  return text.split("").reverse().join("");\n}\n',
  'const total = items.reduce((a, b) => a + b, 0);\nconsole.log(total);\n',
  'export function main() {\n  console.log(process.cwd());\n}\n',
];
const TYPESCRIPT = [
  'export function reverse(text: string): string {\n  return [...text].reverse().join("");\n}\n',
  'interface Item {\n  price: number;\n}\nexport const total = (items: Item[]): number => items.length;\n',
];

/**
 * `n` code files of each language (python/…py, javascript/…js, typescript/…ts, with that `lang`), every fourth held
 * out, plus `n` English documents: for the per-language models.
 */
export function languageRecords(n = 12, seed = 1): { english: CorpusRecord[]; code: CorpusRecord[] } {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const { english } = smallRecords(n, seed);
  const code: CorpusRecord[] = [];
  for (const [lang, ext, snippets] of [['python', 'py', PYTHON], ['javascript', 'js', JAVASCRIPT], ['typescript', 'ts', TYPESCRIPT]] as const) {
    for (let i = 0; i < n; i++) {
      code.push({ path: `${lang}/f${i}.${ext}`, lang, split: i % 4 === 3 ? 'heldout' : 'train', text: Array.from({ length: 4 }, () => pick(snippets)).join('\n') });
    }
  }
  return { english, code };
}

/** Rewrites file `index` of a stored model-cache record (Blobs as the cache writes them), to damage it on purpose. */
export async function rewriteCachedFile(record: unknown, index: number, change: (bytes: ArrayBuffer) => ArrayBuffer | void): Promise<void> {
  const files = (record as { files: (Blob | ArrayBuffer)[] }).files;
  const f = files[index];
  const bytes = f instanceof ArrayBuffer ? f : await f.arrayBuffer();
  files[index] = new Blob([change(bytes) ?? bytes]);
}
