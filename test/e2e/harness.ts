/**
 * End-to-end harness: build the site with Vite, serve it on loopback with `vite preview`, and drive
 * Debian's Chromium with playwright-core (browser downloads do not work on these machines).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import { waitUntilBrowserIdle } from './settle.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = 'test-results';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Site {
  url: string;
  /** The folder the site was built into. */
  outDir: string;
  server: PreviewServer;
  close(): Promise<void>;
}

/** Builds the production site into a temporary folder and serves it on a free loopback port. */
export async function serveBuiltSite(): Promise<Site> {
  const outDir = mkdtempSync(join(tmpdir(), 'codegram-site-'));
  await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const port = await freePort();
  const server = await preview({ logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true } });
  return {
    url: `http://127.0.0.1:${port}/`,
    outDir,
    server,
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Page errors seen so far (uncaught exceptions in the page). */
  errors: string[];
  /** With `settle`: how long the browser took to finish its own start after launching (settle.ts). */
  settledMs?: number;
  close(): Promise<void>;
}

/**
 * A fresh Chromium profile (its own IndexedDB), kept for the whole test file so reloads find the cache. `settle`:
 * return only once the browser has finished its own start (settle.ts), for benchmarks that time a first visit.
 */
export async function openBrowser(options: { settle?: boolean } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'codegram-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  // Content Security Policy violations count as page errors: the built site must run under its own policy.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().startsWith('CSP violation')) errors.push(m.text());
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  const settledMs = options.settle ? await waitUntilBrowserIdle(profile) : undefined;
  return {
    context,
    page,
    errors,
    settledMs,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Replaces the editor's text as a user would: select all, delete, type (insertText keeps it fast). */
export async function setEditorText(page: Page, text: string): Promise<void> {
  // Close any suggestion list or hover first: they float above the text and would take the click.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.locator('.monaco-editor .view-lines').click({ position: { x: 4, y: 4 } });
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Escape');
}

/** The token texts of the next-token list, top first (the first line of each item). */
export async function predictionTokens(page: Page): Promise<string[]> {
  const items = await page.getByRole('list', { name: 'Next-token predictions' }).getByRole('listitem').allInnerTexts();
  return items.map((t) => t.split('\n')[0].trim());
}

/** The editor's visible text (Monaco draws spaces as no-break spaces). */
export async function editorText(page: Page): Promise<string> {
  return (await page.locator('.monaco-editor .view-lines').innerText()).replace(/\u00a0/g, ' ');
}

export interface Session {
  site: Site;
  browser: Browser;
  /** Figures measured by the file's tests, written to test-results/e2e-<name>-figures.json at the end. */
  figures: Record<string, unknown>;
}

/**
 * The hooks every e2e file needs: its own built copy of the site, served, and a fresh browser profile for the
 * whole file (reloads keep IndexedDB); `ready` also opens the site and waits for the models.
 */
export function e2eSession(name: string, options: { ready?: boolean } = {}): Session {
  const session = { figures: {} } as Session;
  beforeAll(async () => {
    session.site = await serveBuiltSite();
    session.browser = await openBrowser();
    if (options.ready) {
      await session.browser.page.goto(session.site.url);
      await session.browser.page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: 120_000 });
    }
  }, 240_000);
  afterAll(async () => {
    // One figures file per e2e file: they run in parallel.
    if (Object.keys(session.figures).length) writeFileSync(`${ARTIFACTS}/e2e-${name}-figures.json`, JSON.stringify(session.figures, null, 2) + '\n');
    await session.browser?.close();
    await session.site?.close();
  });
  return session;
}
