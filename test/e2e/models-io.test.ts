/**
 * Model files on the built site in Chromium: the base model downloads as ARPA text, a small ARPA file written by
 * hand loads as the code model through the file input and the fine-tuned predictions follow it, and a corrupt
 * file gives an alert while the models keep answering. Download time and size go to test-results/.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, e2eSession, predictionTokens, setEditorText } from './harness.ts';
import { HAND_ARPA } from '../fixtures/hand-arpa.ts';

const session = e2eSession('models-io');


describe('model files on the site', () => {
  it('downloads the base model as ARPA text', async () => {
    const { page } = session.browser;
    await page.goto(session.site.url);
    await page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Model to download').selectOption('base');
    await page.getByLabel('File format').selectOption('arpa');
    const started = Date.now();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe('codegram-base-5gram.arpa');
    const path = `${ARTIFACTS}/codegram-base-5gram.arpa`;
    await download.saveAs(path);
    session.figures.baseArpaDownloadMs = Date.now() - started;
    const text = readFileSync(path, 'utf8');
    session.figures.baseArpaBytes = Buffer.byteLength(text);
    expect(text).toMatch(/^\\data\\\nngram 1=\d+\nngram 2=\d+\nngram 3=\d+\nngram 4=\d+\nngram 5=\d+\n/);
    expect(text.trimEnd().endsWith('\\end\\')).toBe(true);
  });

  it('loads a hand-written ARPA file as the code model and the fine-tuned predictions follow it', async () => {
    const { page } = session.browser;
    await page.getByRole('radio', { name: 'Fine-tuned' }).check({ force: true });
    // A just-typed space is the start of the next token (" zebra" in the file's escaped form "\szebra").
    await setEditorText(page, 'x = 1\nreturn ');
    await expect.poll(() => predictionTokens(page)).not.toHaveLength(0);
    expect(await predictionTokens(page)).not.toContain('zebra');
    await page.getByLabel('Load as').selectOption('code');
    await page.getByLabel('Load model file').setInputFiles({ name: 'zebra.arpa', mimeType: 'text/plain', buffer: Buffer.from(HAND_ARPA) });
    await page.getByText('Loaded "zebra.arpa" as the code model (5 / 2 n-grams).').waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await predictionTokens(page))[0]).toBe('zebra');
    expect(session.browser.errors).toEqual([]);
  });

  it('refuses a corrupt file with an alert and keeps answering', async () => {
    const { page } = session.browser;
    // The document cache learns every text typed below; switch it off so the same context gives the same list.
    await page.getByRole('checkbox', { name: 'Document cache' }).uncheck();
    await expect.poll(() => page.getByRole('region', { name: 'Fine-tuning' }).innerText()).toMatch(/Document cache\s+off/);
    await setEditorText(page, 'x = 1\nreturn ');
    await expect.poll(async () => (await predictionTokens(page))[0]).toBe('zebra');
    const before = await predictionTokens(page);
    const broken = gzipSync(HAND_ARPA.repeat(20)).subarray(0, 60);
    await page.getByLabel('Load model file').setInputFiles({ name: 'broken.arpa.gz', mimeType: 'application/gzip', buffer: Buffer.from(broken) });
    const alert = page.getByRole('alert').filter({ hasText: 'broken.arpa.gz' });
    await expect.poll(() => alert.innerText(), { timeout: 30_000 }).toMatch(/"broken\.arpa\.gz": the gzip data is truncated or corrupt.*The current models are still in use/);
    // Still answering, with the same models: a new context gets predictions, and the old one the same list.
    await setEditorText(page, 'for i in range(');
    await expect.poll(() => predictionTokens(page)).not.toEqual(before);
    await setEditorText(page, 'x = 1\nreturn ');
    await expect.poll(() => predictionTokens(page)).toEqual(before);
    expect(session.browser.errors).toEqual([]);
  });
});
