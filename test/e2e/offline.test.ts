/**
 * Offline after one visit, and clean updates (src/sw/, pwa/, src/state/app-update.svelte.ts), in Chromium:
 * 1. a first visit in a fresh profile installs the service worker, which precaches the site and the corpora and
 *    takes control of the page; the site is installable (Chromium's own check);
 * 2. with the preview server stopped (the browser's offline switch would not cover the worker's own fetches),
 *    a reload opens the page, the models get ready and a completion appears; the model worker reads the corpora
 *    from the precache (so it could retrain offline);
 * 3. a second deployment on the same origin and port (the first one's files with another page title, its sw.js
 *    written by the same functions the build uses) installs beside the first, the page says a new version is
 *    available, and the button, pressed from the keyboard, reloads the page once into the new version, whose
 *    caches are then the only ones left.
 * Along the way, a file of the site's folder that is not in the precache (as a parser loaded on demand would be)
 * is kept at its first use and answers offline; a 404 is not kept.
 * One build, served from two folders: a second `vite build` would add about 15 s.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { build, preview, type PreviewServer } from 'vite';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceWorker } from '../../pwa/plugin.ts';
import { bootScripts, precacheOf, SERVICE_WORKER_FILE } from '../../pwa/precache-list.ts';
import { SANDBOX_FOLDER } from '../../src/sandbox/files.ts';
import { ARTIFACTS, freePort, openBrowser, setEditorText, type Browser } from './harness.ts';

const READY = 120_000;
/** Each test waits for the models at most once (READY) plus a service worker install or update. */
const TEST_TIMEOUT = 240_000;
const TITLE_B = 'Codegram (second deployment)';
/** A file served beside the site but not in its precache, fetched by the page as an on-demand asset would be. */
const ON_DEMAND = 'on-demand/parser.txt';

let dirA: string;
let dirB: string;
let port: number;
let url: string;
let server: PreviewServer | null = null;
let browser: Browser;
const figures: Record<string, unknown> = {};

const serve = async (outDir: string) =>
  (server = await preview({ logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true } }));

/** The files a build's precache lists: all but sw.js and the code sandbox's (written beside the bundle, cached at first use). */
const precachedOf = (files: string[]) => files.filter((f) => f !== SERVICE_WORKER_FILE && !f.startsWith(SANDBOX_FOLDER));

function filesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesOf(p).map((f) => `${name}/${f}`) : [name];
  });
}

/**
 * Fetches a path from the page: its status and text, or the error. Not accepting HTML, as a script or parser
 * fetch does: Vite's preview server answers any path that accepts HTML with index.html (its SPA fallback).
 */
const fetchFromPage = (page: Browser['page'], path: string) =>
  page.evaluate(async (p) => {
    try {
      const r = await fetch(p, { headers: { Accept: 'text/plain' } });
      return { status: r.status, text: await r.text() };
    } catch (e) {
      return { error: (e as Error).name };
    }
  }, path);

/** Caches of this origin and how many entries each holds, from the page. */
const cacheContents = (page: Browser['page']) =>
  page.evaluate(async () => Promise.all((await caches.keys()).map(async (name) => ({ name, entries: (await (await caches.open(name)).keys()).length }))));

beforeAll(async () => {
  dirA = mkdtempSync(join(tmpdir(), 'codegram-offline-a-'));
  await build({ logLevel: 'warn', build: { outDir: dirA, emptyOutDir: true } });
  // The second deployment: the same files, another title, and its own service worker with its own precache.
  dirB = mkdtempSync(join(tmpdir(), 'codegram-offline-b-'));
  cpSync(dirA, dirB, { recursive: true });
  const index = join(dirB, 'index.html');
  writeFileSync(index, readFileSync(index, 'utf8').replace(/<title>[^<]*<\/title>/, `<title>${TITLE_B}</title>`));
  const precache = precacheOf(
    precachedOf(filesOf(dirB)),
    (p) => readFileSync(join(dirB, p)),
    bootScripts(readFileSync(index, 'utf8')),
  );
  writeFileSync(join(dirB, SERVICE_WORKER_FILE), await buildServiceWorker(process.cwd(), precache));
  figures.versionB = precache.version;
  figures.precache = { files: precache.entries.length, bytes: precache.entries.reduce((n, e) => n + e.bytes, 0) };
  mkdirSync(join(dirA, 'on-demand'));
  writeFileSync(join(dirA, ON_DEMAND), 'loaded when first needed\n');
  port = await freePort();
  url = `http://127.0.0.1:${port}/`;
  await serve(dirA);
  browser = await openBrowser();
}, 240_000);

