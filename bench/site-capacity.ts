/**
 * How large a model the site holds: builds and serves the site, loads each model file given through the
 * page's "Load model file" input as the code model, and reports the load time and the memory of the largest
 * Chromium process afterwards (the renderer that hosts the model worker).
 *
 *   npx tsx bench/site-capacity.ts MODEL.cgm [MODEL.cgm …]
 *
 * Model files come from the CLI, e.g. `npx tsx bench/make-corpus.ts DIR 10` then
 * `npm run -s cli -- train --order 5 --out m10.cgm DIR`.
 */
import { execSync } from 'node:child_process';
import { openBrowser, serveBuiltSite, setEditorText, predictionTokens } from '../test/e2e/harness.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: tsx bench/site-capacity.ts MODEL.cgm [MODEL.cgm …]\n');
  process.exit(1);
}

const site = await serveBuiltSite();
const results: Record<string, unknown>[] = [];
for (const file of files) {
  const browser = await openBrowser();
  const { page } = browser;
  await page.goto(site.url);
  await page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: 120_000 });
  const started = Date.now();
  await page.getByLabel('Load model file').setInputFiles(file);
  const message = page.locator('.messages').filter({ hasText: /Loaded|could not be loaded|stopped/ });
  await message.waitFor({ timeout: 600_000 });
  const seconds = (Date.now() - started) / 1000;
  const outcome = (await message.innerText()).replace(/\s+/g, ' ').replace(/ ×$/, '');
  await setEditorText(page, 'def main():\n    ');
  const rssMb = execSync('ps -C chromium -o rss=').toString().trim().split(/\s+/).map(Number);
  results.push({ file, seconds, outcome, topPredictions: (await predictionTokens(page)).slice(0, 5), largestChromiumProcessMb: Math.round(Math.max(...rssMb) / 1024) });
  await browser.close();
}
await site.close();
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
