/**
 * What a deployment precaches, decided from what the build wrote: every file of the bundle (the page, its
 * JavaScript and CSS, fonts, Monaco's editor worker, our model worker, the icons and the web app manifest),
 * plus the default corpora (their manifest, every bundle it lists and its licence files). Anything else in the
 * public folder is left to be cached at first use. Each entry carries its SHA-256; the version is a hash of
 * the whole list, so any changed byte makes a new version.
 */
import { createHash } from 'node:crypto';
import type { CorporaManifest } from '../src/corpus/manifest.ts';
import type { Precache, PrecacheEntry } from '../src/sw/protocol.ts';

/** The service worker's own file: never in its precache (the browser fetches it for updates). */
export const SERVICE_WORKER_FILE = 'sw.js';

/** The files the corpora manifest brings, relative to the site's folder: `corpora/manifest.json` first. */
export function corporaFiles(manifest: CorporaManifest): string[] {
  const files = ['manifest.json', ...manifest.corpora.flatMap((c) => [c.file, ...c.sources.map((s) => s.licenseFile)])];
  return [...new Set(files)].map((f) => `corpora/${f}`);
}

/** The bundle's files that are precached: all but source maps and the service worker itself. */
export function bundleFiles(fileNames: Iterable<string>): string[] {
  return [...fileNames].filter((f) => !f.endsWith('.map') && f !== SERVICE_WORKER_FILE);
}

export function entryOf(path: string, bytes: Uint8Array): PrecacheEntry {
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/**
 * The scripts a built page loads as it opens: its module scripts' `src` and its module preloads' `href`, as paths
 * relative to the site's folder (Vite writes them `./assets/…` with the relative base), in the page's order.
 */
export function bootScripts(html: string): string[] {
  const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
  const paths: string[] = [];
  for (const tag of tags) {
    const attr = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
    const url = tag.startsWith('<script') ? attr('src') : attr('rel') === 'modulepreload' ? attr('href') : undefined;
    if (url && !/^[a-z]+:|^\/\//i.test(url)) paths.push(url.replace(/^(\.\/|\/)+/, ''));
  }
  return [...new Set(paths)];
}

/**
 * The precache of a list of files (read by `read`), sorted by path, with its version; `boot` names the page's
 * opening scripts (bootScripts), of which those in the list are kept.
 */
export function precacheOf(paths: Iterable<string>, read: (path: string) => Uint8Array, boot: readonly string[] = []): Precache {
  const entries = [...new Set(paths)].sort().map((p) => entryOf(p, read(p)));
  const version = createHash('sha256')
    .update(entries.map((e) => `${e.path} ${e.sha256}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const listed = new Set(entries.map((e) => e.path));
  return { version, entries, boot: boot.filter((p) => listed.has(p)) };
}
