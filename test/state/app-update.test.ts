/**
 * The page's side of updates (src/state/app-update.svelte.ts) over a scripted service worker container: a first
 * install offers nothing and does not reload; an update that installs beside the active worker is offered, and
 * applying it tells that worker to skip waiting and reloads the page once, when the controller changes.
 */
import { describe, expect, it } from 'vitest';
import { AppUpdate, type InstallingWorker, type WorkerContainer, type WorkerRegistration } from '../../src/state/app-update.svelte.ts';
import type { PageToWorker } from '../../src/sw/protocol.ts';

class FakeWorker implements InstallingWorker {
  state = 'installing';
  readonly received: PageToWorker[] = [];
  readonly #listeners: (() => void)[] = [];
  postMessage(message: PageToWorker): void {
    this.received.push(message);
  }
  addEventListener(_type: 'statechange', listener: () => void): void {
    this.#listeners.push(listener);
  }
  become(state: string): void {
    this.state = state;
    for (const l of this.#listeners) l();
  }
}

class FakeRegistration implements WorkerRegistration {
  installing: FakeWorker | null = null;
  waiting: FakeWorker | null = null;
  updates = 0;
  readonly #found: (() => void)[] = [];
  addEventListener(_type: 'updatefound', listener: () => void): void {
    this.#found.push(listener);
  }
  async update(): Promise<void> {
    this.updates++;
  }
  /** A new worker starts installing. */
  find(worker: FakeWorker): void {
    this.installing = worker;
    for (const l of this.#found) l();
  }
}

class FakeContainer implements WorkerContainer {
  controller: object | null;
  readonly registration = new FakeRegistration();
  registered: { url: string; scope: string }[] = [];
  fail: Error | null = null;
  readonly #changes: (() => void)[] = [];
  constructor(controlled: boolean) {
    this.controller = controlled ? {} : null;
  }
  async register(url: string, options: { scope: string }): Promise<WorkerRegistration> {
    if (this.fail) throw this.fail;
    this.registered.push({ url, ...options });
    return this.registration;
  }
  addEventListener(_type: 'controllerchange', listener: () => void): void {
    this.#changes.push(listener);
  }
  changeController(): void {
    this.controller = {};
    for (const l of this.#changes) l();
  }
}

function setup(controlled: boolean) {
  const container = new FakeContainer(controlled);
  const log = { reloads: 0, warnings: [] as string[], visible: [] as (() => void)[] };
  const update = new AppUpdate({ container, reload: () => log.reloads++, onVisible: (cb) => log.visible.push(cb), warn: (m) => log.warnings.push(m) });
  return { container, update, log };
}

const SW = 'https://h.example/a/sw.js';
const SCOPE = 'https://h.example/a/';

describe('AppUpdate', () => {
  it('registers the worker for the site’s folder', async () => {
    const { container, update } = setup(false);
    await update.start(SW, SCOPE);
    expect(container.registered).toEqual([{ url: SW, scope: SCOPE }]);
  });

  it('a first visit: the worker installs and takes control; nothing is offered, nothing reloads', async () => {
    const { container, update, log } = setup(false);
    await update.start(SW, SCOPE);
    const first = new FakeWorker();
    container.registration.find(first);
    first.become('installed');
    expect(update.available).toBe(false);
    expect(update.controlled).toBe(false);
    container.changeController(); // clients.claim()
    expect(update.controlled).toBe(true);
    expect(log.reloads).toBe(0);
  });

  it('a new deployment: offered once installed; applying it asks the worker to skip waiting and reloads once', async () => {
    const { container, update, log } = setup(true);
    await update.start(SW, SCOPE);
    expect(update.controlled).toBe(true);
    const next = new FakeWorker();
    container.registration.find(next);
    expect(update.available).toBe(false); // still installing its precache
    next.become('installed');
    expect(update.available).toBe(true);
    expect(next.received).toEqual([]);
    update.apply();
    expect(update.applying).toBe(true);
    expect(next.received).toEqual([{ type: 'skip-waiting' }]);
    expect(log.reloads).toBe(0); // not before the new worker has taken over
    container.changeController();
    container.changeController();
    expect(log.reloads).toBe(1);
  });

  it('a worker already waiting when the page opens is offered at once', async () => {
    const { container, update } = setup(true);
    container.registration.waiting = new FakeWorker();
    await update.start(SW, SCOPE);
    expect(update.available).toBe(true);
  });

  it('a new version applied in another tab reloads this one too', async () => {
    const { container, update, log } = setup(true);
    await update.start(SW, SCOPE);
    container.changeController();
    expect(log.reloads).toBe(1);
    expect(update.available).toBe(false);
  });

  it('looks for a new deployment when the page becomes visible again', async () => {
    const { container, update, log } = setup(true);
    await update.start(SW, SCOPE);
    for (const cb of log.visible) cb();
    expect(container.registration.updates).toBe(1);
  });

  it('a failed registration only warns: nothing is offered, apply does nothing', async () => {
    const { container, update, log } = setup(false);
    container.fail = new Error('insecure context');
    await update.start(SW, SCOPE);
    expect(log.warnings).toEqual(['Offline use is not available: the service worker could not be registered (insecure context).']);
    update.apply();
    expect(update.applying).toBe(false);
  });
});
