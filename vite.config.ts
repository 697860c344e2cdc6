/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { monacoTrim } from './monaco-trim/plugin.ts';
import { offline } from './pwa/plugin.ts';
import { sandbox } from './sandbox-files/plugin.ts';

/**
 * Content Security Policy of the built site, as a meta tag (static hosts may not let us set headers).
 * Everything is same-origin; no eval. Inline styles are allowed because Monaco and Svelte set element styles.
 * Only in builds: Vite's dev server needs inline scripts and a websocket.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

const csp: Plugin = {
  name: 'codegram-csp',
  apply: 'build',
  transformIndexHtml: (html) => html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`),
};

/**
 * The app's chunk, loaded by main.ts's dynamic import once main.ts has run (it starts the model worker and reads
 * the uploads first), is named in the page as a module preload, so the browser fetches it, and compiles it off
 * the main thread, while it still loads and runs main.ts: the 3.7 MB chunk's request started about 80 ms after
 * the page's own script's, now beside it. It is evaluated only when main.ts imports it, as before.
 */
const preloadApp: Plugin = {
  name: 'codegram-preload-app',
  apply: 'build',
  transformIndexHtml: {
    order: 'post',
    handler(html, ctx) {
      const app = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isDynamicEntry && c.facadeModuleId?.endsWith('/components/App.svelte'));
      if (!app) return html;
      return html.replace('</head>', `  <link rel="modulepreload" crossorigin href="./${app.fileName}">\n  </head>`);
    },
  },
};

/**
 * Scripts written in ASCII only (the few hundred other characters, most of them Monaco's, as escapes). One character
 * beyond Latin-1 makes Chromium hold a script's whole text as two bytes a character, decoded from UTF-8 off the
 * page's thread. In Chromium's traces of a reload (3 each way) that decoding took 200–250 ms of thread time, most
 * of it the 3.7 MB chunk's, while the page parsed the chunk and the model worker read the cache on the same two
 * cores; in ASCII 45–75 ms.
 */
const SCRIPT_CHARSET = 'ascii';

export default defineConfig({
  plugins: [
    svelte(),
    // Parts of Monaco the site never shows (inline edits, the diff editors, GPU rendering), left out of the build.
    monacoTrim(),
    csp,
    preloadApp,
    // The web app manifest, icons and service worker (sw.js with this build's precache): pwa/plugin.ts.
    // The code sandbox's iframe page, its Python worker and Pyodide's files, served beside the site, outside the precache.
    sandbox(),
    offline({ name: 'Codegram — how a language model learns to code', shortName: 'Codegram', description: 'See how a language model learns to code: n-gram models pretrained on English, fine-tuned on code, in your browser.' }),
  ],
  // Relative base: the build works from any folder of any static host.
  base: './',
  worker: { format: 'es', rolldownOptions: { output: { charset: SCRIPT_CHARSET } } },
  build: {
    // Monaco is most of the page (about 3.0 MB minified, 0.8 MB gzipped: monacoTrim above) and cannot be made
    // smaller by splitting.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: { output: { charset: SCRIPT_CHARSET } },
  },
  optimizeDeps: { include: ['idb-keyval', 'fflate'] },
  test: {
    include: ['test/**/*.test.ts'],
    // The KenLM-parity and corpus tests train real models on the Brown corpus: give them room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    expect: { requireAssertions: true },
  },
});
