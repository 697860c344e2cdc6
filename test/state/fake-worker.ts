/**
 * A scripted model worker for the state tests: it records every request the page's client posts, and the test
 * answers them (in any order) with the replies a real worker would send. No browser, no models: the state
 * classes run exactly as on the page, over the real ModelClient.
 */
import type { MixState } from '../../src/build/mix.ts';
import type { ModelsReady } from '../../src/build/model-set.ts';
import type { ErrorCode } from '../../src/lm/errors.ts';
import type { ModelWorker } from '../../src/state/models.svelte.ts';
import { ModelsState } from '../../src/state/models.svelte.ts';
import type { Reply, Request } from '../../src/worker/protocol.ts';

type MessageListener = (event: MessageEvent<Reply>) => void;
type ErrorListener = (event: Pick<ErrorEvent, 'message' | 'preventDefault'>) => void;

export class FakeWorker implements ModelWorker {
  readonly sent: Request[] = [];
  terminated = false;
  private readonly onMessage = new Set<MessageListener>();
  private readonly onError = new Set<ErrorListener>();

  postMessage(message: Request): void {
    this.sent.push(message);
  }

  addEventListener(type: 'message', listener: MessageListener): void;
  addEventListener(type: 'error', listener: ErrorListener): void;
  addEventListener(type: 'message' | 'error', listener: MessageListener | ErrorListener): void {
    if (type === 'message') this.onMessage.add(listener as MessageListener);
    else this.onError.add(listener as ErrorListener);
  }

  removeEventListener(_type: 'message', listener: MessageListener): void {
    this.onMessage.delete(listener);
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The requests of one type, oldest first. */
  requests<T extends Request['type']>(type: T): Extract<Request, { type: T }>[] {
    return this.sent.filter((r): r is Extract<Request, { type: T }> => r.type === type);
  }

  /** The latest request of a type; fails the test when there is none. */
  last<T extends Request['type']>(type: T): Extract<Request, { type: T }> {
    const all = this.requests(type);
    if (!all.length) throw new Error(`no "${type}" request was sent (sent: ${this.sent.map((r) => r.type).join(', ') || 'nothing'})`);
    return all[all.length - 1];
  }

  reply(reply: Reply): void {
    for (const l of [...this.onMessage]) l({ data: reply } as MessageEvent<Reply>);
  }

  fail(id: number, code: ErrorCode, message = `${code} for the test`): void {
    this.reply({ type: 'error', id, code, message });
  }

  /** An uncaught error in the worker, as the browser reports it. */
  crash(message: string): void {
    for (const l of [...this.onError]) l({ message, preventDefault: () => {} });
  }
}

/** Lets pending promise callbacks run (the client's replies resolve through a few of them). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

export function mixState(patch: Partial<MixState> = {}): MixState {
  return { lambda: 0.6, fittedLambda: 0.6, dataFraction: 1, cacheWeight: 0.1, cacheTokens: 0, ...patch };
}

/** What a worker reports for a model set; `tag` goes into the training-token count so tests can tell sets apart. */
export function modelsReady(order = 5, tag = 1): ModelsReady {
  const summary = (trainingTokens: number) => ({ order, vocabulary: 100, ngrams: Array.from({ length: order }, () => 10), trainingTokens, bytes: 1000 });
  return {
    base: summary(1000 * tag),
    fractions: [{ fraction: 1, model: summary(500 * tag), fittedLambda: 0.6, heldOutBitsPerToken: 5 }],
    heldOutTokens: 100,
    baseHeldOutBitsPerToken: 9,
    mix: mixState(),
    stage: 'complete',
    plannedFractions: [1],
    fromCache: false,
    elapsedMs: 10,
    modelsId: tag,
  };
}

/** A ModelsState over fake workers (a new one for every start, as after a crash). */
export function fakeModels(options: { silenceMs?: number } = {}): { models: ModelsState; workers: FakeWorker[]; worker: () => FakeWorker } {
  const workers: FakeWorker[] = [];
  const models = new ModelsState(
    () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    { corporaUrl: 'https://codegram.test/corpora/', ...options },
  );
  return { models, workers, worker: () => workers[workers.length - 1] };
}

export const SETTINGS = { order: 5, useDefaults: { general: true, code: true }, uploads: [] };

/** Builds once and answers the mix that follows, so the models are ready. */
export async function readyModels(order = 5): Promise<ReturnType<typeof fakeModels>> {
  const fake = fakeModels();
  const built = fake.models.build({ ...SETTINGS, order });
  const w = fake.worker();
  w.reply({ type: 'built', id: w.last('build').id, ready: modelsReady(order) });
  await settle();
  w.reply({ type: 'mixed', id: w.last('mix').id, mix: mixState() });
  await built;
  return fake;
}
