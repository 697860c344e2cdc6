/**
 * The worker's rules when work overlaps: whatever the user did last wins when builds and model-file loads race
 * (worker/models.ts), and a superseded request of a lane stops computing (worker/lanes.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CorpusAccess } from '../../src/build/access.ts';
import { DEFAULT_BUILD_SETTINGS } from '../../src/build/settings.ts';
import type { Reply } from '../../src/worker/protocol.ts';
import { ModelService } from '../../src/worker/service.ts';
import { call, last, memoryAccess, smallRecords } from './helpers.ts';

const settings = { ...DEFAULT_BUILD_SETTINGS, order: 3 };

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Corpora whose bytes are held back until the gate opens: a build that is running and cannot finish yet. */
function heldAccess(access: CorpusAccess, g: Promise<void>, started: () => void): CorpusAccess {
  return {
    manifest: () => access.manifest(),
    open: async (file) => {
      started();
      await g;
      return access.open(file);
    },
  };
}

/** A model file whose bytes arrive only when the gate opens: a load that is running and cannot finish yet. */
function heldFile(bytes: Uint8Array, g: Promise<void>, started: () => void): Blob {
  const blob = new Blob([bytes as BlobPart]);
  return {
    size: blob.size,
    slice: (a?: number, b?: number) => blob.slice(a, b),
    stream: () =>
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          started();
          await g;
          controller.enqueue(bytes);
          controller.close();
        },
      }),
  } as unknown as Blob;
}

/** Two services: `main` whose race we study, and `other`, built on different corpora, to supply a distinct model file. */
let codeFile: Uint8Array;
let otherNgrams: number[];
beforeAll(async () => {
  const other = new ModelService({ access: () => memoryAccess(smallRecords(20, 7)) });
  expect(last(await call(other, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false }), 'built'));
  const exported = last(await call(other, { type: 'export', id: 2, model: 'code', format: 'cgm' }), 'exported');
  codeFile = new Uint8Array(exported.data);
  otherNgrams = other.ready!.fullCode.ngramCounts;
});

/** A service with built models, and a way to change the corpora its next build reads (as an upload does). */
async function builtService(): Promise<{ service: ModelService; corpora: (access: CorpusAccess) => void }> {
  let current: CorpusAccess = memoryAccess(smallRecords(12));
  const service = new ModelService({ access: () => current });
  last(await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false }), 'built');
  return { service, corpora: (access) => (current = access) };
}

/** A rebuild on other corpora, started and waiting for its corpus bytes until `held.open()`; its replies collect. */
async function heldBuild(service: ModelService, corpora: (access: CorpusAccess) => void) {
  const held = gate();
  const building = gate();
  corpora(heldAccess(memoryAccess(smallRecords(16, 3)), held.opened, building.open));
  const replies: Reply[] = [];
  const build = service.handle({ type: 'build', id: 2, settings, corporaUrl: '', useCache: false }, (r) => replies.push(r));
  await building.opened;
  return { held, build, replies };
}

describe('builds and model-file loads racing: the change started last wins', () => {
  it('a build started before a load and finishing after it does not replace the loaded model', async () => {
    const { service, corpora } = await builtService();
    const firstBase = service.ready!.built.base;
    // A rebuild on other corpora starts, and waits for its corpus bytes…
    const { held, build, replies } = await heldBuild(service, corpora);
    // …meanwhile the user loads a code model file, which goes live.
    const loaded = last(await call(service, { type: 'load', id: 3, role: 'code', file: new Blob([codeFile as BlobPart]), name: 'code.cgm', words: 'auto' }), 'loaded');
    expect(loaded.ready.fractions[0].model.ngrams).toEqual(otherNgrams);
    // The build then finishes: it must not replace the loaded model.
    held.open();
    await build;
    expect(replies[replies.length - 1]).toMatchObject({ type: 'error', id: 2, code: 'cancelled', message: expect.stringMatching(/newer change/) });
    expect(service.ready!.fullCode.ngramCounts).toEqual(otherNgrams);
    expect(service.ready!.built.base).toBe(firstBase);
  });

  it('a load started before a build and finishing after it does not replace the built models', async () => {
    const { service, corpora } = await builtService();
    const held = gate();
    const reading = gate();
    const replies: Reply[] = [];
    const load = service.handle({ type: 'load', id: 2, role: 'code', file: heldFile(codeFile, held.opened, reading.open), name: 'slow.cgm', words: 'auto' }, (r) => replies.push(r));
    await reading.opened;
    // The user changes the corpora: the rebuild goes live while the file is still being read.
    corpora(memoryAccess(smallRecords(16, 3)));
    const built = last(await call(service, { type: 'build', id: 3, settings, corporaUrl: '', useCache: false }), 'built');
    const liveCode = service.ready!.fullCode;
    expect(liveCode.ngramCounts).toEqual(built.ready.fractions[built.ready.fractions.length - 1].model.ngrams);
    held.open();
    await load;
    expect(replies[replies.length - 1]).toMatchObject({ type: 'error', id: 2, code: 'cancelled' });
    expect(service.ready!.fullCode).toBe(liveCode);
    expect(service.ready!.all.stage).toBe('full'); // the built models (a model file's set has no stage)
  });

  it('a failed load leaves a running build free to go live', async () => {
    const { service, corpora } = await builtService();
    const { held, build, replies } = await heldBuild(service, corpora);
    const bad = last(await call(service, { type: 'load', id: 3, role: 'code', file: new Blob(['not a model']), name: 'bad.arpa', words: 'auto' }), 'error');
    expect(bad.code).toBe('bad-input');
    held.open();
    await build;
    const built = replies[replies.length - 1];
    expect(built.type).toBe('built');
    if (built.type === 'built') expect(service.ready!.fullCode.ngramCounts).toEqual(built.ready.fractions[built.ready.fractions.length - 1].model.ngrams);
  });
});

