/**
 * What the page and the service worker say to each other (types only; both sides import it). The page speaks
 * first and only once per update: the waiting worker is told to take over when the user chooses to.
 */

/** Page → waiting service worker: activate now (the user pressed "Reload to update"). */
export interface SkipWaiting {
  type: 'skip-waiting';
}

export type PageToWorker = SkipWaiting;

/**
 * The precache a build writes into its service worker: one deployment's files, each with the SHA-256 the
 * browser checks when it downloads it (`fetch(…, { integrity })`), so a worker never caches a file of another
 * deployment under its own version.
 */
export interface Precache {
  /** Short content hash of the whole list: a new deployment gets a new version, hence new cache names. */
  version: string;
  entries: PrecacheEntry[];
}

export interface PrecacheEntry {
  /** Path relative to the site's folder, e.g. `assets/index-Ab12.js`, `corpora/english.jsonl.gz`, `index.html`. */
  path: string;
  /** Subresource-integrity string, `sha256-<base64>`. */
  integrity: string;
  bytes: number;
}
