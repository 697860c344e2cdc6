/**
 * The command line is a contract outside checks rely on: run it as they do, `npm run cli`'s own command (the
 * bundle dist-cli/cli.mjs through bin/cli.mjs, built here first if missing or stale), and check its output and exit
 * codes. Bad input ends with one line on stderr and a non-zero exit.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, ensureCli, staleReason } from '../../bin/build-cli.mjs';

const run = promisify(execFile);
/** The npm scripts, which the launcher and the program must match. */
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const dir = mkdtempSync(join(tmpdir(), 'codegram-cli-'));
const file = (name: string, data: string | Uint8Array) => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
  return p;
};

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/cli.mjs', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const train = file('train.txt', 'the cat sat on the mat\nthe dog sat on the log\nthe cat ate\n');
const test = file('test.txt', 'the cat sat on the log\nthe bird sat\n');
const model = join(dir, 'model.cgm');

beforeAll(async () => {
  await ensureCli();
});

describe('the bundle npm run cli runs', () => {
  it('is what the cli script starts, one file importing only Node, up to date with the sources', async () => {
    // Node started with glibc's malloc asking for transparent huge pages (README, "In a fresh process").
    expect(pkg.scripts.cli).toBe('GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node bin/cli.mjs');
    expect(pkg.scripts.postinstall).toMatch(/&& node bin\/build-cli\.mjs$/);
    expect(staleReason()).toBeNull();
    const code = readFileSync(BUNDLE, 'utf8');
    const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.every((i) => i.startsWith('node:'))).toBe(true);
    expect(code).not.toMatch(/\.ts"/);
    const inputs = JSON.parse(readFileSync(join(BUNDLE, '..', 'inputs.json'), 'utf8')) as { files: string[] };
    expect(inputs.files).toContain('src/cli/main.ts');
    expect(inputs.files).toContain('src/lm/model.ts');
    // The bundle alone answers as the launcher does.
    const direct = await run('node', [BUNDLE, '--help']);
    const launched = await cli('--help');
    expect(launched).toEqual({ code: 0, stdout: direct.stdout, stderr: '' });
    expect(launched.stdout).toMatch(/^usage:\n {2}cli train --order N/);
  });

  it('runs as a program, Node started as the cli script starts it', async () => {
    const [shebang] = readFileSync('bin/cli.mjs', 'utf8').split('\n', 1);
    expect(`${shebang.replace('#!/usr/bin/env -S ', '')} bin/cli.mjs`).toBe(pkg.scripts.cli);
    if (process.platform === 'win32') return; // no shebangs there: `npm run cli`
    expect(statSync('bin/cli.mjs').mode & 0o111).toBe(0o111);
    const asProgram = await run('bin/cli.mjs', ['--help']);
    expect(asProgram).toEqual({ stdout: (await cli('--help')).stdout, stderr: '' });
  });

  it('is stale when a source it was built from is newer than it, or when it is missing', () => {
    const out = mkdtempSync(join(tmpdir(), 'codegram-cli-bundle-'));
    expect(staleReason(out)).toBe('no bundle yet');
    writeFileSync(join(out, 'cli.mjs'), '');
    writeFileSync(join(out, 'inputs.json'), JSON.stringify({ files: ['src/lm/types.ts'] }));
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(out, 'cli.mjs'), later, later);
    expect(staleReason(out)).toBeNull();
    const earlier = new Date(Date.now() - 3600_000 * 24 * 365 * 30);
    utimesSync(join(out, 'cli.mjs'), earlier, earlier);
    expect(staleReason(out)).toMatch(/changed$/);
    writeFileSync(join(out, 'inputs.json'), JSON.stringify({ files: ['src/lm/no-such-file.ts'] }));
    utimesSync(join(out, 'cli.mjs'), later, later);
    expect(staleReason(out)).toBe('src/lm/no-such-file.ts is gone');
  });
});

