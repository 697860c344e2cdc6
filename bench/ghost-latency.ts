/**
 * Bench section `ghost`: keystroke → ghost text on screen, as a person meets it. Builds and serves the site,
 * opens it in a fresh Chromium profile (a first visit: the models are trained in the page), waits for Ready, then
 * types our own Python and JavaScript snippets one character at a time at a typist's pace. For each key it records,
 * in the page, the time from the keydown to the first frame painted after the ghost changed, and where that time
 * went (user-timing marks of editor/providers.ts): keydown → Monaco asks the provider, the provider's wait for the
 * worker's answer, answer → painted frame. A ghost that only loses the character just typed (typing through it,
 * which Monaco does without asking) is reported apart, as are keys after which no new ghost appears.
 *
 *   npx tsx bench/ghost-latency.ts [ms between keys] [ms to wait after Ready]      JSON on stdout
 */
import type { Page } from 'playwright-core';
import { editorText, openBrowser, serveBuiltSite } from '../test/e2e/harness.ts';

/** Replaces the editor's text by a paste, which Monaco takes verbatim (typed newlines would be auto-indented). */
async function pasteEditorText(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.monaco-editor .view-lines').click({ position: { x: 4, y: 4 } });
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Escape');
  const shown = await editorText(page);
  if (!shown.startsWith(text.trimEnd().split('\n')[0])) throw new Error(`the editor holds ${JSON.stringify(shown)}`);
}

/** A fast typist: about 80 words a minute. */
const KEY_DELAY_MS = 150;

/** Snippets of our own, each with the text given above the typed part. */
const SNIPPETS = [
  {
    language: 'Python',
    given: 'import os\n\n\ndef read_config(path):\n    ',
    typed: 'with open(path) as f:\n        data = f.read()\n    lines = data.splitlines()\n    for line in lines:\n        if not line.strip():\n            continue\n    return lines\n',
  },
  {
    language: 'JavaScript',
    given: "const fs = require('fs');\n\n",
    typed: "function readConfig(path) {\n  const data = fs.readFileSync(path, 'utf8');\n  const lines = data.split('\\n');\n  return lines.filter((line) => line.length > 0);\n}\n",
  },
];

interface KeyTiming {
  key: string;
  /** keydown → first painted frame with the new ghost (null: none appeared before the next key). */
  totalMs: number | null;
  through: boolean;
  askMs: number | null;
  workerMs: number | null;
}

async function instrument(page: Page): Promise<void> {
  // tsx keeps function names with a helper that the page does not have.
  await page.evaluate('globalThis.__name = (f) => f');
  await page.evaluate(() => {
    const w = window as unknown as { keyTimings: KeyTiming[] };
    w.keyTimings = [];
    const ghostText = () => [...document.querySelectorAll('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text')].map((e) => e.textContent).join('');
    let pending: { t: number; before: string; key: string; row: KeyTiming } | null = null;
    document.addEventListener(
      'keydown',
      (e) => {
        const row: KeyTiming = { key: e.key, totalMs: null, through: false, askMs: null, workerMs: null };
        w.keyTimings.push(row);
        pending = { t: performance.now(), before: ghostText(), key: e.key, row };
        performance.clearMarks();
      },
      true,
    );
    new MutationObserver(() => {
      const p = pending;
      if (!p) return;
      const now = ghostText();
      if (!now || now === p.before) return;
      pending = null;
      p.row.through = p.before.replace(/\u00a0/g, ' ').startsWith(p.key) && now === p.before.slice(p.key.length);
      const asked = performance.getEntriesByName('codegram:ghost-asked')[0]?.startTime;
      const answered = performance.getEntriesByName('codegram:ghost-answered').at(-1)?.startTime;
      if (asked !== undefined) p.row.askMs = asked - p.t;
      if (asked !== undefined && answered !== undefined) p.row.workerMs = answered - asked;
      requestAnimationFrame(() => (p.row.totalMs = performance.now() - p.t));
    }).observe(document.querySelector('.monaco-editor')!, { subtree: true, childList: true, characterData: true });
  });
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(10 * s[Math.min(s.length - 1, Math.floor(s.length * q))]) / 10 : null;
};
const summary = (xs: number[]) => ({ n: xs.length, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), max: quantile(xs, 1) });

export async function benchGhostLatency(delayMs = KEY_DELAY_MS, settleMs = 0): Promise<unknown> {
  const site = await serveBuiltSite();
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(site.url).origin });
    const opened = Date.now();
    await page.goto(site.url);
    await page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: 180_000 });
    const readyMs = Date.now() - opened;
    // 0: typing starts at Ready, as on a first visit, while the worker still caches the models; more: after that.
    await page.waitForTimeout(settleMs);
    const rows: KeyTiming[] = [];
    for (const s of SNIPPETS) {
      await page.getByLabel('Language').selectOption({ label: s.language });
      await instrument(page);
      // As the typing replay does (analysis/typing.ts): the text above and the line's indentation given, the rest of
      // the line typed a key at a time.
      const lines = s.typed.split('\n').filter((l) => l.trim() !== '');
      for (let i = 0; i < lines.length; i++) {
        const indent = lines[i].length - lines[i].trimStart().length;
        await pasteEditorText(page, s.given + lines.slice(0, i).map((l) => l + '\n').join('') + lines[i].slice(0, indent));
        await page.waitForTimeout(400);
        await page.evaluate(() => ((window as unknown as { keyTimings: KeyTiming[] }).keyTimings = []));
        await page.keyboard.type(lines[i].slice(indent), { delay: delayMs });
        await page.waitForTimeout(delayMs);
        rows.push(...(await page.evaluate(() => (window as unknown as { keyTimings: KeyTiming[] }).keyTimings)));
      }
      await page.keyboard.press('Escape');
    }
    const fresh = rows.filter((r) => r.totalMs !== null && !r.through);
    const through = rows.filter((r) => r.totalMs !== null && r.through);
    return {
      delayMs,
      readyMs,
      settleMs,
      keys: rows.length,
      withNewGhost: fresh.length,
      typingThrough: through.length,
      noNewGhost: rows.length - fresh.length - through.length,
      keystrokeToGhostMs: summary(fresh.map((r) => r.totalMs!)),
      keydownToAskMs: summary(fresh.filter((r) => r.askMs !== null).map((r) => r.askMs!)),
      askToAnswerMs: summary(fresh.filter((r) => r.workerMs !== null).map((r) => r.workerMs!)),
      typingThroughMs: summary(through.map((r) => r.totalMs!)),
      slowest: fresh.sort((a, b) => b.totalMs! - a.totalMs!).slice(0, 5),
    };
  } finally {
    await browser.close();
    await site.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const delay = Number(process.argv[2] ?? KEY_DELAY_MS);
  const settle = Number(process.argv[3] ?? 0);
  process.stdout.write(JSON.stringify(await benchGhostLatency(delay, settle), null, 2) + '\n');
}
