/**
 * The Vite plugin that leaves out of the built site the parts of Monaco that the editor's own modules import but
 * the site never shows: a smaller chunk for every visitor to download and parse (issue 13; 3.74 → 3.31 MB, gzip
 * 971 → 865 KB). Each module named in OMITTED is replaced, in builds only, by a few lines that export the same names:
 *
 * - **Inline edits** (Copilot's "next edit" views, their gutter menu and onboarding): the ghost-text view imports
 *   them, and with them the diff editor's line rendering, sticky scroll and folding. The site's provider returns
 *   ghost text at the cursor only, never an edit elsewhere, so none of them is ever made, but for the gutter
 *   indicator, which the ghost-text view makes at once and which shows only for an inline edit's menu.
 * - **The diff editors** (`monaco.editor.createDiffEditor`, `createMultiFileDiffEditor`): the standalone API
 *   defines its diff editor class at load, so the class must exist; the site compares models in its own views.
 * - **GPU rendering** of the lines (`experimentalGpuAcceleration`, off by default and never turned on here).
 *
 * Whatever the site does not make is replaced by a class that throws when made, saying why, rather than one that
 * half works. The build fails if a named module is gone or a stand-in lacks an export Monaco imports (Rolldown's
 * missing-export error), so a new Monaco cannot bring them back unnoticed. The dev server keeps all of Monaco.
 */
import type { Plugin } from 'vite';

const MONACO = '/node_modules/monaco-editor/esm/vs/';
const INLINE_EDITS = 'editor/contrib/inlineCompletions/browser/view/inlineEdits/';

/** Code of a class that throws when made (for what the site never makes), with static methods that make one. */
const unused = (name: string, what: string, statics: string[] = []) =>
  `export class ${name} {\n` +
  `  constructor() { throw new Error(${JSON.stringify(`Codegram leaves ${what} out of its build (monaco-trim/plugin.ts)`)}); }\n` +
  statics.map((m) => `  static ${m}() { return new this(); }\n`).join('') +
  '}\n';

/** Each omitted module (its path under monaco-editor/esm/vs/) and the code that stands in for it. */
const OMITTED: Readonly<Record<string, string>> = {
  [`${INLINE_EDITS}inlineEditsViewProducer.js`]: unused('InlineEditsViewAndDiffProducer', "Monaco's inline edits"),
  [`${INLINE_EDITS}inlineEditsNewUsers.js`]: unused('InlineEditsOnboardingExperience', "Monaco's inline edits"),
  // Made with every ghost-text view: an indicator that is never shown (its hover never visible). The rest is read
  // only to fill the indicator for an inline edit's menu.
  [`${INLINE_EDITS}components/gutterIndicatorView.js`]: [
    "import { Disposable } from '../../../../../../../base/common/lifecycle.js';",
    "import { constObservable } from '../../../../../../../base/common/observableInternal/observables/constObservable.js';",
    'export class InlineEditsGutterIndicator extends Disposable {',
    '  constructor() { super(); this.isHoverVisible = constObservable(false); }',
    '}',
    unused('InlineEditsGutterIndicatorData', "Monaco's inline edits"),
    unused('InlineSuggestionGutterMenuData', "Monaco's inline edits", ['fromInlineSuggestion']),
    unused('SimpleInlineSuggestModel', "Monaco's inline edits", ['fromInlineCompletionModel']),
  ].join('\n'),
  'editor/browser/widget/diffEditor/diffEditorWidget.js': unused('DiffEditorWidget', "Monaco's diff editor"),
  'editor/browser/widget/multiDiffEditor/multiDiffEditorWidget.js': unused('MultiDiffEditorWidget', "Monaco's multi-file diff editor"),
  'editor/browser/gpu/viewGpuContext.js': unused('ViewGpuContext', "Monaco's GPU rendering"),
  'editor/browser/viewParts/viewLinesGpu/viewLinesGpu.js': unused('ViewLinesGpu', "Monaco's GPU rendering"),
};

/** The OMITTED key of a module id (a file path, maybe with a query), or undefined. */
function omittedKey(id: string): string | undefined {
  const path = id.split('?')[0].replaceAll('\\', '/');
  const at = path.lastIndexOf(MONACO);
  if (at < 0) return undefined;
  const key = path.slice(at + MONACO.length);
  return Object.hasOwn(OMITTED, key) ? key : undefined;
}

export function monacoTrim(): Plugin {
  const seen = new Set<string>();
  /** Whether this build loads the editor (the page's does; the editor's worker loads other parts of Monaco). */
  let editorApi = false;
  return {
    name: 'codegram-monaco-trim',
    apply: 'build',
    enforce: 'pre',
    load(id) {
      editorApi ||= id.includes(`${MONACO}editor/editor.api.js`);
      const key = omittedKey(id);
      if (key === undefined) return null;
      seen.add(key);
      return OMITTED[key];
    },
    buildEnd(error) {
      // A build of the editor that never met a module named here is one whose Monaco moved it: it would be back in
      // the chunk unnoticed.
      if (error || !editorApi) return;
      const missing = Object.keys(OMITTED).filter((k) => !seen.has(k));
      if (missing.length) this.error(`monaco-trim: Monaco no longer has ${missing.join(', ')}: update OMITTED`);
    },
  };
}
