/**
 * Time to compute each lesson view on the default corpora, worker side (Node, same code as the worker):
 *   npx tsx bench/lessons.ts        JSON on stdout
 * Colouring: per-token scores and ranks to 1000 for both models on a ~300-token Python/TypeScript text (and to
 * 100, the old depth, for comparison); prompting: greedy, beam and sampled continuations of 40 tokens for both
 * models; smoothing: the four methods after a context; tokens made visible: the page-side token spans.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tokenSpans } from '../src/editor/lesson.ts';
import { FACTORIAL_PROMPT } from '../src/editor/snippets.ts';
import { tokenize } from '../src/lm/tokenizer.ts';
import { DEEP_RANK, RANK_DEPTH, scoreText, smoothingAfter } from '../src/analysis/lessons.ts';
import { buildModels } from '../src/build/build.ts';
import { ModelSet } from '../src/build/model-set.ts';
import { Scheduler } from '../src/build/scheduler.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { fileAccess } from './pipeline.ts';
import type { GenerateRequest } from '../src/worker/protocol.ts';
import { LANE_SLICE_MS } from '../src/worker/service.ts';
import { generate } from '../src/lm/generate.ts';
import { BOS } from '../src/lm/types.ts';

const CORPORA = join(import.meta.dirname, '..', 'public', 'corpora');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(runs: number, f: () => unknown): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return Math.round(median(ms) * 10) / 10;
}

export async function benchLessons(): Promise<Record<string, unknown>> {
  if (!existsSync(join(CORPORA, 'manifest.json'))) return { skipped: `no corpora in ${CORPORA} (run npm run corpora)` };
  const set = new ModelSet(await buildModels(fileAccess(CORPORA), DEFAULT_BUILD_SETTINGS));
  set.setDocument(FACTORIAL_PROMPT);
  // The worker's lane scheduler: slices that yield to the event loop, as a score request runs there.
  const pause = () => new Scheduler({ sliceMs: LANE_SLICE_MS }).pause;
  // About 300 tokens of real code: the start of this repository's generation module.
  const source = await readFile(join(import.meta.dirname, '..', 'src', 'lm', 'generate.ts'), 'utf8');
  let text = '';
  for (const t of tokenize(source)) {
    if (tokenize(text).length >= 300) break;
    text += t;
  }
  const gen = (options: GenerateRequest) => () => {
    const ids = [BOS, ...set.ids(tokenize(FACTORIAL_PROMPT))].slice(-(set.finetuned.order - 1));
    for (const m of [set.base, set.finetuned]) generate(m, ids, { ...options });
  };
  const results = {
    textTokens: tokenize(text).length,
    colouringRanksTo1000Ms: await time(3, () => scoreText(set, text, DEEP_RANK, pause())),
    colouringRanksTo100Ms: await time(3, () => scoreText(set, text, RANK_DEPTH, pause())),
    smoothingMs: {
      base: await time(5, () => smoothingAfter(set, 'for i in range(', 'base', 8, 1)),
      code: await time(5, () => smoothingAfter(set, 'for i in range(', 'finetuned', 8, 1)),
    },
    promptingBothModels40TokensMs: {
      greedy: await time(3, gen({ method: 'greedy', maxTokens: 40 })),
      beam4: await time(3, gen({ method: 'beam', maxTokens: 40, beamWidth: 4 })),
      sample: await time(3, gen({ method: 'sample', maxTokens: 40, seed: 1, temperature: 0.8, topK: 40, topP: 0.95 })),
    },
    tokenSpansPageSideMs: await time(5, () => tokenSpans(text)),
  };
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchLessons(), null, 2));
}
