/** The service worker's decisions (src/sw/precache.ts): cache names per scope and version, precache keys, what is cached at first use. */
import { describe, expect, it } from 'vitest';
import { cacheableAtRuntime, cacheNames, entryUrl, gzipBeforeStoring, handles, precacheKey, ReadAhead, staleCaches, type RequestFacts } from '../../src/sw/precache.ts';

const SCOPE = 'https://h.example/a/';

describe('cache names', () => {
  it('carry the scope path and the version', () => {
    expect(cacheNames(SCOPE, 'v1')).toEqual({ prefix: 'codegram:/a/:', precache: 'codegram:/a/:precache:v1', runtime: 'codegram:/a/:runtime:v1' });
    expect(cacheNames('https://h.example/', 'v1').precache).toBe('codegram:/:precache:v1');
  });

  it('an activating worker deletes its scope’s other versions only', () => {
    const existing = [
      'codegram:/a/:precache:v0',
      'codegram:/a/:runtime:v0',
      'codegram:/a/:precache:v1',
      'codegram:/a/:runtime:v1',
      'codegram:/b/:precache:v0', // another copy of the site, in another folder of the host
      'codegram:/a/b/:precache:v0', // a copy in a subfolder: its prefix differs too
      'someone-else',
    ];
    expect(staleCaches(existing, SCOPE, 'v1')).toEqual(['codegram:/a/:precache:v0', 'codegram:/a/:runtime:v0']);
  });
});

describe('precache keys', () => {
  it('download the shell as the folder and every other entry as its file', () => {
    expect(entryUrl({ path: 'index.html' }, SCOPE)).toBe('https://h.example/a/');
    expect(entryUrl({ path: 'assets/index-Ab.js' }, SCOPE)).toBe('https://h.example/a/assets/index-Ab.js');
    expect(entryUrl({ path: 'corpora/english.jsonl.gz' }, SCOPE)).toBe('https://h.example/a/corpora/english.jsonl.gz');
  });

  it('answer the folder and its index.html, with any query or hash, with the shell', () => {
    for (const url of ['https://h.example/a/', 'https://h.example/a/index.html', 'https://h.example/a/?utm=x', 'https://h.example/a/#t=def%20f', 'https://h.example/a/index.html?x#y']) {
      expect(precacheKey(url, SCOPE)).toBe('https://h.example/a/');
    }
  });

  it('match other files exactly, without the hash; nothing outside the scope', () => {
    expect(precacheKey('https://h.example/a/assets/x.js#frag', SCOPE)).toBe('https://h.example/a/assets/x.js');
    expect(precacheKey('https://h.example/a/assets/x.js?v=2', SCOPE)).toBe('https://h.example/a/assets/x.js?v=2');
    expect(precacheKey('https://h.example/b/assets/x.js', SCOPE)).toBeNull();
    expect(precacheKey('https://other.example/a/assets/x.js', SCOPE)).toBeNull();
  });
});

describe('which requests the worker answers and caches at first use', () => {
  const get = (url: string, extra: Partial<RequestFacts> = {}): RequestFacts => ({ method: 'GET', url, range: false, cache: 'default', ...extra });
  const ok = { status: 200, type: 'basic' as ResponseType, redirected: false };

  it('answers same-origin GETs in its scope only', () => {
    expect(handles(get('https://h.example/a/pyodide/pyodide.asm.wasm'), SCOPE)).toBe(true);
    expect(handles({ method: 'POST', url: 'https://h.example/a/x' }, SCOPE)).toBe(false);
    expect(handles(get('https://cdn.example/a/x.js'), SCOPE)).toBe(false);
    expect(handles(get('https://h.example/elsewhere/x.js'), SCOPE)).toBe(false);
  });

  it('keeps a whole 200 same-origin answer', () => {
    expect(cacheableAtRuntime(get('https://h.example/a/parsers/python.wasm'), ok, SCOPE)).toBe(true);
  });

  it('never keeps errors, partial or opaque answers, redirects, ranges or no-store requests', () => {
    const url = 'https://h.example/a/parsers/python.wasm';
    expect(cacheableAtRuntime(get(url), { ...ok, status: 404 }, SCOPE)).toBe(false);
    expect(cacheableAtRuntime(get(url), { ...ok, status: 500 }, SCOPE)).toBe(false);
    expect(cacheableAtRuntime(get(url), { ...ok, status: 206 }, SCOPE)).toBe(false);
    expect(cacheableAtRuntime(get(url), { ...ok, status: 0, type: 'opaque' }, SCOPE)).toBe(false);
    expect(cacheableAtRuntime(get(url), { ...ok, type: 'cors' }, SCOPE)).toBe(false);
    expect(cacheableAtRuntime(get(url), { ...ok, redirected: true }, SCOPE)).toBe(false);
    expect(cacheableAtRuntime(get(url, { range: true }), ok, SCOPE)).toBe(false);
    expect(cacheableAtRuntime(get(url, { cache: 'no-store' }), ok, SCOPE)).toBe(false);
    expect(cacheableAtRuntime(get('https://cdn.example/x.js'), ok, SCOPE)).toBe(false);
  });
});

describe('precached files sent content-encoded', () => {
  it('are gzipped again before storing when they are .gz files, and stored as sent otherwise', () => {
    expect(gzipBeforeStoring('corpora/english.jsonl.gz', 'gzip')).toBe(true);
    expect(gzipBeforeStoring('corpora/english.jsonl.gz', 'br')).toBe(true);
    expect(gzipBeforeStoring('corpora/english.jsonl.gz', null)).toBe(false); // sent as built: stored as it is
    expect(gzipBeforeStoring('corpora/english.jsonl.gz', 'identity')).toBe(false);
    expect(gzipBeforeStoring('assets/App-x.js', 'gzip')).toBe(false); // inflated by the browser, as the page wants it
  });
});

describe('reads started ahead', () => {
  it('start one read per URL, each taken once by its request; a URL not started is read by its request', async () => {
    const reads: string[] = [];
    const ahead = new ReadAhead(async (url: string) => {
      reads.push(url);
      return `body of ${url}`;
    });
    ahead.start(['https://h.example/a/assets/index-Ab.js', 'https://h.example/a/assets/App-Cd.js']);
    expect(reads).toEqual(['https://h.example/a/assets/index-Ab.js', 'https://h.example/a/assets/App-Cd.js']);
    expect(await ahead.take('https://h.example/a/assets/App-Cd.js')).toBe('body of https://h.example/a/assets/App-Cd.js');
    expect(ahead.take('https://h.example/a/assets/App-Cd.js')).toBeUndefined(); // taken: the next request reads it itself
    expect(ahead.take('https://h.example/a/assets/other.js')).toBeUndefined();
    expect(reads).toHaveLength(2);
  });

  it('drop what an earlier start left untaken', async () => {
    const ahead = new ReadAhead(async (url: string) => url.length);
    ahead.start(['https://h.example/a/x.js']);
    ahead.start(['https://h.example/a/y.js']);
    expect(ahead.take('https://h.example/a/x.js')).toBeUndefined();
    expect(await ahead.take('https://h.example/a/y.js')).toBe('https://h.example/a/y.js'.length);
  });
});
