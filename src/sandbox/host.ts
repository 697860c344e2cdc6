/**
 * The page's side of the sandbox: one `Sandbox` per page, created when first needed. Generated code never runs
 * in the page. It runs in workers started by a sandboxed iframe (`sandbox="allow-scripts"` only: an opaque
 * origin, so no IndexedDB, cookies, storage or caches of the site, and no access to this page's DOM) whose own
 * Content Security Policy allows no connection but to blob: URLs; the workers it starts inherit that policy.
 *
 * The page fetches the runtime's files from the site (same-origin, through the service worker's cache) and
 * posts them to the iframe, which never loads anything by URL but its own page: a module script from an opaque
 * origin would need CORS headers static hosts do not send.
 *
 * One job runs at a time, in order. The iframe enforces each run's time limit; this side keeps a watchdog in
 * case the iframe itself stops answering: then the run is reported as crashed and the iframe is rebuilt for the
 * next job. Chromium 150 runs the sandboxed iframe, and the workers it starts, in a renderer process of its own
 * (an opaque origin is a site of its own): a worker that exhausts memory takes that process down, not the page,
 * and the iframe falls silent. The page pings it every second while a job is out and gives up after
 * `silenceMs` without an answer, so such a crash is reported within seconds rather than at the time limit.
 */
import { SANDBOX_FILES } from './files.ts';
import type { CompileOutcome, FrameToPage, PageToFrame, PythonFiles, RunOutcome, RunRequest, SandboxProgress } from './protocol.ts';

export type { CheckTest, CompileOutcome, RunOutcome, RunRequest, SandboxLanguage, SandboxProgress, TestResult } from './protocol.ts';

const PING_MS = 1_000;

/** How long the iframe's script may take to answer once its page has loaded. */
const FRAME_START_MS = 10_000;

export interface SandboxOptions {
  /** The site's folder, which holds `sandbox/`; the page's base URL by default. */
  base?: string;
  /** Where the iframe is attached; `document.body` by default. */
  parent?: HTMLElement;
  /** How long past a run's own time limit the iframe may stay silent before it is taken for dead (ms). */
  graceMs?: number;
  /** How long the iframe may take to load, and Python to load in it, before the job is reported as crashed (ms). */
  loadLimitMs?: number;
  /** How long the iframe may leave pings unanswered before it is taken for dead (ms). */
  silenceMs?: number;
}

interface Frame {
  iframe: HTMLIFrameElement;
  port: MessagePort;
  /** The Python runtime was posted to this iframe. */
  python: boolean;
  /** Called with each message from the iframe. */
  listen: ((message: FrameToPage) => void) | null;
}

type Job =
  | { kind: 'run'; request: RunRequest; resolve: (o: RunOutcome) => void }
  | { kind: 'compile'; code: string; resolve: (o: CompileOutcome) => void; reject: (e: Error) => void };

/** A job's end as the page sees it: an answer, or the iframe's silence past the watchdog. */
type Reply = Extract<FrameToPage, { type: 'ran' | 'compiled' | 'failed' }> | { type: 'silent'; message: string };

export class Sandbox {
  /** Pyodide's download, then its load in the iframe: for a progress line in the UI. */
  onProgress?: (progress: SandboxProgress) => void;

  readonly #base: string;
  readonly #parent: HTMLElement | null;
  readonly #graceMs: number;
  readonly #loadLimitMs: number;
  readonly #silenceMs: number;
  #frame: Promise<Frame> | null = null;
  #pythonFiles: Promise<{ runner: string; files: PythonFiles }> | null = null;
  #queue: Job[] = [];
  #current: { job: Job; id: number; end: (reply: Reply) => void } | null = null;
  #nextId = 1;
  #disposed = false;

  constructor(options: SandboxOptions = {}) {
    this.#base = options.base ?? document.baseURI;
    this.#parent = options.parent ?? null;
    this.#graceMs = options.graceMs ?? 3_000;
    this.#loadLimitMs = options.loadLimitMs ?? 120_000;
    this.#silenceMs = options.silenceMs ?? 5_000;
  }

