/**
 * `npm run bench`: every benchmark of the project, printed as one JSON document and saved to
 * bench/results/latest.json. Speed is measured here, never asserted in tests.
 *
 *   npm run bench                    every section
 *   npm run bench -- lm pipeline     only the sections named (lm, cli: fresh-process CLI wall times, pipeline, analysis,
 *                                    lessons, typing, ranking, prompts, ghost: keystroke to ghost in Chromium, which
 *                                    builds and serves the site; first-visit: a new visitor's waits in Chromium,
 *                                    fresh profiles, then a reload; build-jobs: the English and Python full jobs in
 *                                    Chromium's build worker and in Node, alone and side by side; check: parse rate
 *                                    and pass@k of what the models write, n = 20 per prompt, code run in child
 *                                    processes without network)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchLm } from './lm.ts';
import { benchCli } from './cli.ts';
import { benchPipeline } from './pipeline.ts';
import { benchAnalysis } from './analysis.ts';
import { benchLessons } from './lessons.ts';
import { benchPrompts } from './prompts.ts';
import { benchTyping } from './typing.ts';
import { benchRanking } from './ranking.ts';
import { benchGhostLatency } from './ghost-latency.ts';
import { benchFirstVisit } from './first-visit.ts';
import { benchBuildJobs } from './build-jobs.ts';
import { benchCheck } from './check.ts';

const SECTIONS: Record<string, () => unknown> = {
  lm: benchLm,
  cli: benchCli,
  pipeline: benchPipeline,
  analysis: benchAnalysis,
  lessons: benchLessons,
  typing: () => benchTyping(),
  ranking: () => benchRanking(),
  prompts: benchPrompts,
  ghost: async () => ({ atReady: await benchGhostLatency(), settled: await benchGhostLatency(undefined, 15_000) }),
  'first-visit': () => benchFirstVisit(),
  'build-jobs': benchBuildJobs,
  check: () => benchCheck(),
};

const asked = process.argv.slice(2);
for (const name of asked) if (!(name in SECTIONS)) throw new Error(`unknown bench section "${name}" (sections: ${Object.keys(SECTIONS).join(', ')})`);
const results: Record<string, unknown> = {
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
};
for (const [name, run] of Object.entries(SECTIONS)) if (!asked.length || asked.includes(name)) results[name] = await run();
const text = JSON.stringify(results, null, 2);
mkdirSync('bench/results', { recursive: true });
writeFileSync(asked.length ? `bench/results/${asked.join('-')}.json` : 'bench/results/latest.json', text + '\n');
process.stdout.write(text + '\n');
