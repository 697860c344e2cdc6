/** The default corpora's manifest, fetched once from beside the site (written by corpora/build.ts). */
import type { Manifest } from '../../corpora/build.ts';

let pending: Promise<Manifest> | null = null;

export function loadManifest(): Promise<Manifest> {
  pending ??= fetch(new URL('corpora/manifest.json', document.baseURI)).then((r) => {
    if (!r.ok) throw new Error(`corpora/manifest.json: HTTP ${r.status} (run npm run corpora)`);
    return r.json() as Promise<Manifest>;
  });
  return pending;
}
