/**
 * Accessibility by a tool (issue 15): axe-core (test/e2e/axe.ts, no rule disabled) finds no serious or critical
 * violation on the first screen, nor with every view opened — the three analysis tabs with their curve and table
 * drawn, the lesson views (rank colouring, token outlines, both models' continuations), the code check after
 * "Check the code", every disclosure — in the light and dark colour schemes, at 1280×800 and 420×900. Screenshots of
 * each combination are kept in test-results/ (a11y-<scheme>-<size>.png for the first screen,
 * a11y-<scheme>-<size>-all-<tab>.png for the whole page). Also: the rank legend's chips wear the four class colours.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { RANK_CLASSES } from '../../src/editor/lesson.ts';
import { formatViolations, scanA11y } from './axe.ts';
import { ARTIFACTS, e2eSession } from './harness.ts';

const session = e2eSession('a11y', { ready: true });

const SCHEMES = ['light', 'dark'] as const;
const SIZES = [
  { name: 'wide', width: 1280, height: 800 },
  { name: 'narrow', width: 420, height: 900 },
] as const;
const TABS = [
  { name: 'Why this suggestion', file: 'why' },
  { name: 'Fine-tuning curve', file: 'curve' },
  { name: 'Naturalness', file: 'naturalness' },
] as const;

/** Every scheme and size in turn; `scan` names what it scanned and returns its findings, gathered per combination. */
async function eachCombination(page: Page, scan: (combo: string) => Promise<string[]>): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of SCHEMES) {
    for (const size of SIZES) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width: size.width, height: size.height });
      // Monaco follows the scheme on the media query's change event and relayouts on resize: let both render (two
      // frames, or a second if headless Chromium draws none: see openTab).
      await page.evaluate(() => new Promise((r) => (requestAnimationFrame(() => requestAnimationFrame(r)), setTimeout(r, 1000))));
      found.push(...(await scan(`${colorScheme}-${size.name}`)));
    }
  }
  return found;
}

/**
 * Opens an analysis tab by keyboard, as a keyboard user does (focus, Enter). A pointer click first waits for the tab
 * to rest over two animation frames, and once (a CI run, with the page otherwise idle) headless Chromium drew no
 * frame for the click's whole 30 s; focus and keys need none.
 */
async function openTab(page: Page, name: string): Promise<void> {
  const tab = page.getByRole('tab', { name });
  await tab.focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true');
}

async function violationsAt(page: Page, label: string): Promise<string[]> {
  const v = await scanA11y(page);
  session.figures[label] = v.map((x) => `${x.rule}: ${x.targets.length}`);
  return v.length ? [`${label}:\n${formatViolations(v)}`] : [];
}

describe('accessibility (axe-core, serious and critical)', () => {
  it('finds nothing on the first screen, light and dark, wide and narrow', async () => {
    const { page } = session.browser;
    const found = await eachCombination(page, async (combo) => {
      await page.screenshot({ path: `${ARTIFACTS}/a11y-${combo}.png` });
      return violationsAt(page, `${combo} first screen`);
    });
    expect(found.join('\n'), 'axe violations').toBe('');
  });

  it('shows each rank class in the legend in the colour the editor gives it', async () => {
    const { page } = session.browser;
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('checkbox', { name: 'Colour tokens by rank' }).check();
    const chips = page.getByRole('list', { name: 'Rank colours' }).getByRole('listitem');
    expect(await chips.allInnerTexts()).toEqual(RANK_CLASSES.map((c) => c.label));
    // The colour of each class as the editor's decorations get it (same stylesheet, an element of that class),
    // next to the chip's own background.
    const colours = await page.evaluate((ids) => {
      const chip = [...document.querySelectorAll('[aria-label="Rank colours"] li > *')].map((e) => getComputedStyle(e).backgroundColor);
      const decoration = ids.map((id) => {
        const probe = document.createElement('span');
        probe.className = `cg-rank cg-rank-${id}`;
        document.body.append(probe);
        const bg = getComputedStyle(probe).backgroundColor;
        probe.remove();
        return bg;
      });
      return { chip, decoration };
    }, RANK_CLASSES.map((c) => c.id));
    expect(colours.chip).toEqual(colours.decoration);
    expect(new Set(colours.chip).size).toBe(4);
    for (const c of colours.chip) expect(c).not.toMatch(/^rgba\(0, 0, 0, 0\)$/);
    // And the spans in the editor wear the same colours as their chips.
    await expect.poll(() => page.locator('.monaco-editor .view-lines .cg-rank').count(), { timeout: 30_000 }).toBeGreaterThan(3);
    const inEditor = await page.evaluate(() => {
      const seen: Record<string, string> = {};
      for (const e of document.querySelectorAll('.monaco-editor .view-lines .cg-rank')) {
        const id = [...e.classList].find((c) => /^cg-rank-/.test(c))!.slice('cg-rank-'.length);
        seen[id] = getComputedStyle(e).backgroundColor;
      }
      return seen;
    });
    for (const [id, bg] of Object.entries(inEditor)) expect(bg).toBe(colours.chip[RANK_CLASSES.findIndex((c) => c.id === id)]);
    await page.getByRole('list', { name: 'Rank colours' }).screenshot({ path: `${ARTIFACTS}/a11y-rank-legend.png` });
  });

  it('finds nothing with every view opened, light and dark, wide and narrow', async () => {
    const { page } = session.browser;
    const started = Date.now();
    const mark = (what: string) => (session.figures[`${what}Ms`] = Date.now() - started);
    // The naturalness table is the slowest view: start it first, and the code check, then the lesson views meanwhile.
    await page.getByRole('tab', { name: 'Naturalness' }).click();
    await page.getByRole('button', { name: 'Compute the table' }).click();
    const check = page.getByRole('region', { name: 'Code check' });
    await check.getByRole('button', { name: 'Check the code' }).click();
    await page.getByRole('checkbox', { name: 'Colour tokens by rank' }).check();
    await page.getByRole('checkbox', { name: 'Show tokens' }).check();
    await page.getByRole('button', { name: 'Continue the text' }).click();
    await page.locator('[data-continuation=finetuned] pre').waitFor({ timeout: 60_000 });
    mark('continued');
    await page.getByRole('tab', { name: 'Fine-tuning curve' }).click();
    await expect.poll(() => page.getByTestId('curve-by-fraction').locator('circle.point').count(), { timeout: 60_000 }).toBe(10);
    mark('curveDrawn');
    for (const model of ['Base', 'Fine-tuned']) {
      await expect.poll(() => check.getByRole('group', { name: `${model} model` }).innerText(), { timeout: 180_000 }).toMatch(/Sampled: \d+ of \d+ parse/);
    }
    mark('codeChecked');
    await page.getByRole('tab', { name: 'Naturalness' }).click();
    await page.getByRole('table', { name: 'Naturalness: bits per held-out token' }).waitFor({ timeout: 240_000 });
    mark('naturalnessTable');
    // Every disclosure open (the code check's samples, the explainer, and any panel shown on demand).
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));

    const found = await eachCombination(page, async (combo) => {
      const out: string[] = [];
      for (const tab of TABS) {
        await openTab(page, tab.name);
        out.push(...(await violationsAt(page, `${combo} all views, ${tab.name}`)));
        await page.screenshot({ path: `${ARTIFACTS}/a11y-${combo}-all-${tab.file}.png`, fullPage: true });
      }
      return out;
    });
    mark('scanned');
    expect(found.join('\n'), 'axe violations').toBe('');
  }, 480_000);
});
