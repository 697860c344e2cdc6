/**
 * The lesson views in Chromium (issue 6): token colouring by rank with its legend, figures and hover, the switch
 * between models recolouring the text, token outlines, the prompting panel (the factorial prompt: the fine-tuned
 * model defines a function, the base model does not) and the four smoothing methods side by side.
 */
import { describe, expect, it } from 'vitest';
import { FACTORIAL_PROMPT } from '../../src/editor/snippets.ts';
import { tokenize } from '../../src/lm/tokenizer.ts';
import { ARTIFACTS, e2eSession, editorText, setEditorText, type Browser } from './harness.ts';

const session = e2eSession('lesson', { ready: true });

const SNIPPET = 'import os\n\n\ndef read_config(path):\n    with open(path) as f:\n        return f.read()\n\n\nfor name in os.listdir("."):\n    if name.endswith(".py"):\n        print(name)\n';

/** Share of the coloured spans drawn with the top-10 class. */
async function top10Share(page: Browser['page']): Promise<number> {
  return page.evaluate(() => {
    const all = document.querySelectorAll('.monaco-editor .view-lines .cg-rank').length;
    return all ? document.querySelectorAll('.monaco-editor .view-lines .cg-rank-top10').length / all : -1;
  });
}

describe('lesson views', () => {
  it('colours tokens by rank, with a legend and both models\' figures, and recolours on the model switch', async () => {
    const { page } = session.browser;
    await page.getByRole('radio', { name: 'Fine-tuned' }).check({ force: true });
    await setEditorText(page, SNIPPET);
    const started = Date.now();
    await page.getByRole('checkbox', { name: 'Colour tokens by rank' }).check();
    await expect.poll(() => page.locator('.monaco-editor .view-lines .cg-rank').count(), { timeout: 30_000 }).toBeGreaterThan(10);
    session.figures.colouringShownMs = Date.now() - started;
    expect(await page.getByRole('list', { name: 'Rank colours' }).getByRole('listitem').allInnerTexts()).toEqual(['top 10', 'top 100', 'top 1000', 'beyond']);
    await expect.poll(() => page.getByTestId('colour-figures').innerText()).toMatch(/base: perplexity [\d.]+, [\d.]+ bits\/token.*fine-tuned: perplexity/s);

    const ft = await top10Share(page);
    await page.getByRole('radio', { name: 'Base' }).check({ force: true });
    await expect.poll(() => top10Share(page)).not.toBe(ft);
    const base = await top10Share(page);
    expect(ft).toBeGreaterThan(base);
    session.figures.top10Share = { base: Math.round(base * 100) / 100, finetuned: Math.round(ft * 100) / 100 };
    await page.getByRole('radio', { name: 'Fine-tuned' }).check({ force: true });
    await expect.poll(() => top10Share(page)).toBe(ft);
  });

  it('shows a token\'s probability, rank and matched order under both models on hover', async () => {
    const { page } = session.browser;
    await page.locator('.monaco-editor .view-lines .cg-rank').nth(3).hover();
    const hover = page.locator('.monaco-hover:not(.hidden)');
    await expect.poll(() => hover.innerText().catch(() => ''), { timeout: 15_000 }).toMatch(/fine-tuned/);
    const shown = await hover.innerText();
    expect(shown).toMatch(/base/);
    expect(shown).toMatch(/probability/);
    expect(shown).toMatch(/\d-gram|unknown token/);
    await page.screenshot({ path: `${ARTIFACTS}/lesson-colouring.png` });
    await page.mouse.move(0, 0);
  });

  it('outlines every token when "Show tokens" is on', async () => {
    const { page } = session.browser;
    await page.getByRole('checkbox', { name: 'Colour tokens by rank' }).uncheck();
    await expect.poll(() => page.locator('.monaco-editor .cg-rank').count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Show tokens' }).check();
    await expect.poll(() => page.locator('.monaco-editor .view-lines .cg-token-0').count()).toBeGreaterThan(5);
    expect(await page.locator('.monaco-editor .view-lines .cg-token-1').count()).toBeGreaterThan(5);
    await page.getByRole('checkbox', { name: 'Show tokens' }).uncheck();
    await expect.poll(() => page.locator('.monaco-editor .cg-token-0').count()).toBe(0);
  });

  it('continues the factorial prompt with a function under the fine-tuned model, not under the base model', async () => {
    const { page } = session.browser;
    await setEditorText(page, FACTORIAL_PROMPT);
    // The document cache holds the prompt (and no longer the previous text) before generating.
    await page.getByText(`(${tokenize(FACTORIAL_PROMPT).length} tokens)`).waitFor();
    await page.getByRole('combobox', { name: 'Generation method' }).selectOption('greedy');
    const started = Date.now();
    await page.getByRole('button', { name: 'Continue the text' }).click();
    const ft = page.locator('[data-continuation=finetuned] pre');
    const base = page.locator('[data-continuation=base] pre');
    await expect.poll(() => ft.count(), { timeout: 30_000 }).toBe(1);
    session.figures.promptingShownMs = Date.now() - started;
    const ftText = await ft.textContent();
    const baseText = await base.textContent();
    session.figures.factorial = { finetuned: ftText, base: baseText };
    expect(ftText).toMatch(/^def \w+\(/);
    expect(baseText).not.toContain('def ');
    // What the model could see, from the live answer: the order in force, never a fixed number in the prose.
    const memory = page.getByTestId('prompt-memory');
    const order = Number(await page.getByLabel('n-gram order').inputValue());
    await expect.poll(() => memory.innerText()).toContain(`all an n-gram of order ${order} can use`);
    await expect.poll(() => memory.innerText()).toContain('# a Python function that calculates the factorial of a number');
    await expect.poll(() => memory.innerText()).toContain('out of sight');
    await expect.poll(() => memory.innerText()).toContain(`holds all ${tokenize(FACTORIAL_PROMPT).length} tokens`);
    await page.getByRole('button', { name: 'Insert the fine-tuned continuation' }).click();
    await expect.poll(() => editorText(page)).toContain('def ');
  });

  it('shows the four smoothing methods side by side for the context at the cursor', async () => {
    const { page } = session.browser;
    await setEditorText(page, 'for i in range(');
    const names = ['Maximum likelihood', 'Add-k', 'Stupid backoff', 'Modified Kneser-Ney'];
    for (const n of names) {
      await expect.poll(() => page.getByRole('list', { name: `${n} distribution` }).getByRole('listitem').count()).toBeGreaterThan(0);
    }
    // After `range(` the code counts have seen `len` many times: it is among every method's top tokens.
    const tokens = async (n: string) => (await page.getByRole('list', { name: `${n} distribution` }).getByRole('listitem').allInnerTexts()).map((t) => t.split('\n')[0]);
    for (const n of names) await expect.poll(() => tokens(n)).toContain('len');
    // Stupid backoff's scores are not probabilities: the view says so.
    await expect.poll(() => page.getByText('a score, not a probability').count()).toBe(1);
    await page.getByRole('heading', { name: 'Smoothing, side by side' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}/lesson-views.png`, fullPage: true });
    expect(session.browser.errors).toEqual([]);
  });
});
