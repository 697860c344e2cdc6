/**
 * The default corpora's manifest, fetched once from beside the site (written by corpora/build.ts) and checked
 * by corpus/manifest.ts like any other input, never cast: a stale deployment gets a message that names the file.
 */
import { checkManifest, type CorporaManifest } from '../corpus/manifest.ts';
import type { CorpusKind } from '../corpus/types.ts';

export const MANIFEST_PATH = 'corpora/manifest.json';

/** Fetches and checks the manifest at `url`; rejects with a message naming the file. */
export async function fetchManifest(url: string | URL, fetcher: typeof fetch = fetch): Promise<CorporaManifest> {
  const r = await fetcher(url);
  if (!r.ok) throw new Error(`${MANIFEST_PATH}: HTTP ${r.status} (run npm run corpora)`);
  return checkManifest(await r.json(), MANIFEST_PATH);
}

let pending: Promise<CorporaManifest> | null = null;

/** The page's manifest, fetched once. */
export function loadManifest(): Promise<CorporaManifest> {
  pending ??= fetchManifest(new URL(MANIFEST_PATH, document.baseURI));
  return pending;
}

/** One line of the corpus list for the defaults of a kind: all its corpora together. */
export interface DefaultCorpus {
  kind: CorpusKind;
  label: string;
  files: number;
  bytes: number;
  tokens: number;
}

/** How a default corpus is named in lists. */
export function corpusLabel(c: { id: string; language: string }): string {
  return c.id === 'instructions' ? 'instruction examples (ours)' : c.language;
}

export function defaultCorpora(manifest: CorporaManifest): DefaultCorpus[] {
  return (['general', 'code'] as const).map((kind) => {
    const of = manifest.corpora.filter((c) => c.kind === kind);
    return {
      kind,
      label: kind === 'general' ? 'English (Brown corpus)' : `Code: ${of.map(corpusLabel).join(', ')}`,
      files: of.reduce((s, c) => s + c.files, 0),
      bytes: of.reduce((s, c) => s + c.textBytes, 0),
      tokens: of.reduce((s, c) => s + c.tokens, 0),
    };
  });
}
