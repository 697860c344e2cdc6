/**
 * The guided path in Chromium (issue 15), by keyboard only: the welcome on a first visit, every step acted on
 * with the live models (a guess and the base model's answer, the switch to Fine-tuned and the code-seen slider
 * played from 0 to 100%, rank colouring, prompts, the memory limit), Space/arrows/Esc inside the tour, the
 * "Tour" button bringing it back, the step in the link, a classroom link hiding controls, and a second visit
 * without the welcome. Every step is screenshotted wide and narrow, light and dark, and scanned by axe.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { TOUR_STEPS } from '../../src/state/tour.svelte.ts';
import { formatViolations, scanA11y } from './axe.ts';
import { ARTIFACTS, e2eSession, editorText } from './harness.ts';

const session = e2eSession('tour', { ready: true });

const tourRegion = (page: Page) => page.getByRole('region', { name: 'Tour' });

/** Presses Tab (or Shift+Tab) until the element matched is focused; fails after `limit` presses. */
async function tabTo(page: Page, selector: string, back = false, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await page.locator(selector).evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${selector} never took the focus in ${limit} presses of ${back ? 'Shift+Tab' : 'Tab'}`);
}

const inTour = (name: string) => `section[aria-label="Tour"] button:text-is("${name}")`;

/** Screenshots and scans the page as it is, light and dark; wide or narrow by the viewport set. */
async function record(page: Page, stepId: string, width: 'wide' | 'narrow'): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `${ARTIFACTS}/tour-${stepId}-${width}-${scheme}.png` });
    const violations = await scanA11y(page);
    expect(violations, `axe on step ${stepId}, ${width}, ${scheme}:\n${formatViolations(violations)}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function expectStep(page: Page, index: number): Promise<void> {
  await expect.poll(() => tourRegion(page).getByRole('heading', { level: 2 }).innerText()).toBe(TOUR_STEPS[index].title);
}

describe('the guided tour', () => {
  it('welcomes a first visit, without covering the editor\'s text or taking the page', async () => {
    const { page } = session.browser;
    const tour = tourRegion(page);
    await expect.poll(() => tour.isVisible()).toBe(true);
    await expectStep(page, 0);
    for (const name of ['Back', 'Next', 'Close tour']) expect(await tour.getByRole('button', { name, exact: true }).count()).toBe(1);
    const box = (await tour.boundingBox())!;
    const text = (await page.locator('.monaco-editor .view-lines').boundingBox())!;
    const overlaps = box.x < text.x + text.width && text.x < box.x + box.width && box.y < text.y + text.height && text.y < box.y + box.height;
    expect(overlaps).toBe(false);
    // The first screen holds the editor, the model switch, the predictions and the path.
    const viewport = page.viewportSize()!;
    for (const part of [page.locator('[data-tour="editor"]'), page.getByRole('radiogroup', { name: 'Model' }), page.getByRole('list', { name: 'Next-token predictions' }), tour]) {
      const b = (await part.boundingBox())!;
      expect(b.y + Math.min(b.height, 40), `${await part.evaluate((e) => e.outerHTML.slice(0, 80))} is on the first screen`).toBeLessThan(viewport.height);
    }
  });

  it('walks the whole path by keyboard, each step acting on the live models', async () => {
    const { page } = session.browser;
    // From the top of the page: Tab to the Tour button, Enter puts the focus in the tour.
    await page.locator('body').evaluate((b) => (b.tabIndex = -1));
    await page.locator('body').focus();
    await tabTo(page, '#tour-button');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tour-heading');
    await record(page, 'welcome', 'wide');

    // Space moves on while the focus is in the tour.
    await page.keyboard.press('Space');
    await expectStep(page, 1);
    // Pretraining waits for the learner: Next is closed until the base model is shown.
    expect(await tourRegion(page).getByRole('button', { name: 'Next', exact: true }).isDisabled()).toBe(true);
    await page.keyboard.press('Space');
    await expectStep(page, 1);
    await tabTo(page, 'section[aria-label="Tour"] input');
    await page.keyboard.type('mat');
    await tabTo(page, inTour('Show the base model'));
    await page.keyboard.press('Enter');
    await expect.poll(() => tourRegion(page).innerText(), { timeout: 30_000 }).toMatch(/Base model: .+%.*(Your guess is its number \d+|Your guess is not in its list)/s);
    expect(await editorText(page)).toMatch(/^the cat sat on the/);
    expect(await page.getByRole('radio', { name: 'Base' }).isChecked()).toBe(true);
    await tabTo(page, inTour('Show the base model on code'));
    await page.keyboard.press('Enter');
    await expect.poll(() => tourRegion(page).innerText(), { timeout: 30_000 }).toMatch(/so its guesses come from English/);
    await record(page, 'pretraining', 'wide');
    await tabTo(page, inTour('Next'));
    await page.keyboard.press('Enter');
    await expectStep(page, 2);

    // Fine-tuning waits until the learner switches the model (Alt+M here), then plays the code-seen slider.
    expect(await tourRegion(page).getByRole('button', { name: 'Next', exact: true }).isDisabled()).toBe(true);
    await page.keyboard.press('Alt+KeyM');
    await expect.poll(() => tourRegion(page).innerText()).toMatch(/Fine-tuned: on/);
    await tabTo(page, inTour('Play 0% → 100% of the code'));
    await page.keyboard.press('Enter');
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const m = /Code seen: (\d+)%/.exec(await tourRegion(page).innerText());
          if (m) seen.add(m[1]);
          return seen.has('0') && seen.has('100');
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(3); // it passed through the fractions between
    await expect.poll(() => page.locator('#fraction').getAttribute('aria-valuetext'), { timeout: 30_000 }).toBe('100%');
    await record(page, 'fine-tuning', 'wide');
    await tabTo(page, inTour('Next'));
    await page.keyboard.press('Enter');
    await expectStep(page, 3);

    // Measuring: rank colouring on a Python function, with both models' top-10 shares.
    await tabTo(page, inTour('Colour a Python function'));
    await page.keyboard.press('Enter');
    await expect.poll(() => tourRegion(page).innerText(), { timeout: 60_000 }).toMatch(/top 10: base \d+% of the tokens, fine-tuned\s+\d+%/);
    const [, base, ft] = /top 10: base (\d+)% of the tokens, fine-tuned\s+(\d+)%/.exec(await tourRegion(page).innerText())!;
    expect(Number(ft)).toBeGreaterThan(Number(base));
    expect(await page.getByRole('checkbox', { name: 'Colour tokens by rank' }).isChecked()).toBe(true);
    await record(page, 'measuring', 'wide');
    await tabTo(page, inTour('Next'));
    await page.keyboard.press('Enter');
    await expectStep(page, 4);

    // Prompting: the factorial prompt, then the same with a type hint; both models answer each.
    await tabTo(page, inTour('The factorial prompt'));
    await page.keyboard.press('Enter');
    await expect.poll(() => tourRegion(page).innerText(), { timeout: 30_000 }).toMatch(/Base[\s\S]*Fine-tuned/);
    const plain = await tourRegion(page).locator('.pair').innerText();
    await tabTo(page, inTour('With a type hint'));
    await page.keyboard.press('Enter');
    await expect.poll(() => editorText(page)).toMatch(/def factorial\(n: int\) -> int:/);
    await expect.poll(() => tourRegion(page).locator('.pair').innerText().catch(() => plain), { timeout: 30_000 }).not.toBe(plain);
    await record(page, 'prompting', 'wide');
    // The arrows work too, on the tour itself: Shift+Tab from its buttons reaches it.
    await tabTo(page, 'section[aria-label="Tour"]', true);
    await page.keyboard.press('ArrowRight');
    await expectStep(page, 5);

    // Limits: the n-gram cannot see the function's name above.
    await tabTo(page, inTour('Try it'));
    await page.keyboard.press('Enter');
    await expect.poll(() => tourRegion(page).innerText(), { timeout: 30_000 }).toMatch(/After result = the fine-tuned model offers/);
    await record(page, 'limits', 'wide');
    await tabTo(page, 'section[aria-label="Tour"]', true);
    await page.keyboard.press('ArrowLeft');
    await expectStep(page, 4);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expectStep(page, 6);
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/step=your-turn/);
    await record(page, 'your-turn', 'wide');

    // Narrow: the same steps again (they remember what was done), Next by Space.
    await page.setViewportSize({ width: 420, height: 900 });
    for (let i = TOUR_STEPS.length - 1; i > 0; i--) await page.keyboard.press('ArrowLeft');
    await expectStep(page, 0);
    for (let i = 0; i < TOUR_STEPS.length; i++) {
      await expectStep(page, i);
      await record(page, TOUR_STEPS[i].id, 'narrow');
      if (i < TOUR_STEPS.length - 1) await page.keyboard.press('Space');
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // Esc closes it and gives the focus back to the Tour button; the button reopens it, at the start once the
    // last step was reached.
    await page.keyboard.press('Escape');
    await expect.poll(() => tourRegion(page).count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tour-button');
    await expect.poll(() => page.evaluate(() => location.hash)).not.toMatch(/step=/);
    await page.keyboard.press('Enter');
    await expectStep(page, 0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tour-heading');
    expect(session.browser.errors).toEqual([]);
  });

  it('is remembered as dismissed: a second visit opens without the welcome, and the Tour button brings it back', async () => {
    const { page } = session.browser;
    await tourRegion(page).getByRole('button', { name: 'Close tour' }).click();
    await page.goto(session.site.url);
    await page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: 120_000 });
    expect(await tourRegion(page).count()).toBe(0);
    await page.getByRole('button', { name: 'Tour', exact: true }).click();
    await expect.poll(() => tourRegion(page).isVisible()).toBe(true);
  });

  it('opens at the step a link names, with the controls a classroom link hides left out', async () => {
    const { page } = session.browser;
    await page.goto(`${session.site.url}#step=prompting&hide=order,model-files,snippets`);
    await page.reload(); // the goto changed only the hash: load the page anew from that link
    await page.locator('[role=status]', { hasText: 'Ready' }).waitFor({ timeout: 120_000 });
    await expectStep(page, 4);
    expect(await page.getByRole('combobox', { name: 'n-gram order' }).count()).toBe(0);
    expect(await page.getByRole('combobox', { name: 'Starter snippet' }).count()).toBe(0);
    expect(await page.getByRole('combobox', { name: 'Language' }).count()).toBe(1);
    // The link keeps the scenario as the page changes.
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/hide=order%2Cmodel-files%2Csnippets|hide=order,model-files,snippets/);
    // The editor works while the tour is open.
    await page.locator('.monaco-editor .view-lines').click({ position: { x: 4, y: 4 } });
    await page.keyboard.press('Control+End');
    await page.keyboard.type('x');
    await expect.poll(() => editorText(page)).toMatch(/x/);
  });
});
