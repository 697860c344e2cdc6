/**
 * The code check in Chromium (issue 14): the factorial prompt's continuations from both models, greedy and
 * sampled, are parsed (CPython's compile() in Pyodide, in the sandbox) and run against the prompt's tests, with
 * the verdicts, the samples and pass@k shown; a JavaScript prompt is parsed by Babel's parser. Through the
 * accessible hooks other tests use: the region "Code check", the button "Run tests", the table "Tests passed".
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FACTORIAL_PROMPT } from '../../src/editor/snippets.ts';
import { ARTIFACTS, e2eSession, editorText } from './harness.ts';

const session = e2eSession('code-check', { ready: true });

describe('code check', () => {
  it('parses and runs both models\' continuations of the factorial prompt, and shows pass@k', async () => {
    const { page } = session.browser;
    const region = page.getByRole('region', { name: 'Code check' });
    await region.getByRole('combobox', { name: 'Samples per model' }).selectOption('5');
    await region.getByRole('combobox', { name: 'Prompt with tests' }).selectOption('py-factorial');
    // The visible text starts with the prompt (its last empty line is not drawn as text; a ghost may follow).
    await expect.poll(async () => (await editorText(page)).startsWith(FACTORIAL_PROMPT.trimEnd())).toBe(true);
    const started = Date.now();
    await region.getByRole('button', { name: 'Check the code' }).click();

    // Python's runtime loads on this first use: how long the status says so.
    const status = region.getByTestId('check-status');
    let loadingSeen: number | null = null;
    await expect
      .poll(
        async () => {
          const shown = await status.innerText().catch(() => '');
          if (/Loading Python/.test(shown)) loadingSeen ??= Date.now();
          return loadingSeen !== null && !/Loading Python/.test(shown);
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBe(true);
    session.figures.pythonLoadShownMs = Date.now() - loadingSeen!;

    // Both models' greedy continuations get a verdict from CPython, and every sample is parsed.
    for (const model of ['Base', 'Fine-tuned']) {
      const group = region.getByRole('group', { name: `${model} model` });
      await expect.poll(() => group.innerText(), { timeout: 120_000 }).toMatch(/Greedy: (parses|syntax error at line \d+, column \d+)/);
      await expect.poll(() => group.innerText(), { timeout: 120_000 }).toMatch(/Sampled: \d of 5 parse/);
    }
    session.figures.parsedMs = Date.now() - started;
    await expect.poll(() => region.getByTestId('check-status').innerText(), { timeout: 60_000 }).toMatch(/Tests for this prompt: 4 asserts, the prompt is new to both models/);

    const run = region.getByRole('button', { name: 'Run tests' });
    await expect.poll(() => run.isEnabled(), { timeout: 60_000 }).toBe(true);
    const ranAt = Date.now();
    await run.click();
    const table = region.getByRole('table', { name: /Tests passed/ });
    // Every sample that parses was run: the table's "Pass all tests" cells hold counts, not dashes.
    await expect.poll(async () => (await table.getByRole('row').allInnerTexts()).join('\n'), { timeout: 180_000 }).toMatch(/Base\s+\d \/ 5\s+\d \/ 5[\s\S]*Fine-tuned\s+\d \/ 5\s+\d \/ 5/);
    session.figures.testsRunMs = Date.now() - ranAt;
    const rows = await table.getByRole('row').allInnerTexts();
    expect(rows[0]).toMatch(/pass@1\s+pass@5/);
    for (const row of rows.slice(1)) expect(row).toMatch(/\d+%\s+\d+%\s+(passes|fails|syntax error)$/);
    session.figures.table = rows;
    // A greedy continuation that parses was run (its outcome shown); one that does not was not.
    for (const model of ['Base', 'Fine-tuned']) {
      const shown = await region.getByRole('group', { name: `${model} model` }).innerText();
      if (/Greedy: parses/.test(shown)) expect(shown).toMatch(/Tests: (passed|failed: \d of 4 tests|error|timed out)/);
      else expect(shown).not.toMatch(/Tests:/);
    }

    // Each sample says how it ended: a syntax error (not run), or passed, failed (with the failing asserts), an error.
    const details = region.getByRole('group', { name: 'Fine-tuned model' });
    await details.getByText('Every sample').click();
    const samples = await details.locator('.samples > li').allInnerTexts();
    expect(samples).toHaveLength(5);
    for (const s of samples) expect(s).toMatch(/^Seed \d: (parses.* · (passed|failed: \d of 4 tests|error|timed out|crashed)|syntax error at line \d+, column \d+: )/s);
    await page.screenshot({ path: `${ARTIFACTS}/code-check-python.png`, fullPage: true });
    writeFileSync(`${ARTIFACTS}/e2e-code-check.json`, JSON.stringify(session.figures, null, 2) + '\n');
  });

  it('judges a JavaScript prompt with the strict parser', async () => {
    const { page } = session.browser;
    const region = page.getByRole('region', { name: 'Code check' });
    await region.getByRole('combobox', { name: 'Prompt with tests' }).selectOption('js-fibonacci');
    await expect.poll(() => editorText(page)).toMatch(/^\/\/ a JavaScript function that calculates the nth Fibonacci number/);
    await expect.poll(() => region.getByTestId('check-status').innerText(), { timeout: 60_000 }).toMatch(/is one of the instruction examples/);
    for (const model of ['Base', 'Fine-tuned']) {
      const group = region.getByRole('group', { name: `${model} model` });
      await expect.poll(() => group.innerText(), { timeout: 120_000 }).toMatch(/Sampled: \d of 5 parse/);
    }
    // What the check loaded on demand, from the browser's resource timing (bytes over the wire, 0 when cached).
    session.figures.loadedOnDemand = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => /\/sandbox\/|\/assets\/(parse|host)-/.test(e.name))
        .map((e) => ({ file: e.name.split('/').pop(), ms: Math.round(e.duration), bytes: (e as PerformanceResourceTiming).transferSize })),
    );
    expect(session.browser.errors).toEqual([]);
  });
});
