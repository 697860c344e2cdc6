/**
 * `eval` with its helper thread (src/cli/parallel-eval.ts). The helper runs the CLI bundle itself, so these tests
 * start real worker threads on dist-cli/cli.mjs. Whatever the threads do, the figures are those of one thread scoring
 * the same runs in order, and a damaged model is refused although the helper reads it unchecked.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, ensureCli } from '../../bin/build-cli.mjs';
import { EvalHelper, evaluateWhitespace, readFileShared, RUN_TOKENS } from '../../src/cli/parallel-eval.ts';
import { resultOf, scoreSentences, sentenceRuns, whitespaceSentenceIds } from '../../src/lm/evaluate.ts';
import { deserializeModel, serializeModel } from '../../src/lm/format.ts';
import { train } from '../../src/lm/train.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'codegram-parallel-'));

/** Made-up sentences of a small vocabulary (some words unknown to the model), from a seed. */
function sentences(n: number, seed: number): string {
  const words = ['the', 'cat', 'dog', 'sat', 'on', 'mat', 'log', 'a', 'ran', 'and', 'bird', 'fish', 'under', 'tree'];
  let x = seed;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const line: string[] = [];
    for (let j = 0; j <= i % 9; j++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      line.push(words[x % words.length]);
    }
    lines.push(line.join(' '));
  }
  return lines.join('\n') + '\n';
}

const modelPath = join(dir, 'model.cgm');
/** Over 1 MB, so that `eval` starts its helper (on a machine of two cores or more: CI's has two). */
const largePath = join(dir, 'large.txt');
const large = sentences(200_000, 3);

/** Bytes in shared memory, as `eval` reads files when it has a helper. */
function shared(bytes: Uint8Array): Uint8Array {
  const s = new Uint8Array(new SharedArrayBuffer(bytes.length));
  s.set(bytes);
  return s;
}

beforeAll(async () => {
  await ensureCli();
  writeFileSync(modelPath, new Uint8Array(serializeModel(train([sentences(3000, 1)], { order: 4, tokenizer: 'whitespace', lines: true }))));
  writeFileSync(largePath, large);
});

const sharedModel = () => deserializeModel(readFileShared(modelPath).buffer, { lazyStrings: true });

describe('the helper thread', () => {
  it('reads the text into the ids this thread reads, then scores every run it takes as this thread does', async () => {
    const model = sharedModel();
    const text = shared(new TextEncoder().encode(sentences(20_000, 7)));
    const helper = EvalHelper.start(pathToFileURL(BUNDLE), 0, true)!;
    try {
      expect(helper.sendModel(readFileShared(modelPath))).toBe(true);
      expect(helper.sendTexts([text], true)).toBe(true);
      const got = await helper.sentenceIds();
      const own = whitespaceSentenceIds(model.vocab, [text], true);
      expect(got).not.toBeNull();
      expect(got!.ids).toEqual(own.ids);
      expect(got!.ends).toEqual(own.ends);
      // This thread takes no run: the helper scores them all.
      const cuts = sentenceRuns(own, RUN_TOKENS);
      expect(cuts.length).toBeGreaterThan(2);
      const all = cuts.slice(1).map((_, r) => r);
      const reported = await helper.reported(all);
      for (const r of all) expect(reported.get(r)).toEqual(scoreSentences(model, own, cuts[r], cuts[r + 1], true));
    } finally {
      helper.stop();
    }
  });

  it('that fails costs time, not the answer: this thread reads the text or scores the run the helper took', async () => {
    const model = sharedModel();
    const text = shared(new TextEncoder().encode(large));
    const alone = await evaluateWhitespace(model, [text], false, null);
    expect(alone.runs).toBeGreaterThan(2);
    const own = whitespaceSentenceIds(model.vocab, [text], true);
    // Stand-ins: one dies before it gives the ids; one gives them, takes the first run and dies.
    const script = (takeRun: boolean) => `
      const { parentPort, workerData } = require('node:worker_threads');
      parentPort.on('message', (m) => {
        if (m.kind !== 'texts') return;
        if (${takeRun}) {
          const next = new Int32Array(new SharedArrayBuffer(4));
          Atomics.add(next, 0, 1);
          parentPort.postMessage({ kind: 'ids', ids: workerData.ids, ends: workerData.ends, next });
        }
        throw new Error('helper crashed');
      });`;
    for (const takeRun of [false, true]) {
      const helper = new EvalHelper(new Worker(script(takeRun), { eval: true, workerData: { ids: own.ids, ends: own.ends } }));
      try {
        helper.sendModel(readFileShared(modelPath));
        helper.sendTexts([text], false);
        const r = await evaluateWhitespace(model, [text], false, helper);
        expect(r.sums).toEqual(alone.sums);
        expect(r.byHelper).toBe(0);
        expect(r.rescued).toBe(takeRun ? 1 : 0);
      } finally {
        helper.stop();
      }
    }
  });
});

describe('npm run cli -- eval of a large text', () => {
  it('gives, with its helper, the figures of one thread scoring the same runs', async () => {
    expect(large.length).toBeGreaterThan(1 << 20);
    const { stdout } = await run('node', ['bin/cli.mjs', 'eval', '--model', modelPath, '--json', '--no-accuracy', largePath]);
    const got = JSON.parse(stdout) as Record<string, number | null>;
    const one = await evaluateWhitespace(sharedModel(), [new TextEncoder().encode(large)], false, null);
    const expected = resultOf(one.sums, 0);
    expect(got.tokens).toBe(expected.tokens);
    expect(got.oov).toBe(expected.oov);
    expect(got.perplexity).toBe(expected.perplexity);
    expect(got.perplexityExclOov).toBe(expected.perplexityExclOov);
    expect(got.bitsPerToken).toBe(expected.bitsPerToken);
  });

  it('refuses a damaged model, which the helper reads unchecked, with the main thread\'s message', async () => {
    const damaged = new Uint8Array(readFileSync(modelPath));
    damaged[damaged.length - 9] ^= 0x5a;
    const damagedPath = join(dir, 'damaged.cgm');
    writeFileSync(damagedPath, damaged);
    const r = await run('node', ['bin/cli.mjs', 'eval', '--model', damagedPath, '--no-accuracy', largePath]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: "${damagedPath}": model file is corrupt: checksum mismatch\n`);
  });
});
