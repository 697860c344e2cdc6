/**
 * The code sandbox (src/sandbox/) in Chromium, driven from the built site's own page, under its own Content
 * Security Policy: the page's `Sandbox` builds the sandboxed iframe from the site's `sandbox/frame.html`, fetches
 * Pyodide's files from the site and runs generated code in the iframe's workers.
 *
 * How the test reaches the Sandbox without a hook in the site: host.ts is bundled here (one IIFE) and evaluated in
 * the page through the DevTools protocol, which the page's policy does not govern; everything the Sandbox then
 * does (the iframe, its fetches) is subject to the page's policy as the site's own code would be. The site ships
 * nothing extra for tests.
 *
 * The page is driven through a raw DevTools session rather than `page.evaluate`: when the sandbox's renderer
 * process dies (a worker out of memory, below), playwright marks the whole page as crashed although only the
 * out-of-process iframe died, and refuses to evaluate in it; the DevTools session shows the page still answers.
 *
 * The corpora are not served to this page, so the model worker stays idle and the figures measure the sandbox.
 */
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { CDPSession } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_FILES } from '../../src/sandbox/files.ts';
import type { CompileOutcome, RunOutcome, RunRequest } from '../../src/sandbox/protocol.ts';
import { e2eSession, freePort } from './harness.ts';

const session = e2eSession('sandbox');
let cdp: CDPSession;
/** A loopback server the generated code tries to reach: it counts every request and upgrade it receives. */
let bait: Server;
let baitPort: number;
let baitHits = 0;

const FACTORIAL_TESTS = [
  { expr: 'candidate(0)', expected: '1' },
  { expr: 'candidate(5)', expected: '120' },
];

