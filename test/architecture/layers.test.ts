/**
 * The layout is the architecture (ARCHITECTURE.md): each folder of src/ imports only from the layers below it,
 * packages only where they belong, and no module imports itself back through others. Read from the source, so a
 * new import that breaks the chain fails here, with the file and the import named.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = 'src';

/** For each layer, the layers it may import from (itself included). */
const ALLOWED: Record<string, readonly string[]> = {
  lm: ['lm'],
  corpus: ['lm', 'corpus'],
  build: ['lm', 'corpus', 'build'],
  analysis: ['lm', 'corpus', 'build', 'analysis'],
  check: ['lm', 'corpus', 'analysis', 'check'], // the strict JavaScript/TypeScript parser, loaded on demand by the code check
  storage: ['lm', 'corpus', 'storage'],
  worker: ['lm', 'corpus', 'build', 'analysis', 'storage', 'worker'],
  client: ['lm', 'corpus', 'build', 'analysis', 'worker', 'client'],
  state: ['lm', 'corpus', 'build', 'analysis', 'check', 'storage', 'worker', 'client', 'state', 'sw', 'sandbox'],
  editor: ['lm', 'corpus', 'build', 'analysis', 'state', 'editor'],
  components: ['lm', 'corpus', 'build', 'analysis', 'state', 'editor', 'components'],
  cli: ['lm', 'corpus', 'build', 'cli'],
  sw: ['sw'], // the service worker: a separate program that imports nothing from the app
  sandbox: ['sandbox'], // runs generated code in a sandboxed iframe's workers: imports nothing from the app
  '.': ['components', 'state', 'worker', '.'], // src/main.ts, the composition root: starts the worker and the service worker, mounts the app
};

/** Files of a layer that a layer above may reach into: the client speaks the worker's protocol (types only). */
const ONLY: Record<string, Record<string, RegExp>> = {
  client: { worker: /^worker\/protocol\.ts$/ },
  // state starts the sandbox (host.ts) and reads its types and harness (the code check's pure parts), never the
  // iframe's or the Python worker's programs, which run only in the sandbox.
  state: { worker: /^worker\/protocol\.ts$/, sw: /^sw\/protocol\.ts$/, sandbox: /^sandbox\/(host|protocol|harness)\.ts$/ },
  // main.ts starts the model worker and sends it its first message (the corpora to read ahead), and starts reading
  // the uploads the first build needs (the corpora state's readUploads) before the app's code has loaded.
  '.': { worker: /^worker\/(model-worker|protocol)\.ts$/, state: /^state\/(app-update|corpora)\.svelte\.ts$/ },
};

/** Packages each layer may import (by name prefix); Node's own modules only where Node runs them. */
const PACKAGES: Record<string, RegExp> = {
  lm: /^$/,
  corpus: /^fflate$/,
  build: /^$/,
  analysis: /^$/,
  check: /^(@babel\/parser|sucrase)$/,
  storage: /^idb-keyval$/,
  worker: /^$/,
  client: /^$/,
  state: /^(svelte|fflate)(\/|$)/,
  editor: /^monaco-editor\//,
  components: /^svelte(\/|$)/,
  cli: /^node:/,
  sw: /^$/,
  sandbox: /^$/,
  '.': /^svelte$/,
};
/** Node-only helpers inside a pure layer, used by the CLI, the bench and the corpus build, never by the site. */
const NODE_FILES = new Set(['corpus/node.ts']);
/** Files allowed one package of their own: the Python worker loads Pyodide (its loader is bundled into sandbox/runner.js). */
const FILE_PACKAGES: Record<string, RegExp> = { 'sandbox/runner.ts': /^pyodide$/ };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|svelte)$/.test(name) ? [p] : [];
  });
}

interface Import {
  from: string; // path relative to src/
  spec: string;
  target: string | null; // resolved path relative to src/, or null for a package
}

const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g;

function importsOf(path: string): Import[] {
  const text = readFileSync(path, 'utf8');
  const from = relative(SRC, path);
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const target = spec.startsWith('.') ? relative(SRC, normalize(join(dirname(path), spec.replace(/\?.*$/, '')))) : null;
    out.push({ from, spec, target });
  }
  return out;
}

const layerOf = (p: string) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '.');
const all = files(SRC).map((p) => ({ path: relative(SRC, p), imports: importsOf(p) }));

describe('the layers of src/', () => {
  it('reads every source file and finds their imports', () => {
    expect(all.length).toBeGreaterThan(60);
    const layers = new Set(all.map((f) => layerOf(f.path)));
    for (const l of layers) expect(Object.keys(ALLOWED)).toContain(l);
    // The import pattern sees every form we use (a check that cannot fail checks nothing).
    const probe = "import { a } from './a.ts';\nimport type { B } from '../b/b.ts';\nexport { c } from './c.ts';\nimport './d.css';\nnew Worker(new URL('../w/w.ts', import.meta.url));\nawait import('./e.ts');";
    expect([...probe.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3])).toEqual(['./a.ts', '../b/b.ts', './c.ts', './d.css', '../w/w.ts', './e.ts']);
  });

  it('import only from the layers below them', () => {
    const wrong: string[] = [];
    for (const f of all) {
      const layer = layerOf(f.path);
      for (const i of f.imports) {
        if (i.target === null || i.target.endsWith('.css')) continue;
        const to = layerOf(i.target);
        const only = ONLY[layer]?.[to];
        if (!ALLOWED[layer].includes(to) || (only && !only.test(i.target))) wrong.push(`${f.path} imports ${i.spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no component or editor module talks to the worker or its client: they go through state', () => {
    const wrong = all
      .filter((f) => /^(components|editor)\//.test(f.path))
      .flatMap((f) => f.imports.filter((i) => i.target && /^(client|worker|storage)\//.test(i.target)).map((i) => `${f.path} imports ${i.spec}`));
    expect(wrong).toEqual([]);
  });

  it('import packages only where they belong (no DOM-bound package in the pure layers, Node only in the CLI)', () => {
    const wrong: string[] = [];
    for (const f of all) {
      const allowed = NODE_FILES.has(f.path) ? /^node:/ : (FILE_PACKAGES[f.path] ?? PACKAGES[layerOf(f.path)]);
      for (const i of f.imports) if (i.target === null && !allowed.test(i.spec)) wrong.push(`${f.path} imports ${i.spec}`);
    }
    expect(wrong).toEqual([]);
  });

  it('have no import circle', () => {
    const graph = new Map(all.map((f) => [f.path, f.imports.flatMap((i) => (i.target && !i.target.endsWith('.css') ? [i.target] : []))]));
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (p: string, trail: string[]) => {
      if (state.get(p) === 'done') return;
      if (state.get(p) === 'open') {
        circles.push([...trail.slice(trail.indexOf(p)), p].join(' → '));
        return;
      }
      state.set(p, 'open');
      for (const q of graph.get(p) ?? []) visit(q, [...trail, p]);
      state.set(p, 'done');
    };
    for (const p of graph.keys()) visit(p, []);
    expect(circles).toEqual([]);
  });
});
