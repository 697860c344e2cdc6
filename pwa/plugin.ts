/**
 * The Vite plugin that makes the built site installable and offline-capable (builds only; the dev server gets
 * none of it):
 * - emits the web app manifest and the icons (SVG, and 32/192/512 PNG rasterised here, see icon.ts), and links
 *   the manifest and the page's icon (the 32 PNG) from index.html with the theme colours of src/app.css;
 * - once the bundle is complete, lists what to precache (precache-list.ts) with each file's SHA-256, bundles
 *   src/sw/service-worker.ts as one classic script with that list written in, and emits it as `sw.js` beside
 *   index.html, so the worker's scope is the folder the site is served from.
 * Each deployment's sw.js differs from the last one's whenever any precached byte does: that is how browsers
 * notice a new version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Plugin, type ResolvedConfig, type Rolldown } from 'vite';
import { checkManifest } from '../src/corpus/manifest.ts';
import type { Precache } from '../src/sw/protocol.ts';
import { iconPng, iconSvg } from './icon.ts';
import { bootScripts, bundleFiles, corporaFiles, precacheOf, SERVICE_WORKER_FILE } from './precache-list.ts';

/** The PNG sizes Chromium's installability check asks for (the SVG serves every other size). */
const PNG_SIZES = [192, 512] as const;

/**
 * The page's own icon (the tab's), a PNG of this size rather than the SVG: Chromium fetches a page's icon through the
 * page and decodes it on the page's thread, and an SVG is a document of its own to build (two of them, 20–60 ms of
 * the page's thread in traces of reloads, while the app's chunk was being parsed beside it).
 */
const PAGE_ICON_SIZE = 32;

export interface AppIdentity {
  name: string;
  shortName: string;
  description: string;
}

/** The page background of the light and the dark scheme, as src/app.css declares them (`--bg`, first two). */
export function backgroundColours(css: string): { light: string; dark: string } {
  const found = [...css.matchAll(/--bg:\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => m[1].toLowerCase());
  if (found.length < 2) throw new Error(`src/app.css: expected --bg for the light and the dark scheme, found ${found.length}`);
  return { light: found[0], dark: found[1] };
}

export function webAppManifest(app: AppIdentity, colours: { light: string }): object {
  return {
    id: './',
    name: app.name,
    short_name: app.shortName,
    description: app.description,
    start_url: './',
    scope: './',
    display: 'standalone',
    theme_color: colours.light,
    background_color: colours.light,
    icons: [
      { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
      ...PNG_SIZES.map((n) => ({ src: `icons/icon-${n}.png`, sizes: `${n}x${n}`, type: 'image/png' })),
    ],
  };
}

/** Bundles the service worker with its precache list: one IIFE, minified, not written (the caller emits it). */
export async function buildServiceWorker(root: string, precache: Precache): Promise<string> {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    define: { __CODEGRAM_PRECACHE__: JSON.stringify(precache) },
    build: {
      write: false,
      copyPublicDir: false,
      emptyOutDir: false,
      minify: true,
      lib: { entry: resolve(root, 'src/sw/service-worker.ts'), formats: ['iife'], name: 'codegramServiceWorker', fileName: () => SERVICE_WORKER_FILE },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error('service worker build produced no chunk');
  return chunk.code;
}

const bytesOf = (file: Rolldown.OutputAsset | Rolldown.OutputChunk): Uint8Array =>
  file.type === 'chunk' ? new TextEncoder().encode(file.code) : typeof file.source === 'string' ? new TextEncoder().encode(file.source) : file.source;

export function offline(app: AppIdentity): Plugin {
  let config: ResolvedConfig;
  let colours: { light: string; dark: string };
  return {
    name: 'codegram-offline',
    apply: 'build',
    enforce: 'post',
    // Tells the page there is a service worker to register: only builds have one (`import.meta.env.PROD` would not
    // do: a build run under Vitest, NODE_ENV=test, has PROD false).
    config: () => ({ define: { 'import.meta.env.CODEGRAM_SERVICE_WORKER': JSON.stringify(SERVICE_WORKER_FILE) } }),
    configResolved(resolved) {
      config = resolved;
      colours = backgroundColours(readFileSync(resolve(resolved.root, 'src/app.css'), 'utf8'));
    },
    transformIndexHtml: () => [
      { tag: 'link', attrs: { rel: 'manifest', href: 'manifest.webmanifest' }, injectTo: 'head' },
      { tag: 'link', attrs: { rel: 'icon', href: `icons/icon-${PAGE_ICON_SIZE}.png`, sizes: `${PAGE_ICON_SIZE}x${PAGE_ICON_SIZE}`, type: 'image/png' }, injectTo: 'head' },
      { tag: 'meta', attrs: { name: 'theme-color', content: colours.light, media: '(prefers-color-scheme: light)' }, injectTo: 'head' },
      { tag: 'meta', attrs: { name: 'theme-color', content: colours.dark, media: '(prefers-color-scheme: dark)' }, injectTo: 'head' },
    ],
    generateBundle: {
      // After Vite's own generateBundle hooks: index.html and the workers are in the bundle by then.
      order: 'post',
      async handler(_options, bundle) {
        const emitted = new Map<string, Uint8Array>([
          ['manifest.webmanifest', new TextEncoder().encode(JSON.stringify(webAppManifest(app, colours), null, 2) + '\n')],
          ['icons/icon.svg', new TextEncoder().encode(iconSvg())],
          ...[PAGE_ICON_SIZE, ...PNG_SIZES].map((n): [string, Uint8Array] => [`icons/icon-${n}.png`, iconPng(n)]),
        ]);
        for (const [fileName, source] of emitted) this.emitFile({ type: 'asset', fileName, source });

        const publicDir = config.publicDir;
        const manifestPath = join(publicDir, 'corpora/manifest.json');
        if (!existsSync(manifestPath)) this.error(`${manifestPath} is missing: the default corpora are precached with the site (run npm run corpora)`);
        const corpora = checkManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
        const fromBundle = new Map(bundleFiles(Object.keys(bundle)).map((f) => [f, bytesOf(bundle[f])]));
        const paths = [...fromBundle.keys(), ...emitted.keys(), ...corporaFiles(corpora)];
        const html = fromBundle.get('index.html');
        const boot = html ? bootScripts(new TextDecoder().decode(html)) : [];
        const precache = precacheOf(paths, (p) => fromBundle.get(p) ?? emitted.get(p) ?? readFileSync(join(publicDir, p)), boot);
        const source = await buildServiceWorker(config.root, precache);
        this.emitFile({ type: 'asset', fileName: SERVICE_WORKER_FILE, source });
        const mib = precache.entries.reduce((n, e) => n + e.bytes, 0) / 2 ** 20;
        config.logger.info(`codegram-offline: ${SERVICE_WORKER_FILE} precaches ${precache.entries.length} files, ${mib.toFixed(2)} MiB, version ${precache.version}`);
      },
    },
  };
}