describe('cli', () => {
  it('trains, evaluates as JSON, predicts and exports ARPA', async () => {
    const t = await cli('train', '--order', '3', '--tokenizer', 'whitespace', '--lines', '--out', model, train);
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/trained order 3 on 15 tokens/);

    const e = await cli('eval', '--model', model, '--json', test);
    expect(e.code).toBe(0);
    const r = JSON.parse(e.stdout);
    // 6 + 3 words plus two </s>; "bird" never seen.
    expect(r).toMatchObject({ tokens: 11, oov: 1 });
    for (const key of ['perplexity', 'perplexityExclOov', 'bitsPerToken', 'top1', 'top5', 'mrr']) expect(typeof r[key]).toBe('number');
    expect(r.perplexity).toBeCloseTo(2 ** r.bitsPerToken, 6);

    const n = await cli('next', '--model', model, '--context', 'the cat', '--k', '2', '--json');
    expect(n.code).toBe(0);
    const top = JSON.parse(n.stdout);
    expect(top).toHaveLength(2);
    expect(['sat', 'ate']).toContain(top[0].token);
    expect(top[0].orderUsed).toBe(3);

    const a = await cli('arpa', '--model', model);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^\\data\\\nngram 1=\d+\nngram 2=\d+\nngram 3=\d+\n/);
    expect(a.stdout).toContain('\tthe cat sat\n');

    // The exported ARPA file, loaded back, scores the test text as the model itself does (4 significant digits).
    const arpaPath = file('model.arpa', a.stdout);
    const e2 = await cli('eval', '--model', arpaPath, '--json', '--no-accuracy', test);
    expect(e2.code).toBe(0);
    const r2 = JSON.parse(e2.stdout);
    expect(r2.tokens).toBe(r.tokens);
    expect(r2.perplexity.toPrecision(4)).toBe(r.perplexity.toPrecision(4));

    // The text report has the accuracy line only when accuracy was computed: no "NaN%" with --no-accuracy.
    const withAccuracy = (await cli('eval', '--model', model, test)).stdout;
    expect(withAccuracy).toMatch(/^top-1 \d+\.\d\d%  top-5 \d+\.\d\d%  MRR \d\.\d{4}$/m);
    const without = (await cli('eval', '--model', model, '--no-accuracy', test)).stdout;
    expect(without).toContain(`perplexity ${r.perplexity.toFixed(4)}`);
    expect(without).not.toMatch(/top-1|NaN/);
  });

  it('trains on directories and several files exactly as on their concatenation', async () => {
    // Sentences (--lines) do not cross files, so two files train the same counts as one file holding both.
    file('corpus/b/two.txt', 'the dog sat on the log\nthe cat ate\n');
    file('corpus/a.txt', 'the cat sat on the mat\n');
    file('corpus/.hidden.txt', 'never read\n');
    file('corpus/picture.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const whole = file('whole.txt', 'the cat sat on the mat\nthe dog sat on the log\nthe cat ate\n');
    const arpaOf = async (...inputs: string[]) => {
      const out = join(dir, `m${inputs.length}-${inputs[0].length}.cgm`);
      const t = await cli('train', '--order', '3', '--tokenizer', 'whitespace', '--lines', '--out', out, ...inputs);
      expect(t.code).toBe(0);
      return { stderr: t.stderr, arpa: (await cli('arpa', '--model', out)).stdout };
    };
    const fromDir = await arpaOf(join(dir, 'corpus'));
    expect(fromDir.stderr).toMatch(/skipped 1 file that are not text \(first: ".*picture.png" looks binary \(PNG signature\)\)/);
    expect(fromDir.stderr).toMatch(/trained order 3 on 15 tokens from 2 files/);
    const fromFiles = await arpaOf(join(dir, 'corpus/a.txt'), join(dir, 'corpus/b/two.txt'));
    const fromOne = await arpaOf(whole);
    // Identical ARPA text: same n-grams, counts, probabilities, and the same word order (files read sorted: a.txt, then b/).
    expect(fromDir.arpa).toBe(fromOne.arpa);
    expect(fromFiles.arpa).toBe(fromOne.arpa);
    expect(fromOne.arpa).toMatch(/ngram 1=11\nngram 2=13\nngram 3=13\n/);
    expect(fromDir.arpa).not.toContain('never');
  });

  it('refuses a directory without text files', async () => {
    file('empty-dir/x.bin', new Uint8Array([0, 1, 2]));
    const r = await cli('train', '--order', '2', '--out', join(dir, 'none.cgm'), join(dir, 'empty-dir'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: no text files in ".*empty-dir"/);
  });

  it('writes gzip ARPA with --out FILE.gz and reads it back (.arpa.gz)', async () => {
    const m = join(dir, 'gz.cgm');
    expect((await cli('train', '--order', '3', '--tokenizer', 'code', '--out', m, train)).code).toBe(0);
    const gz = join(dir, 'model.arpa.gz');
    const a = await cli('arpa', '--model', m, '--out', gz);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe('');
    const bytes = readFileSync(gz);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const plain = await cli('arpa', '--model', m, '--out', join(dir, 'model-code.arpa'));
    expect(plain.code).toBe(0);
    const direct = JSON.parse((await cli('eval', '--model', m, '--json', '--no-accuracy', test)).stdout);
    const viaGz = JSON.parse((await cli('eval', '--model', gz, '--tokenizer', 'code', '--json', '--no-accuracy', test)).stdout);
    const viaPlain = JSON.parse((await cli('eval', '--model', join(dir, 'model-code.arpa'), '--tokenizer', 'code', '--json', '--no-accuracy', test)).stdout);
    expect(viaGz.tokens).toBe(direct.tokens);
    expect(viaGz.perplexity.toPrecision(4)).toBe(direct.perplexity.toPrecision(4));
    expect(viaPlain.perplexity).toBe(viaGz.perplexity);
    // Without --tokenizer the CLI recognises Codegram's escaped code tokens, as the site does (lm/model-file.ts).
    const detected = JSON.parse((await cli('eval', '--model', gz, '--json', '--no-accuracy', test)).stdout);
    expect(detected.perplexity).toBe(viaGz.perplexity);
    const asWords = JSON.parse((await cli('eval', '--model', gz, '--tokenizer', 'whitespace', '--json', '--no-accuracy', test)).stdout);
    expect(asWords.perplexity).not.toBe(viaGz.perplexity);
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.txt'), /cannot read ".*nope.txt": no such file/],
    ['an empty file', () => file('empty.txt', ''), /"[^"]*empty.txt" is empty/],
    ['a binary file', () => file('x.bin', new Uint8Array([65, 66, 0, 1, 2])), /looks binary \(NUL byte at offset 2\)/],
    ['a non-UTF-8 file', () => file('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a])), /is not valid UTF-8 \(first bad byte at offset 3\)/],
  ])('refuses %s with one line and a non-zero exit', async (_, path, message) => {
    const r = await cli('train', '--order', '3', '--out', join(dir, 'bad.cgm'), path());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a corrupt model file and a bad order', async () => {
    const r = await cli('eval', '--model', file('bad.cgm', 'CODEGRAM but not really a model'), test);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: ".*bad.cgm": /);
    const o = await cli('train', '--order', '0', '--out', model, train);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/order must be an integer from 1 to 10/);
  });
});
