/**
 * The service worker's decisions, as pure functions of URLs and a few fields (no `caches`, no `fetch`), so they
 * are tested in Node: which cache names belong to which deployment, which URL a request finds in the precache,
 * and what may be cached when it is first fetched.
 */
import type { PrecacheEntry } from './protocol.ts';

/** The page itself; precached under the folder's own URL (`./`), the URL a visitor opens. */
export const SHELL = 'index.html';

const PREFIX = 'codegram';

/**
 * Cache names of one deployment. Cache Storage is shared by the whole origin, so the names carry the scope's
 * path too: two copies of the site in two folders of one host never delete each other's caches.
 *
 * cacheNames('https://h.example/a/', 'v1') →
 *   { prefix: 'codegram:/a/:', precache: 'codegram:/a/:precache:v1', runtime: 'codegram:/a/:runtime:v1' }
 */
export function cacheNames(scope: string, version: string): { prefix: string; precache: string; runtime: string } {
  const prefix = `${PREFIX}:${new URL(scope).pathname}:`;
  return { prefix, precache: `${prefix}precache:${version}`, runtime: `${prefix}runtime:${version}` };
}

/**
 * The caches an activating worker deletes: this scope's caches of other versions. The runtime cache goes with
 * its version: a file loaded on demand may change at the same URL in the next deployment.
 */
export function staleCaches(existing: readonly string[], scope: string, version: string): string[] {
  const names = cacheNames(scope, version);
  return existing.filter((n) => n.startsWith(names.prefix) && n !== names.precache && n !== names.runtime);
}

/** The URL an entry is downloaded from and stored under: the shell as the folder (`…/a/`), the rest as files. */
export function entryUrl(entry: Pick<PrecacheEntry, 'path'>, scope: string): string {
  return entry.path === SHELL ? new URL('./', scope).href : new URL(entry.path, scope).href;
}

/**
 * The precache URL that answers a request, or null. The folder and its `index.html` are the shell, whatever
 * their query (a link's state lives in the hash, which never reaches the worker); any other URL matches
 * exactly, without its hash.
 */
export function precacheKey(requestUrl: string, scope: string): string | null {
  const url = new URL(requestUrl);
  const base = new URL(scope);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return null;
  if (url.pathname === base.pathname || url.pathname === base.pathname + SHELL) return base.href;
  url.hash = '';
  return url.href;
}

/** The parts of a request the worker decides on. */
export interface RequestFacts {
  method: string;
  url: string;
  /** The request asks for part of a file (`Range` header): passed through, never cached. */
  range: boolean;
  /** `Request.cache`: `no-store` means the page does not want it kept. */
  cache: RequestCache;
}

/** Whether the worker answers a request at all: same-origin GETs inside its scope. Everything else goes to the network untouched. */
export function handles(req: Pick<RequestFacts, 'method' | 'url'>, scope: string): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url);
  const base = new URL(scope);
  return url.origin === base.origin && url.pathname.startsWith(base.pathname);
}

/**
 * Whether a response fetched for a request not in the precache is kept for next time (cache first afterwards):
 * a whole, successful, same-origin answer only. Errors (404, 500), partial content (206), redirects and opaque
 * or CORS responses are passed on and never cached.
 */
export function cacheableAtRuntime(req: RequestFacts, res: { status: number; type: ResponseType; redirected: boolean }, scope: string): boolean {
  return handles(req, scope) && !req.range && req.cache !== 'no-store' && res.status === 200 && res.type === 'basic' && !res.redirected;
}

/**
 * Whether a precached file must be compressed again before it is stored: a `.gz` file the host sent with a
 * Content-Encoding (Vite's preview server does) reaches the service worker already inflated, and stored so it
 * would take three times its size (the corpora: 16 MB instead of 4.7). Gzip again, it is stored as built, and the
 * corpus reader takes gzip or not alike (build/access.ts).
 */
export function gzipBeforeStoring(path: string, contentEncoding: string | null): boolean {
  return path.endsWith('.gz') && contentEncoding !== null && contentEncoding.trim() !== '' && contentEncoding.trim().toLowerCase() !== 'identity';
}

/**
 * Reads started ahead of the requests that will want them, each taken once: the worker starts reading the shell's
 * opening scripts out of the cache when the shell is asked for (`start`), and each script's request takes its read
 * (`take`) instead of starting one. On a reload just after a visit, the app's 3.7 MB chunk came 85–170 ms after its
 * request, nearly all of it Cache Storage finding the entry and its Blob: the page's HTML arrives and is parsed
 * meanwhile, and with the read started at the shell's request the chunk came about 20 ms after its own, and was
 * parsed that much sooner (README, "Offline and installing"). A read nobody takes (a navigation that loads
 * nothing) is dropped at the next `start`.
 */
export class ReadAhead<T> {
  private pending = new Map<string, Promise<T>>();

  constructor(private readonly read: (url: string) => Promise<T>) {}

  /** Starts reading each of `urls`, dropping the reads an earlier `start` left untaken. */
  start(urls: readonly string[]): void {
    this.pending = new Map(urls.map((u) => [u, this.read(u)]));
  }

  /** The read started for `url` and not yet taken, or undefined: then the caller reads it itself. */
  take(url: string): Promise<T> | undefined {
    const read = this.pending.get(url);
    this.pending.delete(url);
    return read;
  }
}
