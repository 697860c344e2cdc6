/**
 * Faults in the browser: the model worker crashes, or is terminated silently, or the page reloads in the
 * middle of a build. Each time the page notices, says so, and gets back to working models.
 */
import { describe, expect, it } from 'vitest';
import type { Page, Worker } from 'playwright-core';
import { e2eSession, predictionTokens, setEditorText } from './harness.ts';

const session = e2eSession('faults');

const READY = 120_000;
const ready = (page: Page) => page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: READY });
const alerts = (page: Page) => page.locator('#app [role=alert]').innerText();

async function modelWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().some((w) => w.url().includes('model-worker')), { timeout: 30_000 }).toBe(true);
  return page.workers().find((w) => w.url().includes('model-worker'))!;
}

describe('faults', () => {
  it('restarts a crashed model worker and restores the models', async () => {
    const { page } = session.browser;
    await page.goto(session.site.url);
    await ready(page);
    const worker = await modelWorker(page);
    await worker.evaluate(() => {
      setTimeout(() => {
        throw new Error('simulated crash');
      }, 0);
    });
    await expect.poll(() => alerts(page), { timeout: 30_000 }).toMatch(/The model worker stopped \(.*simulated crash.*\)/);
    await ready(page);
    await setEditorText(page, 'for i in range(');
    await expect.poll(async () => (await predictionTokens(page)).length, { timeout: READY }).toBeGreaterThan(0);
  });

  it('notices a worker that was terminated without a word', async () => {
    const { page } = session.browser;
    await page.getByRole('button', { name: 'Dismiss' }).first().click();
    const worker = await modelWorker(page);
    await worker.evaluate(() => (self as unknown as { close(): void }).close());
    // The next question goes unanswered; the watchdog replaces the worker.
    await setEditorText(page, 'while True:\n    ');
    await expect.poll(() => alerts(page), { timeout: 60_000 }).toMatch(/The model worker stopped \(no answer/);
    await ready(page);
    await expect.poll(async () => (await predictionTokens(page)).length, { timeout: READY }).toBeGreaterThan(0);
  });

  it('comes back with working models after a reload in the middle of a build', async () => {
    const { page } = session.browser;
    await page.getByRole('radio', { name: 'Code' }).check({ force: true });
    await page.getByLabel('Upload corpus').setInputFiles({ name: 'mid.py', mimeType: 'text/plain', buffer: Buffer.from('def zzmid(x):\n    return x\n'.repeat(50)) });
    await page.getByRole('progressbar').waitFor({ timeout: 30_000 });
    await page.reload();
    await ready(page);
    expect(await alerts(page)).toBe('');
    expect(await page.getByRole('list', { name: 'Corpora' }).innerText()).toContain('mid.py');
    await setEditorText(page, 'def ');
    await expect.poll(async () => (await predictionTokens(page)).length, { timeout: READY }).toBeGreaterThan(0);
    expect(session.browser.errors).toEqual([]);
  });

  it('clamps or refuses absurd settings in a link, with a message', async () => {
    const { page } = session.browser;
    await page.goto(`${session.site.url}index.html#order=0&s=7&lang=cobol&model=gpt`);
    await ready(page);
    const messages = await page.locator('.messages').innerText();
    expect(messages).toContain('n-gram order 0 is outside 1..8; clamped to 1');
    expect(messages).toContain('fine-tuning strength 7 is outside 0..1; clamped to 1');
    expect(messages).toContain('unknown language "cobol"');
    expect(messages).toContain('unknown model "gpt"');
    expect(await page.getByLabel('n-gram order').inputValue()).toBe('1');
    expect(await page.getByLabel('Language').inputValue()).toBe('python');
    expect(await page.locator('[role=status]', { hasText: 'Ready' }).innerText()).toContain('Ready');
    // A unigram model still answers.
    await setEditorText(page, 'x = ');
    await expect.poll(async () => (await predictionTokens(page)).length, { timeout: READY }).toBeGreaterThan(0);
  });
});