afterAll(async () => {
  writeFileSync(`${ARTIFACTS}/e2e-offline-figures.json`, JSON.stringify(figures, null, 2) + '\n');
  await browser?.close();
  await server?.close();
  for (const d of [dirA, dirB]) if (d) rmSync(d, { recursive: true, force: true });
});

/** What Cache Storage takes, as Chromium counts it (`usageDetails` is Chromium's). */
const cacheStorageBytes = (page: Page) => page.evaluate(async () => ((await navigator.storage.estimate()) as { usageDetails?: { caches?: number } }).usageDetails?.caches ?? -1);

describe('offline after one visit', () => {
  it('installs the service worker on the first visit; it precaches the site and the corpora and controls the page', async () => {
    const { page } = browser;
    const started = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: READY });
    figures.navigationToControlledMs = Date.now() - started;
    await page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: READY });
    figures.coldReadyMs = Date.now() - started;
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(url);
    const cachesA = await cacheContents(page);
    const precache = cachesA.find((c) => c.name.startsWith('codegram:/:precache:'));
    expect(precache, JSON.stringify(cachesA)).toBeDefined();
    // Every file of the build but sw.js itself and the sandbox's (only the shell is stored under the folder's URL, `./`).
    expect(precache!.entries).toBe(precachedOf(filesOf(dirA)).filter((f) => f !== ON_DEMAND).length);
    // The worker reads the page's opening scripts out of the cache when the page is asked for: the build told it
    // which (the entry chunk and the app's chunk, as index.html names them).
    const boot = /boot:(\[[^\]]*\])/.exec(readFileSync(join(dirA, SERVICE_WORKER_FILE), 'utf8'))?.[1].replaceAll('`', '"');
    const html = readFileSync(join(dirA, 'index.html'), 'utf8');
    expect(JSON.parse(boot ?? '[]')).toEqual([/src="\.\/(assets\/index-[\w-]+\.js)"/.exec(html)?.[1], /modulepreload" crossorigin href="\.\/(assets\/App-[\w-]+\.js)"/.exec(html)?.[1]]);
    // The page's own icon is a 32 px PNG (an SVG one is a document for the page's thread to build as it opens).
    expect(html).toContain('<link rel="icon" href="icons/icon-32.png" sizes="32x32" type="image/png">');
    const png = readFileSync(join(dirA, 'icons/icon-32.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([32, 32]); // the IHDR's width and height
    // A file outside the precache is kept at its first use; an error is passed on and not kept.
    expect(await fetchFromPage(page, ON_DEMAND)).toEqual({ status: 200, text: 'loaded when first needed\n' });
    expect(await fetchFromPage(page, 'on-demand/missing.txt')).toMatchObject({ status: 404 });
    await expect.poll(async () => (await cacheContents(page)).find((c) => c.name.startsWith('codegram:/:runtime:'))?.entries).toBe(1);
    // Chromium's installability check: the manifest, its icons, the service worker.
    const cdp = await browser.context.newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; url: string };
    expect(manifest.errors).toEqual([]);
    expect(manifest.url).toBe(`${url}manifest.webmanifest`);
    const installability = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    expect(installability.installabilityErrors.map((e) => e.errorId)).toEqual([]);
    await cdp.detach();
  }, TEST_TIMEOUT);

  it('with the server stopped, a reload opens the page, gets the models ready and completes code', async () => {
    const { page } = browser;
    await server!.close();
    server = null;
    await expect(fetch(url)).rejects.toThrow(); // the server is really gone
    const cachesBefore = await cacheStorageBytes(page);
    const started = Date.now();
    await page.reload();
    await page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: READY });
    figures.offlineReadyMs = Date.now() - started;
    // The model worker's own fetches are answered too: the corpora it would retrain from come from the precache.
    const modelWorker = page.workers().find((w) => w.url().includes('model-worker'));
    expect(modelWorker, page.workers().map((w) => w.url()).join(', ')).toBeDefined();
    const corpus = await modelWorker!.evaluate(async () => {
      const r = await fetch('../corpora/english.jsonl.gz');
      const bytes = new Uint8Array(await r.arrayBuffer());
      const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
      const text = gzip ? new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer()) : bytes;
      let sum = 0;
      for (const b of text) sum = (sum * 31 + b) >>> 0;
      return { status: r.status, gzip, stored: bytes.length, length: text.length, sum };
    });
    // Gzip, as built: Vite's preview server sends `.gz` files with Content-Encoding: gzip, and the service worker
    // compresses such a file again before keeping it (kept inflated it took three times the room).
    const built = gunzipSync(readFileSync(join(dirA, 'corpora/english.jsonl.gz')));
    let sum = 0;
    for (const b of built) sum = (sum * 31 + b) >>> 0;
    expect(corpus).toMatchObject({ status: 200, gzip: true, length: built.length, sum });
    expect(corpus.stored).toBeLessThan(built.length / 2);
    // The file kept at first use answers offline; the 404 was not kept, so it now fails like any network error.
    expect(await fetchFromPage(page, ON_DEMAND)).toEqual({ status: 200, text: 'loaded when first needed\n' });
    expect(await fetchFromPage(page, 'on-demand/missing.txt')).toEqual({ error: 'TypeError' });
    // And the editor completes: ghost text after a half-typed line.
    await page.getByRole('radio', { name: 'Fine-tuned' }).check({ force: true });
    await setEditorText(page, 'import os\n\n\ndef read_config(path):\n    with open(path) as f:\n        ');
    await page.keyboard.type('data = f.', { delay: 40 });
    const ghost = page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text');
    await expect.poll(async () => (await ghost.allInnerTexts()).join('').trim(), { timeout: 30_000 }).not.toBe('');
    await page.screenshot({ path: `${ARTIFACTS}/offline.png` });
    // The scripts came from the precache as new Responses (sw/service-worker.ts, rewrapped): Chromium stored no
    // compiled code beside them (4.2 MB for the app's chunk when served as Cache Storage's own Response).
    expect(await cacheStorageBytes(page)).toBe(cachesBefore);
    expect(browser.errors).toEqual([]);
  }, TEST_TIMEOUT);

  it('a new deployment installs beside the old one, is announced, and runs after the button, alone', async () => {
    const { page } = browser;
    const titleA = await page.title();
    expect(titleA).not.toBe(TITLE_B);
    await serve(dirB);
    const started = Date.now();
    // What the page does when it becomes visible again (and the browser on every navigation): look for sw.js.
    await page.evaluate(async () => void (await (await navigator.serviceWorker.ready).update()));
    const button = page.getByRole('button', { name: 'Reload to update' });
    await button.waitFor({ timeout: 60_000 });
    figures.updateFoundToAnnouncedMs = Date.now() - started;
    await expect.poll(() => page.locator('[aria-live=polite]', { hasText: 'A new version of Codegram is available' }).count()).toBe(1);
    // Until the user says so, the page keeps running the version it opened with, from that version's caches.
    expect(await page.title()).toBe(titleA);
    expect((await cacheContents(page)).filter((c) => c.name.includes(':precache:'))).toHaveLength(2);

    await button.focus();
    const reloaded = page.waitForEvent('load');
    await page.keyboard.press('Enter');
    await reloaded;
    await expect.poll(() => page.title()).toBe(TITLE_B);
    await page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: READY });
    // The old version's caches are gone (its runtime cache too); the new one's precache holds every file of the new deployment.
    const cachesB = await cacheContents(page);
    expect(cachesB.filter((c) => !c.name.includes(figures.versionB as string)), JSON.stringify(cachesB)).toEqual([]);
    expect(cachesB.filter((c) => c.name.includes(':precache:')), JSON.stringify(cachesB)).toEqual([
      { name: expect.stringMatching(/^codegram:\/:precache:[0-9a-f]{12}$/), entries: precachedOf(filesOf(dirB)).length },
    ]);
    expect(await page.getByRole('button', { name: 'Reload to update' }).count()).toBe(0);
    figures.caches = cachesB;
    expect(browser.errors).toEqual([]);
  }, TEST_TIMEOUT);
});