  /** CPython's `compile(code, '<generated>', 'exec')`. Rejects only when the sandbox cannot answer (Python failed to load, the iframe died). */
  compilePython(code: string): Promise<CompileOutcome> {
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'compile', code, resolve, reject }));
  }

  /** Runs generated code against its tests. Never rejects: a failure of the sandbox itself is a 'crashed' outcome. */
  run(request: RunRequest): Promise<RunOutcome> {
    if (!(Number.isFinite(request.timeoutMs) && request.timeoutMs > 0)) {
      return Promise.resolve({ kind: 'error', ms: 0, message: `the time limit must be a positive number of milliseconds, not ${request.timeoutMs}` });
    }
    return new Promise((resolve) => this.#enqueue({ kind: 'run', request, resolve }));
  }

  /** Ends the run in progress and every queued run: each resolves as 'stopped'. Compiles go on. */
  stop(): void {
    const stopped = this.#queue.filter((j) => j.kind === 'run');
    this.#queue = this.#queue.filter((j) => j.kind !== 'run');
    for (const job of stopped) job.resolve({ kind: 'stopped' });
    const current = this.#current;
    if (current?.job.kind === 'run') {
      void this.#frame?.then((f) => f.port.postMessage({ type: 'stop', id: current.id } satisfies PageToFrame)).catch(() => {});
      current.end({ type: 'ran', id: current.id, outcome: { kind: 'stopped' } });
    }
  }

  /** Ends everything and removes the iframe; later calls answer 'stopped' (runs) or reject (compiles). */
  dispose(): void {
    this.stop();
    this.#disposed = true;
    for (const job of this.#queue) if (job.kind === 'compile') job.reject(new Error('the sandbox was disposed'));
    this.#queue = [];
    this.#current?.end({ type: 'silent', message: 'the sandbox was disposed' });
    this.#dropFrame();
  }

  #enqueue(job: Job): void {
    if (this.#disposed) {
      if (job.kind === 'run') job.resolve({ kind: 'stopped' });
      else job.reject(new Error('the sandbox was disposed'));
      return;
    }
    this.#queue.push(job);
    if (!this.#current) void this.#pump();
  }

  async #pump(): Promise<void> {
    while (!this.#current && this.#queue.length) {
      const job = this.#queue.shift()!;
      const id = this.#nextId++;
      const reply = await new Promise<Reply>((end) => void this.#send(job, id, end));
      this.#current = null;
      this.#settle(job, reply);
    }
  }

  #settle(job: Job, reply: Reply): void {
    switch (reply.type) {
      case 'ran':
        if (job.kind === 'run') job.resolve(reply.outcome);
        else job.reject(new Error('the sandbox answered a compile with a run'));
        return;
      case 'compiled':
        if (job.kind === 'compile') job.resolve(reply.outcome);
        else job.resolve({ kind: 'crashed', message: 'the sandbox answered a run with a compile' });
        return;
      default:
        if (job.kind === 'run') job.resolve({ kind: 'crashed', message: reply.message });
        else job.reject(new Error(reply.message));
    }
  }

  /** Posts a job and arms the watchdog; `end` is called once, with the iframe's reply or its silence. */
  async #send(job: Job, id: number, end: (reply: Reply) => void): Promise<void> {
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let done = false;
    let frame: Frame | null = null;
    const finish = (reply: Reply) => {
      if (done) return;
      done = true;
      clearTimeout(watchdog);
      clearInterval(heartbeat);
      if (frame) frame.listen = null;
      if (reply.type === 'silent') this.#dropFrame(); // rebuilt for the next job
      end(reply);
    };
    this.#current = { job, id, end: finish };
    const arm = (ms: number, message: string) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => finish({ type: 'silent', message }), ms);
    };
    arm(this.#loadLimitMs, 'the sandbox did not load');
    try {
      frame = await this.#ensureFrame();
      if (done) return;
      const python = job.kind === 'compile' || job.request.language === 'python';
      if (python && !frame.python) {
        const { runner, files } = await this.#fetchPython();
        if (done) return;
        frame.port.postMessage({ type: 'python-files', runner, files } satisfies PageToFrame);
        frame.python = true;
      }
      // Pings counted, not time measured: a page that was itself busy for a while does not take the frame for dead.
      let unanswered = 0;
      const listening = frame;
      heartbeat = setInterval(() => {
        if (++unanswered > this.#silenceMs / PING_MS) finish({ type: 'silent', message: `the sandbox stopped answering for ${this.#silenceMs / 1000} s (its process crashed, perhaps out of memory)` });
        else listening.port.postMessage({ type: 'ping' } satisfies PageToFrame);
      }, PING_MS);
      frame.listen = (message) => {
        unanswered = 0;
        if (message.type === 'python-ready') this.onProgress?.({ phase: 'ready' });
        else if (message.type === 'started' && message.id === id && job.kind === 'run') {
          arm(job.request.timeoutMs + this.#graceMs, `the sandbox stopped answering (no reply ${job.request.timeoutMs + this.#graceMs} ms into a run limited to ${job.request.timeoutMs} ms)`);
        } else if ((message.type === 'ran' || message.type === 'compiled' || message.type === 'failed') && message.id === id) finish(message);
      };
      frame.port.postMessage((job.kind === 'run' ? { type: 'run', id, request: job.request } : { type: 'compile', id, code: job.code }) satisfies PageToFrame);
    } catch (e) {
      finish({ type: 'silent', message: e instanceof Error ? e.message : String(e) });
    }
  }

  #ensureFrame(): Promise<Frame> {
    this.#frame ??= this.#openFrame();
    const frame = this.#frame;
    frame.catch(() => {
      if (this.#frame === frame) this.#frame = null;
    });
    return frame;
  }

  #openFrame(): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      const iframe = document.createElement('iframe');
      // Scripts only: no allow-same-origin (the frame gets an opaque origin), no forms, popups, top navigation, downloads.
      iframe.setAttribute('sandbox', 'allow-scripts');
      iframe.setAttribute('aria-hidden', 'true');
      iframe.tabIndex = -1;
      iframe.title = 'Code sandbox';
      // Not display:none: Chromium throttles hidden cross-origin frames, and the frame keeps the time limits.
      iframe.style.cssText = 'position:absolute;width:0;height:0;border:0;left:-10px;top:-10px;';
      const channel = new MessageChannel();
      const frame: Frame = { iframe, port: channel.port1, python: false, listen: null };
      channel.port1.addEventListener('message', (event: MessageEvent<FrameToPage>) => {
        if (event.data.type === 'ready') resolve(frame);
        else frame.listen?.(event.data);
      });
      channel.port1.start();
      iframe.addEventListener(
        'load',
        () => {
          // '*': the frame's origin is opaque, so no origin can be named; the port is all it gets.
          iframe.contentWindow?.postMessage({ type: 'connect' }, '*', [channel.port2]);
          // A page that loaded but does not answer (an error page, a policy that blocked its script) fails fast.
          // Offline, too: Chromium lets no service worker answer a sandboxed frame's navigation, so its page is not cached.
          setTimeout(() => reject(new Error(`the sandbox page did not start (${SANDBOX_FILES.frame} could not be loaded: offline?)`)), FRAME_START_MS);
        },
        { once: true },
      );
      iframe.addEventListener('error', () => reject(new Error('the sandbox page could not be loaded')), { once: true });
      iframe.src = new URL(SANDBOX_FILES.frame, this.#base).href;
      (this.#parent ?? document.body).append(iframe);
    });
  }

  #dropFrame(): void {
    const frame = this.#frame;
    this.#frame = null;
    void frame
      ?.then((f) => {
        f.port.close();
        f.iframe.remove();
      })
      .catch(() => {});
  }

  /** Downloads the Python worker's program and Pyodide's files once per page, reporting bytes as they arrive. */
  #fetchPython(): Promise<{ runner: string; files: PythonFiles }> {
    this.#pythonFiles ??= (async () => {
      const urls = { runner: SANDBOX_FILES.runner, ...SANDBOX_FILES.pyodide };
      const loaded: Record<string, number> = {};
      const totals: Record<string, number> = {};
      const report = () => {
        const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
        const known = Object.keys(totals).length === Object.keys(urls).length;
        this.onProgress?.({ phase: 'loading-python', loaded: sum(loaded), ...(known ? { total: sum(totals) } : {}) });
      };
      const get = async (name: string, path: string): Promise<ArrayBuffer> => {
        const res = await fetch(new URL(path, this.#base));
        if (!res.ok || !res.body) throw new Error(`${path}: HTTP ${res.status}`);
        const length = Number(res.headers.get('Content-Length'));
        if (length > 0 && !res.headers.get('Content-Encoding')) totals[name] = length;
        const chunks: Uint8Array[] = [];
        loaded[name] = 0;
        const reader = res.body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          chunks.push(r.value);
          loaded[name] += r.value.length;
          report();
        }
        totals[name] = loaded[name];
        const bytes = new Uint8Array(loaded[name]);
        let at = 0;
        for (const c of chunks) {
          bytes.set(c, at);
          at += c.length;
        }
        return bytes.buffer;
      };
      report();
      const [runner, asm, wasm, stdlib, lock] = await Promise.all(Object.entries(urls).map(([name, path]) => get(name, path)));
      const text = (b: ArrayBuffer) => new TextDecoder().decode(b);
      return { runner: text(runner), files: { asm, wasm, stdlib, lock: text(lock) } };
    })();
    const files = this.#pythonFiles;
    files.catch(() => {
      if (this.#pythonFiles === files) this.#pythonFiles = null; // a failed download is tried again next time
    });
    return files;
  }
}