describe('lanes: a superseded request stops computing in the worker', () => {
  it('a token colouring replaced by a newer one stops with "superseded", the newer one answers', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)), laneSliceMs: 0 });
    last(await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false }), 'built');
    const text = 'def total(items):\n    result = 0\n    for item in items:\n        result = result + item\n    return result\n'.repeat(5);
    const older: Reply[] = [];
    const first = service.handle({ type: 'score', id: 2, lane: 'colour', text, rankDepth: 1000 }, (r) => older.push(r));
    // The older request is paused between tokens when the newer one arrives.
    const newer = last(await call(service, { type: 'score', id: 3, lane: 'colour', text: 'return a + b', rankDepth: 1000 }), 'scores');
    await first;
    expect(older).toEqual([expect.objectContaining({ type: 'error', id: 2, code: 'superseded' })]);
    expect(newer.tokens.map((t) => t.token).join('')).toBe('return a + b');
    // Another lane is not affected.
    const other = last(await call(service, { type: 'score', id: 4, lane: 'other', text: 'x = 1' }), 'scores');
    expect(other.tokens.length).toBeGreaterThan(2);
  });

  it('a sampled continuation replaced by a newer one stops between tokens', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)), laneSliceMs: 0 });
    last(await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false }), 'built');
    const older: Reply[] = [];
    const first = service.handle({ type: 'generate', id: 2, lane: 'ghost', text: 'def', options: { method: 'sample', maxTokens: 400, seed: 1 } }, (r) => older.push(r));
    const newer = last(await call(service, { type: 'generate', id: 3, lane: 'ghost', text: 'def', options: { method: 'greedy', maxTokens: 3 } }), 'generated');
    await first;
    expect(older).toEqual([expect.objectContaining({ type: 'error', id: 2, code: 'superseded' })]);
    expect(newer.finetuned.tokens.length).toBeGreaterThan(0);
    // Without a newer request in its lane, the same sampling runs to its end.
    const whole = last(await call(service, { type: 'generate', id: 4, lane: 'ghost', text: 'def', options: { method: 'sample', maxTokens: 400, seed: 1 } }), 'generated');
    expect(whole.finetuned.tokens.length).toBeGreaterThan(1);
  });

  it('a "why" request replaced while it waited for its index stops there', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)) });
    last(await call(service, { type: 'build', id: 1, settings, corporaUrl: '', useCache: false }), 'built');
    // A "why" waits for its index to be built; a newer one of the lane arrives meanwhile.
    const older: Reply[] = [];
    const first = service.handle({ type: 'why', id: 2, lane: 'why', text: 'def add(a, b):\n    return', token: ' a', model: 'finetuned' }, (r) => older.push(r));
    const newer = last(await call(service, { type: 'why', id: 3, lane: 'why', text: 'def add(a, b):\n    return', token: ' b', model: 'finetuned' }), 'continuations');
    await first;
    expect(older).toEqual([expect.objectContaining({ type: 'error', id: 2, code: 'superseded' })]);
    expect(newer.report.corpora[0].hits.every((h) => h.token === ' b')).toBe(true);
  });
});
