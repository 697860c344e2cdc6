/**
 * Static checks on our own source: no eval or Function constructor (the site's CSP forbids them), and user
 * data never rendered as HTML ({@html} or innerHTML).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|svelte)$/.test(name) ? [p] : [];
  });
}

const EVAL = /\beval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*['"`]/;
const HTML = /\{@html|\.(?:inner|outer)HTML\s*\+?=|insertAdjacentHTML|document\.write\s*\(|createContextualFragment/;

/**
 * The one exemption: the sandbox's harness (src/sandbox/harness.ts) is the program that runs generated code and
 * its tests. Its Python source calls Python's `eval` on each test, inside Pyodide, in a worker of the sandboxed
 * iframe, whose own policy allows it; the page never loads that program. The test below checks it is only that.
 */
const EVALUATES_GENERATED_CODE = new Set(['src/sandbox/harness.ts']);

const sources = files('src').map((path) => ({ path, text: readFileSync(path, 'utf8') }));

describe('our source', () => {
  it('is what these checks read', () => {
    expect(sources.length).toBeGreaterThan(30);
    expect(sources.some((s) => s.path.endsWith('App.svelte'))).toBe(true);
  });

  it('never evaluates strings as code', () => {
    for (const bad of ['eval(x)', 'new Function("a", b)', "setTimeout('go()', 1)"]) expect(bad).toMatch(EVAL);
    const offenders = sources.filter((s) => EVAL.test(s.text) && !EVALUATES_GENERATED_CODE.has(s.path)).map((s) => s.path);
    expect(offenders).toEqual([]);
  });

  it('evaluates generated code only in the sandbox harness, and there only inside the Python program it hands the sandbox', () => {
    for (const path of EVALUATES_GENERATED_CODE) {
      const text = sources.find((s) => s.path === path)?.text ?? '';
      const python = /export const PYTHON_HARNESS = `[\s\S]*?\n`;/.exec(text)?.[0] ?? '';
      expect(python).toMatch(EVAL); // the test's expr and expected are evaluated by Python's eval, in the sandbox's worker
      expect(text.replace(python, '')).not.toMatch(EVAL); // and nothing else in the file evaluates strings
    }
  });

  it('never renders text as HTML', () => {
    // The patterns catch every way of writing HTML we know of (a check that cannot fail checks nothing).
    for (const bad of ['{@html text}', 'el.innerHTML = s', 'el.innerHTML += s', 'el.innerHTML=s', 'el.outerHTML = s', 'el.outerHTML += s', "el.insertAdjacentHTML('beforeend', s)", 'document.write(s)', 'range.createContextualFragment(s)']) {
      expect(bad).toMatch(HTML);
    }
    expect('el.textContent = s').not.toMatch(HTML);
    const offenders = sources.filter((s) => HTML.test(s.text)).map((s) => s.path);
    expect(offenders).toEqual([]);
  });

  it('has one status region, the build status, so role="status" names it alone', () => {
    const offenders = sources.filter((s) => /role="status"|<output\b/.test(s.text)).map((s) => s.path);
    expect(offenders).toEqual(['src/components/StatusBar.svelte']);
  });
});
