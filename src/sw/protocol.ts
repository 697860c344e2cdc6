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
 * The precache a build writes into its service worker: one deployment's files and their SHA-256. The hashes
 * make the version (any changed byte, a new sw.js, hence an update); they are not checked on download
 * (`fetch(…, { integrity })`): a host may send a file content-encoded (Vite's own preview server sends the
 * `.gz` corpora with `Content-Encoding: gzip`), and integrity applies to the decoded body, so the install would
 * fail on such a host for good.
 */
export interface Precache {
  /** Short content hash of the whole list: a new deployment gets a new version, hence new cache names. */
  version: string;
  entries: PrecacheEntry[];
  /**
   * Paths of the scripts the shell loads as it opens (its module script and module preloads), each one of `entries`:
   * the worker starts reading them out of the cache when the shell is asked for (precache.ts ReadAhead).
   */
  boot: string[];
}

export interface PrecacheEntry {
  /** Path relative to the site's folder, e.g. `assets/index-Ab12.js`, `corpora/english.jsonl.gz`, `index.html`. */
  path: string;
  /** SHA-256 of the file as built, hex. */
  sha256: string;
  bytes: number;
}