/** host.ts as one script that defines `codegramSandboxTest.Sandbox` in the page. */
async function hostScript(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    build: { write: false, minify: false, lib: { entry: 'src/sandbox/host.ts', formats: ['iife'], name: 'codegramSandboxTest', fileName: () => 'host.js' } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  return (outputs[0].output[0] as Rolldown.OutputChunk).code;
}

/** Evaluates an expression in the page's main world and returns its (awaited) value. */
async function inPage<T>(expression: string): Promise<T> {
  const reply = await cdp.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
  if (reply.exceptionDetails) throw new Error(`in the page: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
  return reply.result.value as T;
}

/** The page's main thread answers within a second (it is not blocked, and its renderer is alive). */
const pageAnswers = () => Promise.race([inPage<number>('6 * 7'), new Promise<string>((r) => setTimeout(() => r('no answer'), 1_000))]);

const run = (request: Omit<RunRequest, 'timeoutMs'> & { timeoutMs?: number }) =>
  inPage<RunOutcome>(`globalThis.sandbox.run(${JSON.stringify({ ...request, timeoutMs: request.timeoutMs ?? 5_000 })})`);

const python = (code: string, tests = FACTORIAL_TESTS, timeoutMs?: number) => run({ language: 'python', code, entry: 'factorial', tests, timeoutMs });
const javascript = (code: string, tests = FACTORIAL_TESTS, timeoutMs?: number) => run({ language: 'javascript', code, entry: 'factorial', tests, timeoutMs });

const PY_FACTORIAL = 'def factorial(n):\n    return 1 if n <= 1 else n * factorial(n - 1)\n';
const JS_FACTORIAL = 'function factorial(n) {\n  return n <= 1 ? 1 : n * factorial(n - 1);\n}\n';
const PASSED = { kind: 'done', results: [expect.objectContaining({ passed: true }), expect.objectContaining({ passed: true })] };

beforeAll(async () => {
  const { page } = session.browser;
  bait = createServer((req, res) => {
    baitHits++;
    res.end('secret');
  });
  bait.on('upgrade', (_req, socket) => {
    baitHits++;
    socket.destroy();
  });
  baitPort = await freePort();
  await new Promise<void>((resolve) => bait.listen(baitPort, '127.0.0.1', resolve));
  await page.route('**/corpora/**', (route) => route.abort());
  await page.goto(session.site.url);
  cdp = await page.context().newCDPSession(page);
  await inPage(await hostScript());
  // A database of the page's, to check that nothing in the sandbox can read, change or delete it.
  await inPage(`new Promise((resolve, reject) => {
    const open = indexedDB.open('page-secrets', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s').put('page only', 'k');
    open.onsuccess = () => { open.result.close(); resolve(true); };
    open.onerror = () => reject(open.error);
  })`);
  await inPage(`(() => {
    globalThis.progress = [];
    globalThis.sandbox = new codegramSandboxTest.Sandbox();
    sandbox.onProgress = (p) => progress.push({ ...p, at: performance.now() });
  })()`);
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => bait?.close(resolve));
});

describe('the code sandbox in Chromium', () => {
  it('runs a passing and a failing factorial in Python (Pyodide, loaded on first use) and in JavaScript, with every failing assert', async () => {
    const started = await inPage<number>('performance.now()');
    expect(await python(PY_FACTORIAL)).toMatchObject({ ...PASSED, results: [{ actual: '1' }, { actual: '120' }] });
    const firstRunMs = (await inPage<number>('performance.now()')) - started;
    const progress = await inPage<{ phase: string; loaded?: number; total?: number; at: number }[]>('progress');
    const downloaded = progress.filter((p) => p.phase === 'loading-python').at(-1)!;
    const ready = progress.find((p) => p.phase === 'ready')!;
    // Vite's preview server compresses some files (Content-Encoding), so their total is known only once read.
    expect(downloaded.loaded).toBeGreaterThan(13_000_000);
    expect(ready).toBeDefined();
    session.figures.pythonFirstRunMs = Math.round(firstRunMs);
    session.figures.pythonDownloadMs = Math.round(downloaded.at - started);
    session.figures.pythonReadyMs = Math.round(ready.at - started);
    session.figures.pythonBytesDownloaded = downloaded.loaded;

    const wrong = 'def factorial(n):\n    return n * (n - 1)\n';
    expect(await python(wrong)).toMatchObject({
      kind: 'done',
      results: [
        { expr: 'candidate(0)', expected: '1', passed: false, actual: '0' },
        { expr: 'candidate(5)', expected: '120', passed: false, actual: '20' },
      ],
    });
    const t = await inPage<number>('performance.now()');
    expect(await python(PY_FACTORIAL)).toMatchObject(PASSED);
    session.figures.pythonWarmRunMs = Math.round((await inPage<number>('performance.now()')) - t);

    expect(await javascript(JS_FACTORIAL)).toMatchObject({ ...PASSED, results: [{ actual: '1' }, { actual: '120' }] });
    expect(await javascript('const factorial = (n) => n * 2;\n')).toMatchObject({
      kind: 'done',
      results: [
        { passed: false, actual: '0' },
        { passed: false, actual: '10' },
      ],
    });
  }, 180_000);

  it("reports code that raises while being defined, code that does not parse, and CPython's compile errors", async () => {
    expect(await python('def factorial(n):\n    return n\nprint(missing)\n')).toMatchObject({ kind: 'error', message: "NameError: name 'missing' is not defined", line: 3 });
    expect(await javascript('function factorial(n) {\n  return n +;\n}\n')).toMatchObject({ kind: 'error', message: "SyntaxError: Unexpected token ';'", line: 2 });
    expect(await javascript('function factorial(n) { return n }\nnull.x;\n')).toMatchObject({ kind: 'error', message: expect.stringMatching(/^TypeError: Cannot read properties of null/), line: 2 });
    expect(await run({ language: 'python', code: 'x = 1\n', entry: null, tests: FACTORIAL_TESTS })).toMatchObject({
      kind: 'done',
      results: [{ passed: false, error: 'the code defines no function for the tests to call' }, { passed: false }],
    });
    expect(await inPage<CompileOutcome>(`sandbox.compilePython('print "hi"\\n')`)).toEqual({
      ok: false,
      line: 1,
      column: 1,
      message: "Missing parentheses in call to 'print'. Did you mean print(...)?",
    });
    expect(await inPage<CompileOutcome>(`sandbox.compilePython(${JSON.stringify(PY_FACTORIAL)})`)).toEqual({ ok: true });
  }, 60_000);

  it('stops an infinite loop at the time limit and runs the next job normally', async () => {
    const py = await python('def factorial(n):\n    while True:\n        pass\n', FACTORIAL_TESTS, 1_500);
    expect(py).toMatchObject({ kind: 'timeout' });
    expect((py as { ms: number }).ms).toBeGreaterThanOrEqual(1_500);
    expect(await pageAnswers()).toBe(42);
    const t = await inPage<number>('performance.now()');
    expect(await python(PY_FACTORIAL)).toMatchObject(PASSED); // Pyodide reloaded in a fresh worker
    session.figures.pythonReloadAfterTimeoutMs = Math.round((await inPage<number>('performance.now()')) - t);

    expect(await javascript('while (true) {}\n', FACTORIAL_TESTS, 1_500)).toMatchObject({ kind: 'timeout' });
    expect(await javascript('function factorial(n) { for (;;); }\n', FACTORIAL_TESTS, 1_500)).toMatchObject({ kind: 'timeout' });
    expect(await javascript(JS_FACTORIAL)).toMatchObject(PASSED);
  }, 120_000);

  it('ends a run when asked to stop, and the queued runs with it', async () => {
    for (const [language, code] of [
      ['python', 'import time\ndef factorial(n):\n    while True:\n        time.sleep(0)\n'],
      ['javascript', 'function factorial(n) { while (true); }\n'],
    ] as const) {
      const outcomes = inPage<RunOutcome[]>(`Promise.all([
        sandbox.run(${JSON.stringify({ language, code, entry: 'factorial', tests: FACTORIAL_TESTS, timeoutMs: 60_000 })}),
        sandbox.run(${JSON.stringify({ language, code, entry: 'factorial', tests: FACTORIAL_TESTS, timeoutMs: 60_000 })}),
      ])`);
      await new Promise((r) => setTimeout(r, 1_500)); // the first one is running
      const stopAt = await inPage<number>('(sandbox.stop(), performance.now())');
      expect(await outcomes).toEqual([{ kind: 'stopped' }, { kind: 'stopped' }]);
      expect((await inPage<number>('performance.now()')) - stopAt).toBeLessThan(1_000);
      expect(language === 'python' ? await python(PY_FACTORIAL) : await javascript(JS_FACTORIAL)).toMatchObject(PASSED);
    }
  }, 120_000);

  it('contains runaway allocations: each ends as a reported failure, never a pass, and the page keeps answering', async () => {
    const ends = (o: RunOutcome) => (o.kind === 'done' ? `done ${o.results.map((r) => r.passed).join()}` : o.kind === 'error' ? `error ${o.message}` : o.kind);
    const findings: Record<string, string> = {};
    const cases: [string, () => Promise<RunOutcome>][] = [
      ['python bytearray(3 * 2**30)', () => python('buffer = bytearray(3 * 2**30)\n', FACTORIAL_TESTS, 30_000)],
      ['python 2 × 2 GiB bytearrays', () => python('a = bytearray(2**31 - 1)\nb = bytearray(2**31 - 1)\n', FACTORIAL_TESTS, 30_000)],
      ['python list grown forever', () => python('x = []\nwhile True:\n    x.append(bytearray(10**7))\n', FACTORIAL_TESTS, 60_000)],
      ['javascript new Array(3e9).fill(0)', () => javascript('const a = new Array(3e9).fill(0);\n', FACTORIAL_TESTS, 60_000)],
      ['javascript arrays pushed forever', () => javascript('const a = [];\nwhile (true) a.push(new Array(1e6).fill(1.5));\n', FACTORIAL_TESTS, 60_000)],
    ];
    for (const [name, attempt] of cases) {
      const t = Date.now();
      const outcome = await attempt();
      findings[name] = `${ends(outcome)} after ${((Date.now() - t) / 1000).toFixed(1)} s`;
      expect(['error', 'crashed', 'timeout']).toContain(outcome.kind);
      if (outcome.kind === 'error') expect(outcome.message).toMatch(/MemoryError|OverflowError|RangeError/);
      expect(await pageAnswers()).toBe(42);
      // The next run works (after a crash, in a rebuilt iframe).
      expect(name.startsWith('python') ? await python(PY_FACTORIAL) : await javascript(JS_FACTORIAL)).toMatchObject(PASSED);
    }
    session.figures.allocations = findings;
  }, 400_000);

  it('refuses generated code the page, its storage and the network', async () => {
    const url = `http://127.0.0.1:${baitPort}/`;
    const probe = (what: string) => ({ expr: `candidate(${JSON.stringify(what)})`, expected: '"allowed"' });
    const js = await run({
      language: 'javascript',
      entry: 'probe',
      code: `
        fetch(${JSON.stringify(url)}).catch(() => {});
        try { new WebSocket(${JSON.stringify(url.replace('http', 'ws'))}); } catch {}
        const attempts = {
          indexedDB: () => indexedDB.open('page-secrets'),
          cookie: () => document.cookie,
          parent: () => parent.document.title,
          top: () => top.location.href,
          localStorage: () => localStorage.getItem('x'),
          xhr: () => { const x = new XMLHttpRequest(); x.open('GET', ${JSON.stringify(url)}, false); x.send(); return x.responseText; },
          importScripts: () => importScripts(${JSON.stringify(url + 'x.js')}),
        };
        function probe(what) { try { attempts[what](); return 'allowed'; } catch (e) { return e.name + ': ' + e.message; } }
      `,
      tests: ['indexedDB', 'cookie', 'parent', 'top', 'localStorage', 'xhr', 'importScripts'].map(probe),
    });
    expect(js.kind).toBe('done');
    const jsActual = Object.fromEntries((js as Extract<RunOutcome, { kind: 'done' }>).results.map((r) => [JSON.parse(r.expr.slice(10, -1)), JSON.parse(r.actual!)]));
    expect(jsActual).toEqual({
      indexedDB: expect.stringMatching(/^SecurityError: .*access to the Indexed Database API is denied/),
      cookie: 'ReferenceError: document is not defined',
      parent: 'ReferenceError: parent is not defined',
      top: 'ReferenceError: top is not defined',
      localStorage: 'ReferenceError: localStorage is not defined',
      xhr: expect.stringMatching(/^NetworkError: /),
      importScripts: expect.stringMatching(/^NetworkError: /),
    });

    const py = await run({
      language: 'python',
      entry: 'probe',
      code: [
        'import js',
        'from pyodide.http import open_url',
        'def probe(what):',
        '    try:',
        `        if what == 'indexedDB': js.indexedDB.open('page-secrets')`,
        `        if what == 'cookie': js.document.cookie`,
        `        if what == 'parent': js.parent.document`,
        `        if what == 'open_url': open_url(${JSON.stringify(url)})`,
        `        if what == 'socket':`,
        '            import socket',
        `            s = socket.create_connection(('127.0.0.1', ${baitPort}), timeout=1)`,
        `            s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')`,
        `            return 'received ' + repr(s.recv(100))`,
        `        return 'allowed'`,
        '    except BaseException as e:',
        `        return type(e).__name__ + ': ' + str(e)`,
      ].join('\n'),
      tests: ['indexedDB', 'cookie', 'parent', 'open_url', 'socket'].map(probe),
    });
    expect(py.kind).toBe('done');
    const pyActual = Object.fromEntries((py as Extract<RunOutcome, { kind: 'done' }>).results.map((r) => [JSON.parse(r.expr.slice(10, -1)), r.actual!]));
    expect(pyActual.indexedDB).toMatch(/SecurityError/);
    expect(pyActual.cookie).toMatch(/^'AttributeError: .*document/);
    expect(pyActual.parent).toMatch(/^'AttributeError: .*parent/);
    expect(pyActual.open_url).toMatch(/NetworkError/);
    // Emscripten's sockets are WebSockets underneath, which the policy refuses: whatever Python says, no byte comes back.
    expect(pyActual.socket).not.toContain('secret');
    session.figures.refusals = { javascript: jsActual, python: pyActual };

    // Nothing reached the server, and the page's database is as it was.
    await new Promise((r) => setTimeout(r, 500));
    expect(baitHits).toBe(0);
    expect(await inPage<string>(`new Promise((resolve) => {
      const open = indexedDB.open('page-secrets');
      open.onsuccess = () => { const get = open.result.transaction('s').objectStore('s').get('k'); get.onsuccess = () => { resolve(get.result); open.result.close(); }; };
    })`)).toBe('page only');

    // The iframe itself, should code ever get out of its workers: an opaque origin, walled off from the page.
    const frame = session.browser.page.frames().find((f) => f.url().endsWith(SANDBOX_FILES.frame))!;
    expect(await frame.evaluate(() => origin)).toBe('null');
    expect(await frame.evaluate(() => { try { return String(parent.document); } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
    expect(await frame.evaluate(() => { try { return document.cookie; } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
  }, 120_000);

  it('serves its files outside the precache: the service worker keeps them at first use', async () => {
    const paths = [SANDBOX_FILES.frame, SANDBOX_FILES.runner, ...Object.values(SANDBOX_FILES.pyodide)];
    const sw = await (await fetch(new URL('sw.js', session.site.url))).text();
    for (const path of paths) expect(sw).not.toContain(path);
    const bytes: Record<string, { raw: number; gzip: number }> = {};
    for (const path of paths) {
      const body = new Uint8Array(await (await fetch(new URL(path, session.site.url), { headers: { 'Accept-Encoding': 'identity' } })).arrayBuffer());
      bytes[path] = { raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
    }
    session.figures.bytes = bytes;
    session.figures.bytesTotal = Object.values(bytes).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }), { raw: 0, gzip: 0 });

    // The service worker registers 30 s after load here (the models never get ready without corpora) and takes
    // control; a new Sandbox then loads everything once more, through it.
    await inPage(`new Promise((resolve) => navigator.serviceWorker.controller ? resolve() : navigator.serviceWorker.addEventListener('controllerchange', resolve))`);
    expect(
      await inPage<RunOutcome>(`(async () => {
        const fresh = new codegramSandboxTest.Sandbox();
        try { return await fresh.run(${JSON.stringify({ language: 'python', code: PY_FACTORIAL, entry: 'factorial', tests: FACTORIAL_TESTS, timeoutMs: 5_000 })}); } finally { fresh.dispose(); }
      })()`),
    ).toMatchObject(PASSED);
    const cached = await inPage<{ cache: string; url: string }[]>(`(async () => {
      const out = [];
      for (const cache of await caches.keys()) for (const r of await (await caches.open(cache)).keys()) out.push({ cache, url: r.url });
      return out;
    })()`);
    const runtime = cached.filter((c) => c.cache.includes(':runtime:')).map((c) => new URL(c.url).pathname.slice(1));
    const precached = cached.filter((c) => c.cache.includes(':precache:')).map((c) => new URL(c.url).pathname.slice(1));
    for (const path of paths) expect(precached).not.toContain(path);
    for (const path of [SANDBOX_FILES.runner, ...Object.values(SANDBOX_FILES.pyodide)]) expect(runtime).toContain(path);
    // The frame's own page is not: Chromium does not let a service worker answer the navigation of a sandboxed
    // iframe without allow-same-origin, so offline the sandbox cannot start (README, "The code sandbox").
    session.figures.frameCachedAtFirstUse = runtime.includes(SANDBOX_FILES.frame);
  }, 120_000);
});
