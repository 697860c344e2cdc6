/// <reference lib="webworker" />
/**
 * Codegram's service worker: the site offline after one visit, and a new deployment only when the user says so.
 *
 * - install: download this deployment's precache (app shell, every bundled asset and worker, the default
 *   corpora) into a cache named by its version, revalidating with the server rather than trusting the HTTP
 *   cache; any failure fails the install (the old worker keeps serving) and removes the half-filled cache.
 * - waiting: a worker installed beside an active one waits until the page posts `skip-waiting`.
 * - activate: delete this scope's caches of other versions, then take control of open pages (on a first visit,
 *   so the page that installed it works offline without a reload).
 * - fetch: same-origin GETs in scope only. Precached → from this version's precache (never another version's:
 *   a page of one deployment never gets a file of the next); else from this version's runtime cache; else the
 *   network, keeping a whole 200 answer (files loaded on demand are cached at first use). A cached script is
 *   answered as a new Response made from its Blob (rewrapped, below); the page's opening scripts are read so as soon
 *   as the page itself is asked for (bootReads, below).
 *
 * The precache list is written in by the build (pwa/plugin.ts) as `__CODEGRAM_PRECACHE__`. Built as a classic
 * script (one IIFE), which every browser with service workers runs.
 */
import type { PageToWorker, Precache } from './protocol.ts';
import { ReadAhead, cacheNames, cacheableAtRuntime, entryUrl, gzipBeforeStoring, handles, precacheKey, staleCaches } from './precache.ts';

declare const __CODEGRAM_PRECACHE__: Precache;

const worker = self as unknown as ServiceWorkerGlobalScope;
const precache = __CODEGRAM_PRECACHE__;
const scope = worker.registration.scope;
const names = cacheNames(scope, precache.version);

/** A response the page may use for a navigation: a redirected one would be refused, so it is copied without the flag. */
async function unredirected(res: Response): Promise<Response> {
  if (!res.redirected) return res;
  return new Response(await res.blob(), { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** The response with its (inflated) body gzipped again, as the file was built; without the encoding headers. */
function gzipped(res: Response): Response {
  const headers = new Headers(res.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  const body = res.body!.pipeThrough(new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

async function install(): Promise<void> {
  const cache = await caches.open(names.precache);
  try {
    await Promise.all(
      precache.entries.map(async (entry) => {
        const url = entryUrl(entry, scope);
        if (await cache.match(url)) return; // an earlier, interrupted install of this version got it
        // no-cache: a file just fetched by the page costs a revalidation (304), and a stale HTTP cache cannot slip in.
        const res = await fetch(new Request(url, { cache: 'no-cache' }));
        if (!res.ok) throw new Error(`${entry.path}: HTTP ${res.status}`);
        await cache.put(url, await (gzipBeforeStoring(entry.path, res.headers.get('content-encoding')) ? gzipped(res) : unredirected(res)));
      }),
    );
  } catch (e) {
    await caches.delete(names.precache);
    throw e;
  }
}

async function activate(): Promise<void> {
  await Promise.all(staleCaches(await caches.keys(), scope, precache.version).map((n) => caches.delete(n)));
  await worker.clients.claim();
}

/** This version's precache, then its runtime cache; undefined when neither has it or Cache Storage fails (then the network answers). */
async function fromCaches(req: Request): Promise<Response | undefined> {
  try {
    const key = precacheKey(req.url, scope);
    const hit = key ? await (await caches.open(names.precache)).match(key) : undefined;
    return hit ?? (await (await caches.open(names.runtime)).match(req));
  } catch {
    return undefined;
  }
}

const isScript = (req: Request) => req.destination === 'script' || req.destination === 'worker' || new URL(req.url).pathname.endsWith('.js');

/**
 * A cached script, answered as a new Response made from the cached Blob rather than as Cache Storage's own Response.
 * Chromium (150) compiles a script served straight from Cache Storage once more at its first load from there, to keep
 * the compiled code beside the cache entry: 0.25 s of the page's thread right after the app mounts, on the first
 * reload after a visit (the app's 3.7 MB chunk). It never reads that code back for a module script, which it parses at
 * every load anyway (README, "First visit, reload and what is stored"). A new Response is not Cache Storage's, so
 * nothing is compiled for it or stored: the first reload is like every later one. From the Blob, not the body
 * stream: streamed through this worker, the chunk arrived 0.15–0.25 s later.
 */
async function rewrapped(cached: Response): Promise<Response> {
  return new Response(await cached.blob(), { status: cached.status, statusText: cached.statusText, headers: cached.headers });
}

/** A cached script as it is answered (rewrapped), or undefined when the caches lack it or fail. */
async function cachedScript(req: Request): Promise<Response | undefined> {
  const cached = await fromCaches(req);
  return cached ? rewrapped(cached).catch(() => undefined) : undefined;
}

/** The shell's opening scripts, read out of the cache as soon as the shell is asked for (precache.ts ReadAhead). */
const bootUrls = precache.boot.map((path) => entryUrl({ path }, scope));
const bootReads = new ReadAhead((url) => cachedScript(new Request(url)));

async function respond(event: FetchEvent): Promise<Response> {
  const req = event.request;
  if (req.mode === 'navigate' && precacheKey(req.url, scope) === scope) bootReads.start(bootUrls);
  const early = bootReads.take(req.url);
  if (early) {
    const answer = await early;
    if (answer) return answer;
  }
  const cached = await fromCaches(req);
  if (cached) return isScript(req) ? rewrapped(cached) : cached;
  const res = await fetch(req);
  const facts = { method: req.method, url: req.url, range: req.headers.has('range'), cache: req.cache };
  if (cacheableAtRuntime(facts, res, scope)) {
    const copy = res.clone();
    event.waitUntil(caches.open(names.runtime).then((runtime) => runtime.put(req, copy)).catch(() => {})); // full or unavailable storage: not kept, still answered
  }
  return res;
}

worker.addEventListener('install', (event) => event.waitUntil(install()));
worker.addEventListener('activate', (event) => event.waitUntil(activate()));
worker.addEventListener('fetch', (event) => {
  if (handles(event.request, scope)) event.respondWith(respond(event));
});
worker.addEventListener('message', (event: ExtendableMessageEvent) => {
  const message = event.data as PageToWorker;
  switch (message?.type) {
    case 'skip-waiting':
      event.waitUntil(worker.skipWaiting());
      break;
  }
});
