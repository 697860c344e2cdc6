/**
 * A ghost asked for before there are models (`untilModels`): the worker keeps the latest such request and answers it
 * the moment the first models go live, or ends its wait when none are coming.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUILD_SETTINGS } from '../../src/build/settings.ts';
import type { Reply, Request } from '../../src/worker/protocol.ts';
import { ModelService } from '../../src/worker/service.ts';
import { call, languageRecords, last, memoryAccess, smallRecords } from './helpers.ts';

const settings = { ...DEFAULT_BUILD_SETTINGS, order: 3 };

function ghostAt(id: number, before: string, untilModels = true): Extract<Request, { type: 'complete' }> {
  return { type: 'complete', id, lane: 'cursor', before, after: '', k: 5, maxTokens: 6, model: 'finetuned', untilModels };
}

/** Every reply of every request, in the order they were posted, tagged with the request's id. */
function journal(): { log: [number, Reply['type'], Reply][]; post: (id: number) => (r: Reply) => void } {
  const log: [number, Reply['type'], Reply][] = [];
  return { log, post: (id) => (r) => log.push([id, r.type, r]) };
}

describe('a ghost asked for before the models', () => {
  it('is answered as the first models go live, before anything else is posted, as it would be once they answer', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)) });
    const { log, post } = journal();
    const ghost = service.handle(ghostAt(2, 'def f'), post(2));
    await Promise.resolve();
    expect(log).toEqual([]); // it waits
    await service.handle({ type: 'build', id: 1, settings, corporaUrl: '', useCache: false }, post(1));
    await ghost;
    const live = log.findIndex(([id, type]) => id === 1 && (type === 'usable' || type === 'built'));
    expect(live).toBeGreaterThanOrEqual(0);
    expect(log[live + 1]).toEqual([2, 'completion', expect.anything()]);
    const early = log[live + 1][2];
    if (early.type !== 'completion') throw new Error('no completion');
    const later = last(await call(service, ghostAt(3, 'def f', false)), 'completion');
    expect(early.completion).toEqual(later.completion);
  });

  it('keeps only the latest cursor: an earlier one is superseded at once', async () => {
    const service = new ModelService({ access: () => memoryAccess(smallRecords(12)) });
    const { log, post } = journal();
    const first = service.handle(ghostAt(2, 'def f'), post(2));
    const second = service.handle(ghostAt(3, 'def fa'), post(3));
    await first;
    expect(log).toEqual([[2, 'error', expect.objectContaining({ code: 'superseded' })]]);
    await service.handle({ type: 'build', id: 1, settings, corporaUrl: '', useCache: false }, post(1));
    await second;
    expect(log.filter(([id]) => id === 3).map(([, type]) => type)).toEqual(['completion']);
  });

  it("is weighed for the build's language, as after the page's mix", async () => {
    const records = languageRecords(12);
    const service = new ModelService({ access: () => memoryAccess(records, 'v1', true) });
    const { log, post } = journal();
    const ghost = service.handle(ghostAt(2, 'const x = '), post(2));
    await service.handle({ type: 'build', id: 1, settings, corporaUrl: '', useCache: false, language: 'javascript' }, post(1));
    await ghost;
    const early = log.find(([id]) => id === 2)![2];
    if (early.type !== 'completion') throw new Error(`no completion: ${JSON.stringify(early)}`);
    expect(service.ready!.settings.language).toBe('javascript');
    await call(service, { type: 'mix', id: 3, mix: { ...service.ready!.settings, language: 'javascript' } });
    expect(early.completion).toEqual(last(await call(service, ghostAt(4, 'const x = ', false)), 'completion').completion);
  });

  it("ends the wait with 'cancelled' when the build fails with no models; without untilModels there is no wait", async () => {
    const failing = memoryAccess(smallRecords(12));
    const service = new ModelService({ access: () => ({ ...failing, manifest: async () => Promise.reject(new Error('offline')) }) });
    const { log, post } = journal();
    const ghost = service.handle(ghostAt(2, 'def f'), post(2));
    await service.handle({ type: 'build', id: 1, settings, corporaUrl: '', useCache: false }, post(1));
    await ghost;
    const replies = log.map(([id, type, r]) => [id, type, type === 'error' ? (r as Extract<Reply, { type: 'error' }>).code : '']);
    expect(replies.sort()).toEqual([
      [1, 'error', 'internal'],
      [2, 'error', 'cancelled'],
    ]);
    expect(last(await call(service, ghostAt(3, 'def f', false)), 'error').code).toBe('not-ready');
  });
});
