/**
 * The command line as one ESM file, so `npm run cli` starts without a TypeScript transpiler (tsx took about 1 s
 * to start): Vite's SSR build (Rolldown underneath) bundles src/cli/main.ts and everything it imports into
 * dist-cli/cli.mjs (git-ignored), with dist-cli/inputs.json listing the source files it was built from.
 *
 *   node bin/build-cli.mjs              build when missing or stale (postinstall)
 *   node bin/build-cli.mjs --force      build anyway
 *
 * Plain JavaScript on purpose: bin/cli.mjs imports `staleReason` from here on every run, before any bundle exists.
 * Vite is imported only when a build is needed.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = join(ROOT, 'dist-cli');
export const BUNDLE = join(OUT_DIR, 'cli.mjs');
export const INPUTS = join(OUT_DIR, 'inputs.json');
const ENTRY = 'src/cli/main.ts';

/**
 * Why the bundle must be (re)built, or null when it is up to date: it is missing, or a file it was built from (or
 * this recipe) changed after it was written. A few dozen stat calls: cheap enough for every run.
 * @param {string} [outDir]
 * @returns {string | null}
 */
export function staleReason(outDir = OUT_DIR) {
  let built;
  let inputs;
  try {
    built = statSync(join(outDir, 'cli.mjs')).mtimeMs;
    inputs = JSON.parse(readFileSync(join(outDir, 'inputs.json'), 'utf8')).files;
  } catch {
    return 'no bundle yet';
  }
  for (const file of [...inputs, relative(ROOT, fileURLToPath(import.meta.url))]) {
    let changed;
    try {
      changed = statSync(join(ROOT, file)).mtimeMs;
    } catch {
      return `${file} is gone`;
    }
    if (changed > built) return `${file} changed`;
  }
  return null;
}

/**
 * Builds dist-cli/cli.mjs and dist-cli/inputs.json. Written to a temporary folder first and renamed into place, so a
 * CLI starting meanwhile (tests run several) reads the old bundle or the new one, never half of one, and two builds
 * at once do not trip over each other.
 * @returns {Promise<void>}
 */
export async function buildCli() {
  const { build } = await import('vite');
  const tmp = mkdtempSync(join(ROOT, '.dist-cli-'));
  try {
    const result = await build({
      configFile: false,
      envDir: false,
      root: ROOT,
      publicDir: false,
      logLevel: 'warn',
      build: {
        ssr: ENTRY,
        outDir: tmp,
        emptyOutDir: false,
        target: 'node20',
        minify: false,
        reportCompressedSize: false,
        rolldownOptions: { output: { format: 'es', entryFileNames: 'cli.mjs' } },
      },
    });
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
    const files = new Set();
    for (const chunk of outputs) {
      if (chunk.type !== 'chunk') continue;
      for (const id of chunk.moduleIds) if (!id.startsWith('\0') && id.startsWith(ROOT)) files.add(relative(ROOT, id.split('?')[0]));
    }
    if (outputs.length !== 1 || files.size === 0) throw new Error(`expected one chunk built from the sources, got ${outputs.length} outputs`);
    writeFileSync(join(tmp, 'inputs.json'), JSON.stringify({ entry: ENTRY, files: [...files].sort() }, null, 1) + '\n');
    mkdirSync(OUT_DIR, { recursive: true });
    // Each rename replaces one file atomically; the bundle first, so its list of inputs is never newer than it.
    renameSync(join(tmp, 'cli.mjs'), BUNDLE);
    renameSync(join(tmp, 'inputs.json'), INPUTS);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Builds when stale (or always with `force`); returns what it did, for the caller to say. */
export async function ensureCli(force = false) {
  const reason = force ? 'asked to' : staleReason();
  if (reason) await buildCli();
  return reason;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const reason = await ensureCli(process.argv.includes('--force'));
  if (reason) process.stderr.write(`built ${relative(ROOT, BUNDLE)} (${reason}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
