/**
 * The accessibility scan of the e2e tests: axe-core's own `axe.min.js` injected into the page (the
 * `@axe-core/playwright` that supports Node 20 is an older axe; this is the same engine with no wrapper), then
 * `axe.run` over the whole document with every rule axe enables by default — none is disabled here.
 *
 * Contract: `scanA11y(page)` resolves to the violations of impact "serious" or "critical", each with the CSS
 * targets of its failing nodes; an empty list means the page passes. `formatViolations` makes them a readable
 * failure message. The tour's test calls it on every step.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { AxeResults, ElementContext, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';

export interface A11yViolation {
  /** axe's rule id, e.g. "color-contrast". */
  rule: string;
  impact: 'serious' | 'critical';
  help: string;
  /** The failing elements, as axe's CSS selectors (frames and shadow roots joined with " >> "). */
  targets: string[];
  /** axe's explanation for the first failing element (for contrast: the colours and the ratio). */
  summary: string;
}

/**
 * Elements left out of every scan, each for a reason that cannot be fixed from this project's code. Nothing is
 * excluded today: Monaco's own parts pass once its theme's comment colour is ours (src/editor/monaco.ts).
 */
const EXCLUDED: string[] = [];

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe over the page as it is now and returns its serious and critical violations. */
export async function scanA11y(page: Page): Promise<A11yViolation[]> {
  // Evaluated through the DevTools protocol, not added as a <script>: the site's Content Security Policy
  // (script-src 'self') refuses inline scripts, and the harness counts such a refusal as a page error.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (exclude) => {
    const axe = (window as unknown as { axe: { run(context: ElementContext, options: RunOptions): Promise<AxeResults> } }).axe;
    const context: ElementContext = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) } : document;
    // resultTypes: only violations are read, so axe skips collecting the passes' nodes.
    return (await axe.run(context, { resultTypes: ['violations'] })).violations;
  }, EXCLUDED);
  return violations
    .filter((v): v is typeof v & { impact: 'serious' | 'critical' } => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.map((t) => (Array.isArray(t) ? t.join(' >> ') : String(t))).join(' >> ')),
      summary: (v.nodes[0]?.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
    }));
}

/** One line per violation and one per failing element: what a failed assertion prints. */
export function formatViolations(violations: readonly A11yViolation[]): string {
  return violations
    .map((v) => [`${v.impact} ${v.rule} (${v.targets.length}): ${v.help} — ${v.summary}`, ...v.targets.map((t) => `    ${t}`)].join('\n'))
    .join('\n');
}
