/**
 * `eval` with its helper thread (src/cli/parallel-eval.ts). The helper runs the CLI bundle itself, so these tests
 * start real worker threads on dist-cli/cli.mjs. Whatever the threads do, the figures are those of one thread scoring
 * the same runs in order, and a damaged model is refused with the message a one-thread read gives.
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
import { EvalHelper, readFileShared, RUN_TOKENS, scoreInRuns } from '../../src/cli/parallel-eval.ts';
import { resultOf, scoreSentences, sentenceRuns, whitespaceSentenceIds } from '../../src/lm/evaluate.ts';
import { checksum, deserializeModel, serializeModel } from '../../src/lm/format.ts';
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

beforeAll(async () => {
  await ensureCli();
  writeFileSync(modelPath, new Uint8Array(serializeModel(train([sentences(3000, 1)], { order: 4, tokenizer: 'whitespace', lines: true }))));
  writeFileSync(largePath, large);
});

const sharedModel = () => deserializeModel(readFileShared(modelPath).buffer, { lazyStrings: true });

describe('the helper thread', () => {
  it('passes the checksum of a sound model, then scores every run it takes as this thread does', async () => {
    const model = sharedModel();
    const s = whitespaceSentenceIds(model.vocab, [new TextEncoder().encode(sentences(20_000, 7))], true);
    const helper = EvalHelper.start(pathToFileURL(BUNDLE), 0, true)!;
    try {
      helper.checkModel(readFileShared(modelPath));
      expect(helper.takesChecks).toBe(true);
      expect(await helper.checksError()).toBeNull();
      // This thread takes no run: the helper scores them all.
      const { ids } = helper.share(s, true);
      const cuts = sentenceRuns(s, RUN_TOKENS);
      expect(cuts.length).toBeGreaterThan(2);
      const all = cuts.slice(1).map((_, r) => r);
      const reported = await helper.reported(all);
      for (const r of all) expect(reported.get(r)).toEqual(scoreSentences(model, ids, cuts[r], cuts[r + 1], true));
    } finally {
      helper.stop();
    }
  });

  it('refuses a damaged model with the message a one-thread read gives', async () => {
    const damaged = readFileShared(modelPath);
    damaged[damaged.length - 9] ^= 0x5a;
    expect(() => deserializeModel(damaged.slice().buffer)).toThrow('model file is corrupt: checksum mismatch');
    const helper = EvalHelper.start(pathToFileURL(BUNDLE), 0, true)!;
    try {
      helper.checkModel(damaged);
      expect(await helper.checksError()).toBe('model file is corrupt: checksum mismatch');
    } finally {
      helper.stop();
    }
  });

  it('takes no model it would have to copy, and the ids as they are when they are in shared memory', () => {
    // A stand-in that never answers: only what the main thread's side decides is under test.
    const helper = new EvalHelper(new Worker(`require('node:worker_threads').parentPort.on('message', () => {});`, { eval: true }));
    try {
      // A model not read whole into shared memory is checked by this thread.
      helper.checkModel(new Uint8Array(readFileSync(modelPath)));
      expect(helper.takesChecks).toBe(false);
      const shared = readFileShared(modelPath);
      helper.checkModel(shared.subarray(0, shared.length - 4));
      expect(helper.takesChecks).toBe(false);
      helper.checkModel(shared);
      expect(helper.takesChecks).toBe(true);
      // Ids read into shared memory go as they are; others are copied there.
      const model = sharedModel();
      const text = [new TextEncoder().encode(sentences(2000, 5))];
      const inShared = whitespaceSentenceIds(model.vocab, text, true, true);
      const passed = helper.share(inShared, false).ids;
      expect(passed.ids).toBe(inShared.ids);
      expect(passed.ends).toBe(inShared.ends);
      const plain = whitespaceSentenceIds(model.vocab, text, true);
      const copied = helper.share(plain, false).ids;
      expect(copied.ids).not.toBe(plain.ids);
      expect(copied.ids.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(copied.ids)).toEqual(Array.from(plain.ids));
    } finally {
      helper.stop();
    }
  });

  it('that fails costs time, not the answer: this thread scores the run it took', async () => {
    const model = sharedModel();
    const s = whitespaceSentenceIds(model.vocab, [new TextEncoder().encode(large)], true);
    const alone = await scoreInRuns(model, s, false, null);
    expect(alone.runs).toBeGreaterThan(2);
    // A stand-in: passes the checksum, takes the first run and dies.
    const failing = new EvalHelper(
      new Worker(
        `const { parentPort } = require('node:worker_threads');
         parentPort.on('message', (m) => {
           if (m.kind === 'model') return parentPort.postMessage({ kind: 'checked' });
           Atomics.add(m.next, 0, 1);
           throw new Error('helper crashed');
         });`,
        { eval: true },
      ),
    );
    try {
      failing.checkModel(readFileShared(modelPath));
      // Its verdict first: it is running, so it takes its run as soon as the ids come, well within this thread's first
      // run (13 ms warm, 80 ms cold) of more than ten.
      expect(await failing.checksError()).toBeNull();
      const r = await scoreInRuns(model, s, false, failing);
      expect(r.sums).toEqual(alone.sums);
      expect(r.byHelper).toBe(0);
      expect(r.rescued).toBe(1);
    } finally {
      failing.stop();
    }
    // One that dies before its verdict: eval then makes its checks itself (checksError gives undefined).
    const silent = new EvalHelper(new Worker(`require('node:worker_threads').parentPort.on('message', () => { throw new Error('no'); });`, { eval: true }));
    try {
      silent.checkModel(readFileShared(modelPath));
      expect(await silent.checksError()).toBeUndefined();
    } finally {
      silent.stop();
    }
  });
});

describe('npm run cli -- eval of a large text', () => {
  it('gives, with its helper, the figures of one thread scoring the same runs', async () => {
    expect(large.length).toBeGreaterThan(1 << 20);
    const { stdout } = await run('node', ['bin/cli.mjs', 'eval', '--model', modelPath, '--json', '--no-accuracy', largePath]);
    const got = JSON.parse(stdout) as Record<string, number | null>;
    const model = sharedModel();
    const one = await scoreInRuns(model, whitespaceSentenceIds(model.vocab, [new TextEncoder().encode(large)], true), false, null);
    const expected = resultOf(one.sums, 0);
    expect(got.tokens).toBe(expected.tokens);
    expect(got.oov).toBe(expected.oov);
    expect(got.perplexity).toBe(expected.perplexity);
    expect(got.perplexityExclOov).toBe(expected.perplexityExclOov);
    expect(got.bitsPerToken).toBe(expected.bitsPerToken);
  });

  it('refuses a damaged model with the message a one-thread read gives, whichever thread finds the damage', async () => {
    const file = new Uint8Array(readFileSync(modelPath));
    // A probability turned into garbage (the main thread's array checks see it) and one changed in its lowest bit
    // (only the helper's checksum does).
    for (const [at, flip] of [
      [file.length - 9, 0x5a],
      [file.length - 4, 1],
    ]) {
      const damaged = file.slice();
      damaged[at] ^= flip;
      const damagedPath = join(dir, `damaged-${flip}.cgm`);
      writeFileSync(damagedPath, damaged);
      const r = await run('node', ['bin/cli.mjs', 'eval', '--model', damagedPath, '--no-accuracy', largePath]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: "${damagedPath}": model file is corrupt: checksum mismatch\n`);
    }
    // Written wrongly and checksummed again: a probability above 1, which only the helper's checks of values see.
    const wrong = file.slice();
    const view = new DataView(wrong.buffer);
    view.setFloat32(deserializeModel(file.slice().buffer).orders[1].log2Prob.byteOffset, 0.5, true);
    view.setUint32(20, checksum(wrong.buffer, 24), true);
    const wrongPath = join(dir, 'wrong.cgm');
    writeFileSync(wrongPath, wrong);
    expect(() => deserializeModel(wrong.slice().buffer)).toThrow('model file order 2 holds a probability that is not one');
    const r = await run('node', ['bin/cli.mjs', 'eval', '--model', wrongPath, '--no-accuracy', largePath]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r).toMatchObject({ code: 1, stderr: `error: "${wrongPath}": model file order 2 holds a probability that is not one\n` });
  });
});
