/// <reference lib="webworker" />
/**
 * The model worker: a thin shell that hands every message to ModelService (service.ts) and posts its
 * replies back, transferring buffers (exported model files). Everything it does is tested in Node.
 */
import { idbStore } from '../storage/model-cache.ts';
import { workerPool, type BuildWorkerLike } from './build-pool.ts';
import type { Request } from './protocol.ts';
import { ModelService } from './service.ts';

declare const self: DedicatedWorkerGlobalScope;

// Build jobs go to build workers, one per core up to three (English and each code group can be counted at once);
// this worker only coordinates them and answers the page.
const cores = Math.max(1, Math.min(3, navigator.hardwareConcurrency || 2));
const runner = workerPool(cores, () => new Worker(new URL('./build-worker.ts', import.meta.url), { type: 'module', name: 'codegram-build' }) as unknown as BuildWorkerLike);
const service = new ModelService({ store: idbStore(), runner });

self.onmessage = (event: MessageEvent<Request>) => {
  void service.handle(event.data, (reply, transfer) => self.postMessage(reply, transfer ?? []));
};
