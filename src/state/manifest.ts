/** The default corpora's manifest, fetched once from beside the site (written by corpora/build.ts). */
import type { Manifest } from '../../corpora/build.ts';
import type { CorpusKind } from '../worker/protocol.ts';

let pending: Promise<Manifest> | null = null;

export function loadManifest(): Promise<Manifest> {
  pending ??= fetch(new URL('corpora/manifest.json', document.baseURI)).then((r) => {
    if (!r.ok) throw new Error(`corpora/manifest.json: HTTP ${r.status} (run npm run corpora)`);
    return r.json() as Promise<Manifest>;
  });
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

export function defaultCorpora(manifest: Manifest): DefaultCorpus[] {
  return (['general', 'code'] as const).map((kind) => {
    const of = manifest.corpora.filter((c) => c.kind === kind);
    return {
      kind,
      label: kind === 'general' ? 'English (Brown corpus)' : `Code: ${of.map((c) => (c.id === 'instructions' ? 'instruction examples (ours)' : c.language)).join(', ')}`,
      files: of.reduce((s, c) => s + c.files, 0),
      bytes: of.reduce((s, c) => s + c.textBytes, 0),
      tokens: of.reduce((s, c) => s + c.tokens, 0),
    };
  });
}
