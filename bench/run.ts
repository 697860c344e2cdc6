/**
 * `npm run bench`: every benchmark of the project, printed as one JSON document and saved to
 * bench/results/latest.json. Speed is measured here, never asserted in tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchLm } from './lm.ts';
import { benchPipeline } from './pipeline.ts';
import { benchAnalysis } from './analysis.ts';
import { benchLessons } from './lessons.ts';
import { benchTyping } from './typing.ts';

const results: Record<string, unknown> = {
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  lm: benchLm(),
  pipeline: await benchPipeline(),
  analysis: await benchAnalysis(),
  lessons: await benchLessons(),
  typing: await benchTyping(),
};
const text = JSON.stringify(results, null, 2);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', text + '\n');
process.stdout.write(text + '\n');
