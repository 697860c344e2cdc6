/**
 * The page's side of the service worker (src/sw/): registers it, says when a new deployment has installed and
 * waits, and applies it when the user asks: the waiting worker is told to take over, and the page reloads once
 * when it does, so every file on the page comes from one deployment.
 *
 * The page reloads on `controllerchange` only when it was already controlled: on a first visit the worker takes
 * control of the page that installed it (`clients.claim()`), which needs no reload. A change of controller that
 * another tab asked for reloads this tab too, for the same reason.
 */
import type { PageToWorker } from '../sw/protocol.ts';

/** The parts of `navigator.serviceWorker` used here (a fake in the tests). */
export interface WorkerContainer {
  readonly controller: unknown;
  register(url: string, options: { scope: string }): Promise<WorkerRegistration>;
  addEventListener(type: 'controllerchange', listener: () => void): void;
}

export interface WorkerRegistration {
  readonly installing: InstallingWorker | null;
  readonly waiting: InstallingWorker | null;
  addEventListener(type: 'updatefound', listener: () => void): void;
  update(): Promise<unknown>;
}

export interface InstallingWorker {
  readonly state: string;
  postMessage(message: PageToWorker): void;
  addEventListener(type: 'statechange', listener: () => void): void;
}

export interface UpdateEnvironment {
  container: WorkerContainer;
  reload: () => void;
  /** Calls back when the page becomes visible again: a good moment to look for a new deployment. */
  onVisible: (callback: () => void) => void;
  warn: (message: string) => void;
}

export class AppUpdate {
  /** A new version has installed and waits for the user. */
  available = $state(false);
  /** The user asked for it: the page reloads as soon as the new worker has taken over. */
  applying = $state(false);
  /** A service worker controls the page: it works offline from now on. */
  controlled = $state(false);

  #waiting: InstallingWorker | null = null;
  #reloaded = false;
  readonly #env: UpdateEnvironment;

  constructor(env: UpdateEnvironment) {
    this.#env = env;
  }

  /** Registers `scriptUrl` for `scope` (the site's folder). Failures (no service workers here) only warn: the site works online. */
  async start(scriptUrl: string, scope: string): Promise<void> {
    const { container } = this.#env;
    this.controlled = container.controller !== null && container.controller !== undefined;
    container.addEventListener('controllerchange', () => {
      if (this.controlled && !this.#reloaded) {
        this.#reloaded = true;
        this.#env.reload();
      }
      this.controlled = true;
    });
    let registration: WorkerRegistration;
    try {
      registration = await container.register(scriptUrl, { scope });
    } catch (e) {
      this.#env.warn(`Offline use is not available: the service worker could not be registered (${(e as Error).message}).`);
      return;
    }
    if (registration.waiting) this.#found(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const next = registration.installing;
      if (!next) return;
      next.addEventListener('statechange', () => {
        if (next.state === 'installed') this.#found(next);
      });
    });
    this.#env.onVisible(() => void registration.update().catch(() => {}));
  }

  /** Tells the waiting worker to take over; the page reloads when it has. */
  apply(): void {
    if (!this.#waiting) return;
    this.applying = true;
    this.#waiting.postMessage({ type: 'skip-waiting' });
  }

  #found(worker: InstallingWorker): void {
    // Installed with no controller is the first install: it activates at once, nothing to offer.
    if (!this.#env.container.controller) return;
    this.#waiting = worker;
    this.available = true;
  }
}

let page: AppUpdate | null = null;

/** The page's one instance, over the browser's service worker container (main.ts starts it, in builds only). */
export function pageUpdate(): AppUpdate {
  page ??= new AppUpdate({
    container: navigator.serviceWorker,
    reload: () => location.reload(),
    onVisible: (callback) => document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && callback()),
    warn: (message) => console.warn(message),
  });
  return page;
}
