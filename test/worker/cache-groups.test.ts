/** A build with code of every kind (three languages and an "other" upload) answers the same from the cache. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUILD_SETTINGS } from '../../src/build/settings.ts';
import { memoryStore } from '../../src/storage/model-cache.ts';
import { ModelService } from '../../src/worker/service.ts';
import { call, last, memoryAccess, smallRecords } from './helpers.ts';

const service = (s: ModelService) => s.ready!;

describe('the model cache with an upload in a language of its own', () => {
  it('restores the "other" code model and its weights: the cached build answers as the fresh one', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) lines.push(`blorp zanqa fet mirrow${i % 3} ;`, `quillo blorp zanqa fet ;`);
    const settings = { ...DEFAULT_BUILD_SETTINGS, order: 3, uploads: [{ id: 'u1', name: 'blorp.zq', kind: 'code' as const, files: [{ path: 'blorp.zq', text: lines.join('\n') + '\n' }] }] };
    const store = memoryStore();
    const ask = async (service: ModelService, id: number) => {
      const r = last(await call(service, { type: 'next', id, text: 'quillo blorp zanqa', k: 3, prefix: ' ' }), 'predictions');
      return r.predictions.finetuned.map((p) => [p.token, p.prob.toFixed(9)]);
    };
    const fresh = new ModelService({ access: () => memoryAccess(smallRecords(12)), store });
    expect(last(await call(fresh, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }), 'built').ready.fromCache).toBe(false);
    const expected = await ask(fresh, 2);
    expect(expected[0][0]).toBe(' fet');
    const cached = new ModelService({ access: () => memoryAccess(smallRecords(12)), store });
    expect(last(await call(cached, { type: 'build', id: 1, settings, corporaUrl: '', useCache: true }), 'built').ready.fromCache).toBe(true);
    expect(await ask(cached, 2)).toEqual(expected);
    // The region counts come back with the models: completions weighed by them answer the same.
    const complete = async (service: ModelService) => last(await call(service, { type: 'complete', id: 3, lane: 'cursor', before: 'quillo blorp', after: '', k: 5, maxTokens: 6, model: 'finetuned' }), 'completion').completion;
    expect(service(fresh).regions).not.toBeNull();
    expect(await complete(cached)).toEqual(await complete(fresh));
    expect((await complete(cached)).region).toBe('code');
  });
});
