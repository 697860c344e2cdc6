/**
 * The analysis views in Chromium, on the default corpora: "why this suggestion" lists training snippets
 * where the context is followed by the suggested token and follows the model switch; the fine-tuning curve
 * draws its points with the fitted λ marked; the naturalness table fills in for orders 1–6 with code below
 * English. Screenshots and timings (figures, not assertions) go to test-results/.
 */
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, e2eSession, predictionTokens, setEditorText } from './harness.ts';

const session = e2eSession('analysis', { ready: true });

describe('the analysis views', () => {
  it('shows where the context is followed by the suggested token, for the selected model', async () => {
    const { page } = session.browser;
    await page.getByRole('radio', { name: 'Fine-tuned' }).check({ force: true });
    await setEditorText(page, 'for i in range(');
    await expect.poll(async () => (await predictionTokens(page)).includes('len'), { timeout: 10_000 }).toBe(true);
    await page.getByRole('tab', { name: 'Why this suggestion' }).click();
    const started = Date.now();
    await page.getByRole('group', { name: 'Explain which suggestion' }).getByRole('button', { name: /len$/ }).click();
    const code = page.getByRole('list', { name: 'Code snippets' }).getByRole('listitem');
    await expect.poll(async () => (await code.allInnerTexts()).join('\n'), { timeout: 30_000 }).toContain('range(len');
    session.figures.whyFirstMs = Date.now() - started;
    const snippets = await page.getByRole('list', { name: 'Code snippets' }).locator('code').allInnerTexts();
    expect(snippets.length).toBeGreaterThan(0);
    for (const s of snippets) expect(s).toContain('range(len');
    // Each hit names a file and a line.
    for (const t of await code.locator('.where').allInnerTexts()) expect(t).toMatch(/^\S+:\d+$/);
    expect(await page.getByTestId('why-report').getAttribute('data-model')).toBe('finetuned');
    await page.screenshot({ path: `${ARTIFACTS}/analysis-why.png`, fullPage: true });

    // The base model was trained on English only: only English is searched.
    await page.getByRole('radio', { name: 'Base' }).check({ force: true });
    await expect.poll(() => page.getByTestId('why-report').getAttribute('data-model'), { timeout: 10_000 }).toBe('base');
    expect(await page.getByTestId('why-report').locator('section').evaluateAll((s) => s.map((e) => e.getAttribute('data-corpus')))).toEqual(['English']);
    await page.getByRole('radio', { name: 'Fine-tuned' }).check({ force: true });
    expect(session.browser.errors).toEqual([]);
  });

  it('plots the fine-tuning curve with its points and the fitted λ', async () => {
    const { page } = session.browser;
    const started = Date.now();
    await page.getByRole('tab', { name: 'Fine-tuning curve' }).click();
    const byFraction = page.getByTestId('curve-by-fraction');
    // 0, 12.5, 25, 50 and 100% for held-out code and held-out English.
    await expect.poll(() => byFraction.locator('circle.point').count(), { timeout: 30_000 }).toBe(10);
    session.figures.curveMs = Date.now() - started;
    expect(await page.getByTestId('curve-by-lambda').locator('circle.point').count()).toBe(42);
    expect(await page.getByTestId('curve-by-lambda').textContent()).toMatch(/fitted λ 0\.\d{3}/);
    const titles = await byFraction.locator('circle.point title').allTextContents();
    const bits = (prefix: string, kind: string) => Number(titles.find((t) => t.startsWith(prefix) && t.includes(kind))!.match(/(\d+\.\d+) bits/)![1]);
    // The gain on code and the cost on English, as measured.
    expect(bits('100%', 'code')).toBeLessThan(bits('0%', 'code'));
    expect(bits('100%', 'English')).toBeGreaterThan(bits('0%', 'English'));
    await expect.poll(() => page.getByTestId('curve-summary').textContent()).toContain('forgetting');
    await page.getByRole('tabpanel', { name: 'Fine-tuning curve' }).screenshot({ path: `${ARTIFACTS}/analysis-curve.png` });
  });

  it('computes the naturalness table for orders 1 to 6 in the background, code below English', async () => {
    const { page } = session.browser;
    await page.getByRole('tab', { name: 'Naturalness' }).click();
    const started = Date.now();
    await page.getByRole('button', { name: 'Compute the table' }).click();
    await page.getByRole('progressbar', { name: 'Naturalness job' }).waitFor({ timeout: 10_000 });
    // The editor keeps answering while the job runs.
    await setEditorText(page, 'def main():\n    ');
    await expect.poll(async () => (await predictionTokens(page)).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const table = page.getByRole('table', { name: 'Naturalness: bits per held-out token' });
    await table.waitFor({ timeout: 180_000 });
    session.figures.naturalnessMs = Date.now() - started;
    const headers = await table.locator('thead th').allInnerTexts();
    expect(headers.slice(2)).toEqual(['order 1', 'order 2', 'order 3', 'order 4', 'order 5', 'order 6']);
    const row = async (lang: string, model: string) => (await table.locator(`tr[data-lang=${lang}][data-model=${model}] td.num`).allInnerTexts()).map(Number);
    const english = await row('english', 'base');
    expect(english).toHaveLength(6);
    const measured: Record<string, number[]> = { english };
    for (const lang of ['python', 'javascript', 'typescript']) {
      const code = await row(lang, 'code');
      measured[lang] = code;
      code.forEach((b, i) => expect(b).toBeLessThan(english[i]));
    }
    session.figures.naturalnessOwnModelBits = measured;
    // The rows of the selected model are marked, and follow the switch.
    expect(await table.locator('tr.selected').first().getAttribute('data-model')).toBe('finetuned');
    await page.getByRole('radio', { name: 'Base' }).check({ force: true });
    await expect.poll(() => table.locator('tr.selected').first().getAttribute('data-model')).toBe('base');
    await page.getByRole('radio', { name: 'Fine-tuned' }).check({ force: true });
    expect(await page.getByTestId('naturalness-chart').locator('circle.point').count()).toBe(24);
    await page.getByRole('tabpanel', { name: 'Naturalness' }).screenshot({ path: `${ARTIFACTS}/analysis-naturalness.png` });
    await page.setViewportSize({ width: 420, height: 800 });
    await page.screenshot({ path: `${ARTIFACTS}/analysis-narrow.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(session.browser.errors).toEqual([]);
  });
});
