/// <reference lib="webworker" />
/**
 * The model worker: a thin shell that hands every message to ModelService (service.ts) and posts its
 * replies back, transferring buffers (exported model files). Everything it does is tested in Node.
 */
import { idbStore } from '../storage/model-cache.ts';
import type { Request } from './protocol.ts';
import { ModelService } from './service.ts';

declare const self: DedicatedWorkerGlobalScope;

const service = new ModelService({ store: idbStore() });

self.onmessage = (event: MessageEvent<Request>) => {
  void service.handle(event.data, (reply, transfer) => self.postMessage(reply, transfer ?? []));
};
