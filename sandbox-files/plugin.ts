/**
 * The Vite plugin that serves the code sandbox's files (src/sandbox/, paths in src/sandbox/files.ts) with the
 * site, in builds and on the dev server:
 * - `sandbox/frame.html`: the sandboxed iframe's page. Its script (frame.ts, bundled as one classic script) is
 *   inlined and allowed by its hash in the page's own Content Security Policy, so the frame loads nothing by URL
 *   (an opaque origin could load a module script from the site only with CORS headers, which static hosts do
 *   not send);
 * - `sandbox/runner.js`: the Python worker (runner.ts with Pyodide's loader), a classic script the page fetches
 *   and the frame runs from a blob (a module worker from a blob does not start in an opaque origin);
 * - `sandbox/pyodide/…`: Pyodide's runtime files, copied from node_modules/pyodide unchanged.
 * In builds they are written after the bundle is complete (`writeBundle`), so they are not in the service
 * worker's precache (pwa/plugin.ts lists the bundle): the service worker caches them at first use.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build, type Plugin, type Rolldown } from 'vite';
import { SANDBOX_FILES } from '../src/sandbox/files.ts';

/**
 * The frame page's policy. Nothing by URL: no connection of any kind (the workers the frame starts from blobs
 * inherit this policy, so generated code cannot reach the network); scripts are the inlined one (by hash) and
 * blobs (the workers, Pyodide's module); WebAssembly compiles ('wasm-unsafe-eval'), and Pyodide evaluates the
 * JavaScript snippets of its Emscripten build ('unsafe-eval'), which only this opaque-origin frame allows.
 */
export function framePolicy(scriptHash: string): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}' blob: 'wasm-unsafe-eval' 'unsafe-eval'`,
    'worker-src blob:',
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function frameHtml(script: string): string {
  if (/<\/script/i.test(script)) throw new Error('the sandbox frame script contains "</script": it cannot be inlined');
  const hash = createHash('sha256').update(script).digest('base64');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta http-equiv="Content-Security-Policy" content="${framePolicy(hash)}" />
    <title>Codegram sandbox</title>
  </head>
  <body>
    <script>${script}</script>
  </body>
</html>
`;
}

async function bundle(root: string, entry: string, format: 'iife' | 'es'): Promise<string> {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    build: {
      write: false,
      copyPublicDir: false,
      emptyOutDir: false,
      minify: true,
      lib: { entry: resolve(root, entry), formats: [format], name: 'codegramSandbox', fileName: () => 'out.js' },
      // Pyodide's loader imports Node's modules (and ws) only when it runs in Node: never in the browser.
      rolldownOptions: { external: [/^node:/, 'ws'] },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunks = outputs.flatMap((o) => o.output).filter((o) => o.type === 'chunk');
  if (chunks.length !== 1 || chunks[0].type !== 'chunk') throw new Error(`${entry}: expected one chunk, got ${chunks.length}`);
  return chunks[0].code;
}

/** Every sandbox file by its path in the site, as bytes. */
export async function sandboxFiles(root: string): Promise<Map<string, Uint8Array>> {
  const [frame, runner] = await Promise.all([bundle(root, 'src/sandbox/frame.ts', 'iife'), bundle(root, 'src/sandbox/runner.ts', 'iife')]);
  const pyodideDir = dirname(createRequire(join(root, 'package.json')).resolve('pyodide/package.json'));
  const text = (s: string) => new TextEncoder().encode(s);
  return new Map<string, Uint8Array>([
    [SANDBOX_FILES.frame, text(frameHtml(frame))],
    [SANDBOX_FILES.runner, text(runner)],
    ...Object.values(SANDBOX_FILES.pyodide).map((path): [string, Uint8Array] => [path, readFileSync(join(pyodideDir, path.slice(path.lastIndexOf('/') + 1)))]),
  ]);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.zip': 'application/zip',
  '.json': 'application/json',
};

export function sandbox(): Plugin {
  let root = process.cwd();
  let files: Promise<Map<string, Uint8Array>> | null = null;
  const all = () => (files ??= sandboxFiles(root));
  return {
    name: 'codegram-sandbox',
    configResolved(config) {
      root = config.root;
    },
    // Dev server: the same files, built on first request (a second or two) and kept until the server restarts.
    configureServer(server) {
      const paths = new Set<string>([SANDBOX_FILES.frame, SANDBOX_FILES.runner, ...Object.values(SANDBOX_FILES.pyodide)]);
      server.watcher.on('change', (file) => {
        if (file.includes(`${join('src', 'sandbox')}`)) files = null;
      });
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0].replace(/^\//, '');
        if (!paths.has(path)) return next();
        all().then(
          (map) => {
            res.setHeader('Content-Type', TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream');
            res.end(map.get(path));
          },
          (e: unknown) => next(e),
        );
      });
    },
    async writeBundle(options) {
      if (!options.dir) return;
      for (const [path, bytes] of await all()) {
        mkdirSync(dirname(join(options.dir, path)), { recursive: true });
        writeFileSync(join(options.dir, path), bytes);
      }
    },
  };
}
